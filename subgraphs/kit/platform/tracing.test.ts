import http from 'node:http';
import type { AddressInfo } from 'node:net';

import { context, propagation, trace } from '@opentelemetry/api';
import express from 'express';

import {
  injectTraceContext,
  shutdownTracing,
  SpanKind,
  startTracing,
  tracesEndpoint,
  tracingEnabled,
  tracingMiddleware,
  withSpan,
} from './tracing';

class Headers {
  readonly values = new Map<string, string>();
  set(name: string, value: string) {
    this.values.set(name, value);
  }
}

afterEach(async () => {
  await shutdownTracing();
});

describe('startTracing without OTEL_EXPORTER_OTLP_ENDPOINT', () => {
  it('does nothing: no provider, no context manager, no traceparent', async () => {
    const tracing = startTracing('gateway', {});
    expect(tracing.enabled).toBe(false);
    expect(tracingEnabled()).toBe(false);
    const headers = new Headers();
    const traceId = await withSpan('subgraph national', { kind: SpanKind.CLIENT }, async (span) => {
      injectTraceContext(headers);
      expect(span.isRecording()).toBe(false);
      return span.spanContext().traceId;
    });
    expect(traceId).toBe('00000000000000000000000000000000');
    expect(headers.values.size).toBe(0);
    expect(propagation.fields()).toEqual([]);
    await expect(tracing.shutdown()).resolves.toBeUndefined();
  });

  it('the middleware passes straight through', (done) => {
    const next = jest.fn(() => {
      expect(trace.getActiveSpan()).toBeUndefined();
      done();
    });
    tracingMiddleware('x')({ headers: {} } as never, {} as never, next);
  });

  it('derives the traces URL by the OTLP rule', () => {
    expect(tracesEndpoint({})).toBeUndefined();
    expect(tracesEndpoint({ OTEL_EXPORTER_OTLP_ENDPOINT: 'http://c:4318/' })).toBe('http://c:4318/v1/traces');
    expect(
      tracesEndpoint({
        OTEL_EXPORTER_OTLP_ENDPOINT: 'http://c:4318',
        OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: 'http://t/x',
      }),
    ).toBe('http://t/x');
  });
});

describe('startTracing with an endpoint', () => {
  let collector: http.Server;
  let endpoint: string;
  const received: { path: string; body: any }[] = [];

  beforeAll(async () => {
    collector = http.createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        received.push({ path: req.url ?? '', body: JSON.parse(Buffer.concat(chunks).toString('utf8')) });
        res.writeHead(200, { 'content-type': 'application/json' }).end('{}');
      });
    });
    await new Promise<void>((resolve) => collector.listen(0, '127.0.0.1', resolve));
    endpoint = `http://127.0.0.1:${(collector.address() as AddressInfo).port}`;
  });
  afterAll(async () => {
    await new Promise((resolve) => collector.close(resolve));
  });

  it('propagates W3C trace context, continues an incoming one, and exports spans over OTLP/HTTP', async () => {
    const tracing = startTracing('mente-test', { OTEL_EXPORTER_OTLP_ENDPOINT: endpoint });
    expect(tracing.enabled).toBe(true);
    expect(propagation.fields()).toContain('traceparent');

    // A client span puts traceparent into outgoing headers.
    const headers = new Headers();
    const clientTraceId = await withSpan('subgraph national', { kind: SpanKind.CLIENT }, async (span) => {
      injectTraceContext(headers);
      return span.spanContext().traceId;
    });
    expect(headers.values.get('traceparent')).toMatch(new RegExp(`^00-${clientTraceId}-[0-9a-f]{16}-01$`));

    // A server continues the trace it is given.
    const app = express();
    app.use(tracingMiddleware('national'), (_req, res) => {
      res.json({ traceId: trace.getSpan(context.active())?.spanContext().traceId });
    });
    const server = app.listen(0, '127.0.0.1');
    await new Promise((resolve) => server.once('listening', resolve));
    const incoming = '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01';
    const res = await fetch(`http://127.0.0.1:${(server.address() as AddressInfo).port}/graphql`, {
      headers: { traceparent: incoming },
    });
    expect(await res.json()).toEqual({ traceId: '0af7651916cd43dd8448eb211c80319c' });
    await new Promise((resolve) => server.close(resolve));

    await tracing.shutdown(); // flushes
    expect(tracingEnabled()).toBe(false);
    const spans = received
      .filter((r) => r.path === '/v1/traces')
      .flatMap((r) => r.body.resourceSpans)
      .flatMap((rs: any) =>
        rs.scopeSpans.flatMap((ss: any) =>
          ss.spans.map((s: any) => ({
            ...s,
            service: rs.resource.attributes.find((a: any) => a.key === 'service.name')?.value.stringValue,
          })),
        ),
      );
    expect(spans).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ name: 'subgraph national', traceId: clientTraceId, service: 'mente-test' }),
        expect.objectContaining({
          name: 'graphql',
          traceId: '0af7651916cd43dd8448eb211c80319c',
          parentSpanId: 'b7ad6b7169203331',
        }),
      ]),
    );
  });
});
