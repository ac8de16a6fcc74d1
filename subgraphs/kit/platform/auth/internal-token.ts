import { createHash, KeyObject, randomUUID, sign, verify } from 'node:crypto';

import type { KeyLike } from 'jose';

import { type Identity, identityFromClaims } from './identity';
import { ReplayCache } from './replay-cache';

// Gateway → subgraph trust. The gateway, having authenticated the caller, signs one token per
// subgraph fetch (Ed25519, a compact JWS) and sends it in INTERNAL_TOKEN_HEADER; the subgraph
// verifies it with the gateway's public key. A token is useless anywhere but where it was sent:
//   - aud names one subgraph (`mente-subgraph:<name>`), and each subgraph accepts only its own;
//   - body_sha256 is the digest of the operation the gateway sent (query, variables, operation
//     name; operationDigest), which the subgraph recomputes from the body it parsed and executes.
//     A canonical form, not the bytes: Apollo Router and Hive Gateway serialize the body
//     themselves after the hook that mints the token, so bytes cannot be bound portably;
//   - jti is unique, and a subgraph refuses a jti it has seen before within the token's lifetime;
//   - the lifetime is short (the subgraph deadline plus skew, at most MAX_INTERNAL_TTL_SECONDS).
// Signing and verifying use node:crypto directly (no JOSE library on the hot path); the header is
// one fixed string, so `alg` is never read from the token and cannot be confused.

export const INTERNAL_TOKEN_HEADER = 'x-mente-internal-token';
export const INTERNAL_ISSUER = 'mente-gateway';
const INTERNAL_AUDIENCE_PREFIX = 'mente-subgraph:';
/** JOSE header typ: keeps internal tokens and caller tokens from being mistaken for each other. */
export const INTERNAL_TOKEN_TYPE = 'mente-internal+jwt';
/** Default lifetime: the default subgraph deadline (3 s) plus 10 s of skew. */
export const DEFAULT_INTERNAL_TTL_SECONDS = 13;
/** Longest lifetime a subgraph accepts; it bounds how long the replay cache keeps a jti. */
export const MAX_INTERNAL_TTL_SECONDS = 60;

/** The audience of a token meant for one subgraph, e.g. `mente-subgraph:sichuan-panzhihua`. */
export const internalAudience = (subgraph: string): string => `${INTERNAL_AUDIENCE_PREFIX}${subgraph}`;

/** The parts of a GraphQL request body an internal token is bound to. */
export interface OperationBody {
  query?: unknown;
  variables?: unknown;
  operationName?: unknown;
}

/** JSON with object keys sorted at every level: one text for one value, whoever serialized it. */
export function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map((v) => (v === undefined ? 'null' : canonicalJson(v))).join(',')}]`;
  if (value !== null && typeof value === 'object') {
    const entries = Object.keys(value)
      .sort()
      .filter((k) => (value as Record<string, unknown>)[k] !== undefined)
      .map((k) => `${JSON.stringify(k)}:${canonicalJson((value as Record<string, unknown>)[k])}`);
    return `{${entries.join(',')}}`;
  }
  return JSON.stringify(value) ?? 'null';
}

/**
 * What `body_sha256` carries: sha256 (base64url) of `query + "\n" + canonicalJson(variables) +
 * "\n" + operationName`, absent variables being {} and an absent operation name "". Computed
 * from a parsed body (or JSON text, parsed here); undefined when it is not one GraphQL request
 * with a string query (a batch, a GET, a body never parsed), which no token can be bound to.
 */
export function operationDigest(body: string | Uint8Array | OperationBody | undefined | null): string | undefined {
  let parsed: unknown = body;
  if (typeof body === 'string' || body instanceof Uint8Array) {
    try {
      parsed = JSON.parse(typeof body === 'string' ? body : Buffer.from(body).toString('utf8'));
    } catch {
      return undefined;
    }
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) return undefined;
  const { query, variables, operationName } = parsed as OperationBody;
  if (typeof query !== 'string') return undefined;
  if (operationName !== undefined && operationName !== null && typeof operationName !== 'string') return undefined;
  const text = `${query}\n${canonicalJson(variables ?? {})}\n${operationName ?? ''}`;
  return createHash('sha256').update(text).digest('base64url');
}

const HEADER = Buffer.from(JSON.stringify({ alg: 'EdDSA', typ: INTERNAL_TOKEN_TYPE })).toString('base64url');

/** A jose KeyLike (a KeyObject in Node) or a KeyObject, checked to be an Ed25519 key of `type`. */
export function ed25519Key(key: KeyLike | KeyObject, type: 'private' | 'public'): KeyObject {
  const object = key instanceof KeyObject ? key : KeyObject.from(key as Parameters<typeof KeyObject.from>[0]);
  if (object.type !== type || object.asymmetricKeyType !== 'ed25519') {
    throw new Error(`internal tokens need an Ed25519 ${type} key`);
  }
  return object;
}

export interface InternalTokenRequest {
  identity: Identity;
  /** The subgraph the token is for (its name in schema/registry.json). */
  subgraph: string;
  /** The request that will be sent with the token: its JSON body, or its query/variables/operationName. */
  body: string | Uint8Array | OperationBody;
  /** Default DEFAULT_INTERNAL_TTL_SECONDS; a negative ttl yields an expired token (tests only). */
  ttlSeconds?: number;
  /** Issue time, ms since the epoch; default now. */
  now?: number;
}

/**
 * Signs one internal token for one fetch. Claims: iss, aud, iat, exp, jti, body_sha256, role, and
 * sub plus pid (APPLICANT; rnv: true when real-name verified) or rgn (REVIEWER, COUNTER_CLERK; HOSPITAL_REVIEWER
 * with hsp, its hospital's code). Anonymous callers need none: the gateway sends
 * no token for them and a subgraph treats a request without one as anonymous.
 */
export function signInternalToken(privateKey: KeyLike | KeyObject, request: InternalTokenRequest): string {
  const ttl = request.ttlSeconds ?? DEFAULT_INTERNAL_TTL_SECONDS;
  if (!Number.isFinite(ttl)) throw new Error('signInternalToken: ttlSeconds must be a finite number');
  const { identity } = request;
  const digest = operationDigest(request.body);
  if (!digest) throw new Error('signInternalToken: body is not one GraphQL request with a string query');
  const iat = Math.floor((request.now ?? Date.now()) / 1000);
  const claims: Record<string, unknown> = {
    iss: INTERNAL_ISSUER,
    aud: internalAudience(request.subgraph),
    iat,
    exp: iat + Math.trunc(ttl),
    jti: randomUUID(),
    body_sha256: digest,
    role: identity.role,
  };
  if (identity.role !== 'ANONYMOUS') claims.sub = identity.subject;
  if (identity.role === 'APPLICANT') claims.pid = identity.personId;
  if (identity.role === 'APPLICANT' && identity.realNameVerified === true) claims.rnv = true;
  if (identity.role === 'REVIEWER' || identity.role === 'COUNTER_CLERK') claims.rgn = identity.regionCode;
  if (identity.role === 'HOSPITAL_REVIEWER') {
    claims.rgn = identity.regionCode;
    claims.hsp = identity.hospitalCode;
  }
  const input = `${HEADER}.${Buffer.from(JSON.stringify(claims)).toString('base64url')}`;
  return `${input}.${sign(null, Buffer.from(input), ed25519Key(privateKey, 'private')).toString('base64url')}`;
}

/** Why a presented token was refused: a stable code, logged and returned in `extensions.reason`. */
export type InternalTokenRejection =
  | 'MALFORMED'
  | 'UNEXPECTED_HEADER'
  | 'BAD_SIGNATURE'
  | 'WRONG_ISSUER'
  | 'WRONG_AUDIENCE'
  | 'EXPIRED'
  | 'NOT_YET_VALID'
  | 'LIFETIME_TOO_LONG'
  | 'NO_BODY'
  | 'BODY_MISMATCH'
  | 'BAD_CLAIMS'
  | 'REPLAYED'
  | 'REPLAY_CACHE_FULL';

export type InternalTokenCheck =
  { ok: true; identity: Identity; jti: string } | { ok: false; reason: InternalTokenRejection; detail?: string };

export interface InternalTokenVerifierOptions {
  /** This subgraph's name: only tokens with aud `mente-subgraph:<subgraph>` are accepted. */
  subgraph: string;
  /** Allowed clock skew between gateway and subgraph hosts, seconds; default 5. */
  clockToleranceSeconds?: number;
  /** Longest accepted exp − iat, seconds; default MAX_INTERNAL_TTL_SECONDS. */
  maxLifetimeSeconds?: number;
  /** How many unexpired jtis to remember (default 200,000); when full, new tokens are refused. */
  replayCacheEntries?: number;
  /** The clock, ms since the epoch; default Date.now. For tests. */
  now?: () => number;
}

const SIGNATURE_LENGTH = 64;
const JTI_PATTERN = /^[A-Za-z0-9_-]{16,64}$/;

/**
 * Returns one subgraph's check: token and the parsed body it came with in (undefined for a GET or
 * a body that was not JSON), identity or a reason out.
 * Cheap checks run first (shape, header, claims, body digest); the signature next; the jti is
 * remembered last, only for a token that passed everything else, so nobody can fill the replay
 * cache with forged tokens. The replay cache lives in this process: several instances of one
 * subgraph behind a load balancer would each accept a token once, so such a deployment needs a
 * shared store (e.g. Redis SET NX with the token's remaining lifetime) in ReplayCache's place.
 */
export function createInternalTokenVerifier(
  publicKey: KeyLike | KeyObject,
  options: InternalTokenVerifierOptions,
): (token: string, body: unknown) => InternalTokenCheck {
  const key = ed25519Key(publicKey, 'public');
  const audience = internalAudience(options.subgraph);
  const tolerance = options.clockToleranceSeconds ?? 5;
  const maxLifetime = options.maxLifetimeSeconds ?? MAX_INTERNAL_TTL_SECONDS;
  const now = options.now ?? Date.now;
  const seen = new ReplayCache(options.replayCacheEntries ?? 200_000);
  const refuse = (reason: InternalTokenRejection, detail?: string): InternalTokenCheck => ({
    ok: false,
    reason,
    ...(detail ? { detail } : {}),
  });
  return (token, body) => {
    const firstDot = token.indexOf('.');
    const secondDot = token.indexOf('.', firstDot + 1);
    if (firstDot < 0 || secondDot < 0 || token.indexOf('.', secondDot + 1) >= 0) return refuse('MALFORMED');
    // Byte-equal to the one header the gateway writes: no alg, typ, kid, crit or jwk is ever read.
    if (token.slice(0, firstDot) !== HEADER) return refuse('UNEXPECTED_HEADER');
    let claims: Record<string, unknown>;
    try {
      claims = JSON.parse(Buffer.from(token.slice(firstDot + 1, secondDot), 'base64url').toString('utf8'));
    } catch {
      return refuse('MALFORMED');
    }
    if (typeof claims !== 'object' || claims === null || Array.isArray(claims)) return refuse('MALFORMED');
    const { iss, aud, iat, exp, jti, body_sha256: digest } = claims;
    if (iss !== INTERNAL_ISSUER) return refuse('WRONG_ISSUER');
    if (aud !== audience) return refuse('WRONG_AUDIENCE', typeof aud === 'string' ? aud : undefined);
    if (!Number.isSafeInteger(iat) || !Number.isSafeInteger(exp)) return refuse('BAD_CLAIMS', 'iat and exp');
    const nowSeconds = Math.floor(now() / 1000);
    if (nowSeconds >= (exp as number) + tolerance) return refuse('EXPIRED');
    if ((iat as number) > nowSeconds + tolerance) return refuse('NOT_YET_VALID');
    if ((exp as number) - (iat as number) > maxLifetime) return refuse('LIFETIME_TOO_LONG');
    if (typeof jti !== 'string' || !JTI_PATTERN.test(jti)) return refuse('BAD_CLAIMS', 'jti');
    if (body === undefined || body === null) return refuse('NO_BODY');
    if (typeof digest !== 'string' || digest !== operationDigest(body as OperationBody)) return refuse('BODY_MISMATCH');
    const signature = Buffer.from(token.slice(secondDot + 1), 'base64url');
    if (
      signature.length !== SIGNATURE_LENGTH ||
      !verify(null, Buffer.from(token.slice(0, secondDot)), key, signature)
    ) {
      return refuse('BAD_SIGNATURE');
    }
    const result = identityFromClaims(
      {
        role: claims.role,
        personId: claims.pid,
        regionCode: claims.rgn,
        subject: claims.sub,
        realNameVerified: claims.rnv,
        hospitalCode: claims.hsp,
      },
      { allowAnonymous: true },
    );
    if ('reason' in result) return refuse('BAD_CLAIMS', result.reason);
    const remembered = seen.add(jti, (exp as number) + tolerance, nowSeconds);
    if (remembered === 'seen') return refuse('REPLAYED');
    if (remembered === 'full') return refuse('REPLAY_CACHE_FULL');
    return { ok: true, identity: result.identity, jti };
  };
}
