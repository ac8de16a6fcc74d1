import { createHash, generateKeyPairSync, type KeyObject, randomUUID, sign, verify } from 'node:crypto';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';

import type { KeyLike } from 'jose';

import { ed25519Key, internalAudience } from './internal-token';
import { ReplayCache } from './replay-cache';

// Region → national trust, for the reports a region's outbox delivers to the national index
// (kit/persistence/history-report.ts). Each region signs with its own Ed25519 key (REGION_SIGNING_KEY_FILE);
// the national subgraph holds every region's public key and accepts a report only when it is
// signed by the key of the region the report is about. A compact JWS like the gateway's internal
// tokens, with a typ of its own so neither is mistaken for the other:
//   iss  `mente-region:<code>`   aud  `mente-subgraph:<national>`   iat/exp (at most 60 s)
//   jti  unique, refused a second time     body_sha256  sha256 (base64url) of the exact body bytes.

export const REGION_TOKEN_HEADER = 'x-mente-region-token';
export const REGION_TOKEN_TYPE = 'mente-region+jwt';
const ISSUER_PREFIX = 'mente-region:';
const HEADER = Buffer.from(JSON.stringify({ alg: 'EdDSA', typ: REGION_TOKEN_TYPE })).toString('base64url');
const TTL_SECONDS = 30;
const MAX_LIFETIME_SECONDS = 60;

const digest = (body: string | Uint8Array) => createHash('sha256').update(body).digest('base64url');

/** Signs one report of `regionCode` for the subgraph `audience` (its registry name), bound to `body`. */
export function signRegionToken(
  privateKey: KeyLike | KeyObject,
  request: { regionCode: string; audience: string; body: string; now?: number },
): string {
  const iat = Math.floor((request.now ?? Date.now()) / 1000);
  const claims = {
    iss: `${ISSUER_PREFIX}${request.regionCode}`,
    aud: internalAudience(request.audience),
    iat,
    exp: iat + TTL_SECONDS,
    jti: randomUUID(),
    body_sha256: digest(request.body),
  };
  const input = `${HEADER}.${Buffer.from(JSON.stringify(claims)).toString('base64url')}`;
  return `${input}.${sign(null, Buffer.from(input), ed25519Key(privateKey, 'private')).toString('base64url')}`;
}

export type RegionTokenCheck = { ok: true; regionCode: string } | { ok: false; reason: string };

/** The national side: `keys` maps region codes to their public keys; unknown regions are refused. */
export function createRegionTokenVerifier(
  keys: ReadonlyMap<string, KeyLike | KeyObject>,
  audience: string,
  now: () => number = Date.now,
): (token: string | undefined, body: Buffer | undefined) => RegionTokenCheck {
  const publicKeys = new Map([...keys].map(([code, key]) => [code, ed25519Key(key, 'public')]));
  const seen = new ReplayCache(100_000);
  const refuse = (reason: string): RegionTokenCheck => ({ ok: false, reason });
  return (token, body) => {
    if (!token) return refuse('MISSING');
    const parts = token.split('.');
    if (parts.length !== 3 || parts[0] !== HEADER) return refuse('MALFORMED');
    let claims: Record<string, unknown>;
    try {
      claims = JSON.parse(Buffer.from(parts[1]!, 'base64url').toString('utf8')) as Record<string, unknown>;
    } catch {
      return refuse('MALFORMED');
    }
    const { iss, aud, iat, exp, jti, body_sha256: bodyDigest } = claims ?? {};
    if (typeof iss !== 'string' || !iss.startsWith(ISSUER_PREFIX)) return refuse('WRONG_ISSUER');
    const regionCode = iss.slice(ISSUER_PREFIX.length);
    const key = publicKeys.get(regionCode);
    if (!key) return refuse('UNKNOWN_REGION');
    if (aud !== internalAudience(audience)) return refuse('WRONG_AUDIENCE');
    if (!Number.isSafeInteger(iat) || !Number.isSafeInteger(exp)) return refuse('BAD_CLAIMS');
    const nowSeconds = Math.floor(now() / 1000);
    if (nowSeconds >= (exp as number) + 5) return refuse('EXPIRED');
    if ((iat as number) > nowSeconds + 5) return refuse('NOT_YET_VALID');
    if ((exp as number) - (iat as number) > MAX_LIFETIME_SECONDS) return refuse('LIFETIME_TOO_LONG');
    if (typeof jti !== 'string' || !/^[A-Za-z0-9_-]{16,64}$/.test(jti)) return refuse('BAD_CLAIMS');
    if (!body || bodyDigest !== digest(body)) return refuse('BODY_MISMATCH');
    const signature = Buffer.from(parts[2]!, 'base64url');
    if (signature.length !== 64 || !verify(null, Buffer.from(`${parts[0]}.${parts[1]}`), key, signature)) {
      return refuse('BAD_SIGNATURE');
    }
    const remembered = seen.add(jti, (exp as number) + 5, nowSeconds);
    if (remembered !== 'added') return refuse(remembered === 'seen' ? 'REPLAYED' : 'REPLAY_CACHE_FULL');
    return { ok: true, regionCode };
  };
}

/** Where a region's development key pair lives: `<dir>/region-<code>-private.pem` / `-public.pem`. */
export function regionKeyPaths(dir: string, regionCode: string) {
  const abs = path.resolve(dir);
  return {
    privateKeyPath: path.join(abs, `region-${regionCode}-private.pem`),
    publicKeyPath: path.join(abs, `region-${regionCode}-public.pem`),
  };
}

/** Development only: creates a region's key pair under `dir` when missing; returns the paths. */
export function ensureRegionKeys(dir: string, regionCode: string) {
  const paths = regionKeyPaths(dir, regionCode);
  if (!existsSync(paths.privateKeyPath)) {
    mkdirSync(path.dirname(paths.privateKeyPath), { recursive: true, mode: 0o700 });
    const { privateKey, publicKey } = generateKeyPairSync('ed25519');
    writeFileSync(paths.privateKeyPath, privateKey.export({ format: 'pem', type: 'pkcs8' }) as string, { mode: 0o600 });
    writeFileSync(paths.publicKeyPath, publicKey.export({ format: 'pem', type: 'spki' }) as string, { mode: 0o644 });
  }
  return paths;
}
