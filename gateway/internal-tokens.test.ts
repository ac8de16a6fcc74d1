import { generateKeyPairSync } from 'node:crypto';

import { decodeJwt } from 'jose';

import type { Identity } from '../subgraphs/kit/auth/identity';
import { createInternalTokenVerifier } from '../subgraphs/kit/auth/internal-token';
import { InternalTokenIssuer } from './internal-tokens';

const { privateKey, publicKey } = generateKeyPairSync('ed25519');
const alice: Identity = { role: 'REVIEWER', regionCode: '510400', subject: 'alice' };
const bob: Identity = { role: 'REVIEWER', regionCode: '445300', subject: 'alice' };

describe('InternalTokenIssuer', () => {
  it('reuses a caller’s token for half its lifetime, then signs a new one', async () => {
    let now = 1_000_000;
    const issuer = new InternalTokenIssuer(privateKey, 60, 100, () => now);
    const first = await issuer.tokenFor(alice);
    now += 29_000;
    expect(await issuer.tokenFor({ ...alice })).toBe(first);
    now += 1_000;
    const renewed = issuer.tokenFor(alice);
    expect(renewed).not.toBe(issuer.tokenFor(bob));
    const verify = createInternalTokenVerifier(publicKey);
    await expect(verify(await renewed)).resolves.toEqual({ identity: alice });
  });

  it('never gives one caller another caller’s token', async () => {
    const issuer = new InternalTokenIssuer(privateKey);
    const callers: Identity[] = [
      alice,
      bob,
      { role: 'REVIEWER', regionCode: '510400', subject: 'alicia' },
      { role: 'APPLICANT', personId: 'P000001', subject: 'alice' },
      { role: 'NATIONAL_OPERATOR', subject: 'alice' },
      { role: 'ANONYMOUS' },
    ];
    const tokens = await Promise.all(callers.map((c) => issuer.tokenFor(c)));
    expect(new Set(tokens).size).toBe(callers.length);
    const verify = createInternalTokenVerifier(publicKey);
    for (const [i, token] of tokens.entries()) await expect(verify(token)).resolves.toEqual({ identity: callers[i] });
    expect(decodeJwt(tokens[0]!)).not.toHaveProperty('rid');
  });

  it('keeps at most maxEntries callers, forgetting the oldest', async () => {
    const fill = (issuer: InternalTokenIssuer) => {
      const first = issuer.tokenFor(alice);
      issuer.tokenFor(bob);
      issuer.tokenFor({ role: 'ANONYMOUS' });
      return first;
    };
    const roomy = new InternalTokenIssuer(privateKey, 60, 3);
    const kept = fill(roomy);
    expect(roomy.tokenFor(alice)).toBe(kept);
    const small = new InternalTokenIssuer(privateKey, 60, 2);
    const forgotten = fill(small);
    expect(small.tokenFor(alice)).not.toBe(forgotten);
    await Promise.all([kept, forgotten]);
  });
});
