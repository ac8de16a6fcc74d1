import { randomUUID } from 'node:crypto';

import type { Request } from 'express';
import { GraphQLError } from 'graphql';
import type { KeyLike } from 'jose';

import { acceptRequestId } from '../request-id';
import { ANONYMOUS, type Identity } from './identity';
import {
  createInternalTokenVerifier,
  INTERNAL_TOKEN_HEADER,
  type InternalTokenCheck,
  type InternalTokenVerifierOptions,
} from './internal-token';
import { developmentKeyPaths, ensureDevelopmentKeys, loadPublicKey } from './keys';

export interface IdentityResolverOptions extends Omit<InternalTokenVerifierOptions, 'subgraph'> {
  /** Told why a presented token was refused (for a warning log line). */
  onRejected?: (rejection: Extract<InternalTokenCheck, { ok: false }>) => void;
}

/**
 * Who is calling a subgraph: the identity in the gateway's internal token, or anonymous. No
 * token at all is an anonymous caller (public policy only: a direct call, Hive Gateway). A token
 * that does not hold — another subgraph's, minted for another body, replayed, expired, forged,
 * or sent on a GET — is refused with HTTP 401 UNAUTHENTICATED, so it never grants an identity and
 * a gateway bug shows as an error rather than a silently anonymous answer. Identity headers of
 * any other kind are ignored. The request id is the gateway's x-request-id when it is a safe token
 * (it only labels logs and audit rows; it grants nothing), else a new UUID.
 */
export function identityResolver(
  publicKey: KeyLike | null | undefined,
  subgraph: string,
  options: IdentityResolverOptions = {},
) {
  const verify = publicKey ? createInternalTokenVerifier(publicKey, { ...options, subgraph }) : null;
  return async (req: Request): Promise<{ identity: Identity; requestId: string }> => {
    const requestId = acceptRequestId(req.headers['x-request-id']) ?? randomUUID();
    const header = req.headers[INTERNAL_TOKEN_HEADER];
    if (header === undefined) return { identity: ANONYMOUS, requestId };
    const check: InternalTokenCheck = !verify
      ? { ok: false, reason: 'BAD_SIGNATURE', detail: 'no internal public key configured' }
      : typeof header !== 'string'
        ? { ok: false, reason: 'MALFORMED' }
        : verify(header, req.method === 'POST' ? (req.body as unknown) : undefined);
    if (check.ok) return { identity: check.identity, requestId };
    options.onRejected?.(check);
    throw new GraphQLError('内部令牌无效、已过期或已被使用，请求被拒绝', {
      extensions: { code: 'UNAUTHENTICATED', reason: check.reason, http: { status: 401 } },
    });
  };
}

/**
 * The gateway's public key for internal tokens: INTERNAL_PUBLIC_KEY_FILE, or (outside
 * production) the development key under .data/keys, created when missing.
 */
export async function loadInternalPublicKey(env: NodeJS.ProcessEnv = process.env): Promise<KeyLike> {
  if (env.INTERNAL_PUBLIC_KEY_FILE) return loadPublicKey(env.INTERNAL_PUBLIC_KEY_FILE);
  if (env.NODE_ENV === 'production') throw new Error('INTERNAL_PUBLIC_KEY_FILE is required in production');
  await ensureDevelopmentKeys();
  return loadPublicKey(developmentKeyPaths().internalPublicKeyPath);
}
