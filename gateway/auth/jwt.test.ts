import { generateKeyPairSync, type KeyObject } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

import { type JWTPayload, SignJWT } from 'jose';

import { mintDevelopmentToken, parseTokenArgs, parseTtl } from '../../scripts/token';
import { ANONYMOUS, describeActor } from '../../subgraphs/kit/platform/auth/identity';
import { ensureDevelopmentKeys, loadPrivateKey } from '../../subgraphs/kit/platform/auth/keys';
import { AuthError, createJwtVerifier, DEV_AUDIENCE, DEV_ISSUER, INVALID_TOKEN_MESSAGE } from './jwt';

const b64 = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');
const now = () => Math.floor(Date.now() / 1000);

let dir: string;
let keysDir: string;
let callerKey: Awaited<ReturnType<typeof loadPrivateKey>>;
let publicKeyFile: string;
let verify: ReturnType<typeof createJwtVerifier>;

beforeAll(async () => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'mente-jwt-'));
  keysDir = path.join(dir, 'keys');
  const paths = await ensureDevelopmentKeys(keysDir);
  callerKey = await loadPrivateKey(paths.callerPrivateKeyPath);
  publicKeyFile = paths.callerPublicKeyPath;
  verify = createJwtVerifier({ issuer: DEV_ISSUER, audience: DEV_AUDIENCE, publicKeyFile });
});

afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

function token(
  claims: JWTPayload,
  options: { key?: KeyObject | typeof callerKey; iss?: string; aud?: string; exp?: number | null; nbf?: number } = {},
) {
  const jwt = new SignJWT(claims)
    .setProtectedHeader({ alg: 'EdDSA' })
    .setIssuer(options.iss ?? DEV_ISSUER)
    .setAudience(options.aud ?? DEV_AUDIENCE)
    .setIssuedAt();
  if (options.exp !== null) jwt.setExpirationTime(options.exp ?? now() + 600);
  if (options.nbf !== undefined) jwt.setNotBefore(options.nbf);
  return jwt.sign(options.key ?? callerKey);
}

async function rejection(header: string): Promise<AuthError> {
  try {
    await verify(header);
  } catch (e) {
    expect(e).toBeInstanceOf(AuthError);
    expect((e as AuthError).code).toBe('UNAUTHENTICATED');
    const credential = header.replace(/^\w+\s*/, '');
    if (credential.length > 8) expect((e as AuthError).message).not.toContain(credential);
    return e as AuthError;
  }
  throw new Error('expected an AuthError');
}

describe('createJwtVerifier', () => {
  it('accepts an applicant', async () => {
    const identity = await verify(`Bearer ${await token({ role: 'APPLICANT', personId: 'P000001', sub: 'zhang' })}`);
    expect(identity).toEqual({ role: 'APPLICANT', personId: 'P000001', subject: 'zhang' });
    expect(describeActor(identity)).toBe('APPLICANT:P000001');
  });

  it('accepts a reviewer', async () => {
    const identity = await verify(`Bearer ${await token({ role: 'REVIEWER', regionCode: '510400', sub: 'alice' })}`);
    expect(identity).toEqual({ role: 'REVIEWER', regionCode: '510400', subject: 'alice' });
    expect(describeActor(identity)).toBe('REVIEWER:510400:alice');
  });

  it('accepts a national operator, scheme case-insensitive', async () => {
    const identity = await verify(`bearer ${await token({ role: 'NATIONAL_OPERATOR', sub: 'bob' })}`);
    expect(identity).toEqual({ role: 'NATIONAL_OPERATOR', subject: 'bob' });
    expect(describeActor(identity)).toBe('NATIONAL_OPERATOR:bob');
  });

  it('treats a missing header as anonymous', async () => {
    await expect(verify(undefined)).resolves.toEqual(ANONYMOUS);
    await expect(verify('')).resolves.toEqual(ANONYMOUS);
    expect(describeActor(ANONYMOUS)).toBe('ANONYMOUS');
  });

  it('rejects malformed headers', async () => {
    const valid = await token({ role: 'NATIONAL_OPERATOR', sub: 'bob' });
    for (const header of [valid, `Basic ${valid}`, 'Bearer', 'Bearer ', `Bearer ${valid} extra`, 'Bearer not-a-jwt']) {
      await rejection(header);
    }
  });

  it('rejects an expired token', async () => {
    const e = await rejection(`Bearer ${await token({ role: 'NATIONAL_OPERATOR', sub: 'bob' }, { exp: now() - 120 })}`);
    expect(e.message).toBe(INVALID_TOKEN_MESSAGE);
    expect(String((e.cause as Error).message)).toMatch(/exp/);
  });

  it('honours the clock tolerance', async () => {
    const identity = await verify(
      `Bearer ${await token({ role: 'NATIONAL_OPERATOR', sub: 'bob' }, { exp: now() - 5 })}`,
    );
    expect(identity.role).toBe('NATIONAL_OPERATOR');
  });

  it('rejects a token without exp', async () => {
    await rejection(`Bearer ${await token({ role: 'NATIONAL_OPERATOR', sub: 'bob' }, { exp: null })}`);
  });

  it('rejects a token that is not yet valid', async () => {
    const e = await rejection(`Bearer ${await token({ role: 'NATIONAL_OPERATOR', sub: 'bob' }, { nbf: now() + 300 })}`);
    expect(String((e.cause as Error).message)).toMatch(/nbf/);
  });

  it('rejects the wrong audience', async () => {
    await rejection(`Bearer ${await token({ role: 'NATIONAL_OPERATOR', sub: 'bob' }, { aud: 'someone-else' })}`);
  });

  it('rejects the wrong issuer', async () => {
    await rejection(
      `Bearer ${await token({ role: 'NATIONAL_OPERATOR', sub: 'bob' }, { iss: 'https://evil.example' })}`,
    );
  });

  it('rejects a signature by another key', async () => {
    const { privateKey } = generateKeyPairSync('ed25519');
    await rejection(`Bearer ${await token({ role: 'NATIONAL_OPERATOR', sub: 'bob' }, { key: privateKey })}`);
  });

  it('rejects a tampered payload', async () => {
    const [h, , s] = (await token({ role: 'APPLICANT', personId: 'P000001', sub: 'zhang' })).split('.');
    const forged = b64({
      role: 'NATIONAL_OPERATOR',
      sub: 'zhang',
      iss: DEV_ISSUER,
      aud: DEV_AUDIENCE,
      exp: now() + 600,
    });
    await rejection(`Bearer ${h}.${forged}.${s}`);
  });

  it('rejects alg none', async () => {
    const payload = b64({
      role: 'NATIONAL_OPERATOR',
      sub: 'bob',
      iss: DEV_ISSUER,
      aud: DEV_AUDIENCE,
      exp: now() + 600,
    });
    await rejection(`Bearer ${b64({ alg: 'none', typ: 'JWT' })}.${payload}.`);
  });

  it('rejects HS256, including with the public key as the secret', async () => {
    const claims = { role: 'NATIONAL_OPERATOR', sub: 'bob' };
    const sign = (secret: Uint8Array) =>
      new SignJWT(claims)
        .setProtectedHeader({ alg: 'HS256' })
        .setIssuer(DEV_ISSUER)
        .setAudience(DEV_AUDIENCE)
        .setExpirationTime('10m')
        .sign(secret);
    await rejection(`Bearer ${await sign(new TextEncoder().encode('some shared secret of enough length!!'))}`);
    await rejection(`Bearer ${await sign(fs.readFileSync(publicKeyFile))}`);
  });

  it('rejects an applicant without personId', async () => {
    const e = await rejection(`Bearer ${await token({ role: 'APPLICANT', sub: 'zhang' })}`);
    expect(e.message).toBe(INVALID_TOKEN_MESSAGE);
    expect((e.cause as Error).message).toMatch(/personId/);
    await rejection(`Bearer ${await token({ role: 'APPLICANT', personId: 42, sub: 'zhang' })}`);
  });

  it('rejects a reviewer with a bad region code', async () => {
    for (const regionCode of [undefined, '51040', '5104000', 'abcdef', 510400]) {
      const e = await rejection(`Bearer ${await token({ role: 'REVIEWER', regionCode, sub: 'alice' })}`);
      expect((e.cause as Error).message).toMatch(/regionCode/);
    }
  });

  it('rejects an unknown role and a missing sub', async () => {
    await rejection(`Bearer ${await token({ role: 'ADMIN', sub: 'root' })}`);
    await rejection(`Bearer ${await token({ sub: 'nobody' })}`);
    await rejection(`Bearer ${await token({ role: 'NATIONAL_OPERATOR' })}`);
  });

  it('refuses bad configuration at creation', () => {
    expect(() => createJwtVerifier({ issuer: DEV_ISSUER, audience: DEV_AUDIENCE })).toThrow(/exactly one/);
    expect(() =>
      createJwtVerifier({ issuer: DEV_ISSUER, audience: DEV_AUDIENCE, publicKeyFile, jwksUrl: 'https://idp/jwks' }),
    ).toThrow(/exactly one/);
    expect(() =>
      createJwtVerifier({ issuer: DEV_ISSUER, audience: DEV_AUDIENCE, publicKeyFile: path.join(dir, 'nope.pem') }),
    ).toThrow(/cannot read/);
    expect(() =>
      createJwtVerifier({
        issuer: DEV_ISSUER,
        audience: DEV_AUDIENCE,
        publicKeyFile: path.join(keysDir, 'caller-private.pem'),
      }),
    ).toThrow(/SPKI/);
    expect(() => createJwtVerifier({ issuer: DEV_ISSUER, audience: DEV_AUDIENCE, jwksUrl: 'not a url' })).toThrow(
      /jwksUrl/,
    );
    expect(() =>
      createJwtVerifier({ issuer: DEV_ISSUER, audience: DEV_AUDIENCE, publicKeyFile, algorithms: ['HS256'] }),
    ).toThrow(/not allowed/);
    expect(() => createJwtVerifier({ issuer: '', audience: DEV_AUDIENCE, publicKeyFile })).toThrow(/issuer/);
  });

  it('verifies against a JWKS endpoint', async () => {
    const { exportJWK } = await import('jose');
    const { publicKey, privateKey } = generateKeyPairSync('ed25519');
    const jwk = { ...(await exportJWK(publicKey)), kid: 'k1', alg: 'EdDSA', use: 'sig' };
    const http = await import('node:http');
    const server = http.createServer((_req, res) => {
      res.setHeader('content-type', 'application/json');
      res.end(JSON.stringify({ keys: [jwk] }));
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    try {
      const { port } = server.address() as { port: number };
      const jwksVerify = createJwtVerifier({
        issuer: 'https://idp.example',
        audience: 'mente',
        jwksUrl: `http://127.0.0.1:${port}/jwks`,
      });
      const jwt = await new SignJWT({ role: 'REVIEWER', regionCode: '445300', sub: 'li' })
        .setProtectedHeader({ alg: 'EdDSA', kid: 'k1' })
        .setIssuer('https://idp.example')
        .setAudience('mente')
        .setExpirationTime('5m')
        .sign(privateKey);
      await expect(jwksVerify(`Bearer ${jwt}`)).resolves.toEqual({
        role: 'REVIEWER',
        regionCode: '445300',
        subject: 'li',
      });
      const other = await new SignJWT({ role: 'REVIEWER', regionCode: '445300', sub: 'li' })
        .setProtectedHeader({ alg: 'EdDSA', kid: 'k1' })
        .setIssuer('https://idp.example')
        .setAudience('mente')
        .setExpirationTime('5m')
        .sign(generateKeyPairSync('ed25519').privateKey);
      await expect(jwksVerify(`Bearer ${other}`)).rejects.toBeInstanceOf(AuthError);
    } finally {
      server.close();
    }
  });
});

describe('development tokens (scripts/token.ts)', () => {
  it('mints tokens the dev verifier accepts, for every role', async () => {
    const applicant = await mintDevelopmentToken({ role: 'APPLICANT', personId: 'P000001', keysDir });
    // Verified by default (realNameVerified: true); --unverified leaves the claim out.
    expect(await verify(`Bearer ${applicant}`)).toEqual({
      role: 'APPLICANT',
      personId: 'P000001',
      subject: 'applicant-P000001',
      realNameVerified: true,
    });
    const unverified = await mintDevelopmentToken({
      role: 'APPLICANT',
      personId: 'P000001',
      realNameVerified: false,
      keysDir,
    });
    const identity = await verify(`Bearer ${unverified}`);
    expect(identity).toEqual({ role: 'APPLICANT', personId: 'P000001', subject: 'applicant-P000001' });
    expect('realNameVerified' in identity).toBe(false);
    const clerk = await mintDevelopmentToken({ role: 'COUNTER_CLERK', regionCode: '445300', keysDir });
    expect(await verify(`Bearer ${clerk}`)).toEqual({
      role: 'COUNTER_CLERK',
      regionCode: '445300',
      subject: 'clerk-445300',
    });
    const reviewer = await mintDevelopmentToken({ role: 'REVIEWER', regionCode: '510400', subject: 'alice', keysDir });
    expect(await verify(`Bearer ${reviewer}`)).toEqual({ role: 'REVIEWER', regionCode: '510400', subject: 'alice' });
    const hospital = await mintDevelopmentToken({
      role: 'HOSPITAL_REVIEWER',
      regionCode: '445300',
      hospitalCode: 'H44530200001',
      keysDir,
    });
    expect(await verify(`Bearer ${hospital}`)).toEqual({
      role: 'HOSPITAL_REVIEWER',
      regionCode: '445300',
      hospitalCode: 'H44530200001',
      subject: 'hospital-H44530200001',
    });
    const operator = await mintDevelopmentToken({ role: 'NATIONAL_OPERATOR', ttl: '30m', keysDir });
    expect(await verify(`Bearer ${operator}`)).toEqual({ role: 'NATIONAL_OPERATOR', subject: 'national-operator' });
  });

  it('validates its arguments', async () => {
    await expect(mintDevelopmentToken({ role: 'ADMIN', keysDir })).rejects.toThrow(/--role must be one of/);
    await expect(mintDevelopmentToken({ role: 'APPLICANT', keysDir })).rejects.toThrow(/--person/);
    await expect(mintDevelopmentToken({ role: 'REVIEWER', keysDir })).rejects.toThrow(/--region/);
    await expect(mintDevelopmentToken({ role: 'REVIEWER', regionCode: '5104', keysDir })).rejects.toThrow(/6-digit/);
    await expect(mintDevelopmentToken({ role: 'NATIONAL_OPERATOR', regionCode: '510400', keysDir })).rejects.toThrow(
      /REVIEWER, COUNTER_CLERK and HOSPITAL_REVIEWER only/,
    );
    await expect(mintDevelopmentToken({ role: 'COUNTER_CLERK', keysDir })).rejects.toThrow(/--region/);
    await expect(
      mintDevelopmentToken({ role: 'REVIEWER', regionCode: '510400', realNameVerified: false, keysDir }),
    ).rejects.toThrow(/APPLICANT only/);
    expect(parseTokenArgs(['--role', 'APPLICANT', '--person', 'P000002', '--unverified'])).toMatchObject({
      role: 'APPLICANT',
      personId: 'P000002',
      realNameVerified: false,
    });
    expect(parseTokenArgs(['--role', 'APPLICANT', '--person', 'P000002'])).not.toHaveProperty('realNameVerified');
    expect(() => parseTtl('8 hours')).toThrow(/--ttl/);
    expect(() => parseTtl('0')).toThrow(/positive/);
    expect(parseTtl('8h')).toBe(8 * 3600);
    expect(parseTtl('90')).toBe(90);
    expect(() => parseTokenArgs(['--role', 'REVIEWER', '--bogus'])).toThrow(/bogus/);
    expect(() => parseTokenArgs([])).toThrow(/--role is required/);
    expect(parseTokenArgs(['--role', 'reviewer', '--region', '510400', '--sub', 'alice', '--ttl', '1h'])).toEqual({
      role: 'REVIEWER',
      personId: undefined,
      regionCode: '510400',
      subject: 'alice',
      ttl: '1h',
      keysDir: undefined,
    });
  });
});

describe('verified caller tokens', () => {
  afterEach(() => jest.useRealTimers());

  it('remembers a valid token until exp plus tolerance, then refuses it', async () => {
    const start = Date.now();
    jest.useFakeTimers({ now: start, doNotFake: ['nextTick', 'setImmediate', 'queueMicrotask'] });
    const check = createJwtVerifier({ issuer: DEV_ISSUER, audience: DEV_AUDIENCE, publicKeyFile });
    const jwt = await token({ role: 'REVIEWER', regionCode: '510400', sub: 'alice' }, { exp: now() + 20 });
    const alice = { role: 'REVIEWER', regionCode: '510400', subject: 'alice' };
    await expect(check(`Bearer ${jwt}`)).resolves.toEqual(alice);
    jest.setSystemTime(start + 45_000); // past exp, within the 30 s tolerance: still accepted
    await expect(check(`Bearer ${jwt}`)).resolves.toEqual(alice);
    jest.setSystemTime(start + 52_000); // past exp + 30 s
    await expect(check(`Bearer ${jwt}`)).rejects.toBeInstanceOf(AuthError);
  });

  it('never remembers a refused token or lets one token stand for another', async () => {
    const check = createJwtVerifier({ issuer: DEV_ISSUER, audience: DEV_AUDIENCE, publicKeyFile });
    const good = await token({ role: 'APPLICANT', personId: 'P000001', sub: 'zhang' });
    const [h, p, s] = good.split('.');
    const forged = `${h}.${b64({ ...JSON.parse(Buffer.from(p!, 'base64url').toString()), personId: 'P000002' })}.${s}`;
    await expect(check(`Bearer ${good}`)).resolves.toMatchObject({ personId: 'P000001' });
    await expect(check(`Bearer ${forged}`)).rejects.toBeInstanceOf(AuthError);
    await expect(check(`Bearer ${forged}`)).rejects.toBeInstanceOf(AuthError);
    await expect(check(`Bearer ${good}`)).resolves.toMatchObject({ personId: 'P000001' });
  });
});
