import { hostOf, type RegistryRegion, type RegistrySubgraph } from '../../schema/registry';
import { ConfigError } from '../kit/platform/config';

// What one regional process serves, from its environment and the registry:
//   REGION=<region>            one region, its own subgraph (PORT, DATABASE_URL as always)
//   SUBGRAPH=<name>            the registry's subgraph <name>: a provincial one serves every region
//                              whose file says `host: <name>`, in one process, port and schema
//   REGIONS=<a>,<b>[,…]        these regions in one subgraph: the registry's host they share, or
//                              the one SUBGRAPH names (a composition of your own; the gateway must
//                              be given the same)
// A provincial process keeps each region in its own database: DATABASE_URL_<REGION> (e.g.
// DATABASE_URL_SICHUAN_PANZHIHUA), or the embedded file .data/<region>.sqlite without any.
// Every message is in English and Chinese.

export interface HostedRegionEnv {
  /** Region file name. */
  name: string;
  databaseUrl?: string;
}

export interface RegionalDeployment {
  /** The subgraph's name: the audience of its internal tokens, its metrics' service label. */
  name: string;
  /** Default port (PORT overrides). */
  port: number;
  /** Several regions (or a region under a provincial name): one schema for all of them. */
  provincial: boolean;
  regions: HostedRegionEnv[];
  /** The environment for subgraphConfigFromEnv (DATABASE_URL only for a one-region process). */
  env: NodeJS.ProcessEnv;
}

export const regionEnvName = (name: string) => name.toUpperCase().replace(/-/g, '_');
const list = (s: string | undefined) =>
  (s ?? '')
    .split(',')
    .map((x) => x.trim())
    .filter(Boolean);

const SERVICE = 'regional subgraph';

export function regionalDeploymentFromEnv(
  env: NodeJS.ProcessEnv,
  registry: { regions: readonly RegistryRegion[]; subgraphs: readonly RegistrySubgraph[] },
): RegionalDeployment {
  const fail = (...problems: string[]): never => {
    throw new ConfigError(SERVICE, problems);
  };
  const one = env.REGION?.trim() || undefined;
  const many = list(env.REGIONS);
  const named = env.SUBGRAPH?.trim() || undefined;
  if (one && (many.length > 0 || named)) {
    fail(
      'set one of REGION, SUBGRAPH or REGIONS (REGIONS with SUBGRAPH names it); 只能设置 REGION、SUBGRAPH、REGIONS 之一',
    );
  }
  if (!one && !named && many.length === 0) {
    fail(
      'REGION (one region), SUBGRAPH (a subgraph of schema/registry.json) or REGIONS (regions in one subgraph) must be set; ' +
        '须设置 REGION（单个地区）、SUBGRAPH（注册表中的子图）或 REGIONS（同一子图中的多个地区）',
    );
  }
  const known = new Map(registry.regions.map((r) => [r.subgraph, r]));
  const region = (name: string) =>
    known.get(name) ??
    fail(
      `no region file subgraphs/regions/${name}.yaml (known: ${[...known.keys()].join(', ')}); ` +
        `没有地区文件 subgraphs/regions/${name}.yaml`,
    );

  if (one) {
    const r = region(one);
    if (r.host) {
      fail(
        `${one} is served by the provincial subgraph ${r.host} (its file says host: ${r.host}): start SUBGRAPH=${r.host}; ` +
          `${one} 由省级子图 ${r.host} 承载（地区文件 host: ${r.host}），请以 SUBGRAPH=${r.host} 启动`,
      );
    }
    return { name: one, port: r.port, provincial: false, regions: [{ name: one }], env };
  }

  for (const key of Object.keys(env)) {
    if (/^(METRICS_)?PORT_[A-Z0-9_]+$/.test(key) && many.some((m) => key.endsWith(`_${regionEnvName(m)}`))) {
      fail(
        `${key} is no longer read: REGIONS now serves its regions in ONE subgraph on PORT (and METRICS_PORT); ` +
          `${key} 已不再使用：REGIONS 现于同一子图、同一端口（PORT）承载所列地区`,
      );
    }
  }
  let subgraph: RegistrySubgraph | undefined = named ? registry.subgraphs.find((s) => s.name === named) : undefined;
  let names: string[];
  if (many.length === 0) {
    subgraph ??= fail(
      `SUBGRAPH=${named} names no subgraph of schema/registry.json (known: ${registry.subgraphs.map((s) => s.name).join(', ')}); ` +
        `注册表中没有子图 ${named}`,
    );
    names = subgraph.regions;
  } else {
    const duplicates = many.filter((m, i) => many.indexOf(m) !== i);
    if (duplicates.length)
      fail(`REGIONS lists ${duplicates.join(', ')} twice; REGIONS 中 ${duplicates.join(', ')} 重复`);
    const hosts = [...new Set(many.map((m) => hostOf(region(m))))];
    if (!named) {
      if (hosts.length > 1) {
        fail(
          `REGIONS=${many.join(',')}: the registry serves these regions from different subgraphs (${many
            .map((m) => `${m} → ${hostOf(region(m))}`)
            .join(', ')}). Give their region files one \`host:\` and run \`npm run compose\`, or name a subgraph of ` +
            `your own composition with SUBGRAPH=<name>; ` +
            `注册表中这些地区分属不同子图：请在地区文件中设置相同的 host 并运行 npm run compose，或以 SUBGRAPH=<名称> 指定自行组合的子图`,
        );
      }
      subgraph = registry.subgraphs.find((s) => s.name === hosts[0]);
    }
    if (subgraph) {
      const missing = subgraph.regions.filter((r) => !many.includes(r));
      const extra = many.filter((r) => !subgraph!.regions.includes(r));
      if (missing.length || extra.length) {
        fail(
          `subgraph ${subgraph.name} serves ${subgraph.regions.join(', ')} in schema/registry.json, REGIONS names ${many.join(', ')}: ` +
            `the gateway routes every region of a subgraph to one process; ` +
            `注册表中子图 ${subgraph.name} 承载 ${subgraph.regions.join(', ')}，与 REGIONS 不一致`,
        );
      }
    }
    names = many;
  }
  const name = subgraph?.name ?? named!;
  const alone = names.length === 1 && names[0] === name;
  if (alone) return { name, port: region(name).port, provincial: false, regions: [{ name }], env };

  const regions = names.map((n) => ({ name: n, databaseUrl: env[`DATABASE_URL_${regionEnvName(n)}`] || undefined }));
  const shared = env.DATABASE_URL;
  const without = regions.filter((r) => !r.databaseUrl).map((r) => `DATABASE_URL_${regionEnvName(r.name)}`);
  if (shared && without.length) {
    fail(
      `DATABASE_URL is one database, and a provincial subgraph keeps each region in its own: set ${without.join(', ')}; ` +
        `省级子图中每个地区使用各自的数据库：请设置 ${without.join('、')}`,
    );
  }
  for (const r of regions) {
    if (r.databaseUrl && r.databaseUrl !== 'memory:' && !/^mysql:\/\/[^/]+/.test(r.databaseUrl)) {
      fail(
        `DATABASE_URL_${regionEnvName(r.name)} must be mysql://user:password@host:port/database or memory:; ` +
          `DATABASE_URL_${regionEnvName(r.name)} 须为 mysql://… 或 memory:`,
      );
    }
  }
  const { DATABASE_URL: _ignored, ...rest } = env;
  return { name, port: subgraph?.port ?? region(names[0]!).port, provincial: true, regions, env: rest };
}
