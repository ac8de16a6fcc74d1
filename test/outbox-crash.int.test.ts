import { type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import http from 'node:http';
import type net from 'node:net';
import os from 'node:os';
import path from 'node:path';

import type { DataSource } from 'typeorm';

import { databaseUrlFor, recreateMysqlDatabase } from '../scripts/lib/databases';
import { loadRegion } from '../subgraphs/kit/domain/region-file';
import {
  enqueueNotifications,
  type OutboundNotification,
  OutboxDispatcher,
  OutboxEntity,
  WebhookTransport,
} from '../subgraphs/kit/persistence/outbox';
import { createDataSource } from '../subgraphs/kit/platform/db/data-source';
import { prepareRegionalDatabase, REGIONAL_ENTITIES, REGIONAL_MIGRATIONS } from '../subgraphs/kit/start-up/data-source';
import { freePort } from './free-port';
import { spawnRegionalSubgraph } from './regional-process';

// The outbox across real process deaths: a real regional subgraph process (subgraphs/regional/index.ts)
// delivers through a webhook transport (OUTBOX_WEBHOOK_URL) to a notification service this test
// runs, which answers some messages and hangs on others. SIGKILL mid-batch, then another
// dispatcher: every message is delivered, and a message delivered twice carries the same
// id / Idempotency-Key both times. SIGTERM with sends hanging: the process still exits 0 promptly.
// On MariaDB/MySQL with MYSQL_URL, otherwise on the embedded SQLite file the process uses.

const PZH = 'sichuan-panzhihua';
const def = loadRegion(PZH);
const MYSQL_DB = process.env.MYSQL_URL
  ? databaseUrlFor('outbox_crash', process.env, process.env.TEST_DB_PREFIX ?? 'mente_test_')
  : undefined;
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

let dataDir: string;
let child: ChildProcess | undefined;

interface Received {
  key: string | undefined;
  message: OutboundNotification;
  answered: boolean;
}

/** The notification service: answers `answerFirst` requests with 200 and hangs on the rest while `hang`. */
function notificationService() {
  const received: Received[] = [];
  const hanging = new Set<http.ServerResponse>();
  const state = { answerFirst: Infinity, hang: true };
  const server = http.createServer((req, res) => {
    let body = '';
    req.on('data', (c: Buffer) => (body += c.toString('utf8')));
    req.on('end', () => {
      const entry: Received = {
        key: req.headers['idempotency-key'] as string | undefined,
        message: JSON.parse(body) as OutboundNotification,
        answered: false,
      };
      received.push(entry);
      if (state.hang && received.length > state.answerFirst) {
        hanging.add(res);
        return;
      }
      entry.answered = true;
      res.writeHead(200).end('{}');
    });
  });
  return { server, received, hanging, state };
}

async function openDatabase(): Promise<DataSource> {
  const ds = createDataSource({
    name: PZH,
    url: MYSQL_DB,
    dataDir,
    entities: REGIONAL_ENTITIES,
    migrations: REGIONAL_MIGRATIONS,
  });
  await ds.initialize();
  return ds;
}

/** Fresh outbox with `n` committed notifications; closed again (the process opens the same database). */
async function enqueue(n: number): Promise<string[]> {
  const ds = await openDatabase();
  try {
    await prepareRegionalDatabase(ds, def, () => undefined);
    await ds.getRepository(OutboxEntity).clear();
    const messages = Array.from({ length: n }, (_, i) => ({
      template: 'APPLICATION_ACCEPTED',
      personId: `P${String(i).padStart(6, '0')}`,
      applicationId: null,
      channel: 'SMS' as const,
      payload: { n: `第${i}条` },
    }));
    await ds.transaction((m) => enqueueNotifications(m, def.policy.code, messages));
    return (await ds.getRepository(OutboxEntity).find()).map((r) => r.id);
  } finally {
    await ds.destroy();
  }
}

async function startSubgraphProcess(webhookUrl: string) {
  const port = await freePort();
  const metricsPort = await freePort();
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    REGION: PZH,
    PORT: String(port),
    METRICS_PORT: String(metricsPort),
    MIGRATE_ON_START: 'true',
    DATA_DIR: dataDir,
    UPLOAD_DIR: path.join(dataDir, 'uploads'),
    LOG_LEVEL: 'warn',
    OUTBOX_WEBHOOK_URL: webhookUrl,
    OUTBOX_SEND_TIMEOUT_MS: '60000', // a hang outlives the test: only the kill or the grace period ends it
    OUTBOX_CONCURRENCY: '8',
  };
  if (MYSQL_DB) env.DATABASE_URL = MYSQL_DB;
  else delete env.DATABASE_URL;
  const proc = spawnRegionalSubgraph(env);
  child = proc;
  let output = '';
  proc.stdout!.on('data', (c: Buffer) => (output += c.toString('utf8')));
  proc.stderr!.on('data', (c: Buffer) => (output += c.toString('utf8')));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    proc.once('exit', (code, signal) => resolve({ code, signal })),
  );
  return { proc, exited, output: () => output, metricsUrl: `http://127.0.0.1:${metricsPort}/metrics` };
}

async function until(condition: () => boolean, what: string, output: () => string, timeoutMs = 45_000) {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`${what} did not happen:\n${output()}`);
    await sleep(50);
  }
}

beforeAll(async () => {
  dataDir = mkdtempSync(path.join(os.tmpdir(), 'mente-outbox-crash-'));
  if (MYSQL_DB) await recreateMysqlDatabase(MYSQL_DB);
});

afterEach(() => {
  if (child && child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  child = undefined;
});

afterAll(() => {
  rmSync(dataDir, { recursive: true, force: true });
});

async function listen(server: http.Server): Promise<string> {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return `http://127.0.0.1:${(server.address() as net.AddressInfo).port}/notify`;
}

async function shut(service: ReturnType<typeof notificationService>) {
  for (const res of service.hanging) res.destroy();
  service.server.closeAllConnections();
  await new Promise((resolve) => service.server.close(resolve));
}

it('a subgraph killed mid-batch: another dispatcher delivers every message; a repeat has the same id', async () => {
  const ids = await enqueue(40);
  const service = notificationService();
  service.state.answerFirst = 10; // ten delivered, then the provider stops answering
  const url = await listen(service.server);
  try {
    const sub = await startSubgraphProcess(url);
    // Ten answered, and eight more in flight (OUTBOX_CONCURRENCY) hanging.
    await until(() => service.received.length >= 18, 'the first 18 sends', sub.output);
    // The process's /metrics: the backlog it counted at its first claim, and the ten accepted.
    const metrics = await (await fetch(sub.metricsUrl)).text();
    expect(metrics).toMatch(/^mente_outbox_pending\{service="sichuan-panzhihua"\} 40$/m);
    expect(metrics).toMatch(/^mente_outbox_oldest_pending_age_seconds\{service="sichuan-panzhihua"\} \d/m);
    expect(metrics).toMatch(/^mente_outbox_sent_total\{service="sichuan-panzhihua"\} 10$/m);
    expect(sub.proc.kill('SIGKILL')).toBe(true);
    expect((await sub.exited).signal).toBe('SIGKILL');
    expect(service.received).toHaveLength(18); // never more than 8 in flight

    // Another dispatcher (a restarted process), once the dead one's lease has ended.
    service.state.hang = false;
    const ds = await openDatabase();
    try {
      const before = await ds.getRepository(OutboxEntity).find();
      const inFlight = before.filter((r) => r.status === 'SENDING');
      expect(inFlight.length).toBeGreaterThanOrEqual(8);
      expect(inFlight.every((r) => r.attempts === 1 && r.claimedBy !== null)).toBe(true); // counted before sending

      const later = () => new Date(Date.now() + 3600_000);
      const rescuer = new OutboxDispatcher(ds, new WebhookTransport(url), { now: later, log: () => undefined });
      for (let i = 0; i < 5; i += 1) await rescuer.dispatchOnce();
      const after = await ds.getRepository(OutboxEntity).find();
      expect(after.every((r) => r.status === 'SENT')).toBe(true);
    } finally {
      await ds.destroy();
    }

    const delivered = new Set(service.received.filter((r) => r.answered).map((r) => r.message.id));
    expect([...delivered].sort()).toEqual([...ids].sort());
    for (const r of service.received) {
      expect(r.key).toBe(r.message.id);
      expect(r.message.dedupeKey).toBe(r.message.id);
    }
    // Each repeat is the same message (same id, same content); only the attempt number moves on.
    const byId = new Map<string, OutboundNotification[]>();
    for (const r of service.received) byId.set(r.message.id, [...(byId.get(r.message.id) ?? []), r.message]);
    const repeated = [...byId.values()].filter((copies) => copies.length > 1);
    expect(repeated.length).toBeGreaterThanOrEqual(8); // the eight that hung were sent again
    for (const copies of repeated) {
      const strip = ({ attempt: _attempt, ...rest }: OutboundNotification) => rest;
      for (const copy of copies) expect(strip(copy)).toEqual(strip(copies[0]!));
      expect(copies.map((c) => c.attempt)).toEqual(copies.map((_, i) => i + 1));
    }
  } finally {
    await shut(service);
  }
}, 120_000);

it('SIGTERM while every send hangs: the process stops claiming, abandons the sends and exits 0 within seconds', async () => {
  await enqueue(20);
  const service = notificationService();
  service.state.answerFirst = 0;
  const url = await listen(service.server);
  try {
    const sub = await startSubgraphProcess(url);
    await until(() => service.received.length >= 8, 'eight hanging sends', sub.output);
    const started = Date.now();
    sub.proc.kill('SIGTERM');
    expect(await sub.exited).toEqual({ code: 0, signal: null });
    expect(Date.now() - started).toBeLessThan(8000); // the 2 s grace period, not the 30 s deadline
    expect(service.received).toHaveLength(8);

    const ds = await openDatabase();
    try {
      const rows = await ds.getRepository(OutboxEntity).find();
      // The eight in flight keep their lease (they may have arrived); the rest are free for the next process.
      expect(rows.filter((r) => r.status === 'SENDING')).toHaveLength(8);
      expect(rows.filter((r) => r.status === 'PENDING' && r.attempts === 0)).toHaveLength(12);
    } finally {
      await ds.destroy();
    }
  } finally {
    await shut(service);
  }
}, 120_000);
