import { createRequire } from 'node:module';
import path from 'node:path';

import type * as GatewayConfigModule from './gateway/config';
import type * as HiveServerModule from './gateway/hive/server';

// Hive Gateway's configuration file, where its CLI looks for it (the working directory):
//   npx hive-gateway supergraph schema/supergraph.graphql --port 4000
// serves the committed supergraph with Mente's caller authentication and internal tokens
// (gateway/hive/plugin.ts), offline. `GATEWAY_ENGINE=hive npm start` uses the same configuration
// in-process (gateway/hive/index.ts), with GET /health and POST /uploads on the same port, which
// the CLI does not serve. Environment: the Apollo gateway's (SUBGRAPH_URL_*, JWT_*,
// INTERNAL_PRIVATE_KEY_FILE, EXPOSE_SCHEMA).
//
// The CLI imports this file as an ES module; the product is CommonJS TypeScript (it uses
// __dirname), so it is loaded through tsx's CommonJS loader rather than imported here.
const load = createRequire(path.join(process.cwd(), 'gateway.config.ts'));
load('tsx/cjs');
const { loadGatewaySecurity, subgraphUrlsFromEnv } = load('./gateway/config.ts') as typeof GatewayConfigModule;
const { hiveGatewayConfig } = load('./gateway/hive/server.ts') as typeof HiveServerModule;

const security = loadGatewaySecurity();
// A key that cannot be loaded fails every request (masked); the log says why.
security.catch((e: unknown) => console.error(`[gateway.config] ${e instanceof Error ? e.message : e}`));

export const gatewayConfig = hiveGatewayConfig({
  subgraphUrls: subgraphUrlsFromEnv(),
  security,
  exposeSchema: process.env.EXPOSE_SCHEMA !== 'false',
});
