import type { GraphQLSchema } from 'graphql';

import { buildFederatedSchema } from '../kit/graphql/federation';
import { RegionResolver } from './region.resolver';
import { REGION_STUBS } from './region.types';

export function buildNationalSchema(): Promise<GraphQLSchema> {
  return buildFederatedSchema({ resolvers: [RegionResolver], orphanedTypes: REGION_STUBS });
}
