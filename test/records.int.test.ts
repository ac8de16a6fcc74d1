import { DEMO_PEOPLE, DEMO_PERSONS, demoRecordsFor } from '../scripts/seed-data/people';
import { formatAcceptanceNumber } from '../subgraphs/kit/domain/acceptance-number';
import { type Stack, startStack } from './harness';

// One person, every region, in one query — through the gateway, with real identities.

let stack: Stack;
let operator: string;
beforeAll(async () => {
  stack = await startStack();
  operator = await stack.token({ role: 'NATIONAL_OPERATOR', subject: 'ops-test' });
});
afterAll(async () => {
  await stack?.close();
});

const PERSON_RECORDS = `query($id: ID!) { person(id: $id) { id name idNumberMasked insuranceType insuredRegion { code name }
  records { regionCode region { name } applications { acceptanceNumber status } certifications { validFrom validUntil }
  remoteCareFilings { residenceRegionName residenceRegionCode } } } }`;

describe('Person.records', () => {
  it('returns both regions’ data for a person with history in both (the issue’s “done when”)', async () => {
    const id = DEMO_PERSONS.panzhihuaWithHistoryInBoth;
    const res = await stack.query(PERSON_RECORDS, { id }, { token: operator });
    expect(res.errors).toBeUndefined();
    const person = res.data.person;
    const demo = DEMO_PEOPLE.find((p) => p.id === id)!;
    expect(person).toMatchObject({ id, name: demo.name, insuredRegion: { code: '510400', name: '攀枝花市' } });
    expect(person.idNumberMasked).toBe(`${demo.idNumber.slice(0, 6)}********${demo.idNumber.slice(14)}`);
    const [pzh, yf] = person.records;
    expect(pzh.region.name).toBe('攀枝花市');
    expect(yf.region.name).toBe('云浮市');
    for (const [record, code] of [
      [pzh, '510400'],
      [yf, '445300'],
    ] as const) {
      const expected = demoRecordsFor(code);
      expect(record.applications.map((a: any) => a.acceptanceNumber).sort()).toEqual(
        expected.applications
          .filter((a) => a.personId === id)
          .map((a) => a.id)
          .sort(),
      );
      expect(record.certifications).toHaveLength(expected.certifications.filter((c) => c.personId === id).length);
    }
    expect(yf.certifications.length).toBeGreaterThan(0);
    expect(pzh.certifications.length).toBeGreaterThan(0);
  });

  it('gives an empty record, not an error, where a person has nothing', async () => {
    const res = await stack.query(PERSON_RECORDS, { id: DEMO_PERSONS.panzhihuaNoRecords }, { token: operator });
    expect(res.errors).toBeUndefined();
    for (const record of res.data.person.records) {
      expect(record).toMatchObject({ applications: [], certifications: [], remoteCareFilings: [] });
    }
  });

  it('shows a remote-care filing in the insured region only', async () => {
    // ALL_REGIONS: the operator asks Yunfu too, where this person has no history.
    const res = await stack.query(
      PERSON_RECORDS.replace('records {', 'records(scope: ALL_REGIONS) {'),
      { id: DEMO_PERSONS.panzhihuaLivingInYunfu },
      { token: operator },
    );
    const [pzh, yf] = res.data.person.records;
    expect(pzh.remoteCareFilings).toEqual([{ residenceRegionName: '广东省云浮市', residenceRegionCode: '445300' }]);
    expect(yf).toMatchObject({ applications: [], certifications: [], remoteCareFilings: [] });
  });

  it('lets an applicant see their own records through `me`', async () => {
    const id = DEMO_PERSONS.yunfuWithOpenApplication;
    const token = await stack.token({ role: 'APPLICANT', personId: id });
    const res = await stack.query(
      '{ me { id records { applications { status overdue dueDate { date } } } } }',
      undefined,
      {
        token,
      },
    );
    expect(res.errors).toBeUndefined();
    expect(res.data.me.id).toBe(id);
    // Only Yunfu, where this person has history (Person.records is bounded by the national index).
    expect(res.data.me.records).toHaveLength(1);
    expect(res.data.me.records[0].applications.some((a: any) => a.status === 'ACCEPTED')).toBe(true);
  });
});

describe('application(acceptanceNumber)', () => {
  const APPLICATION = `query($n: String!) { application(acceptanceNumber: $n) { __typename id acceptanceNumber status type
    region { code } applicant { id name } disease { code name } channel { id } hospital { code level }
    dueDate { date workingDays } materials { kind sha256 } history { status actor } certification { validFrom } } }`;

  it('routes a number to its region from the number alone, for every region', async () => {
    for (const [code, typename] of [
      ['510400', 'PanzhihuaApplication'],
      ['445300', 'YunfuApplication'],
    ] as const) {
      const app = demoRecordsFor(code).applications.find((a) => a.status === 'APPROVED')!;
      const res = await stack.query(APPLICATION, { n: app.id }, { token: operator });
      expect(res.errors).toBeUndefined();
      expect(res.data.application).toMatchObject({
        __typename: typename,
        acceptanceNumber: app.id,
        status: 'APPROVED',
        region: { code },
        applicant: { id: app.personId },
        disease: { code: app.diseaseCode },
        dueDate: { date: app.dueDate },
      });
      expect(res.data.application.applicant.name).toBe(DEMO_PEOPLE.find((p) => p.id === app.personId)!.name);
      expect(res.data.application.history[0].status).toBe('ACCEPTED');
      expect(res.data.application.certification).not.toBeNull();
    }
  });

  it('answers null for a malformed or unknown number', async () => {
    for (const n of ['', 'not-a-number', '51040020260230000011', '99999920260212000001X']) {
      const res = await stack.query(APPLICATION, { n }, { token: operator });
      expect(res.data.application).toBeNull();
    }
    // Well-formed, with a valid check character, but never issued.
    const wellFormed = formatAcceptanceNumber('510400', '2026-01-05', 999_999);
    const res = await stack.query(APPLICATION, { n: wellFormed }, { token: operator });
    // Null, and staff are told why with NOT_FOUND (no stray non-null error).
    expect(res.errors!.map((e: any) => e.extensions.code)).toEqual(['NOT_FOUND']);
    expect(res.data.application).toBeNull();
  });

  it('asks the owning region even when only the id is selected: unknown is null, anonymous learns nothing', async () => {
    const KEY_ONLY = 'query($n: String!) { application(acceptanceNumber: $n) { id __typename } }';
    const unknown = formatAcceptanceNumber('445300', '2026-01-05', 999_998);
    const asOperator = await stack.query(KEY_ONLY, { n: unknown }, { token: operator });
    expect(asOperator.data.application).toBeNull();
    expect(asOperator.errors!.map((e: any) => e.extensions.code)).toEqual(['NOT_FOUND']);
    const anonymous = await stack.query(KEY_ONLY, { n: unknown });
    expect(anonymous.data.application).toBeNull();
    // A real number, anonymously: the region refuses it exactly as it refuses an unknown one.
    const real = demoRecordsFor('510400').applications[0]!.id;
    const anonymousReal = await stack.query(KEY_ONLY, { n: real });
    expect(anonymousReal.data.application).toBeNull();
    expect(anonymousReal.errors!.map((e: any) => e.extensions.code)).toEqual(
      anonymous.errors!.map((e: any) => e.extensions.code),
    );
    const asOperatorReal = await stack.query(KEY_ONLY, { n: real }, { token: operator });
    expect(asOperatorReal.data.application).toEqual({ id: real, __typename: expect.stringMatching(/Application$/) });
    // The routing key is not part of the API.
    const ref = await stack.query(
      'query($n: String!) { application(acceptanceNumber: $n) { ... on PanzhihuaApplication { ref } } }',
      { n: real },
    );
    expect(ref.errors![0]!.extensions!.code).toBe('GRAPHQL_VALIDATION_FAILED');
  });
});
