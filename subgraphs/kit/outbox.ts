import { randomUUID } from 'node:crypto';

import { type DataSource, type EntityManager, EntitySchema, LessThan, LessThanOrEqual, Not } from 'typeorm';

import { nowInChina } from './clock';
import { redactPii } from './pii';

// Transactional outbox for applicant notifications (SMS / app message).
//
// The code that changes an application's status calls enqueueNotifications with the EntityManager
// of its own transaction, so the status change and its notification rows commit or roll back
// together. An OutboxDispatcher delivers committed rows later, through a pluggable transport, with
// retries and exponential backoff; a crash between commit and delivery loses nothing, because the
// rows wait in the database for the next dispatcher (the same process after a restart, or another).
//
// Delivery is AT-LEAST-ONCE, never at-most-once: a row is claimed (PENDING -> SENDING) with a
// conditional UPDATE, so two dispatchers never send it at the same time, but a process that dies
// after the transport accepted a message and before the row is marked SENT leaves it in SENDING;
// after STALE_SENDING_MS another dispatcher takes it over and sends it again. Transports should
// pass the row id on as an idempotency key where the provider supports one, and should give up
// on a send well within STALE_SENDING_MS.
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
  /** Failed sends so far. */
  attempts: number;
  /** PENDING: not before this instant. SENDING: when the row was claimed. */
  nextAttemptAt: string;
  createdAt: string;
  sentAt: string | null;
  /** The last failure's message (PII masked, at most 500 characters). */
  lastError: string | null;
}

const str = (name: string, length: number, nullable = false) => ({ type: String, length, name, nullable }) as const;

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
  },
});

export const PAYLOAD_MAX_LENGTH = 2000;
export const LAST_ERROR_MAX_LENGTH = 500;
/** A row in SENDING whose claim is older than this is presumed abandoned by a crashed dispatcher. */
export const STALE_SENDING_MS = 5 * 60_000;
/** Backoff never waits longer than this between attempts. */
export const MAX_RETRY_DELAY_MS = 3600_000;

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
    id: randomUUID(),
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

/** What a transport is given: the row id (use it as an idempotency key where possible) and the message. */
export interface OutboundNotification {
  id: string;
  channel: NotificationChannel;
  personId: string;
  applicationId?: string | null;
  template: string;
  payload: Record<string, string>;
}

export interface NotificationTransport {
  /** Resolves once the provider accepted the message; throws (with a message) otherwise. */
  send(message: OutboundNotification): Promise<void>;
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

export interface OutboxDispatcherOptions {
  /** Rows picked per dispatchOnce (default 20). */
  batchSize?: number;
  /** Failed sends after which a row is FAILED for good (default 8). */
  maxAttempts?: number;
  /** Delay after the first failure; doubles with each further one, capped at one hour (default 1000). */
  baseDelayMs?: number;
  now?: () => Date;
  log?: (line: string) => void;
}

export interface DispatchResult {
  sent: number;
  retried: number;
  failed: number;
}

export class OutboxDispatcher {
  private readonly batchSize: number;
  private readonly maxAttempts: number;
  private readonly baseDelayMs: number;
  private readonly now: () => Date;
  private readonly log: (line: string) => void;
  private running = false;
  private timer: NodeJS.Timeout | undefined;
  private inFlight: Promise<void> | undefined;

  constructor(
    private readonly ds: DataSource,
    private readonly transport: NotificationTransport,
    options: OutboxDispatcherOptions = {},
  ) {
    this.batchSize = positiveInteger(options.batchSize ?? 20, 'batchSize');
    this.maxAttempts = positiveInteger(options.maxAttempts ?? 8, 'maxAttempts');
    this.baseDelayMs = options.baseDelayMs ?? 1000;
    if (!(this.baseDelayMs >= 0)) throw new RangeError('baseDelayMs must be >= 0');
    this.now = options.now ?? (() => new Date());
    this.log = options.log ?? ((line) => console.log(line));
  }

  /**
   * One pass: picks up to batchSize due rows (PENDING with nextAttemptAt <= now, and SENDING rows
   * abandoned for more than 5 minutes), oldest first, claims each, sends it and records the outcome.
   */
  async dispatchOnce(): Promise<DispatchResult> {
    return (await this.pass()).result;
  }

  /** Runs dispatchOnce in a loop: immediately, then intervalMs after each pass ends (at once while a full batch came back). */
  start(intervalMs = 1000): void {
    if (this.running) return;
    this.running = true;
    const tick = (): void => {
      this.timer = undefined;
      this.inFlight = this.pass().then(
        ({ picked }) => this.schedule(tick, picked >= this.batchSize ? 0 : intervalMs),
        (e: unknown) => {
          this.log(`[outbox] dispatch failed: ${errorText(e)}`);
          this.schedule(tick, intervalMs);
        },
      );
    };
    this.schedule(tick, 0);
  }

  /** Stops the loop; resolves once a pass in progress has finished. */
  async stop(): Promise<void> {
    this.running = false;
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    await this.inFlight;
    this.inFlight = undefined;
  }

  private schedule(tick: () => void, delayMs: number): void {
    if (this.running) this.timer = setTimeout(tick, delayMs);
  }

  private async pass(): Promise<{ picked: number; result: DispatchResult }> {
    const repo = this.ds.getRepository(OutboxEntity);
    const now = this.now();
    const rows = await repo.find({
      where: [
        { status: 'PENDING', nextAttemptAt: LessThanOrEqual(nowInChina(now)) },
        { status: 'SENDING', nextAttemptAt: LessThan(nowInChina(new Date(now.getTime() - STALE_SENDING_MS))) },
      ],
      order: { createdAt: 'ASC', id: 'ASC' },
      take: this.batchSize,
    });
    const result: DispatchResult = { sent: 0, retried: 0, failed: 0 };
    for (const row of rows) {
      const outcome = await this.deliver(row);
      if (outcome) result[outcome] += 1;
    }
    return { picked: rows.length, result };
  }

  /** Claims, sends and records one row; undefined when another dispatcher had it first. */
  private async deliver(row: OutboxRow): Promise<keyof DispatchResult | undefined> {
    const repo = this.ds.getRepository(OutboxEntity);
    const claimedAt = nowInChina(this.now());
    // Compare-and-set on the state this dispatcher read: only one claimer can match it, and a row
    // that meanwhile failed and was rescheduled (attempts, nextAttemptAt changed) is not re-sent early.
    const claim = await repo.update(
      { id: row.id, status: row.status, attempts: row.attempts, nextAttemptAt: row.nextAttemptAt },
      { status: 'SENDING', nextAttemptAt: claimedAt },
    );
    if (claim.affected !== 1) return undefined;
    if (row.status === 'SENDING') {
      this.log(`[outbox] ${row.id} was left in SENDING since ${row.nextAttemptAt}; sending again (at-least-once)`);
    }

    try {
      const payload = JSON.parse(row.payload) as Record<string, string>;
      await this.transport.send({
        id: row.id,
        channel: row.channel,
        personId: row.personId,
        applicationId: row.applicationId,
        template: row.template,
        payload,
      });
    } catch (e) {
      return this.recordFailure(row, claimedAt, e);
    }

    // Delivered: mark SENT even if a slow send lost its claim to another dispatcher meanwhile.
    await repo.update({ id: row.id, status: Not('SENT') }, { status: 'SENT', sentAt: nowInChina(this.now()) });
    return 'sent';
  }

  private async recordFailure(
    row: OutboxRow,
    claimedAt: string,
    e: unknown,
  ): Promise<keyof DispatchResult | undefined> {
    const attempts = row.attempts + 1;
    const lastError = truncate(errorText(e), LAST_ERROR_MAX_LENGTH);
    const giveUp = attempts >= this.maxAttempts;
    const delayMs = Math.min(this.baseDelayMs * 2 ** (attempts - 1), MAX_RETRY_DELAY_MS);
    const nextAttemptAt = nowInChina(new Date(this.now().getTime() + delayMs));
    const update = await this.ds
      .getRepository(OutboxEntity)
      .update(
        { id: row.id, status: 'SENDING', nextAttemptAt: claimedAt },
        giveUp ? { status: 'FAILED', attempts, lastError } : { status: 'PENDING', attempts, lastError, nextAttemptAt },
      );
    if (update.affected !== 1) {
      this.log(`[outbox] ${row.id} attempt ${attempts} failed after its claim was taken over: ${lastError}`);
      return undefined;
    }
    if (giveUp) {
      this.log(`[outbox] ${row.id} ${row.channel} FAILED after ${attempts} attempts: ${lastError}`);
      return 'failed';
    }
    this.log(
      `[outbox] ${row.id} ${row.channel} attempt ${attempts}/${this.maxAttempts} failed, next at ${nextAttemptAt}: ${lastError}`,
    );
    return 'retried';
  }
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
