import type { ApolloServerPlugin } from '@apollo/server';
import { type DataSource, type EntityManager, EntitySchema, In, type SelectQueryBuilder } from 'typeorm';

import { describeActor, type Identity } from '../platform/auth/identity';
import { nowInChina } from '../platform/clock';
import { isDatabaseUnavailable } from '../platform/graphql/faults';
import { timeOrderedId } from './ordered-id';

// Append-only audit log, in the database of the subgraph that owns the data: every review
// decision and every staff read of a person's records. The code only ever inserts.

export interface AuditRow {
  id: string;
  at: string;
  actor: string;
  role: string;
  action: string;
  subject: string;
  requestId: string;
}

export const AuditEntity = new EntitySchema<AuditRow>({
  name: 'AuditLog',
  tableName: 'audit_log',
  columns: {
    id: { type: String, length: 40, primary: true },
    at: { type: String, length: 32 },
    actor: { type: String, length: 100 },
    role: { type: String, length: 24 },
    action: { type: String, length: 40 },
    subject: { type: String, length: 64 },
    requestId: { type: String, length: 64, name: 'request_id' },
  },
});

export type AuditAction =
  | 'READ_PERSON_RECORD'
  | 'READ_APPLICATION'
  | 'READ_PERSON'
  | 'READ_REVIEW_QUEUE'
  | 'REVIEW_DECISION'
  // 经定点医疗机构审核备案: a hospital reviewer's decision, and its queue read (one row per person).
  | 'HOSPITAL_REVIEW_DECISION'
  | 'READ_HOSPITAL_QUEUE'
  // A counter clerk acting for a person (workflow/counter.ts): the subject is the person.
  | 'COUNTER_SUBMIT'
  | 'COUNTER_SUPPLEMENT'
  | 'COUNTER_IN_PERSON_VERIFIED'
  // Reading the audit log itself (graphql/audit-log.ts): the subject is the subject filter, or '*'.
  | 'READ_AUDIT_LOG'
  // National: a region's look-up of a person's residence and insured region (actor REGION:<code>).
  | 'REGION_READ_PERSON';

/** Appends one audit row with `manager` — pass a transaction's to record a change atomically with it. */
export function appendAudit(
  manager: EntityManager,
  entry: { identity: Identity; action: AuditAction; subject: string; requestId: string; at?: string },
): Promise<unknown> {
  return manager.getRepository(AuditEntity).insert({
    id: timeOrderedId(),
    at: entry.at ?? nowInChina(),
    actor: describeActor(entry.identity),
    role: entry.identity.role,
    action: entry.action,
    subject: entry.subject,
    requestId: entry.requestId,
  });
}

/**
 * One keyset page of the audit log, newest first, optionally one subject's and/or one actor's.
 * Two statements, each reading only the page: the keys from an index alone (auditKeysQuery), then
 * the rows by primary key. Rows appended meanwhile are newer than the first page: they never
 * shift a later one.
 */
export async function auditPage(
  ds: DataSource,
  filter: { subject?: string | null; actor?: string | null },
  limit: number,
  after: { at: string; id: string } | null,
): Promise<AuditRow[]> {
  const keys = await auditKeysQuery(ds, filter, limit, after).getRawMany<{ id: string }>();
  if (keys.length === 0) return [];
  const rows = await ds.getRepository(AuditEntity).findBy({ id: In(keys.map((k) => k.id)) });
  const byId = new Map(rows.map((r) => [r.id, r]));
  return keys.map((k) => byId.get(k.id)).filter((r): r is AuditRow => r !== undefined);
}

/**
 * The page's keys: SELECT id, at WHERE [subject = ?] [AND actor = ?] AND (at, id) < (after)
 * ORDER BY at DESC, id DESC LIMIT n, answered from ix_audit_subject (subject, at, id),
 * ix_audit_actor (actor, at, id) or ix_audit_at (at, id) alone. Selecting only indexed columns
 * matters: for `SELECT *` MariaDB prefers a ref on the subject read backwards from its newest row
 * (cost growing with the depth) over the range; `at <= :at` makes the range explicit.
 */
export function auditKeysQuery(
  ds: DataSource,
  filter: { subject?: string | null; actor?: string | null },
  limit: number,
  after: { at: string; id: string } | null,
): SelectQueryBuilder<AuditRow> {
  const query = ds.getRepository(AuditEntity).createQueryBuilder('l').select('l.id', 'id').addSelect('l.at', 'at');
  if (filter.subject) query.andWhere('l.subject = :subject', { subject: filter.subject });
  if (filter.actor) query.andWhere('l.actor = :actor', { actor: filter.actor });
  if (after) query.andWhere('l.at <= :at AND (l.at < :at OR (l.at = :at AND l.id < :id))', after);
  return query.orderBy('l.at', 'DESC').addOrderBy('l.id', 'DESC').limit(limit);
}

/** Most rows in one INSERT: 4,000 × 7 placeholders stays under SQLite's 32,766 and MySQL's 65,535. */
const MAX_ROWS_PER_INSERT = 4000;

/**
 * One per request: collects the request's audit rows (the same read of the same subject once)
 * and writes them all with one INSERT when the request ends (auditFlushPlugin), so auditing a
 * page of 1,000 people costs one statement, not 1,000.
 */
export class Auditor {
  private readonly seen = new Set<string>();
  private pending: AuditRow[] = [];

  constructor(
    private readonly ds: DataSource,
    private readonly identity: Identity,
    private readonly requestId: string,
  ) {}

  /** Notes a read; it is written by flush(), before the response leaves. */
  async record(action: AuditAction, subject: string): Promise<void> {
    const key = `${action}|${subject}`;
    if (this.seen.has(key)) return;
    this.seen.add(key);
    this.pending.push({
      id: timeOrderedId(),
      at: nowInChina(),
      actor: describeActor(this.identity),
      role: this.identity.role,
      action,
      subject,
      requestId: this.requestId,
    });
  }

  /** Writes every noted row: one INSERT (more only past MAX_ROWS_PER_INSERT rows). */
  async flush(): Promise<void> {
    const rows = this.pending;
    this.pending = [];
    for (let i = 0; i < rows.length; i += MAX_ROWS_PER_INSERT) {
      await this.ds.getRepository(AuditEntity).insert(rows.slice(i, i + MAX_ROWS_PER_INSERT));
    }
  }
}

/**
 * Writes each request's audit rows before its response is sent. When they cannot be written,
 * the response is replaced by an error: personal data whose read is not on record is not served.
 */
export function auditFlushPlugin(log: (error: unknown) => void): ApolloServerPlugin<{ audit: Pick<Auditor, 'flush'> }> {
  return {
    async requestDidStart() {
      return {
        async willSendResponse({ contextValue, response }) {
          try {
            await contextValue.audit.flush();
          } catch (error) {
            log(error);
            response.http.status = 503;
            // A database that is down is said as such (temporary, retryable), so the gateway names it.
            const extensions = isDatabaseUnavailable(error)
              ? { code: 'REGION_DATABASE_UNAVAILABLE', retryable: true, reason: 'AUDIT_UNAVAILABLE' }
              : { code: 'AUDIT_UNAVAILABLE', retryable: true };
            response.body = {
              kind: 'single',
              singleResult: { errors: [{ message: '审计记录写入失败，请稍后重试', extensions }] },
            };
          }
        },
      };
    },
  };
}
