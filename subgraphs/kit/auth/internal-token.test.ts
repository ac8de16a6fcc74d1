import { generateKeyPairSync } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

import { type KeyLike, SignJWT } from 'jose';

import { ANONYMOUS, describeActor, type Identity } from './identity';
import {
  createInternalTokenVerifier,
  INTERNAL_AUDIENCE,
  INTERNAL_ISSUER,
  INTERNAL_TOKEN_HEADER,
  INTERNAL_TOKEN_TYPE,
  signInternalToken,
} from './internal-token';
import { developmentKeyPaths, ensureDevelopmentKeys, loadPrivateKey, loadPublicKey } from './keys';

const b64 = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');

let dir: string;
let privateKey: KeyLike;
let publicKey: KeyLike;
let verify: ReturnType<typeof createInternalTokenVerifier>;

beforeAll(async () => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'mente-internal-'));
  const paths = await ensureDevelopmentKeys(path.join(dir, 'keys'));
  privateKey = await loadPrivateKey(paths.internalPrivateKeyPath);
  publicKey = await loadPublicKey(paths.internalPublicKeyPath);
  verify = createInternalTokenVerifier(publicKey);
});

afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

describe('internal token', () => {
  it('uses the agreed header name', () => {
    expect(INTERNAL_TOKEN_HEADER).toBe('x-mente-internal-token');
  });

  it.each<Identity>([
    { role: 'APPLICANT', personId: 'P000001', subject: 'zhang' },
    { role: 'REVIEWER', regionCode: '510400', subject: 'alice' },
    { role: 'NATIONAL_OPERATOR', subject: 'bob' },
    ANONYMOUS,
  ])('round-trips $role', async (identity) => {
    const token = await signInternalToken(privateKey, { identity });
    await expect(verify(token)).resolves.toEqual({ identity });
  });

  it('carries minimal claims', async () => {
    const token = await signInternalToken(privateKey, {
      identity: { role: 'REVIEWER', regionCode: '510400', subject: 'alice' },
    });
    const [header, payload] = token
      .split('.')
      .slice(0, 2)
      .map((p) => JSON.parse(Buffer.from(p, 'base64url').toString()));
    expect(header).toEqual({ alg: 'EdDSA', typ: INTERNAL_TOKEN_TYPE });
    expect(Object.keys(payload).sort()).toEqual(['aud', 'exp', 'iat', 'iss', 'rgn', 'role', 'sub']);
    expect(payload).toMatchObject({ iss: 'mente-gateway', aud: 'mente-subgraph', role: 'REVIEWER', rgn: '510400' });
    expect(payload.exp - payload.iat).toBe(60);
  });

  it('rejects an expired token (negative ttl)', async () => {
    const token = await signInternalToken(privateKey, { identity: ANONYMOUS }, -60);
    await expect(verify(token)).resolves.toBeNull();
  });

  it('rejects an expired token (clock moved on)', async () => {
    const token = await signInternalToken(privateKey, {
      identity: { role: 'NATIONAL_OPERATOR', subject: 'bob' },
    });
    const later = createInternalTokenVerifier(publicKey, { currentDate: () => new Date(Date.now() + 120_000) });
    await expect(later(token)).resolves.toBeNull();
  });

  it('rejects a token signed by another key', async () => {
    const other = generateKeyPairSync('ed25519').privateKey;
    const reasons: unknown[] = [];
    const verifyLogged = createInternalTokenVerifier(publicKey, { onRejected: (r) => reasons.push(r) });
    const token = await signInternalToken(other, {
      identity: { role: 'NATIONAL_OPERATOR', subject: 'x' },
    });
    await expect(verifyLogged(token)).resolves.toBeNull();
    expect(reasons).toHaveLength(1);
  });

  it('rejects a tampered token', async () => {
    const token = await signInternalToken(privateKey, {
      identity: { role: 'APPLICANT', personId: 'P000001', subject: 'zhang' },
    });
    const [h, p, s] = token.split('.');
    const payload = JSON.parse(Buffer.from(p, 'base64url').toString());
    await expect(verify(`${h}.${b64({ ...payload, pid: 'P999999' })}.${s}`)).resolves.toBeNull();
    const flipped = s[0] === 'A' ? `B${s.slice(1)}` : `A${s.slice(1)}`;
    await expect(verify(`${h}.${p}.${flipped}`)).resolves.toBeNull();
  });

  it('rejects missing and garbage tokens', async () => {
    await expect(verify(undefined)).resolves.toBeNull();
    await expect(verify('')).resolves.toBeNull();
    await expect(verify('not.a.token')).resolves.toBeNull();
  });

  it('rejects alg none and HS256', async () => {
    const exp = Math.floor(Date.now() / 1000) + 60;
    const claims = { role: 'NATIONAL_OPERATOR', sub: 'bob', rid: 'r', iss: INTERNAL_ISSUER, aud: INTERNAL_AUDIENCE };
    await expect(
      verify(`${b64({ alg: 'none', typ: INTERNAL_TOKEN_TYPE })}.${b64({ ...claims, exp })}.`),
    ).resolves.toBeNull();
    const hs = await new SignJWT(claims)
      .setProtectedHeader({ alg: 'HS256', typ: INTERNAL_TOKEN_TYPE })
      .setIssuedAt()
      .setExpirationTime('1m')
      .sign(new TextEncoder().encode('a shared secret that is long enough'));
    await expect(verify(hs)).resolves.toBeNull();
  });

  it('rejects the wrong audience, issuer or type', async () => {
    const sign = (aud: string, iss: string, typ: string) =>
      new SignJWT({ role: 'NATIONAL_OPERATOR', sub: 'bob', rid: 'r' })
        .setProtectedHeader({ alg: 'EdDSA', typ })
        .setIssuer(iss)
        .setAudience(aud)
        .setIssuedAt()
        .setExpirationTime('1m')
        .sign(privateKey);
    await expect(verify(await sign(INTERNAL_AUDIENCE, INTERNAL_ISSUER, INTERNAL_TOKEN_TYPE))).resolves.not.toBeNull();
    await expect(verify(await sign('mente', INTERNAL_ISSUER, INTERNAL_TOKEN_TYPE))).resolves.toBeNull();
    await expect(verify(await sign(INTERNAL_AUDIENCE, 'mente-dev-idp', INTERNAL_TOKEN_TYPE))).resolves.toBeNull();
    await expect(verify(await sign(INTERNAL_AUDIENCE, INTERNAL_ISSUER, 'JWT'))).resolves.toBeNull();
  });

  it('rejects unusable identity claims', async () => {
    const sign = (claims: Record<string, unknown>) =>
      new SignJWT(claims)
        .setProtectedHeader({ alg: 'EdDSA', typ: INTERNAL_TOKEN_TYPE })
        .setIssuer(INTERNAL_ISSUER)
        .setAudience(INTERNAL_AUDIENCE)
        .setIssuedAt()
        .setExpirationTime('1m')
        .sign(privateKey);
    await expect(verify(await sign({ role: 'APPLICANT', sub: 'x', rid: 'r' }))).resolves.toBeNull();
    await expect(verify(await sign({ role: 'REVIEWER', rgn: '5104', sub: 'x', rid: 'r' }))).resolves.toBeNull();
    await expect(verify(await sign({ sub: 'x' }))).resolves.toBeNull();
    await expect(verify(await sign({ role: 'ROOT', sub: 'x', rid: 'r' }))).resolves.toBeNull();
    // A token from an older gateway (request id signed in `rid`) still works; the claim is ignored.
    await expect(verify(await sign({ role: 'NATIONAL_OPERATOR', sub: 'x', rid: 'r' }))).resolves.toEqual({
      identity: { role: 'NATIONAL_OPERATOR', subject: 'x' },
    });
  });
});

describe('verification cache', () => {
  let clock: number;
  const at = () => new Date(clock);

  beforeEach(() => {
    clock = Date.now();
  });

  it('answers a token seen before until its exp (plus tolerance), then refuses it', async () => {
    const cached = createInternalTokenVerifier(publicKey, { currentDate: at, clockToleranceSeconds: 5 });
    const identity: Identity = { role: 'REVIEWER', regionCode: '510400', subject: 'alice' };
    const token = await signInternalToken(privateKey, { identity });
    await expect(cached(token)).resolves.toEqual({ identity });
    clock += 40_000;
    await expect(cached(token)).resolves.toEqual({ identity });
    clock += 26_000; // 66 s after signing: past exp (60 s) + tolerance (5 s)
    await expect(cached(token)).resolves.toBeNull();
  });

  it('never remembers a failure, and a cached token says exactly what was verified', async () => {
    const reasons: unknown[] = [];
    const cached = createInternalTokenVerifier(publicKey, { currentDate: at, onRejected: (r) => reasons.push(r) });
    const token = await signInternalToken(privateKey, {
      identity: { role: 'APPLICANT', personId: 'P000001', subject: 'zhang' },
    });
    const [h, p, s] = token.split('.');
    const payload = JSON.parse(Buffer.from(p!, 'base64url').toString());
    const forged = `${h}.${b64({ ...payload, pid: 'P999999' })}.${s}`;
    await expect(cached(token)).resolves.toMatchObject({ identity: { personId: 'P000001' } });
    await expect(cached(forged)).resolves.toBeNull();
    await expect(cached(forged)).resolves.toBeNull();
    expect(reasons).toHaveLength(2);
  });

  it('verifies a signature once per token', async () => {
    const { VerifiedTokenCache } = await import('./token-cache');
    const get = jest.spyOn(VerifiedTokenCache.prototype, 'get');
    const set = jest.spyOn(VerifiedTokenCache.prototype, 'set');
    try {
      const cached = createInternalTokenVerifier(publicKey);
      const token = await signInternalToken(privateKey, { identity: ANONYMOUS });
      for (let i = 0; i < 5; i++) await expect(cached(token)).resolves.toEqual({ identity: ANONYMOUS });
      expect(get).toHaveBeenCalledTimes(5);
      expect(set).toHaveBeenCalledTimes(1);
    } finally {
      get.mockRestore();
      set.mockRestore();
    }
  });

  it('forgets the oldest token when full', async () => {
    const { VerifiedTokenCache } = await import('./token-cache');
    const cache = new VerifiedTokenCache<number>(2, 60);
    cache.set('a', 1, 0, 100);
    cache.set('b', 2, 0, 100);
    cache.set('c', 3, 0, 100);
    expect([cache.get('a', 1), cache.get('b', 1), cache.get('c', 1)]).toEqual([undefined, 2, 3]);
    expect(cache.get('b', 60)).toBeUndefined(); // capped at 60 s even though exp is later
  });
});

describe('describeActor', () => {
  it('formats every role', () => {
    expect(describeActor({ role: 'APPLICANT', personId: 'P0001', subject: 'z' })).toBe('APPLICANT:P0001');
    expect(describeActor({ role: 'REVIEWER', regionCode: '510400', subject: 'alice' })).toBe('REVIEWER:510400:alice');
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
    const token = await signInternalToken(await loadPrivateKey(results[0].internalPrivateKeyPath), {
      identity: ANONYMOUS,
    });
    fs.unlinkSync(results[0].internalPublicKeyPath);
    await ensureDevelopmentKeys(keysDir);
    expect(fs.readFileSync(results[0].internalPublicKeyPath, 'utf8')).toBe(publicPem);
    const check = createInternalTokenVerifier(await loadPublicKey(results[0].internalPublicKeyPath));
    await expect(check(token)).resolves.toEqual({ identity: ANONYMOUS });
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
