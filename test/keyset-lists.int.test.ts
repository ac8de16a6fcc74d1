import type { DataSource, SelectQueryBuilder } from 'typeorm';

import { appealQueueQuery, feedbackQueueQuery } from '../subgraphs/kit/persistence/appeal.loader';
import { appendAudit, AuditEntity, auditKeysQuery, type AuditRow } from '../subgraphs/kit/persistence/audit';
import {
  AppealEntity,
  type AppealRow,
  FeedbackEntity,
  type FeedbackRow,
} from '../subgraphs/kit/persistence/db/appeal.entities';
import { encodeCursor } from '../subgraphs/kit/platform/pagination/cursor';
import { type Stack, startStack, usingMysql } from './harness';

// The appeal and feedback queues and the audit-log view by keyset (issue 18, item 3): each walked
// page by page while rows arrive, every row exactly once; the same statements per page and the
// same index rows read at any depth; cursors checked; OFFSET on the old lists capped; the audit
// log only for the region's reviewers and national operators, and every read of it audited.
// Deterministic: counts rows, statements and index reads, never time.

const REGION = 'sichuan-panzhihua';
const CODE = '510400';
let stack: Stack;
let ds: DataSource;
let counting = false;
let statements: string[] = [];
let reviewer: string;
let serial = 0;

const seq = () => String((serial += 1)).padStart(5, '0');

function appeal(dueDate: string): AppealRow {
  const n = seq();
  return {
    id: `KA${n}`,
    regionCode: CODE,
    personId: `P8${n}`,
    applicationId: `A${n}`,
    status: 'PENDING',
    reason: '不服驳回',
    filedAt: '2026-12-01T09:00:00+08:00',
    filedOn: '2026-12-01',
    dueDate,
    dueWorkingDays: 15,
    dueProvisional: false,
    rejectedBy: 'REVIEWER:510400:someone',
    decidedBy: null,
    decisionReason: null,
    decidedAt: null,
    openSlot: `A${n}`,
    version: 1,
  };
}

function feedback(submittedAt: string): FeedbackRow {
  const n = seq();
  return {
    id: `KF${n}`,
    regionCode: CODE,
    personId: `P9${n}`,
    category: 'SUGGESTION',
    subject: '建议',
    text: '窗口排队时间长',
    applicationId: null,
    status: 'OPEN',
    submittedAt,
    reply: null,
    repliedBy: null,
    repliedAt: null,
    version: 1,
  };
}

function auditRow(at: string, subject: string, actor = 'REVIEWER:510400:someone'): AuditRow {
  return {
    id: `ka-${seq()}`,
    at,
    actor,
    role: actor.split(':')[0]!,
    action: 'READ_PERSON_RECORD',
    subject,
    requestId: 'r',
  };
}

beforeAll(async () => {
  stack = await startStack({
    subgraphTimeoutMs: 30_000,
    notifications: { send: async () => {} },
    onQuery: (subgraph, sql) => {
      if (counting && subgraph === REGION && !sql.includes('notification_outbox')) statements.push(sql);
    },
  });
  ds = stack.regions[REGION]!.dataSource;
  reviewer = await stack.token({ role: 'REVIEWER', regionCode: CODE, subject: 'keyset-pager' });
  // 60 of each on 6 keys (10 share each: the id breaks the tie).
  const appeals: AppealRow[] = [];
  const feedbacks: FeedbackRow[] = [];
  const audits: AuditRow[] = [];
  for (let d = 0; d < 6; d++) {
    for (let i = 0; i < 10; i++) {
      appeals.push(appeal(`2027-02-1${d}`));
      feedbacks.push(feedback(`2026-11-1${d}T10:00:00+08:00`));
      audits.push(
        auditRow(`2026-01-1${d}T10:00:00+08:00`, 'P-KEYSET-1', i % 2 ? 'REVIEWER:510400:a' : 'NATIONAL_OPERATOR:b'),
      );
    }
  }
  await ds.getRepository(AppealEntity).insert(appeals);
  await ds.getRepository(FeedbackEntity).insert(feedbacks);
  await ds.getRepository(AuditEntity).insert(audits);
});
afterAll(async () => {
  await stack?.close();
});

interface Page {
  edges: { cursor: string; node: Record<string, string> }[];
  pageInfo: { endCursor: string | null; hasNextPage: boolean };
  statements: number;
}

const APPEALS = `query($first: Int!, $after: String) { q: panzhihuaAppealQueueConnection(status: PENDING, first: $first, after: $after) {
  edges { cursor node { id acceptanceNumber dueDate { date } } } pageInfo { endCursor hasNextPage } } }`;
const FEEDBACK = `query($first: Int!, $after: String) { q: panzhihuaFeedbackQueueConnection(status: OPEN, first: $first, after: $after) {
  edges { cursor node { trackingNumber submittedAt } } pageInfo { endCursor hasNextPage } } }`;
const AUDIT = `query($first: Int!, $after: String, $subject: ID, $actor: String) {
  q: panzhihuaAuditLog(subject: $subject, actor: $actor, first: $first, after: $after) {
  edges { cursor node { id at actor role action subject requestId } } pageInfo { endCursor hasNextPage } } }`;

async function page(query: string, variables: Record<string, unknown>, token = reviewer): Promise<Page> {
  statements = [];
  counting = true;
  const res = await stack.query(query, variables, { token });
  counting = false;
  expect(res.errors).toBeUndefined();
  return { ...res.data.q, statements: statements.length } as Page;
}

/** Walks a list `first` at a time; `between(n)` runs after page n. */
async function walk(
  query: string,
  first: number,
  id: (node: Record<string, string>) => string,
  between: (n: number) => Promise<void>,
  extra: Record<string, unknown> = {},
) {
  const seen: string[] = [];
  const costs: number[] = [];
  let after: string | null = null;
  for (let n = 0; n < 100; n++) {
    const p = await page(query, { first, after, ...extra });
    seen.push(...p.edges.map((e) => id(e.node)));
    costs.push(p.statements);
    await between(n);
    if (!p.pageInfo.hasNextPage) break;
    after = p.pageInfo.endCursor;
  }
  return { seen, costs };
}

/**
 * Index and table rows the engine reads for one statement: MariaDB's session handler counters
 * around it (one connection), SQLite's virtual-machine steps are not exposed, so there the plan
 * must read the index in order (no temporary sort), which bounds the rows at the LIMIT.
 */
async function rowsRead(query: SelectQueryBuilder<object>, index: string): Promise<number | 'index-ordered'> {
  const [sql, params] = query.getQueryAndParameters();
  const runner = ds.createQueryRunner();
  try {
    if (!usingMysql()) {
      const plan = (await runner.query(`EXPLAIN QUERY PLAN ${sql}`, params)) as { detail: string }[];
      const details = plan.map((r) => r.detail).join(' | ');
      expect(details).toContain(index);
      expect(details).not.toMatch(/TEMP B-TREE/);
      return 'index-ordered';
    }
    const handlers = async () => {
      // Index entries an index condition pushed down rejected are not in Handler_read_*: added.
      const rows = (await runner.query(
        "SHOW SESSION STATUS WHERE Variable_name LIKE 'Handler_read%' OR Variable_name LIKE 'Handler_icp%'",
      )) as { Variable_name: string; Value: string }[];
      const value = (name: string) => Number(rows.find((r) => r.Variable_name === name)?.Value ?? 0);
      const reads = rows
        .filter((r) => r.Variable_name.startsWith('Handler_read'))
        .reduce((n, r) => n + Number(r.Value), 0);
      return reads + value('Handler_icp_attempts') - value('Handler_icp_match');
    };
    const plan = (await runner.query(`EXPLAIN ${sql}`, params)) as { key: string | null; Extra: string | null }[];
    expect(plan[0]!.key).toBe(index);
    expect(plan[0]!.Extra ?? '').not.toMatch(/filesort/);
    const before = await handlers();
    await runner.query(sql, params);
    return (await handlers()) - before;
  } finally {
    await runner.release();
  }
}

/** A deep page reads no more index entries than a near one (one descent and first + 1 entries). */
function expectBounded(shallow: number | 'index-ordered', deep: number | 'index-ordered') {
  if (shallow === 'index-ordered' || deep === 'index-ordered') return;
  expect(deep).toBeLessThanOrEqual(shallow + 1);
  expect(deep).toBeLessThanOrEqual(6 + 3);
}

describe('appeal and feedback queues', () => {
  it('walk the appeal queue with no duplicate and no gap while appeals arrive, the same cost per page', async () => {
    const before = (await ds.getRepository(AppealEntity).findBy({ regionCode: CODE, status: 'PENDING' })).map(
      (r) => r.id,
    );
    const late = appeal('2099-12-31');
    const { seen, costs } = await walk(
      APPEALS,
      7,
      (node) => node.id!,
      async (n) => {
        // One due before the pages read (never on a later page), one due later (read in its place).
        if (n === 1) await ds.getRepository(AppealEntity).insert([appeal('2026-01-01'), { ...late }]); // a copy: insert() writes back into its rows;
      },
    );
    expect(new Set(seen).size).toBe(seen.length);
    expect([...seen].sort()).toEqual([...before, late.id].sort());
    const rows = await ds.getRepository(AppealEntity).findByIds(seen);
    const key = (id: string) => `${rows.find((r) => r.id === id)!.dueDate}|${id}`;
    expect(seen.map(key)).toEqual(seen.map(key).sort());
    expect(new Set(costs).size).toBe(1);
  });

  it('walk the feedback queue oldest first with no duplicate and no gap, the same cost per page', async () => {
    const before = (await ds.getRepository(FeedbackEntity).findBy({ regionCode: CODE, status: 'OPEN' })).map(
      (r) => r.id,
    );
    const late = feedback('2099-01-01T08:00:00+08:00');
    const { seen, costs } = await walk(
      FEEDBACK,
      9,
      (node) => node.trackingNumber!,
      async (n) => {
        if (n === 2)
          await ds.getRepository(FeedbackEntity).insert([feedback('2026-01-01T08:00:00+08:00'), { ...late }]);
      },
    );
    expect(new Set(seen).size).toBe(seen.length);
    expect([...seen].sort()).toEqual([...before, late.id].sort());
    expect(new Set(costs).size).toBe(1);
  });

  it('read first + 1 index entries in order at any depth', async () => {
    const shallowA = await rowsRead(
      appealQueueQuery(ds, CODE, 'PENDING', 6, { key: '2027-02-10', id: 'KA' }),
      'ix_appeal_queue',
    );
    const deepA = await rowsRead(
      appealQueueQuery(ds, CODE, 'PENDING', 6, { key: '2027-02-15', id: 'KA' }),
      'ix_appeal_queue',
    );
    const shallowF = await rowsRead(
      feedbackQueueQuery(ds, CODE, 'OPEN', 6, { key: '2026-11-10T10:00:00+08:00', id: 'KF' }),
      'ix_feedback_queue',
    );
    const deepF = await rowsRead(
      feedbackQueueQuery(ds, CODE, 'OPEN', 6, { key: '2026-11-15T10:00:00+08:00', id: 'KF' }),
      'ix_feedback_queue',
    );
    expectBounded(shallowA, deepA);
    expectBounded(shallowF, deepF);
  });

  it('refuse a garbage, another list’s and an edited cursor with INVALID_CURSOR', async () => {
    const p = await page(APPEALS, { first: 2, after: null });
    const edited = Buffer.from(
      Buffer.from(p.pageInfo.endCursor!, 'base64url').toString('utf8').replace(/\["\d/, '["9'),
    ).toString('base64url');
    const otherStatus = encodeCursor(`appeals:${CODE}:UPHELD`, ['2027-02-10', 'x']);
    const queueCursor = encodeCursor(`queue:${CODE}:ACCEPTED:all`, ['2027-02-10', 'x']);
    for (const [query, after] of [
      [APPEALS, '%%%'],
      [APPEALS, edited],
      [APPEALS, otherStatus],
      [APPEALS, queueCursor],
      [FEEDBACK, p.pageInfo.endCursor!], // an appeal cursor in the feedback queue
      [FEEDBACK, 'bm90IGEgY3Vyc29y'],
    ] as const) {
      const res = await stack.query(query, { first: 2, after }, { token: reviewer });
      expect(res.errors?.[0]?.extensions).toMatchObject({ code: 'BAD_USER_INPUT', reason: 'INVALID_CURSOR' });
    }
    const big = await stack.query(FEEDBACK, { first: 1001, after: null }, { token: reviewer });
    expect(big.errors?.[0]?.extensions).toMatchObject({ code: 'BAD_USER_INPUT', reason: 'INVALID_PAGE' });
  });

  it('cap OFFSET on the old lists (OFFSET_TOO_LARGE, pointing to after) and keep them working below it', async () => {
    for (const field of ['panzhihuaAppealQueue', 'panzhihuaFeedbackQueue']) {
      const res = await stack.query(`{ ${field}(first: 10, offset: 10001) { __typename } }`, undefined, {
        token: reviewer,
      });
      expect(res.errors?.[0]?.extensions).toMatchObject({ code: 'BAD_USER_INPUT', reason: 'OFFSET_TOO_LARGE' });
      expect(res.errors?.[0]?.message).toContain('after');
      const ok = await stack.query(`{ ${field}(first: 10, offset: 10000) { __typename } }`, undefined, {
        token: reviewer,
      });
      expect(ok.errors).toBeUndefined();
      expect(ok.data[field]).toEqual([]);
    }
    const second = await stack.query('{ panzhihuaAppealQueue(first: 5, offset: 5) { id } }', undefined, {
      token: reviewer,
    });
    const connection = await page(APPEALS, { first: 10, after: null });
    expect(second.data.panzhihuaAppealQueue.map((a: { id: string }) => a.id)).toEqual(
      connection.edges.slice(5).map((e) => e.node.id),
    );
  });
});

describe('audit-log view', () => {
  it("only the region's reviewers and national operators may read it", async () => {
    const tokens = {
      applicant: await stack.token({ role: 'APPLICANT', personId: 'P-KEYSET-1' }),
      clerk: await stack.token({ role: 'COUNTER_CLERK', regionCode: CODE, subject: 'keyset-clerk' }),
      otherReviewer: await stack.token({ role: 'REVIEWER', regionCode: '445300', subject: 'keyset-yunfu' }),
      operator: await stack.token({ role: 'NATIONAL_OPERATOR', subject: 'keyset-operator' }),
    };
    for (const token of [tokens.applicant, tokens.clerk, tokens.otherReviewer]) {
      const res = await stack.query(AUDIT, { first: 5, subject: 'P-KEYSET-1' }, { token });
      expect(res.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
      expect(res.errors?.[0]?.message).toContain('审计日志');
      expect(res.data?.q ?? null).toBeNull();
    }
    const anonymous = await stack.query(AUDIT, { first: 5 });
    expect(anonymous.errors?.[0]?.extensions?.code).toBe('UNAUTHENTICATED');
    const operator = await page(AUDIT, { first: 5, subject: 'P-KEYSET-1' }, tokens.operator);
    expect(operator.edges).toHaveLength(5);
    // Refused reads are not audit-log reads; the operator's is, with the subject asked about.
    const reads = await ds.getRepository(AuditEntity).findBy({ action: 'READ_AUDIT_LOG', subject: 'P-KEYSET-1' });
    expect(reads.map((r) => r.actor)).toEqual(['NATIONAL_OPERATOR:keyset-operator']);
  });

  it('pages one subject newest first with no duplicate and no gap while reads of it are audited', async () => {
    const before = await ds.getRepository(AuditEntity).findBy({ subject: 'P-KEYSET-1' });
    const { seen, costs } = await walk(
      AUDIT,
      7,
      (node) => node.id!,
      // Each page read appends a READ_AUDIT_LOG row about P-KEYSET-1 (newer than every page: never on a later one).
      async () => {},
      { subject: 'P-KEYSET-1' },
    );
    expect(new Set(seen).size).toBe(seen.length);
    expect([...seen].sort()).toEqual(before.map((r) => r.id).sort());
    const byId = new Map(before.map((r) => [r.id, `${r.at}|${r.id}`]));
    const keys = seen.map((id) => byId.get(id)!);
    expect(keys).toEqual([...keys].sort().reverse());
    expect(new Set(costs).size).toBe(1);
    // The walk itself is on record: one row per page read, the newest on a fresh first page.
    const reads = await ds.getRepository(AuditEntity).findBy({
      action: 'READ_AUDIT_LOG',
      actor: 'REVIEWER:510400:keyset-pager',
      subject: 'P-KEYSET-1',
    });
    expect(reads).toHaveLength(costs.length);
    const fresh = await page(AUDIT, { first: 1, subject: 'P-KEYSET-1' });
    expect(fresh.edges[0]!.node).toMatchObject({ action: 'READ_AUDIT_LOG', actor: 'REVIEWER:510400:keyset-pager' });
  });

  it('lists rows of the same second in the order they were written (their ids are time-ordered)', async () => {
    // `at` has whole seconds; a random id would order one second's rows at random (a later read
    // listed below an earlier one). Twenty rows of one second, written one after another:
    const identity = { role: 'REVIEWER' as const, regionCode: CODE, subject: 'same-second' };
    const written: string[] = [];
    for (let i = 0; i < 20; i++) {
      await appendAudit(ds.manager, {
        identity,
        action: 'READ_PERSON_RECORD',
        subject: 'P-KEYSET-SAME',
        requestId: `same-${i}`,
        at: '2026-02-01T10:00:00+08:00',
      });
      written.push(`same-${i}`);
    }
    const listed = await page(AUDIT, { first: 20, subject: 'P-KEYSET-SAME' });
    expect(listed.edges.map((e) => e.node.requestId)).toEqual([...written].reverse());
  });

  it('filters by actor, and by nothing (every row), with cursors bound to the filter', async () => {
    const byActor = await walk(
      AUDIT,
      8,
      (node) => node.actor!,
      async () => {},
      { actor: 'REVIEWER:510400:a' },
    );
    expect(byActor.seen).toHaveLength(30);
    expect(new Set(byActor.seen)).toEqual(new Set(['REVIEWER:510400:a']));
    const all = await page(AUDIT, { first: 50 });
    expect(all.edges.length).toBe(50);
    expect(all.pageInfo.hasNextPage).toBe(true);
    const res = await stack.query(
      AUDIT,
      { first: 5, after: all.pageInfo.endCursor, subject: 'P-KEYSET-1' },
      { token: reviewer },
    );
    expect(res.errors?.[0]?.extensions).toMatchObject({ code: 'BAD_USER_INPUT', reason: 'INVALID_CURSOR' });
  });

  it('reads first + 1 index entries in order at any depth', async () => {
    const deep = { at: '2026-01-13T10:00:00+08:00', id: 'ka-' }; // every row of the 13th and older
    const near = { at: '2026-01-16T10:00:00+08:00', id: 'ka-' }; // the 15th and older
    const shallowS = await rowsRead(auditKeysQuery(ds, { subject: 'P-KEYSET-1' }, 6, near), 'ix_audit_subject');
    const deepS = await rowsRead(auditKeysQuery(ds, { subject: 'P-KEYSET-1' }, 6, deep), 'ix_audit_subject');
    const shallowA = await rowsRead(auditKeysQuery(ds, { actor: 'REVIEWER:510400:a' }, 6, near), 'ix_audit_actor');
    const deepA = await rowsRead(auditKeysQuery(ds, { actor: 'REVIEWER:510400:a' }, 6, deep), 'ix_audit_actor');
    expectBounded(shallowS, deepS);
    expectBounded(shallowA, deepA);
  });
});
