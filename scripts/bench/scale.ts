import 'reflect-metadata';

import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';

import {
  generateRegistry,
  type Layout,
  percentile,
  personInTwoRegions,
  RECORDS_QUERY,
  writeRegistry,
} from './lib/layout';

// `npm run bench:scale`: national scale. Generates 400 regions in the provincial layout (13 cities a
// province: 31 provincial subgraphs) through the project's own kit and composition, and the same
// regions one subgraph per region, and reports for each: compose time and peak RSS; gateway load
// time and heap; planner build; cold and warm plan times for `person.records`; plan size (JSON
// bytes) and how many such plans the gateway's default 30 MiB plan cache holds; and, at 100
// regions, `person.records` end to end for a person with history in 2 regions (fetches + p50).
// Every measurement runs in a fresh process (the registry is read at start; peak RSS is per process).
//   npm run bench:scale                 provincial 400 and 100, separate 100
//   npm run bench:scale -- --separate-400   also one subgraph per region at 400 (minutes, >1 GB)
// BENCH_REQUESTS (default 30): requests for the end-to-end p50.

const PLAN_CACHE_BYTES = 30 * 1024 * 1024; // @apollo/gateway's default query plan cache (approximateObjectSize: JSON bytes)
const TARGETS = { gatewayStartS: 5, gatewayHeapMb: 250, fetches: 3 };

interface ComposeResult {
  regions: number;
  subgraphs: number;
  composeS: number;
  peakRssMb: number;
  supergraphFile: string;
}
interface GatewayResult {
  loadS: number;
  heapMb: number;
  plannerBuildS: number;
  coldPlanMs: number;
  warmPlanMs: number;
  planBytes: number;
  planFetches: number;
}
interface EndToEndResult {
  fetches: number;
  records: number;
  p50Ms: number;
  /** Region errors over all measured requests (timeouts, unavailable), 0 when every region answered. */
  regionErrors: number;
}

const MB = 1024 * 1024;

const nationalSdlFile = (supergraphFile: string) => path.join(path.dirname(supergraphFile), 'national.graphql');

async function composeChild(): Promise<void> {
  const { REGIONS, REGIONAL_SUBGRAPHS } = await import('../../schema/registry');
  const { composeLayout, nationalSdlOfLayout } = await import('./lib/layout');
  const started = performance.now();
  const sdl = await composeLayout();
  const composeS = (performance.now() - started) / 1000;
  const supergraphFile = path.join(mkdtempSync(path.join(os.tmpdir(), 'mente-supergraph-')), 'supergraph.graphql');
  writeFileSync(supergraphFile, sdl);
  // Beside it, as `npm run compose` writes schema/: the gateway's local registry answers from it.
  writeFileSync(nationalSdlFile(supergraphFile), await nationalSdlOfLayout());
  const result: ComposeResult = {
    regions: REGIONS.length,
    subgraphs: REGIONAL_SUBGRAPHS.length,
    composeS,
    peakRssMb: (process.resourceUsage().maxRSS * 1024) / MB,
    supergraphFile,
  };
  process.stdout.write(`RESULT ${JSON.stringify(result)}\n`);
}

async function gatewayChild(supergraphFile: string): Promise<void> {
  const gc = (globalThis as { gc?: () => void }).gc ?? (() => {});
  const { QueryPlanner } = await import('@apollo/query-planner');
  const { operationFromDocument } = await import('@apollo/federation-internals');
  const { buildLeanSupergraph } = await import('../../gateway/supergraph-load');
  const { parse } = await import('graphql');
  const { SUBGRAPHS } = await import('../../schema/registry');
  const { startGateway } = await import('../../gateway/gateway');
  const { createJwtVerifier, DEV_AUDIENCE, DEV_ISSUER } = await import('../../gateway/auth/jwt');
  const { ensureDevelopmentKeys, loadPrivateKey } = await import('../../subgraphs/kit/platform/auth/keys');
  const keys = await ensureDevelopmentKeys(mkdtempSync(path.join(os.tmpdir(), 'mente-bench-keys-')));
  const security = {
    authenticate: createJwtVerifier({
      issuer: DEV_ISSUER,
      audience: DEV_AUDIENCE,
      publicKeyFile: keys.callerPublicKeyPath,
    }),
    internalPrivateKey: await loadPrivateKey(keys.internalPrivateKeyPath),
  };
  const supergraphSdl = readFileSync(supergraphFile, 'utf8');
  // Load: parse the supergraph, build the API schema and the planner, listen (no subgraph is called).
  let started = performance.now();
  const gateway = await startGateway({
    port: 0,
    supergraphSdl,
    nationalSdl: readFileSync(nationalSdlFile(supergraphFile), 'utf8'),
    subgraphUrls: Object.fromEntries(SUBGRAPHS.map((s) => [s.name, s.defaultUrl])),
    responseCache: false,
    security,
  });
  const loadS = (performance.now() - started) / 1000;
  gc();
  const heapMb = process.memoryUsage().heapUsed / MB;
  await gateway.close();

  started = performance.now();
  // As the gateway builds it (gateway/supergraph-load.ts), unvalidated as in production.
  const supergraph = buildLeanSupergraph(supergraphSdl, false);
  const planner = new QueryPlanner(supergraph);
  const plannerBuildS = (performance.now() - started) / 1000;
  const operation = () => operationFromDocument(supergraph.schema, parse(RECORDS_QUERY));
  started = performance.now();
  const plan = planner.buildQueryPlan(operation());
  const coldPlanMs = performance.now() - started;
  const warm: number[] = [];
  for (let i = 0; i < 5; i++) {
    started = performance.now();
    planner.buildQueryPlan(operation());
    warm.push(performance.now() - started);
  }
  const json = JSON.stringify(plan);
  const result: GatewayResult = {
    loadS,
    heapMb,
    plannerBuildS,
    coldPlanMs,
    warmPlanMs: percentile(warm, 50),
    planBytes: Buffer.byteLength(json),
    planFetches: (json.match(/"kind":"Fetch"/g) ?? []).length,
  };
  process.stdout.write(`RESULT ${JSON.stringify(result)}\n`);
}

async function endToEndChild(supergraphFile: string): Promise<void> {
  const { startLayout } = await import('./lib/layout');
  const stack = await startLayout(readFileSync(supergraphFile, 'utf8'));
  const person = await personInTwoRegions();
  for (let i = 0; i < 5; i++) await stack.ask(person);
  let records = 0;
  const fetches = await stack.fetchesOf(async () => (records = (await stack.ask(person)).records));
  const latencies: number[] = [];
  let regionErrors = 0;
  for (let i = 0; i < Number(process.env.BENCH_REQUESTS ?? 30); i++) {
    const started = performance.now();
    regionErrors += (await stack.ask(person)).errors;
    latencies.push(performance.now() - started);
  }
  await stack.close();
  const result: EndToEndResult = { fetches, records, p50Ms: percentile(latencies, 50), regionErrors };
  process.stdout.write(`RESULT ${JSON.stringify(result)}\n`);
}

function child<T>(args: string[], registryFile: string, nodeArgs: string[] = [], nodeEnv = 'test'): T {
  const out = spawnSync(process.execPath, [...nodeArgs, '--import', 'tsx', __filename, ...args], {
    env: { ...process.env, MENTE_REGISTRY: registryFile, NODE_ENV: nodeEnv },
    encoding: 'utf8',
    maxBuffer: 64 * 1024 * 1024,
  });
  const line = out.stdout.split('\n').find((l) => l.startsWith('RESULT '));
  if (!line) throw new Error(`benchmark child ${args.join(' ')} failed:\n${out.stderr.slice(-4000)}`);
  return JSON.parse(line.slice('RESULT '.length)) as T;
}

interface Row {
  layout: Layout;
  compose: ComposeResult;
  gateway: GatewayResult;
  e2e?: EndToEndResult;
}

function measure(count: number, layout: Layout, endToEnd: boolean, log: (s: string) => void): Row {
  const registry = writeRegistry(generateRegistry(count, layout));
  log(`${layout} ${count}: compose…`);
  const compose = child<ComposeResult>(['--compose'], registry);
  log(`${layout} ${count}: gateway…`);
  // NODE_ENV=production, as the Docker image runs the gateway: Apollo then skips re-validating the
  // supergraph that compose and CI validated (BENCH_SCALE_NODE_ENV=test measures with it).
  const gateway = child<GatewayResult>(
    ['--gateway', compose.supergraphFile],
    registry,
    ['--expose-gc'],
    process.env.BENCH_SCALE_NODE_ENV ?? 'production',
  );
  let e2e: EndToEndResult | undefined;
  if (endToEnd) {
    log(`${layout} ${count}: person.records end to end…`);
    e2e = child<EndToEndResult>(['--e2e', compose.supergraphFile], registry);
  }
  log(`${layout} ${count}: ${JSON.stringify({ compose, gateway, e2e })}`);
  return { layout, compose, gateway, e2e };
}

const mark = (ok: boolean) => (ok ? 'met' : 'missed');

function main(): void {
  const log = (s: string) => process.stderr.write(`[bench:scale] ${s}\n`);
  const started = performance.now();
  // BENCH_SCALE_ROWS=separate:100 runs some rows only (while developing); default: all of them.
  const only = process.env.BENCH_SCALE_ROWS?.split(',');
  const wanted = (layout: Layout, count: number) => !only || only.includes(`${layout}:${count}`);
  const rows: Row[] = [];
  if (wanted('provincial', 400)) rows.push(measure(400, 'provincial', false, log));
  if (wanted('provincial', 100)) rows.push(measure(100, 'provincial', true, log));
  if (wanted('separate', 100)) rows.push(measure(100, 'separate', true, log));
  if (process.argv.includes('--separate-400')) rows.push(measure(400, 'separate', false, log));

  console.log(
    '| layout | regions | regional subgraphs | compose s / peak RSS MB | gateway load s / heap MB | planner build s | `person.records` plan: cold / warm ms | plan fetches | plan JSON KB | plans in the 30 MiB cache | end to end at 100: fetches (records) / p50 ms |',
  );
  console.log('|---|---|---|---|---|---|---|---|---|---|---|');
  for (const { layout, compose: c, gateway: g, e2e } of rows) {
    console.log(
      `| ${layout} | ${c.regions} | ${c.subgraphs} | ${c.composeS.toFixed(1)} / ${c.peakRssMb.toFixed(0)} | ` +
        `${g.loadS.toFixed(2)} / ${g.heapMb.toFixed(0)} | ${g.plannerBuildS.toFixed(2)} | ` +
        `${g.coldPlanMs.toFixed(0)} / ${g.warmPlanMs.toFixed(0)} | ${g.planFetches} | ${(g.planBytes / 1024).toFixed(1)} | ` +
        `${Math.floor(PLAN_CACHE_BYTES / g.planBytes)} | ${e2e ? `${e2e.fetches} (${e2e.records}) / ${e2e.p50Ms.toFixed(0)}${e2e.regionErrors ? `, ${e2e.regionErrors} region errors` : ''}` : '–'} |`,
    );
  }
  const p400 = rows.find((r) => r.layout === 'provincial' && r.compose.regions === 400);
  const p100 = rows.find((r) => r.layout === 'provincial' && r.compose.regions === 100);
  if (!p400 || !p100) return;
  console.log('\nTargets (issue 18, this machine):');
  console.log(
    `- gateway start at 400 regions (provincial) < ${TARGETS.gatewayStartS} s: ${p400.gateway.loadS.toFixed(2)} s — ${mark(p400.gateway.loadS < TARGETS.gatewayStartS)}`,
  );
  console.log(
    `- gateway heap at 400 regions (provincial) < ${TARGETS.gatewayHeapMb} MB: ${p400.gateway.heapMb.toFixed(0)} MB — ${mark(p400.gateway.heapMb < TARGETS.gatewayHeapMb)}`,
  );
  console.log(
    `- ${TARGETS.fetches} fetches for a person with history in 2 regions (100 regions, provincial): ${p100.e2e!.fetches} (${p100.e2e!.records} records returned) — ${mark(p100.e2e!.fetches <= TARGETS.fetches)}`,
  );
  console.log(
    `\n${((performance.now() - started) / 1000).toFixed(0)} s in all; ${os.cpus().length} cores, ${os.cpus()[0]?.model ?? 'cpu'}; BENCH_REQUESTS=${process.env.BENCH_REQUESTS ?? 30}; gateway child NODE_ENV=${process.env.BENCH_SCALE_NODE_ENV ?? 'production'}; load average at the end ${os.loadavg()[0]!.toFixed(1)}`,
  );
}

if (require.main === module) {
  const at = (flag: string) => process.argv[process.argv.indexOf(flag) + 1]!;
  const run = process.argv.includes('--compose')
    ? composeChild()
    : process.argv.includes('--gateway')
      ? gatewayChild(at('--gateway'))
      : process.argv.includes('--e2e')
        ? endToEndChild(at('--e2e'))
        : Promise.resolve(main());
  run.catch((e: unknown) => {
    console.error(e);
    process.exit(1);
  });
}
