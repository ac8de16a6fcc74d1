import http from 'node:http';
import type { AddressInfo } from 'node:net';

import { Registry } from 'prom-client';

import { readinessUrl, SubgraphStatusMonitor } from './subgraph-status';

// The per-subgraph report against small real HTTP servers standing in for subgraphs' readiness.

type Behaviour = (req: http.IncomingMessage, res: http.ServerResponse) => void;

async function subgraph(behaviour: { current: Behaviour }) {
  const seen: string[] = [];
  const open = new Set<http.ServerResponse>();
  const server = http.createServer((req, res) => {
    seen.push(req.url ?? '');
    open.add(res);
    res.on('close', () => open.delete(res));
    behaviour.current(req, res);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    seen,
    close: async () => {
      for (const res of open) res.destroy();
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    },
  };
}

const json =
  (status: number, body: unknown): Behaviour =>
  (_req, res) => {
    res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body));
  };

describe('readinessUrl', () => {
  it('replaces /graphql with /health/ready and keeps a path prefix', () => {
    expect(readinessUrl('http://national:4001/graphql')).toBe('http://national:4001/health/ready');
    expect(readinessUrl('https://lb.internal/regions/panzhihua/graphql/')).toBe(
      'https://lb.internal/regions/panzhihua/health/ready',
    );
    expect(readinessUrl('http://yunfu:4003/')).toBe('http://yunfu:4003/health/ready');
  });
});

describe('SubgraphStatusMonitor', () => {
  const stops: (() => Promise<void>)[] = [];
  afterEach(async () => {
    for (const stop of stops.splice(0)) await stop();
  });

  it('reads each answer: ok, degraded with the database, shutting down, broken; odd values are dropped', async () => {
    const behaviours: Record<string, Behaviour> = {
      a: json(200, { status: 'ok', database: 'up' }),
      b: json(503, { status: 'degraded', database: 'timeout' }),
      c: json(503, { status: 'shutting-down' }),
      d: (_req, res) => res.writeHead(502).end('<html>bad gateway</html>'),
      e: json(503, { status: 'degraded', database: 'down at mysql://root:pw@10.0.0.5' }),
    };
    const urls: Record<string, string> = {};
    for (const [name, behaviour] of Object.entries(behaviours)) {
      const s = await subgraph({ current: behaviour });
      stops.push(s.close);
      urls[name] = `${s.url}/graphql`;
    }
    const report = await new SubgraphStatusMonitor({ subgraphUrls: urls }).report();
    expect(report.status).toBe('degraded');
    expect(report.subgraphs.map(({ durationMs: _, ...s }) => s)).toEqual([
      { name: 'a', status: 'ok', database: 'up' },
      { name: 'b', status: 'degraded', database: 'timeout' },
      { name: 'c', status: 'degraded', reason: 'shutting-down' },
      { name: 'd', status: 'down', reason: 'http-502' },
      { name: 'e', status: 'degraded' },
    ]);
  });

  it('a subgraph that sends its headers and then hangs: timeout; subgraphs are checked in parallel', async () => {
    // In parallel, proved without a clock: `one` answers only once `two` has been asked, and `two`
    // only once `one` has. Checked one after the other, the first of them would wait for a request
    // that comes only after its own deadline, and time out.
    const asked = { one: false, two: false };
    const waiters: (() => void)[] = [];
    const barrier =
      (me: 'one' | 'two', other: 'one' | 'two'): Behaviour =>
      (_req, res) => {
        asked[me] = true;
        waiters.splice(0).forEach((w) => w());
        res.writeHead(200, { 'content-type': 'application/json' });
        const answer = () => res.end(JSON.stringify({ status: 'ok' }));
        if (asked[other]) answer();
        else waiters.push(answer);
      };
    const one = await subgraph({ current: barrier('one', 'two') });
    const two = await subgraph({ current: barrier('two', 'one') });
    const hung = await subgraph({ current: (_req, res) => res.writeHead(200).write('{"status":') });
    const fine = await subgraph({ current: json(200, { status: 'ok' }) });
    stops.push(one.close, two.close, hung.close, fine.close);
    const monitor = new SubgraphStatusMonitor({
      subgraphUrls: {
        one: `${one.url}/graphql`,
        two: `${two.url}/graphql`,
        hung: `${hung.url}/graphql`,
        fine: `${fine.url}/graphql`,
      },
      timeoutMs: 1000,
    });
    const report = await monitor.report();
    expect(report.subgraphs.map((s) => [s.name, s.status])).toEqual([
      ['one', 'ok'],
      ['two', 'ok'],
      ['hung', 'timeout'],
      ['fine', 'ok'],
    ]);
  });

  it('reuses a report for cacheMs; the gauges follow each round', async () => {
    const behaviour = { current: json(200, { status: 'ok', database: 'up' }) };
    const s = await subgraph(behaviour);
    stops.push(s.close);
    const registry = new Registry();
    const monitor = new SubgraphStatusMonitor({ subgraphUrls: { x: `${s.url}/graphql` }, cacheMs: 150, registry });
    await monitor.report();
    await Promise.all([monitor.report(), monitor.report(), registry.metrics()]);
    expect(s.seen).toEqual(['/health/ready']);
    expect(await registry.metrics()).toMatch(/mente_subgraph_up\{subgraph="x"\} 1\n/);

    behaviour.current = json(503, { status: 'degraded', database: 'down' });
    await new Promise((resolve) => setTimeout(resolve, 200));
    const text = await registry.metrics(); // a scrape after cacheMs runs a new round first
    expect(s.seen).toHaveLength(2);
    expect(text).toMatch(/mente_subgraph_up\{subgraph="x"\} 0\n/);
    expect(text).toMatch(/mente_subgraph_health_check_seconds\{subgraph="x"\} \d/);
    expect((await monitor.report()).subgraphs[0]).toMatchObject({ status: 'degraded', database: 'down' });
  });
});
