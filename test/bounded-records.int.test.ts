import { DEMO_PEOPLE, DEMO_PERSONS } from '../scripts/seed-data/people';
import { addDays } from '../subgraphs/kit/domain/calendar';
import { loadRegion } from '../subgraphs/kit/domain/region-file';
import { AuditEntity } from '../subgraphs/kit/persistence/audit';
import { InsuredPersonEntity } from '../subgraphs/kit/persistence/db/record.entities';
import { HISTORY_PATH } from '../subgraphs/kit/persistence/history-report';
import { loadPrivateKey } from '../subgraphs/kit/platform/auth/keys';
import { ensureRegionKeys, REGION_TOKEN_HEADER, signRegionToken } from '../subgraphs/kit/platform/auth/region-token';
import { todayInChina } from '../subgraphs/kit/platform/clock';
import { PersonHistoryEntity } from '../subgraphs/national/db/history.entity';
import { type Stack, startStack } from './harness';

// Person.records bounded by the national history index, kept current by the regions' outboxes;
// ALL_REGIONS for staff; and the message centre (Person.notifications) in both regions.
// Regional fetches are counted at a proxy in front of each region (GraphQL POSTs only).

const PZH = {
  code: '510400',
  prefix: 'Panzhihua',
  subgraph: 'sichuan-panzhihua',
  policy: loadRegion('sichuan-panzhihua').policy,
};
const YF = {
  code: '445300',
  prefix: 'Yunfu',
  subgraph: 'guangdong-yunfu',
  policy: loadRegion('guangdong-yunfu').policy,
};

let stack: Stack;
let operator: string;
const fetches: Record<string, number> = {};
const PNG = Buffer.concat([
  Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
  Buffer.from('mente history'),
]);

beforeAll(async () => {
  stack = await startStack({ faults: true });
  for (const [name, proxy] of Object.entries(stack.proxies)) {
    proxy.onRequest = (r) => {
      if (r.method === 'POST' && r.path.startsWith('/graphql')) fetches[name] = (fetches[name] ?? 0) + 1;
    };
  }
  operator = await stack.token({ role: 'NATIONAL_OPERATOR', subject: 'ops-history' });
});
afterAll(async () => {
  await stack?.close();
});

const RECORDS = `query($id: ID!) { person(id: $id) { records { regionCode applications { acceptanceNumber } } } }`;
const ALL = RECORDS.replace('records {', 'records(scope: ALL_REGIONS) {');

async function counted<T>(work: () => Promise<T>): Promise<{ result: T; pzh: number; yf: number }> {
  for (const k of Object.keys(fetches)) fetches[k] = 0;
  const result = await work();
  return { result, pzh: fetches[PZH.subgraph] ?? 0, yf: fetches[YF.subgraph] ?? 0 };
}

const auditRows = (region: typeof PZH, personId: string) =>
  stack.regions[region.subgraph]!.dataSource.getRepository(AuditEntity).countBy({ subject: personId });

describe('Person.records, bounded by history', () => {
  it('asks only the region where the person has history: one regional fetch, no audit row elsewhere', async () => {
    const id = DEMO_PERSONS.panzhihuaNoRecords; // insured in Panzhihua, nothing anywhere else
    const yfAudit = await auditRows(YF, id);
    const { result, pzh, yf } = await counted(() => stack.query(RECORDS, { id }, { token: operator }));
    expect(result.errors).toBeUndefined();
    expect(result.data.person.records.map((r: { regionCode: string }) => r.regionCode)).toEqual([PZH.code]);
    expect(pzh).toBe(1);
    expect(yf).toBe(0);
    expect(await auditRows(YF, id)).toBe(yfAudit);
  });

  it('keeps a region the person left (formerly insured) in their records', async () => {
    const id = DEMO_PERSONS.panzhihuaWithHistoryInBoth; // insured in Panzhihua now, formerly in Yunfu
    const kinds = await stack.national.dataSource.getRepository(PersonHistoryEntity).findBy({ personId: id });
    expect(kinds).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ regionCode: YF.code, kind: 'FORMERLY_INSURED' }),
        expect.objectContaining({ regionCode: PZH.code, kind: 'INSURED' }),
      ]),
    );
    const { result, pzh, yf } = await counted(() => stack.query(RECORDS, { id }, { token: operator }));
    expect(result.errors).toBeUndefined();
    expect(result.data.person.records.map((r: { regionCode: string }) => r.regionCode).sort()).toEqual([
      YF.code,
      PZH.code,
    ]);
    expect([pzh, yf]).toEqual([1, 1]);
  });

  it('ALL_REGIONS: every region for an operator; history plus their own region for a reviewer; refused to an applicant', async () => {
    const id = DEMO_PERSONS.panzhihuaNoRecords;
    const all = await counted(() => stack.query(ALL, { id }, { token: operator }));
    expect(all.result.errors).toBeUndefined();
    expect(all.result.data.person.records.map((r: { regionCode: string }) => r.regionCode).sort()).toEqual([
      YF.code,
      PZH.code,
    ]);
    expect([all.pzh, all.yf]).toEqual([1, 1]);
    // Yunfu returned nothing for this person: no audit row there.
    expect(await auditRows(YF, id)).toBe(0);

    const reviewer = await stack.token({ role: 'REVIEWER', regionCode: PZH.code, subject: 'rev-history' });
    const own = await stack.query(ALL, { id }, { token: reviewer });
    expect(own.errors).toBeUndefined();
    expect(own.data.person.records.map((r: { regionCode: string }) => r.regionCode)).toEqual([PZH.code]);

    const applicant = await stack.token({ role: 'APPLICANT', personId: id });
    const refused = await stack.query('{ me { records(scope: ALL_REGIONS) { regionCode } } }', undefined, {
      token: applicant,
    });
    expect(refused.errors?.[0]?.extensions).toMatchObject({ code: 'FORBIDDEN', reason: 'RECORDS_SCOPE' });
    const mine = await stack.query('{ me { records { regionCode } } }', undefined, { token: applicant });
    expect(mine.data.me.records).toEqual([{ regionCode: PZH.code }]);
  });

  it('a report reaches the national index only signed by its own region, and twice is once', async () => {
    const id = DEMO_PERSONS.yunfuWithOpenApplication;
    const key = await loadPrivateKey(ensureRegionKeys(stack.keysDir, PZH.code).privateKeyPath);
    const body = JSON.stringify({
      eventId: 'test-event-0001',
      regionCode: PZH.code,
      personId: id,
      kind: 'FILED',
      at: '2026-12-01T09:00:00+08:00',
    });
    const post = (token: string, b = body) =>
      fetch(`${stack.national.url}${HISTORY_PATH}`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', [REGION_TOKEN_HEADER]: token },
        body: b,
      });
    const sign = (regionCode: string, b = body) => signRegionToken(key, { regionCode, audience: 'national', body: b });
    // Unsigned, signed for another body, or claiming to be Yunfu with Panzhihua's key: refused.
    expect((await post('garbage')).status).toBe(401);
    expect((await post(sign(PZH.code, '{}'))).status).toBe(401);
    expect((await post(sign(YF.code))).status).toBe(401);
    expect((await post(sign(PZH.code))).status).toBe(204);
    expect((await post(sign(PZH.code))).status).toBe(204); // delivered again: no second row
    const rows = await stack.national.dataSource
      .getRepository(PersonHistoryEntity)
      .findBy({ personId: id, regionCode: PZH.code });
    expect(rows).toEqual([expect.objectContaining({ kind: 'FILED', sourceEvent: 'test-event-0001' })]);
  });
});

// A Panzhihua-insured person who has just become insured in Yunfu too (the region knows, the
// national index does not yet): applying there makes Yunfu appear once the outbox delivered.
const MOVER = DEMO_PERSONS.panzhihuaNoRecords;
let sha: string;

async function submitIn(region: typeof PZH, token: string) {
  const disease = region.policy.diseases.find((d) => !d.requiresPhoto && !d.requiresSpecialistHospital)!;
  const hospitalCode = region.policy.hospitals.find(
    (h) => h.level === 'LEVEL_3' && h.qualifiedForSpecialDiseases,
  )!.code;
  const file = (kind: string, extra: Record<string, unknown> = {}) => ({
    kind,
    stamped: false,
    fileName: `${kind}.png`,
    sha256: sha,
    ...extra,
  });
  const dated = { issuedOn: addDays(todayInChina(), -30), hospitalCode, stamped: true };
  const materials = [file('ID_CARD'), file('DIAGNOSIS_CERTIFICATE', dated), file('MEDICAL_RECORD', dated)];
  if (region === PZH) materials.push(file('SOCIAL_SECURITY_CARD'), file('APPLICATION_FORM'));
  const res = await stack.query(
    `mutation($input: ApplicationInput!) { r: submit${region.prefix}Application(input: $input) { application { acceptanceNumber } problems { code message } } }`,
    {
      input: {
        type: 'NEW',
        diseaseCode: disease.code,
        channelId: region.policy.channels[0]!.id,
        hospitalCode,
        insuredRegionCode: region.code,
        materials,
      },
    },
    { token },
  );
  expect(res.errors).toBeUndefined();
  expect(res.data.r.problems).toEqual([]);
  return res.data.r.application.acceptanceNumber as string;
}

const regionsOf = async (token: string) =>
  (
    (await stack.query('{ me { records { regionCode } } }', undefined, { token })).data.me.records as {
      regionCode: string;
    }[]
  )
    .map((r) => r.regionCode)
    .sort();

describe('a new submission in a new region', () => {
  it('appears in Person.records after the region’s outbox reported it', async () => {
    const person = DEMO_PEOPLE.find((p) => p.id === MOVER)!;
    sha = await stack.uploadFor([MOVER], PNG, '诊断证明.png');
    await stack.regions[YF.subgraph]!.dataSource.getRepository(InsuredPersonEntity).insert({
      regionCode: YF.code,
      personId: MOVER,
      insuranceType: person.insuranceType,
      status: 'NORMAL',
      inArrears: false,
      contributionTier: person.insuranceType === 'RESIDENT' ? 1 : null,
    });
    const token = await stack.token({ role: 'APPLICANT', personId: MOVER });
    expect(await regionsOf(token)).toEqual([PZH.code]);
    await submitIn(YF, token);
    await stack.deliver(YF.subgraph, async () => (await regionsOf(token)).includes(YF.code));
    expect(await regionsOf(token)).toEqual([YF.code, PZH.code]);
    const rows = await stack.national.dataSource
      .getRepository(PersonHistoryEntity)
      .findBy({ personId: MOVER, regionCode: YF.code });
    expect(rows).toEqual([expect.objectContaining({ kind: 'APPLIED', sourceEvent: expect.any(String) })]);
  });
});

const MESSAGES = `query($first: Int, $after: String) { me { notifications(first: $first, after: $after) {
  regionCode unreadCount region { name }
  edges { cursor node { id channel template text acceptanceNumber createdAt read } }
  pageInfo { endCursor hasNextPage } } } }`;

describe('the message centre (我的消息)', () => {
  let token: string;
  let pzhNumber: string;
  beforeAll(async () => {
    token = await stack.token({ role: 'APPLICANT', personId: MOVER });
    pzhNumber = await submitIn(PZH, token); // Yunfu already has the application above
  });

  it('lists each region’s messages, newest first, read or unread, page by page', async () => {
    const res = await stack.query(MESSAGES, { first: 1 }, { token });
    expect(res.errors).toBeUndefined();
    const pages = res.data.me.notifications as any[];
    expect(pages.map((p) => p.regionCode).sort()).toEqual([YF.code, PZH.code]);
    const pzh = pages.find((p) => p.regionCode === PZH.code);
    expect(pzh.unreadCount).toBe(2); // SMS and APP of APPLICATION_ACCEPTED
    expect(pzh.edges).toHaveLength(1);
    expect(pzh.edges[0].node).toMatchObject({
      template: 'APPLICATION_ACCEPTED',
      acceptanceNumber: pzhNumber,
      read: false,
    });
    expect(pzh.edges[0].node.text).toContain(pzhNumber);
    expect(pzh.pageInfo.hasNextPage).toBe(true);
    const yf = pages.find((p) => p.regionCode === YF.code);
    expect(yf.edges[0].node.text).toContain('云浮市');

    // The next page of Panzhihua only: the cursor names its region.
    const next = await stack.query(MESSAGES, { first: 1, after: pzh.pageInfo.endCursor }, { token });
    expect(next.errors).toBeUndefined();
    expect(next.data.me.notifications).toHaveLength(1);
    const second = next.data.me.notifications[0];
    expect(second.regionCode).toBe(PZH.code);
    expect(second.edges).toHaveLength(1);
    expect(second.edges[0].node.id).not.toBe(pzh.edges[0].node.id);
    expect(second.pageInfo.hasNextPage).toBe(false);
    expect(second.edges[0].node.createdAt <= pzh.edges[0].node.createdAt).toBe(true);
  });

  it('a garbage or edited cursor is INVALID_CURSOR, not a 500', async () => {
    const res = await stack.query(MESSAGES, { first: 1, after: 'not-a-cursor' }, { token });
    expect(res.errors?.[0]?.extensions).toMatchObject({ code: 'BAD_USER_INPUT', reason: 'INVALID_CURSOR' });
  });

  it.each([PZH, YF])('marks $prefix messages read for their person only, idempotently', async (region) => {
    const list = await stack.query(MESSAGES, { first: 10 }, { token });
    const page = (list.data.me.notifications as any[]).find((p) => p.regionCode === region.code);
    const ids = page.edges.map((e: any) => e.node.id);
    expect(page.unreadCount).toBe(2); // SMS and APP of APPLICATION_ACCEPTED
    const MARK = `mutation($ids: [ID!]!, $k: String) { r: mark${region.prefix}MessagesRead(ids: $ids, idempotencyKey: $k) { marked problems { code } } }`;
    const other = await stack.token({ role: 'APPLICANT', personId: DEMO_PERSONS.panzhihuaWithHistoryInBoth });
    const stranger = await stack.query(MARK, { ids, k: `mark-stranger-${region.code}` }, { token: other });
    expect(stranger.data.r).toEqual({ marked: 0, problems: [] });
    const reviewer = await stack.token({ role: 'REVIEWER', regionCode: region.code });
    expect((await stack.query(MARK, { ids }, { token: reviewer })).errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
    const first = await stack.query(MARK, { ids: [ids[0]], k: `mark-read-${region.code}` }, { token });
    expect(first.data.r).toEqual({ marked: 1, problems: [] });
    const again = await stack.query(MARK, { ids: [ids[0]], k: `mark-read-${region.code}` }, { token });
    expect(again.data.r).toEqual({ marked: 1, problems: [] }); // the first result again
    const after = await stack.query(MESSAGES, { first: 10 }, { token });
    const now = (after.data.me.notifications as any[]).find((p) => p.regionCode === region.code);
    expect(now.unreadCount).toBe(1);
    expect(now.edges.find((e: any) => e.node.id === ids[0]).node.read).toBe(true);
  });

  it('a region that is down leaves its messages out, with its error at its own path', async () => {
    stack.proxies[YF.subgraph]!.mode = { kind: 'error' };
    try {
      const res = await stack.query(MESSAGES, { first: 5 }, { token });
      const pages = res.data.me.notifications as any[];
      const down = pages.findIndex((p) => p === null);
      expect(down).toBeGreaterThanOrEqual(0);
      expect(pages.filter(Boolean).map((p) => p.regionCode)).toEqual([PZH.code]);
      expect(res.errors?.some((e) => JSON.stringify(e.path) === JSON.stringify(['me', 'notifications', down]))).toBe(
        true,
      );
    } finally {
      stack.proxies[YF.subgraph]!.mode = { kind: 'pass' };
    }
  });
});

// Feedback is history too: a Panzhihua person with nothing in Yunfu who sends Yunfu feedback finds
// it, with its reply and the reply's message, in their records and message centre once Yunfu's
// outbox reported it to the national index.
describe('feedback to a region without other history', () => {
  it('enters the person’s records and message centre there', async () => {
    const yunfuHistory = new Set(
      (await stack.national.dataSource.getRepository(PersonHistoryEntity).findBy({ regionCode: YF.code })).map(
        (r) => r.personId,
      ),
    );
    const person = DEMO_PEOPLE.find(
      (p) =>
        p.insuredRegionCode === PZH.code &&
        !yunfuHistory.has(p.id) &&
        p.id !== MOVER &&
        p.id !== DEMO_PERSONS.panzhihuaNoRecords,
    )!;
    const token = await stack.token({ role: 'APPLICANT', personId: person.id });
    expect(await regionsOf(token)).toEqual([PZH.code]);
    const sent = await stack.query(
      'mutation($i: FeedbackInput!) { r: sendYunfuFeedback(input: $i) { feedback { trackingNumber } problems { code } } }',
      { i: { category: 'CONSULTATION', subject: '异地就医咨询', text: '在云浮居住，想咨询门诊慢特病办理。' } },
      { token },
    );
    expect(sent.errors).toBeUndefined();
    expect(sent.data.r.problems).toEqual([]);
    const trackingNumber: string = sent.data.r.feedback.trackingNumber;
    const reviewer = await stack.token({ role: 'REVIEWER', regionCode: YF.code, subject: 'rev-feedback-history' });
    const replied = await stack.query(
      'mutation($t: String!) { r: replyYunfuFeedback(trackingNumber: $t, reply: "请向参保地攀枝花市办理异地就医备案。") { feedback { status } problems { code } } }',
      { t: trackingNumber },
      { token: reviewer },
    );
    expect(replied.data.r).toEqual({ feedback: { status: 'REPLIED' }, problems: [] });

    await stack.deliver(YF.subgraph, async () => (await regionsOf(token)).includes(YF.code));
    const rows = await stack.national.dataSource
      .getRepository(PersonHistoryEntity)
      .findBy({ personId: person.id, regionCode: YF.code });
    expect(rows).toEqual([expect.objectContaining({ kind: 'FEEDBACK', sourceEvent: expect.any(String) })]);
    const records = await stack.query(
      '{ me { records { regionCode feedback { trackingNumber status } } } }',
      undefined,
      {
        token,
      },
    );
    expect(records.errors).toBeUndefined();
    const yunfu = records.data.me.records.find((r: { regionCode: string }) => r.regionCode === YF.code);
    expect(yunfu.feedback).toEqual([{ trackingNumber, status: 'REPLIED' }]);
    const messages = await stack.query(MESSAGES, { first: 10 }, { token });
    expect(messages.errors).toBeUndefined();
    const page = (messages.data.me.notifications as any[]).find((p) => p.regionCode === YF.code);
    expect(page.edges.map((e: any) => e.node.template).sort()).toEqual(['FEEDBACK_REPLIED', 'FEEDBACK_REPLIED']);
    expect(page.unreadCount).toBe(2);
  });
});
