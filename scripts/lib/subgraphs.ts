import type { GraphQLSchema } from 'graphql';

import { REGIONS } from '../../schema/registry';
import { buildRegionalSchema, type RegionDefinition } from '../../subgraphs/kit/regional-subgraph';
import { buildNationalSchema } from '../../subgraphs/national/schema';

/** A region's definition from its folder (subgraphs/<subgraph>/region.ts, default export). */
export function loadRegionDefinition(subgraph: string): RegionDefinition {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const mod = require(`../../subgraphs/${subgraph}/region`) as { default?: RegionDefinition };
  if (!mod.default?.prefix) throw new Error(`subgraphs/${subgraph}/region.ts must default-export its RegionDefinition`);
  return mod.default;
}

export function regionDefinitions(): RegionDefinition[] {
  return REGIONS.map((r) => {
    const def = loadRegionDefinition(r.subgraph);
    if (def.policy.code !== r.code || def.prefix !== r.prefix) {
      throw new Error(`schema/registry.json and subgraphs/${r.subgraph}/region.ts disagree on the code or prefix`);
    }
    return def;
  });
}

/** Every subgraph's schema, built from code, in registry order. */
export async function buildAllSchemas(): Promise<{ name: string; schema: GraphQLSchema }[]> {
  const regional = await Promise.all(
    regionDefinitions().map(async (def) => ({ name: def.subgraph, schema: await buildRegionalSchema(def) })),
  );
  return [{ name: 'national', schema: await buildNationalSchema() }, ...regional];
}
