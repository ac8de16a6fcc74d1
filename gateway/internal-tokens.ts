import type { KeyObject } from 'node:crypto';

import type { KeyLike } from 'jose';

import type { Identity } from '../subgraphs/kit/platform/auth/identity';
import {
  DEFAULT_INTERNAL_TTL_SECONDS,
  ed25519Key,
  type OperationBody,
  signInternalToken,
} from '../subgraphs/kit/platform/auth/internal-token';

/**
 * Issues the gateway → subgraph internal tokens: one per fetch, for one subgraph and one
 * operation (query, variables, operation name: operationDigest), never reused (a token reused across requests is what a captured token could be replayed
 * as). Anonymous callers get none: a subgraph treats a request without a token as anonymous, and
 * an anonymous token would grant nothing. Signing is one synchronous Ed25519 signature.
 */
export class InternalTokenIssuer {
  private readonly key: KeyObject;

  constructor(
    privateKey: KeyLike | KeyObject,
    private readonly ttlSeconds = DEFAULT_INTERNAL_TTL_SECONDS,
  ) {
    this.key = ed25519Key(privateKey, 'private');
  }

  /** The token to send with `body` to `subgraph` for `identity`, or undefined for anonymous callers. */
  tokenFor(identity: Identity, subgraph: string, body: string | OperationBody): string | undefined {
    if (identity.role === 'ANONYMOUS') return undefined;
    return signInternalToken(this.key, { identity, subgraph, body, ttlSeconds: this.ttlSeconds });
  }
}
