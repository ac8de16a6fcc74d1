import { type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { Writable } from 'node:stream';

import { SUBGRAPHS } from '../schema/registry';
import { createLogger } from '../subgraphs/kit/platform/log';
import { redactPii } from '../subgraphs/kit/platform/pii';
import { startNationalSubgraph } from '../subgraphs/national/server';
import { freePort } from './free-port';
import { type Stack, startStack } from './harness';
import { spawnRegionalSubgraph } from './regional-process';

// Operations visibility through the real stack: Prometheus metrics on the gateway and the
// subgraphs (on their internal port only), the request id from the response header to a subgraph's JSON log line, liveness
// versus readiness, and a graceful SIGTERM of a real subgraph process with requests in flight.

type LogLine = Record<string, any>;
const lines: LogLine[] = [];
const destination = new Writable({
  write(chunk, _encoding, callback) {
    for (const line of String(chunk).split('\n')) if (line) lines.push(JSON.parse(line));
    callback();
  },
});

let stack: Stack;
const PZH = 'sichuan-panzhihua';
const REGIONS_QUERY = '{ regions { code name } }';

beforeAll(async () => {
  // These tests count subgraph fetches: the public-policy response cache would answer repeats itself.
  // The registry fields over HTTP (not answered in the gateway): `regions` then fetches from every subgraph.
  stack = await startStack({
    logger: createLogger({ level: 'info', destination }),
    responseCache: false,
    localRegistry: false,
  });
});
afterAll(async () => {
  await stack?.close();
});

async function metricsText(baseUrl: string): Promise<string> {
  const res = await fetch(`${baseUrl}/metrics`);
  expect(res.status).toBe(200);
  expect(res.headers.get('content-type')).toContain('text/plain');
  return res.text();
}

/** The sum of a metric's samples whose labels include `labels`; NaN when there is none. */
function sample(text: string, name: string, labels: Record<string, string> = {}): number {
  let total = NaN;
  for (const line of text.split('\n')) {
    const m = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})? (\S+)$/.exec(line);
    if (!m || m[1] !== name) continue;
    const found = Object.fromEntries([...(m[2] ?? '').matchAll(/(\w+)="((?:[^"\\]|\\.)*)"/g)].map((x) => [x[1], x[2]]));
    if (Object.entries(labels).every(([k, v]) => found[k] === v))
      total = (Number.isNaN(total) ? 0 : total) + Number(m[3]);
  }
  return total;
}
const orZero = (n: number) => (Number.isNaN(n) ? 0 : n);

async function post(body: unknown, headers: Record<string, string> = {}) {
  const res = await fetch(stack.gateway.graphqlUrl, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: JSON.stringify(body),
  });
  return { res, body: (await res.json()) as { data?: any; errors?: any[] } };
}

describe('metrics', () => {
  it('gateway: request counts and durations grow with each query; subgraph fetches are timed per region', async () => {
    const before = await metricsText(stack.gateway.metricsUrl!);
    const ok = { operation_type: 'query', outcome: 'success' };
    const { body } = await post({ query: REGIONS_QUERY });
    expect(body.errors).toBeUndefined();
    await post({ query: REGIONS_QUERY });
    const after = await metricsText(stack.gateway.metricsUrl!);

    expect(sample(after, 'mente_gateway_requests_total', ok)).toBe(
      orZero(sample(before, 'mente_gateway_requests_total', ok)) + 2,
    );
    expect(sample(after, 'mente_gateway_request_duration_seconds_count', { operation_type: 'query' })).toBe(
      orZero(sample(before, 'mente_gateway_request_duration_seconds_count', { operation_type: 'query' })) + 2,
    );
    for (const subgraph of ['national', PZH, 'guangdong-yunfu']) {
      expect(sample(after, 'mente_subgraph_fetch_duration_seconds_count', { subgraph })).toBeGreaterThanOrEqual(
        orZero(sample(before, 'mente_subgraph_fetch_duration_seconds_count', { subgraph })) + 2,
      );
      // Every error series exists from the start, at 0, so alerts on rate() work before the first failure.
      expect(sample(after, 'mente_subgraph_fetch_errors_total', { subgraph, code: 'SUBGRAPH_TIMEOUT' })).toBe(0);
    }
    expect(sample(after, 'mente_subgraph_fetch_duration_seconds_bucket', { subgraph: PZH, le: '+Inf' })).toBe(
      sample(after, 'mente_subgraph_fetch_duration_seconds_count', { subgraph: PZH }),
    );
    // Default process metrics, in the gateway's own registry.
    expect(sample(after, 'process_cpu_user_seconds_total', { service: 'gateway' })).toBeGreaterThan(0);
    expect(sample(after, 'nodejs_eventloop_lag_seconds')).toBeGreaterThanOrEqual(0);
  });

  it('gateway: errors are counted by code, requests that never ran by outcome', async () => {
    const before = await metricsText(stack.gateway.metricsUrl!);
    await post({ query: '{ noSuchField }' });
    const { res } = await post({ query: REGIONS_QUERY }, { authorization: 'Bearer not-a-jwt' });
    expect(res.status).toBe(401);
    const after = await metricsText(stack.gateway.metricsUrl!);
    for (const code of ['GRAPHQL_VALIDATION_FAILED', 'UNAUTHENTICATED']) {
      expect(sample(after, 'mente_gateway_errors_total', { code })).toBe(
        orZero(sample(before, 'mente_gateway_errors_total', { code })) + 1,
      );
    }
    const failed = { operation_type: 'unknown', outcome: 'error' };
    expect(sample(after, 'mente_gateway_requests_total', failed)).toBe(
      orZero(sample(before, 'mente_gateway_requests_total', failed)) + 2,
    );
  });

  it('a regional subgraph: database statements counted and timed, resolvers timed', async () => {
    const region = stack.regions[PZH]!;
    const before = await metricsText(region.metricsUrl!);
    await post({ query: '{ region(code: "510400") { name diseases { code name } } }' });
    const after = await metricsText(region.metricsUrl!);
    const selects = { operation: 'SELECT', outcome: 'ok' };
    expect(sample(after, 'mente_db_queries_total', selects)).toBeGreaterThan(
      orZero(sample(before, 'mente_db_queries_total', selects)),
    );
    expect(sample(after, 'mente_db_query_duration_seconds_count', { operation: 'SELECT' })).toBeGreaterThan(0);
    expect(
      sample(after, 'mente_resolver_duration_seconds_count', { type: 'Query', field: '_entities' }),
    ).toBeGreaterThan(
      orZero(sample(before, 'mente_resolver_duration_seconds_count', { type: 'Query', field: '_entities' })),
    );
    expect(
      sample(after, 'mente_resolver_duration_seconds_count', { type: 'PanzhihuaRegion', field: 'diseases' }),
    ).toBeGreaterThan(0);
    // Scalar property reads are not timed.
    expect(after).not.toContain('field="name"');
    expect(sample(after, 'mente_db_queries_total', { service: PZH })).toBeGreaterThan(0);
  });

  it('is served on the internal port only: the public port answers 404', async () => {
    for (const server of [stack.gateway, stack.national, stack.regions[PZH]!]) {
      expect(server.metricsUrl).not.toBe(server.url);
      expect(await metricsText(server.metricsUrl!)).toContain('process_cpu_user_seconds_total');
      for (const path of ['/metrics', '/health/subgraphs']) {
        const res = await fetch(`${server.url}${path}`);
        expect(res.status).toBe(404);
        expect(await res.text()).not.toContain('mente_');
      }
      // And the internal port serves nothing else: no GraphQL, no readiness.
      expect((await fetch(`${server.metricsUrl}/health/ready`)).status).toBe(404);
    }
  });

  it('servers in one process keep separate registries', async () => {
    const yunfu = await metricsText(stack.regions['guangdong-yunfu']!.metricsUrl!);
    expect(yunfu).not.toContain(`service="${PZH}"`);
    expect(yunfu).not.toContain('mente_gateway_requests_total');
  });
});

describe('request id and logs', () => {
  const accessLines = (requestId: string) =>
    lines.filter((l) => l.requestId === requestId && l.msg === 'graphql request');

  it('the gateway answers with x-request-id, and the subgraphs log under the same id', async () => {
    const { res } = await post({ query: REGIONS_QUERY, operationName: null });
    const requestId = res.headers.get('x-request-id')!;
    expect(requestId).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    const byService = Object.fromEntries(accessLines(requestId).map((l) => [l.service, l]));
    expect(Object.keys(byService).sort()).toEqual(['gateway', ...SUBGRAPHS.map((s) => s.name)].sort());
    expect(byService.gateway).toMatchObject({
      level: 'info',
      operationType: 'query',
      outcome: 'success',
      errorCodes: [],
      durationMs: expect.any(Number),
    });
    expect(byService[PZH]).toMatchObject({ operationType: 'query', outcome: 'success', errorCodes: [] });
  });

  it('keeps a caller’s safe x-request-id; replaces anything else', async () => {
    const mine = 'client-trace-0001';
    const { res } = await post({ query: 'query Regions { regions { code name } }' }, { 'x-request-id': mine });
    expect(res.headers.get('x-request-id')).toBe(mine);
    expect(accessLines(mine).map((l) => l.service)).toEqual(expect.arrayContaining(['gateway', PZH]));
    expect(accessLines(mine).find((l) => l.service === 'gateway')).toMatchObject({ operationName: 'Regions' });
    // The gateway names its subgraph operations after the client's.
    expect(accessLines(mine).find((l) => l.service === PZH)!.operationName).toMatch(
      /^Regions__sichuan_panzhihua__\d+$/,
    );

    for (const unsafe of ['short', 'has spaces in it', 'x'.repeat(65), '13812345678']) {
      const { res: r } = await post({ query: REGIONS_QUERY }, { 'x-request-id': unsafe });
      expect(r.headers.get('x-request-id')).not.toBe(unsafe);
      expect(r.headers.get('x-request-id')).toMatch(/^[0-9a-f-]{36}$/);
    }
  });

  it('logs errors with their codes, and a request refused before running still gets its line', async () => {
    const { res } = await post({ query: REGIONS_QUERY }, { authorization: 'Bearer nope' });
    const refused = accessLines(res.headers.get('x-request-id')!);
    expect(refused).toEqual([
      expect.objectContaining({ service: 'gateway', outcome: 'error', errorCodes: ['UNAUTHENTICATED'] }),
    ]);
    const bad = await post({ query: '{ nope }' });
    expect(accessLines(bad.res.headers.get('x-request-id')!)).toEqual([
      expect.objectContaining({ service: 'gateway', errorCodes: ['GRAPHQL_VALIDATION_FAILED'], outcome: 'error' }),
    ]);
  });

  it('no log line holds a full identity or phone number', async () => {
    await post({ query: 'query Q13812345678 { regions { code } }', operationName: 'Q13812345678' });
    const line = lines.find((l) => l.service === 'gateway' && String(l.operationName).startsWith('Q138'));
    expect(line?.operationName).toBe('Q138****5678');
    for (const l of lines) {
      const text = JSON.stringify(l);
      expect(redactPii(text)).toBe(text);
    }
  });
});

describe('health', () => {
  it('live and ready answer on every server; /health is ready', async () => {
    for (const server of [stack.gateway, stack.national, stack.regions[PZH]!]) {
      const live = await fetch(`${server.url}/health/live`);
      expect(live.status).toBe(200);
      expect(await live.json()).toMatchObject({ status: 'ok' });
      const ready = await fetch(`${server.url}/health/ready`);
      expect(ready.status).toBe(200);
      const alias = await fetch(`${server.url}/health`);
      expect(await alias.json()).toEqual(await ready.json());
    }
    // The gateway's readiness asks no subgraph and says nothing about them.
    const gatewayReady = await (await fetch(`${stack.gateway.url}/health/ready`)).json();
    expect(gatewayReady).toEqual({ service: 'gateway', status: 'ok', supergraph: 'loaded' });
    const subgraphs = (await (await fetch(`${stack.gateway.metricsUrl}/health/subgraphs`)).json()) as {
      subgraphs: { name: string; status: string }[];
    };
    expect(subgraphs.subgraphs.map((s) => [s.name, s.status])).toEqual(SUBGRAPHS.map((s) => [s.name, 'ok']));
    const regionReady = await (await fetch(`${stack.regions[PZH]!.url}/health/ready`)).json();
    expect(regionReady).toMatchObject({ status: 'ok', database: 'up' });
  });

  it('a region down: the gateway stays ready, reports the region down, and counts its fetches as unavailable', async () => {
    const errors = { subgraph: PZH, code: 'SUBGRAPH_UNAVAILABLE' };
    const before = sample(await metricsText(stack.gateway.metricsUrl!), 'mente_subgraph_fetch_errors_total', errors);
    await stack.stopRegion(PZH);
    try {
      expect((await fetch(`${stack.gateway.url}/health/ready`)).status).toBe(200);
      expect((await fetch(`${stack.gateway.url}/health`)).status).toBe(200);
      expect((await fetch(`${stack.gateway.url}/health/live`)).status).toBe(200);
      const { body } = await post({ query: REGIONS_QUERY });
      expect(body.errors?.[0]?.extensions?.code).toBe('SUBGRAPH_UNAVAILABLE');
      const after = sample(await metricsText(stack.gateway.metricsUrl!), 'mente_subgraph_fetch_errors_total', errors);
      expect(after).toBeGreaterThan(before);
    } finally {
      await stack.restartRegion(PZH);
    }
    expect((await fetch(`${stack.gateway.url}/health/ready`)).status).toBe(200);
  });

  it('readiness turns 503 as soon as close() begins, while the server still answers', async () => {
    const server = await startNationalSubgraph({
      port: 0,
      databaseUrl: 'memory:',
      prepare: true,
      shutdownDelayMs: 400,
    });
    expect((await fetch(`${server.url}/health/ready`)).status).toBe(200);
    const closing = server.close();
    const ready = await fetch(`${server.url}/health/ready`);
    expect(ready.status).toBe(503);
    expect(await ready.json()).toMatchObject({ status: 'shutting-down' });
    expect((await fetch(`${server.url}/health/live`)).status).toBe(200);
    const res = await fetch(server.graphqlUrl, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ query: '{ __typename }' }),
    });
    expect(res.status).toBe(200);
    await closing;
    await expect(fetch(`${server.url}/health/live`)).rejects.toThrow();
  });
});

// ---- SIGTERM: a real subgraph process --------------------------------------------------------

/** A POST whose body arrives in two parts: in flight from its first byte until finish(). */
function slowRequest(port: number, body: string) {
  const req = http.request({
    host: '127.0.0.1',
    port,
    path: '/graphql',
    method: 'POST',
    agent: false,
    headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) },
  });
  const response = new Promise<{ status: number; body: string }>((resolve, reject) => {
    req.on('response', (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode!, body: Buffer.concat(chunks).toString('utf8') }));
    });
    req.on('error', reject);
  });
  const half = Math.floor(body.length / 2);
  req.write(body.slice(0, half));
  return { response, finish: () => req.end(body.slice(half)) };
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe('SIGTERM', () => {
  let child: ChildProcess | undefined;
  let dataDir: string;
  afterAll(() => {
    if (child && child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    if (dataDir) rmSync(dataDir, { recursive: true, force: true });
  });

  it('a subgraph process finishes every in-flight request, closes, and exits 0', async () => {
    // Long enough for the checks below to reach it on a loaded machine (they must land inside the delay).
    const DELAY_MS = 3000;
    const port = await freePort();
    const metricsPort = await freePort();
    dataDir = mkdtempSync(path.join(os.tmpdir(), 'mente-sigterm-'));
    const env: NodeJS.ProcessEnv = {
      ...process.env,
      REGION: PZH,
      PORT: String(port),
      METRICS_PORT: String(metricsPort),
      DATABASE_URL: 'memory:',
      MIGRATE_ON_START: 'true',
      DATA_DIR: dataDir,
      UPLOAD_DIR: path.join(dataDir, 'uploads'),
      LOG_LEVEL: 'info',
      SHUTDOWN_DELAY_MS: String(DELAY_MS),
    };
    const proc = spawnRegionalSubgraph(env);
    child = proc;
    let stdout = '';
    let stderr = '';
    proc.stdout!.on('data', (c: Buffer) => (stdout += c.toString('utf8')));
    proc.stderr!.on('data', (c: Buffer) => (stderr += c.toString('utf8')));
    const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
      proc.once('exit', (code, signal) => resolve({ code, signal })),
    );
    const base = `http://127.0.0.1:${port}`;

    const deadline = Date.now() + 45_000;
    for (;;) {
      if (proc.exitCode !== null) throw new Error(`the subgraph exited early:\n${stderr}\n${stdout}`);
      const up = await fetch(`${base}/health/ready`).then(
        (r) => r.ok,
        () => false,
      );
      if (up) break;
      if (Date.now() > deadline) throw new Error(`the subgraph did not start:\n${stderr}\n${stdout}`);
      await sleep(200);
    }

    // METRICS_PORT as deployed: /metrics there, 404 on the public port.
    const scrape = await fetch(`http://127.0.0.1:${metricsPort}/metrics`);
    expect(scrape.status).toBe(200);
    expect(await scrape.text()).toContain(`process_cpu_user_seconds_total{service="${PZH}"}`);
    expect((await fetch(`${base}/metrics`)).status).toBe(404);

    const query = JSON.stringify({ query: '{ panzhihuaRegion { code name diseases { code } } }' });
    const slow = Array.from({ length: 5 }, () => slowRequest(port, query));
    await sleep(300); // the server has their headers: five requests in flight
    expect(proc.kill('SIGTERM')).toBe(true);

    // Shutting down: not ready (as soon as the signal is handled), still alive, still serving during the delay.
    let ready = await fetch(`${base}/health/ready`);
    for (let i = 0; i < 20 && ready.status !== 503; i++) {
      await sleep(50);
      ready = await fetch(`${base}/health/ready`);
    }
    expect(ready.status).toBe(503);
    expect((await fetch(`${base}/health/live`)).status).toBe(200);
    const burst = await Promise.all(
      Array.from({ length: 10 }, () =>
        fetch(`${base}/graphql`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: query }),
      ),
    );
    expect(burst.map((r) => r.status)).toEqual(Array(10).fill(200));

    // After the delay it accepts no new connection, but the requests in flight go on.
    await sleep(DELAY_MS + 400);
    await expect(fetch(`${base}/health/live`)).rejects.toThrow();
    expect(proc.exitCode).toBeNull();
    for (const r of slow) r.finish();
    const answers = await Promise.all(slow.map((r) => r.response));
    for (const answer of answers) {
      expect(answer.status).toBe(200);
      expect(JSON.parse(answer.body)).toEqual({
        data: { panzhihuaRegion: { code: '510400', name: '攀枝花市', diseases: expect.any(Array) } },
      });
    }

    expect(await exited).toEqual({ code: 0, signal: null });
    await expect(fetch(`http://127.0.0.1:${metricsPort}/metrics`)).rejects.toThrow(); // closed with the rest
    const logged = stdout
      .split('\n')
      .filter((l) => l.startsWith('{'))
      .map((l) => JSON.parse(l) as LogLine);
    const messages = logged.map((l) => l.msg);
    expect(messages).toEqual(expect.arrayContaining(['SIGTERM: shutting down', 'stopped']));
    expect(messages.indexOf('stopped')).toBeGreaterThan(messages.indexOf('SIGTERM: shutting down'));
    expect(logged.filter((l) => l.msg === 'graphql request' && l.service === PZH).length).toBeGreaterThanOrEqual(15);
    expect(logged.every((l) => typeof l.level === 'string' && typeof l.time === 'string')).toBe(true);
  }, 90_000);
});
