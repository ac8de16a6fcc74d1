import { randomUUID } from 'node:crypto';

import type { KeyLike } from 'jose';
import type { EntityManager } from 'typeorm';

import { REGION_TOKEN_HEADER, signRegionToken } from '../platform/auth/region-token';
import { nowInChina } from '../platform/clock';
import {
  type NotificationTransport,
  type OutboundNotification,
  OutboxEntity,
  type OutboxRow,
  type SendOptions,
} from './outbox';

// A region tells the national index where a person has history (Person.records asks only those
// regions): when it accepts a submission (APPLIED), a remote-care filing (FILED) or feedback
// (FEEDBACK: the person's records and messages there hold it and its reply), the same
// transaction that stores it puts a report in the region's transactional outbox, on a channel of
// its own (INDEX). The outbox delivers it at least once, with retries and backoff, to the national
// subgraph's POST /internal/person-history, signed with the region's key (platform/auth/region-token.ts).
// The national side stores one row per person, region and kind, so a second delivery is a no-op.

/** The outbox channel of national index reports (never an SMS or app message; not in the inbox). */
export const HISTORY_CHANNEL = 'INDEX';
export const HISTORY_PATH = '/internal/person-history';

export type ReportedKind = 'APPLIED' | 'FILED' | 'FEEDBACK';

export interface HistoryReport {
  /** The outbox row's id: the same on every delivery attempt. */
  eventId: string;
  regionCode: string;
  personId: string;
  kind: ReportedKind;
  at: string;
}

/** In the caller's transaction: one outbox row reporting `kind` for the person in this region. */
export async function enqueueHistoryReport(
  manager: EntityManager,
  regionCode: string,
  report: { personId: string; kind: ReportedKind; applicationId: string | null },
  now: Date = new Date(),
): Promise<void> {
  const at = nowInChina(now);
  const row: OutboxRow = {
    id: randomUUID(),
    regionCode,
    personId: report.personId,
    applicationId: report.applicationId,
    channel: HISTORY_CHANNEL as OutboxRow['channel'],
    template: `HISTORY_${report.kind}`,
    payload: JSON.stringify({ kind: report.kind, at }),
    status: 'PENDING',
    attempts: 0,
    nextAttemptAt: at,
    createdAt: at,
    sentAt: null,
    lastError: null,
    claimedBy: null,
    leaseUntil: null,
  };
  await manager.insert(OutboxEntity, row);
}

export interface NationalIndexOptions {
  /** The national subgraph's base URL (http://host:port), or a function read at each send (tests). */
  url: string | (() => string | undefined);
  /** This region's signing key (REGION_SIGNING_KEY_FILE). */
  privateKey: KeyLike;
  /** The national subgraph's name in the registry (the token's audience). */
  audience: string;
  /** The look-ups at submission (national-client.ts): deadline (default 1500 ms) and cache lifetime (60 s). */
  timeoutMs?: number;
  cacheTtlMs?: number;
}

/** Delivers INDEX rows to the national index; throws (the outbox retries) on anything but 2xx. */
export class NationalIndexTransport implements NotificationTransport {
  constructor(
    private readonly regionCode: string,
    private readonly options: NationalIndexOptions,
  ) {}

  async send(message: OutboundNotification, options?: SendOptions): Promise<void> {
    const base = typeof this.options.url === 'function' ? this.options.url() : this.options.url;
    if (!base) throw new Error('national index URL not configured yet');
    const payload = message.payload as { kind?: string; at?: string };
    const report: HistoryReport = {
      eventId: message.id,
      regionCode: this.regionCode,
      personId: message.personId,
      kind: payload.kind as ReportedKind,
      at: payload.at ?? nowInChina(),
    };
    const body = JSON.stringify(report);
    const token = signRegionToken(this.options.privateKey, {
      regionCode: this.regionCode,
      audience: this.options.audience,
      body,
    });
    const res = await fetch(`${base.replace(/\/$/, '')}${HISTORY_PATH}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', [REGION_TOKEN_HEADER]: token },
      body,
      signal: options?.signal,
    });
    await res.arrayBuffer().catch(() => undefined);
    if (!res.ok) throw new Error(`national index answered HTTP ${res.status}`);
  }
}

/** INDEX rows to `index` (or held back, retried, while there is none); everything else to `notifications`. */
export function routeByChannel(
  notifications: NotificationTransport,
  index: NotificationTransport | null,
): NotificationTransport {
  return {
    send(message, options) {
      if ((message.channel as string) !== HISTORY_CHANNEL) return notifications.send(message, options);
      if (!index) return Promise.reject(new Error('no national index configured (NATIONAL_INDEX_URL)'));
      return index.send(message, options);
    },
  };
}
