import 'reflect-metadata';

import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';

// How the cross-region fan-out grows with the number of regions: the committed 2-region registry
// against a generated one of 30, each measured in its own process (the registry is read at start).
// Measures cold query planning (a fresh planner per plan) and end-to-end latency of
// `person { records { ... } }` through the real gateway over HTTP, every region a real subgraph
// on its own in-memory database. Usage: `npm run bench:fanout` (prints a Markdown table).

const QUERY = `query($id: ID!) { person(id: $id) { name records { region { name }
  applications { acceptanceNumber status } certifications { validUntil } remoteCareFilings { residenceRegionName } } } }`;

interface Result {
  regions: number;
  coldPlanMs: number;
  warmLatencyP50Ms: number;
  warmLatencyP95Ms: number;
  subgraphFetches: number;
}

const percentile = (values: number[], p: number) => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
};

async function child(): Promise<void> {
  const { composeServices } = await import('@apollo/composition');
  const { printSubgraphSchema } = await import('@apollo/subgraph');
  const { QueryPlanner } = await import('@apollo/query-planner');
  const { operationFromDocument, Supergraph } = await import('@apollo/federation-internals');
  const { parse } = await import('graphql');
  const { NATIONAL, REGIONS, SUBGRAPHS } = await import('../../schema/registry');
  const { buildRegionalSchema } = await import('../../subgraphs/kit/graphql/regional/schema');
  const { startRegionalSubgraph } = await import('../../subgraphs/kit/start-up/start');
  const { loadRegionDefinition } = await import('../lib/subgraphs');
  const panzhihua = loadRegionDefinition('sichuan-panzhihua');
  const { buildNationalSchema } = await import('../../subgraphs/national/schema');
  const { startNationalSubgraph } = await import('../../subgraphs/national/server');
  const { startGateway } = await import('../../gateway/gateway');
  const { createJwtVerifier, DEV_AUDIENCE, DEV_ISSUER } = await import('../../gateway/auth/jwt');
  const { ensureDevelopmentKeys, loadPrivateKey, loadPublicKey } =
    await import('../../subgraphs/kit/platform/auth/keys');
  const { mintDevelopmentToken } = await import('../token');
  const { PiiVault } = await import('../../subgraphs/kit/platform/pii');
  const { seedDemoPeople } = await import('../lib/demo');

  // Every generated region serves Panzhihua's policy and rules under its own code, name and prefix.
  const defs = REGIONS.map((r) => ({
    ...panzhihua,
    prefix: r.prefix,
    subgraph: r.subgraph,
    policy: { ...panzhihua.policy, code: r.code, name: r.name, province: r.province },
  }));

  const schemas = [
    { name: NATIONAL.name, schema: await buildNationalSchema() },
    ...(await Promise.all(defs.map(async (d) => ({ name: d.subgraph, schema: await buildRegionalSchema(d) })))),
  ];
  const composed = composeServices(
    schemas.map(({ name, schema }) => ({
      name,
      typeDefs: parse(printSubgraphSchema(schema)),
      url: SUBGRAPHS.find((s) => s.name === name)!.defaultUrl,
    })),
  );
  if (composed.errors) throw new Error(composed.errors.map((e) => e.message).join('\n'));
  const supergraphSdl = composed.supergraphSdl;

  // Cold planning: a new planner each time, so nothing is cached.
  const supergraph = Supergraph.build(supergraphSdl);
  const planTimes: number[] = [];
  let fetches = 0;
  for (let i = 0; i < 7; i++) {
    const planner = new QueryPlanner(supergraph);
    const operation = operationFromDocument(supergraph.schema, parse(QUERY));
    const started = performance.now();
    const plan = planner.buildQueryPlan(operation);
    planTimes.push(performance.now() - started);
    fetches = (JSON.stringify(plan).match(/"kind":"Fetch"/g) ?? []).length;
  }

  const keysDir = mkdtempSync(path.join(os.tmpdir(), 'mente-bench-keys-'));
  const keys = await ensureDevelopmentKeys(keysDir);
  const internalPublicKey = await loadPublicKey(keys.internalPublicKeyPath);
  const quiet = { log: () => {} };
  const regional: Awaited<ReturnType<typeof startRegionalSubgraph>>[] = [];
  for (const def of defs) {
    regional.push(
      await startRegionalSubgraph(def, { port: 0, databaseUrl: 'memory:', prepare: true, internalPublicKey, ...quiet }),
    );
  }
  const national = await startNationalSubgraph({
    port: 0,
    databaseUrl: 'memory:',
    prepare: true,
    internalPublicKey,
    ...quiet,
  });
  await seedDemoPeople(national.dataSource, new PiiVault({ hashKey: randomBytes(32), encryptionKey: randomBytes(32) }));
  const subgraphUrls: Record<string, string> = { [NATIONAL.name]: national.graphqlUrl };
  defs.forEach((d, i) => (subgraphUrls[d.subgraph] = regional[i]!.graphqlUrl));
  const gateway = await startGateway({
    port: 0,
    subgraphUrls,
    supergraphSdl,
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
  const ask = async () => {
    const res = await fetch(gateway.graphqlUrl, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
      body: JSON.stringify({ query: QUERY, variables: { id: 'P000001' } }),
    });
    const body = (await res.json()) as { errors?: unknown; data?: { person: { records: unknown[] } } };
    if (body.errors || body.data?.person.records.length !== REGIONS.length) throw new Error(JSON.stringify(body));
  };
  for (let i = 0; i < 10; i++) await ask(); // warm: plan cached, connections open
  const latencies: number[] = [];
  for (let i = 0; i < 100; i++) {
    const started = performance.now();
    await ask();
    latencies.push(performance.now() - started);
  }
  await gateway.close();
  await national.close();
  for (const r of regional) await r.close();

  const result: Result = {
    regions: REGIONS.length,
    coldPlanMs: percentile(planTimes, 50),
    warmLatencyP50Ms: percentile(latencies, 50),
    warmLatencyP95Ms: percentile(latencies, 95),
    subgraphFetches: fetches,
  };
  process.stdout.write(`RESULT ${JSON.stringify(result)}\n`);
}

function generatedRegistry(count: number): string {
  const regions = Array.from({ length: count }, (_, i) => {
    const n = String(i + 1).padStart(2, '0');
    return {
      code: `9100${n}`,
      name: `示例市${n}`,
      province: '示例省',
      prefix: `Sample${n}`,
      subgraph: `sample-${n}`,
      port: 5000 + i,
    };
  });
  const file = path.join(mkdtempSync(path.join(os.tmpdir(), 'mente-registry-')), 'registry.json');
  writeFileSync(file, JSON.stringify({ national: { name: 'national', port: 4001 }, regions }));
  return file;
}

function runChild(registryFile: string | null): Result {
  const out = spawnSync(process.execPath, ['--import', 'tsx', __filename, '--child'], {
    env: { ...process.env, ...(registryFile ? { MENTE_REGISTRY: registryFile } : {}), NODE_ENV: 'test' },
    encoding: 'utf8',
    maxBuffer: 64 * 1024 * 1024,
  });
  const line = out.stdout.split('\n').find((l) => l.startsWith('RESULT '));
  if (!line) throw new Error(`benchmark child failed:\n${out.stderr}`);
  return JSON.parse(line.slice('RESULT '.length)) as Result;
}

export function fanoutScale(): Result[] {
  return [runChild(null), runChild(generatedRegistry(30))];
}

if (require.main === module) {
  if (process.argv.includes('--child')) {
    child().catch((e: unknown) => {
      console.error(e);
      process.exit(1);
    });
  } else {
    const [two, thirty] = fanoutScale();
    const row = (r: Result) =>
      `| ${r.regions} | ${r.subgraphFetches} | ${r.coldPlanMs.toFixed(1)} | ${r.warmLatencyP50Ms.toFixed(1)} | ${r.warmLatencyP95Ms.toFixed(1)} |`;
    console.log('| regions | fetches in the plan | cold planning, ms (p50 of 7) | person.records p50, ms | p95, ms |');
    console.log('|---|---|---|---|---|');
    console.log(row(two!));
    console.log(row(thirty!));
    console.log(
      `\n30 vs 2 regions: cold planning ×${(thirty!.coldPlanMs / two!.coldPlanMs).toFixed(1)}, ` +
        `warm latency ×${(thirty!.warmLatencyP50Ms / two!.warmLatencyP50Ms).toFixed(1)} (${os.cpus().length} cores, ${os.cpus()[0]?.model ?? 'cpu'})`,
    );
  }
}
