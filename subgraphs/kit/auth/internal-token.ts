import { type JWTPayload, jwtVerify, type KeyLike, SignJWT } from 'jose';

import { type Identity, identityFromClaims } from './identity';
import { VerifiedTokenCache } from './token-cache';

// Gateway → subgraph trust. The gateway, having authenticated the caller, signs a short-lived
// token (Ed25519, EdDSA) stating who the caller is and forwards it in INTERNAL_TOKEN_HEADER; each
// subgraph verifies it with the gateway's public key. A subgraph never trusts plain headers, so
// calling a subgraph directly without a valid token only ever gets the anonymous view.
// The token states who the caller is, nothing about the request: the gateway reuses one token per
// caller for half its lifetime and a subgraph verifies each token once (VerifiedTokenCache), so
// the hop costs no signature per request. The request id travels in the x-request-id header.

export const INTERNAL_TOKEN_HEADER = 'x-mente-internal-token';
export const INTERNAL_ISSUER = 'mente-gateway';
export const INTERNAL_AUDIENCE = 'mente-subgraph';
/** JOSE header typ: keeps internal tokens and caller tokens from being mistaken for each other. */
export const INTERNAL_TOKEN_TYPE = 'mente-internal+jwt';
export const DEFAULT_INTERNAL_TTL_SECONDS = 60;

export interface InternalClaims {
  identity: Identity;
}

/**
 * Signs an internal token for a caller. Claims are minimal: role, pid (APPLICANT) or rgn
 * (REVIEWER), sub, plus iss/aud/iat/exp. Anonymous callers get one too (role ANONYMOUS, no sub).
 * A negative ttl yields an already-expired token (useful in tests only).
 */
export async function signInternalToken(
  privateKey: KeyLike,
  claims: InternalClaims,
  ttlSeconds = DEFAULT_INTERNAL_TTL_SECONDS,
): Promise<string> {
  if (!Number.isFinite(ttlSeconds)) throw new Error('signInternalToken: ttlSeconds must be a finite number');
  const { identity } = claims;
  const payload: JWTPayload = { role: identity.role };
  if (identity.role === 'APPLICANT') payload.pid = identity.personId;
  if (identity.role === 'REVIEWER') payload.rgn = identity.regionCode;
  const now = Math.floor(Date.now() / 1000);
  const jwt = new SignJWT(payload)
    .setProtectedHeader({ alg: 'EdDSA', typ: INTERNAL_TOKEN_TYPE })
    .setIssuer(INTERNAL_ISSUER)
    .setAudience(INTERNAL_AUDIENCE)
    .setIssuedAt(now)
    .setExpirationTime(now + Math.trunc(ttlSeconds));
  if (identity.role !== 'ANONYMOUS') jwt.setSubject(identity.subject);
  return jwt.sign(privateKey);
}

export interface InternalTokenVerifierOptions {
  /** Allowed clock skew between gateway and subgraph hosts, seconds; default 5. */
  clockToleranceSeconds?: number;
  /** The clock to check exp/iat against; default now. For tests. */
  currentDate?: () => Date;
  /** Told why a presented token was rejected (missing tokens are not reported). For logging. */
  onRejected?: (reason: unknown) => void;
  /** How many verified tokens to remember (default 10,000; 0: verify every time). */
  cacheEntries?: number;
}

/**
 * Returns the subgraph's check: token in, claims out, or null when the token is missing,
 * malformed, expired, signed by another key, for another audience/issuer, not EdDSA, or carries
 * unusable claims. The subgraph treats null as an anonymous caller. A token verified before is
 * answered from memory until its exp (clock tolerance included); failures are checked every time.
 * Tokens from older gateways that still carry `rid` are accepted; the claim is ignored.
 */
export function createInternalTokenVerifier(
  publicKey: KeyLike,
  options: InternalTokenVerifierOptions = {},
): (token: string | undefined) => Promise<InternalClaims | null> {
  const clockTolerance = options.clockToleranceSeconds ?? 5;
  const entries = options.cacheEntries ?? 10_000;
  const cache = entries > 0 ? new VerifiedTokenCache<InternalClaims>(entries) : null;
  return async (token) => {
    if (token === undefined || token === '') return null;
    const now = options.currentDate ? options.currentDate() : new Date();
    const nowSeconds = Math.floor(now.getTime() / 1000);
    const known = cache?.get(token, nowSeconds);
    if (known) return known;
    try {
      const { payload } = await jwtVerify(token, publicKey, {
        issuer: INTERNAL_ISSUER,
        audience: INTERNAL_AUDIENCE,
        algorithms: ['EdDSA'],
        typ: INTERNAL_TOKEN_TYPE,
        clockTolerance,
        requiredClaims: ['exp', 'iat', 'role'],
        currentDate: now,
      });
      const result = identityFromClaims(
        { role: payload.role, personId: payload.pid, regionCode: payload.rgn, subject: payload.sub },
        { allowAnonymous: true },
      );
      if ('reason' in result) throw new Error(result.reason);
      const claims: InternalClaims = Object.freeze({ identity: result.identity });
      cache?.set(token, claims, nowSeconds, payload.exp! + clockTolerance);
      return claims;
    } catch (e) {
      options.onRejected?.(e);
      return null;
    }
  };
}
