import { readFileSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

import express from 'express';

import type { FileStore } from '../../subgraphs/kit/platform/files';
import type { GatewaySecurity } from '../config';
import { SUPERGRAPH_PATH } from '../gateway';
import { DEFAULT_UPLOAD_QUOTA, type UploadQuota, UploadQuotaLedger } from '../upload-quota';
import { uploadsRouter } from '../uploads';
import { type MenteHiveOptions, useMenteInternalTokens } from './plugin';

// Hive Gateway (@graphql-hive/gateway) serving the committed supergraph with Mente's caller
// authentication and internal tokens (./plugin.ts). Offline: the supergraph is read from the file,
// nothing talks to Hive Console or its CDN. The @graphql-hive/gateway types are kept local (see
// plugin.ts for why); the runtime is the real one.

/** The Hive Gateway configuration fields Mente sets (GatewayConfigSupergraph in @graphql-hive/gateway). */
export interface HiveGatewayConfig {
  supergraph: string;
  transportEntries: Record<string, { location: string; options: { deduplicateInflightRequests: boolean } }>;
  plugins: () => unknown[];
  graphqlEndpoint: string;
  landingPage: boolean;
  graphiql: boolean;
  disableIntrospection?: boolean;
  csrfPrevention: { requestHeaders: string[] };
  logging: boolean | 'debug' | 'info' | 'warn' | 'error';
  /** Query planning and execution by @graphql-hive/router-runtime (the Rust planner) instead of the JS one. */
  unifiedGraphHandler?: unknown;
}

export interface HiveConfigOptions extends MenteHiveOptions {
  /** Subgraph name → GraphQL URL (subgraphUrlsFromEnv); replaces the supergraph's join__graph urls. */
  subgraphUrls: Record<string, string>;
  /** The supergraph SDL; default the committed schema/supergraph.graphql. */
  supergraphSdl?: string;
  /** EXPOSE_SCHEMA: false turns introspection off, as on the Apollo gateway. */
  exposeSchema?: boolean;
  logging?: HiveGatewayConfig['logging'];
  /**
   * Plan with Hive's Rust query planner (@graphql-hive/router-runtime, HIVE_ROUTER_RUNTIME=true)
   * instead of its JavaScript one; same plugin, same transport, same answers.
   */
  routerRuntime?: boolean;
}

/** @graphql-hive/router-runtime's unifiedGraphHandler (loaded only when asked for: a native module). */
function routerRuntimeHandler(): unknown {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  return (require('@graphql-hive/router-runtime') as { unifiedGraphHandler: unknown }).unifiedGraphHandler;
}

/** The gateway.config.ts `gatewayConfig` for Mente: same paths and rules as the Apollo gateway where Hive has them. */
export function hiveGatewayConfig(options: HiveConfigOptions): HiveGatewayConfig {
  const plugin = useMenteInternalTokens(options);
  return {
    supergraph: options.supergraphSdl ?? readFileSync(SUPERGRAPH_PATH, 'utf8'),
    transportEntries: Object.fromEntries(
      // Hive shares one subgraph fetch among identical queries in flight, keyed by URL and body,
      // before onFetch adds the caller's token: two callers' `{ me { id } }` would share one
      // caller's answer. Off, as the Apollo gateway shares anonymous fetches only.
      Object.entries(options.subgraphUrls).map(([name, location]) => [
        name,
        { location, options: { deduplicateInflightRequests: false } },
      ]),
    ),
    plugins: () => [plugin],
    // GraphQL at `/`, as the Apollo gateway and the router: clients need not know the engine.
    graphqlEndpoint: '/',
    landingPage: false,
    // Hive's GraphiQL loads from a CDN; the self-hosted /explorer is the offline one.
    graphiql: false,
    ...(options.exposeSchema === false ? { disableIntrospection: true } : {}),
    // The Apollo gateway's csrfPrevention: a non-JSON request must carry one of these headers.
    csrfPrevention: { requestHeaders: ['x-apollo-operation-name', 'apollo-require-preflight'] },
    logging: options.logging ?? 'info',
    ...(options.routerRuntime ? { unifiedGraphHandler: routerRuntimeHandler() } : {}),
  };
}

interface HiveGatewayRuntime {
  (req: IncomingMessage, res: ServerResponse): void;
  dispose(): Promise<void> | void;
}

export interface HiveServerOptions extends HiveConfigOptions {
  port?: number;
  host?: string;
  /** Where POST /uploads stores files (the same store the regions read). */
  fileStore: FileStore;
  uploadQuota?: UploadQuota;
  uploadRetentionHours?: number;
}

export interface RunningHiveGateway {
  url: string;
  graphqlUrl: string;
  port: number;
  close(): Promise<void>;
}

/**
 * Hive Gateway on one port with what clients use besides GraphQL: GET /health and the Node
 * gateway's POST /uploads (the same router, so uploads answer identically on both engines).
 */
export async function startHiveGateway(options: HiveServerOptions): Promise<RunningHiveGateway> {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const { createGatewayRuntime } = require('@graphql-hive/gateway') as {
    createGatewayRuntime(config: HiveGatewayConfig): HiveGatewayRuntime;
  };
  const runtime = createGatewayRuntime(hiveGatewayConfig(options));
  const security: GatewaySecurity = await options.security;
  const app = express();
  app.disable('x-powered-by');
  app.get('/health', (_req, res) => {
    res.json({ status: 'ok', engine: 'hive', planner: options.routerRuntime ? 'router-runtime' : 'javascript' });
  });
  app.use(
    uploadsRouter({
      store: options.fileStore,
      authenticate: security.authenticate,
      signingKey: security.internalPrivateKey,
      quota: new UploadQuotaLedger(options.fileStore, options.uploadQuota ?? DEFAULT_UPLOAD_QUOTA),
      retentionHours: options.uploadRetentionHours,
    }),
  );
  app.use((req, res) => runtime(req, res));
  const server: Server = createServer(app);
  await new Promise<void>((resolve) => server.listen(options.port ?? 0, options.host ?? '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  const url = `http://127.0.0.1:${port}`;
  return {
    url,
    graphqlUrl: `${url}/`,
    port,
    async close() {
      server.closeAllConnections?.();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await runtime.dispose();
    },
  };
}
