import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';

import { parse } from 'yaml';

// The one list of subgraphs and regions, derived from the region files
// (subgraphs/regions/<subgraph>.yaml, their `region` block). Drives composition, the national
// subgraph's key-only stubs, start-up and the gateway's default subgraph URLs. `npm run compose`
// writes the same list to schema/registry.json for tools outside TypeScript, drift-checked.
// MENTE_REGISTRY points at a registry file of that JSON shape instead: the fan-out benchmark uses
// a generated registry of many regions.

export interface RegistryRegion {
  code: string;
  name: string;
  province: string;
  /** GraphQL type prefix: PanzhihuaRegion, PanzhihuaApplication, ... */
  prefix: string;
  /** Subgraph name = its region file's name under subgraphs/regions/. */
  subgraph: string;
  port: number;
}

export interface Registry {
  national: { name: string; port: number };
  regions: RegistryRegion[];
}

export interface SubgraphEntry {
  name: string;
  port: number;
  /** Environment variable that overrides this subgraph's URL at the gateway. */
  urlEnv: string;
  defaultUrl: string;
}

export const REGIONS_DIR = path.resolve(__dirname, '../subgraphs/regions');
const NATIONAL_ENTRY = { name: 'national', port: 4001 };

/** The registry as the region files say, ordered by port (then code). Only the `region` blocks are read. */
export function registryFromRegionFiles(dir = REGIONS_DIR): Registry {
  const regions = readdirSync(dir)
    .filter((f) => /\.ya?ml$/.test(f))
    .map((f) => {
      const region = (parse(readFileSync(path.join(dir, f), 'utf8')) as { region?: RegistryRegion } | null)?.region;
      if (!region?.code || !region.subgraph) throw new Error(`subgraphs/regions/${f}: no region block`);
      const { code, name, province, prefix, subgraph, port } = region;
      return { code, name, province, prefix, subgraph, port };
    })
    .sort((a, b) => a.port - b.port || a.code.localeCompare(b.code));
  return { national: NATIONAL_ENTRY, regions };
}

const registry: Registry = process.env.MENTE_REGISTRY
  ? (JSON.parse(readFileSync(process.env.MENTE_REGISTRY, 'utf8')) as Registry)
  : registryFromRegionFiles();

export const REGIONS: readonly RegistryRegion[] = registry.regions;
export const NATIONAL = registry.national;

const urlEnv = (name: string) => `SUBGRAPH_URL_${name.toUpperCase().replace(/-/g, '_')}`;

/** Every subgraph, national first, in composition order. */
export const SUBGRAPHS: readonly SubgraphEntry[] = [
  NATIONAL,
  ...REGIONS.map((r) => ({ name: r.subgraph, port: r.port })),
].map((s) => ({
  name: s.name,
  port: s.port,
  urlEnv: urlEnv(s.name),
  defaultUrl: `http://127.0.0.1:${s.port}/graphql`,
}));
