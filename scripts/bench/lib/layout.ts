import { randomBytes } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';

import { type Registry, type RegistryRegion, subgraphsOf } from '../../../schema/registry';

// Generated deployments for the scale benchmarks (bench:fanout, bench:scale), built with the
// project's own kit and composition. The first two regions are the real demo regions (Panzhihua,
// Yunfu: the demo people have history there), every other one serves Panzhihua's policy under its
// own code, name and prefix. Layout `separate`: one subgraph per region (today's default);
// `provincial`: regions grouped by province, one subgraph per province (region files' `host:`).
// The registry is written to a file and read by a child process through MENTE_REGISTRY.

export type Layout = 'separate' | 'provincial';

/** Regions per province: ~400 prefecture-level regions in 31 provinces. */
export const REGIONS_PER_PROVINCE = 13;

export function generateRegistry(count: number, layout: Layout, perProvince = REGIONS_PER_PROVINCE): Registry {
  const demo: RegistryRegion[] = [
    {
      code: '510400',
      name: '攀枝花市',
      province: '四川省',
      prefix: 'Panzhihua',
      subgraph: 'sichuan-panzhihua',
      port: 0,
    },
    { code: '445300', name: '云浮市', province: '广东省', prefix: 'Yunfu', subgraph: 'guangdong-yunfu', port: 0 },
  ];
  const regions = Array.from({ length: count }, (_, i): RegistryRegion => {
    const province = Math.floor(i / perProvince) + 1;
    const base =
      demo[i] ??
      (() => {
        const n = String(i + 1).padStart(3, '0');
        return {
          code: `9${String(i + 1).padStart(5, '0')}`,
          name: `示例市${n}`,
          province: `示例省${province}`,
          prefix: `Sample${n}`,
          subgraph: `sample-${n}`,
          port: 0,
        };
      })();
    if (layout === 'separate') return { ...base, port: 5000 + i };
    return { ...base, port: 5000 + province, host: `province-${String(province).padStart(2, '0')}` };
  });
  return { national: { name: 'national', port: 4001 }, regions, subgraphs: subgraphsOf(regions) };
}

export function writeRegistry(registry: Registry): string {
  const file = path.join(mkdtempSync(path.join(os.tmpdir(), 'mente-registry-')), 'registry.json');
  writeFileSync(file, JSON.stringify(registry));
  return file;
}

/** In the child (MENTE_REGISTRY set): every region's definition. */
export async function regionDefinitions() {
  const { REGIONS } = await import('../../../schema/registry');
  const { loadRegionDefinition } = await import('../../lib/subgraphs');
  const panzhihua = loadRegionDefinition('sichuan-panzhihua');
  const yunfu = loadRegionDefinition('guangdong-yunfu');
  return REGIONS.map((r) => {
    const real = r.subgraph === panzhihua.subgraph ? panzhihua : r.subgraph === yunfu.subgraph ? yunfu : null;
    const def = real ?? {
      ...panzhihua,
      prefix: r.prefix,
      subgraph: r.subgraph,
      policy: { ...panzhihua.policy, code: r.code, name: r.name, province: r.province },
    };
    return { ...def, port: r.port, ...(r.host ? { host: r.host } : {}) };
  });
}

/** In the child: every subgraph's schema (national first), as `npm run compose` builds them. */
export async function buildLayoutSchemas() {
  const { NATIONAL, REGIONAL_SUBGRAPHS } = await import('../../../schema/registry');
  const { buildNationalSchema } = await import('../../../subgraphs/national/schema');
  const { buildRegionalSchema } = await import('../../../subgraphs/kit/graphql/regional/schema');
  const { buildProvincialSchema } = await import('../../../subgraphs/kit/graphql/regional/provincial-schema');
  const defs = new Map((await regionDefinitions()).map((d) => [d.subgraph, d]));
  const schemas = [{ name: NATIONAL.name, schema: await buildNationalSchema() }];
  for (const s of REGIONAL_SUBGRAPHS) {
    const hosted = s.regions.map((r) => defs.get(r)!);
    const alone = hosted.length === 1 && hosted[0]!.subgraph === s.name;
    schemas.push({
      name: s.name,
      schema: alone
        ? await buildRegionalSchema(hosted[0]!)
        : await buildProvincialSchema({ name: s.name, regions: hosted }),
    });
  }
  return schemas;
}

/**
 * In the child: the national subgraph's SDL of the generated registry, for the gateway's local
 * registry (gateway/local-registry.ts; the committed schema/national.graphql knows only the real regions).
 */
export async function nationalSdlOfLayout(): Promise<string> {
  const { printSubgraphSchema } = await import('@apollo/subgraph');
  const { buildNationalSchema } = await import('../../../subgraphs/national/schema');
  return printSubgraphSchema(await buildNationalSchema());
}

/** In the child: the supergraph of the generated registry. */
export async function composeLayout(): Promise<string> {
  const { composeServices } = await import('@apollo/composition');
  const { printSubgraphSchema } = await import('@apollo/subgraph');
  const { parse } = await import('graphql');
  const { SUBGRAPHS } = await import('../../../schema/registry');
  const schemas = await buildLayoutSchemas();
  const composed = composeServices(
    schemas.map(({ name, schema }) => ({
      name,
      typeDefs: parse(printSubgraphSchema(schema)),
      url: SUBGRAPHS.find((s) => s.name === name)!.defaultUrl,
    })),
  );
  if (composed.errors) throw new Error(composed.errors.map((e) => e.message).join('\n'));
  return composed.supergraphSdl;
}

/** A person of the demo data with history in both demo regions (Panzhihua and Yunfu). */
export async function personInTwoRegions(): Promise<string> {
  const { DEMO_PEOPLE, demoRecordsFor } = await import('../../seed-data/people');
  const person = DEMO_PEOPLE.find((p) =>
    ['510400', '445300'].every((code) => demoRecordsFor(code).applications.some((a) => a.personId === p.id)),
  );
  if (!person) throw new Error('no demo person with history in both demo regions');
  return person.id;
}

export const RECORDS_QUERY = `query($id: ID!) { person(id: $id) { name records { region { name }
  applications { acceptanceNumber status } certifications { validUntil } remoteCareFilings { residenceRegionName } } } }`;

/**
 * In the child: every subgraph of the registry as a real server (in-memory databases; the demo
 * regions seeded with the demo records), the national subgraph with the demo people, and the
 * real gateway over HTTP. `fetchesOf` counts the subgraph fetches one request made.
 */
export async function startLayout(supergraphSdl: string) {
  const { NATIONAL, REGIONAL_SUBGRAPHS } = await import('../../../schema/registry');
  const { startRegionalSubgraph } = await import('../../../subgraphs/kit/start-up/start');
  const { startProvincialSubgraph } = await import('../../../subgraphs/kit/start-up/provincial-start');
  const { startNationalSubgraph } = await import('../../../subgraphs/national/server');
  const { startGateway } = await import('../../../gateway/gateway');
  const { createJwtVerifier, DEV_AUDIENCE, DEV_ISSUER } = await import('../../../gateway/auth/jwt');
  const { ensureDevelopmentKeys, loadPrivateKey, loadPublicKey } =
    await import('../../../subgraphs/kit/platform/auth/keys');
  const { PiiVault } = await import('../../../subgraphs/kit/platform/pii');
  const { seedDemoPeople, seedDemoRecords } = await import('../../lib/demo');
  const { mintDevelopmentToken } = await import('../../token');

  const keysDir = mkdtempSync(path.join(os.tmpdir(), 'mente-bench-keys-'));
  const keys = await ensureDevelopmentKeys(keysDir);
  const internalPublicKey = await loadPublicKey(keys.internalPublicKeyPath);
  const quiet = { log: () => {}, notifications: false as const, internalPublicKey, prepare: true, port: 0 };
  const defs = new Map((await regionDefinitions()).map((d) => [d.subgraph, d]));
  const closers: (() => Promise<void>)[] = [];
  const subgraphUrls: Record<string, string> = {};
  for (const s of REGIONAL_SUBGRAPHS) {
    const hosted = s.regions.map((r) => defs.get(r)!);
    const seeded = ['510400', '445300'];
    if (hosted.length === 1 && hosted[0]!.subgraph === s.name) {
      const server = await startRegionalSubgraph(hosted[0]!, { ...quiet, databaseUrl: 'memory:' });
      if (seeded.includes(hosted[0]!.policy.code)) await seedDemoRecords(server.dataSource, hosted[0]!.policy.code);
      subgraphUrls[s.name] = server.graphqlUrl;
      closers.push(() => server.close());
    } else {
      const server = await startProvincialSubgraph(
        s.name,
        hosted.map((def) => ({ def, databaseUrl: 'memory:' })),
        quiet,
      );
      for (const code of seeded) {
        const runtime = server.regions.get(code);
        if (runtime) await seedDemoRecords(runtime.dataSource, code);
      }
      subgraphUrls[s.name] = server.graphqlUrl;
      closers.push(() => server.close());
    }
  }
  const national = await startNationalSubgraph({
    port: 0,
    databaseUrl: 'memory:',
    prepare: true,
    internalPublicKey,
    log: () => {},
  });
  closers.push(() => national.close());
  await seedDemoPeople(national.dataSource, new PiiVault({ hashKey: randomBytes(32), encryptionKey: randomBytes(32) }));
  subgraphUrls[NATIONAL.name] = national.graphqlUrl;
  const gateway = await startGateway({
    port: 0,
    subgraphUrls,
    supergraphSdl,
    nationalSdl: await nationalSdlOfLayout(),
    responseCache: false,
    // Every subgraph of the layout shares this process's share of the CPU: measure latency, not timeouts.
    subgraphTimeoutMs: 30_000,
    security: {
      authenticate: createJwtVerifier({
        issuer: DEV_ISSUER,
        audience: DEV_AUDIENCE,
        publicKeyFile: keys.callerPublicKeyPath,
      }),
      internalPrivateKey: await loadPrivateKey(keys.internalPrivateKeyPath),
    },
  });
  const token = await mintDevelopmentToken({ role: 'NATIONAL_OPERATOR', keysDir });
  const fetchCount = async () => {
    const metric = (await gateway.metrics.registry.getMetricsAsJSON()).find(
      (m) => m.name === 'mente_subgraph_fetch_duration_seconds',
    );
    return ((metric?.values ?? []) as { metricName?: string; value: number }[])
      .filter((v) => v.metricName === 'mente_subgraph_fetch_duration_seconds_count')
      .reduce((sum, v) => sum + v.value, 0);
  };
  return {
    gateway,
    async ask(id: string): Promise<{ records: number; errors: number }> {
      const res = await fetch(gateway.graphqlUrl, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
        body: JSON.stringify({ query: RECORDS_QUERY, variables: { id } }),
      });
      const body = (await res.json()) as { errors?: unknown[]; data?: { person: { records: unknown[] } | null } };
      if (!body.data?.person) throw new Error(JSON.stringify(body).slice(0, 2000));
      // Regions that failed (partial answers) are counted, not fatal: the row says how many.
      return { records: body.data.person.records.length, errors: body.errors?.length ?? 0 };
    },
    /** Subgraph fetches (national included) one call of `run` made. */
    async fetchesOf(run: () => Promise<unknown>): Promise<number> {
      const before = await fetchCount();
      await run();
      return (await fetchCount()) - before;
    },
    async close() {
      await gateway.close();
      for (const close of closers.reverse()) await close();
    },
  };
}

export const percentile = (values: number[], p: number) => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
};
