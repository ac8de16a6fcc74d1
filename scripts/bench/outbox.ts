import 'reflect-metadata';

import type { DataSource } from 'typeorm';

import { NotificationOutbox1764200000000 } from '../../subgraphs/kit/persistence/db/migrations/1764200000000-notification-outbox';
import { OutboxLeases1764420000000 } from '../../subgraphs/kit/persistence/db/migrations/1764420000000-outbox-leases';
import {
  enqueueNotifications,
  type NotificationTransport,
  OUTBOX_DEFAULTS,
  OutboxDispatcher,
  OutboxEntity,
} from '../../subgraphs/kit/persistence/outbox';
import { retryOnDeadlock } from '../../subgraphs/kit/persistence/sql-errors';
import { createDataSource } from '../../subgraphs/kit/platform/db/data-source';
import { databaseUrlFor, recreateMysqlDatabase } from '../lib/databases';

// `npm run bench:outbox` (and the last step of `npm run bench`): does notification delivery keep up
// with the submission peak? On MariaDB/MySQL (MYSQL_URL; database mente_bench_outbox, recreated)
// or in-memory SQLite. A transport with a simulated provider round trip (20 ms) makes concurrency
// matter. Two phases, each with its own dispatcher(s) at the production defaults:
//   1. steady: submissions at the peak rate (2 messages each, SMS + app, one transaction per
//      submission, from a second connection pool as the subgraph's requests do) for a while; how
//      many were delivered meanwhile, how late, and the backlog left at the end;
//   2. capacity: a backlog of messages already waiting; how fast it drains (messages/s).
// Knobs: BENCH_OUTBOX_RATE (messages enqueued/s, default 130, the submission peak measured in
// issue 13), BENCH_OUTBOX_SECONDS (15), BENCH_OUTBOX_BACKLOG (3000), BENCH_OUTBOX_LATENCY_MS (20),
// BENCH_OUTBOX_DISPATCHERS (1), and OUTBOX_CONCURRENCY / OUTBOX_BATCH_SIZE.

export interface OutboxBenchOptions {
  /** Messages enqueued per second in the steady phase (2 per submission). */
  enqueueRate?: number;
  seconds?: number;
  backlog?: number;
  latencyMs?: number;
  dispatchers?: number;
  concurrency?: number;
  batchSize?: number;
  log?: (line: string) => void;
}

export interface OutboxBenchResult {
  database: string;
  latencyMs: number;
  dispatchers: number;
  concurrency: number;
  batchSize: number;
  steady: {
    seconds: number;
    enqueued: number;
    enqueuedPerSecond: number;
    delivered: number;
    deliveredPerSecond: number;
    backlogAtEnd: number;
    drainSeconds: number;
    lagP50Ms: number;
    lagP99Ms: number;
    lagMaxMs: number;
  };
  capacity: { messages: number; seconds: number; deliveredPerSecond: number };
  /** Capacity over the enqueue rate: >= 1 keeps up with the peak. */
  ratio: number;
  duplicates: number;
}

const percentile = (values: number[], p: number) => {
  if (values.length === 0) return 0;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
};
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** A provider: one round trip of latencyMs per message, every delivery counted by dedupeKey. */
class SimulatedProvider implements NotificationTransport {
  readonly copies = new Map<string, number>();
  readonly lags: number[] = [];
  delivered = 0;
  constructor(private readonly latencyMs: number) {}
  async send(m: { dedupeKey: string; payload: Record<string, string> }): Promise<void> {
    await sleep(this.latencyMs);
    this.delivered += 1;
    this.copies.set(m.dedupeKey, (this.copies.get(m.dedupeKey) ?? 0) + 1);
    if (m.payload.t) this.lags.push(Date.now() - parseInt(m.payload.t, 36));
  }
}

async function openDatabase(): Promise<{ url: string | undefined; label: string; open: () => Promise<DataSource> }> {
  const url = process.env.MYSQL_URL ? databaseUrlFor('outbox', process.env, 'mente_bench_') : undefined;
  if (url) await recreateMysqlDatabase(url);
  const open = async () => {
    const ds = createDataSource({
      name: 'bench-outbox',
      url: url ?? 'memory:',
      entities: [OutboxEntity],
      migrations: [NotificationOutbox1764200000000, OutboxLeases1764420000000],
    });
    await ds.initialize();
    return ds;
  };
  return { url, label: url ? `MySQL protocol, ${new URL(url).pathname.slice(1)}` : 'in-memory SQLite', open };
}

export async function runOutboxBench(options: OutboxBenchOptions = {}): Promise<OutboxBenchResult> {
  const env = process.env;
  const rate = options.enqueueRate ?? Number(env.BENCH_OUTBOX_RATE ?? 130);
  const seconds = options.seconds ?? Number(env.BENCH_OUTBOX_SECONDS ?? 15);
  const backlog = options.backlog ?? Number(env.BENCH_OUTBOX_BACKLOG ?? 3000);
  const latencyMs = options.latencyMs ?? Number(env.BENCH_OUTBOX_LATENCY_MS ?? 20);
  const dispatcherCount = options.dispatchers ?? Number(env.BENCH_OUTBOX_DISPATCHERS ?? 1);
  const concurrency = options.concurrency ?? Number(env.OUTBOX_CONCURRENCY ?? OUTBOX_DEFAULTS.concurrency);
  const batchSize = options.batchSize ?? Number(env.OUTBOX_BATCH_SIZE ?? OUTBOX_DEFAULTS.batchSize);
  const log = options.log ?? ((line: string) => process.stderr.write(`[bench:outbox] ${line}\n`));

  const db = await openDatabase();
  // SQLite in memory is one database per data source: writers and dispatchers must share it there.
  const writer = await db.open();
  await writer.runMigrations();
  const dispatcherDs = db.url ? await db.open() : writer;
  let database = db.label;
  if (db.url) {
    const [{ v }] = (await writer.query('SELECT VERSION() AS v')) as { v: string }[];
    database = `${/mariadb/i.test(v) ? 'MariaDB' : 'MySQL'} ${v.replace(/-MariaDB.*$/i, '')} (mente_bench_outbox)`;
  }
  const provider = new SimulatedProvider(latencyMs);
  const quiet = () => undefined;
  const startDispatchers = () =>
    Array.from({ length: dispatcherCount }, () => {
      const d = new OutboxDispatcher(dispatcherDs, provider, { concurrency, batchSize, log: quiet });
      d.start();
      return d;
    });
  const submission = (i: number, at: number) =>
    (['SMS', 'APP'] as const).map((channel) => ({
      template: 'APPLICATION_ACCEPTED',
      personId: `P${String(i % 100_000).padStart(6, '0')}`,
      applicationId: null,
      channel,
      payload: { t: at.toString(36) },
    }));
  const count = async () =>
    dispatcherDs.getRepository(OutboxEntity).count({ where: [{ status: 'PENDING' }, { status: 'SENDING' }] });

  // ---- 1. steady: enqueue at the peak rate while the dispatcher runs
  log(
    `steady: ${rate.toFixed(0)} messages/s for ${seconds} s, provider round trip ${latencyMs} ms, ${dispatcherCount} dispatcher(s)`,
  );
  let dispatchers = startDispatchers();
  const submissionsPerSecond = rate / 2;
  const started = performance.now();
  let enqueued = 0;
  let submitted = 0;
  const inFlight = new Set<Promise<void>>();
  const maxInFlight = db.url ? 50 : 1; // sql.js: one transaction at a time
  while (performance.now() - started < seconds * 1000) {
    const due = Math.floor(((performance.now() - started) / 1000) * submissionsPerSecond);
    while (submitted < due && inFlight.size < maxInFlight) {
      const i = submitted++;
      // As a submission's transaction: a deadlock victim is run again (the workflow does the same).
      const p = retryOnDeadlock(() =>
        writer.transaction((m) => enqueueNotifications(m, '510400', submission(i, Date.now()))),
      )
        .then(() => {
          enqueued += 2;
        })
        .finally(() => inFlight.delete(p));
      inFlight.add(p);
    }
    await sleep(5);
  }
  await Promise.all(inFlight);
  const steadySeconds = (performance.now() - started) / 1000;
  const deliveredInWindow = provider.delivered;
  const backlogAtEnd = await count();
  const drainStarted = performance.now();
  while ((await count()) > 0) await sleep(20);
  const drainSeconds = (performance.now() - drainStarted) / 1000;
  await Promise.all(dispatchers.map((d) => d.close()));
  const lags = [...provider.lags];

  // ---- 2. capacity: a waiting backlog, drained as fast as the dispatcher(s) can
  log(`capacity: draining a backlog of ${backlog} messages`);
  const chunk = 500;
  for (let i = 0; i < backlog; i += chunk) {
    const n = Math.min(chunk, backlog - i);
    await writer.transaction((m) =>
      enqueueNotifications(m, '510400', Array.from({ length: n / 2 }, (_, k) => submission(i + k, 0)).flat()),
    );
  }
  const queued = await count();
  const before = provider.delivered;
  const capacityStarted = performance.now();
  dispatchers = startDispatchers();
  while ((await count()) > 0) await sleep(20);
  const capacitySeconds = (performance.now() - capacityStarted) / 1000;
  await Promise.all(dispatchers.map((d) => d.close()));
  const capacityDelivered = provider.delivered - before;

  const duplicates = [...provider.copies.values()].filter((n) => n > 1).length;
  if (dispatcherDs !== writer) await dispatcherDs.destroy();
  await writer.destroy();

  const enqueuedPerSecond = enqueued / steadySeconds;
  const capacityRate = capacityDelivered / capacitySeconds;
  const result: OutboxBenchResult = {
    database,
    latencyMs,
    dispatchers: dispatcherCount,
    concurrency,
    batchSize,
    steady: {
      seconds: steadySeconds,
      enqueued,
      enqueuedPerSecond,
      delivered: deliveredInWindow,
      deliveredPerSecond: deliveredInWindow / steadySeconds,
      backlogAtEnd,
      drainSeconds,
      lagP50Ms: percentile(lags, 50),
      lagP99Ms: percentile(lags, 99),
      lagMaxMs: percentile(lags, 100),
    },
    capacity: { messages: queued, seconds: capacitySeconds, deliveredPerSecond: capacityRate },
    ratio: capacityRate / enqueuedPerSecond,
    duplicates,
  };
  log(
    `enqueued ${enqueuedPerSecond.toFixed(0)}/s, delivered meanwhile ${result.steady.deliveredPerSecond.toFixed(0)}/s ` +
      `(backlog at end ${backlogAtEnd}, lag p50 ${result.steady.lagP50Ms} ms, p99 ${result.steady.lagP99Ms} ms); ` +
      `capacity ${capacityRate.toFixed(0)}/s = ${result.ratio.toFixed(2)}× the enqueue rate; duplicates ${duplicates}`,
  );
  return result;
}

/** The bench table's rows (Markdown): what run.ts appends and `npm run bench:outbox` prints. */
export function outboxBenchRows(r: OutboxBenchResult): string[] {
  const met = (ok: boolean) => (ok ? 'MET' : '**NOT MET**');
  const setup = `${r.database}; ${r.dispatchers} dispatcher, concurrency ${r.concurrency}, batch ${r.batchSize}, ${r.latencyMs} ms simulated provider round trip`;
  return [
    `| d | notification delivery vs enqueue at the submission peak | ${r.ratio.toFixed(2)}× (${r.capacity.deliveredPerSecond.toFixed(0)} delivered/s vs ${r.steady.enqueuedPerSecond.toFixed(0)} enqueued/s) | ${setup}; delivery rate = draining a ${r.capacity.messages}-message backlog | ≥ 1.00× | ${met(r.ratio >= 1)} |`,
    `| d | notifications at the peak rate, ${r.steady.seconds.toFixed(0)} s | ${r.steady.deliveredPerSecond.toFixed(0)} delivered/s for ${r.steady.enqueuedPerSecond.toFixed(0)} enqueued/s; backlog at the end ${r.steady.backlogAtEnd} (drained in ${r.steady.drainSeconds.toFixed(1)} s); enqueue → provider p50 ${r.steady.lagP50Ms} ms, p99 ${r.steady.lagP99Ms} ms, max ${r.steady.lagMaxMs} ms | enqueue: one transaction per submission from a second pool; the dispatcher polls 50 ms after finding rows, up to 1 s when idle | — | reported |`,
    `| d | duplicate notifications (same dedupeKey delivered twice) | ${r.duplicates} | counted at the simulated provider | 0 | ${met(r.duplicates === 0)} |`,
  ];
}

if (require.main === module) {
  if (!process.env.MYSQL_URL) process.stderr.write('!! MYSQL_URL is not set: in-memory SQLite, not MariaDB/MySQL\n');
  runOutboxBench().then(
    (r) => {
      process.stdout.write(
        [
          '| | measurement | figure | measured against | target | result |',
          '|---|---|---|---|---|---|',
          ...outboxBenchRows(r),
        ].join('\n') + '\n',
      );
      process.exit(0);
    },
    (e: unknown) => {
      console.error(e);
      process.exit(1);
    },
  );
}
