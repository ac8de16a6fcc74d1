import { generateKeyPairSync } from 'node:crypto';

import { decodeJwt } from 'jose';

import type { Identity } from '../subgraphs/kit/platform/auth/identity';
import { createInternalTokenVerifier } from '../subgraphs/kit/platform/auth/internal-token';
import { InternalTokenIssuer } from './internal-tokens';

const { privateKey, publicKey } = generateKeyPairSync('ed25519');
const alice: Identity = { role: 'REVIEWER', regionCode: '510400', subject: 'alice' };
const body = '{"query":"{ panzhihuaReviewQueue(first: 5) { acceptanceNumber } }"}';
const atPanzhihua = () => createInternalTokenVerifier(publicKey, { subgraph: 'sichuan-panzhihua' });

describe('InternalTokenIssuer', () => {
  it('signs a fresh token per fetch, good once, at one subgraph, for one body', () => {
    const issuer = new InternalTokenIssuer(privateKey, 13);
    const first = issuer.tokenFor(alice, 'sichuan-panzhihua', body)!;
    const second = issuer.tokenFor(alice, 'sichuan-panzhihua', body)!;
    expect(second).not.toBe(first);
    expect(decodeJwt(first).jti).not.toBe(decodeJwt(second).jti);
    const { exp, iat } = decodeJwt(first);
    expect(exp! - iat!).toBe(13);
    const verify = atPanzhihua();
    expect(verify(first, Buffer.from(body))).toMatchObject({ ok: true, identity: alice });
    expect(verify(first, Buffer.from(body))).toMatchObject({ ok: false, reason: 'REPLAYED' });
    expect(verify(second, Buffer.from(body))).toMatchObject({ ok: true, identity: alice });
    const yunfu = issuer.tokenFor(alice, 'guangdong-yunfu', body)!;
    expect(atPanzhihua()(yunfu, Buffer.from(body))).toMatchObject({ ok: false, reason: 'WRONG_AUDIENCE' });
  });

  it('gives every caller a token saying who they are', () => {
    const issuer = new InternalTokenIssuer(privateKey);
    const callers: Identity[] = [
      alice,
      { role: 'REVIEWER', regionCode: '445300', subject: 'alice' },
      { role: 'APPLICANT', personId: 'P000001', subject: 'alice' },
      { role: 'NATIONAL_OPERATOR', subject: 'alice' },
    ];
    const verify = atPanzhihua();
    for (const caller of callers) {
      expect(verify(issuer.tokenFor(caller, 'sichuan-panzhihua', body)!, Buffer.from(body))).toMatchObject({
        ok: true,
        identity: caller,
      });
    }
  });

  it('sends no token for anonymous callers', () => {
    expect(new InternalTokenIssuer(privateKey).tokenFor({ role: 'ANONYMOUS' }, 'national', body)).toBeUndefined();
  });

  it('needs an Ed25519 private key', () => {
    expect(() => new InternalTokenIssuer(publicKey)).toThrow(/Ed25519 private/);
  });
});
