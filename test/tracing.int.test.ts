import http from 'node:http';
import type { AddressInfo } from 'node:net';

import { startTracing, type Tracing } from '../subgraphs/kit/platform/tracing';
import { type Stack, startStack } from './harness';

// One trace across the stack when OTEL_EXPORTER_OTLP_ENDPOINT is set: the gateway's request span,
// a CLIENT span per subgraph fetch under it, and each subgraph's request span under that fetch —
// linked by the `traceparent` header the gateway sends, exported over OTLP/HTTP to a collector.

interface ExportedSpan {
  name: string;
  kind: number;
  traceId: string;
  spanId: string;
  parentSpanId?: string;
  attributes: { key: string; value: { stringValue?: string; intValue?: number } }[];
}

const SERVER = 2;
const CLIENT = 3;
const batches: any[] = [];
let collector: http.Server;
let tracing: Tracing;
let stack: Stack;

beforeAll(async () => {
  collector = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      if (req.url === '/v1/traces') batches.push(JSON.parse(Buffer.concat(chunks).toString('utf8')));
      res.writeHead(200, { 'content-type': 'application/json' }).end('{}');
    });
  });
  await new Promise<void>((resolve) => collector.listen(0, '127.0.0.1', resolve));
  const endpoint = `http://127.0.0.1:${(collector.address() as AddressInfo).port}`;
  tracing = startTracing('mente-test', { OTEL_EXPORTER_OTLP_ENDPOINT: endpoint });
  // The registry fields over HTTP (not answered in the gateway): `regions` then fetches from every subgraph.
  stack = await startStack({ localRegistry: false });
});
afterAll(async () => {
  await stack?.close();
  await tracing?.shutdown();
  await new Promise((resolve) => collector?.close(resolve));
});

const attribute = (span: ExportedSpan, key: string) => span.attributes.find((a) => a.key === key)?.value.stringValue;

it('a gateway request, its subgraph fetches and the subgraphs’ requests form one trace', async () => {
  const res = await stack.query('query Regions { regions { code name } }');
  expect(res.errors).toBeUndefined();
  await tracing.shutdown(); // flush

  const spans: ExportedSpan[] = batches.flatMap((b) =>
    b.resourceSpans.flatMap((rs: any) => rs.scopeSpans.flatMap((ss: any) => ss.spans)),
  );
  const root = spans.find((s) => s.kind === SERVER && attribute(s, 'mente.service') === 'gateway');
  expect(root).toMatchObject({ name: 'graphql query Regions' });
  expect(root!.parentSpanId ?? '').toBe('');
  const trace = spans.filter((s) => s.traceId === root!.traceId);

  const fetches = trace.filter((s) => s.kind === CLIENT);
  expect(fetches.map((s) => s.name).sort()).toEqual(
    ['subgraph guangdong-yunfu', 'subgraph national', 'subgraph sichuan-panzhihua'].sort(),
  );
  const byId = new Map(trace.map((s) => [s.spanId, s]));
  const ancestors = (span: ExportedSpan): string[] => {
    const parent = span.parentSpanId ? byId.get(span.parentSpanId) : undefined;
    return parent ? [parent.name, ...ancestors(parent)] : [];
  };
  for (const fetch of fetches) {
    // Under @apollo/gateway's own spans (which record too once a provider is registered).
    expect(ancestors(fetch)).toEqual(['gateway.fetch', 'gateway.execute', 'gateway.request', 'graphql query Regions']);
    // The subgraph continued the trace from the traceparent header of this very fetch.
    const served = trace.find((s) => s.kind === SERVER && s.parentSpanId === fetch.spanId);
    expect(served).toBeDefined();
    expect(attribute(served!, 'mente.service')).toBe(fetch.name.replace('subgraph ', ''));
    expect(served!.name).toMatch(/^graphql query Regions__/);
  }
  expect(attribute(root!, 'mente.request_id')).toMatch(/^[0-9a-f-]{36}$/);
});
