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
    express.json({ limit: '1mb' }),
    expressMiddleware(apollo, {
      context: async ({ req }) => options.context(req),
    }),
  );

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
