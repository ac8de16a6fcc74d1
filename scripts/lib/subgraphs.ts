import type { GraphQLSchema } from 'graphql';

import { REGIONS } from '../../schema/registry';
import type { RegionDefinition } from '../../subgraphs/kit/domain/region-definition';
import { loadRegion } from '../../subgraphs/kit/domain/region-file';
import { buildRegionalSchema } from '../../subgraphs/kit/graphql/regional/schema';
import { buildNationalSchema } from '../../subgraphs/national/schema';

/** A region's definition from its data file, subgraphs/regions/<subgraph>.yaml. */
export function loadRegionDefinition(subgraph: string): RegionDefinition {
  return loadRegion(subgraph);
}

/** Every region of the registry, in registry order. */
export function regionDefinitions(): RegionDefinition[] {
  return REGIONS.map((r) => loadRegionDefinition(r.subgraph));
}

/** Every subgraph's schema, built from code, in registry order. */
export async function buildAllSchemas(): Promise<{ name: string; schema: GraphQLSchema }[]> {
  const regional = await Promise.all(
    regionDefinitions().map(async (def) => ({ name: def.subgraph, schema: await buildRegionalSchema(def) })),
  );
  return [{ name: 'national', schema: await buildNationalSchema() }, ...regional];
}
