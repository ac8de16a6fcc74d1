import { randomUUID } from 'node:crypto';

import { type DataSource, type EntityManager, EntitySchema } from 'typeorm';

import { describeActor, type Identity } from './auth/identity';
import { nowInChina } from './clock';

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
  'READ_PERSON_RECORD' | 'READ_APPLICATION' | 'READ_PERSON' | 'READ_REVIEW_QUEUE' | 'REVIEW_DECISION';

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

/** One per request: the same read of the same subject is recorded once per request. */
export class Auditor {
  private readonly seen = new Set<string>();

  constructor(
    private readonly ds: DataSource,
    private readonly identity: Identity,
    private readonly requestId: string,
  ) {}

  async record(action: AuditAction, subject: string): Promise<void> {
    const key = `${action}|${subject}`;
    if (this.seen.has(key)) return;
    this.seen.add(key);
    await appendAudit(this.ds.manager, { identity: this.identity, action, subject, requestId: this.requestId });
  }
}
