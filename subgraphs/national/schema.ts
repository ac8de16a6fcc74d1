import type { GraphQLSchema } from 'graphql';

import { buildFederatedSchema } from '../kit/graphql/federation';
import type { NationalContext } from './context';
import { NationalResolver } from './resolvers';
import { Person, STUBS } from './types';

export function buildNationalSchema(): Promise<GraphQLSchema> {
  return buildFederatedSchema(
    { resolvers: [NationalResolver], orphanedTypes: STUBS },
    {
      Person: {
        async __resolveReference(ref: { id: string }, ctx: NationalContext) {
          const row = await ctx.people.load(ref.id);
          return row && new Person(row);
        },
      },
    },
  );
}
