import type { PolicyLoaders } from '../policy.loader';

/** What every regional resolver gets, built per request (loaders are never shared across requests). */
export interface RegionalContext {
  loaders: PolicyLoaders;
}
