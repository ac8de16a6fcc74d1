import http from 'node:http';
import https from 'node:https';
import type { AddressInfo } from 'node:net';
import { performance } from 'node:perf_hooks';

import { ApolloServer, type ApolloServerPlugin, type BaseContext } from '@apollo/server';
import { ApolloServerPluginInlineTraceDisabled } from '@apollo/server/plugin/disabled';
import { ApolloServerPluginDrainHttpServer } from '@apollo/server/plugin/drainHttpServer';
import { expressMiddleware } from '@as-integrations/express5';
import cors from 'cors';
import express from 'express';
import type { GraphQLSchema } from 'graphql';
import type { Registry } from 'prom-client';

import { accessLogPlugin, errorCode, logRequest, markRequestStart, type RequestSummary } from './access-log';
import type { SubgraphTls } from './config';
import { abuseConfigFromEnv } from './config';
import { maskSubgraphError } from './graphql/errors';
import { hideSchemaHintsPlugin } from './graphql/schema-hints';
import type { HealthReport } from './health';
import { bodyErrorHandler, requireJsonPost } from './http-errors';
import { batchLimit, limitRules, type Limits } from './limits';
import { type Logger, logger as rootLogger } from './log';
import { INTERNAL_ONLY_PATHS, startMetricsServer } from './metrics-server';
import { tracingMiddleware } from './tracing';

export type { HealthReport };

export interface GraphQLHttpServerOptions<C extends BaseContext> {
  name: string;
  schema?: GraphQLSchema;
  /**
   * For the gateway: builds its own ApolloServer; every plugin given (drain, access log) must be
   * among its plugins, and stopOnTerminationSignals must be false (runUntilSignal handles signals).
   */
  createApollo?: (serverPlugins: ApolloServerPlugin<C>[]) => ApolloServer<C>;
  context: (req: express.Request) => Promise<C>;
  /** Readiness: GET /health/ready (and GET /health) answers 503 unless status is ok. */
  health: () => Promise<HealthReport>;
  plugins?: ApolloServerPlugin<C>[];
  /** Mounts routes before /graphql (e.g. the gateway's landing page at /). */
  mountRoutes?: (app: express.Express) => void;
  graphqlPath?: string;
  /** Largest request body accepted (bytes); default 1 MiB. */
  bodyLimitBytes?: number;
  /**
   * With a schema (subgraphs): the depth, alias, cost and batch limits; default LIMIT_MAX_* from
   * the environment. The gateway sets its own in createApollo.
   */
  limits?: Limits;
  /**
   * With a schema (subgraphs): introspection on or off; off also hides schema names from error
   * messages. Default EXPOSE_SCHEMA, else on outside production.
   */
  exposeSchema?: boolean;
  /** Middleware between body parsing and GraphQL (e.g. the gateway's batch limit). */
  beforeGraphQL?: express.RequestHandler[];
  /** Served at GET /metrics (Prometheus text format) on the internal listener (metricsPort). */
  metrics?: Registry;
  /**
   * Port of the internal listener for /metrics and internalRoutes (METRICS_PORT); default 0, any
   * free port. The public port answers 404 for them.
   */
  metricsPort?: number;
  /** More routes on the internal listener only (the gateway's GET /health/subgraphs). */
  internalRoutes?: (app: express.Express) => void;
  /** Where access and error lines go; default the root logger (stdout). */
  logger?: Logger;
  /** Called once per GraphQL operation with its access-log summary (the gateway's metrics). */
  onRequest?: (summary: RequestSummary) => void;
  /**
   * After close() is called, readiness answers 503 for this long while requests are still
   * served, so a load balancer stops sending new ones before the server stops accepting. Default 0.
   */
  shutdownDelayMs?: number;
  /** Mutual TLS (SUBGRAPH_TLS_*): serve HTTPS and accept only client certificates signed by `ca`. */
  tls?: SubgraphTls;
}

export interface RunningServer {
  /** Base URL, e.g. http://127.0.0.1:4002 */
  url: string;
  /** Where GraphQL is served. */
  graphqlUrl: string;
  port: number;
  /** Base URL of the internal listener (GET /metrics), e.g. http://127.0.0.1:9400; null without one. */
  metricsUrl: string | null;
  /**
   * Graceful shutdown: readiness turns 503 at once; after shutdownDelayMs the server stops
   * accepting, lets in-flight requests finish (at most 10 s more), and closes.
   */
  close(): Promise<void>;
}

/**
 * One HTTP server shape for every subgraph and the gateway: GraphQL, GET /health/live,
 * GET /health/ready (alias GET /health), access logs, graceful close; GET /metrics on a second,
 * internal listener.
 */
export async function startGraphQLHttpServer<C extends BaseContext>(
  options: GraphQLHttpServerOptions<C>,
  port: number,
  host = process.env.HOST ?? '127.0.0.1',
): Promise<RunningServer> {
  const log = (options.logger ?? rootLogger).child({ service: options.name });
  const app = express();
  app.disable('x-powered-by');
  const httpServer = options.tls
    ? https.createServer({ ...options.tls, requestCert: true, rejectUnauthorized: true }, app)
    : http.createServer(app);
  const drain = ApolloServerPluginDrainHttpServer({
    httpServer,
  }) as ApolloServerPlugin<C>;
  const accessLog = { service: options.name, logger: options.logger ?? rootLogger, onRequest: options.onRequest };
  const serverPlugins = [drain, accessLogPlugin<C>(accessLog)];
  let apollo: ApolloServer<C>;
  const beforeGraphQL = [...(options.beforeGraphQL ?? [])];
  if (options.createApollo) apollo = options.createApollo(serverPlugins);
  else if (options.schema) {
    const fromEnv = options.limits && options.exposeSchema !== undefined ? undefined : abuseConfigFromEnv();
    const limits = options.limits ?? fromEnv!.limits;
    const exposeSchema = options.exposeSchema ?? fromEnv!.exposeSchema;
    // A subgraph called directly meets the gateway's limits too.
    beforeGraphQL.unshift(batchLimit(limits.maxBatch));
    apollo = new ApolloServer<C>({
      schema: options.schema,
      formatError: maskSubgraphError,
      introspection: exposeSchema,
      validationRules: limitRules(limits),
      // runUntilSignal owns SIGTERM/SIGINT (readiness first, then drain, then pools): Apollo's own
      // handlers would stop the server at once, before the delay, and re-raise the signal.
      stopOnTerminationSignals: false,
      plugins: [
        ...serverPlugins,
        // Federated traces cost time on every request; nothing here reports them to Apollo Studio.
        ApolloServerPluginInlineTraceDisabled(),
        ...(exposeSchema ? [] : [hideSchemaHintsPlugin<C>()]),
        ...(options.plugins ?? []),
      ],
    });
  } else throw new Error(`${options.name}: a schema or createApollo is required`);
  await apollo.start();

  let shuttingDown = false;
  app.use((_req, res, next) => {
    res.locals.startedAt = performance.now();
    next();
  });
  // Liveness: the process is up and serving HTTP. Nothing else is checked, so a database outage
  // never gets a healthy process restarted.
  app.get('/health/live', (_req, res) => {
    res.json({ service: options.name, status: 'ok' });
  });
  // Readiness: able to do its work (a subgraph: its database; the gateway: its supergraph); 503 once shutting down.
  const ready: express.RequestHandler = async (_req, res) => {
    if (shuttingDown) {
      res.status(503).json({ service: options.name, status: 'shutting-down' });
      return;
    }
    const report = await options.health();
    res.status(report.status === 'ok' ? 200 : 503).json({ service: options.name, ...report });
  };
  app.get('/health/ready', ready);
  app.get('/health', ready);
  // Operator-only paths live on the internal listener; here (the gateway's GraphQL is on '/') a plain 404.
  app.get(INTERNAL_ONLY_PATHS, (_req, res) => {
    res.status(404).json({ service: options.name, error: 'not found' });
  });
  options.mountRoutes?.(app);
  app.use(
    options.graphqlPath ?? '/graphql',
    cors(),
    requireJsonPost(log),
    // Internal tokens are bound to the parsed operation (operationDigest), not to these bytes.
    express.json({ limit: options.bodyLimitBytes ?? 1024 * 1024 }),
    ...beforeGraphQL,
    tracingMiddleware(options.name),
    expressMiddleware(apollo, {
      context: async ({ req, res }) => {
        try {
          return markRequestStart(await options.context(req), res.locals.startedAt ?? performance.now());
        } catch (e) {
          // No operation ran (e.g. a bad token at the gateway): still one access line.
          logRequest(accessLog, {
            service: options.name,
            requestId: typeof res.locals.requestId === 'string' ? res.locals.requestId : undefined,
            operationName: typeof req.body?.operationName === 'string' ? req.body.operationName : null,
            operationType: 'unknown',
            outcome: 'error',
            durationSeconds: (performance.now() - (res.locals.startedAt ?? performance.now())) / 1000,
            errorCodes: [errorCode(e as { extensions?: Record<string, unknown> })],
          });
          throw e;
        }
      },
    }),
  );
  app.use(bodyErrorHandler(log));

  const internal =
    options.metrics || options.internalRoutes
      ? await startMetricsServer({
          name: options.name,
          registry: options.metrics,
          routes: options.internalRoutes,
          port: options.metricsPort ?? 0,
          host,
        })
      : null;
  await new Promise<void>((resolve) => httpServer.listen(port, host, resolve));
  const actualPort = (httpServer.address() as AddressInfo).port;
  const url = `${options.tls ? 'https' : 'http'}://${host === '0.0.0.0' ? '127.0.0.1' : host}:${actualPort}`;
  let closing: Promise<void> | undefined;
  return {
    url,
    graphqlUrl: `${url}${options.graphqlPath ?? '/graphql'}`,
    port: actualPort,
    metricsUrl: internal?.url ?? null,
    close() {
      closing ??= (async () => {
        shuttingDown = true;
        if (options.shutdownDelayMs) await new Promise((resolve) => setTimeout(resolve, options.shutdownDelayMs));
        // apollo.stop() drains: stops accepting, lets in-flight requests finish, closes the server.
        await apollo.stop();
        if (httpServer.listening) await new Promise((resolve) => httpServer.close(resolve));
        // Last: metrics stay scrapable while requests drain.
        await internal?.close();
      })();
      return closing;
    },
  };
}
