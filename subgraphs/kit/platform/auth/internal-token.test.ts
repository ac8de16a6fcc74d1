import { createHash, createHmac, generateKeyPairSync, type KeyObject, sign } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

import { type KeyLike, SignJWT } from 'jose';

import { ANONYMOUS, describeActor, type Identity } from './identity';
import {
  canonicalJson,
  createInternalTokenVerifier,
  DEFAULT_INTERNAL_TTL_SECONDS,
  INTERNAL_ISSUER,
  INTERNAL_TOKEN_HEADER,
  INTERNAL_TOKEN_TYPE,
  internalAudience,
  type InternalTokenCheck,
  type InternalTokenVerifierOptions,
  operationDigest,
  signInternalToken,
} from './internal-token';
import { developmentKeyPaths, ensureDevelopmentKeys, loadPrivateKey, loadPublicKey } from './keys';
import { ReplayCache } from './replay-cache';

const b64 = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');
const PZH = 'sichuan-panzhihua';
const YUNFU = 'guangdong-yunfu';
const QUEUE = '{"query":"{ panzhihuaReviewQueue(first: 5) { acceptanceNumber } }"}';
const APPROVE =
  '{"query":"mutation($id: ID!) { approvePanzhihuaApplication(id: $id) { id } }","variables":{"id":"510400"}}';
const alice: Identity = { role: 'REVIEWER', regionCode: '510400', subject: 'alice' };

let dir: string;
let privateKey: KeyLike;
let publicKey: KeyLike;

beforeAll(async () => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'mente-internal-'));
  const paths = await ensureDevelopmentKeys(path.join(dir, 'keys'));
  privateKey = await loadPrivateKey(paths.internalPrivateKeyPath);
  publicKey = await loadPublicKey(paths.internalPublicKeyPath);
});

afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

/** Panzhihua's check, with its own replay cache. */
const verifier = (options: Partial<InternalTokenVerifierOptions> = {}) =>
  createInternalTokenVerifier(publicKey, { subgraph: PZH, ...options });
const mint = (identity: Identity = alice, body = QUEUE, extra: { ttlSeconds?: number; now?: number } = {}) =>
  signInternalToken(privateKey, { identity, subgraph: PZH, body, ...extra });
const reason = (check: InternalTokenCheck) => (check.ok ? 'OK' : check.reason);
const parts = (token: string) =>
  token
    .split('.')
    .slice(0, 2)
    .map((p) => JSON.parse(Buffer.from(p, 'base64url').toString()) as Record<string, any>);

/** A JWS with any header and claims, signed with the real key (or `key`) the way the gateway signs. */
function craft(header: object, claims: object, key: KeyObject = privateKey as KeyObject): string {
  const input = `${b64(header)}.${b64(claims)}`;
  return `${input}.${sign(null, Buffer.from(input), key).toString('base64url')}`;
}
const HEADER = { alg: 'EdDSA', typ: INTERNAL_TOKEN_TYPE };
const claimsFor = (body: string, overrides: Record<string, unknown> = {}) => {
  const now = Math.floor(Date.now() / 1000);
  return {
    iss: INTERNAL_ISSUER,
    aud: internalAudience(PZH),
    iat: now,
    exp: now + 10,
    jti: `jti-${Math.random().toString(36).slice(2)}-0000000000`,
    body_sha256: operationDigest(body),
    role: 'REVIEWER',
    sub: 'alice',
    rgn: '510400',
    ...overrides,
  };
};

describe('internal token', () => {
  it('uses the agreed header name', () => {
    expect(INTERNAL_TOKEN_HEADER).toBe('x-mente-internal-token');
  });

  it.each<Identity>([
    { role: 'APPLICANT', personId: 'P000001', subject: 'zhang' },
    alice,
    { role: 'NATIONAL_OPERATOR', subject: 'bob' },
    ANONYMOUS,
  ])('round-trips $role for its subgraph and body', (identity) => {
    expect(verifier()(mint(identity), Buffer.from(QUEUE))).toMatchObject({ ok: true, identity });
  });

  it('carries minimal claims: one subgraph, one body, one use, a short life', () => {
    const token = mint();
    const [header, payload] = parts(token);
    expect(header).toEqual({ alg: 'EdDSA', typ: INTERNAL_TOKEN_TYPE });
    expect(Object.keys(payload!).sort()).toEqual([
      'aud',
      'body_sha256',
      'exp',
      'iat',
      'iss',
      'jti',
      'rgn',
      'role',
      'sub',
    ]);
    expect(payload).toMatchObject({
      iss: 'mente-gateway',
      aud: 'mente-subgraph:sichuan-panzhihua',
      role: 'REVIEWER',
      rgn: '510400',
      body_sha256: operationDigest(QUEUE),
    });
    expect(payload!.exp - payload!.iat).toBe(DEFAULT_INTERNAL_TTL_SECONDS);
    expect(operationDigest(QUEUE)).toMatch(/^[A-Za-z0-9_-]{43}$/);
    // The digest is of the operation: query, variables and operation name, not the bytes.
    expect(operationDigest(QUEUE)).toBe(
      createHash('sha256')
        .update(`${JSON.parse(QUEUE).query}\n{}\n`)
        .digest('base64url'),
    );
    // Signed twice for the same caller, subgraph and body: two different tokens.
    expect(parts(mint())[1]!.jti).not.toBe(payload!.jti);
  });

  it("carries the real-name claim (rnv) of a verified applicant only, and a counter clerk's region", () => {
    const verified: Identity = { role: 'APPLICANT', personId: 'P000001', subject: 'p1', realNameVerified: true };
    const unverified: Identity = { role: 'APPLICANT', personId: 'P000001', subject: 'p1' };
    const clerk: Identity = { role: 'COUNTER_CLERK', regionCode: '510400', subject: 'carol' };
    expect(parts(mint(verified))[1]).toMatchObject({ role: 'APPLICANT', pid: 'P000001', rnv: true });
    expect(parts(mint(unverified))[1]).not.toHaveProperty('rnv');
    expect(parts(mint(clerk))[1]).toMatchObject({ role: 'COUNTER_CLERK', rgn: '510400', sub: 'carol' });
    const check = verifier();
    const body = JSON.parse(QUEUE);
    for (const identity of [verified, unverified, clerk]) {
      expect(check(mint(identity), body)).toEqual({ ok: true, identity, jti: expect.any(String) });
    }
    // Only a literal true counts: a forged-looking "true" is an unverified applicant, a clerk without region is refused.
    const claims = claimsFor(QUEUE, { role: 'APPLICANT', sub: 'p1', pid: 'P000001', rgn: undefined, rnv: 'true' });
    expect(check(craft(HEADER, claims), body)).toEqual({ ok: true, identity: unverified, jti: expect.any(String) });
    const noRegion = claimsFor(QUEUE, { role: 'COUNTER_CLERK', rgn: undefined });
    expect(reason(check(craft(HEADER, noRegion), body))).toBe('BAD_CLAIMS');
  });

  it("carries a hospital reviewer's region and hospital (rgn, hsp), and refuses one without its hospital", () => {
    const dora: Identity = {
      role: 'HOSPITAL_REVIEWER',
      regionCode: '445300',
      hospitalCode: 'H44530200001',
      subject: 'dora',
    };
    expect(parts(mint(dora))[1]).toMatchObject({ role: 'HOSPITAL_REVIEWER', rgn: '445300', hsp: 'H44530200001' });
    const check = verifier();
    const body = JSON.parse(QUEUE);
    expect(check(mint(dora), body)).toEqual({ ok: true, identity: dora, jti: expect.any(String) });
    const noHospital = claimsFor(QUEUE, { role: 'HOSPITAL_REVIEWER', rgn: '445300' });
    expect(reason(check(craft(HEADER, noHospital), body))).toBe('BAD_CLAIMS');
    expect(describeActor(dora)).toBe('HOSPITAL_REVIEWER:445300:H44530200001:dora');
  });

  it('refuses a token minted for another subgraph, or for the shared audience of old', () => {
    const forYunfu = signInternalToken(privateKey, { identity: alice, subgraph: YUNFU, body: QUEUE });
    expect(reason(verifier()(forYunfu, Buffer.from(QUEUE)))).toBe('WRONG_AUDIENCE');
    const yunfu = createInternalTokenVerifier(publicKey, { subgraph: YUNFU });
    expect(reason(yunfu(forYunfu, Buffer.from(QUEUE)))).toBe('OK');
    expect(reason(verifier()(craft(HEADER, claimsFor(QUEUE, { aud: 'mente-subgraph' })), Buffer.from(QUEUE)))).toBe(
      'WRONG_AUDIENCE',
    );
    expect(
      reason(verifier()(craft(HEADER, claimsFor(QUEUE, { aud: [internalAudience(PZH)] })), Buffer.from(QUEUE))),
    ).toBe('WRONG_AUDIENCE');
  });

  it('refuses a token with another body: other operation, other variables, other name, a batch, none', () => {
    const check = verifier();
    const token = mint(alice, QUEUE);
    const queue = JSON.parse(QUEUE) as { query: string };
    expect(reason(check(token, JSON.parse(APPROVE)))).toBe('BODY_MISMATCH');
    expect(reason(check(token, { query: queue.query.replace('first: 5', 'first: 50') }))).toBe('BODY_MISMATCH');
    expect(reason(check(token, { ...queue, variables: { first: 50 } }))).toBe('BODY_MISMATCH');
    expect(reason(check(token, { ...queue, operationName: 'Other' }))).toBe('BODY_MISMATCH');
    expect(reason(check(token, { query: `${queue.query} ` }))).toBe('BODY_MISMATCH'); // the query text is exact
    expect(reason(check(token, [queue]))).toBe('BODY_MISMATCH'); // as a batch
    expect(reason(check(token, undefined))).toBe('NO_BODY'); // a GET, or a body never parsed
    expect(reason(check(token, queue))).toBe('OK'); // refusals never spend the jti
  });

  it('binds the operation, not its serialization: what Apollo Router and Hive send after re-serializing', () => {
    const body = {
      query: 'query Q($a: Int, $b: [String]) { x }',
      variables: { b: ['1', '2'], a: 1 },
      operationName: 'Q',
    };
    const token = signInternalToken(privateKey, { identity: alice, subgraph: PZH, body: JSON.stringify(body) });
    // Keys in another order, other whitespace, null for absent: the same operation, accepted once.
    const reordered = JSON.parse(
      JSON.stringify({ operationName: 'Q', variables: { a: 1, b: ['1', '2'] }, query: body.query }, null, 2),
    );
    expect(reason(verifier()(token, reordered))).toBe('OK');
    expect(operationDigest({ query: '{ x }' })).toBe(
      operationDigest({ query: '{ x }', variables: null, operationName: null }),
    );
    expect(operationDigest({ query: '{ x }', variables: {} })).toBe(operationDigest('{"query":"{ x }"}'));
    // Array order and nested key order: values differ only by key order → one digest.
    expect(canonicalJson({ b: { d: 1, c: [2, { f: 1, e: 0 }] }, a: null })).toBe(
      '{"a":null,"b":{"c":[2,{"e":0,"f":1}],"d":1}}',
    );
    expect(operationDigest({ query: '{ x }', variables: { l: [1, 2] } })).not.toBe(
      operationDigest({ query: '{ x }', variables: { l: [2, 1] } }),
    );
    // Nothing to bind to: no token can be minted.
    for (const bad of ['not json', '[{"query":"{ x }"}]', '{"variables":{}}', '{"query":"{ x }","operationName":3}']) {
      expect(operationDigest(bad)).toBeUndefined();
      expect(() => signInternalToken(privateKey, { identity: alice, subgraph: PZH, body: bad })).toThrow(/body/);
    }
  });

  it('refuses a replayed jti for as long as the token lives', () => {
    let now = Date.now();
    const check = verifier({ now: () => now });
    const token = mint(alice, QUEUE, { now });
    expect(reason(check(token, Buffer.from(QUEUE)))).toBe('OK');
    expect(reason(check(token, Buffer.from(QUEUE)))).toBe('REPLAYED');
    now += (DEFAULT_INTERNAL_TTL_SECONDS + 4) * 1000;
    expect(reason(check(token, Buffer.from(QUEUE)))).toBe('REPLAYED');
    now += 2000; // past exp + tolerance: the jti is forgotten, and the token is expired anyway
    expect(reason(check(token, Buffer.from(QUEUE)))).toBe('EXPIRED');
    // Another subgraph process has its own cache: the audience is what stops the token there.
    expect(reason(verifier()(mint(), Buffer.from(QUEUE)))).toBe('OK');
  });

  it('refuses expired, not-yet-valid and long-lived tokens', () => {
    const now = Date.now();
    expect(reason(verifier()(mint(alice, QUEUE, { ttlSeconds: -60 }), Buffer.from(QUEUE)))).toBe('EXPIRED');
    const later = verifier({ now: () => now + (DEFAULT_INTERNAL_TTL_SECONDS + 6) * 1000 });
    expect(reason(later(mint(alice, QUEUE, { now }), Buffer.from(QUEUE)))).toBe('EXPIRED');
    const skewed = verifier({ now: () => now + (DEFAULT_INTERNAL_TTL_SECONDS + 4) * 1000 });
    expect(reason(skewed(mint(alice, QUEUE, { now }), Buffer.from(QUEUE)))).toBe('OK'); // within 5 s tolerance
    expect(reason(verifier()(mint(alice, QUEUE, { now: now + 60_000 }), Buffer.from(QUEUE)))).toBe('NOT_YET_VALID');
    expect(reason(verifier()(mint(alice, QUEUE, { ttlSeconds: 3600 }), Buffer.from(QUEUE)))).toBe('LIFETIME_TOO_LONG');
    expect(reason(verifier({ maxLifetimeSeconds: 5 })(mint(), Buffer.from(QUEUE)))).toBe('LIFETIME_TOO_LONG');
  });

  it('refuses a token signed by another key, tampered with, or with a mangled signature', () => {
    const other = generateKeyPairSync('ed25519').privateKey;
    const forged = signInternalToken(other, { identity: alice, subgraph: PZH, body: QUEUE });
    expect(reason(verifier()(forged, Buffer.from(QUEUE)))).toBe('BAD_SIGNATURE');
    const token = mint({ role: 'APPLICANT', personId: 'P000001', subject: 'zhang' });
    const [h, p, s] = token.split('.') as [string, string, string];
    const payload = JSON.parse(Buffer.from(p, 'base64url').toString());
    expect(reason(verifier()(`${h}.${b64({ ...payload, pid: 'P999999' })}.${s}`, Buffer.from(QUEUE)))).toBe(
      'BAD_SIGNATURE',
    );
    const flipped = s[0] === 'A' ? `B${s.slice(1)}` : `A${s.slice(1)}`;
    expect(reason(verifier()(`${h}.${p}.${flipped}`, Buffer.from(QUEUE)))).toBe('BAD_SIGNATURE');
    expect(reason(verifier()(`${h}.${p}.${s.slice(0, 40)}`, Buffer.from(QUEUE)))).toBe('BAD_SIGNATURE');
    expect(reason(verifier()(`${h}.${p}.`, Buffer.from(QUEUE)))).toBe('BAD_SIGNATURE');
  });

  it('refuses alg confusion: none, HS256 keyed with the public key, RS256, an embedded jwk, another typ', async () => {
    const body = Buffer.from(QUEUE);
    const claims = claimsFor(QUEUE);
    expect(reason(verifier()(`${b64({ alg: 'none', typ: INTERNAL_TOKEN_TYPE })}.${b64(claims)}.`, body))).toBe(
      'UNEXPECTED_HEADER',
    );
    // The classic: HMAC with the verifier's public key as the secret.
    const publicPem = (publicKey as KeyObject).export({ format: 'pem', type: 'spki' });
    const hsInput = `${b64({ alg: 'HS256', typ: INTERNAL_TOKEN_TYPE })}.${b64(claims)}`;
    const hs = `${hsInput}.${createHmac('sha256', publicPem).update(hsInput).digest('base64url')}`;
    expect(reason(verifier()(hs, body))).toBe('UNEXPECTED_HEADER');
    const rsa = generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey;
    const rs = await new SignJWT(claims).setProtectedHeader({ alg: 'RS256', typ: INTERNAL_TOKEN_TYPE }).sign(rsa);
    expect(reason(verifier()(rs, body))).toBe('UNEXPECTED_HEADER');
    const attacker = generateKeyPairSync('ed25519');
    const jwk = attacker.publicKey.export({ format: 'jwk' });
    expect(reason(verifier()(craft({ ...HEADER, jwk }, claims, attacker.privateKey), body))).toBe('UNEXPECTED_HEADER');
    // The same header fields in another order, or another typ: still not the one header accepted.
    expect(reason(verifier()(craft({ typ: INTERNAL_TOKEN_TYPE, alg: 'EdDSA' }, claims), body))).toBe(
      'UNEXPECTED_HEADER',
    );
    expect(reason(verifier()(craft({ alg: 'EdDSA', typ: 'JWT' }, claims), body))).toBe('UNEXPECTED_HEADER');
    // The exact header and the real key: accepted (the crafting itself is sound).
    expect(reason(verifier()(craft(HEADER, claims), body))).toBe('OK');
  });

  it('refuses malformed tokens and unusable claims', () => {
    const body = Buffer.from(QUEUE);
    for (const garbage of ['', 'not-a-token', 'not.a.token', 'a.b.c.d', `${mint()}.x`]) {
      expect(['MALFORMED', 'UNEXPECTED_HEADER']).toContain(reason(verifier()(garbage, body)));
    }
    expect(reason(verifier()(craft(HEADER, claimsFor(QUEUE, { iss: 'mente-dev-idp' })), body))).toBe('WRONG_ISSUER');
    expect(reason(verifier()(craft(HEADER, claimsFor(QUEUE, { exp: 'soon' })), body))).toBe('BAD_CLAIMS');
    expect(reason(verifier()(craft(HEADER, claimsFor(QUEUE, { jti: undefined })), body))).toBe('BAD_CLAIMS');
    expect(reason(verifier()(craft(HEADER, claimsFor(QUEUE, { jti: 'short' })), body))).toBe('BAD_CLAIMS');
    expect(reason(verifier()(craft(HEADER, claimsFor(QUEUE, { rgn: '5104' })), body))).toBe('BAD_CLAIMS');
    expect(reason(verifier()(craft(HEADER, claimsFor(QUEUE, { role: 'ROOT' })), body))).toBe('BAD_CLAIMS');
    expect(reason(verifier()(craft(HEADER, claimsFor(QUEUE, { role: 'APPLICANT' })), body))).toBe('BAD_CLAIMS');
    expect(reason(verifier()(craft(HEADER, claimsFor(QUEUE, { body_sha256: undefined })), body))).toBe('BODY_MISMATCH');
  });

  it('needs Ed25519 keys', () => {
    const rsa = generateKeyPairSync('rsa', { modulusLength: 2048 });
    expect(() => createInternalTokenVerifier(rsa.publicKey, { subgraph: PZH })).toThrow(/Ed25519/);
    expect(() => signInternalToken(rsa.privateKey, { identity: alice, subgraph: PZH, body: QUEUE })).toThrow(/Ed25519/);
    expect(() => createInternalTokenVerifier(privateKey, { subgraph: PZH })).toThrow(/public/);
  });
});

describe('replay cache', () => {
  it('refuses new jtis while full of live ones, and frees slots as they expire', () => {
    let now = Date.now();
    const check = verifier({ replayCacheEntries: 2, now: () => now });
    const tokens = [mint(alice, QUEUE, { now }), mint(alice, QUEUE, { now }), mint(alice, QUEUE, { now })];
    expect(tokens.map((t) => reason(check(t, Buffer.from(QUEUE))))).toEqual(['OK', 'OK', 'REPLAY_CACHE_FULL']);
    now += (DEFAULT_INTERNAL_TTL_SECONDS + 5) * 1000; // the first two are past exp + tolerance
    expect(reason(check(mint(alice, QUEUE, { now }), Buffer.from(QUEUE)))).toBe('OK');
  });

  it('keeps each jti until its own time, sweeping expired ones from the oldest end', () => {
    const cache = new ReplayCache(2);
    expect(cache.add('a', 10, 0)).toBe('added');
    expect(cache.add('a', 10, 5)).toBe('seen');
    expect(cache.add('b', 20, 5)).toBe('added');
    expect(cache.add('c', 20, 5)).toBe('full');
    expect(cache.add('c', 20, 10)).toBe('added'); // 'a' expired at 10
    expect(cache.size).toBe(2);
    expect(cache.add('a', 30, 11)).toBe('full'); // b and c still live
    // A long-lived entry at the front does not hide expired ones behind it when the cache is full.
    const mixed = new ReplayCache(2);
    mixed.add('long', 100, 0);
    mixed.add('short', 5, 0);
    expect(mixed.add('next', 100, 6)).toBe('added');
  });
});

describe('describeActor', () => {
  it('formats every role', () => {
    expect(describeActor({ role: 'APPLICANT', personId: 'P0001', subject: 'z' })).toBe('APPLICANT:P0001');
    expect(describeActor({ role: 'REVIEWER', regionCode: '510400', subject: 'alice' })).toBe('REVIEWER:510400:alice');
    expect(describeActor({ role: 'COUNTER_CLERK', regionCode: '445300', subject: 'carol' })).toBe(
      'COUNTER_CLERK:445300:carol',
    );
    expect(describeActor({ role: 'NATIONAL_OPERATOR', subject: 'bob' })).toBe('NATIONAL_OPERATOR:bob');
    expect(describeActor(ANONYMOUS)).toBe('ANONYMOUS');
  });
});

describe('development keys', () => {
  const mode = (file: string) => fs.statSync(file).mode & 0o777;

  it('creates two Ed25519 pairs, private keys 0600, and is idempotent', async () => {
    const keysDir = path.join(dir, 'idempotent');
    const first = await ensureDevelopmentKeys(keysDir);
    expect(first).toEqual(developmentKeyPaths(keysDir));
    const contents = Object.values(first).map((f) => fs.readFileSync(f, 'utf8'));
    expect(contents[0]).toMatch(/^-----BEGIN PRIVATE KEY-----/);
    expect(contents[1]).toMatch(/^-----BEGIN PUBLIC KEY-----/);
    expect(new Set(contents).size).toBe(4);
    if (process.platform !== 'win32') {
      expect(mode(first.callerPrivateKeyPath)).toBe(0o600);
      expect(mode(first.internalPrivateKeyPath)).toBe(0o600);
    }
    const second = await ensureDevelopmentKeys(keysDir);
    expect(second).toEqual(first);
    expect(Object.values(second).map((f) => fs.readFileSync(f, 'utf8'))).toEqual(contents);
    expect(fs.readdirSync(keysDir).sort()).toEqual([
      'caller-private.pem',
      'caller-public.pem',
      'internal-private.pem',
      'internal-public.pem',
    ]);
  });

  it('re-derives a deleted public key and survives concurrent creation', async () => {
    const keysDir = path.join(dir, 'concurrent');
    const results = await Promise.all([1, 2, 3, 4].map(() => ensureDevelopmentKeys(keysDir)));
    const publicPem = fs.readFileSync(results[0].internalPublicKeyPath, 'utf8');
    const body = '{"query":"{ regions { code } }"}';
    const token = signInternalToken(await loadPrivateKey(results[0].internalPrivateKeyPath), {
      identity: ANONYMOUS,
      subgraph: 'national',
      body,
    });
    fs.unlinkSync(results[0].internalPublicKeyPath);
    await ensureDevelopmentKeys(keysDir);
    expect(fs.readFileSync(results[0].internalPublicKeyPath, 'utf8')).toBe(publicPem);
    const check = createInternalTokenVerifier(await loadPublicKey(results[0].internalPublicKeyPath), {
      subgraph: 'national',
    });
    expect(check(token, Buffer.from(body))).toMatchObject({ ok: true, identity: ANONYMOUS });
    expect(fs.readdirSync(keysDir).filter((f) => f.endsWith('.tmp'))).toEqual([]);
  });

  it('explains unusable key files', async () => {
    await expect(loadPublicKey(path.join(dir, 'missing.pem'))).rejects.toThrow(/cannot read public key file/);
    const paths = developmentKeyPaths(path.join(dir, 'keys'));
    await expect(loadPublicKey(paths.callerPrivateKeyPath)).rejects.toThrow(/SPKI/);
    const rsa = path.join(dir, 'rsa.pem');
    fs.writeFileSync(
      rsa,
      generateKeyPairSync('rsa', { modulusLength: 2048 }).publicKey.export({ format: 'pem', type: 'spki' }),
    );
    await expect(loadPublicKey(rsa)).rejects.toThrow();
  });
});
