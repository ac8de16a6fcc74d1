import { DEMO_PEOPLE, DEMO_PERSONS, demoRecordsFor } from '../scripts/seed-data/people';
import { addDays } from '../subgraphs/kit/domain/calendar';
import { loadRegion } from '../subgraphs/kit/domain/region-file';
import { todayInChina } from '../subgraphs/kit/platform/clock';
import { type RecordedRequest } from './fault-proxy';
import { type Stack, startStack, usingMysql } from './harness';

// What a client gets when something inside one region fails, and how the gateway stops paying
// for a region that keeps failing: every failure lands on the region's own entry with its code,
// retryable and the region's name; a hung region opens its circuit (no request reaches it, answers
// in milliseconds) and closes again after one probe; a mutation whose outcome the gateway cannot
// know says so (OUTCOME_UNKNOWN) and the same idempotency key gets the result. Each region sits
// behind a fault-injecting proxy; with MYSQL_URL, Yunfu's database also sits behind a TCP proxy.

const TIMEOUT_MS = 400;
const OPEN_MS = 3000; // long enough for the open-state assertions on a loaded machine
const YF = 'guangdong-yunfu';
const PZH = 'sichuan-panzhihua';
const YF_NAMING = { serviceName: YF, regionCode: '445300', regionName: '云浮市' };
let stack: Stack;
let operator: string;

beforeAll(async () => {
  stack = await startStack({
    faults: true,
    subgraphTimeoutMs: TIMEOUT_MS,
    circuitBreaker: { failures: 3, windowMs: 10_000, openMs: OPEN_MS },
    subgraphHealthTimeoutMs: 300,
    subgraphHealthCacheMs: 0,
    databaseProxies: [YF],
  });
  operator = await stack.token({ role: 'NATIONAL_OPERATOR', subject: 'ops' });
  const sha = await stack.uploadFor(
    [applicant.personId],
    Buffer.concat([Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]), Buffer.from('mente faults')]),
    '诊断证明.png',
  );
  materials = materials.map((m) => ({ ...m, sha256: sha }));
  // A cold first query (MariaDB connections, query plans) may take longer than the short deadline here.
  for (let i = 0; i < 10 && (await ask()).errors; i++) await sleep(200);
});
afterAll(async () => {
  await stack?.close();
});
afterEach(async () => {
  for (const proxy of Object.values(stack.proxies)) proxy.mode = { kind: 'pass' };
  stack.proxies[YF]!.onRequest = undefined;
  stack.databaseProxies[YF]?.restore();
  // Each test starts with Yunfu answering and its circuit closed.
  for (let i = 0; i < 30 && (await ask()).errors; i++) await sleep(200);
});

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

const RECORDS = `query($id: ID!) { person(id: $id) { name records { region { name } applications { acceptanceNumber status }
  certifications { validUntil } } } }`;
const ask = () => stack.query(RECORDS, { id: DEMO_PERSONS.panzhihuaWithHistoryInBoth }, { token: operator });

/** Yunfu's entry null, Panzhihua's whole, and every error on Yunfu's entry naming Yunfu. */
function expectYunfuEntryFailed(res: Awaited<ReturnType<typeof ask>>, codes: string[], retryable: boolean) {
  const [pzh, yf] = res.data.person.records;
  expect(pzh.region.name).toBe('攀枝花市');
  expect(pzh.applications.length).toBeGreaterThan(0);
  expect(yf).toBeNull();
  expect(res.errors!.length).toBeGreaterThan(0);
  for (const error of res.errors!) {
    expect(error.path!.slice(0, 4)).toEqual(['person', 'records', 1, ...error.path!.slice(3, 4)]);
    expect(error.path![2]).toBe(1);
    expect(error.extensions).toMatchObject({ ...YF_NAMING, retryable });
    expect(codes).toContain(error.extensions!.code);
    expect(error.message).not.toMatch(/127\.0\.0\.1|localhost|http:|^服务内部错误/); // named, not the masked bug
  }
  return res.errors![0]!;
}

async function metric(name: string, ...labels: string[]): Promise<number> {
  const text = await (await fetch(`${stack.gateway.metricsUrl}/metrics`)).text();
  const line = text.split('\n').find((l) => l.startsWith(`${name}{`) && labels.every((label) => l.includes(label)));
  return line ? Number(line.split(' ').pop()) : NaN;
}

async function circuitOf(subgraph: string): Promise<string> {
  const report = (await (await fetch(`${stack.gateway.metricsUrl}/health/subgraphs`)).json()) as {
    subgraphs: { name: string; circuit: string }[];
  };
  return report.subgraphs.find((s) => s.name === subgraph)!.circuit;
}

// ---- a Yunfu applicant and a valid submission ---------------------------------------------------

const yunfu = loadRegion(YF).policy;
const applicant = (() => {
  const records = demoRecordsFor('445300');
  for (const p of DEMO_PEOPLE) {
    if (p.insuredRegionCode !== '445300' || p.status !== 'NORMAL' || p.inArrears || p.residenceRegionCode) continue;
    const disease = yunfu.diseases.find(
      (d) =>
        !d.requiresSpecialistHospital &&
        !records.applications.some((a) => a.personId === p.id && a.diseaseCode === d.code) &&
        !records.certifications.some((c) => c.personId === p.id && c.diseaseCode === d.code),
    );
    if (disease) return { personId: p.id, disease };
  }
  throw new Error('no Yunfu applicant');
})();
const hospitalCode = yunfu.hospitals.find((h) => h.level === 'LEVEL_3' && h.qualifiedForSpecialDiseases)!.code;
const issuedOn = addDays(todayInChina(), -30);
let materials: Record<string, unknown>[] = [
  { kind: 'ID_CARD', stamped: false, fileName: 'ID_CARD.png' },
  { kind: 'DIAGNOSIS_CERTIFICATE', stamped: true, fileName: 'd.png', issuedOn, hospitalCode },
  { kind: 'MEDICAL_RECORD', stamped: true, fileName: 'm.png', issuedOn, hospitalCode },
];
const SUBMIT = `mutation($input: ApplicationInput!) { submitYunfuApplication(input: $input) {
  application { acceptanceNumber } problems { code message } } }`;
async function submit(idempotencyKey: string) {
  const input = {
    type: 'NEW',
    diseaseCode: applicant.disease.code,
    channelId: 'yueyibao-mini',
    hospitalCode,
    insuredRegionCode: '445300',
    materials,
    idempotencyKey,
  };
  return stack.query(
    SUBMIT,
    { input },
    { token: await stack.token({ role: 'APPLICANT', personId: applicant.personId }) },
  );
}

// ---------------------------------------------------------------------------------------------------

describe('a hung region and its circuit breaker', () => {
  it('times out at Yunfu’s entry, opens after 3, fails fast without asking Yunfu, then closes after one probe', async () => {
    const proxy = stack.proxies[YF]!;
    const opened = await metric('mente_subgraph_circuit_transitions_total', 'to="open"', `subgraph="${YF}"`);
    proxy.mode = { kind: 'hang' };
    for (let i = 0; i < 3; i++) {
      const error = expectYunfuEntryFailed(await ask(), ['SUBGRAPH_TIMEOUT'], true);
      expect(error.extensions!.timeoutMs).toBe(TIMEOUT_MS);
    }
    expect(await metric('mente_subgraph_circuit_state', `subgraph="${YF}"`)).toBe(2);
    expect(await metric('mente_subgraph_circuit_transitions_total', 'to="open"', `subgraph="${YF}"`)).toBe(
      (Number.isNaN(opened) ? 0 : opened) + 1,
    );

    // Open: Yunfu is not asked at all (the proxy counts every request), Panzhihua still answers.
    const before = proxy.requests;
    for (let i = 0; i < 5; i++) {
      const error = expectYunfuEntryFailed(await ask(), ['SUBGRAPH_UNAVAILABLE'], true);
      expect(error.extensions).toMatchObject({ circuit: 'open' });
      expect(error.extensions!.retryAfterMs).toBeLessThanOrEqual(OPEN_MS);
    }
    // A mutation is never sent while open: nothing was sent, so it is safely not done.
    const refused = await submit(`faults-open-${Date.now()}`);
    expect(refused.data).toBeNull();
    expect(refused.errors![0]).toMatchObject({
      path: ['submitYunfuApplication'],
      extensions: { code: 'SUBGRAPH_UNAVAILABLE', retryable: true, circuit: 'open', ...YF_NAMING },
    });
    expect(proxy.requests).toBe(before);
    expect(await circuitOf(YF)).toBe('open');
    expect(await circuitOf(PZH)).toBe('closed');

    // The region comes back; after the open period one probe goes through and closes the circuit.
    proxy.mode = { kind: 'pass' };
    await sleep(OPEN_MS + 50);
    expect(await circuitOf(YF)).toBe('half-open');
    expect(await metric('mente_subgraph_circuit_state', `subgraph="${YF}"`)).toBe(1);
    const healthChecks = proxy.requests; // /health/subgraphs above asked Yunfu's readiness through the proxy
    const res = await ask();
    expect(res.errors).toBeUndefined();
    expect(res.data.person.records[1].region.name).toBe('云浮市');
    expect(proxy.requests).toBeGreaterThan(healthChecks);
    expect(await circuitOf(YF)).toBe('closed');
    expect(await metric('mente_subgraph_circuit_state', `subgraph="${YF}"`)).toBe(0);
  });

  it('a probe that fails opens the circuit again', async () => {
    const proxy = stack.proxies[YF]!;
    proxy.mode = { kind: 'hang' };
    for (let i = 0; i < 3; i++) await ask();
    await sleep(OPEN_MS + 50);
    expectYunfuEntryFailed(await ask(), ['SUBGRAPH_TIMEOUT'], true); // the probe, hung
    const before = proxy.requests;
    expect(expectYunfuEntryFailed(await ask(), ['SUBGRAPH_UNAVAILABLE'], true).extensions!.circuit).toBe('open');
    expect(proxy.requests).toBe(before);
  });
});

describe('failures a region reports itself', () => {
  it('REGION_DATABASE_UNAVAILABLE from the region lands on its own entry, retryable', async () => {
    // Stand-in for the subgraph's own classification until it merges: the proxy answers as the region would.
    stack.proxies[YF]!.mode = {
      kind: 'graphqlError',
      code: 'REGION_DATABASE_UNAVAILABLE',
      retryable: true,
      message: '云浮市医保数据库暂时不可用，请稍后重试',
    };
    const error = expectYunfuEntryFailed(await ask(), ['REGION_DATABASE_UNAVAILABLE'], true);
    expect(error.message).toBe('云浮市医保数据库暂时不可用，请稍后重试');
  });

  it('an error at _entities index 0 (Yunfu’s only entity in its own fetch) lands on Yunfu’s index, not Panzhihua’s', async () => {
    stack.proxies[YF]!.mode = {
      kind: 'graphqlError',
      code: 'REGION_DATABASE_UNAVAILABLE',
      retryable: true,
      message: '云浮市医保数据库暂时不可用，请稍后重试',
      path: ['_entities', 0, 'applications'],
    };
    const error = expectYunfuEntryFailed(await ask(), ['REGION_DATABASE_UNAVAILABLE'], true);
    expect(error.path).toEqual(['person', 'records', 1, 'applications']);
  });

  it('an unclassified INTERNAL_SERVER_ERROR from a region is SUBGRAPH_ERROR at its entry, not retryable', async () => {
    stack.proxies[YF]!.mode = {
      kind: 'graphqlError',
      code: 'INTERNAL_SERVER_ERROR',
      retryable: false,
      message: '服务内部错误，请稍后重试',
    };
    expectYunfuEntryFailed(await ask(), ['SUBGRAPH_ERROR'], false);
  });

  it('HTTP 500 is SUBGRAPH_ERROR, not retryable, and does not open the circuit (the region answered)', async () => {
    stack.proxies[YF]!.mode = { kind: 'error' };
    for (let i = 0; i < 4; i++) {
      expect(expectYunfuEntryFailed(await ask(), ['SUBGRAPH_ERROR'], false).extensions!.status).toBe(500);
    }
    expect(await circuitOf(YF)).toBe('closed');
  });
});

describe('mutations whose outcome the gateway cannot know', () => {
  it('every fetch carries its deadline; a submission answered after it is OUTCOME_UNKNOWN, and the same key gets the result', async () => {
    const key = `faults-deadline-${Date.now()}`;
    const seen: RecordedRequest[] = [];
    stack.proxies[YF]!.onRequest = (r) => seen.push(r);
    stack.proxies[YF]!.mode = { kind: 'delay', ms: TIMEOUT_MS + 300 }; // reaches Yunfu after the gateway gave up
    const sentAt = Date.now();
    const res = await submit(key);
    expect(res.data).toBeNull();
    expect(res.errors).toHaveLength(1);
    expect(res.errors![0]).toMatchObject({
      path: ['submitYunfuApplication'],
      extensions: { code: 'OUTCOME_UNKNOWN', retryable: true, ...YF_NAMING },
    });
    expect(res.errors![0]!.message).toContain('相同的幂等键');
    const deadline = Number(seen[0]!.headers['x-mente-deadline']);
    expect(deadline).toBeGreaterThanOrEqual(sentAt + TIMEOUT_MS);
    expect(deadline).toBeLessThanOrEqual(Date.now() + TIMEOUT_MS);

    // Retrying with the same key: the application (done once, or not at all if Yunfu rolled back at the deadline).
    stack.proxies[YF]!.mode = { kind: 'pass' };
    await sleep(500); // the delayed request has reached Yunfu by now
    const retry = await submit(key);
    expect(retry.errors).toBeUndefined();
    const number = retry.data.submitYunfuApplication.application.acceptanceNumber;
    expect(number).toBeTruthy();
    expect((await submit(key)).data.submitYunfuApplication.application.acceptanceNumber).toBe(number);
  });

  it('a connection cut after the submission was passed on is OUTCOME_UNKNOWN; a query cut so is SUBGRAPH_UNAVAILABLE', async () => {
    stack.proxies[YF]!.mode = { kind: 'dropAfterForward' };
    const res = await submit(`faults-cut-${Date.now()}`);
    expect(res.errors![0]).toMatchObject({
      path: ['submitYunfuApplication'],
      extensions: { code: 'OUTCOME_UNKNOWN', retryable: true, ...YF_NAMING },
    });
    expect(res.errors![0]!.message).toContain('连接中断');
    expectYunfuEntryFailed(await ask(), ['SUBGRAPH_UNAVAILABLE'], true);
  });

  it('a query that hangs past the deadline stays SUBGRAPH_TIMEOUT', async () => {
    stack.proxies[YF]!.mode = { kind: 'hang' };
    const res = await stack.query('{ yunfuRegion { code } }');
    expect(res.errors?.[0]).toMatchObject({
      path: ['yunfuRegion'],
      extensions: { code: 'SUBGRAPH_TIMEOUT', retryable: true, ...YF_NAMING },
    });
  });
});

(usingMysql() ? describe : describe.skip)('a region’s database really cut (MariaDB behind a TCP proxy)', () => {
  it('Yunfu’s entry null with the region named at its own index; Panzhihua whole; back when the database is', async () => {
    stack.databaseProxies[YF]!.refuse();
    const res = await ask();
    // The region classifies its own database failure (also when its audit flush is what hit it).
    const error = expectYunfuEntryFailed(res, ['REGION_DATABASE_UNAVAILABLE'], true);
    expect(error.extensions).toMatchObject(YF_NAMING);
    stack.databaseProxies[YF]!.restore();
    let back = await ask();
    for (let i = 0; i < 20 && back.errors; i++) back = (await sleep(200), await ask());
    expect(back.errors).toBeUndefined();
  });
});
