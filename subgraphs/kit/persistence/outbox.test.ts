import { Registry } from 'prom-client';
import type { DataSource } from 'typeorm';

import { databaseUrlFor, recreateMysqlDatabase } from '../../../scripts/lib/databases';
import { formatAcceptanceNumber } from '../domain/acceptance-number';
import { nowInChina } from '../platform/clock';
import { ConfigError } from '../platform/config';
import { createDataSource } from '../platform/db/data-source';
import { NotificationOutbox1764200000000 } from './db/migrations/1764200000000-notification-outbox';
import { OutboxLeases1764420000000 } from './db/migrations/1764420000000-outbox-leases';
import {
  enqueueNotifications,
  LogTransport,
  type NotificationMessage,
  type NotificationTransport,
  type OutboundNotification,
  OutboxDispatcher,
  OutboxEntity,
  OutboxMetrics,
  outboxOptionsFromEnv,
  type OutboxRow,
  supportsSkipLocked,
} from './outbox';

const REGION = '510400';
const T0 = new Date('2026-03-11T01:30:00Z'); // 09:30 in China
const APPLICATION = formatAcceptanceNumber(REGION, '2026-02-12', 123);

// In-memory SQLite by default; with MYSQL_URL the same tests run on MySQL/MariaDB (one database,
// emptied before each test), where claims take the SELECT … FOR UPDATE SKIP LOCKED path.
const MYSQL_DB = process.env.MYSQL_URL
  ? databaseUrlFor('outbox_unit', process.env, process.env.TEST_DB_PREFIX ?? 'mente_test_')
  : undefined;

let ds: DataSource;

beforeAll(async () => {
  if (MYSQL_DB) await recreateMysqlDatabase(MYSQL_DB);
  ds = createDataSource({
    name: 'outbox-test',
    url: MYSQL_DB ?? 'memory:',
    entities: [OutboxEntity],
    migrations: [NotificationOutbox1764200000000, OutboxLeases1764420000000],
  });
  await ds.initialize();
  await ds.runMigrations();
});

beforeEach(async () => {
  await ds.getRepository(OutboxEntity).clear();
});

afterAll(async () => {
  await ds.destroy();
});

function message(overrides: Partial<NotificationMessage> = {}): NotificationMessage {
  return {
    template: 'APPLICATION_APPROVED',
    personId: 'P000003',
    applicationId: APPLICATION,
    channel: 'SMS',
    payload: { diseaseName: '高血压', decidedOn: '2026-03-11' },
    ...overrides,
  };
}

/** Enqueues in its own committed transaction, as the status-change code does. */
async function enqueueCommitted(messages: NotificationMessage[], at = T0): Promise<void> {
  await ds.transaction((manager) => enqueueNotifications(manager, REGION, messages, at));
}

async function rows(): Promise<OutboxRow[]> {
  return ds.getRepository(OutboxEntity).find({ order: { createdAt: 'ASC', id: 'ASC' } });
}

/** Records every message; fails the first `failures` sends; yields between calls so dispatchers interleave. */
class RecordingTransport implements NotificationTransport {
  readonly sent: OutboundNotification[] = [];
  calls = 0;
  constructor(private failures = 0) {}
  async send(m: OutboundNotification): Promise<void> {
    this.calls += 1;
    await new Promise((resolve) => setImmediate(resolve));
    if (this.failures > 0) {
      this.failures -= 1;
      throw new Error(`provider unavailable (call ${this.calls})`);
    }
    this.sent.push(m);
  }
}

function clock(start = T0) {
  let current = start;
  return {
    now: () => current,
    advance(ms: number) {
      current = new Date(current.getTime() + ms);
    },
  };
}

const quiet = () => undefined;

describe('enqueueNotifications', () => {
  it('writes nothing when the caller’s transaction rolls back', async () => {
    await expect(
      ds.transaction(async (manager) => {
        await enqueueNotifications(manager, REGION, [message(), message({ channel: 'APP' })], T0);
        expect(await manager.count(OutboxEntity)).toBe(2); // visible inside the transaction
        throw new Error('status change failed');
      }),
    ).rejects.toThrow('status change failed');
    expect(await rows()).toEqual([]);
  });

  it('stores PENDING rows, due at once, when the transaction commits', async () => {
    await enqueueCommitted([message()]);
    const [row] = await rows();
    expect(row).toMatchObject({
      regionCode: REGION,
      personId: 'P000003',
      applicationId: APPLICATION,
      channel: 'SMS',
      template: 'APPLICATION_APPROVED',
      status: 'PENDING',
      attempts: 0,
      nextAttemptAt: '2026-03-11T09:30:00+08:00',
      createdAt: '2026-03-11T09:30:00+08:00',
      sentAt: null,
      lastError: null,
    });
    expect(JSON.parse(row!.payload)).toEqual({ diseaseName: '高血压', decidedOn: '2026-03-11' });
  });

  it('refuses phone and identity numbers in the payload, and over-long payloads', async () => {
    const payloads: Record<string, string>[] = [
      { phone: '13812345678' },
      { idNumber: '51040219900307123X' },
      { note: 'x'.repeat(2000) },
    ];
    for (const payload of payloads) {
      await expect(
        ds.transaction((manager) => enqueueNotifications(manager, REGION, [message({ payload })], T0)),
      ).rejects.toThrow(RangeError);
    }
    expect(await rows()).toEqual([]);
  });
});

describe('OutboxDispatcher', () => {
  it('sends a committed notification exactly once and marks it SENT', async () => {
    await enqueueCommitted([message()]);
    const transport = new RecordingTransport();
    const c = clock();
    const dispatcher = new OutboxDispatcher(ds, transport, { now: c.now, log: quiet });

    expect(await dispatcher.dispatchOnce()).toEqual({ sent: 1, retried: 0, failed: 0 });
    c.advance(10_000);
    expect(await dispatcher.dispatchOnce()).toEqual({ sent: 0, retried: 0, failed: 0 });

    expect(transport.sent).toHaveLength(1);
    const [row] = await rows();
    expect(transport.sent[0]).toEqual({
      id: row!.id,
      dedupeKey: row!.id,
      attempt: 1,
      channel: 'SMS',
      personId: 'P000003',
      applicationId: APPLICATION,
      template: 'APPLICATION_APPROVED',
      payload: { diseaseName: '高血压', decidedOn: '2026-03-11' },
    });
    expect(row).toMatchObject({
      status: 'SENT',
      sentAt: '2026-03-11T09:30:00+08:00',
      attempts: 1,
      claimedBy: null,
      leaseUntil: null,
    });
  });

  it('sends oldest first, at most batchSize per pass', async () => {
    await enqueueCommitted([message({ template: 'FIRST' })], T0);
    await enqueueCommitted([message({ template: 'SECOND' })], new Date(T0.getTime() + 1000));
    await enqueueCommitted([message({ template: 'THIRD' })], new Date(T0.getTime() + 2000));
    const transport = new RecordingTransport();
    const dispatcher = new OutboxDispatcher(ds, transport, {
      batchSize: 2,
      now: () => new Date(T0.getTime() + 5000),
      log: quiet,
    });
    expect(await dispatcher.dispatchOnce()).toEqual({ sent: 2, retried: 0, failed: 0 });
    expect(await dispatcher.dispatchOnce()).toEqual({ sent: 1, retried: 0, failed: 0 });
    expect(transport.sent.map((m) => m.template)).toEqual(['FIRST', 'SECOND', 'THIRD']);
  });

  it('retries a failing transport with growing delays and sends on the third attempt', async () => {
    await enqueueCommitted([message()]);
    const transport = new RecordingTransport(2);
    const c = clock();
    const lines: string[] = [];
    const dispatcher = new OutboxDispatcher(ds, transport, { now: c.now, log: (l) => lines.push(l) });

    expect(await dispatcher.dispatchOnce()).toEqual({ sent: 0, retried: 1, failed: 0 });
    let [row] = await rows();
    expect(row).toMatchObject({ status: 'PENDING', attempts: 1, lastError: 'provider unavailable (call 1)' });
    const firstRetry = row!.nextAttemptAt;
    expect(firstRetry).toBe(nowInChina(new Date(T0.getTime() + 1000)));

    // Not due yet: nothing happens.
    expect(await dispatcher.dispatchOnce()).toEqual({ sent: 0, retried: 0, failed: 0 });
    expect(transport.calls).toBe(1);

    c.advance(1000);
    expect(await dispatcher.dispatchOnce()).toEqual({ sent: 0, retried: 1, failed: 0 });
    [row] = await rows();
    expect(row).toMatchObject({ status: 'PENDING', attempts: 2, lastError: 'provider unavailable (call 2)' });
    const secondRetry = row!.nextAttemptAt;
    expect(secondRetry).toBe(nowInChina(new Date(T0.getTime() + 1000 + 2000)));
    expect(secondRetry > firstRetry).toBe(true);

    c.advance(1000);
    expect(await dispatcher.dispatchOnce()).toEqual({ sent: 0, retried: 0, failed: 0 });
    c.advance(1000);
    expect(await dispatcher.dispatchOnce()).toEqual({ sent: 1, retried: 0, failed: 0 });
    [row] = await rows();
    expect(row).toMatchObject({ status: 'SENT', attempts: 3, sentAt: secondRetry });
    expect(transport.calls).toBe(3);
    expect(transport.sent).toHaveLength(1);
    expect(transport.sent[0]).toMatchObject({ id: row!.id, dedupeKey: row!.id, attempt: 3 });
    expect(lines.filter((l) => l.includes('failed'))).toHaveLength(2);
  });

  it('gives up after maxAttempts: FAILED with the last error, masked and cut to 500 characters', async () => {
    await enqueueCommitted([message()]);
    const c = clock();
    let calls = 0;
    const transport: NotificationTransport = {
      async send() {
        calls += 1;
        throw new Error(`number 13812345678 rejected (${calls}) ${'.'.repeat(600)}`);
      },
    };
    const lines: string[] = [];
    const dispatcher = new OutboxDispatcher(ds, transport, {
      maxAttempts: 3,
      baseDelayMs: 60_000,
      now: c.now,
      log: (l) => lines.push(l),
    });

    expect(await dispatcher.dispatchOnce()).toEqual({ sent: 0, retried: 1, failed: 0 });
    c.advance(60_000);
    expect(await dispatcher.dispatchOnce()).toEqual({ sent: 0, retried: 1, failed: 0 });
    c.advance(120_000);
    expect(await dispatcher.dispatchOnce()).toEqual({ sent: 0, retried: 0, failed: 1 });
    c.advance(24 * 3600_000);
    expect(await dispatcher.dispatchOnce()).toEqual({ sent: 0, retried: 0, failed: 0 });

    expect(calls).toBe(3);
    const [row] = await rows();
    expect(row!.status).toBe('FAILED');
    expect(row!.attempts).toBe(3);
    expect(row!.sentAt).toBeNull();
    expect(row!.lastError).toMatch(/^number 138\*\*\*\*5678 rejected \(3\) \.+$/);
    expect(row!.lastError).toHaveLength(500);
    expect(lines.join('\n')).not.toMatch(/13812345678/);
  });

  it('caps the backoff at one hour', async () => {
    await enqueueCommitted([message()]);
    const c = clock();
    const transport = new RecordingTransport(100);
    const dispatcher = new OutboxDispatcher(ds, transport, {
      maxAttempts: 20,
      baseDelayMs: 600_000,
      now: c.now,
      log: quiet,
    });
    const delays: number[] = [];
    for (let i = 0; i < 4; i += 1) {
      const before = c.now();
      await dispatcher.dispatchOnce();
      const [row] = await rows();
      const delay = Date.parse(row!.nextAttemptAt) - before.getTime();
      delays.push(delay);
      c.advance(delay);
    }
    expect(delays).toEqual([600_000, 1_200_000, 2_400_000, 3_600_000]);
  });

  it('delivers after a crash between commit and delivery (a new dispatcher after a restart)', async () => {
    await enqueueCommitted([message(), message({ channel: 'APP', template: 'SUPPLEMENT_REQUESTED' })]);
    // The process that committed dies here: its dispatcher never ran.
    const crashed = new OutboxDispatcher(ds, new RecordingTransport(), { log: quiet });
    void crashed;

    const transport = new RecordingTransport();
    const restarted = new OutboxDispatcher(ds, transport, { now: () => new Date(T0.getTime() + 3600_000), log: quiet });
    expect(await restarted.dispatchOnce()).toEqual({ sent: 2, retried: 0, failed: 0 });
    expect(transport.sent.map((m) => m.template).sort()).toEqual(['APPLICATION_APPROVED', 'SUPPLEMENT_REQUESTED']);
    expect((await rows()).every((r) => r.status === 'SENT')).toBe(true);
  });

  it('start() delivers in the background and stop() waits for the pass in progress', async () => {
    await enqueueCommitted([message()]);
    let release: (() => void) | undefined;
    const sent: string[] = [];
    const transport: NotificationTransport = {
      send: (m) =>
        new Promise<void>((resolve) => {
          release = () => {
            sent.push(m.id);
            resolve();
          };
        }),
    };
    const dispatcher = new OutboxDispatcher(ds, transport, { now: () => T0, log: quiet });
    dispatcher.start(10);
    while (!release) await new Promise((resolve) => setTimeout(resolve, 5)); // the send has started

    let stopped = false;
    const stopping = dispatcher.stop().then(() => {
      stopped = true;
    });
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect(stopped).toBe(false); // still waiting for the send in flight
    release!();
    await stopping;
    expect(sent).toHaveLength(1);
    expect((await rows())[0]!.status).toBe('SENT');
  });
});

describe('OutboxDispatcher: batches, leases, timeouts, purge, metrics', () => {
  const many = (n: number, overrides: Partial<NotificationMessage> = {}) =>
    Array.from({ length: n }, (_, i) => message({ personId: `P${String(i).padStart(6, '0')}`, ...overrides }));
  const hang = () => new Promise<void>(() => undefined);
  const wait = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
  async function until(condition: () => Promise<boolean>, timeoutMs = 10_000) {
    const deadline = Date.now() + timeoutMs;
    while (!(await condition())) {
      if (Date.now() > deadline) throw new Error('condition not reached in time');
      await wait(10);
    }
  }
  const byStatus = async () => {
    const counts: Record<string, number> = {};
    for (const r of await rows()) counts[r.status] = (counts[r.status] ?? 0) + 1;
    return counts;
  };

  it('claims a batch at once: SENDING under one claim and a lease, the attempt counted before sending', async () => {
    await enqueueCommitted(many(7));
    const seen: OutboxRow[][] = [];
    const transport: NotificationTransport = {
      async send() {
        if (seen.length === 0) seen.push(await rows()); // what the database says while the first send runs
      },
    };
    const dispatcher = new OutboxDispatcher(ds, transport, { batchSize: 5, now: () => T0, log: quiet });
    expect(await dispatcher.dispatchOnce()).toEqual({ sent: 5, retried: 0, failed: 0 });
    const during = seen[0]!.filter((r) => r.status === 'SENDING');
    expect(during).toHaveLength(5);
    expect(new Set(during.map((r) => r.claimedBy)).size).toBe(1);
    expect(during.every((r) => r.attempts === 1 && r.leaseUntil! > nowInChina(T0))).toBe(true);
    expect(await byStatus()).toEqual({ SENT: 5, PENDING: 2 });
  });

  it('sends at most `concurrency` at a time, and more than one', async () => {
    await enqueueCommitted(many(20));
    let inFlight = 0;
    let peak = 0;
    const transport: NotificationTransport = {
      async send() {
        inFlight += 1;
        peak = Math.max(peak, inFlight);
        await wait(15);
        inFlight -= 1;
      },
    };
    const dispatcher = new OutboxDispatcher(ds, transport, { concurrency: 4, now: () => T0, log: quiet });
    expect(await dispatcher.dispatchOnce()).toEqual({ sent: 20, retried: 0, failed: 0 });
    expect(peak).toBe(4);
  });

  it('two dispatchers claiming batches at the same time never send a row twice', async () => {
    await enqueueCommitted(many(120));
    const delivered: { by: string; id: string }[] = [];
    const transport = (by: string): NotificationTransport => ({
      async send(m) {
        await wait(3);
        delivered.push({ by, id: m.id });
      },
    });
    const options = { batchSize: 10, concurrency: 4, now: () => T0, log: quiet, purgeIntervalMs: 3600_000 };
    const a = new OutboxDispatcher(ds, transport('a'), options);
    const b = new OutboxDispatcher(ds, transport('b'), options);
    a.start(5);
    b.start(5);
    await until(async () => (await byStatus()).SENT === 120);
    await Promise.all([a.close(), b.close()]);

    const ids = delivered.map((d) => d.id);
    expect(ids).toHaveLength(120);
    expect(new Set(ids).size).toBe(120);
    expect(delivered.some((d) => d.by === 'a')).toBe(true); // both really took part
    expect(delivered.some((d) => d.by === 'b')).toBe(true);
    expect((await rows()).every((r) => r.attempts === 1)).toBe(true);
  });

  it('a hung send is cut off after sendTimeoutMs: the others are delivered, the attempt counts as failed', async () => {
    await enqueueCommitted([message({ template: 'HANGS' }), ...many(9)]);
    const sent: string[] = [];
    const transport: NotificationTransport = {
      async send(m, options) {
        if (m.template === 'HANGS') {
          await new Promise((_, reject) =>
            options!.signal.addEventListener('abort', () => reject(new Error('aborted'))),
          );
        }
        sent.push(m.id);
      },
    };
    const lines: string[] = [];
    const registry = new Registry();
    const metrics = new OutboxMetrics(registry, () => T0);
    const dispatcher = new OutboxDispatcher(ds, transport, {
      concurrency: 2,
      sendTimeoutMs: 200,
      now: () => T0,
      metrics,
      log: (l) => lines.push(l),
    });
    const started = Date.now();
    expect(await dispatcher.dispatchOnce()).toEqual({ sent: 9, retried: 1, failed: 0 });
    expect(Date.now() - started).toBeLessThan(2000);
    const hung = (await rows()).find((r) => r.template === 'HANGS')!;
    expect(hung).toMatchObject({ status: 'PENDING', attempts: 1, lastError: 'send timed out after 200 ms' });
    expect(sent).toHaveLength(9);
    expect(await registry.getSingleMetricAsString('mente_outbox_send_failures_total')).toMatch(
      /mente_outbox_send_failures_total\{reason="timeout"\} 1/,
    );
  });

  it('close() with a hung sender resolves within the grace period and hands unstarted rows back', async () => {
    await enqueueCommitted(many(10));
    let calls = 0;
    const dispatcher = new OutboxDispatcher(
      ds,
      {
        send: () => {
          calls += 1;
          return hang();
        },
      },
      { concurrency: 1, batchSize: 10, closeGraceMs: 300, sendTimeoutMs: 60_000, now: () => T0, log: quiet },
    );
    dispatcher.start(10);
    await until(async () => calls === 1);
    const started = Date.now();
    await dispatcher.close();
    expect(Date.now() - started).toBeLessThan(1000);
    // The one in flight keeps its lease (it may have been delivered); the nine never started are free again.
    const after = await rows();
    expect(after.filter((r) => r.status === 'SENDING').map((r) => r.attempts)).toEqual([1]);
    expect(after.filter((r) => r.status === 'PENDING').every((r) => r.attempts === 0 && r.claimedBy === null)).toBe(
      true,
    );
    expect(after.filter((r) => r.status === 'PENDING')).toHaveLength(9);
  });

  it('a dispatcher dropped mid-batch: its rows are retried after the lease with the same id, as attempt 2', async () => {
    await enqueueCommitted(many(3));
    const firstTry: OutboundNotification[] = [];
    const crashed = new OutboxDispatcher(
      ds,
      {
        send: (m) => {
          firstTry.push(m);
          return hang(); // the process dies here, before any outcome is written
        },
      },
      { closeGraceMs: 10, sendTimeoutMs: 60_000, now: () => T0, log: quiet },
    );
    crashed.start(10);
    await until(async () => firstTry.length === 3);
    await crashed.close();
    expect((await rows()).every((r) => r.status === 'SENDING' && r.attempts === 1)).toBe(true);

    const c = clock();
    const transport = new RecordingTransport();
    const rescuer = new OutboxDispatcher(ds, transport, { now: c.now, log: quiet });
    c.advance(30_000);
    expect(await rescuer.dispatchOnce()).toEqual({ sent: 0, retried: 0, failed: 0 }); // the lease still holds
    c.advance(3600_000); // the lease (16 min with a 60 s send timeout) has ended
    expect(await rescuer.dispatchOnce()).toEqual({ sent: 3, retried: 0, failed: 0 });
    expect(transport.sent.map((m) => m.dedupeKey).sort()).toEqual(firstTry.map((m) => m.dedupeKey).sort());
    expect(transport.sent.every((m) => m.attempt === 2 && m.id === m.dedupeKey)).toBe(true);
    expect((await rows()).every((r) => r.status === 'SENT' && r.attempts === 2)).toBe(true);
  });

  it('a message that crashes every dispatcher that sends it is FAILED after maxAttempts', async () => {
    await enqueueCommitted([message()]);
    const c = clock();
    const lines: string[] = [];
    const registry = new Registry();
    const metrics = new OutboxMetrics(registry, c.now);
    const ids = new Set<string>();
    for (let i = 0; i < 3; i += 1) {
      const dying = new OutboxDispatcher(
        ds,
        {
          send: (m) => {
            ids.add(m.dedupeKey);
            return hang();
          },
        },
        { maxAttempts: 3, closeGraceMs: 10, sendTimeoutMs: 60_000, now: c.now, log: quiet },
      );
      void dying.dispatchOnce();
      await until(async () => (await rows())[0]!.attempts === i + 1);
      await dying.close();
      c.advance(24 * 3600_000); // well past any lease
    }
    const last = new OutboxDispatcher(ds, new RecordingTransport(), {
      maxAttempts: 3,
      now: c.now,
      metrics,
      log: (l) => lines.push(l),
    });
    expect(await last.dispatchOnce()).toEqual({ sent: 0, retried: 0, failed: 1 });
    const [row] = await rows();
    expect(row).toMatchObject({ status: 'FAILED', attempts: 3, claimedBy: null });
    expect(row!.lastError).toMatch(/attempt 3 never finished/);
    expect(ids.size).toBe(1);
    expect(lines.some((l) => l.includes('FAILED after 3 attempts'))).toBe(true);
    expect(await registry.getSingleMetricAsString('mente_outbox_failed_total')).toMatch(/ 1$/m);
  });

  it('delivered but not marked SENT (process gone): the resend carries the same id, so the provider keeps one', async () => {
    await enqueueCommitted([message()]);
    const provider = new Map<string, number>(); // dedupeKey -> copies received
    const accept = (m: OutboundNotification) => provider.set(m.dedupeKey, (provider.get(m.dedupeKey) ?? 0) + 1);
    let finish: (() => void) | undefined;
    const first = new OutboxDispatcher(
      ds,
      {
        send: (m) =>
          new Promise<void>((resolve) => {
            finish = () => {
              accept(m);
              resolve();
            };
          }),
      },
      { closeGraceMs: 10, now: () => T0, log: quiet },
    );
    void first.dispatchOnce();
    await until(async () => finish !== undefined); // the send has started
    await first.close(); // the dispatcher is gone …
    finish!(); // … after the provider accepted the message
    await wait(20);
    expect((await rows())[0]).toMatchObject({ status: 'SENDING', sentAt: null });

    const second = new OutboxDispatcher(
      ds,
      { send: async (m) => void accept(m) },
      {
        now: () => new Date(T0.getTime() + 3600_000),
        log: quiet,
      },
    );
    expect(await second.dispatchOnce()).toEqual({ sent: 1, retried: 0, failed: 0 });
    expect([...provider.values()]).toEqual([2]); // two copies, one key: the provider delivers one SMS
  });

  it('takes over a row left SENDING by a dispatcher from before leases, 5 minutes after its claim', async () => {
    await enqueueCommitted([message()]);
    await ds
      .getRepository(OutboxEntity)
      .update({ status: 'PENDING' }, { status: 'SENDING', nextAttemptAt: nowInChina(T0) });
    const c = clock();
    const transport = new RecordingTransport();
    const dispatcher = new OutboxDispatcher(ds, transport, { now: c.now, log: quiet });
    c.advance(4 * 60_000);
    expect(await dispatcher.dispatchOnce()).toEqual({ sent: 0, retried: 0, failed: 0 });
    c.advance(2 * 60_000);
    expect(await dispatcher.dispatchOnce()).toEqual({ sent: 1, retried: 0, failed: 0 });
    expect((await rows())[0]).toMatchObject({ status: 'SENT', attempts: 1 });
  });

  it('purges SENT rows older than the retention, in batches, and nothing else', async () => {
    const old = new Date(T0.getTime() - 80 * 3600_000);
    await enqueueCommitted(many(5, { template: 'OLD_SENT' }), old);
    await enqueueCommitted([message({ template: 'OLD_FAILED' })], old);
    await enqueueCommitted([message({ template: 'OLD_PENDING' })], old);
    const repo = ds.getRepository(OutboxEntity);
    await repo.update({ template: 'OLD_SENT' }, { status: 'SENT', sentAt: nowInChina(old) });
    await repo.update({ template: 'OLD_FAILED' }, { status: 'FAILED' });
    await enqueueCommitted([message({ template: 'NEW_SENT' })], T0);
    await repo.update({ template: 'NEW_SENT' }, { status: 'SENT', sentAt: nowInChina(T0) });
    await repo.update({ template: 'OLD_PENDING' }, { nextAttemptAt: nowInChina(new Date(T0.getTime() + 3600_000)) });

    const registry = new Registry();
    const dispatcher = new OutboxDispatcher(ds, new RecordingTransport(), {
      retentionHours: 72,
      purgeBatchSize: 2,
      metrics: new OutboxMetrics(registry),
      now: () => T0,
      log: quiet,
    });
    expect(await dispatcher.purgeOnce()).toBe(5);
    expect((await rows()).map((r) => r.template).sort()).toEqual(['NEW_SENT', 'OLD_FAILED', 'OLD_PENDING']);
    expect(await registry.getSingleMetricAsString('mente_outbox_purged_total')).toMatch(/ 5$/m);
    expect(await dispatcher.purgeOnce()).toBe(0);
  });

  it('metrics: backlog, oldest age, sent', async () => {
    await enqueueCommitted(many(3), T0);
    await enqueueCommitted(many(1), new Date(T0.getTime() + 30_000));
    const c = clock(new Date(T0.getTime() + 90_000));
    const registry = new Registry();
    const dispatcher = new OutboxDispatcher(ds, new RecordingTransport(), {
      batchSize: 3,
      metrics: new OutboxMetrics(registry, c.now),
      now: c.now,
      log: quiet,
    });
    expect(await dispatcher.refreshStats()).toEqual({ pending: 4, oldestCreatedAt: nowInChina(T0) });
    let text = await registry.metrics();
    expect(text).toMatch(/^mente_outbox_pending 4$/m);
    expect(text).toMatch(/^mente_outbox_oldest_pending_age_seconds 90$/m);

    await dispatcher.dispatchOnce();
    await dispatcher.refreshStats();
    text = await registry.metrics();
    expect(text).toMatch(/^mente_outbox_pending 1$/m);
    expect(text).toMatch(/^mente_outbox_oldest_pending_age_seconds 60$/m);
    expect(text).toMatch(/^mente_outbox_sent_total 3$/m);
  });

  it('reads OUTBOX_* settings and names every bad one', () => {
    expect(outboxOptionsFromEnv({ OUTBOX_CONCURRENCY: '16', OUTBOX_SEND_TIMEOUT_MS: '2500' })).toMatchObject({
      concurrency: 16,
      sendTimeoutMs: 2500,
      maxAttempts: undefined,
    });
    let error: unknown;
    try {
      outboxOptionsFromEnv({ OUTBOX_MAX_ATTEMPTS: '0', OUTBOX_RETENTION_HOURS: 'soon' });
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as ConfigError).problems).toHaveLength(2);
  });

  it('knows which servers have SKIP LOCKED', () => {
    expect(supportsSkipLocked('10.11.19-MariaDB-0+deb12u1')).toBe(true);
    expect(supportsSkipLocked('10.5.23-MariaDB')).toBe(false);
    expect(supportsSkipLocked('8.0.36')).toBe(true);
    expect(supportsSkipLocked('5.7.44-log')).toBe(false);
  });
});

describe('LogTransport', () => {
  const ELEVEN_DIGITS = /(?<!\d)\d{11}(?!\d)/;
  const ID_NUMBER = /(?<!\d)\d{17}[\dXx](?!\d)/;

  it('logs one line with channel, person, template and application — never a phone or identity number', async () => {
    await enqueueCommitted([message(), message({ channel: 'APP', applicationId: null, template: 'RENEWAL_DUE' })]);
    const lines: string[] = [];
    const dispatcher = new OutboxDispatcher(ds, new LogTransport((l) => lines.push(l)), {
      now: () => T0,
      log: (l) => lines.push(l),
    });
    expect(await dispatcher.dispatchOnce()).toEqual({ sent: 2, retried: 0, failed: 0 });
    expect(lines.sort()).toEqual([
      '[notify] APP to P000003: RENEWAL_DUE',
      `[notify] SMS to P000003: APPLICATION_APPROVED ${APPLICATION}`,
    ]);

    // Even a message handed to it directly with numbers in its payload.
    await new LogTransport((l) => lines.push(l)).send({
      id: 'x',
      dedupeKey: 'x',
      attempt: 1,
      channel: 'SMS',
      personId: 'P000003',
      template: 'APPLICATION_APPROVED',
      payload: { phone: '13812345678', idNumber: '51040219900307123X' },
    });
    expect(lines).toHaveLength(3);
    for (const line of lines) {
      expect(line).not.toMatch(ELEVEN_DIGITS);
      expect(line).not.toMatch(ID_NUMBER);
    }
  });
});
