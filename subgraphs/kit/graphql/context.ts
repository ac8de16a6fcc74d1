import type { AppealLoaders } from '../appeal.loader';
import type { AppealWorkflow } from '../application/appeals';
import type { FeedbackWorkflow } from '../application/feedback';
import type { ApplicationWorkflow } from '../application/workflow';
import type { Auditor } from '../audit';
import type { Identity } from '../auth/identity';
import type { PolicyLoaders } from '../policy.loader';
import type { RecordLoaders } from '../record.loader';

/** What every regional resolver gets, built per request (loaders are never shared across requests). */
export interface RegionalContext {
  identity: Identity;
  requestId: string;
  loaders: PolicyLoaders;
  records: RecordLoaders;
  audit: Auditor;
  workflow: ApplicationWorkflow;
  /** 申诉 and 意见反馈 (../application/appeals.ts, ../application/feedback.ts) and their per-request loaders. */
  appeals: AppealWorkflow;
  feedback: FeedbackWorkflow;
  appealRecords: AppealLoaders;
  /** Writes commit only before this instant, epoch ms (x-mente-deadline, bounded by WRITE_DEADLINE_MAX_MS). */
  deadline: number;
  /** The clock the workflow reads (pinned in tests): "today" for overdue and due dates. */
  clock: () => Date;
}
