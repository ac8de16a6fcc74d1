import { randomUUID } from 'node:crypto';

import type { ApolloServerPlugin } from '@apollo/server';
import { type DataSource, type EntityManager, EntitySchema } from 'typeorm';

import { describeActor, type Identity } from '../platform/auth/identity';
import { nowInChina } from '../platform/clock';
import { isDatabaseUnavailable } from '../platform/graphql/faults';

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
  // A counter clerk acting for a person (workflow/counter.ts): the subject is the person.
  | 'COUNTER_SUBMIT'
  | 'COUNTER_SUPPLEMENT'
  | 'COUNTER_IN_PERSON_VERIFIED'
  // National: a region's look-up of a person's residence and insured region (actor REGION:<code>).
  | 'REGION_READ_PERSON';

/** Appends one audit row with `manager` — pass a transaction's to record a change atomically with it. */
export function appendAudit(
  manager: EntityManager,
  entry: { identity: Identity; action: AuditAction; subject: string; requestId: string; at?: string },
): Promise<unknown> {
  return manager.getRepository(AuditEntity).insert({
    id: randomUUID(),
    at: entry.at ?? nowInChina(),
    actor: describeActor(entry.identity),
    role: entry.identity.role,
    action: entry.action,
    subject: entry.subject,
    requestId: entry.requestId,
  });
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
      id: randomUUID(),
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
