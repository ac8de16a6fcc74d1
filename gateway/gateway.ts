import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import path from 'node:path';

import { ApolloGateway } from '@apollo/gateway';
import { ApolloServer, type ApolloServerPlugin } from '@apollo/server';
import { ApolloServerPluginLandingPageDisabled } from '@apollo/server/plugin/disabled';
import ApolloServerPluginResponseCache from '@apollo/server-plugin-response-cache';
import type { RequestHandler } from 'express';
import { GraphQLError, type GraphQLFormattedError } from 'graphql';

import { NATIONAL } from '../schema/registry';
import type { SubgraphTls } from '../subgraphs/kit/platform/config';
import { type FileStore, fileStoreFromEnv } from '../subgraphs/kit/platform/files';
import { maskError } from '../subgraphs/kit/platform/graphql/errors';
import { hideSchemaHintsPlugin } from '../subgraphs/kit/platform/graphql/schema-hints';
import { batchLimit, DEFAULT_LIMITS, limitRules, type Limits } from '../subgraphs/kit/platform/limits';
import { type Logger, logger as rootLogger } from '../subgraphs/kit/platform/log';
import { acceptRequestId } from '../subgraphs/kit/platform/request-id';
import { type RunningServer, startGraphQLHttpServer } from '../subgraphs/kit/platform/server';
import { AuthError } from './auth/jwt';
import { CircuitBreaker, type CircuitBreakerOptions } from './circuit-breaker';
import { defaultInternalTokenTtl, type GatewaySecurity } from './config';
import type { GatewayContext } from './context';
import { explainCsrfRefusal } from './csrf-message';
import type { ExplorerMode } from './explorer/config';
import { explorerLandingPage, explorerRouter } from './explorer/explorer';
import { DEFAULT_RETENTION_HOURS, startFileSweeper } from './file-sweeper';
import { InternalTokenIssuer } from './internal-tokens';
import { buildRegistrySchema, LocalRegistryDataSource } from './local-registry';
import { GatewayMetrics } from './metrics';
import { type RateLimitConfig, RateLimiter } from './rate-limit';
import { regionalErrorsPlugin } from './regional-errors';
import { subgraphAgent, SubgraphDataSource } from './subgraph-data-source';
import { SubgraphStatusMonitor } from './subgraph-status';
import { loadSupergraphLean } from './supergraph-load';
import { DEFAULT_UPLOAD_QUOTA, type UploadQuota, UploadQuotaLedger } from './upload-quota';
import { uploadsRouter } from './uploads';

export const SUPERGRAPH_PATH = path.resolve(__dirname, '../schema/supergraph.graphql');

export interface GatewayOptions {
  port?: number;
  /** Subgraph name → GraphQL URL. */
  subgraphUrls: Record<string, string>;
  security: GatewaySecurity;
  limits?: Limits;
  /** Introspection and the Sandbox landing page (off in production by EXPOSE_SCHEMA=false). */
  exposeSchema?: boolean;
  /** What a browser gets at / (EXPLORER): Sandbox with the local GraphiQL as fallback (auto, default), or either. */
  explorer?: ExplorerMode;
  supergraphPath?: string;
  /** A supergraph composed in memory (benchmarks with a generated registry); default: the committed file. */
  supergraphSdl?: string;
  /** Reuse answers that carry only PUBLIC cache hints (public policy); default on. */
  responseCache?: boolean;
  /** Identical anonymous queries in flight share one subgraph request (default on). */
  dedupeAnonymousQueries?: boolean;
  /** Deadline for one subgraph request, ms (default 3000); sent to the subgraph as x-mente-deadline. */
  subgraphTimeoutMs?: number;
  /** Per-subgraph circuit breaker (CIRCUIT_BREAKER_FAILURES, _WINDOW_MS, _OPEN_MS); default 3 failures in 10 s open it for 5 s. */
  circuitBreaker?: CircuitBreakerOptions;
  /** Lifetime of one internal token, s (default: the deadline + 10 s). */
  internalTokenTtlSeconds?: number;
  /** Mutual TLS to the subgraphs (SUBGRAPH_TLS_*): client certificate, key and the subgraphs' CA. */
  subgraphTls?: SubgraphTls;
  /** Where POST /uploads stores material files; default: fileStoreFromEnv() (UPLOAD_DIR). */
  fileStore?: FileStore;
  /** Files and bytes per person per day (UPLOAD_QUOTA_*); default 50 files, 200 MB. */
  uploadQuota?: UploadQuota;
  /** Unused uploads are swept after this many hours (UPLOAD_RETENTION_HOURS); default 72. */
  uploadRetentionHours?: number;
  /** How often this gateway sweeps expired uploads, ms; 0 or unset: never (UPLOAD_SWEEP_INTERVAL_MINUTES). */
  fileSweepIntervalMs?: number;
  /** Access and error lines; default the root logger (stdout, LOG_LEVEL). */
  logger?: Logger;
  /** See startGraphQLHttpServer: readiness is 503 for this long before draining. */
  shutdownDelayMs?: number;
  /** Where GET /metrics and GET /health/subgraphs are served (METRICS_PORT); default 0, any free port. */
  metricsPort?: number;
  /** Deadline of one subgraph's health check (SUBGRAPH_HEALTH_TIMEOUT_MS); default 1000. */
  subgraphHealthTimeoutMs?: number;
  /** How long a per-subgraph health report is reused; default 5000. */
  subgraphHealthCacheMs?: number;
  /** Per-caller operations per minute (gateway/rate-limit.ts); default off (the entry point reads RATE_LIMIT_*). */
  rateLimit?: RateLimitConfig;
  /**
   * Answer the national routing fields (`regions`, `region`, `application`) in-process against the
   * national subgraph's SDL with the platform's routing functions and access rules
   * (gateway/local-registry.ts; LOCAL_REGISTRY); default on.
   */
  localRegistry?: boolean;
  /**
   * The national subgraph's SDL for localRegistry; default schema/national.graphql (the committed one,
   * written by `npm run compose` with the supergraph). Give it with a supergraph composed in memory
   * for another registry (benchmarks).
   */
  nationalSdl?: string;
}

export interface RunningGateway extends RunningServer {
  metrics: GatewayMetrics;
}

export { acceptRequestId };

/**
 * The request id that follows a request everywhere: the caller's x-request-id when it is safe,
 * else a new UUID; sent back in the x-request-id response header.
 */
const requestIdMiddleware: RequestHandler = (req, res, next) => {
  const requestId = acceptRequestId(req.headers['x-request-id']) ?? randomUUID();
  res.locals.requestId = requestId;
  res.setHeader('x-request-id', requestId);
  next();
};

/** Fails fast: the gateway never starts on a missing or unreadable supergraph. */
function loadSupergraph(file: string): string {
  try {
    return readFileSync(file, 'utf8');
  } catch {
    throw new Error(`cannot read the supergraph at ${file}; run \`npm run compose\``);
  }
}

/** Subgraph addresses are internal: clients see the subgraph's name instead. */
function hideAddresses(formatted: GraphQLFormattedError, error: unknown): GraphQLFormattedError {
  const masked = explainCsrfRefusal(maskError(formatted, error));
  return { ...masked, message: masked.message.replace(/https?:\/\/[^\s,;)]+/g, '<subgraph>') };
}

export async function startGateway(options: GatewayOptions): Promise<RunningGateway> {
  const supergraphSdl = options.supergraphSdl ?? loadSupergraph(options.supergraphPath ?? SUPERGRAPH_PATH);
  const limits = options.limits ?? DEFAULT_LIMITS;
  const exposeSchema = options.exposeSchema ?? true;
  const { authenticate, internalPrivateKey } = options.security;
  const fileStore = options.fileStore ?? fileStoreFromEnv();
  const retentionHours = options.uploadRetentionHours ?? DEFAULT_RETENTION_HOURS;
  const metrics = new GatewayMetrics();
  const tokens = new InternalTokenIssuer(
    internalPrivateKey,
    options.internalTokenTtlSeconds ?? defaultInternalTokenTtl(options.subgraphTimeoutMs ?? 3000),
  );
  const agent = subgraphAgent(options.subgraphTls);
  // One breaker per subgraph for the gateway's lifetime: data sources rebuilt on a schema update share it.
  const breakers = new Map<string, CircuitBreaker>();
  const breakerFor = (name: string) => {
    let breaker = breakers.get(name);
    if (!breaker) {
      breaker = new CircuitBreaker(name, options.circuitBreaker, metrics.recordCircuit);
      metrics.circuitState.set({ subgraph: name }, 0);
      breakers.set(name, breaker);
    }
    return breaker;
  };
  for (const name of Object.keys(options.subgraphUrls)) breakerFor(name);
  const rateLimiter = options.rateLimit?.perMinute
    ? new RateLimiter({
        ...options.rateLimit,
        authenticate,
        logger: (options.logger ?? rootLogger).child({ service: 'gateway' }),
        metrics: metrics.registry,
      })
    : undefined;
  // Unreachable Redis is not fatal: the limiter logs one warning and counts in memory meanwhile.
  await rateLimiter?.ready().catch(() => {});
  // The national SDL for the routing fields it answers itself: built once, just after start-up (off
  // its critical path; fetches go over HTTP until then). A stale SDL is logged and leaves them on HTTP.
  const registrySchema =
    options.localRegistry === false
      ? undefined
      : new Promise<void>((resolve) => setImmediate(resolve)).then(() => buildRegistrySchema(options.nationalSdl));
  registrySchema?.catch((e: unknown) =>
    (options.logger ?? rootLogger).error({ err: e }, 'local registry off: national routing fields go over HTTP'),
  );
  const gateway = loadSupergraphLean(
    new ApolloGateway({
      supergraphSdl,
      buildService: ({ name, url }) => {
        const remote = new SubgraphDataSource(name, options.subgraphUrls[name] ?? url!, tokens, {
          timeoutMs: options.subgraphTimeoutMs,
          metrics,
          dedupeAnonymousQueries: options.dedupeAnonymousQueries,
          agent,
          breaker: breakerFor(name),
        });
        return registrySchema && name === NATIONAL.name ? new LocalRegistryDataSource(remote, registrySchema) : remote;
      },
    }),
  );
  // Ready = able to serve: the supergraph is loaded (and, in startGraphQLHttpServer, not shutting down).
  let supergraphLoaded = false;
  gateway.onSchemaLoadOrUpdate(() => {
    supergraphLoaded = true;
  });
  const subgraphStatus = new SubgraphStatusMonitor({
    subgraphUrls: options.subgraphUrls,
    timeoutMs: options.subgraphHealthTimeoutMs,
    cacheMs: options.subgraphHealthCacheMs,
    registry: metrics.registry,
    dispatcher: agent,
    circuit: (name) => breakers.get(name)?.current,
  });
  const landingPage = exposeSchema
    ? explorerLandingPage(options.explorer ?? 'auto')
    : ApolloServerPluginLandingPageDisabled();
  const createApollo = (serverPlugins: ApolloServerPlugin<GatewayContext>[]) =>
    new ApolloServer<GatewayContext>({
      gateway,
      formatError: hideAddresses,
      stopOnTerminationSignals: false, // runUntilSignal: readiness 503, delay, drain, exit
      introspection: exposeSchema,
      csrfPrevention: true,
      allowBatchedHttpRequests: true,
      validationRules: limitRules(limits),
      plugins: [
        ...serverPlugins,
        landingPage as ApolloServerPlugin<GatewayContext>,
        // No introspection: no "Did you mean" nor any schema name in error messages either.
        ...(exposeSchema ? [] : [hideSchemaHintsPlugin<GatewayContext>()]),
        regionalErrorsPlugin(),
        // Answers carrying only PUBLIC cache hints (public policy) are reused; personal data never is.
        ...(options.responseCache === false
          ? []
          : [ApolloServerPluginResponseCache() as ApolloServerPlugin<GatewayContext>]),
      ],
    });
  const server = await startGraphQLHttpServer<GatewayContext>(
    {
      name: 'gateway',
      createApollo,
      graphqlPath: '/',
      bodyLimitBytes: limits.maxBodyBytes,
      beforeGraphQL: [batchLimit(limits.maxBatch), ...(rateLimiter ? [rateLimiter.graphqlMiddleware()] : [])],
      metrics: metrics.registry,
      metricsPort: options.metricsPort,
      internalRoutes: (app) => app.get('/health/subgraphs', subgraphStatus.handler),
      logger: options.logger,
      onRequest: metrics.recordRequest,
      shutdownDelayMs: options.shutdownDelayMs,
      mountRoutes: (app) => {
        app.use(requestIdMiddleware);
        if (rateLimiter) app.post('/uploads', ...rateLimiter.uploadsMiddleware());
        // Mounted before the GraphQL middleware on '/', so POST /uploads never reaches GraphQL.
        app.use(
          uploadsRouter({
            store: fileStore,
            authenticate,
            signingKey: internalPrivateKey,
            quota: new UploadQuotaLedger(fileStore, options.uploadQuota ?? DEFAULT_UPLOAD_QUOTA),
            retentionHours,
          }),
        );
        // The self-hosted GraphiQL at /explorer, only where the schema is exposed.
        if (exposeSchema) app.use(explorerRouter());
      },
      context: async (req) => {
        const requestId = (req.res?.locals.requestId as string | undefined) ?? randomUUID();
        try {
          return { identity: await authenticate(req.headers.authorization), requestId };
        } catch (e) {
          if (e instanceof AuthError) {
            throw new GraphQLError(e.message, { extensions: { code: 'UNAUTHENTICATED', http: { status: 401 } } });
          }
          throw e;
        }
      },
      // No subgraph is asked: one region down or hung must not take every gateway out of rotation
      // (its requests get partial answers); per-subgraph status is on GET /health/subgraphs (internal).
      health: async () => ({
        status: supergraphLoaded ? 'ok' : 'degraded',
        supergraph: supergraphLoaded ? 'loaded' : 'not-loaded',
      }),
    },
    options.port ?? 0,
  );
  const log = options.logger ?? rootLogger;
  const sweeper = options.fileSweepIntervalMs
    ? startFileSweeper(fileStore, {
        retentionHours,
        intervalMs: options.fileSweepIntervalMs,
        log: (line, error) => (error ? log.error({ err: error }, line) : log.info(line)),
      })
    : null;
  return {
    ...server,
    metrics,
    async close() {
      sweeper?.stop();
      await server.close();
      await agent.close();
      await rateLimiter?.close();
    },
  };
}
