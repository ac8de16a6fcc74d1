import type { ApplicationWorkflow } from '../application/workflow';
import type { Auditor } from '../audit';
import type { Identity } from '../auth/identity';
import type { PolicyLoaders } from '../policy.loader';
import type { RecordLoaders } from '../record.loader';
import type { DataSource } from 'typeorm';

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
  /** The region's database, for the keyset pages (review queue, message centre) read directly. */
  ds: DataSource;
  /** The clock the workflow reads (pinned in tests): "today" for overdue and due dates. */
  clock: () => Date;
}
