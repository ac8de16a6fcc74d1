import {
  context,
  propagation,
  type Span,
  SpanKind,
  SpanStatusCode,
  trace,
  type Tracer,
  type TracerProvider,
} from '@opentelemetry/api';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-http';
import { Resource } from '@opentelemetry/resources';
import { BatchSpanProcessor, NodeTracerProvider } from '@opentelemetry/sdk-trace-node';
import {
  ATTR_HTTP_REQUEST_METHOD,
  ATTR_HTTP_RESPONSE_STATUS_CODE,
  ATTR_SERVICE_NAME,
  ATTR_URL_PATH,
} from '@opentelemetry/semantic-conventions';
import type { RequestHandler } from 'express';

import { redactPii } from './pii';

// OpenTelemetry tracing, off unless OTEL_EXPORTER_OTLP_ENDPOINT is set (e.g. http://collector:4318).
// When on: a NodeTracerProvider exports spans over OTLP/HTTP (…/v1/traces), context follows
// async calls (AsyncLocalStorage), and W3C trace context (`traceparent`) crosses HTTP: the gateway
// injects it into every subgraph request, subgraphs continue the trace. Spans: one per GraphQL
// request on every server (SERVER), one per subgraph fetch at the gateway (CLIENT).
// Off, every call below goes to the API's no-op implementation: nothing is recorded or sent.

const TRACER_NAME = 'mente';

export interface Tracing {
  enabled: boolean;
  /** Flushes pending spans and stops exporting (no-op when off). */
  shutdown(): Promise<void>;
}

let active: { provider: NodeTracerProvider; serviceName: string } | null = null;

const DISABLED: Tracing = { enabled: false, shutdown: async () => {} };

/**
 * Starts tracing for this process when OTEL_EXPORTER_OTLP_ENDPOINT is set; otherwise does nothing.
 * The exporter reads the standard OTEL_EXPORTER_OTLP_* variables (endpoint, headers, timeout).
 */
export function startTracing(serviceName: string, env: NodeJS.ProcessEnv = process.env): Tracing {
  const url = tracesEndpoint(env);
  if (!url) return DISABLED;
  if (active) return handle(active.provider);
  const provider = new NodeTracerProvider({
    resource: new Resource({ [ATTR_SERVICE_NAME]: env.OTEL_SERVICE_NAME || serviceName }),
    spanProcessors: [new BatchSpanProcessor(new OTLPTraceExporter({ url }))],
  });
  // Registers the AsyncLocalStorage context manager and the W3C trace-context (+ baggage) propagator.
  provider.register();
  active = { provider, serviceName };
  return handle(provider);
}

/** OTEL_EXPORTER_OTLP_TRACES_ENDPOINT as is, or OTEL_EXPORTER_OTLP_ENDPOINT + /v1/traces (the OTLP rule). */
export function tracesEndpoint(env: NodeJS.ProcessEnv = process.env): string | undefined {
  if (env.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT) return env.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT;
  if (env.OTEL_EXPORTER_OTLP_ENDPOINT) return `${env.OTEL_EXPORTER_OTLP_ENDPOINT.replace(/\/+$/, '')}/v1/traces`;
  return undefined;
}

function handle(provider: NodeTracerProvider): Tracing {
  return {
    enabled: true,
    async shutdown() {
      if (active?.provider !== provider) return;
      active = null;
      await provider.shutdown();
      trace.disable();
      propagation.disable();
      context.disable();
    },
  };
}

/** Stops whatever startTracing started (process shutdown). */
export async function shutdownTracing(): Promise<void> {
  if (active) await handle(active.provider).shutdown();
}

export function tracingEnabled(): boolean {
  return active !== null;
}

function tracer(provider: TracerProvider = trace.getTracerProvider()): Tracer {
  return provider.getTracer(TRACER_NAME);
}

/** Puts the current trace context into outgoing headers (`traceparent`, `tracestate`). */
export function injectTraceContext(headers: { set(name: string, value: string): void }): void {
  propagation.inject(context.active(), headers, {
    set: (carrier, key, value) => carrier.set(key, value),
  });
}

/**
 * One SERVER span per GraphQL HTTP request, continuing the caller's trace (`traceparent`), active
 * while the request is handled so that spans made inside (subgraph fetches) are its children.
 * Mount it after the body parser: body parsing runs on the socket's async context, not ours.
 */
export function tracingMiddleware(serviceName: string): RequestHandler {
  return (req, res, next) => {
    if (!active) return next();
    const parent = propagation.extract(context.active(), req.headers);
    const span = tracer().startSpan(
      'graphql',
      {
        kind: SpanKind.SERVER,
        attributes: { [ATTR_HTTP_REQUEST_METHOD]: req.method, [ATTR_URL_PATH]: req.path, 'mente.service': serviceName },
      },
      parent,
    );
    let ended = false;
    const end = () => {
      if (ended) return;
      ended = true;
      span.setAttribute(ATTR_HTTP_RESPONSE_STATUS_CODE, res.statusCode);
      if (res.statusCode >= 500) span.setStatus({ code: SpanStatusCode.ERROR });
      span.end();
    };
    res.once('finish', end);
    res.once('close', end);
    context.with(trace.setSpan(parent, span), next);
  };
}

/** Runs `fn` in a new active span; records a thrown error on it. */
export async function withSpan<T>(
  name: string,
  options: { kind?: SpanKind; attributes?: Record<string, string | number | boolean> },
  fn: (span: Span) => Promise<T>,
): Promise<T> {
  return tracer().startActiveSpan(name, options, async (span) => {
    try {
      return await fn(span);
    } catch (e) {
      const message = redactPii(e instanceof Error ? e.message : String(e));
      span.recordException({ name: e instanceof Error ? e.name : 'Error', message });
      span.setStatus({ code: SpanStatusCode.ERROR, message });
      throw e;
    } finally {
      span.end();
    }
  });
}

export { SpanKind };
