import { type JWTPayload, jwtVerify, type KeyLike, SignJWT } from 'jose';

import { type Identity, identityFromClaims } from './identity';

// Gateway → subgraph trust. The gateway, having authenticated the caller, signs a short-lived
// token (Ed25519, EdDSA) stating who the caller is and forwards it in INTERNAL_TOKEN_HEADER; each
// subgraph verifies it with the gateway's public key. A subgraph never trusts plain headers, so
// calling a subgraph directly without a valid token only ever gets the anonymous view.

export const INTERNAL_TOKEN_HEADER = 'x-mente-internal-token';
export const INTERNAL_ISSUER = 'mente-gateway';
export const INTERNAL_AUDIENCE = 'mente-subgraph';
/** JOSE header typ: keeps internal tokens and caller tokens from being mistaken for each other. */
export const INTERNAL_TOKEN_TYPE = 'mente-internal+jwt';
export const DEFAULT_INTERNAL_TTL_SECONDS = 60;

export interface InternalClaims {
  identity: Identity;
  requestId: string;
}

/**
 * Signs the internal token for one gateway → subgraph request. Claims are minimal: role, pid
 * (APPLICANT) or rgn (REVIEWER), sub, rid (request id), plus iss/aud/iat/exp. Anonymous requests
 * are signed too (role ANONYMOUS, no sub) so the request id still travels.
 * A negative ttl yields an already-expired token (useful in tests only).
 */
export async function signInternalToken(
  privateKey: KeyLike,
  claims: InternalClaims,
  ttlSeconds = DEFAULT_INTERNAL_TTL_SECONDS,
): Promise<string> {
  if (!Number.isFinite(ttlSeconds)) throw new Error('signInternalToken: ttlSeconds must be a finite number');
  if (typeof claims.requestId !== 'string' || claims.requestId === '') {
    throw new Error('signInternalToken: requestId is required');
  }
  const { identity } = claims;
  const payload: JWTPayload = { role: identity.role, rid: claims.requestId };
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
}

/**
 * Returns the subgraph's check: token in, claims out, or null when the token is missing,
 * malformed, expired, signed by another key, for another audience/issuer, not EdDSA, or carries
 * unusable claims. The subgraph treats null as an anonymous caller.
 */
export function createInternalTokenVerifier(
  publicKey: KeyLike,
  options: InternalTokenVerifierOptions = {},
): (token: string | undefined) => Promise<InternalClaims | null> {
  const clockTolerance = options.clockToleranceSeconds ?? 5;
  return async (token) => {
    if (token === undefined || token === '') return null;
    try {
      const { payload } = await jwtVerify(token, publicKey, {
        issuer: INTERNAL_ISSUER,
        audience: INTERNAL_AUDIENCE,
        algorithms: ['EdDSA'],
        typ: INTERNAL_TOKEN_TYPE,
        clockTolerance,
        requiredClaims: ['exp', 'iat', 'role', 'rid'],
        ...(options.currentDate ? { currentDate: options.currentDate() } : {}),
      });
      if (typeof payload.rid !== 'string' || payload.rid === '') throw new Error('rid claim is not a string');
      const result = identityFromClaims(
        { role: payload.role, personId: payload.pid, regionCode: payload.rgn, subject: payload.sub },
        { allowAnonymous: true },
      );
      if ('reason' in result) throw new Error(result.reason);
      return { identity: result.identity, requestId: payload.rid };
    } catch (e) {
      options.onRejected?.(e);
      return null;
    }
  };
}
