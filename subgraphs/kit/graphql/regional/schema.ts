import type { GraphQLSchema } from 'graphql';

import type { RegionDefinition } from '../../domain/region-definition';
import { enforceAccessTable } from '../../platform/auth/access-rules';
import { buildFederatedSchema } from '../federation';
import { createMessageTypes } from '../messages';
import { regionalAccessTable } from '../regional-access';
import { createAppealResolvers } from './appeal-resolvers';
import { createAuditResolver } from './audit-resolvers';
import { createCounterResolvers } from './counter-resolvers';
import { createHospitalResolvers } from './hospital-resolvers';
import { createQueueResolver } from './queue';
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
      createHospitalResolvers(def, types),
      createAuditResolver(def),
    ] as const,
    referenceResolvers: createReferenceResolvers(def, types),
  };
}

export async function buildRegionalSchema(def: RegionDefinition): Promise<GraphQLSchema> {
  const types = createRegionTypes(def);
  const messages = createMessageTypes(def, (code) => new types.ConcreteRegion(code));
  const schema = await buildFederatedSchema(
    {
      resolvers: [...types.resolvers, createQueueResolver(def, types), ...messages.resolvers],
      orphanedTypes: [types.ConcreteRegion, types.ConcreteApplication, types.ConcreteRecord, messages.ConcreteMessages],
    },
    { ...types.referenceResolvers, ...messages.referenceResolvers },
  );
  return enforceAccessTable(schema, regionalAccessTable(def.prefix), {
    subgraph: def.subgraph,
    regionCode: def.policy.code,
    regionName: def.policy.name,
  });
}
