import type { DataSource } from 'typeorm';

import type { RemoteCarePolicy } from '../domain/policy';
import type { AppealLoaders } from '../persistence/appeal.loader';
import type { Auditor } from '../persistence/audit';
import type { PolicyLoaders } from '../persistence/policy.loader';
import type { RecordLoaders } from '../persistence/record.loader';
import type { Identity } from '../platform/auth/identity';
import type { AppealWorkflow } from '../workflow/appeals';
import type { FeedbackWorkflow } from '../workflow/feedback';
import type { ApplicationWorkflow } from '../workflow/workflow';

/** What every regional resolver gets, built per request (loaders are never shared across requests). */
export interface RegionalContext {
  identity: Identity;
  requestId: string;
  loaders: PolicyLoaders;
  records: RecordLoaders;
  audit: Auditor;
  workflow: ApplicationWorkflow;
  /** 申诉 and 意见反馈 (../workflow/appeals.ts, ../workflow/feedback.ts) and their per-request loaders. */
  appeals: AppealWorkflow;
  feedback: FeedbackWorkflow;
  appealRecords: AppealLoaders;
  /** Writes commit only before this instant, epoch ms (x-mente-deadline, bounded by WRITE_DEADLINE_MAX_MS). */
  deadline: number;
  /** The region's database, for the keyset pages (review queue, message centre) read directly. */
  ds: DataSource;
  /** The clock the workflow reads (pinned in tests): "today" for overdue and due dates. */
  clock: () => Date;
  /** The region file's remoteCare block (异地就医 reimbursement), when it has one. */
  remoteCare?: RemoteCarePolicy | null;
}
