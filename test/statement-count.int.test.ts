import { randomUUID } from 'node:crypto';

import { formatAcceptanceNumber } from '../subgraphs/kit/domain/acceptance-number';
import { addWorkingDays } from '../subgraphs/kit/domain/calendar';
import {
  ApplicationEntity,
  type ApplicationRow,
  MaterialFileEntity,
  StatusEventEntity,
} from '../subgraphs/kit/persistence/db/record.entities';
import { type Stack, startStack } from './harness';

// Constant database work: a reviewer's list with nested disease, hospital, materials and history
// costs the same number of SQL statements for 10, 100 or 1,000 applications, because every
// relation goes through a per-request DataLoader. Deterministic: counts statements, not time.

const REGION = 'sichuan-panzhihua';
let stack: Stack;
let counting = false;
let statements: string[] = [];

beforeAll(async () => {
  stack = await startStack({
    subgraphTimeoutMs: 30_000, // counts statements, not time: a busy machine must not fail it
    notifications: { send: async () => {} },
    onQuery: (subgraph, sql) => {
      // The outbox dispatcher polls on its own timer: not part of any request.
      if (counting && subgraph === REGION && !sql.includes('notification_outbox')) statements.push(sql);
    },
  });
  // 1,000 open applications due after every demo one, each with 3 materials and 2 history events.
  const ds = stack.regions[REGION]!.dataSource;
  const rows: ApplicationRow[] = Array.from({ length: 1000 }, (_, i) => {
    const due = addWorkingDays('2026-12-01', 15);
    return {
      id: formatAcceptanceNumber('510400', '2026-12-01', 1000 + i),
      regionCode: '510400',
      personId: `P8${String(i).padStart(5, '0')}`,
      type: 'NEW',
      diseaseCode: ['M03900', 'M01600', 'M04600'][i % 3]!,
      channelId: 'sichuan-medical-insurance-app',
      hospitalCode: null,
      status: 'SUPPLEMENT_REQUESTED',
      submittedAt: '2026-12-01T09:00:00+08:00',
      acceptedOn: '2026-12-01',
      dueDate: due.date,
      dueWorkingDays: 15,
      dueProvisional: due.provisional,
      decisionReason: null,
      decidedAt: null,
      previousApplicationId: null,
      idempotencyKey: null,
      openSlot: null,
      version: 2,
    };
  });
  for (let i = 0; i < rows.length; i += 200) await ds.getRepository(ApplicationEntity).insert(rows.slice(i, i + 200));
  const materials = rows.flatMap((r) =>
    ['ID_CARD', 'DIAGNOSIS_CERTIFICATE', 'MEDICAL_RECORD'].map((kind, position) => ({
      id: randomUUID(),
      applicationId: r.id,
      position,
      kind: kind as 'ID_CARD',
      issuedOn: null,
      hospitalCode: null,
      stamped: true,
      fileName: `${kind}.pdf`,
      sha256: '0'.repeat(64),
    })),
  );
  for (let i = 0; i < materials.length; i += 300)
    await ds.getRepository(MaterialFileEntity).insert(materials.slice(i, i + 300));
  const events = rows.flatMap((r) =>
    (['ACCEPTED', 'SUPPLEMENT_REQUESTED'] as const).map((status, position) => ({
      id: randomUUID(),
      applicationId: r.id,
      position,
      status,
      at: '2026-12-01T09:00:00+08:00',
      actor: 'test',
      note: null,
    })),
  );
  for (let i = 0; i < events.length; i += 300)
    await ds.getRepository(StatusEventEntity).insert(events.slice(i, i + 300));
});
afterAll(async () => {
  await stack?.close();
});

async function statementsFor(first: number): Promise<{ count: number; returned: number }> {
  const token = await stack.token({ role: 'REVIEWER', regionCode: '510400', subject: 'counter' });
  const query = `query($first: Int!) { panzhihuaReviewQueue(status: SUPPLEMENT_REQUESTED, first: $first) {
    acceptanceNumber status overdue dueDate { date } region { name } applicant { id }
    disease { code name } channel { name } hospital { name } materials { kind } history { status at } certification { id } } }`;
  statements = [];
  counting = true;
  const res = await stack.query(query, { first }, { token });
  counting = false;
  expect(res.errors).toBeUndefined();
  return { count: statements.length, returned: res.data.panzhihuaReviewQueue.length };
}

it('issues the same number of SQL statements for 10, 100 and 1,000 applications', async () => {
  const ten = await statementsFor(10);
  const hundred = await statementsFor(100);
  const thousand = await statementsFor(1000);
  expect([ten.returned, hundred.returned, thousand.returned]).toEqual([10, 100, 1000]);
  expect(hundred.count).toBe(ten.count);
  expect(thousand.count).toBe(ten.count);
  // queue page + audit rows (one INSERT, a row per person) + region + channels + diseases + hospitals + materials + history + certifications
  expect(ten.count).toBeLessThanOrEqual(10);
});

it('a reviewer of another region, an applicant and anonymous callers get no queue', async () => {
  const q = '{ panzhihuaReviewQueue(first: 1) { acceptanceNumber } }';
  const other = await stack.query(q, undefined, {
    token: await stack.token({ role: 'REVIEWER', regionCode: '445300' }),
  });
  expect(other.errors![0]!.extensions!.code).toBe('FORBIDDEN');
  const applicant = await stack.query(q, undefined, {
    token: await stack.token({ role: 'APPLICANT', personId: 'P000003' }),
  });
  expect(applicant.errors![0]!.extensions!.code).toBe('FORBIDDEN');
  const anonymous = await stack.query(q);
  expect(anonymous.errors![0]!.extensions!.code).toBe('UNAUTHENTICATED');
  const tooMany = await stack.query('{ panzhihuaReviewQueue(first: 0) { acceptanceNumber } }', undefined, {
    token: await stack.token({ role: 'NATIONAL_OPERATOR' }),
  });
  expect(tooMany.errors![0]!.extensions).toMatchObject({ code: 'BAD_USER_INPUT', reason: 'INVALID_PAGE' });
});

it('the keyset connection costs the same for 10, 100 and 1,000 rows, on the first page and deep', async () => {
  const token = await stack.token({ role: 'REVIEWER', regionCode: '510400', subject: 'counter' });
  const query = `query($first: Int!, $after: String) { panzhihuaReviewQueueConnection(status: SUPPLEMENT_REQUESTED, first: $first, after: $after) {
    edges { cursor node { acceptanceNumber disease { name } materials { kind } history { status } } } pageInfo { endCursor hasNextPage } } }`;
  const count = async (first: number, after: string | null = null) => {
    statements = [];
    counting = true;
    const res = await stack.query(query, { first, after }, { token });
    counting = false;
    expect(res.errors).toBeUndefined();
    const q = res.data.panzhihuaReviewQueueConnection;
    return { count: statements.length, returned: q.edges.length, end: q.pageInfo.endCursor as string };
  };
  const ten = await count(10);
  const hundred = await count(100);
  const thousand = await count(1000);
  const deep = await count(10, hundred.end);
  expect([ten.returned, hundred.returned, thousand.returned, deep.returned]).toEqual([10, 100, 1000, 10]);
  expect(new Set([ten.count, hundred.count, thousand.count, deep.count]).size).toBe(1);
});

it('the catalogue through the gateway costs the region the statements of a direct call, none for the region itself', async () => {
  const count = async (query: string, url?: string) => {
    statements = [];
    counting = true;
    const res = await stack.query(query, undefined, url ? { url } : {});
    counting = false;
    expect(res.errors).toBeUndefined();
    return statements.map((sql) => /FROM `(\w+)`/.exec(sql)?.[1]).sort();
  };
  const fields = '{ diseases { code name } hospitals { code name level } }';
  // First asked here: the gateway's response cache holds nothing for it yet.
  const viaGateway = await count(`{ region(code: "510400") ${fields} }`);
  const direct = await count(`{ panzhihuaRegion ${fields} }`, stack.regions[REGION]!.graphqlUrl);
  expect(direct).toEqual(['disease', 'hospital']);
  expect(viaGateway).toEqual(direct);
  // Another region's code is still looked up in the database (and is not there: null).
  const foreign = await count(
    `{ _entities(representations: [{ __typename: "PanzhihuaRegion", code: "445300" }]) { __typename } }`,
    stack.regions[REGION]!.graphqlUrl,
  );
  expect(foreign).toEqual(['region']);
});
