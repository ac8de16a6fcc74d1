import 'reflect-metadata';

import { performance } from 'node:perf_hooks';

import { databaseUrlFor, recreateMysqlDatabase } from '../scripts/lib/databases';
import { loadRegionDefinition } from '../scripts/lib/subgraphs';
import { type RegionalSubgraph, startRegionalSubgraph } from '../subgraphs/kit/start-up/start';
import { type NationalSubgraph, startNationalSubgraph } from '../subgraphs/national/server';
import { usingMysql } from './harness';
import { startTcpProxy, type TcpProxy } from './tcp-proxy';

// A subgraph's readiness when its database hangs or is down: 503 {status: degraded, database:
// timeout | down} within HEALTH_DB_TIMEOUT_MS, never a request left waiting on the database;
// liveness stays 200; ready again by itself when the database answers.

const DB_TIMEOUT_MS = 300;

interface Readiness {
  status: number;
  body: Record<string, unknown>;
  ms: number;
}

async function readiness(baseUrl: string): Promise<Readiness> {
  const started = performance.now();
  const res = await fetch(`${baseUrl}/health/ready`);
  return { status: res.status, body: (await res.json()) as Record<string, unknown>, ms: performance.now() - started };
}

async function eventuallyReady(baseUrl: string): Promise<Readiness> {
  const deadline = Date.now() + 10_000;
  for (;;) {
    const r = await readiness(baseUrl);
    if (r.status === 200 || Date.now() > deadline) return r;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

function expectTimedOut(r: Readiness, body: Record<string, unknown>) {
  expect(r.status).toBe(503);
  expect(r.body).toEqual({ ...body, status: 'degraded', database: 'timeout' });
  expect(r.ms).toBeGreaterThanOrEqual(DB_TIMEOUT_MS - 10);
  expect(r.ms).toBeLessThan(DB_TIMEOUT_MS + 1000);
}

// sql.js runs inside the process: it has no connection that could hang, so this case needs a real
// database server (MYSQL_URL, as in CI).
(usingMysql() ? describe : describe.skip)('a real MariaDB/MySQL connection behind a TCP proxy', () => {
  let proxy: TcpProxy;
  let server: NationalSubgraph;

  beforeAll(async () => {
    const url = new URL(databaseUrlFor('health-national', process.env, process.env.TEST_DB_PREFIX ?? 'mente_test_')!);
    await recreateMysqlDatabase(url.toString());
    proxy = await startTcpProxy(url.hostname, Number(url.port || 3306));
    url.hostname = proxy.host;
    url.port = String(proxy.port);
    server = await startNationalSubgraph({
      port: 0,
      databaseUrl: url.toString(),
      prepare: true,
      healthDbTimeoutMs: DB_TIMEOUT_MS,
      log: () => {},
    });
  });
  afterAll(async () => {
    proxy?.thaw();
    proxy?.restore();
    await server?.close();
    await proxy?.close();
  });

  it('a hung database: 503 timeout within the deadline, one SELECT 1 waiting, alive; ready when it answers', async () => {
    expect(await readiness(server.url)).toMatchObject({ status: 200, body: { status: 'ok', database: 'up' } });
    proxy.freeze();
    expectTimedOut(await readiness(server.url), { service: 'national' });
    // A load balancer polling hard: every answer bounded, and still one round trip on the wire.
    const burst = await Promise.all(Array.from({ length: 5 }, () => readiness(server.url)));
    for (const r of burst) expectTimedOut(r, { service: 'national' });
    expect(proxy.heldFromClient().match(/SELECT 1/g)).toHaveLength(1);
    expect((await fetch(`${server.url}/health/live`)).status).toBe(200);

    proxy.thaw();
    expect(await eventuallyReady(server.url)).toMatchObject({ status: 200, body: { database: 'up' } });
  });

  it('a database that is down: 503 down, at once', async () => {
    proxy.refuse();
    const r = await readiness(server.url);
    expect(r.status).toBe(503);
    expect(r.body).toEqual({ service: 'national', status: 'degraded', database: 'down' });
    expect(r.ms).toBeLessThan(DB_TIMEOUT_MS);
    expect((await fetch(`${server.url}/health/live`)).status).toBe(200);

    proxy.restore();
    expect(await eventuallyReady(server.url)).toMatchObject({ status: 200, body: { database: 'up' } });
  });
});

// On any database: a regional subgraph whose database stops answering. The data source's query is
// replaced by one that waits until released: the embedded database cannot hang by itself.
describe('a regional subgraph whose database stops answering', () => {
  let server: RegionalSubgraph;

  beforeAll(async () => {
    server = await startRegionalSubgraph(loadRegionDefinition('sichuan-panzhihua'), {
      port: 0,
      databaseUrl: 'memory:',
      prepare: true,
      notifications: false,
      healthDbTimeoutMs: DB_TIMEOUT_MS,
      log: () => {},
    });
  });
  afterAll(async () => {
    jest.restoreAllMocks();
    await server?.close();
  });

  it('answers 503 timeout within the deadline, then ok once the database answers', async () => {
    const region = { service: 'sichuan-panzhihua', region: '510400' };
    expect(await readiness(server.url)).toMatchObject({ status: 200, body: { ...region, database: 'up' } });
    const waiting: (() => void)[] = [];
    const query = jest
      .spyOn(server.dataSource, 'query')
      .mockImplementation(() => new Promise((resolve) => waiting.push(() => resolve([]))));
    expectTimedOut(await readiness(server.url), region);
    expectTimedOut(await readiness(server.url), region);
    expect(query).toHaveBeenCalledTimes(1);

    query.mockRestore();
    for (const release of waiting) release();
    expect(await readiness(server.url)).toMatchObject({ status: 200, body: { ...region, database: 'up' } });
  });
});
