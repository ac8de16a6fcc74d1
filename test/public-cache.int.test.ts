import { DEMO_PERSONS } from '../scripts/seed-data/people';
import { type Stack, startStack } from './harness';

// Public policy carries PUBLIC cache hints, so the gateway answers a repeated public query from
// its response cache; anything personal is never hinted and never cached.

const REGION = 'sichuan-panzhihua';
let stack: Stack;
let statements = 0;

beforeAll(async () => {
  stack = await startStack({
    notifications: { send: async () => {} },
    onQuery: (subgraph, sql) => {
      if (subgraph === REGION && !sql.includes('notification_outbox') && !sql.includes('audit_log')) statements++;
    },
  });
});
afterAll(async () => {
  await stack?.close();
});

async function countStatements(run: () => Promise<unknown>): Promise<number> {
  statements = 0;
  await run();
  return statements;
}

it('reuses a public catalogue answer without asking the region again', async () => {
  const query =
    '{ region(code: "510400") { name diseases { code name } hospitals { code level } costSharing { deductible } } }';
  const first = await countStatements(() => stack.query(query));
  expect(first).toBeGreaterThan(0);
  const res = await fetch(stack.gateway.graphqlUrl, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ query }),
  });
  expect(res.headers.get('cache-control')).toMatch(/max-age=\d+, public/);
  const second = await countStatements(() => stack.query(query));
  expect(second).toBe(0);
});

it('never caches personal data', async () => {
  const token = await stack.token({ role: 'APPLICANT', personId: DEMO_PERSONS.panzhihuaWithHistoryInBoth });
  const query = '{ me { records { applications { acceptanceNumber status } } } }';
  await stack.query(query, undefined, { token });
  const again = await countStatements(() => stack.query(query, undefined, { token }));
  expect(again).toBeGreaterThan(0);
  const res = await fetch(stack.gateway.graphqlUrl, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
    body: JSON.stringify({ query }),
  });
  expect(res.headers.get('cache-control') ?? '').not.toMatch(/public/);
});

it('does not cache a mix of public and personal fields', async () => {
  const token = await stack.token({ role: 'NATIONAL_OPERATOR' });
  const query = `{ region(code: "510400") { name } person(id: "${DEMO_PERSONS.panzhihuaNoRecords}") { records { applications { id } } } }`;
  await stack.query(query, undefined, { token });
  const again = await countStatements(() => stack.query(query, undefined, { token }));
  expect(again).toBeGreaterThan(0);
});
