import { createPublicKey, type KeyObject } from 'node:crypto';
import { readFileSync } from 'node:fs';

import { createRemoteJWKSet, type JWTPayload, jwtVerify, type JWTVerifyGetKey } from 'jose';

import {
  ANONYMOUS,
  type Identity,
  identityFromClaims,
  REAL_NAME_CLAIM,
} from '../../subgraphs/kit/platform/auth/identity';
import { VerifiedTokenCache } from '../../subgraphs/kit/platform/auth/token-cache';

// Caller authentication at the gateway. Callers present `Authorization: Bearer <JWT>` issued by
// the identity provider; the gateway verifies it here and turns its claims into an Identity.
// No header at all means an anonymous caller (public catalogue queries stay open).

/** Issuer and audience of development tokens minted by `npm run token` (scripts/token.ts). */
export const DEV_ISSUER = 'mente-dev-idp';
export const DEV_AUDIENCE = 'mente';

const DEFAULT_ALGORITHMS: readonly string[] = ['EdDSA', 'ES256', 'RS256'];
const DEFAULT_CLOCK_TOLERANCE_SECONDS = 30;

export interface JwtConfig {
  issuer: string;
  audience: string;
  /** The identity provider's JWKS endpoint. Exactly one of jwksUrl and publicKeyFile. */
  jwksUrl?: string;
  /** A PEM file holding the identity provider's public key (SPKI, "BEGIN PUBLIC KEY"). */
  publicKeyFile?: string;
  /** Accepted signature algorithms; default EdDSA, ES256, RS256. Symmetric algorithms are refused. */
  algorithms?: string[];
  /** Allowed clock skew for exp/nbf, seconds; default 30. */
  clockToleranceSeconds?: number;
  /** How many verified caller tokens to remember (default 10,000). */
  cacheEntries?: number;
}

/** The caller could not be authenticated. `message` is for people (Chinese); `cause` is for logs. */
export class AuthError extends Error {
  constructor(
    readonly code: 'UNAUTHENTICATED',
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = 'AuthError';
  }
}

export const INVALID_TOKEN_MESSAGE = '登录凭证无效或已过期，请重新登录';
const MALFORMED_HEADER_MESSAGE = '登录凭证格式不正确，请在 Authorization 请求头中使用 Bearer 令牌';

const BEARER = /^Bearer[ \t]+(\S+)$/i;

/**
 * Returns the gateway's authenticate function: header in, Identity out, AuthError on any
 * problem with a presented credential. Configuration mistakes throw here, at creation.
 */
export function createJwtVerifier(config: JwtConfig): (authorizationHeader: string | undefined) => Promise<Identity> {
  if (!config.issuer) throw new Error('JWT configuration: issuer is required');
  if (!config.audience) throw new Error('JWT configuration: audience is required');
  const algorithms = [...(config.algorithms ?? DEFAULT_ALGORITHMS)];
  if (algorithms.length === 0) throw new Error('JWT configuration: algorithms must not be empty');
  const refused = algorithms.filter((a) => a === 'none' || /^HS\d+$/i.test(a));
  if (refused.length) {
    throw new Error(`JWT configuration: algorithms ${refused.join(', ')} are not allowed (asymmetric only)`);
  }
  const clockTolerance = config.clockToleranceSeconds ?? DEFAULT_CLOCK_TOLERANCE_SECONDS;
  if (!Number.isFinite(clockTolerance) || clockTolerance < 0) {
    throw new Error('JWT configuration: clockToleranceSeconds must be a non-negative number');
  }
  const getKey = verificationKey(config);
  // A caller sends the same token with every request: its signature is checked once, then the
  // identity is remembered until exp (+ tolerance), at most 60 s (a key rotated out of the JWKS
  // stops working within a minute). Refused tokens are checked every time.
  const verified = new VerifiedTokenCache<Identity>(config.cacheEntries ?? 10_000, 60);
  const options = {
    issuer: config.issuer,
    audience: config.audience,
    algorithms,
    clockTolerance,
    requiredClaims: ['exp', 'sub'],
  };

  return async (authorizationHeader) => {
    if (authorizationHeader === undefined || authorizationHeader.trim() === '') return ANONYMOUS;
    const match = BEARER.exec(authorizationHeader.trim());
    if (!match) {
      throw new AuthError('UNAUTHENTICATED', MALFORMED_HEADER_MESSAGE, {
        cause: new Error('Authorization header is not "Bearer <JWT>"'),
      });
    }
    const token = match[1]!;
    const nowSeconds = Math.floor(Date.now() / 1000);
    const known = verified.get(token, nowSeconds);
    if (known) return known;
    let payload: JWTPayload;
    try {
      ({ payload } = await jwtVerify(token, getKey, options));
    } catch (e) {
      throw new AuthError('UNAUTHENTICATED', INVALID_TOKEN_MESSAGE, { cause: e });
    }
    const result = identityFromClaims({
      role: payload.role,
      personId: payload.personId,
      regionCode: payload.regionCode,
      subject: payload.sub,
      realNameVerified: payload[REAL_NAME_CLAIM],
      hospitalCode: payload.hospitalCode,
    });
    if ('reason' in result) {
      throw new AuthError('UNAUTHENTICATED', INVALID_TOKEN_MESSAGE, { cause: new Error(result.reason) });
    }
    verified.set(token, result.identity, nowSeconds, payload.exp! + clockTolerance);
    return result.identity;
  };
}

function verificationKey(config: JwtConfig): JWTVerifyGetKey {
  const hasJwks = Boolean(config.jwksUrl);
  const hasFile = Boolean(config.publicKeyFile);
  if (hasJwks === hasFile) {
    throw new Error('JWT configuration: set exactly one of jwksUrl and publicKeyFile');
  }
  if (config.jwksUrl) {
    let url: URL;
    try {
      url = new URL(config.jwksUrl);
    } catch {
      throw new Error(`JWT configuration: jwksUrl is not a valid URL: ${config.jwksUrl}`);
    }
    if (url.protocol !== 'https:' && url.protocol !== 'http:') {
      throw new Error(`JWT configuration: jwksUrl must be http(s): ${config.jwksUrl}`);
    }
    return createRemoteJWKSet(url);
  }
  const file = config.publicKeyFile!;
  let pem: string;
  try {
    pem = readFileSync(file, 'utf8');
  } catch (e) {
    throw new Error(`JWT configuration: cannot read publicKeyFile ${file}: ${(e as Error).message}`);
  }
  if (!pem.trimStart().startsWith('-----BEGIN PUBLIC KEY-----')) {
    throw new Error(`JWT configuration: publicKeyFile ${file} is not an SPKI PEM public key ("BEGIN PUBLIC KEY")`);
  }
  let key: KeyObject;
  try {
    key = createPublicKey({ key: pem, format: 'pem' });
  } catch (e) {
    throw new Error(`JWT configuration: publicKeyFile ${file} cannot be parsed: ${(e as Error).message}`);
  }
  return async () => key;
}
