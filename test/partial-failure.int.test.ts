import { REGIONS } from '../schema/registry';
import { DEMO_PERSONS } from '../scripts/seed-data/people';
import { type Stack, startStack } from './harness';

// A cross-region answer survives a region that is down, hangs or fails: every other region still
// answers, the missing part is null with an error naming the region, and the gateway recovers by
// itself when the region returns. Each region sits behind a fault-injecting proxy.

const TIMEOUT_MS = 400;
let stack: Stack;
let operator: string;

beforeAll(async () => {
  stack = await startStack({ faults: true, subgraphTimeoutMs: TIMEOUT_MS });
  operator = await stack.token({ role: 'NATIONAL_OPERATOR', subject: 'ops' });
});
afterAll(async () => {
  await stack?.close();
});
afterEach(() => {
  for (const proxy of Object.values(stack.proxies)) proxy.mode = { kind: 'pass' };
});

const DONE_WHEN = `query($id: ID!) { person(id: $id) { name records { region { name } applications { acceptanceNumber status }
  certifications { validUntil } remoteCareFilings { residenceRegionName } } } }`;
const ask = () => stack.query(DONE_WHEN, { id: DEMO_PERSONS.panzhihuaWithHistoryInBoth }, { token: operator });

function expectOnlyYunfuMissing(res: Awaited<ReturnType<typeof ask>>, code: string) {
  const [pzh, yf] = res.data.person.records;
  expect(pzh.region.name).toBe('攀枝花市');
  expect(pzh.applications.length).toBeGreaterThan(0);
  expect(yf).toBeNull();
  expect(res.errors).toHaveLength(1);
  const [error] = res.errors!; // the other regions (two in the committed registry) all answered
  expect(error).toMatchObject({
    path: ['person', 'records', 1],
    extensions: { code, serviceName: 'guangdong-yunfu', regionCode: '445300', regionName: '云浮市' },
  });
  expect(error!.message).not.toMatch(/127\.0\.0\.1|localhost|http:/);
  expect(error!.extensions!.stacktrace).toBeUndefined();
}

describe('partial failure', () => {
  it('answers with both regions when all is well', async () => {
    const res = await ask();
    expect(res.errors).toBeUndefined();
    expect(res.data.person.records.map((r: any) => r.region.name).slice(0, 2)).toEqual(['攀枝花市', '云浮市']);
    expect(res.data.person.records).toHaveLength(REGIONS.length);
  });

  it('a region answering HTTP 500: the other region’s data plus a precise error', async () => {
    stack.proxies['guangdong-yunfu']!.mode = { kind: 'error' };
    expectOnlyYunfuMissing(await ask(), 'SUBGRAPH_ERROR');
  });

  it('a hung region: the per-subgraph timeout bounds the wait, the rest still answers', async () => {
    stack.proxies['guangdong-yunfu']!.mode = { kind: 'hang' };
    const res = await ask();
    expectOnlyYunfuMissing(res, 'SUBGRAPH_TIMEOUT');
    expect(res.errors![0]!.extensions!.timeoutMs).toBe(TIMEOUT_MS);
  });

  it('a region killed mid-suite, then restarted: partial data and an error, then full answers again', async () => {
    await stack.stopRegion('guangdong-yunfu');
    expectOnlyYunfuMissing(await ask(), 'SUBGRAPH_UNAVAILABLE');

    const regions = await stack.query('{ regions { code name } }');
    expect(regions.data.regions.slice(0, 2)).toEqual([{ code: '510400', name: '攀枝花市' }, null]);
    expect(regions.errors![0]).toMatchObject({ path: ['regions', 1], extensions: { regionCode: '445300' } });

    const health = await fetch(`${stack.gateway.url}/health`);
    expect(health.status).toBe(503);
    expect(((await health.json()) as any).subgraphs).toContainEqual({ name: 'guangdong-yunfu', status: 'down' });

    await stack.restartRegion('guangdong-yunfu');
    const res = await ask();
    expect(res.errors).toBeUndefined();
    expect(res.data.person.records[1].region.name).toBe('云浮市');
  });

  it('a slow region within the deadline still answers in full', async () => {
    stack.proxies['guangdong-yunfu']!.mode = { kind: 'delay', ms: 50 };
    const res = await ask();
    expect(res.errors).toBeUndefined();
  });
});
