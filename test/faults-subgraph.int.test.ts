import { DEMO_PEOPLE, demoRecordsFor } from '../scripts/seed-data/people';
import { addDays } from '../subgraphs/kit/domain/calendar';
import type { RegionPolicy } from '../subgraphs/kit/domain/policy';
import { loadRegion } from '../subgraphs/kit/domain/region-file';
import { ApplicationEntity, RemoteCareFilingEntity } from '../subgraphs/kit/persistence/db/record.entities';
import { seedRegionPolicy } from '../subgraphs/kit/persistence/db/seed';
import { IdempotencyEntity } from '../subgraphs/kit/persistence/idempotency';
import { OutboxEntity } from '../subgraphs/kit/persistence/outbox';
import type { Identity } from '../subgraphs/kit/platform/auth/identity';
import { todayInChina } from '../subgraphs/kit/platform/clock';
import { transactionBefore } from '../subgraphs/kit/workflow/deadline';
import { type Stack, startStack } from './harness';

// The subgraph side of "no write in doubt": every mutation takes an idempotency key (the same
// key returns the first result, another request under it is refused), a write never commits
// after the gateway's deadline (x-mente-deadline), and an unexpected failure is classified where
// it happens: REGION_DATABASE_UNAVAILABLE (retryable) or SUBGRAPH_ERROR.

const policy = loadRegion('sichuan-panzhihua').policy;
const PZH = 'sichuan-panzhihua';
const CODE = '510400';
// A pinned clock: overdue must follow it, not the system's.
const START = new Date('2026-03-02T02:00:00Z');
const today = todayInChina(START);

let stack: Stack;
let sha: string;

beforeAll(async () => {
  stack = await startStack({ now: START });
  sha = await stack.uploadForEveryone('faults');
});
afterAll(async () => {
  await stack?.close();
});

const used = new Set<string>();
function applicant(filter: (d: RegionPolicy['diseases'][number]) => boolean = () => true) {
  const records = demoRecordsFor(CODE);
  for (const p of DEMO_PEOPLE) {
    if (p.insuredRegionCode !== CODE || p.status !== 'NORMAL' || p.inArrears || p.residenceRegionCode) continue;
    const disease = policy.diseases.find(
      (d) =>
        filter(d) &&
        !used.has(`${p.id}|${d.code}`) &&
        !records.applications.some((a) => a.personId === p.id && a.diseaseCode === d.code) &&
        !records.certifications.some((c) => c.personId === p.id && c.diseaseCode === d.code),
    );
    if (disease) {
      used.add(`${p.id}|${disease.code}`);
      return { personId: p.id, disease };
    }
  }
  throw new Error('no demo applicant left');
}

function inputFor(disease: RegionPolicy['diseases'][number], extra: Record<string, unknown> = {}) {
  const hospitalCode = policy.hospitals.find((h) => h.level === 'LEVEL_3' && h.qualifiedForSpecialDiseases)!.code;
  const dated = { issuedOn: addDays(today, -30), hospitalCode, stamped: true };
  const file = (kind: string, more: Record<string, unknown> = {}) => ({
    kind,
    stamped: false,
    fileName: `${kind}.png`,
    sha256: sha,
    ...more,
  });
  const materials = [
    file('ID_CARD'),
    file('DIAGNOSIS_CERTIFICATE', dated),
    file('MEDICAL_RECORD', dated),
    file('SOCIAL_SECURITY_CARD'),
    file('APPLICATION_FORM'),
    ...(disease.requiresPhoto ? [file('PHOTO')] : []),
  ];
  return {
    type: 'NEW',
    diseaseCode: disease.code,
    channelId: policy.channels[0]!.id,
    hospitalCode,
    insuredRegionCode: CODE,
    materials,
    ...extra,
  };
}

const FIELDS = 'application { acceptanceNumber status overdue } problems { code field message }';
const SUBMIT = `mutation($input: ApplicationInput!) { r: submitPanzhihuaApplication(input: $input) { ${FIELDS} } }`;
const REVIEW = `mutation($n: String!, $d: ReviewDecision!, $r: String, $k: String) { r: reviewPanzhihuaApplication(acceptanceNumber: $n, decision: $d, reason: $r, idempotencyKey: $k) { ${FIELDS} } }`;
const WITHDRAW = `mutation($n: String!, $k: String) { r: withdrawPanzhihuaApplication(acceptanceNumber: $n, idempotencyKey: $k) { ${FIELDS} } }`;
const SUPPLEMENT = `mutation($n: String!, $m: [MaterialInput!]!, $k: String) { r: supplementPanzhihuaMaterials(acceptanceNumber: $n, materials: $m, idempotencyKey: $k) { ${FIELDS} } }`;
const FILE = `mutation($i: RemoteCareInput!) { r: filePanzhihuaRemoteCare(input: $i) { filing { id residenceRegionName validFrom } problems { code field message } } }`;

const reviewer: Identity = { role: 'REVIEWER', regionCode: CODE, subject: 'faults-reviewer' };
const reviewerToken = () => stack.token({ role: 'REVIEWER', regionCode: CODE, subject: 'faults-reviewer' });
const ds = () => stack.regions[PZH]!.dataSource;

/** A request straight to the region, signed as the gateway would, with extra headers (the deadline). */
async function direct(identity: Identity, query: string, variables: Record<string, unknown>, headers = {}) {
  const body = JSON.stringify({ query, variables });
  const res = await fetch(stack.regions[PZH]!.graphqlUrl, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      'x-mente-internal-token': stack.internalToken(identity, PZH, body),
      ...headers,
    },
    body,
  });
  return (await res.json()) as { data?: { r: any } | null; errors?: { message: string; extensions?: any }[] };
}

async function submitted(key?: string) {
  const { personId, disease } = applicant();
  const token = await stack.token({ role: 'APPLICANT', personId });
  const input = inputFor(disease, key ? { idempotencyKey: key } : {});
  const res = await stack.query(SUBMIT, { input }, { token });
  expect(res.data.r.problems).toEqual([]);
  return { personId, disease, token, input, number: res.data.r.application.acceptanceNumber as string };
}

describe('idempotency keys on every mutation', () => {
  it('submission: the same key returns the first application; the key for another disease is refused', async () => {
    const key = 'submit-key-0001';
    const first = await submitted(key);
    const again = await stack.query(SUBMIT, { input: first.input }, { token: first.token });
    expect(again.data.r.application.acceptanceNumber).toBe(first.number);
    const other = policy.diseases.find((d) => d.code !== first.disease.code)!;
    const others = () =>
      ds().getRepository(ApplicationEntity).countBy({ personId: first.personId, diseaseCode: other.code });
    const before = await others();
    const reused = await stack.query(
      SUBMIT,
      { input: inputFor(other, { idempotencyKey: key }) },
      { token: first.token },
    );
    expect(reused.data.r).toEqual({
      application: null,
      problems: [{ code: 'IDEMPOTENCY_KEY_REUSED', field: 'idempotencyKey', message: expect.stringMatching(/幂等键/) }],
    });
    expect(await others()).toBe(before);
  });

  it('review: a retried approval returns APPROVED again, not ILLEGAL_TRANSITION; one certification, one audit', async () => {
    const { number } = await submitted();
    const token = await reviewerToken();
    const vars = { n: number, d: 'APPROVE', k: 'review-key-0001' };
    const first = await stack.query(REVIEW, vars, { token });
    expect(first.data.r).toMatchObject({ application: { status: 'APPROVED' }, problems: [] });
    const retry = await stack.query(REVIEW, vars, { token });
    expect(retry.data.r).toEqual(first.data.r);
    // The same key for another decision is a different request.
    const reused = await stack.query(REVIEW, { ...vars, d: 'REJECT', r: '材料不全' }, { token });
    expect(reused.data.r.problems.map((p: { code: string }) => p.code)).toEqual(['IDEMPOTENCY_KEY_REUSED']);
    // Without a key a second review is what it always was.
    const keyless = await stack.query(REVIEW, { n: number, d: 'APPROVE' }, { token });
    expect(keyless.data.r.problems.map((p: { code: string }) => p.code)).toEqual(['ILLEGAL_TRANSITION']);
    const notices = await ds()
      .getRepository(OutboxEntity)
      .countBy({ applicationId: number, template: 'APPLICATION_APPROVED' });
    expect(notices).toBe(2); // SMS and APP, once
  });

  it('supplement and withdrawal: a retry returns the first result', async () => {
    const { number, token } = await submitted();
    const ask = await stack.query(
      REVIEW,
      { n: number, d: 'REQUEST_SUPPLEMENT', r: '缺少病历' },
      { token: await reviewerToken() },
    );
    expect(ask.data.r.application.status).toBe('SUPPLEMENT_REQUESTED');
    const m = [
      {
        kind: 'MEDICAL_RECORD',
        stamped: true,
        fileName: '病历.png',
        sha256: sha,
        issuedOn: addDays(today, -3),
        hospitalCode: policy.hospitals.find((h) => h.level === 'LEVEL_3' && h.qualifiedForSpecialDiseases)!.code,
      },
    ];
    const vars = { n: number, m, k: 'supplement-key-01' };
    const first = await stack.query(SUPPLEMENT, vars, { token });
    expect(first.data.r).toMatchObject({ application: { status: 'ACCEPTED' }, problems: [] });
    expect((await stack.query(SUPPLEMENT, vars, { token })).data.r).toEqual(first.data.r);
    const w = { n: number, k: 'withdraw-key-0001' };
    const withdrawn = await stack.query(WITHDRAW, w, { token });
    expect(withdrawn.data.r).toMatchObject({ application: { status: 'WITHDRAWN' }, problems: [] });
    expect((await stack.query(WITHDRAW, w, { token })).data.r).toEqual(withdrawn.data.r);
    expect(await ds().getRepository(IdempotencyEntity).countBy({ key: w.k })).toBe(1);
  });

  it('remote-care filing: 20 parallel identical filings store one row and all answer it', async () => {
    const person = DEMO_PEOPLE.find(
      (p) => p.insuredRegionCode === CODE && p.status === 'NORMAL' && !p.inArrears && !p.residenceRegionCode,
    )!;
    const token = await stack.token({ role: 'APPLICANT', personId: person.id });
    const input = { residenceRegionCode: '445300', validFrom: addDays(today, 1), idempotencyKey: 'filing-key-00001' };
    const answers = await Promise.all(Array.from({ length: 20 }, () => stack.query(FILE, { i: input }, { token })));
    const ids = new Set(answers.map((a) => a.data.r.filing?.id));
    expect(ids.size).toBe(1);
    expect([...ids][0]).toBeTruthy();
    const rows = await ds()
      .getRepository(RemoteCareFilingEntity)
      .countBy({ personId: person.id, validFrom: input.validFrom });
    expect(rows).toBe(1);
    // Without a key, parallel twins still make one row: the unique index decides, the answer is the first filing or "already filed".
    const other = { residenceRegionName: '北京市', validFrom: addDays(today, 2) };
    // Asked of the region itself: a gateway's timeout on a busy machine is not what this checks.
    const applicantIdentity: Identity = {
      role: 'APPLICANT',
      personId: person.id,
      subject: person.id,
      realNameVerified: true,
    };
    const keyless = await Promise.all(Array.from({ length: 20 }, () => direct(applicantIdentity, FILE, { i: other })));
    for (const a of keyless) {
      expect(a.errors).toBeUndefined();
      expect(a.data!.r.filing !== null || a.data!.r.problems[0]?.code === 'REMOTE_CARE_ALREADY_FILED').toBe(true);
    }
    expect(
      await ds().getRepository(RemoteCareFilingEntity).countBy({ personId: person.id, validFrom: other.validFrom }),
    ).toBe(1);
  });

  it('refuses a malformed key with a problem, storing nothing', async () => {
    const { number } = await submitted();
    const res = await stack.query(REVIEW, { n: number, d: 'APPROVE', k: 'bad key!' }, { token: await reviewerToken() });
    expect(res.data.r.problems.map((p: { code: string }) => p.code)).toEqual(['INVALID_IDEMPOTENCY_KEY']);
  });
});

describe('the deadline (x-mente-deadline)', () => {
  it('a deadline already past: SUBGRAPH_TIMEOUT, retryable, nothing stored, no notification', async () => {
    const { number } = await submitted();
    const before = await ds().getRepository(OutboxEntity).countBy({ applicationId: number });
    const res = await direct(
      reviewer,
      REVIEW,
      { n: number, d: 'APPROVE', k: 'late-review-0001' },
      {
        'x-mente-deadline': String(Date.now() - 1),
      },
    );
    expect(res.errors?.[0]?.extensions).toEqual({ code: 'SUBGRAPH_TIMEOUT', retryable: true });
    expect((await ds().getRepository(ApplicationEntity).findOneByOrFail({ id: number })).status).toBe('ACCEPTED');
    expect(await ds().getRepository(OutboxEntity).countBy({ applicationId: number })).toBe(before);
    expect(await ds().getRepository(IdempotencyEntity).countBy({ key: 'late-review-0001' })).toBe(0);
    // The retry with the same key, in time, does it once.
    const retry = await direct(
      reviewer,
      REVIEW,
      { n: number, d: 'APPROVE', k: 'late-review-0001' },
      {
        'x-mente-deadline': String(Date.now() + 10_000),
      },
    );
    expect(retry.data?.r).toMatchObject({ application: { status: 'APPROVED' }, problems: [] });
  });

  it('a deadline that passes during the transaction: rolled back at COMMIT, SUBGRAPH_TIMEOUT', async () => {
    const { number } = await submitted();
    const started = Date.now();
    await expect(
      transactionBefore(ds(), Date.now() + 200, async (tx) => {
        await tx.getRepository(ApplicationEntity).update({ id: number }, { status: 'APPROVED' });
        await new Promise((resolve) => setTimeout(resolve, 400));
      }),
    ).rejects.toMatchObject({ extensions: { code: 'SUBGRAPH_TIMEOUT', retryable: true } });
    expect(Date.now() - started).toBeLessThan(1500);
    // Give the background rollback its moment, then the row is as it was.
    await new Promise((resolve) => setTimeout(resolve, 400));
    expect((await ds().getRepository(ApplicationEntity).findOneByOrFail({ id: number })).status).toBe('ACCEPTED');
  });
});

describe('the pinned clock', () => {
  it('overdue and overdueOnly follow the workflow clock, not the system clock', async () => {
    const { number } = await submitted();
    const token = await reviewerToken();
    const queue = async () =>
      (
        await stack.query(
          '{ panzhihuaReviewQueue(overdueOnly: true, first: 1000) { acceptanceNumber overdue } }',
          undefined,
          { token },
        )
      ).data.panzhihuaReviewQueue as { acceptanceNumber: string; overdue: boolean }[];
    expect((await queue()).some((a) => a.acceptanceNumber === number)).toBe(false);
    stack.setNow(new Date(START.getTime() + 90 * 86_400_000));
    try {
      expect((await queue()).find((a) => a.acceptanceNumber === number)).toEqual({
        acceptanceNumber: number,
        overdue: true,
      });
    } finally {
      stack.setNow(START);
    }
  });
});

describe('classified failures', () => {
  it('a missing table answers REGION_DATABASE_UNAVAILABLE, retryable, without SQL or stack', async () => {
    const { number, token } = await submitted();
    await ds().query('ALTER TABLE status_event RENAME TO status_event_away');
    try {
      const res = await stack.query(
        'query($n: String!) { application(acceptanceNumber: $n) { ... on PanzhihuaApplication { history { status } } } }',
        { n: number },
        { token },
      );
      // The subgraph's own answer, before any gateway: classified at the source.
      const own = await direct(reviewer, `{ panzhihuaReviewQueue(first: 1) { history { status } } }`, {});
      for (const r of [res, own]) {
        const e = r.errors?.find((x) => x.extensions?.code === 'REGION_DATABASE_UNAVAILABLE');
        expect(e?.extensions).toMatchObject({ code: 'REGION_DATABASE_UNAVAILABLE' });
        expect(JSON.stringify(r.errors)).not.toMatch(/status_event|SELECT|stack|at /i);
      }
      const at = own.errors!.find((x) => x.extensions?.code === 'REGION_DATABASE_UNAVAILABLE')!;
      expect(at.extensions!.retryable).toBe(true);
    } finally {
      await ds().query('ALTER TABLE status_event_away RENAME TO status_event');
    }
  });
});

describe('policy changes never break records', () => {
  it('a disease dropped by a re-seeded policy is retired: its application and certification still resolve it', async () => {
    const { number, token, disease } = await submitted();
    const approved = await stack.query(REVIEW, { n: number, d: 'APPROVE' }, { token: await reviewerToken() });
    expect(approved.data.r.application.status).toBe('APPROVED');
    const v2 = {
      ...policy,
      version: `${policy.version}-without-${disease.code}`,
      diseases: policy.diseases.filter((d) => d.code !== disease.code),
    };
    expect(await seedRegionPolicy(ds(), v2, today)).toBe('loaded');
    try {
      const res = await stack.query(
        'query($n: String!) { application(acceptanceNumber: $n) { ... on PanzhihuaApplication { disease { code name } channel { id } hospital { code } certification { disease { code name } hospital { code } } } } }',
        { n: number },
        { token },
      );
      expect(res.errors).toBeUndefined();
      expect(res.data.application.disease).toEqual({ code: disease.code, name: disease.name });
      expect(res.data.application.certification.disease).toEqual({ code: disease.code, name: disease.name });
      // The catalogue lists only what is in force (asked of the region itself: no gateway cache).
      const listed = await direct(reviewer, '{ r: panzhihuaRegion { diseases { code } } }', {});
      const codes = (listed.data!.r.diseases as { code: string }[]).map((d) => d.code);
      expect(codes).not.toContain(disease.code);
      expect(codes).toHaveLength(policy.diseases.length - 1);
      // A new application for it is refused as for any unknown disease.
      const other = applicant((d) => d.code === disease.code);
      const refused = await stack.query(
        SUBMIT,
        { input: inputFor(disease) },
        { token: await stack.token({ role: 'APPLICANT', personId: other.personId }) },
      );
      expect(refused.data.r.application).toBeNull();
      expect(refused.data.r.problems.length).toBeGreaterThan(0);
    } finally {
      await seedRegionPolicy(ds(), policy, today);
    }
  });
});
