import { generateKeyPairSync } from 'node:crypto';

import { SignJWT } from 'jose';

import { DEV_AUDIENCE, DEV_ISSUER } from '../gateway/auth/jwt';
import { REGIONS } from '../schema/registry';
import { DEMO_PEOPLE, DEMO_PERSONS, demoRecordsFor } from '../scripts/seed-data/people';
import { AuditEntity } from '../subgraphs/kit/persistence/audit';
import { developmentKeyPaths, loadPrivateKey } from '../subgraphs/kit/platform/auth/keys';
import { type Stack, startStack } from './harness';

// Who may see and do what, tried through every door: the gateway with each role, forged and
// broken tokens, and direct calls to a subgraph.

let stack: Stack;
const seen: string[] = []; // every response body and log line of this suite, scanned for PII at the end
const consoleSpies: jest.SpyInstance[] = [];

beforeAll(async () => {
  for (const method of ['log', 'info', 'warn', 'error'] as const) {
    const original = console[method].bind(console);
    consoleSpies.push(
      jest.spyOn(console, method).mockImplementation((...args: unknown[]) => {
        seen.push(args.map((a) => (a instanceof Error ? `${a.message}\n${a.stack}` : String(a))).join(' '));
        original(...args);
      }),
    );
  }
  stack = await startStack();
  const query = stack.query.bind(stack);
  stack.query = async (...args) => {
    const res = await query(...args);
    seen.push(JSON.stringify(res));
    return res;
  };
});
afterAll(async () => {
  await stack?.close();
  for (const spy of consoleSpies) spy.mockRestore();
});

const A = DEMO_PERSONS.panzhihuaWithHistoryInBoth; // insured in Panzhihua, records in both
const B = DEMO_PERSONS.yunfuWithOpenApplication; // insured in Yunfu
const appOf = (personId: string, region: string) =>
  demoRecordsFor(region).applications.find((a) => a.personId === personId)!.id;

type Caller = 'anonymous' | 'applicantA' | 'applicantB' | 'reviewerPanzhihua' | 'reviewerYunfu' | 'operator';
const CALLERS: Caller[] = ['anonymous', 'applicantA', 'applicantB', 'reviewerPanzhihua', 'reviewerYunfu', 'operator'];

async function tokenFor(caller: Caller): Promise<string | undefined> {
  switch (caller) {
    case 'anonymous':
      return undefined;
    case 'applicantA':
      return stack.token({ role: 'APPLICANT', personId: A });
    case 'applicantB':
      return stack.token({ role: 'APPLICANT', personId: B });
    case 'reviewerPanzhihua':
      return stack.token({ role: 'REVIEWER', regionCode: '510400', subject: 'reviewer-pzh' });
    case 'reviewerYunfu':
      return stack.token({ role: 'REVIEWER', regionCode: '445300', subject: 'reviewer-yf' });
    case 'operator':
      return stack.token({ role: 'NATIONAL_OPERATOR', subject: 'ops' });
  }
}

/** allowed = data present and no error; denied = null data with UNAUTHENTICATED or FORBIDDEN. */
type Outcome = 'allow' | 'UNAUTHENTICATED' | 'FORBIDDEN';

interface Case {
  name: string;
  query: string;
  variables: () => Record<string, unknown>;
  pick: (data: any) => unknown;
  expected: Record<Caller, Outcome>;
}

const CASES: Case[] = [
  {
    name: "person A's identity",
    query: 'query($id: ID!) { person(id: $id) { id name idNumberMasked } }',
    variables: () => ({ id: A }),
    pick: (d) => d?.person,
    expected: {
      anonymous: 'UNAUTHENTICATED',
      applicantA: 'allow',
      applicantB: 'FORBIDDEN',
      reviewerPanzhihua: 'allow',
      reviewerYunfu: 'FORBIDDEN',
      operator: 'allow',
    },
  },
  {
    name: 'me',
    query: '{ me { id } }',
    variables: () => ({}),
    pick: (d) => d?.me,
    expected: {
      anonymous: 'UNAUTHENTICATED',
      applicantA: 'allow',
      applicantB: 'allow',
      reviewerPanzhihua: 'allow',
      reviewerYunfu: 'allow',
      operator: 'allow',
    },
  },
  {
    name: "A's Panzhihua application by acceptance number",
    query: 'query($n: String!) { application(acceptanceNumber: $n) { id status } }',
    variables: () => ({ n: appOf(A, '510400') }),
    pick: (d) => d?.application,
    expected: {
      anonymous: 'UNAUTHENTICATED',
      applicantA: 'allow',
      applicantB: 'FORBIDDEN',
      reviewerPanzhihua: 'allow',
      reviewerYunfu: 'FORBIDDEN',
      operator: 'allow',
    },
  },
  {
    name: "B's Yunfu application by acceptance number",
    query: 'query($n: String!) { application(acceptanceNumber: $n) { id status } }',
    variables: () => ({ n: appOf(B, '445300') }),
    pick: (d) => d?.application,
    expected: {
      anonymous: 'UNAUTHENTICATED',
      applicantA: 'FORBIDDEN',
      applicantB: 'allow',
      reviewerPanzhihua: 'FORBIDDEN',
      reviewerYunfu: 'allow',
      operator: 'allow',
    },
  },
];

describe('access matrix through the gateway', () => {
  for (const c of CASES) {
    for (const caller of CALLERS) {
      it(`${c.name}: ${caller} → ${c.expected[caller]}`, async () => {
        const res = await stack.query(c.query, c.variables(), { token: await tokenFor(caller) });
        const outcome = c.expected[caller];
        if (outcome === 'allow') {
          expect(res.errors).toBeUndefined();
          if (c.name !== 'me' || caller.startsWith('applicant')) expect(c.pick(res.data)).not.toBeNull();
        } else {
          expect(c.pick(res.data) ?? null).toBeNull();
          expect(res.errors?.map((e) => e.extensions?.code)).toContain(outcome);
        }
      });
    }
  }

  it("a reviewer sees their own region's record of a person and is refused the other's", async () => {
    const token = await tokenFor('reviewerPanzhihua');
    const res = await stack.query(
      'query($id: ID!) { person(id: $id) { records { regionCode applications { id } } } }',
      { id: A },
      { token },
    );
    const [pzh, yf] = res.data.person.records;
    expect(pzh.regionCode).toBe('510400');
    expect(yf).toBeNull();
    // One FORBIDDEN per other region in the registry, each at its own index; Yunfu's here.
    expect(res.errors).toHaveLength(REGIONS.length - 1);
    expect(res.errors!.find((e) => e.extensions?.regionCode === '445300')).toMatchObject({
      path: ['person', 'records', 1],
      extensions: { code: 'FORBIDDEN', regionName: '云浮市' },
    });
  });

  it('an unknown application number and somebody else’s look the same to an applicant', async () => {
    const token = await tokenFor('applicantB');
    const someoneElses = await stack.query(
      'query($n: String!) { application(acceptanceNumber: $n) { status } }',
      { n: appOf(A, '510400') },
      { token },
    );
    const unknown = await stack.query(
      'query($n: String!) { application(acceptanceNumber: $n) { status } }',
      { n: appOf(A, '510400').slice(0, 14) + '000000' },
      { token },
    );
    // A number that fails its check character never reaches a region: null with no error at all.
    expect(unknown.data.application).toBeNull();
    expect(someoneElses.data.application).toBeNull();
    expect(someoneElses.errors![0]!.message).toBe('无权查看该记录');
  });

  it('public policy stays open to everyone', async () => {
    const res = await stack.query('{ regions { name diseases { code } hospitals { code } } }');
    expect(res.errors).toBeUndefined();
    expect(res.data.regions).toHaveLength(REGIONS.length);
  });
});

describe('access matrix for mutations', () => {
  // 'allow' = the region's workflow ran (its answer may be a problem); a problem code = the
  // workflow refused without telling whether the object exists; otherwise a GraphQL error code.
  type MutationOutcome = Outcome | `problem:${string}`;
  const approvedOfA = () => appOf(A, '510400'); // approved: withdrawing it is refused, nothing changes
  const openInPanzhihua = () => demoRecordsFor('510400').applications.find((a) => a.status === 'ACCEPTED')!.id;
  const MUTATIONS: {
    name: string;
    query: string;
    variables: () => Record<string, unknown>;
    expected: Record<Caller, MutationOutcome>;
  }[] = [
    {
      name: 'submitPanzhihuaApplication',
      query:
        'mutation($i: ApplicationInput!) { r: submitPanzhihuaApplication(input: $i) { application { id } problems { code } } }',
      variables: () => ({
        i: { type: 'NEW', diseaseCode: 'M99999', channelId: 'x', insuredRegionCode: '510400', materials: [] },
      }),
      expected: {
        anonymous: 'UNAUTHENTICATED',
        applicantA: 'allow',
        applicantB: 'allow',
        reviewerPanzhihua: 'FORBIDDEN',
        reviewerYunfu: 'FORBIDDEN',
        operator: 'FORBIDDEN',
      },
    },
    {
      name: "withdrawPanzhihuaApplication of A's approved application",
      query:
        'mutation($n: String!) { r: withdrawPanzhihuaApplication(acceptanceNumber: $n) { application { id } problems { code } } }',
      variables: () => ({ n: approvedOfA() }),
      expected: {
        anonymous: 'UNAUTHENTICATED',
        applicantA: 'problem:ILLEGAL_TRANSITION',
        applicantB: 'problem:APPLICATION_NOT_FOUND',
        reviewerPanzhihua: 'FORBIDDEN',
        reviewerYunfu: 'FORBIDDEN',
        operator: 'FORBIDDEN',
      },
    },
    {
      name: 'supplementPanzhihuaMaterials',
      query:
        'mutation($n: String!) { r: supplementPanzhihuaMaterials(acceptanceNumber: $n, materials: []) { application { id } problems { code } } }',
      variables: () => ({ n: approvedOfA() }),
      expected: {
        anonymous: 'UNAUTHENTICATED',
        applicantA: 'problem:ILLEGAL_TRANSITION',
        applicantB: 'problem:APPLICATION_NOT_FOUND',
        reviewerPanzhihua: 'FORBIDDEN',
        reviewerYunfu: 'FORBIDDEN',
        operator: 'FORBIDDEN',
      },
    },
    {
      name: 'reviewPanzhihuaApplication (no reason: refused before any change)',
      query:
        'mutation($n: String!) { r: reviewPanzhihuaApplication(acceptanceNumber: $n, decision: REJECT) { application { id } problems { code } } }',
      variables: () => ({ n: openInPanzhihua() }),
      expected: {
        anonymous: 'UNAUTHENTICATED',
        applicantA: 'FORBIDDEN',
        applicantB: 'FORBIDDEN',
        reviewerPanzhihua: 'problem:REASON_REQUIRED',
        reviewerYunfu: 'FORBIDDEN',
        operator: 'FORBIDDEN',
      },
    },
    {
      name: 'fileYunfuRemoteCare',
      query: 'mutation { r: fileYunfuRemoteCare(input: {}) { filing { id } problems { code } } }',
      variables: () => ({}),
      expected: {
        anonymous: 'UNAUTHENTICATED',
        applicantA: 'allow',
        applicantB: 'allow',
        reviewerPanzhihua: 'FORBIDDEN',
        reviewerYunfu: 'FORBIDDEN',
        operator: 'FORBIDDEN',
      },
    },
  ];

  for (const m of MUTATIONS) {
    for (const caller of CALLERS) {
      it(`${m.name}: ${caller} → ${m.expected[caller]}`, async () => {
        const res = await stack.query(m.query, m.variables(), { token: await tokenFor(caller) });
        const expected = m.expected[caller];
        if (expected === 'allow') {
          expect(res.errors).toBeUndefined();
          expect(res.data.r).not.toBeNull();
        } else if (expected.startsWith('problem:')) {
          expect(res.errors).toBeUndefined();
          expect(res.data.r.problems.map((p: any) => p.code)).toEqual([expected.slice('problem:'.length)]);
        } else {
          expect(res.data?.r ?? null).toBeNull();
          expect(res.errors?.map((e) => e.extensions?.code)).toContain(expected);
        }
      });
    }
  }
});

describe('tokens the gateway refuses', () => {
  const base = () => ({ role: 'APPLICANT', personId: A });
  const callerKey = async () => loadPrivateKey(developmentKeyPaths(stack.keysDir).callerPrivateKeyPath);
  const sign = async (claims: Record<string, unknown>, edit: (jwt: SignJWT) => SignJWT, key?: any) =>
    edit(new SignJWT(claims).setProtectedHeader({ alg: 'EdDSA' }).setSubject('x').setIssuedAt()).sign(
      key ?? (await callerKey()),
    );

  const cases: [string, () => Promise<string>][] = [
    [
      'expired',
      () =>
        sign(base(), (j) =>
          j
            .setIssuer(DEV_ISSUER)
            .setAudience(DEV_AUDIENCE)
            .setExpirationTime(Math.floor(Date.now() / 1000) - 3600),
        ),
    ],
    [
      'wrong audience',
      () => sign(base(), (j) => j.setIssuer(DEV_ISSUER).setAudience('someone-else').setExpirationTime('5m')),
    ],
    ['wrong issuer', () => sign(base(), (j) => j.setIssuer('evil').setAudience(DEV_AUDIENCE).setExpirationTime('5m'))],
    [
      'wrong signature',
      () =>
        sign(
          base(),
          (j) => j.setIssuer(DEV_ISSUER).setAudience(DEV_AUDIENCE).setExpirationTime('5m'),
          generateKeyPairSync('ed25519').privateKey,
        ),
    ],
    [
      'alg: none',
      async () => {
        const enc = (o: object) => Buffer.from(JSON.stringify(o)).toString('base64url');
        const now = Math.floor(Date.now() / 1000);
        return `${enc({ alg: 'none', typ: 'JWT' })}.${enc({ ...base(), sub: 'x', iss: DEV_ISSUER, aud: DEV_AUDIENCE, exp: now + 300 })}.`;
      },
    ],
  ];

  for (const [name, make] of cases) {
    it(`${name} → 401 UNAUTHENTICATED, nothing served`, async () => {
      const res = await stack.query('query($id: ID!) { person(id: $id) { id } }', { id: A }, { token: await make() });
      expect(res.status).toBe(401);
      expect(res.data).toBeUndefined();
      expect(res.errors![0]!.extensions!.code).toBe('UNAUTHENTICATED');
    });
  }
});

describe('direct calls to a subgraph', () => {
  const ENTITIES = `query($r: [_Any!]!) { _entities(representations: $r) { ... on PanzhihuaRecord { applications { id } } } }`;

  it('ignore forged identity headers: no internal token, no private data', async () => {
    const res = await stack.query(
      ENTITIES,
      { r: [{ __typename: 'PanzhihuaRecord', personId: A, regionCode: '510400' }] },
      {
        url: stack.regions['sichuan-panzhihua']!.graphqlUrl,
        headers: { 'x-mente-internal-token': 'forged.token.value', 'x-role': 'NATIONAL_OPERATOR', 'x-person-id': A },
      },
    );
    expect(res.data?._entities?.[0] ?? null).toBeNull();
    expect(res.errors![0]!.extensions!.code).toBe('UNAUTHENTICATED');
  });

  it('still serve public policy', async () => {
    const res = await stack.query('{ panzhihuaRegion { name } }', undefined, {
      url: stack.regions['sichuan-panzhihua']!.graphqlUrl,
    });
    expect(res.data).toEqual({ panzhihuaRegion: { name: '攀枝花市' } });
  });
});

describe('abuse limits at the gateway', () => {
  it('rejects a query nested too deep', async () => {
    let selection = 'code';
    for (let i = 0; i < 14; i++) selection = `region { ${selection} }`;
    const res = await stack.query(`{ person(id: "${A}") { records { applications { ${selection} } } } }`);
    expect(res.errors![0]!.extensions).toMatchObject({ code: 'GRAPHQL_VALIDATION_FAILED', reason: 'QUERY_TOO_DEEP' });
    expect(res.data).toBeUndefined();
  });

  it('rejects too many aliases', async () => {
    const aliases = Array.from({ length: 40 }, (_, i) => `a${i}: region(code: "510400") { name }`).join(' ');
    const res = await stack.query(`{ ${aliases} }`);
    expect(res.errors![0]!.extensions).toMatchObject({ code: 'GRAPHQL_VALIDATION_FAILED', reason: 'TOO_MANY_ALIASES' });
  });

  it('rejects a batch with too many operations', async () => {
    const batch = Array.from({ length: 10 }, () => ({ query: '{ regions { code } }' }));
    const res = await fetch(stack.gateway.graphqlUrl, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(batch),
    });
    expect(res.status).toBe(400);
    expect(((await res.json()) as any).errors[0].extensions.code).toBe('BATCH_TOO_LARGE');
  });

  it('accepts a small batch', async () => {
    const res = await fetch(stack.gateway.graphqlUrl, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify([{ query: '{ regions { code } }' }, { query: '{ region(code: "445300") { name } }' }]),
    });
    expect(res.status).toBe(200);
    expect(((await res.json()) as any[]).map((r) => r.errors)).toEqual([undefined, undefined]);
  });

  it('rejects an oversized body', async () => {
    const res = await fetch(stack.gateway.graphqlUrl, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ query: `{ regions { code } } # ${'x'.repeat(400_000)}` }),
    });
    expect(res.status).toBe(413);
    expect(((await res.json()) as any).errors[0].extensions.code).toBe('REQUEST_TOO_LARGE');
  });

  it('keeps CSRF prevention on: a simple GET without a preflight header is refused', async () => {
    const res = await fetch(`${stack.gateway.graphqlUrl}?query=${encodeURIComponent('{ regions { code } }')}`);
    expect(res.status).toBe(400);
  });
});

describe('audit log', () => {
  it('records every staff read of a person’s records, in the owning region, with who, role and request id', async () => {
    const token = await tokenFor('operator');
    await stack.query(
      'query($id: ID!) { person(id: $id) { records { regionCode applications { id } } } }',
      { id: A },
      { token },
    );
    const rows = await stack.regions['sichuan-panzhihua']!.dataSource.getRepository(AuditEntity).findBy({
      subject: A,
      role: 'NATIONAL_OPERATOR',
    });
    expect(rows.length).toBeGreaterThan(0);
    expect(rows.at(-1)).toMatchObject({
      actor: 'NATIONAL_OPERATOR:ops',
      role: 'NATIONAL_OPERATOR',
      action: 'READ_PERSON_RECORD',
    });
    expect(rows.at(-1)!.requestId).toMatch(/^[0-9a-f-]{36}$/);
  });

  it('does not record an applicant reading their own records', async () => {
    const token = await tokenFor('applicantB');
    const before = await stack.regions['guangdong-yunfu']!.dataSource.getRepository(AuditEntity).countBy({
      subject: B,
    });
    await stack.query('{ me { records { regionCode } } }', undefined, { token });
    const after = await stack.regions['guangdong-yunfu']!.dataSource.getRepository(AuditEntity).countBy({ subject: B });
    expect(after).toBe(before);
  });
});

describe('staff look-up by identity number', () => {
  const LOOKUP = 'query($n: String!) { personByIdNumber(idNumber: $n) { id idNumberMasked } }';
  const a = () => DEMO_PEOPLE.find((p) => p.id === A)!;

  it('finds the person by the keyed hash and serves only the mask', async () => {
    const res = await stack.query(LOOKUP, { n: a().idNumber.toLowerCase() }, { token: await tokenFor('operator') });
    expect(res.errors).toBeUndefined();
    expect(res.data.personByIdNumber).toEqual({
      id: A,
      idNumberMasked: `${a().idNumber.slice(0, 6)}********${a().idNumber.slice(14)}`,
    });
  });

  it('answers a wrong number with every problem and never echoes it', async () => {
    const broken = `${a().idNumber.slice(0, 6)}20991301${a().idNumber.slice(14, 17)}0`; // impossible date, wrong check character
    const res = await stack.query(LOOKUP, { n: broken }, { token: await tokenFor('operator') });
    const problems = res.errors![0]!.extensions!.problems.map((p: any) => p.code);
    expect(problems).toEqual(expect.arrayContaining(['ID_NUMBER_BIRTH_DATE']));
    expect(JSON.stringify(res)).not.toContain(broken);
  });

  it('is for staff only, and a reviewer finds only people of their region', async () => {
    const applicant = await stack.query(LOOKUP, { n: a().idNumber }, { token: await tokenFor('applicantA') });
    expect(applicant.errors![0]!.extensions!.code).toBe('FORBIDDEN');
    const yunfuReviewer = await stack.query(LOOKUP, { n: a().idNumber }, { token: await tokenFor('reviewerYunfu') });
    expect(yunfuReviewer.data.personByIdNumber).toBeNull();
    const pzhReviewer = await stack.query(LOOKUP, { n: a().idNumber }, { token: await tokenFor('reviewerPanzhihua') });
    expect(pzhReviewer.data.personByIdNumber.id).toBe(A);
  });
});

describe('personal data never leaks', () => {
  it('the national database holds no plaintext identity or phone number', async () => {
    const ds = stack.national.dataSource;
    const dump = JSON.stringify([await ds.query('SELECT * FROM person'), await ds.query('SELECT * FROM audit_log')]);
    expect(dump).toContain('********'); // the masks are there
    for (const p of DEMO_PEOPLE) {
      expect(dump).not.toContain(p.idNumber);
      expect(dump).not.toContain(p.phone);
    }
  });

  it('no response or log line of this suite holds a full identity number or phone number', () => {
    expect(seen.length).toBeGreaterThan(20);
    const text = seen.join('\n');
    for (const p of DEMO_PEOPLE) {
      expect(text).not.toContain(p.idNumber);
      expect(text).not.toContain(p.phone);
    }
  });
});
