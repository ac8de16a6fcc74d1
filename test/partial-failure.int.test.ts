import { performance } from 'node:perf_hooks';

import { REGIONS, SUBGRAPHS } from '../schema/registry';
import { DEMO_PERSONS } from '../scripts/seed-data/people';
import { type Stack, startStack } from './harness';

// A cross-region answer survives a region that is down, hangs or fails: every other region still
// answers, the missing part is null with an error naming the region, and the gateway recovers by
// itself when the region returns. Each region sits behind a fault-injecting proxy. Meanwhile the
// gateway stays ready (a load balancer keeps it), and its internal port reports the region.

const TIMEOUT_MS = 400;
const HEALTH_TIMEOUT_MS = 500;
const YF = 'guangdong-yunfu';
let stack: Stack;
let operator: string;

beforeAll(async () => {
  // Health reports are not reused here (cache 0), so each check sees the fault just injected.
  stack = await startStack({
    faults: true,
    subgraphTimeoutMs: TIMEOUT_MS,
    subgraphHealthTimeoutMs: HEALTH_TIMEOUT_MS,
    subgraphHealthCacheMs: 0,
    // These tests fail Yunfu many times in a row on purpose; the breaker is tested in faults.int.test.ts.
    circuitBreaker: { failures: 1000 },
  });
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
    extensions: {
      code,
      retryable: code !== 'SUBGRAPH_ERROR',
      serviceName: 'guangdong-yunfu',
      regionCode: '445300',
      regionName: '云浮市',
    },
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

    expect((await fetch(`${stack.gateway.url}/health`)).status).toBe(200);

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

// ---- health: the gateway's readiness versus its per-subgraph report ---------------------------

interface StatusReport {
  status: string;
  subgraphs: { name: string; status: string; database?: string; reason?: string; durationMs: number }[];
}

/** The gateway's readiness, timed, and how many requests reached any region meanwhile. */
async function gatewayReadiness() {
  const regionRequests = () => Object.values(stack.proxies).reduce((n, p) => n + p.requests, 0);
  const before = regionRequests();
  const started = performance.now();
  const res = await fetch(`${stack.gateway.url}/health/ready`);
  const body = await res.json();
  return { status: res.status, body, ms: performance.now() - started, regionRequests: regionRequests() - before };
}

async function subgraphStatus() {
  const started = performance.now();
  const res = await fetch(`${stack.gateway.metricsUrl}/health/subgraphs`);
  expect(res.status).toBe(200);
  const text = await res.text();
  expect(text).not.toMatch(/127\.0\.0\.1|localhost|http:/); // no subgraph address
  const report = JSON.parse(text) as StatusReport;
  return {
    report,
    ms: performance.now() - started,
    of: (name: string) => report.subgraphs.find((s) => s.name === name)!,
  };
}

async function gauge(name: string, subgraph: string): Promise<number> {
  const text = await (await fetch(`${stack.gateway.metricsUrl}/metrics`)).text();
  const line = text.split('\n').find((l) => l.startsWith(`${name}{`) && l.includes(`subgraph="${subgraph}"`));
  return line ? Number(line.split(' ').pop()) : NaN;
}

describe('health while a region fails', () => {
  it('all well: ready, every subgraph ok with its database, every gauge 1', async () => {
    const ready = await gatewayReadiness();
    expect(ready).toMatchObject({ status: 200, body: { status: 'ok', supergraph: 'loaded' }, regionRequests: 0 });
    // The first checks meet cold connection pools; the report settles on ok within a few rounds.
    let { report } = await subgraphStatus();
    for (let i = 0; i < 10 && report.status !== 'ok'; i++) ({ report } = await subgraphStatus());
    expect(report.status).toBe('ok');
    expect(report.subgraphs.map((s) => [s.name, s.status, s.database])).toEqual(
      SUBGRAPHS.map((s) => [s.name, 'ok', 'up']),
    );
    for (const s of SUBGRAPHS) expect(await gauge('mente_subgraph_up', s.name)).toBe(1);
  });

  it('a hung region: the gateway answers ready at once; the report says timeout within the deadline; gauge 0', async () => {
    stack.proxies[YF]!.mode = { kind: 'hang' };
    const ready = await gatewayReadiness();
    expect(ready.status).toBe(200);
    expect(ready.regionRequests).toBe(0); // readiness asks no region at all
    expect(ready.ms).toBeLessThan(HEALTH_TIMEOUT_MS); // never waits for the hung region's deadline

    const { report, ms, of } = await subgraphStatus();
    expect(of(YF)).toMatchObject({ status: 'timeout' });
    expect(of(YF).durationMs).toBeGreaterThanOrEqual(HEALTH_TIMEOUT_MS - 10);
    expect(ms).toBeLessThan(HEALTH_TIMEOUT_MS + 1000); // the hung region costs the deadline, no more
    expect(report.status).toBe('degraded');
    expect(of('sichuan-panzhihua')).toMatchObject({ status: 'ok', database: 'up' });
    expect(of('national')).toMatchObject({ status: 'ok' });

    expect(await gauge('mente_subgraph_up', YF)).toBe(0);
    expect(await gauge('mente_subgraph_up', 'sichuan-panzhihua')).toBe(1);
    expect(await gauge('mente_subgraph_health_check_seconds', YF)).toBeGreaterThanOrEqual(
      (HEALTH_TIMEOUT_MS - 10) / 1000,
    );
    // While hung, queries still get the other regions: readiness 200 is the truth.
    expectOnlyYunfuMissing(await ask(), 'SUBGRAPH_TIMEOUT');
  });

  it('a region answering HTTP 500: down, with the status code and nothing else', async () => {
    stack.proxies[YF]!.mode = { kind: 'error' };
    expect((await gatewayReadiness()).status).toBe(200);
    const { of } = await subgraphStatus();
    expect(of(YF)).toEqual({
      name: YF,
      status: 'down',
      reason: 'http-500',
      durationMs: expect.any(Number),
      circuit: 'closed', // it answers: only timeouts and connection failures open the circuit
    });
  });

  it('a stopped region: ready stays 200; down at once in the report and the gauge; ok again after restart', async () => {
    await stack.stopRegion(YF);
    try {
      const ready = await gatewayReadiness();
      expect(ready.status).toBe(200);
      expect(ready.regionRequests).toBe(0);
      const { of, ms } = await subgraphStatus();
      expect(of(YF)).toMatchObject({ status: 'down', reason: 'unreachable' });
      expect(ms).toBeLessThan(HEALTH_TIMEOUT_MS); // refused at once: no need to wait for the deadline
      expect(await gauge('mente_subgraph_up', YF)).toBe(0);
    } finally {
      await stack.restartRegion(YF);
    }
    expect((await subgraphStatus()).of(YF)).toMatchObject({ status: 'ok', database: 'up' });
    expect(await gauge('mente_subgraph_up', YF)).toBe(1);
  });

  it('a flood of status requests shares one round of checks', async () => {
    const before = stack.proxies[YF]!.requests;
    stack.proxies[YF]!.mode = { kind: 'delay', ms: 100 }; // the round is still running when the others ask
    const reports = await Promise.all(Array.from({ length: 20 }, () => subgraphStatus()));
    expect(stack.proxies[YF]!.requests - before).toBe(1);
    for (const { of } of reports) expect(of(YF).status).toBe('ok');
  });
});
