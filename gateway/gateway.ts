import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import path from 'node:path';

import { ApolloGateway } from '@apollo/gateway';
import { ApolloServer, type ApolloServerPlugin } from '@apollo/server';
import { ApolloServerPluginLandingPageDisabled } from '@apollo/server/plugin/disabled';
import { ApolloServerPluginLandingPageLocalDefault } from '@apollo/server/plugin/landingPage/default';
import ApolloServerPluginResponseCache from '@apollo/server-plugin-response-cache';
import type { RequestHandler } from 'express';
import { GraphQLError, type GraphQLFormattedError } from 'graphql';
import { type Agent, request as undiciRequest } from 'undici';

import type { SubgraphTls } from '../subgraphs/kit/config';
import { type FileStore, fileStoreFromEnv } from '../subgraphs/kit/files';
import { maskError } from '../subgraphs/kit/graphql/errors';
import type { Logger } from '../subgraphs/kit/log';
import { acceptRequestId } from '../subgraphs/kit/request-id';
import { type RunningServer, startGraphQLHttpServer } from '../subgraphs/kit/server';
import { AuthError } from './auth/jwt';
import { defaultInternalTokenTtl, type GatewaySecurity } from './config';
import type { GatewayContext } from './context';
import { EXAMPLE_OPERATIONS, SIGNED_IN_OPERATIONS } from './examples';
import { InternalTokenIssuer } from './internal-tokens';
import { batchLimit, DEFAULT_LIMITS, limitRules, type Limits } from './limits';
import { GatewayMetrics } from './metrics';
import { regionalErrorsPlugin } from './regional-errors';
import { subgraphAgent, SubgraphDataSource } from './subgraph-data-source';
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
  supergraphPath?: string;
  /** A supergraph composed in memory (benchmarks with a generated registry); default: the committed file. */
  supergraphSdl?: string;
  /** Reuse answers that carry only PUBLIC cache hints (public policy); default on. */
  responseCache?: boolean;
  /** Identical anonymous queries in flight share one subgraph request (default on). */
  dedupeAnonymousQueries?: boolean;
  /** Deadline for one subgraph request, ms (default 3000). */
  subgraphTimeoutMs?: number;
  /** Lifetime of one internal token, s (default: the deadline + 10 s). */
  internalTokenTtlSeconds?: number;
  /** Mutual TLS to the subgraphs (SUBGRAPH_TLS_*): client certificate, key and the subgraphs' CA. */
  subgraphTls?: SubgraphTls;
  /** Where POST /uploads stores material files; default: fileStoreFromEnv() (UPLOAD_DIR). */
  fileStore?: FileStore;
  /** Access and error lines; default the root logger (stdout, LOG_LEVEL). */
  logger?: Logger;
  /** See startGraphQLHttpServer: readiness is 503 for this long before draining. */
  shutdownDelayMs?: number;
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
  const masked = maskError(formatted, error);
  return { ...masked, message: masked.message.replace(/https?:\/\/[^\s,;)]+/g, '<subgraph>') };
}

async function subgraphHealth(
  name: string,
  graphqlUrl: string,
  agent: Agent,
): Promise<{ name: string; status: string }> {
  try {
    // Through the subgraph agent, so health checks present the client certificate under mutual TLS.
    const res = await undiciRequest(graphqlUrl.replace(/\/graphql\/?$/, '/health'), {
      dispatcher: agent,
      signal: AbortSignal.timeout(2000),
    });
    const body = (await res.body.json()) as { status?: string; database?: string };
    const ok = res.statusCode >= 200 && res.statusCode < 300;
    return { name, status: ok ? 'ok' : 'degraded', ...(body.database ? { database: body.database } : {}) };
  } catch {
    return { name, status: 'down' };
  }
}

export async function startGateway(options: GatewayOptions): Promise<RunningGateway> {
  const supergraphSdl = options.supergraphSdl ?? loadSupergraph(options.supergraphPath ?? SUPERGRAPH_PATH);
  const limits = options.limits ?? DEFAULT_LIMITS;
  const exposeSchema = options.exposeSchema ?? true;
  const { authenticate, internalPrivateKey } = options.security;
  const fileStore = options.fileStore ?? fileStoreFromEnv();
  const metrics = new GatewayMetrics();
  const tokens = new InternalTokenIssuer(
    internalPrivateKey,
    options.internalTokenTtlSeconds ?? defaultInternalTokenTtl(options.subgraphTimeoutMs ?? 3000),
  );
  const agent = subgraphAgent(options.subgraphTls);
  const gateway = new ApolloGateway({
    supergraphSdl,
    buildService: ({ name, url }) =>
      new SubgraphDataSource(name, options.subgraphUrls[name] ?? url!, tokens, {
        timeoutMs: options.subgraphTimeoutMs,
        metrics,
        dedupeAnonymousQueries: options.dedupeAnonymousQueries,
        agent,
      }),
  });
  const landingPage = exposeSchema
    ? ApolloServerPluginLandingPageLocalDefault({
        embed: { endpointIsEditable: false, initialState: { pollForSchemaUpdates: false } },
        document: [...EXAMPLE_OPERATIONS, ...SIGNED_IN_OPERATIONS].join('\n\n'),
        footer: false,
      })
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
      beforeGraphQL: [batchLimit(limits.maxBatch)],
      metrics: metrics.registry,
      logger: options.logger,
      onRequest: metrics.recordRequest,
      shutdownDelayMs: options.shutdownDelayMs,
      mountRoutes: (app) => {
        app.use(requestIdMiddleware);
        // Mounted before the GraphQL middleware on '/', so POST /uploads never reaches GraphQL.
        app.use(uploadsRouter({ store: fileStore, authenticate }));
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
      health: async () => {
        const subgraphs = await Promise.all(
          Object.entries(options.subgraphUrls).map(([name, url]) => subgraphHealth(name, url, agent)),
        );
        return { status: subgraphs.every((s) => s.status === 'ok') ? 'ok' : 'degraded', subgraphs };
      },
    },
    options.port ?? 0,
  );
  return {
    ...server,
    metrics,
    async close() {
      await server.close();
      await agent.close();
    },
  };
}
