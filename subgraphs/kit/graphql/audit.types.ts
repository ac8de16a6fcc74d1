import { Directive, Field, ID, ObjectType } from 'type-graphql';

import type { AuditRow } from '../persistence/audit';
import { PageInfo } from './page-info';
import { DateTimeScalar } from './scalars';

// The audit-log view (`<region>AuditLog`): one set of types for every region (@shareable).

@ObjectType({ description: 'One row of a region’s append-only audit log: who did or read what, when.' })
@Directive('@shareable')
export class AuditEntry {
  @Field(() => ID) id!: string;
  @Field(() => DateTimeScalar) at!: string;
  @Field(() => String, {
    description: 'REVIEWER:510400:alice, COUNTER_CLERK:…, NATIONAL_OPERATOR:bob, APPLICANT:P0001.',
  })
  actor!: string;
  @Field(() => String, { description: "The actor's role then." }) role!: string;
  @Field(() => String, { description: 'READ_PERSON_RECORD, READ_REVIEW_QUEUE, REVIEW_DECISION, READ_AUDIT_LOG, …' })
  action!: string;
  @Field(() => String, { description: "Usually a person id (whose data); '*' for an unfiltered audit-log read." })
  subject!: string;
  @Field(() => String, { description: 'The request it happened in: rows of one request share it.' })
  requestId!: string;
}

@ObjectType()
@Directive('@shareable')
export class AuditEntryEdge {
  @Field(() => String) cursor!: string;
  @Field(() => AuditEntry) node!: AuditEntry;
}

@ObjectType({ description: 'One page of an audit log, newest first: pass pageInfo.endCursor as `after` for the next.' })
@Directive('@shareable')
export class AuditEntryConnection {
  @Field(() => [AuditEntryEdge]) edges!: AuditEntryEdge[];
  @Field(() => PageInfo) pageInfo!: PageInfo;
}

export function toAuditEntry(row: AuditRow): AuditEntry {
  return {
    id: row.id,
    at: row.at,
    actor: row.actor,
    role: row.role,
    action: row.action,
    subject: row.subject,
    requestId: row.requestId,
  };
}
