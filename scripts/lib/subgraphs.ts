import type { GraphQLSchema } from 'graphql';

import { REGIONAL_SUBGRAPHS, REGIONS } from '../../schema/registry';
import type { RegionDefinition } from '../../subgraphs/kit/domain/region-definition';
import { loadRegion } from '../../subgraphs/kit/domain/region-file';
import { buildProvincialSchema } from '../../subgraphs/kit/graphql/regional/provincial-schema';
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
  const defs = new Map(regionDefinitions().map((d) => [d.subgraph, d]));
  // A region of its own: the one-region schema; a provincial subgraph: one schema for all its regions.
  const regional = await Promise.all(
    REGIONAL_SUBGRAPHS.map(async (s) => {
      const hosted = s.regions.map((r) => defs.get(r)!);
      const alone = hosted.length === 1 && hosted[0]!.subgraph === s.name;
      return {
        name: s.name,
        schema: alone
          ? await buildRegionalSchema(hosted[0]!)
          : await buildProvincialSchema({ name: s.name, regions: hosted }),
      };
    }),
  );
  return [{ name: 'national', schema: await buildNationalSchema() }, ...regional];
}
