import { AuditEntity } from '../subgraphs/kit/persistence/audit';
import { type Stack, startStack } from './harness';

// The gateway merges identical anonymous queries that are in flight at the same moment into one
// subgraph request (gateway/subgraph-data-source.ts), and never merges a signed-in caller's
// reads (they may be audited per request). Counted at a proxy in front of the region, with the
// region slowed down so that the requests really overlap.

let stack: Stack;
const PZH = 'sichuan-panzhihua';
const CATALOGUE = '{ region(code: "510400") { name diseases { code name } } }';
const QUEUE = '{ panzhihuaReviewQueue(first: 5) { acceptanceNumber status } }';

beforeAll(async () => {
  stack = await startStack({ faults: true, responseCache: false });
});

afterAll(async () => {
  await stack?.close();
});

afterEach(() => {
  stack.proxies[PZH]!.mode = { kind: 'pass' };
});

async function overlapping<T>(n: number, run: () => Promise<T>): Promise<{ results: T[]; regionRequests: number }> {
  const proxy = stack.proxies[PZH]!;
  proxy.mode = { kind: 'delay', ms: 300 };
  const before = proxy.requests;
  const results = await Promise.all(Array.from({ length: n }, run));
  return { results, regionRequests: proxy.requests - before };
}

describe('in-flight dedupe of subgraph queries', () => {
  it('answers 10 identical anonymous queries with one request to the region, each answer whole', async () => {
    const alone = await stack.query(CATALOGUE);
    expect(alone.errors).toBeUndefined();
    const { results, regionRequests } = await overlapping(10, () => stack.query(CATALOGUE));
    expect(regionRequests).toBe(1);
    for (const r of results) expect(r).toEqual(alone);
    const metrics = await (await fetch(`${stack.gateway.metricsUrl}/metrics`)).text();
    expect(metrics).toMatch(/mente_subgraph_fetches_shared_total\{[^}]*subgraph="sichuan-panzhihua"[^}]*\} 9\n/);
    // Each caller got its own copy: changing one answer does not touch another.
    (results[0]!.data.region.diseases as unknown[]).length = 0;
    expect(results[1]!.data.region.diseases.length).toBe(alone.data.region.diseases.length);
  });

  it('does not merge different queries or different variables', async () => {
    const q = 'query($c: ID!) { region(code: $c) { name diseases { code } } }';
    const { results, regionRequests } = await overlapping(2, async () => {
      return Promise.all([stack.query(CATALOGUE), stack.query(q, { c: '510400' })]);
    });
    for (const r of results.flat()) expect(r.errors).toBeUndefined();
    expect(regionRequests).toBe(2);
  });

  it('never merges signed-in reads: each reaches the region and is audited', async () => {
    const token = await stack.token({ role: 'REVIEWER', regionCode: '510400', subject: 'dedupe-reviewer' });
    const audit = stack.regions[PZH]!.dataSource.getRepository(AuditEntity);
    const requests = async () =>
      new Set(
        (await audit.findBy({ actor: 'REVIEWER:510400:dedupe-reviewer', action: 'READ_REVIEW_QUEUE' })).map(
          (r) => r.requestId,
        ),
      ).size;
    const before = await requests();
    const { results, regionRequests } = await overlapping(4, () => stack.query(QUEUE, undefined, { token }));
    for (const r of results) expect(r.errors).toBeUndefined();
    expect(regionRequests).toBe(4);
    // One row per person on the page, all with their request's id: four requests on record.
    expect((await requests()) - before).toBe(4);
  });

  it('a failed shared request fails every caller alike, and the next query asks again', async () => {
    const proxy = stack.proxies[PZH]!;
    proxy.mode = { kind: 'error' };
    const failed = await Promise.all(Array.from({ length: 3 }, () => stack.query(CATALOGUE)));
    for (const r of failed) {
      expect(r.data?.region ?? null).toBeNull();
      expect(r.errors?.[0]?.extensions).toMatchObject({ code: 'SUBGRAPH_ERROR' });
    }
    proxy.mode = { kind: 'pass' };
    const before = proxy.requests;
    const ok = await stack.query(CATALOGUE);
    expect(ok.errors).toBeUndefined();
    expect(proxy.requests - before).toBe(1);
  });
});
