import { fileStoreFromEnv } from '../../subgraphs/kit/platform/files';
import { runUntilSignal } from '../../subgraphs/kit/platform/process';
import { resolveBuiltinsFirst } from '../builtin-require';
import { gatewayConfigFromEnv, loadGatewaySecurity } from '../config';
import { startHiveGateway } from './server';

// `GATEWAY_ENGINE=hive npm start` runs this instead of gateway/index.ts: the same environment
// (PORT, SUBGRAPH_URL_*, JWT_*, INTERNAL_PRIVATE_KEY_FILE, UPLOAD_*), served by Hive Gateway;
// HIVE_ROUTER_RUNTIME=true plans with its Rust query planner (@graphql-hive/router-runtime).
resolveBuiltinsFirst();
runUntilSignal('gateway', async () => {
  const config = gatewayConfigFromEnv();
  const server = await startHiveGateway({
    port: config.port,
    host: process.env.HOST ?? '127.0.0.1',
    subgraphUrls: config.subgraphUrls,
    security: await loadGatewaySecurity(),
    ttlSeconds: config.internalTokenTtlSeconds,
    exposeSchema: config.exposeSchema,
    routerRuntime: process.env.HIVE_ROUTER_RUNTIME === 'true',
    fileStore: fileStoreFromEnv(),
    uploadQuota: config.uploadQuota,
    uploadRetentionHours: config.uploadRetentionHours,
  });
  return { graphqlUrl: server.graphqlUrl, close: server.close };
});
