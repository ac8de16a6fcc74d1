import type { GraphQLSchema } from 'graphql';

import type { RegionDefinition } from '../../domain/region-definition';
import { enforceAccessTable } from '../../platform/auth/access-rules';
import { buildFederatedSchema } from '../federation';
import { regionalAccessTable } from '../regional-access';
import { createAppealResolvers } from './appeal-resolvers';
import { createCounterResolvers } from './counter-resolvers';
import { createReferenceResolvers } from './references';
import { createRegionResolvers } from './resolvers';
import { createRegionObjectTypes } from './types';

/** The concrete, prefixed GraphQL types of one region with their resolvers. */
export function createRegionTypes(def: RegionDefinition) {
  const types = createRegionObjectTypes(def);
  return {
    ...types,
    resolvers: [
      ...createRegionResolvers(def, types),
      ...createAppealResolvers(def, types),
      ...createCounterResolvers(def, types),
    ] as const,
    referenceResolvers: createReferenceResolvers(def, types),
  };
}

export async function buildRegionalSchema(def: RegionDefinition): Promise<GraphQLSchema> {
  const types = createRegionTypes(def);
  const schema = await buildFederatedSchema(
    {
      resolvers: types.resolvers,
      orphanedTypes: [types.ConcreteRegion, types.ConcreteApplication, types.ConcreteRecord],
    },
    types.referenceResolvers,
  );
  return enforceAccessTable(schema, regionalAccessTable(def.prefix), {
    subgraph: def.subgraph,
    regionCode: def.policy.code,
    regionName: def.policy.name,
  });
}
