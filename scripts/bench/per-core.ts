import 'reflect-metadata';

import { readFileSync } from 'node:fs';

import { NATIONAL } from '../../schema/registry';
import { developmentKeyPaths } from '../../subgraphs/kit/platform/auth/keys';
import type { DirectoryFileStore } from '../../subgraphs/kit/platform/files';
import { createLogger } from '../../subgraphs/kit/platform/log';
import {
  GATEWAY_ENGINES,
  type GatewayEngine,
  type GatewayProcess,
  spawnGatewayProcess,
} from '../../test/gateway-process';
import { type Stack, startStack } from '../../test/harness';
import { type LoadResult, mergeResults, runLoad, type UniqueCallerTokens } from './load';

// Requests per gateway CPU core-second, engine against engine, like for like: each engine in its
// own process (test/gateway-process.ts: the Apollo gateway, Hive Gateway with its JavaScript
// planner, Hive Gateway with its Rust planner from @graphql-hive/router-runtime), in front of the
// same subgraphs, no response cache, no dedupe, and EVERY request carrying a different caller JWT
// (minted by the load process before the clock starts), so nothing can be de-duplicated or served
// from a verification cache. A gateway's CPU is its process's user + system time (/proc/<pid>/stat)
// over the measured window, divided by the requests it answered. The engines are measured in
// alternating rounds (A B C A B C …) so drift on a shared machine hits them alike.
// Standalone: `npx tsx scripts/bench/per-core.ts` (PER_CORE_SECONDS, PER_CORE_ROUNDS); `npm run bench` runs it too.

export const ENGINE_LABELS: Record<GatewayEngine, string> = {
  apollo: 'Apollo gateway (this one)',
  hive: 'Hive Gateway, JS planner',
  'hive-router-runtime': 'Hive Gateway, router runtime (Rust planner)',
};

export interface PerCoreCase {
  key: string;
  label: string;
  query: string;
  variables?: Record<string, unknown>;
  caller: Omit<UniqueCallerTokens, 'privateKeyFile' | 'count'>;
  /** The answer is right (checked once per engine before the load). */
  check(data: any): boolean;
}

export const PER_CORE_CASES: PerCoreCase[] = [
  {
    key: 'catalogue',
    label: 'catalogue `region(code: "510400")`, signed-in applicant',
    query: '{ region(code: "510400") { diseases { code name } hospitals { code name level } } }',
    caller: { claims: { role: 'APPLICANT', personId: 'P000001' }, subject: 'applicant-P000001' },
    check: (d) => d?.region?.diseases?.length > 0,
  },
  {
    key: 'review',
    label: 'reviewer queue `panzhihuaReviewQueue(first: 50)`',
    query:
      '{ panzhihuaReviewQueue(first: 50) { acceptanceNumber status disease { name } hospital { name } materials { kind } history { status at } } }',
    caller: { claims: { role: 'REVIEWER', regionCode: '510400' }, subject: 'bench-reviewer' },
    check: (d) => d?.panzhihuaReviewQueue?.length > 0,
  },
  {
    key: 'records',
    label: '`person.records` across both regions, national operator',
    query: `query($id: ID!) { person(id: $id) { name records { region { name }
  applications { acceptanceNumber status } certifications { validUntil } remoteCareFilings { residenceRegionName } } } }`,
    variables: { id: 'P000003' },
    caller: { claims: { role: 'NATIONAL_OPERATOR' }, subject: 'bench-operator' },
    check: (d) => d?.person?.records?.length === 2,
  },
];

export interface PerCoreRow {
  engine: GatewayEngine;
  case: string;
  label: string;
  requests: number;
  rps: number;
  p50: number;
  p99: number;
  /** Gateway process CPU, ms per request (user + system). */
  cpuMsPerRequest: number;
  /** Requests per gateway CPU core-second: 1000 / cpuMsPerRequest. */
  perCoreSecond: number;
  failed: number;
  tokenReuses: number;
}

export interface PerCoreResult {
  rows: PerCoreRow[];
  /** Resident memory of each gateway process after its loads, bytes (/proc/<pid>/status VmRSS). */
  rss: Record<string, number>;
  settings: { seconds: number; rounds: number; connections: number };
}

/** CPU milliseconds a process has used (clock ticks of 10 ms, user + system). */
export function cpuMs(pid: number): number {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
  return (Number(fields[11]) + Number(fields[12])) * 10;
}

/** Resident set size of a process, bytes. */
export function rssBytes(pid: number): number {
  const line = readFileSync(`/proc/${pid}/status`, 'utf8')
    .split('\n')
    .find((l) => l.startsWith('VmRSS:'));
  return line ? Number(line.split(/\s+/)[1]) * 1024 : NaN;
}

export async function measurePerCore(
  stack: Stack,
  options: {
    seconds: number;
    rounds: number;
    connections: number;
    engines?: readonly GatewayEngine[];
    cases?: PerCoreCase[];
    log?: (message: string) => void;
    /** Node flags for the gateway processes (e.g. --cpu-prof). */
    nodeArgs?: string[];
    /** Straight to the subgraphs (default: stack.national / stack.regions, never the fault proxies). */
    subgraphUrls?: Record<string, string>;
  },
): Promise<PerCoreResult> {
  const log = options.log ?? (() => {});
  const keys = developmentKeyPaths(stack.keysDir);
  const subgraphUrls = options.subgraphUrls ?? {
    [NATIONAL.name]: stack.national.graphqlUrl,
    ...Object.fromEntries(Object.entries(stack.regions).map(([name, r]) => [name, r.graphqlUrl])),
  };
  const engines = options.engines ?? GATEWAY_ENGINES;
  const cases = options.cases ?? PER_CORE_CASES;
  const gateways: GatewayProcess[] = [];
  try {
    for (const engine of engines) {
      gateways.push(
        await spawnGatewayProcess(engine, {
          subgraphUrls,
          keysDir: stack.keysDir,
          uploadDir: (stack.files as DirectoryFileStore).dir,
          nodeArgs: options.nodeArgs,
          env: { DEDUPE_ANONYMOUS_QUERIES: 'false' },
        }),
      );
    }
    const oneToken = async (c: PerCoreCase) =>
      (await import('../token')).mintDevelopmentToken({
        role: c.caller.claims.role!,
        personId: c.caller.claims.personId,
        regionCode: c.caller.claims.regionCode,
        subject: c.caller.subject,
        keysDir: stack.keysDir,
        ttl: '1h',
      });
    const rows: PerCoreRow[] = [];
    const segment = options.seconds / options.rounds;
    // Enough distinct tokens for a fast gateway; reuses are counted and shown.
    const count = Math.ceil(segment * 3000);
    for (const c of cases) {
      const body = JSON.stringify({ query: c.query, variables: c.variables });
      const runs = new Map<GatewayProcess, { loads: LoadResult[]; cpu: number }>();
      for (const g of gateways) {
        const res = await fetch(g.graphqlUrl, {
          method: 'POST',
          headers: { 'content-type': 'application/json', authorization: `Bearer ${await oneToken(c)}` },
          body,
        });
        const answer = (await res.json()) as { data?: unknown; errors?: unknown };
        if (answer.errors || !c.check(answer.data))
          throw new Error(`per-core ${c.key} via ${g.engine}: ${JSON.stringify(answer).slice(0, 400)}`);
        runs.set(g, { loads: [], cpu: 0 });
      }
      const spec = (g: GatewayProcess, durationSeconds: number) => ({
        url: g.graphqlUrl,
        connections: options.connections,
        durationSeconds,
        body,
        failureMarkers: ['"errors"'],
        uniqueCallerTokens: { ...c.caller, privateKeyFile: keys.callerPrivateKeyPath, count },
      });
      // Warm-up by count, not time: on a busy machine a few seconds may be too few requests to JIT the path.
      for (const g of gateways) await runLoad({ ...spec(g, 0), amount: 300 });
      for (let round = 0; round < options.rounds; round++) {
        for (const g of gateways) {
          // The load process mints its tokens before it starts the clock: CPU is read around the load only.
          const before = cpuMs(g.pid);
          const load = await runLoad({ ...spec(g, segment), keepTimes: true });
          const used = cpuMs(g.pid) - before;
          const run = runs.get(g)!;
          run.loads.push(load);
          run.cpu += used;
        }
      }
      for (const g of gateways) {
        const run = runs.get(g)!;
        const m = mergeResults(run.loads);
        const cpuMsPerRequest = run.cpu / Math.max(1, m.requests);
        const row: PerCoreRow = {
          engine: g.engine,
          case: c.key,
          label: c.label,
          requests: m.requests,
          rps: m.rps,
          p50: m.p50,
          p99: m.p99,
          cpuMsPerRequest,
          perCoreSecond: 1000 / cpuMsPerRequest,
          failed: m.failed + m.non2xx + m.errors + m.timeouts,
          tokenReuses: m.tokenReuses ?? 0,
        };
        rows.push(row);
        log(
          `per core · ${c.key} · ${ENGINE_LABELS[g.engine]}: ${row.perCoreSecond.toFixed(0)} req per core-s ` +
            `(${row.cpuMsPerRequest.toFixed(2)} ms CPU/req), ${row.rps.toFixed(0)} req/s, p99 ${row.p99.toFixed(1)} ms` +
            (row.failed ? `, ${row.failed} FAILED (${m.firstFailure})` : '') +
            (row.tokenReuses ? `, ${row.tokenReuses} token reuses` : ''),
        );
      }
    }
    const rss = Object.fromEntries(gateways.map((g) => [g.engine, rssBytes(g.pid)]));
    return {
      rows,
      rss,
      settings: { seconds: options.seconds, rounds: options.rounds, connections: options.connections },
    };
  } finally {
    for (const g of gateways) await g.close();
  }
}

/** Markdown: one row per case × engine. */
export function perCoreTable(result: PerCoreResult): string[] {
  const lines = [
    '| query (every request its own caller JWT) | engine | req per gateway core-second | gateway CPU, ms/req | req/s | p50, ms | p99, ms | failed |',
    '|---|---|---|---|---|---|---|---|',
  ];
  for (const r of result.rows) {
    lines.push(
      `| ${r.label} | ${ENGINE_LABELS[r.engine]} | ${r.perCoreSecond.toFixed(0)} | ${r.cpuMsPerRequest.toFixed(2)} | ${r.rps.toFixed(0)} | ${r.p50.toFixed(1)} | ${r.p99.toFixed(1)} | ${r.failed}${r.tokenReuses ? ` (${r.tokenReuses} token reuses)` : ''} |`,
    );
  }
  return lines;
}

async function main(): Promise<void> {
  const stack = await startStack({ logger: createLogger({ level: 'warn' }), responseCache: false });
  try {
    const result = await measurePerCore(stack, {
      seconds: Number(process.env.PER_CORE_SECONDS ?? 9),
      rounds: Number(process.env.PER_CORE_ROUNDS ?? 3),
      connections: Number(process.env.BENCH_CONNECTIONS ?? 10),
      log: (m) => process.stderr.write(`${m}\n`),
      nodeArgs: process.argv.includes('--prof') ? ['--cpu-prof', '--cpu-prof-dir=bench/results/cpu'] : undefined,
    });
    process.stdout.write(`${perCoreTable(result).join('\n')}\n`);
  } finally {
    await stack.close();
  }
}

if (require.main === module) {
  main().then(
    () => process.exit(0),
    (e: unknown) => {
      console.error(e);
      process.exit(1);
    },
  );
}
