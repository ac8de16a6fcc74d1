import 'reflect-metadata';

import { generateKeyPairSync, randomBytes } from 'node:crypto';

import { NATIONAL, REGIONS } from '../schema/registry';
import { seedDemoPeople } from '../scripts/lib/demo';
import { DEMO_PEOPLE } from '../scripts/seed-data/people';
import { AuditEntity } from '../subgraphs/kit/persistence/audit';
import { HISTORY_PATH } from '../subgraphs/kit/persistence/history-report';
import {
  NationalClient,
  NationalUnavailableError,
  PERSON_FACTS_PATH,
} from '../subgraphs/kit/persistence/national-client';
import type { Identity } from '../subgraphs/kit/platform/auth/identity';
import { INTERNAL_TOKEN_HEADER, signInternalToken } from '../subgraphs/kit/platform/auth/internal-token';
import { REGION_TOKEN_HEADER, signRegionToken } from '../subgraphs/kit/platform/auth/region-token';
import { PiiVault } from '../subgraphs/kit/platform/pii';
import { type NationalSubgraph, startNationalSubgraph } from '../subgraphs/national/server';

// Region → national trust: a region asks POST /internal/person-facts with its OWN key (never the
// gateway's internal key), gets only residence, insured region and directory entries, and every
// person read is on the national audit log as REGION:<code>. Anything else is 401 and unaudited.

const [A, B] = REGIONS as [(typeof REGIONS)[number], (typeof REGIONS)[number]];
const keyOf = { [A.code]: generateKeyPairSync('ed25519'), [B.code]: generateKeyPairSync('ed25519') };
const gatewayKey = generateKeyPairSync('ed25519');
const person = DEMO_PEOPLE.find((p) => p.residenceRegionCode && p.insuredRegionCode === A.code)!;
const body = JSON.stringify({ personId: person.id, hospitalCodes: ['H51040200001', 'H00000000000'] });

let national: NationalSubgraph;

beforeAll(async () => {
  const vault = new PiiVault({ hashKey: randomBytes(32), encryptionKey: randomBytes(32) });
  national = await startNationalSubgraph({
    vault,
    port: 0,
    databaseUrl: 'memory:',
    prepare: true,
    internalPublicKey: gatewayKey.publicKey,
    regionPublicKeys: new Map(Object.entries(keyOf).map(([code, pair]) => [code, pair.publicKey])),
    log: () => {},
  });
  await seedDemoPeople(national.dataSource, vault);
}, 60_000);
afterAll(() => national?.close());

const ask = (headers: Record<string, string>, text = body, path = PERSON_FACTS_PATH) =>
  fetch(`${national.url}${path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: text,
  });
const tokenOf = (
  signer: string,
  claims: Partial<{ regionCode: string; audience: string; body: string; now: number }> = {},
) => signRegionToken(keyOf[signer]!.privateKey, { regionCode: signer, audience: NATIONAL.name, body, ...claims });
const audited = () =>
  national.dataSource.getRepository(AuditEntity).find({
    where: { action: 'REGION_READ_PERSON', subject: person.id },
    order: { at: 'ASC', id: 'ASC' },
  });

describe('POST /internal/person-facts (region → national look-ups)', () => {
  it("answers a region's own token with the person's residence and insured region and the directory entries, audited as the region", async () => {
    const before = (await audited()).length;
    const res = await ask({ [REGION_TOKEN_HEADER]: tokenOf(A.code) });
    expect(res.status).toBe(200);
    const answer = (await res.json()) as Record<string, any>;
    expect(answer.person).toEqual({
      id: person.id,
      insuredRegionCode: A.code,
      residenceRegionCode: person.residenceRegionCode,
      residenceRegionName: expect.any(String),
    });
    // Nothing else about the person: no name, identity number or phone.
    expect(Object.keys(answer.person).sort()).toEqual([
      'id',
      'insuredRegionCode',
      'residenceRegionCode',
      'residenceRegionName',
    ]);
    expect(answer.hospitals.H51040200001).toMatchObject({
      code: 'H51040200001',
      level: expect.stringMatching(/^LEVEL_/),
    });
    expect(answer.hospitals.H00000000000).toBeNull();
    const rows = await audited();
    expect(rows).toHaveLength(before + 1);
    expect(rows.at(-1)).toMatchObject({ actor: `REGION:${A.code}`, role: 'REGION', subject: person.id });
  });

  it('refuses (401, nothing audited) a token of region A presented as B, replayed, expired, for another audience, for another body, or none', async () => {
    const before = (await audited()).length;
    const replayed = tokenOf(A.code);
    expect((await ask({ [REGION_TOKEN_HEADER]: replayed })).status).toBe(200);
    const cases: [string, Record<string, string>, string?, string?][] = [
      // A's key, B's name: B's public key does not verify it.
      ['BAD_SIGNATURE', { [REGION_TOKEN_HEADER]: tokenOf(A.code, { regionCode: B.code }) }],
      ['REPLAYED', { [REGION_TOKEN_HEADER]: replayed }],
      // The same token on the other region route: one verifier, one replay cache.
      ['REPLAYED', { [REGION_TOKEN_HEADER]: replayed }, body, HISTORY_PATH],
      ['EXPIRED', { [REGION_TOKEN_HEADER]: tokenOf(A.code, { now: Date.now() - 120_000 }) }],
      ['WRONG_AUDIENCE', { [REGION_TOKEN_HEADER]: tokenOf(A.code, { audience: B.subgraph }) }],
      [
        'BODY_MISMATCH',
        { [REGION_TOKEN_HEADER]: tokenOf(A.code) },
        JSON.stringify({ personId: 'P000001', hospitalCodes: [] }),
      ],
      ['UNKNOWN_REGION', { [REGION_TOKEN_HEADER]: tokenOf(A.code, { regionCode: '999999' }) }],
      ['MISSING', {}],
      // The gateway's internal token is no key to this door either.
      [
        'MISSING',
        {
          [INTERNAL_TOKEN_HEADER]: signInternalToken(gatewayKey.privateKey, {
            identity: { role: 'NATIONAL_OPERATOR', subject: 'op' } as Identity,
            subgraph: NATIONAL.name,
            body: JSON.stringify({ query: '{ __typename }' }),
          }),
        },
      ],
    ];
    for (const [reason, headers, text, path] of cases) {
      const res = await ask(headers, text, path);
      expect({ reason, status: res.status, body: await res.json() }).toEqual({
        reason,
        status: 401,
        body: { error: 'UNAUTHENTICATED', reason },
      });
    }
    expect(await audited()).toHaveLength(before + 1); // only the one good read
  });

  it('refuses a body that is not a look-up (400) and asks nothing of the index without a person', async () => {
    const bad = JSON.stringify({ personId: 'P 1; drop', hospitalCodes: 'H1' });
    expect((await ask({ [REGION_TOKEN_HEADER]: tokenOf(A.code, { body: bad }) }, bad)).status).toBe(400);
    const before = await national.dataSource.getRepository(AuditEntity).count();
    const codesOnly = JSON.stringify({ personId: null, hospitalCodes: ['H51040200001'] });
    const res = await ask({ [REGION_TOKEN_HEADER]: tokenOf(B.code, { body: codesOnly }) }, codesOnly);
    expect(res.status).toBe(200);
    expect(((await res.json()) as Record<string, any>).person).toBeNull();
    expect(await national.dataSource.getRepository(AuditEntity).count()).toBe(before);
  });

  it("is what the region's client asks: its own key works, another region's key is NATIONAL_SERVICE_UNAVAILABLE", async () => {
    const applicant: Identity = { role: 'APPLICANT', personId: person.id, subject: person.id } as Identity;
    const own = new NationalClient({ url: national.url, regionCode: A.code, privateKey: keyOf[A.code]!.privateKey });
    const facts = await own.facts(applicant, person.id, ['H51040200001']);
    expect(facts.person?.residenceRegionCode).toBe(person.residenceRegionCode);
    expect(facts.hospitals.get('H51040200001')).not.toBeNull();
    // B's key claiming to be A (a region holding only its own key cannot speak for another).
    const forged = new NationalClient({ url: national.url, regionCode: A.code, privateKey: keyOf[B.code]!.privateKey });
    await expect(forged.facts(applicant, person.id, [])).rejects.toBeInstanceOf(NationalUnavailableError);
  });
});
