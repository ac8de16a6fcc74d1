import { randomUUID } from 'node:crypto';

import { Counter, Gauge, type Registry } from 'prom-client';
import { type DataSource, type EntityManager, EntitySchema, In, Not } from 'typeorm';

import { nowInChina } from '../platform/clock';
import { ConfigError } from '../platform/config';
import { redactPii } from '../platform/pii';
import { str } from './db/columns';
import { timeOrderedId } from './ordered-id';

// Transactional outbox for applicant notifications (SMS / app message).
//
// The code that changes an application's status calls enqueueNotifications with the EntityManager
// of its own transaction, so the status change and its notification rows commit or roll back
// together. An OutboxDispatcher delivers committed rows later, through a pluggable transport:
// claimed in batches under a lease, sent several at a time with a per-send timeout, retried with
// exponential backoff, FAILED after maxAttempts; SENT rows are purged after a retention period.
// A crash between commit and delivery loses nothing: the rows wait for the next dispatcher.
//
// Delivery is AT-LEAST-ONCE, never at-most-once: a dispatcher that dies (or loses its database)
// after the transport accepted a message and before the row is marked SENT leaves it SENDING
// under a lease; when the lease ends another dispatcher sends it again. Every attempt carries the
// same id (dedupeKey, fixed at enqueue), which transports pass to the provider as its
// idempotency key, so the provider drops the second copy.
//
// Rows are stored in plain text: the payload holds template variables only, never a phone or
// identity number (enqueue refuses them). The transport resolves the destination from personId.
// Instants are ISO 8601 strings with +08:00 (clock.ts), all in the same format, so they compare
// correctly as strings in SQL.

export type NotificationChannel = 'SMS' | 'APP';
export type OutboxStatus = 'PENDING' | 'SENDING' | 'SENT' | 'FAILED';

export interface OutboxRow {
  id: string;
  regionCode: string;
  personId: string;
  applicationId: string | null;
  channel: NotificationChannel;
  template: string;
  /** JSON object of template variables (string values). */
  payload: string;
  status: OutboxStatus;
  /** Attempts started so far (counted when claimed, before sending). */
  attempts: number;
  /** PENDING: not before this instant. */
  nextAttemptAt: string;
  /** SENDING: the claim (one batch of one dispatcher) that holds the row. */
  claimedBy: string | null;
  /** SENDING: the claim holds the row until then; afterwards any dispatcher may take it. */
  leaseUntil: string | null;
  createdAt: string;
  sentAt: string | null;
  /** The last failure's message (PII masked, at most 500 characters). */
  lastError: string | null;
}

export const OutboxEntity = new EntitySchema<OutboxRow>({
  name: 'NotificationOutbox',
  tableName: 'notification_outbox',
  columns: {
    id: { type: String, length: 40, primary: true },
    regionCode: str('region_code', 12),
    personId: str('person_id', 40),
    applicationId: str('application_id', 32, true),
    channel: str('channel', 8),
    template: str('template', 64),
    payload: str('payload', 2000),
    status: str('status', 12),
    attempts: { type: Number, name: 'attempts' },
    nextAttemptAt: str('next_attempt_at', 32),
    createdAt: str('created_at', 32),
    sentAt: str('sent_at', 32, true),
    lastError: str('last_error', 500, true),
    claimedBy: str('claimed_by', 40, true),
    leaseUntil: str('lease_until', 32, true),
  },
});

const PAYLOAD_MAX_LENGTH = 2000;
const LAST_ERROR_MAX_LENGTH = 500;
/** Backoff never waits longer than this between attempts. */
const MAX_RETRY_DELAY_MS = 3600_000;

const CHANNELS: readonly NotificationChannel[] = ['SMS', 'APP'];

export interface NotificationMessage {
  template: string;
  personId: string;
  applicationId: string | null;
  channel: NotificationChannel;
  payload: Record<string, string>;
}

/**
 * Inserts one PENDING row per message with the caller's EntityManager, i.e. inside the caller's
 * transaction: if it rolls back, no notification exists. Throws (RangeError) on a message that
 * cannot be stored: unknown channel, empty or over-long fields, a payload over 2000 characters
 * as JSON, or a payload value that looks like a phone or identity number.
 */
export async function enqueueNotifications(
  manager: EntityManager,
  regionCode: string,
  messages: NotificationMessage[],
  now: Date = new Date(),
): Promise<void> {
  if (messages.length === 0) return;
  for (const m of messages) checkMessage(m);
  const at = nowInChina(now);
  const rows: OutboxRow[] = messages.map((m) => ({
    id: timeOrderedId(),
    regionCode,
    personId: m.personId,
    applicationId: m.applicationId,
    channel: m.channel,
    template: m.template,
    payload: serialisePayload(m),
    status: 'PENDING',
    attempts: 0,
    nextAttemptAt: at,
    createdAt: at,
    sentAt: null,
    lastError: null,
    claimedBy: null,
    leaseUntil: null,
  }));
  await manager.insert(OutboxEntity, rows);
}

function checkMessage(m: NotificationMessage): void {
  if (!CHANNELS.includes(m.channel)) throw new RangeError(`unknown notification channel: ${String(m.channel)}`);
  if (!m.template || m.template.length > 64) throw new RangeError('notification template must be 1-64 characters');
  if (!m.personId || m.personId.length > 40) throw new RangeError('notification personId must be 1-40 characters');
  if (m.applicationId !== null && (m.applicationId.length === 0 || m.applicationId.length > 32))
    throw new RangeError('notification applicationId must be 1-32 characters or null');
}

function serialisePayload(m: NotificationMessage): string {
  for (const [key, value] of Object.entries(m.payload)) {
    if (typeof value !== 'string') throw new RangeError(`notification payload "${key}" must be a string`);
    if (redactPii(value) !== value)
      throw new RangeError(`notification payload "${key}" looks like a phone or identity number; pass personId`);
  }
  const json = JSON.stringify(m.payload);
  if (json.length > PAYLOAD_MAX_LENGTH)
    throw new RangeError(`notification payload is ${json.length} characters as JSON; at most ${PAYLOAD_MAX_LENGTH}`);
  return json;
}

/**
 * What a transport is given. `id` (= `dedupeKey`) is the outbox row's id, a UUID fixed at enqueue:
 * every attempt at the same notification carries the same one, so a provider that de-duplicates
 * (an Idempotency-Key header, an SMS gateway's "out id") recognises a resend after a lost
 * acknowledgement as the message it already has.
 */
export interface OutboundNotification {
  id: string;
  /** The same as id: pass it to the provider as its idempotency / de-duplication key. */
  dedupeKey: string;
  /** 1 on the first attempt at this notification, 2 on the first retry, … */
  attempt: number;
  channel: NotificationChannel;
  personId: string;
  applicationId?: string | null;
  template: string;
  payload: Record<string, string>;
}

export interface SendOptions {
  /** Aborted when the dispatcher gives up on this send (OUTBOX_SEND_TIMEOUT_MS). */
  signal: AbortSignal;
}

export interface NotificationTransport {
  /** Resolves once the provider accepted the message; throws (with a message) otherwise. */
  send(message: OutboundNotification, options?: SendOptions): Promise<void>;
}

/**
 * Development transport: one log line per message, "[notify] SMS to P000003: <template> <applicationId>".
 * Never the payload, a phone number or an identity number.
 */
export class LogTransport implements NotificationTransport {
  constructor(private readonly log: (line: string) => void = (line) => console.log(line)) {}

  async send(message: OutboundNotification): Promise<void> {
    const subject = message.applicationId ? ` ${message.applicationId}` : '';
    this.log(redactPii(`[notify] ${message.channel} to ${message.personId}: ${message.template}${subject}`));
  }
}

/**
 * POSTs each message as JSON to a notification service (OUTBOX_WEBHOOK_URL) with the header
 * `Idempotency-Key: <dedupeKey>`; any 2xx is acceptance. The service resolves the destination
 * from personId and must drop a second message with a key it has already accepted.
 */
export class WebhookTransport implements NotificationTransport {
  constructor(private readonly url: string) {}

  async send(message: OutboundNotification, options?: SendOptions): Promise<void> {
    const res = await fetch(this.url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'idempotency-key': message.dedupeKey },
      body: JSON.stringify(message),
      signal: options?.signal,
    });
    await res.arrayBuffer().catch(() => undefined);
    if (!res.ok) throw new Error(`notification service answered HTTP ${res.status}`);
  }
}

/** OUTBOX_WEBHOOK_URL set: WebhookTransport; otherwise log lines (development). */
export function transportFromEnv(env: NodeJS.ProcessEnv, log: (line: string) => void): NotificationTransport {
  return env.OUTBOX_WEBHOOK_URL ? new WebhookTransport(env.OUTBOX_WEBHOOK_URL) : new LogTransport(log);
}

/** Prometheus series of a dispatcher, registered in the subgraph's registry (GET /metrics). */
export class OutboxMetrics {
  readonly sent: Counter;
  readonly failed: Counter;
  readonly attemptFailures: Counter<'reason'>;
  readonly purged: Counter;
  readonly pending: Gauge;
  readonly oldestAge: Gauge;
  /** Refreshed by the dispatcher (refreshStats); the gauges report the last values. */
  backlog: { pending: number; oldestCreatedAt: string | null } = { pending: 0, oldestCreatedAt: null };

  constructor(registry: Registry, now: () => Date = () => new Date()) {
    const registers = [registry];
    this.sent = new Counter({
      name: 'mente_outbox_sent_total',
      help: 'Notifications the transport accepted.',
      registers,
    });
    this.failed = new Counter({
      name: 'mente_outbox_failed_total',
      help: 'Notifications given up for good (status FAILED) after OUTBOX_MAX_ATTEMPTS attempts.',
      registers,
    });
    this.attemptFailures = new Counter({
      name: 'mente_outbox_send_failures_total',
      help: 'Failed send attempts (retried later unless the last), by reason: error or timeout.',
      labelNames: ['reason'],
      registers,
    });
    this.purged = new Counter({
      name: 'mente_outbox_purged_total',
      help: 'SENT rows deleted after OUTBOX_RETENTION_HOURS.',
      registers,
    });
    const backlog = () => this.backlog;
    this.pending = new Gauge({
      name: 'mente_outbox_pending',
      help: 'Notifications not delivered yet (PENDING or SENDING), as of the dispatcher’s last count.',
      registers,
      collect() {
        this.set(backlog().pending);
      },
    });
    this.oldestAge = new Gauge({
      name: 'mente_outbox_oldest_pending_age_seconds',
      help: 'Age of the oldest notification not delivered yet (0 when there is none).',
      registers,
      collect() {
        const oldest = backlog().oldestCreatedAt;
        this.set(oldest ? Math.max(0, (now().getTime() - Date.parse(oldest)) / 1000) : 0);
      },
    });
  }
}

export interface OutboxDispatcherOptions {
  /** Rows claimed at once (default 50). */
  batchSize?: number;
  /** Sends in flight at once (OUTBOX_CONCURRENCY, default 16). */
  concurrency?: number;
  /** A send not settled by then is abandoned and counted as a failed attempt (OUTBOX_SEND_TIMEOUT_MS, default 5000). */
  sendTimeoutMs?: number;
  /** Attempts after which a row is FAILED for good (OUTBOX_MAX_ATTEMPTS, default 8). */
  maxAttempts?: number;
  /** Delay after the first failure; doubles with each further one, capped at one hour (default 1000). */
  baseDelayMs?: number;
  /** How long a claim holds its rows; default long enough for a whole batch of timed-out sends. */
  leaseMs?: number;
  /** SENT rows older than this are deleted (OUTBOX_RETENTION_HOURS, default 72). */
  retentionHours?: number;
  /** Rows deleted per statement (default 500), at most 20 statements per purge. */
  purgeBatchSize?: number;
  /** Between purges while running (default 60 s). */
  purgeIntervalMs?: number;
  /** Between backlog counts for the gauges while running (default 5 s). */
  statsIntervalMs?: number;
  /** close() waits this long for sends in flight, then abandons them to their lease (default 2000). */
  closeGraceMs?: number;
  metrics?: OutboxMetrics;
  now?: () => Date;
  log?: (line: string) => void;
}

/**
 * A SENDING row without a lease was claimed by a dispatcher from before leases, which stored the
 * claim time in next_attempt_at and presumed a claim abandoned after 5 minutes.
 */
const LEGACY_SENDING_MS = 5 * 60_000;
const EXPIRED_LEASE = '(lease_until < :at OR (lease_until IS NULL AND next_attempt_at < :legacy))';

/** The first poll after a claim that found rows (the poll interval doubles from there while idle). */
const BUSY_POLL_MS = 50;

export const OUTBOX_DEFAULTS = {
  batchSize: 50,
  // 16 × a 20 ms provider round trip ≈ 800 messages/s: 2.8× the bench's submission peak (2 × 142/s).
  concurrency: 16,
  sendTimeoutMs: 5000,
  maxAttempts: 8,
  retentionHours: 72,
} as const;

/** OUTBOX_CONCURRENCY, OUTBOX_SEND_TIMEOUT_MS, OUTBOX_MAX_ATTEMPTS, OUTBOX_RETENTION_HOURS, OUTBOX_BATCH_SIZE. */
export function outboxOptionsFromEnv(env: NodeJS.ProcessEnv): OutboxDispatcherOptions {
  const problems: string[] = [];
  const read = (name: string, min: number): number | undefined => {
    const raw = env[name];
    if (raw === undefined || raw === '') return undefined;
    const value = Number(raw);
    if (!Number.isInteger(value) || value < min) {
      problems.push(`${name} must be an integer >= ${min}; got "${raw}"`);
      return undefined;
    }
    return value;
  };
  const options: OutboxDispatcherOptions = {
    concurrency: read('OUTBOX_CONCURRENCY', 1),
    sendTimeoutMs: read('OUTBOX_SEND_TIMEOUT_MS', 1),
    maxAttempts: read('OUTBOX_MAX_ATTEMPTS', 1),
    retentionHours: read('OUTBOX_RETENTION_HOURS', 1),
    batchSize: read('OUTBOX_BATCH_SIZE', 1),
  };
  if (problems.length > 0) throw new ConfigError('outbox', problems);
  return options;
}

export interface DispatchResult {
  sent: number;
  retried: number;
  failed: number;
}

interface Claimed {
  row: OutboxRow;
  token: string;
}

class SendTimeout extends Error {
  constructor(ms: number) {
    super(`send timed out after ${ms} ms`);
  }
}

/**
 * Delivers the outbox. Rows are claimed in batches: one conditional UPDATE marks up to batchSize
 * due rows SENDING with a fresh claim token (claimed_by), a lease (lease_until) and attempts + 1,
 * all before anything is sent, so a send that crashes the process still counts. On MySQL 8 and
 * MariaDB >= 10.6 the candidates are first locked with SELECT … FOR UPDATE SKIP LOCKED, so
 * concurrent dispatchers take different rows; elsewhere (SQLite, older MariaDB) the conditional
 * UPDATE alone decides, and a dispatcher that lost the race simply claims fewer. A lease that
 * expires (its dispatcher died, hung or was stopped) makes the row claimable again; after
 * maxAttempts the row is FAILED. Sends run concurrency at a time, each cut off after sendTimeoutMs.
 *
 * Delivery is at least once: a resend after a lost acknowledgement carries the same id/dedupeKey.
 */
export class OutboxDispatcher {
  private readonly batchSize: number;
  private readonly concurrency: number;
  private readonly sendTimeoutMs: number;
  private readonly maxAttempts: number;
  private readonly baseDelayMs: number;
  private readonly leaseMs: number;
  private readonly retentionMs: number;
  private readonly purgeBatchSize: number;
  private readonly purgeIntervalMs: number;
  private readonly statsIntervalMs: number;
  private readonly closeGraceMs: number;
  private readonly metrics: OutboxMetrics | undefined;
  private readonly now: () => Date;
  private readonly log: (line: string) => void;

  private loop: Promise<void> | undefined;
  private stopping = false;
  private closed = false;
  private readonly queue: Claimed[] = [];
  private refilling: Promise<number> | undefined;
  private idle: { promise: Promise<void>; wake: () => void } | undefined;
  private readonly background = new Set<Promise<unknown>>();
  private pollMs = 1000;
  private idleMs = 1000;
  private lastPurge = 0;
  private lastStats = 0;
  private skipLocked: Promise<boolean> | undefined;
  private readonly marks: { id: string; done: (ok: boolean) => void }[] = [];
  private marking = false;
  /** Delivered but not marked SENT (the database was unreachable): marked again before the next claim. */
  private readonly unmarked = new Set<string>();

  constructor(
    private readonly ds: DataSource,
    private readonly transport: NotificationTransport,
    options: OutboxDispatcherOptions = {},
  ) {
    this.batchSize = positiveInteger(options.batchSize ?? OUTBOX_DEFAULTS.batchSize, 'batchSize');
    this.concurrency = positiveInteger(options.concurrency ?? OUTBOX_DEFAULTS.concurrency, 'concurrency');
    this.sendTimeoutMs = positiveInteger(options.sendTimeoutMs ?? OUTBOX_DEFAULTS.sendTimeoutMs, 'sendTimeoutMs');
    this.maxAttempts = positiveInteger(options.maxAttempts ?? OUTBOX_DEFAULTS.maxAttempts, 'maxAttempts');
    this.baseDelayMs = options.baseDelayMs ?? 1000;
    if (!(this.baseDelayMs >= 0)) throw new RangeError('baseDelayMs must be >= 0');
    // Long enough for the last row of a batch (plus a prefetch) to wait behind timed-out sends.
    const rounds = Math.ceil((this.batchSize + this.concurrency) / this.concurrency);
    this.leaseMs = positiveInteger(options.leaseMs ?? Math.max(60_000, 2 * this.sendTimeoutMs * rounds), 'leaseMs');
    this.retentionMs =
      positiveInteger(options.retentionHours ?? OUTBOX_DEFAULTS.retentionHours, 'retentionHours') * 3600_000;
    this.purgeBatchSize = positiveInteger(options.purgeBatchSize ?? 500, 'purgeBatchSize');
    this.purgeIntervalMs = options.purgeIntervalMs ?? 60_000;
    this.statsIntervalMs = options.statsIntervalMs ?? 5000;
    this.closeGraceMs = options.closeGraceMs ?? 2000;
    this.metrics = options.metrics;
    this.now = options.now ?? (() => new Date());
    this.log = options.log ?? ((line) => console.log(line));
  }

  /**
   * One pass: claims up to batchSize due rows (PENDING and due, or SENDING with an expired lease),
   * the longest-due first, and sends them, concurrency at a time. Rows out of attempts are FAILED.
   */
  async dispatchOnce(): Promise<DispatchResult> {
    const tally: DispatchResult = { sent: 0, retried: 0, failed: 0 };
    await this.retryUnmarked();
    tally.failed += await this.failExhausted();
    const claimed = await this.claim();
    let next = 0;
    const worker = async () => {
      while (next < claimed.length) await this.deliver(claimed[next++]!, tally);
    };
    await Promise.all(Array.from({ length: Math.min(this.concurrency, claimed.length) }, worker));
    return tally;
  }

  /**
   * Delivers in the background: claims whenever the local queue runs low; when nothing is due,
   * polls after 50 ms, then ever less often up to every intervalMs (quick under load, quiet idle).
   */
  start(intervalMs = 1000): void {
    if (this.loop || this.closed) return;
    this.pollMs = intervalMs;
    this.idleMs = Math.min(BUSY_POLL_MS, intervalMs);
    const tally: DispatchResult = { sent: 0, retried: 0, failed: 0 };
    const worker = async () => {
      while (!this.stopping) {
        const item = this.queue.shift();
        if (item) {
          await this.deliver(item, tally);
          if (this.queue.length < this.concurrency && !this.stopping) void this.refill();
          continue;
        }
        const claimed = await this.refill();
        if (claimed <= 0 && this.queue.length === 0 && !this.stopping) await this.sleep(this.idleMs);
      }
    };
    this.loop = Promise.all(Array.from({ length: this.concurrency }, worker)).then(() => undefined);
  }

  /**
   * Stops claiming, waits up to closeGraceMs for sends in flight, hands rows claimed but not yet
   * started back (PENDING, attempt uncounted) and resolves. A send still hanging is abandoned:
   * its row keeps its lease and is retried (same id) by the next dispatcher once the lease ends.
   */
  async close(): Promise<void> {
    if (this.closed) return;
    this.stopping = true;
    this.idle?.wake();
    const grace = delay(this.closeGraceMs);
    await Promise.race([Promise.allSettled([this.loop, ...this.background]), grace.promise]);
    grace.cancel();
    // The hand-back is a database write of its own, with a deadline of its own.
    const handBack = delay(this.closeGraceMs);
    const unstarted = this.queue.splice(0);
    await Promise.race([
      (async () => {
        await this.refilling?.catch(() => undefined);
        unstarted.push(...this.queue.splice(0));
        if (unstarted.length > 0) await this.release(unstarted);
        await this.drainMarks();
      })().catch((e: unknown) => this.log(`[outbox] close: ${errorText(e)}`)),
      handBack.promise,
    ]);
    handBack.cancel();
    this.closed = true;
  }

  /** The same as close(). */
  stop(): Promise<void> {
    return this.close();
  }

  /** Undelivered rows and the oldest one's enqueue time; also what the gauges report. */
  async refreshStats(): Promise<{ pending: number; oldestCreatedAt: string | null }> {
    const [raw] = (await this.ds
      .createQueryBuilder()
      .select('COUNT(*)', 'n')
      .addSelect('MIN(o.created_at)', 'oldest')
      .from(OutboxEntity, 'o')
      .where('o.status IN (:...statuses)', { statuses: ['PENDING', 'SENDING'] })
      .getRawMany()) as { n: string | number; oldest: string | null }[];
    const backlog = { pending: Number(raw?.n ?? 0), oldestCreatedAt: raw?.oldest ?? null };
    if (this.metrics) this.metrics.backlog = backlog;
    this.lastStats = Date.now();
    return backlog;
  }

  /** Deletes SENT rows older than the retention, purgeBatchSize per statement, at most 20 statements. */
  async purgeOnce(): Promise<number> {
    const cutoff = nowInChina(new Date(this.now().getTime() - this.retentionMs));
    const repo = this.ds.getRepository(OutboxEntity);
    let purged = 0;
    for (let i = 0; i < 20; i += 1) {
      const ids = (
        await repo
          .createQueryBuilder('o')
          .select('o.id', 'id')
          .where('o.status = :sent AND o.sent_at < :cutoff', { sent: 'SENT', cutoff })
          .limit(this.purgeBatchSize)
          .getRawMany<{ id: string }>()
      ).map((r) => r.id);
      if (ids.length === 0) break;
      const result = await repo.delete({ id: In(ids), status: 'SENT' });
      purged += result.affected ?? ids.length;
      if (ids.length < this.purgeBatchSize) break;
    }
    this.lastPurge = Date.now();
    if (purged > 0) {
      this.metrics?.purged.inc(purged);
      this.log(`[outbox] purged ${purged} SENT rows older than ${cutoff}`);
    }
    return purged;
  }

  private sleep(ms: number): Promise<void> {
    if (!this.idle) {
      const d = delay(ms);
      const idle = {
        promise: d.promise.then(() => {
          if (this.idle === idle) this.idle = undefined;
        }),
        wake: () => {
          d.cancel();
          if (this.idle === idle) this.idle = undefined;
        },
      };
      this.idle = idle;
    }
    return this.idle.promise;
  }

  /** Claims one batch into the local queue (one claim at a time); the rows claimed, -1 on an error. */
  private refill(): Promise<number> {
    if (!this.refilling) {
      this.refilling = (async () => {
        this.housekeeping();
        try {
          await this.retryUnmarked();
          await this.failExhausted();
          if (this.stopping) return 0;
          const claimed = await this.claim();
          if (this.stopping) {
            await this.release(claimed);
            return 0;
          }
          this.idleMs =
            claimed.length > 0 ? Math.min(BUSY_POLL_MS, this.pollMs) : Math.min(this.pollMs, this.idleMs * 2);
          this.queue.push(...claimed);
          return claimed.length;
        } catch (e) {
          this.idleMs = Math.min(this.pollMs, this.idleMs * 2); // a database that is down: back off too
          this.log(`[outbox] claim failed: ${errorText(e)}`);
          return -1;
        }
      })().finally(() => {
        this.refilling = undefined;
      });
    }
    return this.refilling;
  }

  /** Purge and backlog counts, when due, beside the sends (never holding up a claim). */
  private housekeeping(): void {
    const track = (work: () => Promise<unknown>, what: string) => {
      const p = work()
        .catch((e: unknown) => this.log(`[outbox] ${what} failed: ${errorText(e)}`))
        .finally(() => this.background.delete(p));
      this.background.add(p);
    };
    const now = Date.now();
    if (now - this.lastStats >= this.statsIntervalMs) {
      this.lastStats = now;
      track(() => this.refreshStats(), 'backlog count');
    }
    if (now - this.lastPurge >= this.purgeIntervalMs) {
      this.lastPurge = now;
      track(() => this.purgeOnce(), 'purge');
    }
  }

  private async useSkipLocked(): Promise<boolean> {
    if (this.ds.options.type !== 'mysql' && this.ds.options.type !== 'mariadb') return false;
    this.skipLocked ??= this.ds.query('SELECT VERSION() AS v /* notification_outbox claims */').then(
      (rows: { v: string }[]) => supportsSkipLocked(String(rows[0]?.v ?? '')),
      () => false,
    );
    return this.skipLocked;
  }

  /** Marks up to batchSize due rows SENDING for this claim (attempts + 1, a lease) and returns them. */
  private async claim(): Promise<Claimed[]> {
    const now = this.now();
    const at = nowInChina(now);
    const token = randomUUID();
    const leaseUntil = nowInChina(new Date(now.getTime() + this.leaseMs));
    const legacy = nowInChina(new Date(now.getTime() - LEGACY_SENDING_MS));
    const skipLocked = await this.useSkipLocked();
    const run = async (m: EntityManager): Promise<OutboxRow[]> => {
      const ids = await this.candidates(m, at, skipLocked);
      if (ids.length === 0) return [];
      // The claim itself: only rows still due match, so of two dispatchers racing for a row one wins.
      await m
        .createQueryBuilder()
        .update(OutboxEntity)
        .set({ status: 'SENDING', claimedBy: token, leaseUntil, attempts: () => 'attempts + 1' })
        .where({ id: In(ids) })
        .andWhere(
          `((status = 'PENDING' AND next_attempt_at <= :at) OR (status = 'SENDING' AND ${EXPIRED_LEASE})) AND attempts < :max`,
          { at, legacy, max: this.maxAttempts },
        )
        .execute();
      const rows = await m.getRepository(OutboxEntity).findBy({ id: In(ids), claimedBy: token, status: 'SENDING' });
      const order = new Map(ids.map((id, i) => [id, i]));
      return rows.sort((a, b) => order.get(a.id)! - order.get(b.id)!);
    };
    let rows: OutboxRow[];
    if (skipLocked) {
      // An idle poll stays a plain read; the locking transaction only when something is due.
      if ((await this.candidates(this.ds.manager, at, false, 1)).length === 0) return [];
      // READ COMMITTED: the locking read takes no gap locks, so enqueues (inserts) never wait on a claim.
      rows = await this.ds.transaction('READ COMMITTED', run);
    } else {
      rows = await run(this.ds.manager);
    }
    for (const row of rows) {
      if (row.attempts > 1) this.log(`[outbox] ${row.id} ${row.channel} attempt ${row.attempts}/${this.maxAttempts}`);
    }
    return rows.map((row) => ({ row, token }));
  }

  /** Ids of due rows, expired leases first, then PENDING rows longest due; locked (SKIP LOCKED) if asked. */
  private async candidates(m: EntityManager, at: string, lock: boolean, limit = this.batchSize): Promise<string[]> {
    const legacy = nowInChina(new Date(Date.parse(at) - LEGACY_SENDING_MS));
    const select = async (status: 'PENDING' | 'SENDING', n: number) => {
      let q = m
        .createQueryBuilder(OutboxEntity, 'o')
        .select('o.id', 'id')
        .where(
          status === 'PENDING'
            ? 'o.status = :status AND o.next_attempt_at <= :at'
            : `o.status = :status AND ${EXPIRED_LEASE.replace(/\b(lease_until|next_attempt_at)\b/g, 'o.$1')}`,
          { status, at, legacy },
        )
        .andWhere('o.attempts < :max', { max: this.maxAttempts })
        .orderBy('o.next_attempt_at', 'ASC')
        .addOrderBy('o.id', 'ASC')
        .limit(n);
      if (lock) q = q.setLock('pessimistic_write').setOnLocked('skip_locked');
      return (await q.getRawMany<{ id: string }>()).map((r) => r.id);
    };
    const expired = await select('SENDING', limit);
    return expired.length < limit ? [...expired, ...(await select('PENDING', limit - expired.length))] : expired;
  }

  /** Rows whose lease ended after their last allowed attempt: FAILED (no outcome was ever recorded). */
  private async failExhausted(): Promise<number> {
    const at = nowInChina(this.now());
    const repo = this.ds.getRepository(OutboxEntity);
    const stale = await repo
      .createQueryBuilder('o')
      .where('o.status = :sending AND o.lease_until < :at AND o.attempts >= :max', {
        sending: 'SENDING',
        at,
        max: this.maxAttempts,
      })
      .limit(this.batchSize)
      .getMany();
    let failed = 0;
    for (const row of stale) {
      const lastError = truncate(
        `attempt ${row.attempts} never finished (dispatcher stopped or crashed mid-send)${row.lastError ? `; before: ${row.lastError}` : ''}`,
        LAST_ERROR_MAX_LENGTH,
      );
      const update = await repo
        .createQueryBuilder()
        .update(OutboxEntity)
        .set({ status: 'FAILED', lastError, claimedBy: null, leaseUntil: null })
        .where({ id: row.id, status: 'SENDING', claimedBy: row.claimedBy ?? '' })
        .andWhere('lease_until < :at', { at })
        .execute();
      if (update.affected === 1) {
        failed += 1;
        this.metrics?.failed.inc();
        this.log(`[outbox] ${row.id} ${row.channel} FAILED after ${row.attempts} attempts: ${lastError}`);
      }
    }
    return failed;
  }

  /** Hands claimed rows nobody started back: PENDING again, the attempt not counted. */
  private async release(claimed: Claimed[]): Promise<void> {
    if (claimed.length === 0) return;
    const tokens = [...new Set(claimed.map((c) => c.token))];
    await this.ds
      .createQueryBuilder()
      .update(OutboxEntity)
      .set({ status: 'PENDING', claimedBy: null, leaseUntil: null, attempts: () => 'attempts - 1' })
      .where({ id: In(claimed.map((c) => c.row.id)), status: 'SENDING', claimedBy: In(tokens) })
      .execute();
  }

  /** Sends one claimed row and records the outcome; never throws. */
  private async deliver({ row, token }: Claimed, tally: DispatchResult): Promise<void> {
    try {
      // A row whose lease would end mid-send could be claimed again while this send runs: leave it.
      if (row.leaseUntil && Date.parse(row.leaseUntil) - this.now().getTime() < this.sendTimeoutMs) {
        this.log(`[outbox] ${row.id} claim too old to send safely; left to its lease`);
        return;
      }
      const controller = new AbortController();
      let timer: NodeJS.Timeout | undefined;
      let outcome: { ok: true } | { ok: false; error: unknown };
      try {
        const message: OutboundNotification = {
          id: row.id,
          dedupeKey: row.id,
          attempt: row.attempts,
          channel: row.channel,
          personId: row.personId,
          applicationId: row.applicationId,
          template: row.template,
          payload: JSON.parse(row.payload) as Record<string, string>,
        };
        await Promise.race([
          Promise.resolve().then(() => this.transport.send(message, { signal: controller.signal })),
          new Promise<never>((_, reject) => {
            timer = setTimeout(() => {
              controller.abort();
              reject(new SendTimeout(this.sendTimeoutMs));
            }, this.sendTimeoutMs);
            timer.unref();
          }),
        ]);
        outcome = { ok: true };
      } catch (e) {
        outcome = { ok: false, error: e };
      } finally {
        clearTimeout(timer);
      }
      if (outcome.ok) {
        tally.sent += 1;
        this.metrics?.sent.inc();
        if (this.closed) return; // the pool may be gone; the lease runs out and a resend carries the same id
        if (!(await this.markSent(row.id))) this.unmarked.add(row.id);
        return;
      }
      this.metrics?.attemptFailures.inc({ reason: outcome.error instanceof SendTimeout ? 'timeout' : 'error' });
      if (this.closed) return;
      const kind = await this.recordFailure(row, token, outcome.error);
      if (kind) tally[kind] += 1;
    } catch (e) {
      this.log(`[outbox] ${row.id} outcome not recorded: ${errorText(e)}`);
    }
  }

  /** Queues the row for the next SENT update (one UPDATE for every row delivered meanwhile). */
  private markSent(id: string): Promise<boolean> {
    return new Promise((done) => {
      this.marks.push({ id, done });
      void this.drainMarks();
    });
  }

  private async drainMarks(): Promise<void> {
    if (this.marking) return;
    this.marking = true;
    try {
      while (this.marks.length > 0) {
        const batch = this.marks.splice(0, 200);
        let ok = true;
        try {
          await this.markRowsSent(batch.map((b) => b.id));
        } catch (e) {
          ok = false;
          this.log(`[outbox] ${batch.length} delivered rows not marked SENT yet: ${errorText(e)}`);
        }
        for (const b of batch) b.done(ok);
      }
    } finally {
      this.marking = false;
    }
  }

  private async markRowsSent(ids: string[]): Promise<void> {
    // Delivered is delivered: SENT even if a slow send lost its claim to another dispatcher meanwhile.
    await this.ds
      .getRepository(OutboxEntity)
      .update(
        { id: In(ids), status: Not('SENT') },
        { status: 'SENT', sentAt: nowInChina(this.now()), claimedBy: null, leaseUntil: null },
      );
  }

  private async retryUnmarked(): Promise<void> {
    if (this.unmarked.size === 0) return;
    const ids = [...this.unmarked];
    await this.markRowsSent(ids);
    for (const id of ids) this.unmarked.delete(id);
  }

  private async recordFailure(row: OutboxRow, token: string, e: unknown): Promise<keyof DispatchResult | undefined> {
    const attempts = row.attempts;
    const lastError = truncate(errorText(e), LAST_ERROR_MAX_LENGTH);
    const giveUp = attempts >= this.maxAttempts;
    const delayMs = Math.min(this.baseDelayMs * 2 ** (attempts - 1), MAX_RETRY_DELAY_MS);
    const nextAttemptAt = nowInChina(new Date(this.now().getTime() + delayMs));
    const update = await this.ds
      .getRepository(OutboxEntity)
      .update(
        { id: row.id, status: 'SENDING', claimedBy: token },
        giveUp
          ? { status: 'FAILED', lastError, claimedBy: null, leaseUntil: null }
          : { status: 'PENDING', lastError, nextAttemptAt, claimedBy: null, leaseUntil: null },
      );
    if (update.affected !== 1) {
      this.log(`[outbox] ${row.id} attempt ${attempts} failed after its claim was taken over: ${lastError}`);
      return undefined;
    }
    if (giveUp) {
      this.metrics?.failed.inc();
      this.log(`[outbox] ${row.id} ${row.channel} FAILED after ${attempts} attempts: ${lastError}`);
      return 'failed';
    }
    this.log(
      `[outbox] ${row.id} ${row.channel} attempt ${attempts}/${this.maxAttempts} failed, next at ${nextAttemptAt}: ${lastError}`,
    );
    return 'retried';
  }
}

/** MySQL >= 8.0.1 and MariaDB >= 10.6 know SELECT … FOR UPDATE SKIP LOCKED. */
export function supportsSkipLocked(version: string): boolean {
  const [major = 0, minor = 0] = version.split(/[.-]/).map(Number);
  if (/mariadb/i.test(version)) return major > 10 || (major === 10 && minor >= 6);
  return major >= 8;
}

/** A cancellable timer that never keeps the process alive. */
function delay(ms: number): { promise: Promise<void>; cancel: () => void } {
  let timer: NodeJS.Timeout | undefined;
  let resolveIt: () => void = () => undefined;
  const promise = new Promise<void>((resolve) => {
    resolveIt = resolve;
    timer = setTimeout(resolve, ms);
    timer.unref();
  });
  return {
    promise,
    cancel: () => {
      clearTimeout(timer);
      resolveIt();
    },
  };
}

function positiveInteger(value: number, name: string): number {
  if (!Number.isInteger(value) || value < 1) throw new RangeError(`${name} must be a positive integer`);
  return value;
}

/** The error's message only (no stack), with phone and identity numbers masked. */
function errorText(e: unknown): string {
  const text = e instanceof Error ? e.message : String(e);
  return redactPii(text) || 'unknown error';
}

/** At most max characters (code points, so a surrogate pair is never split). */
function truncate(text: string, max: number): string {
  const chars = Array.from(text);
  return chars.length <= max ? text : chars.slice(0, max).join('');
}
