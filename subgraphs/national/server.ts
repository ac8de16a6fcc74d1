import { NATIONAL } from '../../schema/registry';
import { type RunningServer, startGraphQLHttpServer } from '../kit/server';
import { buildNationalSchema } from './schema';

export async function startNationalSubgraph(options: { port?: number } = {}): Promise<RunningServer> {
  return startGraphQLHttpServer(
    {
      name: NATIONAL.name,
      schema: await buildNationalSchema(),
      context: async () => ({}),
      // The national identity index (Person) and its database arrive with the cross-region records work.
      health: async () => ({ status: 'ok', database: 'none' }),
    },
    options.port ?? Number(process.env.PORT ?? 0),
  );
}
