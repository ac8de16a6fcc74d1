import type { DataSource } from 'typeorm';

import { formatAcceptanceNumber } from './acceptance-number';
import { nowInChina } from './clock';
import { createDataSource } from './db/data-source';
import { NotificationOutbox1764200000000 } from './db/migrations/1764200000000-notification-outbox';
import {
  enqueueNotifications,
  LogTransport,
  type NotificationMessage,
  type NotificationTransport,
  type OutboundNotification,
  OutboxDispatcher,
  OutboxEntity,
  type OutboxRow,
} from './outbox';

const REGION = '510400';
const T0 = new Date('2026-03-11T01:30:00Z'); // 09:30 in China
const APPLICATION = formatAcceptanceNumber(REGION, '2026-02-12', 123);

let ds: DataSource;

beforeEach(async () => {
  ds = createDataSource({
    name: 'outbox-test',
    url: 'memory:',
    entities: [OutboxEntity],
    migrations: [NotificationOutbox1764200000000],
  });
  await ds.initialize();
  await ds.runMigrations();
});

afterEach(async () => {
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
      channel: 'SMS',
      personId: 'P000003',
      applicationId: APPLICATION,
      template: 'APPLICATION_APPROVED',
      payload: { diseaseName: '高血压', decidedOn: '2026-03-11' },
    });
    expect(row).toMatchObject({ status: 'SENT', sentAt: '2026-03-11T09:30:00+08:00', attempts: 0 });
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
    expect(row).toMatchObject({ status: 'SENT', attempts: 2, sentAt: secondRetry });
    expect(transport.calls).toBe(3);
    expect(transport.sent).toHaveLength(1);
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

  it('two dispatchers running at the same time send every row exactly once', async () => {
    const messages = Array.from({ length: 30 }, (_, i) => message({ personId: `P${String(i).padStart(6, '0')}` }));
    await enqueueCommitted(messages);
    const a = new RecordingTransport();
    const b = new RecordingTransport();
    const now = () => new Date(T0.getTime() + 1000);
    const first = new OutboxDispatcher(ds, a, { batchSize: 50, now, log: quiet });
    const second = new OutboxDispatcher(ds, b, { batchSize: 50, now, log: quiet });

    const [ra, rb] = await Promise.all([first.dispatchOnce(), second.dispatchOnce()]);

    const ids = [...a.sent, ...b.sent].map((m) => m.id);
    expect(ids).toHaveLength(30);
    expect(new Set(ids).size).toBe(30);
    expect(ra.sent + rb.sent).toBe(30);
    expect(a.sent.length).toBeGreaterThan(0); // both really took part
    expect(b.sent.length).toBeGreaterThan(0);
    expect((await rows()).every((r) => r.status === 'SENT')).toBe(true);
  });

  it('re-sends a row left in SENDING for more than 5 minutes (at-least-once)', async () => {
    await enqueueCommitted([message()]);
    // A dispatcher claims the row and dies mid-send: its transport never answers.
    const hung = new OutboxDispatcher(
      ds,
      { send: () => new Promise<void>(() => undefined) },
      { now: () => T0, log: quiet },
    );
    void hung.dispatchOnce();
    await new Promise((resolve) => setTimeout(resolve, 50));
    let [row] = await rows();
    expect(row).toMatchObject({ status: 'SENDING', nextAttemptAt: nowInChina(T0) });

    const c = clock();
    const transport = new RecordingTransport();
    const lines: string[] = [];
    const rescuer = new OutboxDispatcher(ds, transport, { now: c.now, log: (l) => lines.push(l) });
    c.advance(4 * 60_000);
    expect(await rescuer.dispatchOnce()).toEqual({ sent: 0, retried: 0, failed: 0 }); // might still be sending
    c.advance(5 * 60_000);
    expect(await rescuer.dispatchOnce()).toEqual({ sent: 1, retried: 0, failed: 0 });

    expect(transport.sent).toHaveLength(1);
    [row] = await rows();
    expect(row).toMatchObject({ status: 'SENT', sentAt: nowInChina(c.now()) });
    expect(lines.some((l) => l.includes('left in SENDING'))).toBe(true);
  });

  it('start() delivers in the background and stop() waits for the pass in progress', async () => {
    await enqueueCommitted([message()]);
    let release: () => void = () => undefined;
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
    while ((await rows())[0]!.status !== 'SENDING') await new Promise((resolve) => setTimeout(resolve, 5));

    let stopped = false;
    const stopping = dispatcher.stop().then(() => {
      stopped = true;
    });
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect(stopped).toBe(false); // still waiting for the send in flight
    release();
    await stopping;
    expect(sent).toHaveLength(1);
    expect((await rows())[0]!.status).toBe('SENT');
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
