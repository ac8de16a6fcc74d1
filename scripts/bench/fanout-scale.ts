import 'reflect-metadata';

import { spawnSync } from 'node:child_process';
import os from 'node:os';

import {
  generateRegistry,
  type Layout,
  percentile,
  personInTwoRegions,
  RECORDS_QUERY,
  writeRegistry,
} from './lib/layout';

// How the cross-region fan-out grows with the number of regions, and what hosting a province's
// cities in ONE subgraph changes: the committed 2-region registry, 30 regions as 30 separate
// subgraphs, and the same 30 regions as one provincial subgraph (one process, port and schema).
// Each run in its own process (the registry is read at start). Measures the fetches in the plan of
// `person { records }`, the fetches one such request really makes (gateway metrics) for a person
// with history in 2 regions, cold query planning (a fresh planner per plan) and end-to-end latency
// through the real gateway over HTTP, every subgraph a real server on in-memory databases.
// Usage: `npm run bench:fanout` (prints a Markdown table); BENCH_REQUESTS=100 by default.

interface Result {
  label: string;
  regions: number;
  subgraphs: number;
  planFetches: number;
  requestFetches: number;
  records: number;
  coldPlanMs: number;
  warmLatencyP50Ms: number;
  warmLatencyP95Ms: number;
}

async function child(): Promise<void> {
  const { QueryPlanner } = await import('@apollo/query-planner');
  const { operationFromDocument, Supergraph } = await import('@apollo/federation-internals');
  const { parse } = await import('graphql');
  const { REGIONS, REGIONAL_SUBGRAPHS } = await import('../../schema/registry');
  const { composeLayout, startLayout } = await import('./lib/layout');
  const supergraphSdl = await composeLayout();

  // Cold planning: a new planner each time, so nothing is cached.
  const supergraph = Supergraph.build(supergraphSdl);
  const planTimes: number[] = [];
  let planFetches = 0;
  for (let i = 0; i < 7; i++) {
    const planner = new QueryPlanner(supergraph);
    const operation = operationFromDocument(supergraph.schema, parse(RECORDS_QUERY));
    const started = performance.now();
    const plan = planner.buildQueryPlan(operation);
    planTimes.push(performance.now() - started);
    planFetches = (JSON.stringify(plan).match(/"kind":"Fetch"/g) ?? []).length;
  }

  const stack = await startLayout(supergraphSdl);
  const person = await personInTwoRegions();
  for (let i = 0; i < 10; i++) await stack.ask(person); // warm: plan cached, connections open
  let records = 0;
  const requestFetches = await stack.fetchesOf(async () => (records = (await stack.ask(person)).records));
  const latencies: number[] = [];
  for (let i = 0; i < Number(process.env.BENCH_REQUESTS ?? 100); i++) {
    const started = performance.now();
    await stack.ask(person);
    latencies.push(performance.now() - started);
  }
  await stack.close();
  const result: Omit<Result, 'label'> = {
    regions: REGIONS.length,
    subgraphs: REGIONAL_SUBGRAPHS.length,
    planFetches,
    requestFetches,
    records,
    coldPlanMs: percentile(planTimes, 50),
    warmLatencyP50Ms: percentile(latencies, 50),
    warmLatencyP95Ms: percentile(latencies, 95),
  };
  process.stdout.write(`RESULT ${JSON.stringify(result)}\n`);
}

function runChild(label: string, registryFile: string | null): Result {
  const env: NodeJS.ProcessEnv = { ...process.env, NODE_ENV: 'test' };
  if (registryFile) env.MENTE_REGISTRY = registryFile;
  else delete env.MENTE_REGISTRY;
  const out = spawnSync(process.execPath, ['--import', 'tsx', __filename, '--child'], {
    env,
    encoding: 'utf8',
    maxBuffer: 64 * 1024 * 1024,
  });
  const line = out.stdout.split('\n').find((l) => l.startsWith('RESULT '));
  if (!line) throw new Error(`benchmark child failed:\n${out.stderr}`);
  return { label, ...(JSON.parse(line.slice('RESULT '.length)) as Omit<Result, 'label'>) };
}

export function fanoutScale(): Result[] {
  const layout = (count: number, l: Layout) => writeRegistry(generateRegistry(count, l, count));
  return [
    runChild('committed registry', null),
    runChild('30 separate subgraphs', layout(30, 'separate')),
    runChild('30 cities, one provincial subgraph', layout(30, 'provincial')),
  ];
}

if (require.main === module) {
  if (process.argv.includes('--child')) {
    child().catch((e: unknown) => {
      console.error(e);
      process.exit(1);
    });
  } else {
    const results = fanoutScale();
    console.log(
      '| layout | regions | regional subgraphs | fetches in the plan | fetches per request (person in 2 regions) | records returned | cold planning, ms (p50 of 7) | person.records p50, ms | p95, ms |',
    );
    console.log('|---|---|---|---|---|---|---|---|---|');
    for (const r of results) {
      console.log(
        `| ${r.label} | ${r.regions} | ${r.subgraphs} | ${r.planFetches} | ${r.requestFetches} | ${r.records} | ${r.coldPlanMs.toFixed(1)} | ${r.warmLatencyP50Ms.toFixed(1)} | ${r.warmLatencyP95Ms.toFixed(1)} |`,
      );
    }
    const [, separate, provincial] = results;
    console.log(
      `\n30 cities, provincial vs separate: plan fetches ${provincial!.planFetches} vs ${separate!.planFetches}, ` +
        `cold planning ×${(provincial!.coldPlanMs / separate!.coldPlanMs).toFixed(2)}, ` +
        `p50 ×${(provincial!.warmLatencyP50Ms / separate!.warmLatencyP50Ms).toFixed(2)} ` +
        `(BENCH_REQUESTS=${process.env.BENCH_REQUESTS ?? 100}; ${os.cpus().length} cores, ${os.cpus()[0]?.model ?? 'cpu'})`,
    );
  }
}
