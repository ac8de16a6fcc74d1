import { readFileSync } from 'node:fs';

import committed from './registry.json';

// MENTE_REGISTRY points at another registry file (same shape): the fan-out benchmark uses a
// generated registry of many regions. Everything else uses the committed one.
const registry: typeof committed = process.env.MENTE_REGISTRY
  ? (JSON.parse(readFileSync(process.env.MENTE_REGISTRY, 'utf8')) as typeof committed)
  : committed;

export interface RegistryRegion {
  code: string;
  name: string;
  province: string;
  /** GraphQL type prefix: PanzhihuaRegion, PanzhihuaApplication, ... */
  prefix: string;
  /** Subgraph name = its folder under subgraphs/. */
  subgraph: string;
  port: number;
}

export interface SubgraphEntry {
  name: string;
  port: number;
  /** Environment variable that overrides this subgraph's URL at the gateway. */
  urlEnv: string;
  defaultUrl: string;
}

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

export function regionByCode(code: string): RegistryRegion | undefined {
  return REGIONS.find((r) => r.code === code);
}
