import { formatAcceptanceNumber } from '../subgraphs/kit/domain/acceptance-number';
import { ApplicationEntity, type ApplicationRow } from '../subgraphs/kit/persistence/db/record.entities';
import { encodeCursor } from '../subgraphs/kit/platform/pagination/cursor';
import { type Stack, startStack } from './harness';

// The review queue by keyset (panzhihuaReviewQueueConnection): walked page by page while new
// applications arrive, every row exactly once; one SQL statement per page at any depth; cursors
// validated; OFFSET on the old list capped. Deterministic: counts rows and statements, not time.

const REGION = 'sichuan-panzhihua';
let stack: Stack;
let counting = false;
let statements: string[] = [];
let reviewer: string;
let serial = 5000;

function application(dueDate: string, status: ApplicationRow['status'] = 'SUPPLEMENT_REQUESTED'): ApplicationRow {
  serial += 1;
  return {
    id: formatAcceptanceNumber('510400', '2026-12-02', serial),
    regionCode: '510400',
    personId: `P7${String(serial).padStart(5, '0')}`,
    type: 'NEW',
    diseaseCode: 'M03900',
    channelId: 'sichuan-medical-insurance-app',
    hospitalCode: null,
    status,
    submittedAt: '2026-12-02T09:00:00+08:00',
    acceptedOn: '2026-12-02',
    dueDate,
    dueWorkingDays: 15,
    dueProvisional: false,
    decisionReason: null,
    decidedAt: null,
    previousApplicationId: null,
    idempotencyKey: null,
    openSlot: null,
    version: 2,
  };
}

const insert = (rows: ApplicationRow[]) =>
  stack.regions[REGION]!.dataSource.getRepository(ApplicationEntity).insert(rows);

beforeAll(async () => {
  stack = await startStack({
    subgraphTimeoutMs: 30_000,
    notifications: { send: async () => {} },
    onQuery: (subgraph, sql) => {
      if (counting && subgraph === REGION && !sql.includes('notification_outbox')) statements.push(sql);
    },
  });
  reviewer = await stack.token({ role: 'REVIEWER', regionCode: '510400', subject: 'pager' });
  // 60 applications on 6 due dates (10 share each date: the id breaks the tie).
  const rows: ApplicationRow[] = [];
  for (let d = 0; d < 6; d++) for (let i = 0; i < 10; i++) rows.push(application(`2027-01-1${d}`));
  await insert(rows);
});
afterAll(async () => {
  await stack?.close();
});

const PAGE = `query($first: Int!, $after: String) { q: panzhihuaReviewQueueConnection(status: SUPPLEMENT_REQUESTED, first: $first, after: $after) {
  edges { cursor node { acceptanceNumber dueDate { date } } } pageInfo { endCursor hasNextPage } } }`;

async function page(first: number, after: string | null) {
  statements = [];
  counting = true;
  const res = await stack.query(PAGE, { first, after }, { token: reviewer });
  counting = false;
  expect(res.errors).toBeUndefined();
  return { ...res.data.q, statements: statements.length } as {
    edges: { cursor: string; node: { acceptanceNumber: string; dueDate: { date: string } } }[];
    pageInfo: { endCursor: string | null; hasNextPage: boolean };
    statements: number;
  };
}

it('walks the whole queue with no duplicate and no gap while applications arrive, at a constant cost', async () => {
  const before = (
    await stack.regions[REGION]!.dataSource.getRepository(ApplicationEntity).findBy({
      regionCode: '510400',
      status: 'SUPPLEMENT_REQUESTED',
    })
  ).map((r) => r.id);
  const seen: string[] = [];
  const costs: number[] = [];
  const lateArrivals: string[] = [];
  let after: string | null = null;
  for (let n = 0; n < 100; n++) {
    const p = await page(7, after);
    seen.push(...p.edges.map((e) => e.node.acceptanceNumber));
    costs.push(p.statements);
    if (n === 1) {
      // Arrivals: one due before the pages already read (not on later pages), one due later (read).
      const early = application('2026-01-01');
      const late = application('2099-12-31');
      lateArrivals.push(late.id);
      await insert([early, late]);
    }
    if (!p.pageInfo.hasNextPage) break;
    after = p.pageInfo.endCursor;
  }
  expect(new Set(seen).size).toBe(seen.length); // no duplicates
  expect([...seen].sort()).toEqual([...before, ...lateArrivals].sort()); // no gaps
  // Ordered by (due date, acceptance number) throughout.
  const rows = await stack.regions[REGION]!.dataSource.getRepository(ApplicationEntity).findByIds(seen);
  const key = (id: string) => {
    const r = rows.find((x) => x.id === id)!;
    return `${r.dueDate}|${r.id}`;
  };
  expect(seen.map(key)).toEqual(seen.map(key).sort());
  // Each page: the same number of statements, the first page as the last.
  expect(new Set(costs).size).toBe(1);
});

it('the keyset page reads first + 1 rows, one SELECT on application, at any depth', async () => {
  const first = await page(5, null);
  const deep = await page(5, encodeCursor('queue:510400:SUPPLEMENT_REQUESTED:all', ['2027-01-15', 'Z']));
  const queueSelects = (n: typeof first) => n.statements;
  expect(queueSelects(deep)).toBeLessThanOrEqual(queueSelects(first));
  expect(deep.edges.length).toBeGreaterThan(0); // the late arrival (2099) is after it
});

it('refuses a garbage cursor, another list’s cursor and an edited one with INVALID_CURSOR', async () => {
  const p = await page(2, null);
  const edited = Buffer.from(
    Buffer.from(p.pageInfo.endCursor!, 'base64url').toString('utf8').replace(/\["\d/, '["9'),
  ).toString('base64url');
  const approvedCursor = encodeCursor('queue:510400:APPROVED:all', ['2027-01-10', 'x']);
  for (const after of ['%%%', 'bm90IGEgY3Vyc29y', edited, approvedCursor]) {
    const res = await stack.query(PAGE, { first: 2, after }, { token: reviewer });
    expect(res.errors?.[0]?.extensions).toMatchObject({ code: 'BAD_USER_INPUT', reason: 'INVALID_CURSOR' });
  }
});

it('caps OFFSET on the old list (OFFSET_TOO_LARGE) and keeps its page sizes', async () => {
  const res = await stack.query(
    '{ panzhihuaReviewQueue(status: SUPPLEMENT_REQUESTED, first: 10, offset: 10001) { acceptanceNumber } }',
    undefined,
    { token: reviewer },
  );
  expect(res.errors?.[0]?.extensions).toMatchObject({ code: 'BAD_USER_INPUT', reason: 'OFFSET_TOO_LARGE' });
  const big = await stack.query(PAGE, { first: 1001, after: null }, { token: reviewer });
  expect(big.errors?.[0]?.extensions).toMatchObject({ code: 'BAD_USER_INPUT', reason: 'INVALID_PAGE' });
});
