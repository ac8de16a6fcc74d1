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
  /** The region's own name = its region file's name under subgraphs/regions/. */
  subgraph: string;
  /** Port of the subgraph serving it (its host's when it has one). */
  port: number;
  /** A provincial subgraph serving it with other regions (region file `host:`); absent = its own subgraph. */
  host?: string;
}

/** One subgraph process of the deployment and the regions it serves (several for a provincial one). */
export interface RegistrySubgraph {
  name: string;
  port: number;
  /** The region files (names) it serves, in registry order. */
  regions: string[];
}

export interface Registry {
  national: { name: string; port: number };
  regions: RegistryRegion[];
  /** The regional subgraphs, by port: derived from the regions (their `host`), never written by hand. */
  subgraphs: RegistrySubgraph[];
}

/** A mistake in how region files are spread over subgraphs, in English and Chinese. */
export interface HostingProblem {
  /** The region file, e.g. sichuan-panzhihua. */
  region: string;
  path: '/region/host' | '/region/port';
  message: string;
  messageZh: string;
}

/** The subgraph that serves a region: its host, or itself. */
export const hostOf = (r: Pick<RegistryRegion, 'subgraph' | 'host'>): string => r.host ?? r.subgraph;

/**
 * How the regions are spread over subgraphs, and what is wrong with it: every region naming one host
 * gives that host's port; two subgraphs never share a port (nor the national one's); a host is not
 * named like another region's file (that region is a subgraph of its own) nor `national`.
 */
export function hostingProblems(
  regions: readonly Pick<RegistryRegion, 'subgraph' | 'host' | 'port'>[],
  national: { name: string; port: number } = NATIONAL_ENTRY,
): HostingProblem[] {
  const problems: HostingProblem[] = [];
  const names = new Set(regions.map((r) => r.subgraph));
  const portOf = new Map<string, { port: number; region: string }>();
  const hostOfPort = new Map<number, { host: string; region?: string }>([[national.port, { host: national.name }]]);
  for (const r of regions) {
    const host = hostOf(r);
    if (r.host !== undefined && (r.host === national.name || (r.host !== r.subgraph && names.has(r.host)))) {
      problems.push({
        region: r.subgraph,
        path: '/region/host',
        message: `region.host "${r.host}" is the name of ${r.host === national.name ? 'the national subgraph' : `the region file ${r.host}.yaml`}; name the provincial subgraph otherwise (e.g. the province in pinyin)`,
        messageZh: `region.host“${r.host}”与${r.host === national.name ? '全国子图' : `地区文件 ${r.host}.yaml`}重名，请为省级子图另取名称（如省份拼音）`,
      });
      continue;
    }
    const first = portOf.get(host);
    if (first && first.port !== r.port) {
      problems.push({
        region: r.subgraph,
        path: '/region/port',
        message: `region.port ${r.port} differs from ${first.port} given by ${first.region}.yaml: every region hosted by ${host} gives its port`,
        messageZh: `region.port ${r.port} 与 ${first.region}.yaml 的 ${first.port} 不同：同一省级子图 ${host} 的地区须使用同一端口`,
      });
      continue;
    }
    if (!first) {
      portOf.set(host, { port: r.port, region: r.subgraph });
      const other = hostOfPort.get(r.port);
      if (other !== undefined && other.host !== host) {
        const by = other.region ? ` (${other.region}.yaml)` : '';
        problems.push({
          region: r.subgraph,
          path: '/region/port',
          message: `region.port ${r.port} is also the port of subgraph ${other.host}${by}`,
          messageZh: `region.port ${r.port} 已被子图 ${other.host}${by} 使用`,
        });
      } else hostOfPort.set(r.port, { host, region: r.subgraph });
    }
  }
  return problems;
}

/** The subgraphs the regions make up, by port (then name). */
export function subgraphsOf(regions: readonly RegistryRegion[]): RegistrySubgraph[] {
  const byName = new Map<string, RegistrySubgraph>();
  for (const r of regions) {
    const name = hostOf(r);
    const entry = byName.get(name) ?? { name, port: r.port, regions: [] };
    entry.regions.push(r.subgraph);
    byName.set(name, entry);
  }
  return [...byName.values()].sort((a, b) => a.port - b.port || a.name.localeCompare(b.name));
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
      const { code, name, province, prefix, subgraph, port, host } = region;
      return { code, name, province, prefix, subgraph, port, ...(host !== undefined ? { host } : {}) };
    })
    .sort((a, b) => a.port - b.port || a.code.localeCompare(b.code));
  const problems = hostingProblems(regions);
  if (problems.length > 0) {
    throw new Error(
      problems.map((p) => `subgraphs/regions/${p.region}.yaml ${p.path}: ${p.message}\n  ${p.messageZh}`).join('\n'),
    );
  }
  return { national: NATIONAL_ENTRY, regions, subgraphs: subgraphsOf(regions) };
}

/** A registry file (MENTE_REGISTRY); one written without `subgraphs` gets them from its regions. */
export function readRegistryFile(file: string): Registry {
  const read = JSON.parse(readFileSync(file, 'utf8')) as Omit<Registry, 'subgraphs'> & {
    subgraphs?: RegistrySubgraph[];
  };
  return { ...read, subgraphs: read.subgraphs ?? subgraphsOf(read.regions) };
}

const registry: Registry = process.env.MENTE_REGISTRY
  ? readRegistryFile(process.env.MENTE_REGISTRY)
  : registryFromRegionFiles();

export const REGIONS: readonly RegistryRegion[] = registry.regions;
export const NATIONAL = registry.national;
/** The regional subgraphs (processes) and the regions each serves. */
export const REGIONAL_SUBGRAPHS: readonly RegistrySubgraph[] = registry.subgraphs;

const urlEnv = (name: string) => `SUBGRAPH_URL_${name.toUpperCase().replace(/-/g, '_')}`;

/** Every subgraph, national first, in composition order. */
export const SUBGRAPHS: readonly SubgraphEntry[] = [
  NATIONAL,
  ...REGIONAL_SUBGRAPHS.map((s) => ({ name: s.name, port: s.port })),
].map((s) => ({
  name: s.name,
  port: s.port,
  urlEnv: urlEnv(s.name),
  defaultUrl: `http://127.0.0.1:${s.port}/graphql`,
}));
