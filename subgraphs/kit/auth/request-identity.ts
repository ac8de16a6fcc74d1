import { randomUUID } from 'node:crypto';

import type { Request } from 'express';
import type { KeyLike } from 'jose';

import { acceptRequestId } from '../request-id';
import { ANONYMOUS, type Identity } from './identity';
import { createInternalTokenVerifier, INTERNAL_TOKEN_HEADER } from './internal-token';
import { developmentKeyPaths, ensureDevelopmentKeys, loadPublicKey } from './keys';

/**
 * Who is calling a subgraph: the identity in the gateway's signed internal token, or anonymous.
 * Identity headers of any other kind are ignored, so a caller who reaches a subgraph directly
 * (or forges headers) gets public data only. The request id is the gateway's x-request-id when it
 * is a safe token (it only labels logs and audit rows; it grants nothing), else a new UUID.
 */
export function identityResolver(publicKey: KeyLike | null | undefined) {
  const verify = publicKey ? createInternalTokenVerifier(publicKey) : null;
  return async (req: Request): Promise<{ identity: Identity; requestId: string }> => {
    const header = req.headers[INTERNAL_TOKEN_HEADER];
    const claims = verify && typeof header === 'string' ? await verify(header) : null;
    return {
      identity: claims?.identity ?? ANONYMOUS,
      requestId: acceptRequestId(req.headers['x-request-id']) ?? randomUUID(),
    };
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
