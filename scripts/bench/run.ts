import 'reflect-metadata';

import { spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { createRequire } from 'node:module';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';

import { createJwtVerifier, DEV_AUDIENCE, DEV_ISSUER } from '../../gateway/auth/jwt';
import { type RunningGateway, startGateway, SUPERGRAPH_PATH } from '../../gateway/gateway';
import { NATIONAL, REGIONS, SUBGRAPHS } from '../../schema/registry';
import { addDays } from '../../subgraphs/kit/domain/calendar';
import { loadRegion } from '../../subgraphs/kit/domain/region-file';
import { ApplicationEntity } from '../../subgraphs/kit/persistence/db/record.entities';
import type { Identity } from '../../subgraphs/kit/platform/auth/identity';
import { INTERNAL_TOKEN_HEADER, signInternalToken } from '../../subgraphs/kit/platform/auth/internal-token';
import { developmentKeyPaths, loadPrivateKey } from '../../subgraphs/kit/platform/auth/keys';
import { todayInChina } from '../../subgraphs/kit/platform/clock';
import { createLogger } from '../../subgraphs/kit/platform/log';
import { spawnGatewayProcess } from '../../test/gateway-process';
import { startStack } from '../../test/harness';
import { databaseUrlFor } from '../lib/databases';
import { mintDevelopmentToken } from '../token';
import { type ChartRow, renderChart } from './chart';
import { fanoutScale } from './fanout-scale';
import { heapSummary, liveHeapAfterGc } from './heap';
import { type InternalTokenSpec, type LoadClient, type LoadResult, type LoadSpec, mergeResults, runLoad } from './load';
import { outboxBenchRows, runOutboxBench } from './outbox';
import { cpuMs, ENGINE_LABELS, measurePerCore, perCoreTable, rssBytes } from './per-core';
import { seedBenchApplications, seedBenchPeople, type SeedCounts } from './seed';
import { aggregateRuns, type SummaryRow, summaryTable } from './summary';

const panzhihuaPolicy = loadRegion('sichuan-panzhihua').policy;
const yunfuPolicy = loadRegion('guangdong-yunfu').policy;

// `npm run bench` (not part of npm test): the whole stack in this process — national, Panzhihua
// and Yunfu subgraphs and the Apollo gateway over HTTP (test/harness.ts startStack, with a fault
// proxy in front of each region), plus Hive Gateway over the same supergraph and subgraphs — on
// MariaDB/MySQL (MYSQL_URL; databases mente_bench_*) or, without it, in-memory SQLite. Seeds
// >10,000 applications, then measures, side by side:
//   a. gateway vs the Panzhihua subgraph directly (catalogue; reviewer's queue)
//   b. gateway vs Hive Gateway (same queries)
//   c. cross-region fan-out (person.records) with 50 ms injected per region, and 2 vs 30 regions
//   d. concurrent submissions (50 clients): throughput, errors, duplicates; notification delivery
//      vs enqueue at that peak (scripts/bench/outbox.ts: 2 messages per submission, 20 ms provider)
//   e. memory after the load: every process (this one, each gateway process, the load client),
//      heapUsed after a full GC; BENCH_HEAP_SNAPSHOT=1 also summarizes a heap snapshot (heap.ts)
//   f. per gateway core: Apollo gateway, Hive Gateway (JS planner) and Hive Gateway with its router
//      runtime, each in its own process, every request its own caller JWT (per-core.ts)
// It leads with one summary table (summary.ts): every row of issue #17 but the provincial fan-out
// (bench:fanout), each with target and verdict (met / missed by how much, and why).
// `--runs 3` (BENCH_RUNS=3): three whole runs, each in its own process; median and min–max.
// Load comes from autocannon in a child process (scripts/bench/load.ts), loopback only, every
// run bounded in time or count. Prints Markdown; writes bench/results/*.json and bench/chart.svg.
// Reads are compared in rounds (every configuration warmed up first, then measured in turn, 3 times)
// so that drift in the shared process hits them alike.
// Knobs (environment): BENCH_SECONDS (12 per configuration, over 3 rounds), BENCH_CONNECTIONS (10),
// BENCH_WRITES (2000), BENCH_APPLICATIONS (10500), LOG_LEVEL (warn).

const started = performance.now();
const SECONDS = Number(process.env.BENCH_SECONDS ?? 12);
const WARM_SECONDS = 2;
const ROUNDS = 3;
const UNLOADED_SECONDS = 4;
const CONNECTIONS = Number(process.env.BENCH_CONNECTIONS ?? 10);
const WRITES = Number(process.env.BENCH_WRITES ?? 2000);
const WRITERS = 50;
const APPLICATIONS = Number(process.env.BENCH_APPLICATIONS ?? 10_500);
const DELAY_MS = 50;
const ROOT = path.resolve(__dirname, '..', '..');

const CATALOGUE_GATEWAY = '{ region(code: "510400") { diseases { code name } hospitals { code name level } } }';
const CATALOGUE_DIRECT = '{ panzhihuaRegion { diseases { code name } hospitals { code name level } } }';
const REVIEW_QUEUE =
  '{ panzhihuaReviewQueue(first: 50) { acceptanceNumber status disease { name } hospital { name } materials { kind } history { status at } } }';
const RECORDS = `query($id: ID!) { person(id: $id) { name records { region { name }
  applications { acceptanceNumber status } certifications { validUntil } remoteCareFilings { residenceRegionName } } } }`;
const RECORD_FIELDS =
  'region { name } applications { acceptanceNumber status } certifications { validUntil } remoteCareFilings { residenceRegionName }';
const RECORDS_PERSON = 'P000003'; // on file in both regions
const SUBMIT =
  'mutation($input: ApplicationInput!) { r: submitPanzhihuaApplication(input: $input) { application { acceptanceNumber status } problems { code message } } }';
const PNG = Buffer.concat([
  Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
  Buffer.from('mente bench image'),
]);

// --- Hive Gateway, typed locally (its typings pull in the DOM library; see test/hive-gateway.int.test.ts)
interface HiveGatewayRuntime {
  (req: IncomingMessage, res: ServerResponse): void;
  dispose(): Promise<void> | void;
}
interface HiveGatewayConfig {
  supergraph: string;
  transportEntries: Record<
    string,
    { location: string; headers?: [string, string][]; options?: { deduplicateInflightRequests?: boolean } }
  >;
  plugins?: () => {
    onFetch(payload: {
      url: string;
      options: { body?: unknown; headers?: Record<string, string> };
      setOptions(options: { body?: unknown; headers?: Record<string, string> }): void;
    }): void;
  }[];
  logging: boolean;
}
const HIVE_VERSION = (
  createRequire(__filename)('@graphql-hive/gateway/package.json') as {
    version: string;
  }
).version;

const log = (message: string) =>
  process.stderr.write(`[bench ${((performance.now() - started) / 1000).toFixed(0)}s] ${message}\n`);

const body = (query: string, variables?: Record<string, unknown>) => JSON.stringify({ query, variables });

async function post(url: string, query: string, headers: Record<string, string> = {}, variables?: object) {
  const res = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: JSON.stringify({ query, variables }),
  });
  return (await res.json()) as { data?: any; errors?: { message: string }[] };
}

function must(condition: unknown, message: string): asserts condition {
  if (!condition) throw new Error(`bench: ${message}`);
}

/** MySQL databases mente_bench_* (never the tests' mente_test_*), or a loud warning and SQLite. */
function configureDatabases(): string {
  if (!process.env.MYSQL_URL) {
    const bar = '!'.repeat(100);
    process.stderr.write(
      `\n${bar}\n!! MYSQL_URL is not set: the benchmark runs on IN-MEMORY SQLite (sql.js), NOT on MariaDB/MySQL.\n` +
        `!! Its figures say little about production. Run: MYSQL_URL=mysql://root@127.0.0.1:3306 npm run bench\n${bar}\n\n`,
    );
    return 'in-memory SQLite (sql.js) — MYSQL_URL unset';
  }
  for (const s of SUBGRAPHS) {
    const key = `DATABASE_URL_${s.name.toUpperCase().replace(/-/g, '_')}`;
    process.env[key] ??= databaseUrlFor(s.name, { MYSQL_URL: process.env.MYSQL_URL }, 'mente_bench_');
  }
  return `MySQL protocol at ${new URL(process.env.MYSQL_URL).host} (databases mente_bench_*)`;
}

async function listen(handler: (req: IncomingMessage, res: ServerResponse) => void): Promise<[Server, string]> {
  const server = createServer(handler);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return [server, `http://127.0.0.1:${(server.address() as AddressInfo).port}/graphql`];
}

interface Measured extends LoadResult {
  label: string;
  connections: number;
  /** For a gateway in its own process: its CPU time per request answered, ms. */
  cpuMsPerRequest?: number;
}

type Spec = Omit<LoadSpec, 'connections'> & { connections?: number };

function report(label: string, connections: number, result: LoadResult): Measured {
  const bad = result.failed + result.non2xx + result.errors + result.timeouts;
  log(
    `${label}: ${result.rps.toFixed(0)} req/s, p50 ${result.p50.toFixed(1)} ms, p99 ${result.p99.toFixed(1)} ms` +
      (bad ? `, ${bad} FAILED (${result.firstFailure})` : ''),
  );
  const { times: _times, ...rest } = result;
  return { label, connections, ...rest };
}

/** One load (a fixed count, or SECONDS after a warm-up) from autocannon in a child process. */
async function measure(label: string, spec: Spec): Promise<Measured> {
  const connections = spec.connections ?? CONNECTIONS;
  const failureMarkers = spec.failureMarkers ?? ['"errors"'];
  if (!spec.amount) await runLoad({ ...spec, connections, durationSeconds: WARM_SECONDS, failureMarkers });
  return report(label, connections, await runLoad({ durationSeconds: SECONDS, ...spec, connections, failureMarkers }));
}

/** Side by side: every configuration warmed up, then measured in turn, ROUNDS times; results merged. */
async function compare(
  configs: Record<
    string,
    { label: string; spec: Spec; /** a gateway process whose CPU is read around its runs */ pid?: number }
  >,
  seconds = SECONDS,
): Promise<Record<string, Measured>> {
  const entries = Object.entries(configs).map(([key, { label, spec, pid }]) => {
    const full: LoadSpec = { connections: CONNECTIONS, failureMarkers: ['"errors"'], ...spec };
    return { key, label, full, pid, cpu: 0, runs: [] as LoadResult[] };
  });
  for (const e of entries) await runLoad({ ...e.full, durationSeconds: WARM_SECONDS });
  for (let round = 0; round < ROUNDS; round++) {
    for (const e of entries) {
      const before = e.pid ? cpuMs(e.pid) : 0;
      e.runs.push(await runLoad({ ...e.full, durationSeconds: seconds / ROUNDS, keepTimes: true }));
      if (e.pid) e.cpu += cpuMs(e.pid) - before;
    }
  }
  return Object.fromEntries(
    entries.map((e) => {
      const merged = mergeResults(e.runs);
      const m = report(e.label, e.full.connections, merged);
      if (e.pid) m.cpuMsPerRequest = e.cpu / Math.max(1, merged.requests);
      return [e.key, m];
    }),
  );
}

async function scrapeMemory(metricsPort: number): Promise<{ rss: number; heapUsed: number }> {
  const text = await (await fetch(`http://127.0.0.1:${metricsPort}/metrics`)).text();
  const value = (name: string) => {
    const line = text.split('\n').find((l) => l.startsWith(name) && !l.startsWith('#'));
    return line ? Number(line.trim().split(/\s+/).pop()) : NaN;
  };
  return { rss: value('process_resident_memory_bytes'), heapUsed: value('nodejs_heap_size_used_bytes') };
}

const mb = (bytes: number) => `${(bytes / 1024 / 1024).toFixed(0)} MB`;
const ms = (v: number) => `${v.toFixed(1)} ms`;
const ratio = (v: number) => `${v.toFixed(2)}×`;
const met = (ok: boolean) => (ok ? 'MET' : '**NOT MET**');

async function main(): Promise<void> {
  let database = configureDatabases();
  const machine = {
    nproc: os.cpus().length,
    cpu: os.cpus()[0]?.model ?? 'unknown',
    node: process.version,
    memoryGb: Math.round(os.totalmem() / 1024 ** 3),
  };
  log(`${database}; ${machine.nproc} cores ${machine.cpu}, Node ${machine.node}`);
  const logger = createLogger({ level: process.env.LOG_LEVEL ?? 'warn' });

  // ---- the stack, a second Apollo gateway without the fault proxies, and Hive Gateway
  const stack = await startStack({ faults: true, logger });
  const keys = developmentKeyPaths(stack.keysDir);
  const internalKey = await loadPrivateKey(keys.internalPrivateKeyPath);
  const directUrls: Record<string, string> = { [NATIONAL.name]: stack.national.graphqlUrl };
  for (const [name, server] of Object.entries(stack.regions)) directUrls[name] = server.graphqlUrl;
  // For a and b and d: the gateway exactly as startStack builds it, but straight to the subgraphs
  // (stack.gateway goes through the fault proxies, which are for c).
  // Its public-policy response cache is off here, so a and b measure the federated hop itself,
  // like for like with Hive; `cachedGateway` is the product default, measured beside it.
  const gatewayOptions = {
    port: 0,
    subgraphUrls: directUrls,
    fileStore: stack.files,
    logger,
    security: {
      authenticate: createJwtVerifier({
        issuer: DEV_ISSUER,
        audience: DEV_AUDIENCE,
        publicKeyFile: keys.callerPublicKeyPath,
      }),
      internalPrivateKey: internalKey,
    },
  };
  // `gateway`: no response cache, no in-flight dedupe — the hop itself, like for like with Hive's
  // dedupe off. `dedupeGateway`: in-flight dedupe of identical anonymous queries (a default), like
  // for like with Hive's defaults. `cachedGateway`: the product defaults (response cache + dedupe).
  const gateway: RunningGateway = await startGateway({
    ...gatewayOptions,
    responseCache: false,
    dedupeAnonymousQueries: false,
  });
  const dedupeGateway: RunningGateway = await startGateway({
    ...gatewayOptions,
    responseCache: false,
    dedupeAnonymousQueries: true,
  });
  const cachedGateway: RunningGateway = await startGateway({ ...gatewayOptions, responseCache: true });
  const pzh = stack.regions['sichuan-panzhihua']!;
  const yf = stack.regions['guangdong-yunfu']!;
  if (process.env.MYSQL_URL) {
    const [{ v }] = (await pzh.dataSource.query('SELECT VERSION() AS v')) as { v: string }[];
    database = `${/mariadb/i.test(v) ? 'MariaDB' : 'MySQL'} ${v.replace(/-MariaDB.*$/i, '')} at ${new URL(process.env.MYSQL_URL).host} (databases mente_bench_*)`;
  }
  log(`stack up on ${database}`);

  // ---- seed
  const today = todayInChina();
  const seedStarted = performance.now();
  const pzhShare = Math.round(APPLICATIONS * (2 / 3));
  const seeded: Record<string, SeedCounts> = {
    '510400': await seedBenchApplications(pzh.dataSource, panzhihuaPolicy, pzhShare, { today, personOffset: 0 }),
    '445300': await seedBenchApplications(yf.dataSource, yunfuPolicy, APPLICATIONS - pzhShare, {
      today,
      personOffset: 50_000,
    }),
  };
  const writers = await seedBenchPeople(pzh.dataSource, '510400', 501); // 500 writers + 1 for the pre-check
  const seedSeconds = (performance.now() - seedStarted) / 1000;
  const totalApplications = await Promise.all(
    [pzh, yf].map((r) => r.dataSource.getRepository(ApplicationEntity).count()),
  );
  log(`seeded in ${seedSeconds.toFixed(1)} s: ${JSON.stringify(seeded)}`);

  // ---- tokens
  const reviewerCaller = await mintDevelopmentToken({
    role: 'REVIEWER',
    regionCode: '510400',
    subject: 'bench-reviewer',
    keysDir: stack.keysDir,
    ttl: '2h',
  });
  const operatorCaller = await mintDevelopmentToken({ role: 'NATIONAL_OPERATOR', keysDir: stack.keysDir, ttl: '2h' });
  // Straight to a subgraph as the gateway sends it: anonymous callers without a token; signed-in
  // ones with a fresh internal token per request, for that subgraph and that body (single-use).
  const reviewer: Identity = { role: 'REVIEWER', regionCode: '510400', subject: 'bench-reviewer' };
  const operator_: Identity = { role: 'NATIONAL_OPERATOR', subject: 'bench-operator' };
  const asCaller = (identity: Identity, subgraph: string): InternalTokenSpec => ({
    privateKeyFile: keys.internalPrivateKeyPath,
    identity,
    subgraph,
  });
  const internalHeader = (identity: Identity, subgraph: string, requestBody: string) => ({
    [INTERNAL_TOKEN_HEADER]: signInternalToken(internalKey, { identity, subgraph, body: requestBody }),
  });
  const subgraphOf = new Map(Object.entries(directUrls).map(([name, url]) => [url, name]));

  // ---- Hive Gateway: same supergraph, straight to the same subgraphs, signing an internal token per
  // fetch like the Apollo gateway (an onFetch hook; every caller counts as the bench reviewer)
  const { createGatewayRuntime } = createRequire(__filename)('@graphql-hive/gateway') as {
    createGatewayRuntime(config: HiveGatewayConfig): HiveGatewayRuntime;
  };
  const supergraph = readFileSync(SUPERGRAPH_PATH, 'utf8').replace(
    /(@join__graph\(name: "[^"]+", url: ")[^"]+"/g,
    '$1http://127.0.0.1:9/graphql"',
  );
  // Hive's HTTP executor shares one subgraph request among identical ones in flight
  // (deduplicateInflightRequests, on by default). Every request here is identical, which real
  // traffic is not, and this gateway's subgraph requests never are (each carries its own signed
  // token): Hive is measured both ways.
  const hiveWith = (dedupe: boolean) =>
    createGatewayRuntime({
      supergraph,
      transportEntries: Object.fromEntries(
        Object.entries(directUrls).map(([name, location]) => [
          name,
          {
            location,
            ...(dedupe ? {} : { options: { deduplicateInflightRequests: false } }),
          },
        ]),
      ),
      plugins: () => [
        {
          onFetch({ url, options, setOptions }) {
            const subgraph = subgraphOf.get(url);
            if (!subgraph || typeof options.body !== 'string') return;
            setOptions({
              ...options,
              headers: { ...options.headers, ...internalHeader(reviewer, subgraph, options.body) },
            });
          },
        },
      ],
      logging: false,
    });
  const hive = hiveWith(false);
  const hiveDefault = hiveWith(true);
  const [hiveServer, hiveUrl] = await listen(hive);
  const [hiveDefaultServer, hiveDefaultUrl] = await listen(hiveDefault);

  // ---- correctness first: the same answers everywhere
  const reviewQueueReady = readFileSync(SUPERGRAPH_PATH, 'utf8').includes('panzhihuaReviewQueue');
  const viaGateway = await post(gateway.graphqlUrl, CATALOGUE_GATEWAY);
  const viaHive = await post(hiveUrl, CATALOGUE_GATEWAY);
  const direct = await post(pzh.graphqlUrl, CATALOGUE_DIRECT);
  must(
    !viaGateway.errors && viaGateway.data?.region?.diseases?.length > 0,
    `catalogue via gateway: ${JSON.stringify(viaGateway)}`,
  );
  must(JSON.stringify(viaHive.data) === JSON.stringify(viaGateway.data), 'catalogue: Hive and gateway differ');
  must(
    JSON.stringify(direct.data?.panzhihuaRegion) === JSON.stringify(viaGateway.data.region),
    'catalogue: direct and gateway differ',
  );
  if (reviewQueueReady) {
    const q = await post(gateway.graphqlUrl, REVIEW_QUEUE, { authorization: `Bearer ${reviewerCaller}` });
    const d = await post(
      pzh.graphqlUrl,
      REVIEW_QUEUE,
      internalHeader(reviewer, 'sichuan-panzhihua', body(REVIEW_QUEUE)),
    );
    const h = await post(hiveUrl, REVIEW_QUEUE);
    const hd = await post(hiveDefaultUrl, REVIEW_QUEUE);
    must(
      !q.errors && q.data?.panzhihuaReviewQueue?.length === 50,
      `review queue via gateway: ${JSON.stringify(q).slice(0, 500)}`,
    );
    must(JSON.stringify(d.data) === JSON.stringify(q.data), 'review queue: direct and gateway differ');
    must(
      JSON.stringify(h.data) === JSON.stringify(q.data),
      `review queue: Hive and gateway differ: ${JSON.stringify(h).slice(0, 500)}`,
    );
    must(JSON.stringify(hd.data) === JSON.stringify(q.data), 'review queue: Hive (defaults) and gateway differ');
  } else log('panzhihuaReviewQueue is not in schema/supergraph.graphql: a2/b2 are not run');

  // The gateway alone in its own process (node --import tsx gateway/index.ts, as deployed), same
  // subgraphs, no response cache and no dedupe: measured in the same rounds as the rest. Twice: with
  // its registry fields answered in-process (LOCAL_REGISTRY, the default) and over HTTP.
  const childEnv = { DEDUPE_ANONYMOUS_QUERIES: 'false' };
  const gatewayChild = await spawnGatewayProcess('apollo', {
    subgraphUrls: directUrls,
    keysDir: stack.keysDir,
    env: childEnv,
  });
  const httpChild = await spawnGatewayProcess('apollo', {
    subgraphUrls: directUrls,
    keysDir: stack.keysDir,
    env: { ...childEnv, LOCAL_REGISTRY: 'false' },
  });
  process.once('exit', () => {
    gatewayChild.child.kill('SIGTERM');
    httpChild.child.kill('SIGTERM');
  });
  const childUrl = gatewayChild.graphqlUrl;
  const metricsPort = gatewayChild.metricsPort!;
  for (const c of [gatewayChild, httpChild]) {
    const childCatalogue = await post(c.graphqlUrl, CATALOGUE_GATEWAY);
    must(JSON.stringify(childCatalogue.data) === JSON.stringify(viaGateway.data), 'catalogue: gateway process differs');
  }
  // ---- a, b: reads, side by side
  const HIVE_LABEL = 'Hive Gateway (upstream dedupe off)';
  const HIVE_DEFAULT_LABEL = 'Hive Gateway (defaults: upstream dedupe on)';
  const catalogue = await compare({
    direct: {
      label: 'catalogue · Panzhihua subgraph directly',
      spec: {
        url: pzh.graphqlUrl,
        body: body(CATALOGUE_DIRECT),
      },
    },
    child: {
      label: 'catalogue · gateway in its own process',
      spec: { url: childUrl, body: body(CATALOGUE_GATEWAY) },
      pid: gatewayChild.pid,
    },
    childHttp: {
      label: 'catalogue · gateway in its own process, registry fields over HTTP (LOCAL_REGISTRY=false)',
      spec: { url: httpChild.graphqlUrl, body: body(CATALOGUE_GATEWAY) },
      pid: httpChild.pid,
    },
    gateway: {
      label: 'catalogue · gateway, same process',
      spec: { url: gateway.graphqlUrl, body: body(CATALOGUE_GATEWAY) },
    },
    dedupe: {
      label: 'catalogue · gateway, same process, in-flight dedupe (default)',
      spec: { url: dedupeGateway.graphqlUrl, body: body(CATALOGUE_GATEWAY) },
    },
    cached: {
      label: 'catalogue · gateway, public response cache (default)',
      spec: { url: cachedGateway.graphqlUrl, body: body(CATALOGUE_GATEWAY) },
    },
    hive: { label: `catalogue · ${HIVE_LABEL}`, spec: { url: hiveUrl, body: body(CATALOGUE_GATEWAY) } },
    hiveDefault: {
      label: `catalogue · ${HIVE_DEFAULT_LABEL}`,
      spec: { url: hiveDefaultUrl, body: body(CATALOGUE_GATEWAY) },
    },
  });
  const review = reviewQueueReady
    ? await compare({
        direct: {
          label: 'review queue · Panzhihua subgraph directly',
          spec: {
            url: pzh.graphqlUrl,
            body: body(REVIEW_QUEUE),
            internalToken: asCaller(reviewer, 'sichuan-panzhihua'),
          },
        },
        child: {
          label: 'review queue · gateway in its own process',
          spec: {
            url: childUrl,
            body: body(REVIEW_QUEUE),
            headers: { authorization: `Bearer ${reviewerCaller}` },
          },
          pid: gatewayChild.pid,
        },
        gateway: {
          label: 'review queue · gateway, same process',
          spec: {
            url: gateway.graphqlUrl,
            body: body(REVIEW_QUEUE),
            headers: { authorization: `Bearer ${reviewerCaller}` },
          },
        },
        hive: { label: `review queue · ${HIVE_LABEL}`, spec: { url: hiveUrl, body: body(REVIEW_QUEUE) } },
        hiveDefault: {
          label: `review queue · ${HIVE_DEFAULT_LABEL}`,
          spec: { url: hiveDefaultUrl, body: body(REVIEW_QUEUE) },
        },
      })
    : null;

  // Latency the gateway adds with no queueing: one request at a time.
  const single = (label: string, spec: Spec) => ({
    label: `${label}, 1 connection`,
    spec: { ...spec, connections: 1 },
  });
  const unloaded = await compare(
    {
      catalogueDirect: single('catalogue · Panzhihua subgraph directly', {
        url: pzh.graphqlUrl,
        body: body(CATALOGUE_DIRECT),
      }),
      catalogueGateway: single('catalogue · gateway', { url: gateway.graphqlUrl, body: body(CATALOGUE_GATEWAY) }),
      ...(reviewQueueReady
        ? {
            reviewDirect: single('review queue · Panzhihua subgraph directly', {
              url: pzh.graphqlUrl,
              body: body(REVIEW_QUEUE),
              internalToken: asCaller(reviewer, 'sichuan-panzhihua'),
            }),
            reviewGateway: single('review queue · gateway', {
              url: gateway.graphqlUrl,
              body: body(REVIEW_QUEUE),
              headers: { authorization: `Bearer ${reviewerCaller}` },
            }),
          }
        : {}),
    },
    UNLOADED_SECONDS,
  );

  // ---- f: per gateway core, engine against engine, a different caller JWT on every request
  log('per core: Apollo gateway, Hive Gateway (JS planner), Hive Gateway (router runtime), each in its own process…');
  const perCore = await measurePerCore(stack, {
    seconds: SECONDS,
    rounds: ROUNDS,
    connections: CONNECTIONS,
    subgraphUrls: directUrls,
    log,
  });

  // ---- c: cross-region fan-out through the fault proxies, one request at a time
  const recordsBody = body(RECORDS, { id: RECORDS_PERSON });
  const operator = { authorization: `Bearer ${operatorCaller}` };
  const check = await post(stack.gateway.graphqlUrl, RECORDS, operator, { id: RECORDS_PERSON });
  must(!check.errors && check.data?.person?.records?.length === REGIONS.length, `records: ${JSON.stringify(check)}`);
  const regionDirect: Record<string, Measured> = {};
  /** The record of RECORDS_PERSON asked of one region directly, as the gateway's entity fetch asks it. */
  const recordOf = (r: (typeof REGIONS)[number]) => ({
    query: `query($r: [_Any!]!) { _entities(representations: $r) { ... on ${r.prefix}Record { ${RECORD_FIELDS} } } }`,
    variables: { r: [{ __typename: `${r.prefix}Record`, personId: RECORDS_PERSON, regionCode: r.code }] },
  });
  for (const r of REGIONS) {
    const { query, variables } = recordOf(r);
    const internalToken = asCaller(operator_, r.subgraph);
    const one = await post(
      stack.regions[r.subgraph]!.graphqlUrl,
      query,
      internalHeader(operator_, r.subgraph, body(query, variables)),
      variables,
    );
    must(!one.errors && one.data?._entities?.[0]?.region, `${r.subgraph} _entities: ${JSON.stringify(one)}`);
    await runLoad({
      url: stack.regions[r.subgraph]!.graphqlUrl,
      connections: 1,
      amount: 50,
      internalToken,
      body: body(query, variables),
    });
    regionDirect[r.subgraph] = await measure(`records · ${r.subgraph} directly`, {
      url: stack.regions[r.subgraph]!.graphqlUrl,
      connections: 1,
      amount: 300,
      internalToken,
      body: body(query, variables),
    });
  }
  await runLoad({ url: stack.gateway.graphqlUrl, connections: 1, amount: 50, headers: operator, body: recordsBody });
  const fanoutNoDelay = await measure('records · gateway, no delay', {
    url: stack.gateway.graphqlUrl,
    connections: 1,
    amount: 300,
    headers: operator,
    body: recordsBody,
  });
  for (const proxy of Object.values(stack.proxies)) proxy.mode = { kind: 'delay', ms: DELAY_MS };
  const fanoutDelayed = await measure(`records · gateway, ${DELAY_MS} ms per region`, {
    url: stack.gateway.graphqlUrl,
    connections: 1,
    amount: 200,
    headers: operator,
    body: recordsBody,
  });
  // The reference: the regions as the gateway reaches them (through the same proxies, with the same
  // delay, on the same event loop), all asked at once by the bench itself, one round at a time. The
  // gateway's share of c is what it adds to that: the national fetch, planning, merging.
  const regionsAtOnce: number[] = [];
  for (let round = 0; round < 220; round++) {
    const started = performance.now();
    const answers = await Promise.all(
      REGIONS.map(async (r) => {
        const { query, variables } = recordOf(r);
        const requestBody = body(query, variables);
        const through = new URL(
          new URL(stack.regions[r.subgraph]!.graphqlUrl).pathname,
          stack.proxies[r.subgraph]!.url,
        );
        const res = await fetch(through, {
          method: 'POST',
          headers: { 'content-type': 'application/json', ...internalHeader(operator_, r.subgraph, requestBody) },
          body: requestBody,
        });
        return (await res.json()) as { data?: any; errors?: unknown[] };
      }),
    );
    must(
      answers.every((a) => !a.errors && a.data?._entities?.[0]?.region),
      `regions at once: ${JSON.stringify(answers)}`,
    );
    if (round >= 20) regionsAtOnce.push(performance.now() - started);
  }
  regionsAtOnce.sort((x, y) => x - y);
  const slowestP50 = regionsAtOnce[Math.floor(regionsAtOnce.length / 2)]!;
  log(`records · every region at once through the proxies, ${DELAY_MS} ms each: p50 ${slowestP50.toFixed(1)} ms`);
  for (const proxy of Object.values(stack.proxies)) proxy.mode = { kind: 'pass' };
  const slowest = Object.entries(regionDirect).sort((a, b) => b[1].p50 - a[1].p50)[0]!;
  const slowestDirectP50 = DELAY_MS + slowest[1].p50;

  // ---- d: submissions, 50 concurrent clients, each its own insured people
  const applicantToken = (personId: string) =>
    mintDevelopmentToken({ role: 'APPLICANT', personId, keysDir: stack.keysDir, ttl: '2h' });
  // Files belong to people: every writer owns the material file (one blob, one ownership record each).
  const sha = await stack.uploadFor(writers, PNG, '诊断证明.png');
  const hospital = panzhihuaPolicy.hospitals.find((h) => h.level === 'LEVEL_3' && h.qualifiedForSpecialDiseases)!;
  const recent = addDays(today, -30);
  const inputFor = (diseaseCode: string, requiresPhoto: boolean, idempotencyKey: string) => {
    const file = (kind: string, extra: Record<string, unknown> = {}) => ({
      kind,
      stamped: false,
      fileName: `${kind}.png`,
      sha256: sha,
      ...extra,
    });
    const dated = { issuedOn: recent, hospitalCode: hospital.code, stamped: true };
    return {
      type: 'NEW',
      diseaseCode,
      channelId: panzhihuaPolicy.channels[0]!.id,
      hospitalCode: hospital.code,
      insuredRegionCode: '510400',
      idempotencyKey,
      materials: [
        file('ID_CARD'),
        file('SOCIAL_SECURITY_CARD'),
        file('APPLICATION_FORM'),
        file('DIAGNOSIS_CERTIFICATE', dated),
        file('MEDICAL_RECORD', dated),
        ...(requiresPhoto ? [file('PHOTO')] : []),
      ],
    };
  };
  const runId = randomUUID().slice(0, 8);
  const preCheck = await post(
    gateway.graphqlUrl,
    SUBMIT,
    { authorization: `Bearer ${await applicantToken(writers[500]!)}` },
    {
      input: inputFor(
        panzhihuaPolicy.diseases[0]!.code,
        panzhihuaPolicy.diseases[0]!.requiresPhoto,
        `bench-${runId}-check`,
      ),
    },
  );
  must(
    !preCheck.errors && preCheck.data?.r?.problems?.length === 0,
    `a submission is refused: ${JSON.stringify(preCheck)}`,
  );
  const tokens = await Promise.all(writers.slice(0, 500).map(applicantToken));
  const clients: LoadClient[] = Array.from({ length: WRITERS }, (_, c) => {
    const requests: LoadClient['requests'] = [];
    for (const disease of panzhihuaPolicy.diseases) {
      for (let k = c; k < 500; k += WRITERS) {
        requests.push({
          headers: { authorization: `Bearer ${tokens[k]}` },
          body: body(SUBMIT, {
            input: inputFor(disease.code, disease.requiresPhoto, `bench-${runId}-${c}-${requests.length}`),
          }),
        });
      }
    }
    return { requests };
  });
  must(WRITES <= (clients.length * clients[0]!.requests.length) / 1.5, 'BENCH_WRITES too large for the writers');
  const writes = await measure(`submissions · gateway, ${WRITERS} clients`, {
    url: gateway.graphqlUrl,
    connections: WRITERS,
    amount: WRITES,
    clients,
    failureMarkers: ['"errors"', '"problems":[{'],
  });
  const keyCounts = (await pzh.dataSource
    .getRepository(ApplicationEntity)
    .createQueryBuilder('a')
    .select('a.idempotencyKey', 'key')
    .addSelect('COUNT(*)', 'n')
    .where('a.idempotencyKey LIKE :prefix', { prefix: `bench-${runId}-%` })
    .andWhere('a.idempotencyKey <> :check', { check: `bench-${runId}-check` })
    .groupBy('a.idempotencyKey')
    .getRawMany()) as { key: string; n: string | number }[];
  const stored = keyCounts.reduce((sum, r) => sum + Number(r.n), 0);
  const duplicates = keyCounts.filter((r) => Number(r.n) > 1).length;
  const writeErrors = writes.failed + writes.non2xx + writes.errors + writes.timeouts;

  // ---- e: memory after the load, every process. This one holds the three subgraphs (startStack is
  // in-process), the in-process gateways and both Hive runtimes; the gateway children and the load
  // client are their own processes.
  const memory = process.memoryUsage();
  log(`memory after load: rss ${mb(memory.rss)}, heapUsed ${mb(memory.heapUsed)}`);
  // What of that heap is alive: heapUsed after a full collection (garbage not yet collected is not a leak).
  const live = liveHeapAfterGc();
  log(`after a full GC: heapUsed ${mb(live.heapUsed)}, rss ${mb(live.rss)}`);
  let heap: Awaited<ReturnType<typeof heapSummary>> | null = null;
  if (process.env.BENCH_HEAP_SNAPSHOT) {
    const file = path.join(ROOT, 'bench', 'results', `bench-${Date.now()}.heapsnapshot`);
    mkdirSync(path.dirname(file), { recursive: true });
    heap = await heapSummary(file);
    log(`heap snapshot ${file}: ${heap.lines.join('; ')}`);
  }

  const childMemory = await scrapeMemory(metricsPort);
  const childRss = { local: rssBytes(gatewayChild.pid), http: rssBytes(httpChild.pid) };
  await gatewayChild.close();
  await httpChild.close();

  for (const server of [hiveServer, hiveDefaultServer])
    await new Promise<void>((resolve) => server.close(() => resolve()));
  await hive.dispose();
  await hiveDefault.dispose();
  await gateway.close();
  await dedupeGateway.close();
  await cachedGateway.close();
  await stack.close();
  log('stack closed; fan-out scale (2 regions, 30 separate, 30 in one provincial subgraph; each in its own process)…');

  // ---- c (2): planning and latency with 2 vs 30 regions
  const scale = fanoutScale();

  // ---- d (2): the outbox at the submission peak: 2 notifications (SMS + app) per submission
  log('outbox: delivery vs enqueue at the submission peak…');
  const outbox = await runOutboxBench({ enqueueRate: 2 * writes.rps, log });
  const seconds = (performance.now() - started) / 1000;

  // ---- report
  const a = (d: Measured, g: Measured) => ({
    throughputRatio: g.rps / d.rps,
    addedP50: g.p50 - d.p50,
    addedP99: g.p99 - d.p99,
  });
  const aCatalogue = a(catalogue.direct!, catalogue.gateway!);
  const aCatalogueChild = a(catalogue.direct!, catalogue.child!);
  const aReview = review ? a(review.direct!, review.gateway!) : null;
  const aReviewChild = review ? a(review.direct!, review.child!) : null;
  // Like for like: dedupe off on both sides; defaults: dedupe on on both sides (this gateway merges
  // anonymous queries only, so on the signed-in queue its defaults are its plain rows).
  const b = (set: Record<string, Measured>) => ({
    hive: set.gateway!.rps / set.hive!.rps,
    hiveDefault: (set.dedupe ?? set.gateway)!.rps / set.hiveDefault!.rps,
  });
  const bCatalogue = b(catalogue);
  const bReview = review ? b(review) : null;
  const cRatio = fanoutDelayed.p50 / slowestP50;
  const rate = (m: Measured) => `${m.rps.toFixed(0)} req/s`;
  const signed = (v: number) => `${v >= 0 ? '+' : '−'}${Math.abs(v).toFixed(1)} ms`;

  // ---- the summary: every row of issue #17 (bench:fanout has the provincial ones), target and verdict
  const childCpu = catalogue.child!.cpuMsPerRequest ?? NaN;
  const httpCpu = catalogue.childHttp!.cpuMsPerRequest ?? NaN;
  // CPU-bound on every core: what one direct call costs the machine (subgraph + load client), ms.
  const directCpu = (machine.nproc * 1000) / catalogue.direct!.rps;
  const perCoreOf = (engine: string, key: string) => perCore.rows.find((r) => r.engine === engine && r.case === key);
  const summary: SummaryRow[] = [
    {
      key: 'a1.child',
      id: 'a1',
      what: 'catalogue `region(code: "510400")`, uncached: gateway (own process) throughput ÷ the Panzhihua subgraph called directly',
      value: aCatalogueChild.throughputRatio,
      unit: 'ratio',
      against: `${rate(catalogue.child!)} vs ${rate(catalogue.direct!)}; no response cache, no dedupe; registry fields in-process`,
      target: { op: '>=', value: 0.7 },
      why:
        `the hop costs the gateway ${childCpu.toFixed(2)} ms CPU per request (registry over HTTP: ${httpCpu.toFixed(2)} ms, ` +
        `${ratio(catalogue.childHttp!.rps / catalogue.direct!.rps)} of direct) while the subgraph alone answers at ${rate(catalogue.direct!)}; ` +
        `on ${machine.nproc} cores the gateway, the subgraphs and the load client share the CPU: a direct call costs the machine ` +
        `D = ${machine.nproc} cores ÷ ${rate(catalogue.direct!)} = ${directCpu.toFixed(2)} ms CPU, the hop adds the gateway's G, ` +
        `so the ratio is about D ÷ (D + G) = ${ratio(directCpu / (directCpu + childCpu))}; 0.70× needs G ≤ ${(directCpu * (1 / 0.7 - 1)).toFixed(2)} ms ` +
        `(more than half of G is Node's HTTP in and out: docs/performance.md)`,
    },
    {
      key: 'a1.childHttp',
      id: 'a1',
      what: 'catalogue, the same with the registry fields over HTTP (LOCAL_REGISTRY=false: two fetches, national then Panzhihua)',
      value: catalogue.childHttp!.rps / catalogue.direct!.rps,
      unit: 'ratio',
      against: `${rate(catalogue.childHttp!)}; gateway CPU ${httpCpu.toFixed(2)} ms/request vs ${childCpu.toFixed(2)} with them in-process`,
    },
    {
      key: 'a1.same',
      id: 'a1',
      what: 'catalogue, gateway in the subgraphs’ process (worst case: one event loop)',
      value: aCatalogue.throughputRatio,
      unit: 'ratio',
      against: `${rate(catalogue.gateway!)} vs ${rate(catalogue.direct!)}`,
      target: { op: '>=', value: 0.7 },
      why: 'the gateway and the three subgraphs share one event loop here: every request costs that loop both the subgraph’s and the gateway’s work',
    },
    ...(aReviewChild && review
      ? [
          {
            key: 'a2.child',
            id: 'a2',
            what: 'reviewer queue (`first: 50`): gateway (own process) throughput ÷ the subgraph directly',
            value: aReviewChild.throughputRatio,
            unit: 'ratio' as const,
            against: `${rate(review.child!)} vs ${rate(review.direct!)}; gateway CPU ${(review.child!.cpuMsPerRequest ?? NaN).toFixed(2)} ms/request`,
            target: { op: '>=' as const, value: 0.7 },
            why: 'see the per-core rows: the gateway’s CPU per request against the subgraph’s',
          },
        ]
      : []),
    {
      key: 'b1',
      id: 'b1',
      what: 'catalogue: this gateway ÷ Hive Gateway (JS planner), same process, dedupe off',
      value: bCatalogue.hive,
      unit: 'ratio',
      against: `${rate(catalogue.gateway!)} vs ${rate(catalogue.hive!)}`,
      target: { op: '>=', value: 1 },
      why: 'see the per-core rows (each engine in its own process) for CPU per request',
    },
    ...(bReview && review
      ? [
          {
            key: 'b2',
            id: 'b2',
            what: 'reviewer queue: this gateway ÷ Hive Gateway (JS planner), same process, dedupe off',
            value: bReview.hive,
            unit: 'ratio' as const,
            against: `${rate(review.gateway!)} vs ${rate(review.hive!)}`,
            target: { op: '>=' as const, value: 1 },
            why: 'see the per-core rows (each engine in its own process) for CPU per request',
          },
        ]
      : []),
    ...perCore.rows.flatMap((r): SummaryRow[] => [
      {
        key: `f.${r.case}.${r.engine}`,
        id: 'f',
        what: `${r.label}: ${ENGINE_LABELS[r.engine]}, every request its own caller JWT — requests per gateway CPU core-second`,
        value: r.perCoreSecond,
        unit: 'per_core_s',
        against: `${r.cpuMsPerRequest.toFixed(2)} ms gateway CPU/request; ${r.rps.toFixed(0)} req/s; p99 ${ms(r.p99)}${r.failed ? `; ${r.failed} FAILED` : ''}${r.tokenReuses ? `; ${r.tokenReuses} token reuses` : ''}`,
      },
    ]),
    ...['catalogue', 'review', 'records'].flatMap((key): SummaryRow[] => {
      const ours = perCoreOf('apollo', key);
      const peers = perCore.rows.filter((r) => r.case === key && r.engine !== 'apollo');
      if (!ours || peers.length === 0) return [];
      const best = peers.reduce((a, b) => (b.perCoreSecond > a.perCoreSecond ? b : a));
      return [
        {
          key: `f.${key}.vsBest`,
          id: 'f',
          what: `${ours.label}: this gateway ÷ the strongest peer (${ENGINE_LABELS[best.engine]}), per core`,
          value: ours.perCoreSecond / best.perCoreSecond,
          unit: 'ratio',
          against: `${ours.perCoreSecond.toFixed(0)} vs ${best.perCoreSecond.toFixed(0)} req/core-s; p99 ${ms(ours.p99)} vs ${ms(best.p99)}`,
          target: { op: '>=', value: 1 },
          why: `gateway CPU per request ${ours.cpuMsPerRequest.toFixed(2)} vs ${best.cpuMsPerRequest.toFixed(2)} ms; where this gateway's goes: \`npm run bench:cpu -- --prof\` (docs/performance.md)`,
        },
      ];
    }),
    {
      key: 'c',
      id: 'c',
      what: `\`person.records\` (operator), ${DELAY_MS} ms injected per region: end-to-end p50 ÷ the slowest region`,
      value: cRatio,
      unit: 'ratio',
      against: `${ms(fanoutDelayed.p50)} vs ${ms(slowestP50)}: every region asked at once through the same proxies and delay, without the gateway`,
      target: { op: '<=', value: 1.3 },
      why: 'the regions are asked in parallel after the national fetch; the national hop and planning add to the slowest region',
    },
    {
      key: 'c.direct',
      id: 'c',
      what: `\`person.records\` end-to-end p50 ÷ (${DELAY_MS} ms + the slowest region called directly, no proxy)`,
      value: fanoutDelayed.p50 / slowestDirectP50,
      unit: 'ratio',
      against: `${ms(fanoutDelayed.p50)} vs ${ms(slowestDirectP50)} (${slowest[0]} ${ms(slowest[1].p50)} + ${DELAY_MS} ms): leaves out the proxies' own hop and the regions sharing one event loop`,
    },
    {
      key: 'd.rate',
      id: 'd',
      what: `submissions, ${WRITERS} concurrent clients`,
      value: writes.rps,
      unit: 'per_s',
      against: `${writes.requests} in ${writes.seconds.toFixed(1)} s; p50 ${ms(writes.p50)}, p99 ${ms(writes.p99)}`,
    },
    {
      key: 'd.errors',
      id: 'd',
      what: 'submission errors',
      value: writeErrors,
      unit: 'count',
      against: 'HTTP, GraphQL and `problems`',
      target: { op: '<=', value: 0 },
    },
    {
      key: 'd.duplicates',
      id: 'd',
      what: 'duplicate applications',
      value: duplicates + Math.abs(stored - (writes.requests - writeErrors)),
      unit: 'count',
      against: `${stored} stored for ${writes.requests - writeErrors} successful answers`,
      target: { op: '<=', value: 0 },
    },
    {
      key: 'd.outbox',
      id: 'd',
      what: 'notifications: delivered/s ÷ enqueued/s at the submission peak (2 per submission)',
      value: outbox.ratio,
      unit: 'ratio',
      against: `${outbox.capacity.deliveredPerSecond.toFixed(0)} delivered/s vs ${outbox.steady.enqueuedPerSecond.toFixed(0)} enqueued/s; backlog at the end ${outbox.steady.backlogAtEnd}; enqueue → provider p99 ${outbox.steady.lagP99Ms} ms`,
      target: { op: '>=', value: 1 },
      why: `one dispatcher, concurrency ${outbox.concurrency}, ${outbox.latencyMs} ms per provider call: raise OUTBOX_CONCURRENCY or run more dispatchers`,
    },
    {
      key: 'd.outboxDuplicates',
      id: 'd',
      what: 'duplicate notifications',
      value: outbox.duplicates,
      unit: 'count',
      against: 'same dedupeKey delivered twice',
      target: { op: '<=', value: 0 },
    },
    {
      key: 'e.benchRss',
      id: 'e',
      what: 'bench process (3 subgraphs, in-process gateways, 2 Hive runtimes) resident after the load',
      value: memory.rss,
      unit: 'bytes',
      against: `heapUsed ${mb(memory.heapUsed)}; after a full GC ${mb(live.heapUsed)} (the rest was garbage not yet collected)`,
    },
    {
      key: 'e.benchLiveHeap',
      id: 'e',
      what: 'bench process heap alive after the load (after a full GC)',
      value: live.heapUsed,
      unit: 'bytes',
      against: heap ? heap.lines.slice(0, 4).join('; ') : 'BENCH_HEAP_SNAPSHOT=1 writes and summarizes a heap snapshot',
    },
    {
      key: 'e.gatewayRss',
      id: 'e',
      what: 'Apollo gateway process resident after the read loads',
      value: childRss.local,
      unit: 'bytes',
      against: `heapUsed ${mb(childMemory.heapUsed)} (its /metrics); registry over HTTP: ${mb(childRss.http)}`,
    },
    ...Object.entries(perCore.rss).map(([engine, bytes]): SummaryRow => ({
      key: `e.perCore.${engine}`,
      id: 'e',
      what: `${ENGINE_LABELS[engine as keyof typeof ENGINE_LABELS]} process resident after its per-core loads`,
      value: bytes,
      unit: 'bytes',
      against: '/proc/<pid>/status VmRSS',
    })),
    {
      key: 'e.client',
      id: 'e',
      what: 'load client (autocannon) resident at the end of the submission load',
      value: writes.clientRss ?? NaN,
      unit: 'bytes',
      against: 'its own process.memoryUsage()',
    },
  ];

  const lines: string[] = [];
  const row = (...cells: string[]) => lines.push(`| ${cells.join(' | ')} |`);
  lines.push(
    `**npm run bench** — ${new Date().toISOString()} — ${database}; ${machine.nproc} × ${machine.cpu}, ${machine.memoryGb} GB, Node ${machine.node}. ` +
      `The subgraphs, Hive Gateway and the in-process gateways run in one process; one more gateway runs in its own process (as deployed); autocannon in a child process. ` +
      `Reads: ${CONNECTIONS} connections, ${SECONDS} s per configuration in ${ROUNDS} alternating rounds after ${WARM_SECONDS} s warm-up. ` +
      `Data: ${totalApplications[0]! + totalApplications[1]!} applications (${totalApplications[0]} Panzhihua, ${totalApplications[1]} Yunfu; ` +
      `${seeded['510400']!.accepted} Panzhihua ACCEPTED), seeded in ${seedSeconds.toFixed(0)} s.`,
    '',
  );
  lines.push(...summaryTable(summary), '', '**Details**', '');
  row('', 'measurement', 'figure', 'measured against', 'target', 'result');
  row('---', '---', '---', '---', '---', '---');
  row(
    'a1',
    'catalogue `region(code: "510400")`: gateway throughput, gateway in its own process (as deployed)',
    `${ratio(aCatalogueChild.throughputRatio)} (${rate(catalogue.child!)} vs ${rate(catalogue.direct!)})`,
    'the Panzhihua subgraph directly (`panzhihuaRegion`, no internal token, as the gateway sends anonymous requests); no response cache, no dedupe: the federated hop itself (two fetches: national, then Panzhihua)',
    '≥ 0.70×',
    met(aCatalogueChild.throughputRatio >= 0.7),
  );
  row(
    'a1',
    'catalogue: gateway throughput, gateway in the subgraphs’ process',
    `${ratio(aCatalogue.throughputRatio)} (${rate(catalogue.gateway!)} vs ${rate(catalogue.direct!)})`,
    'the same, with the gateway sharing one event loop with the three subgraphs (the worst case)',
    '≥ 0.70×',
    met(aCatalogue.throughputRatio >= 0.7),
  );
  row(
    'a1',
    'catalogue: gateway throughput with in-flight dedupe (a default)',
    `${ratio(catalogue.dedupe!.rps / catalogue.direct!.rps)} (${rate(catalogue.dedupe!)} vs ${rate(catalogue.direct!)})`,
    `the Panzhihua subgraph directly; same process; ${CONNECTIONS} identical anonymous requests in flight share subgraph requests`,
    '≥ 0.70×',
    met(catalogue.dedupe!.rps / catalogue.direct!.rps >= 0.7),
  );
  row(
    'a1',
    'catalogue: gateway throughput with its public-policy response cache (the product default)',
    `${ratio(catalogue.cached!.rps / catalogue.direct!.rps)} (${rate(catalogue.cached!)} vs ${rate(catalogue.direct!)})`,
    'the Panzhihua subgraph directly; repeated identical public queries, PUBLIC cache hints, 300 s',
    '≥ 0.70×',
    met(catalogue.cached!.rps / catalogue.direct!.rps >= 0.7),
  );
  const added = (id: string, what: string, d: Measured, g: Measured, how: string) =>
    row(
      id,
      `${what}: latency the gateway adds, ${how}`,
      `p50 ${signed(g.p50 - d.p50)}, p99 ${signed(g.p99 - d.p99)}`,
      `direct p50 ${ms(d.p50)}, p99 ${ms(d.p99)}; via the gateway p50 ${ms(g.p50)}, p99 ${ms(g.p99)}`,
      '—',
      'reported',
    );
  added('a1', 'catalogue', unloaded.catalogueDirect!, unloaded.catalogueGateway!, 'one request at a time');
  added('a1', 'catalogue', catalogue.direct!, catalogue.child!, `at ${CONNECTIONS} connections, own process`);
  if (aReview && aReviewChild && review) {
    row(
      'a2',
      'reviewer queue (`first: 50`, nested): gateway throughput, gateway in its own process (as deployed)',
      `${ratio(aReviewChild.throughputRatio)} (${rate(review.child!)} vs ${rate(review.direct!)})`,
      'the Panzhihua subgraph directly, same query, signed internal REVIEWER token; one fetch',
      '≥ 0.70×',
      met(aReviewChild.throughputRatio >= 0.7),
    );
    row(
      'a2',
      'reviewer queue: gateway throughput, gateway in the subgraphs’ process',
      `${ratio(aReview.throughputRatio)} (${rate(review.gateway!)} vs ${rate(review.direct!)})`,
      'the same, with the gateway sharing one event loop with the three subgraphs (the worst case)',
      '≥ 0.70×',
      met(aReview.throughputRatio >= 0.7),
    );
    added('a2', 'reviewer queue', unloaded.reviewDirect!, unloaded.reviewGateway!, 'one request at a time');
    added('a2', 'reviewer queue', review.direct!, review.child!, `at ${CONNECTIONS} connections, own process`);
  } else
    row('a2', 'reviewer queue', 'not run: `panzhihuaReviewQueue` is not in the supergraph', '—', '≥ 0.70×', 'NOT RUN');
  const hiveRow = (
    id: string,
    what: string,
    set: Record<string, Measured>,
    r: { hive: number; hiveDefault: number },
  ) => {
    row(
      id,
      `${what}: this gateway vs Hive Gateway`,
      `${ratio(r.hive)} (${rate(set.gateway!)} vs ${rate(set.hive!)})`,
      `Hive Gateway ${HIVE_VERSION}, same supergraph, subgraphs and process, upstream dedupe off (like for like)`,
      '≥ 1.00×',
      met(r.hive >= 1),
    );
    const ours = set.dedupe ?? set.gateway!;
    row(
      id,
      `${what}: this gateway vs Hive Gateway, both with their defaults`,
      `${ratio(r.hiveDefault)} (${rate(ours)} vs ${rate(set.hiveDefault!)})`,
      set.dedupe
        ? `Hive with its default upstream dedupe, this gateway with its dedupe of anonymous queries; ${CONNECTIONS} identical requests in flight`
        : `Hive's default upstream dedupe merges these identical signed-in requests in flight (they share one fetch and one token); this gateway never merges signed-in reads (each is audited in the region)`,
      '≥ 1.00×',
      met(r.hiveDefault >= 1),
    );
  };
  hiveRow('b1', 'catalogue', catalogue, bCatalogue);
  if (review && bReview)
    hiveRow(
      'b2',
      'reviewer queue (Hive signs an internal token per fetch in an onFetch hook, like the gateway)',
      review,
      bReview,
    );
  else row('b2', 'reviewer queue vs Hive', 'not run', '—', '≥ 1.00×', 'NOT RUN');
  row(
    'c',
    `\`person.records\` (operator), ${DELAY_MS} ms injected per region: end-to-end p50`,
    `${ratio(cRatio)} (${ms(fanoutDelayed.p50)}; p99 ${ms(fanoutDelayed.p99)})`,
    `every region at once, through the same proxies and delay, without the gateway: p50 ${ms(slowestP50)} (${DELAY_MS} ms + the slowest region directly, ${slowest[0]}: ${ms(slowestDirectP50)})`,
    '≤ 1.30×',
    met(cRatio <= 1.3),
  );
  row(
    'c',
    '`person.records` without injected delay',
    `p50 ${ms(fanoutNoDelay.p50)}, p99 ${ms(fanoutNoDelay.p99)}`,
    'one request at a time, through the fault proxies in pass mode',
    '—',
    'reported',
  );
  row(
    'd',
    `submissions, ${WRITERS} concurrent clients (500 insured people), distinct idempotency keys`,
    `${writes.rps.toFixed(0)} /s (${writes.requests} in ${writes.seconds.toFixed(1)} s; p50 ${ms(writes.p50)}, p99 ${ms(writes.p99)})`,
    'through the gateway to the Panzhihua subgraph and its database',
    '—',
    'reported',
  );
  row(
    'd',
    'submission errors',
    String(writeErrors),
    'HTTP errors, GraphQL errors and `problems` in answers',
    '0',
    met(writeErrors === 0),
  );
  row(
    'd',
    'duplicate applications',
    `${duplicates} (${stored} stored for ${writes.requests - writeErrors} successful answers)`,
    'applications counted by idempotency key in the database afterwards',
    '0',
    met(duplicates === 0 && stored === writes.requests - writeErrors),
  );
  lines.push(...outboxBenchRows(outbox));
  row(
    'e',
    'memory after the load, whole process',
    `RSS ${mb(memory.rss)}, heapUsed ${mb(memory.heapUsed)}`,
    'one process: 4 Apollo gateways (plain, dedupe, cached, via fault proxies), 2 Hive runtimes, 3 subgraphs, proxies',
    '—',
    'reported',
  );
  row(
    'e',
    'memory, the gateway in its own process',
    `RSS ${mb(childMemory.rss)}, heapUsed ${mb(childMemory.heapUsed)}`,
    `\`node --import tsx gateway/index.ts\` after ${review ? 'both read loads' : 'the catalogue load'} (its /metrics)`,
    '—',
    'reported',
  );

  lines.push(
    '',
    '| configuration | connections | requests | req/s | p50, ms | p90, ms | p99, ms | failed |',
    '|---|---|---|---|---|---|---|---|',
  );
  const all: Measured[] = [
    ...Object.values(catalogue),
    ...Object.values(review ?? {}),
    ...Object.values(unloaded),
    ...Object.values(regionDirect),
    fanoutNoDelay,
    fanoutDelayed,
    writes,
  ];
  for (const m of all) {
    row(
      m.label,
      String(m.connections),
      String(m.requests),
      m.rps.toFixed(0),
      m.p50.toFixed(1),
      m.p90.toFixed(1),
      m.p99.toFixed(1),
      String(m.failed + m.non2xx + m.errors + m.timeouts),
    );
  }
  lines.push(
    '',
    '| layout | regions | fetches in the plan | fetches per request | cold planning, ms (p50 of 7) | `person.records` p50, ms | p95, ms |',
    '|---|---|---|---|---|---|---|',
  );
  for (const f of scale) {
    row(
      f.label,
      String(f.regions),
      String(f.planFetches),
      String(f.requestFetches),
      f.coldPlanMs.toFixed(1),
      f.warmLatencyP50Ms.toFixed(1),
      f.warmLatencyP95Ms.toFixed(1),
    );
  }
  lines.push('', ...perCoreTable(perCore));
  if (heap) lines.push('', `Heap snapshot (${heap.file}):`, '', ...heap.lines.map((l) => `- ${l}`));
  lines.push('', `Total runtime: ${(seconds / 60).toFixed(1)} min (${seconds.toFixed(0)} s).`);
  const markdown = lines.join('\n');
  process.stdout.write(`${markdown}\n`);

  const resultsDir = path.join(ROOT, 'bench', 'results');
  mkdirSync(resultsDir, { recursive: true });
  const stamp = new Date().toISOString().replace(/[:.]/g, '-');
  const json = {
    at: new Date().toISOString(),
    database,
    machine,
    settings: {
      seconds: SECONDS,
      rounds: ROUNDS,
      warmSeconds: WARM_SECONDS,
      connections: CONNECTIONS,
      writes: WRITES,
      writers: WRITERS,
      logLevel: process.env.LOG_LEVEL ?? 'warn',
    },
    seeded,
    totalApplications,
    seedSeconds,
    catalogue,
    review,
    unloaded,
    fanout: {
      delayMs: DELAY_MS,
      regionDirect,
      noDelay: fanoutNoDelay,
      delayed: fanoutDelayed,
      slowestP50,
      slowestDirectP50,
      ratio: cRatio,
    },
    fanoutScale: scale,
    writes: { ...writes, stored, duplicates, errors: writeErrors },
    outbox,
    memory: {
      process: memory,
      live,
      heap,
      gatewayChild: childMemory,
      gatewayChildRss: childRss,
      perCoreRss: perCore.rss,
    },
    perCore,
    summary,
    ratios: { aCatalogue, aCatalogueChild, aReview, aReviewChild, bCatalogue, bReview, c: cRatio },
    runtimeSeconds: seconds,
    markdown,
  };
  writeFileSync(path.join(resultsDir, `bench-${stamp}.json`), `${JSON.stringify(json, null, 2)}\n`);
  writeFileSync(path.join(resultsDir, 'latest.json'), `${JSON.stringify(json, null, 2)}\n`);
  writeFileSync(path.join(resultsDir, 'latest.md'), `${markdown}\n`);

  const chartRows: ChartRow[] = [
    ...Object.values(catalogue),
    ...Object.values(review ?? {}),
    fanoutDelayed,
    writes,
  ].map((m) => ({
    label: m.label
      .replace(HIVE_LABEL, 'Hive (dedupe off)')
      .replace(HIVE_DEFAULT_LABEL, 'Hive (defaults: dedupe on)')
      .replace('Panzhihua subgraph directly', 'subgraph directly'),
    rps: m.rps,
    p50: m.p50,
    p99: m.p99,
  }));
  writeFileSync(
    path.join(ROOT, 'bench', 'chart.svg'),
    renderChart(
      chartRows,
      `${new Date().toISOString().slice(0, 10)} · ${database.split(' at ')[0]!.split(' (')[0]} · ${machine.nproc} × ${machine.cpu} · ` +
        `Node ${machine.node} · reads: ${CONNECTIONS} connections`,
    ),
  );
  log(`wrote bench/results/bench-${stamp}.json, bench/results/latest.md and bench/chart.svg`);
}

/** Number of whole runs: `npm run bench -- --runs 3` or BENCH_RUNS=3 (default 1). */
function runsWanted(): number {
  const i = process.argv.indexOf('--runs');
  const n = Number(i >= 0 ? process.argv[i + 1] : (process.env.BENCH_RUNS ?? 1));
  if (!Number.isInteger(n) || n < 1) throw new Error(`bench: --runs / BENCH_RUNS must be a whole number ≥ 1; got ${n}`);
  return n;
}

/**
 * N whole runs, each in its own process (a fresh stack every time), one after the other; then the
 * summary rows as median and spread (min–max) over the runs, for the README table.
 */
async function manyRuns(n: number): Promise<void> {
  const runs: SummaryRow[][] = [];
  let header = '';
  for (let k = 1; k <= n; k++) {
    log(`run ${k} of ${n}…`);
    const code = await new Promise<number | null>((resolve, reject) => {
      const child = spawn(process.execPath, ['--import', 'tsx', __filename], {
        env: { ...process.env, BENCH_RUNS: '1' },
        stdio: ['ignore', 'pipe', 'inherit'],
      });
      // Each run's own tables go to stderr; stdout is the aggregate.
      child.stdout!.on('data', (d: Buffer) => process.stderr.write(d));
      child.on('error', reject);
      child.on('exit', resolve);
    });
    if (code !== 0) throw new Error(`bench: run ${k} exited ${code}`);
    const latest = JSON.parse(readFileSync(path.join(ROOT, 'bench', 'results', 'latest.json'), 'utf8')) as {
      summary: SummaryRow[];
      markdown: string;
    };
    runs.push(latest.summary);
    header ||= latest.markdown.split('\n')[0]!;
  }
  const markdown = [
    `**npm run bench -- --runs ${n}** — ${new Date().toISOString()}. Each run as below (run 1):`,
    '',
    header,
    '',
    ...aggregateRuns(runs),
  ].join('\n');
  process.stdout.write(`${markdown}\n`);
  writeFileSync(path.join(ROOT, 'bench', 'results', 'latest-runs.md'), `${markdown}\n`);
  writeFileSync(
    path.join(ROOT, 'bench', 'results', 'latest-runs.json'),
    `${JSON.stringify({ at: new Date().toISOString(), runs }, null, 2)}\n`,
  );
}

const wanted = runsWanted();
(wanted > 1 ? manyRuns(wanted) : main()).then(
  () => process.exit(0),
  (e: unknown) => {
    console.error(e);
    process.exit(1);
  },
);
