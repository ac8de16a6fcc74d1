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
}
