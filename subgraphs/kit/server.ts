import http from 'node:http';
import type { AddressInfo } from 'node:net';

import { ApolloServer, type ApolloServerPlugin, type BaseContext } from '@apollo/server';
import { ApolloServerPluginInlineTraceDisabled } from '@apollo/server/plugin/disabled';
import { ApolloServerPluginDrainHttpServer } from '@apollo/server/plugin/drainHttpServer';
import { expressMiddleware } from '@as-integrations/express5';
import cors from 'cors';
import express from 'express';
import type { GraphQLSchema } from 'graphql';

import { maskError } from './graphql/errors';

export interface HealthReport {
  status: 'ok' | 'degraded';
  [key: string]: unknown;
}

export interface GraphQLHttpServerOptions<C extends BaseContext> {
  name: string;
  schema?: GraphQLSchema;
  /** For the gateway: builds its own ApolloServer; `drain` must be among its plugins. */
  createApollo?: (drain: ApolloServerPlugin<C>) => ApolloServer<C>;
  context: (req: express.Request) => Promise<C>;
  health: () => Promise<HealthReport>;
  plugins?: ApolloServerPlugin<C>[];
  /** Mounts routes before /graphql (e.g. the gateway's landing page at /). */
  mountRoutes?: (app: express.Express) => void;
  graphqlPath?: string;
  /** Largest request body accepted (bytes); default 1 MiB. */
  bodyLimitBytes?: number;
  /** Middleware between body parsing and GraphQL (e.g. the gateway's batch limit). */
  beforeGraphQL?: express.RequestHandler[];
}

export interface RunningServer {
  /** Base URL, e.g. http://127.0.0.1:4002 */
  url: string;
  /** Where GraphQL is served. */
  graphqlUrl: string;
  port: number;
  close(): Promise<void>;
}

/**
 * One HTTP server shape for every subgraph and the gateway: GraphQL, GET /health, graceful close.
 */
export async function startGraphQLHttpServer<C extends BaseContext>(
  options: GraphQLHttpServerOptions<C>,
  port: number,
  host = process.env.HOST ?? '127.0.0.1',
): Promise<RunningServer> {
  const app = express();
  app.disable('x-powered-by');
  const httpServer = http.createServer(app);
  const drain = ApolloServerPluginDrainHttpServer({
    httpServer,
  }) as ApolloServerPlugin<C>;
  let apollo: ApolloServer<C>;
  if (options.createApollo) apollo = options.createApollo(drain);
  else if (options.schema) {
    apollo = new ApolloServer<C>({
      schema: options.schema,
      formatError: maskError,
      plugins: [
        drain,
        // Federated traces cost time on every request; nothing here reports them to Apollo Studio.
        ApolloServerPluginInlineTraceDisabled(),
        ...(options.plugins ?? []),
      ],
    });
  } else throw new Error(`${options.name}: a schema or createApollo is required`);
  await apollo.start();

  app.get('/health', async (_req, res) => {
    const report = await options.health();
    res.status(report.status === 'ok' ? 200 : 503).json({ service: options.name, ...report });
  });
  options.mountRoutes?.(app);
  app.use(
    options.graphqlPath ?? '/graphql',
    cors(),
    express.json({ limit: options.bodyLimitBytes ?? 1024 * 1024 }),
    ...(options.beforeGraphQL ?? []),
    expressMiddleware(apollo, { context: async ({ req }) => options.context(req) }),
  );
  app.use(bodyErrorHandler);

  await new Promise<void>((resolve) => httpServer.listen(port, host, resolve));
  const actualPort = (httpServer.address() as AddressInfo).port;
  const url = `http://${host === '0.0.0.0' ? '127.0.0.1' : host}:${actualPort}`;
  return {
    url,
    graphqlUrl: `${url}${options.graphqlPath ?? '/graphql'}`,
    port: actualPort,
    async close() {
      // apollo.stop() drains: stops accepting, lets in-flight requests finish, closes the server.
      await apollo.stop();
      if (httpServer.listening) await new Promise((resolve) => httpServer.close(resolve));
    },
  };
}

/** A body that is too large or not JSON gets a GraphQL-shaped answer, never an HTML stack page. */
const bodyErrorHandler: express.ErrorRequestHandler = (err: { type?: string; limit?: number }, _req, res, next) => {
  if (res.headersSent) return next(err);
  if (err.type === 'entity.too.large') {
    res.status(413).json({
      errors: [
        {
          message: `请求体过大（上限 ${err.limit} 字节）`,
          extensions: { code: 'REQUEST_TOO_LARGE', limit: err.limit },
        },
      ],
    });
  } else if (err.type === 'entity.parse.failed') {
    res.status(400).json({ errors: [{ message: '请求体不是合法的 JSON', extensions: { code: 'BAD_REQUEST' } }] });
  } else {
    console.error('request failed:', err instanceof Error ? err.message : err);
    res
      .status(500)
      .json({ errors: [{ message: '服务内部错误，请稍后重试', extensions: { code: 'INTERNAL_SERVER_ERROR' } }] });
  }
};
