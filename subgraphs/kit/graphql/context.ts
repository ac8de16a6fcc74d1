import type { ApplicationWorkflow } from '../application/workflow';
import type { Auditor } from '../audit';
import type { Identity } from '../auth/identity';
import type { RemoteCarePolicy } from '../policy';
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
  /** Writes commit only before this instant, epoch ms (x-mente-deadline, bounded by WRITE_DEADLINE_MAX_MS). */
  deadline: number;
  /** The clock the workflow reads (pinned in tests): "today" for overdue and due dates. */
  clock: () => Date;
  /** The region file's remoteCare block (异地就医 reimbursement), when it has one. */
  remoteCare?: RemoteCarePolicy | null;
}
