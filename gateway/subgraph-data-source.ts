import { performance } from 'node:perf_hooks';

import type { GraphQLDataSource, GraphQLDataSourceProcessOptions } from '@apollo/gateway';
import { GraphQLError } from 'graphql';
import { Agent, request as undiciRequest } from 'undici';

import { errorCode } from '../subgraphs/kit/access-log';
import { INTERNAL_TOKEN_HEADER } from '../subgraphs/kit/auth/internal-token';
import type { SubgraphTls } from '../subgraphs/kit/config';
import { injectTraceContext, SpanKind, withSpan } from '../subgraphs/kit/tracing';
import type { GatewayContext } from './context';
import type { InternalTokenIssuer } from './internal-tokens';
import type { GatewayMetrics } from './metrics';

type SubgraphResponse = Awaited<ReturnType<GraphQLDataSource['process']>>;
type CachePolicy = { restrict(hint: { maxAge?: number; scope?: 'PUBLIC' | 'PRIVATE' }): void };

interface ErrorBody {
  errors?: { message?: string; extensions?: { code?: string } }[];
}

export interface SubgraphConnectionOptions {
  /** A region that does not answer within this time is reported as timed out; the rest still answer. */
  timeoutMs?: number;
  /** Times every fetch and counts failed ones (mente_subgraph_fetch_*). */
  metrics?: GatewayMetrics;
  /**
   * Identical anonymous queries to this subgraph that are in flight at the same moment share one
   * HTTP request (default on). Anonymous only: a signed-in caller's reads may be audited per
   * request in the region, so they are never merged.
   */
  dedupeAnonymousQueries?: boolean;
  /** The pooled keep-alive connections to subgraphs (shared by a gateway's subgraphs). */
  agent: Agent;
}

/** A received answer: status, Cache-Control and the whole body, read once. */
interface Received {
  status: number;
  cacheControl: string;
  text: string;
}

/**
 * The gateway's connection to one subgraph. Every request of a signed-in caller carries an
 * internal token signed for this subgraph and this operation (InternalTokenIssuer), and every
 * request the request id; subgraphs trust nothing else. It speaks HTTP through undici's pooled keep-alive client directly (Node's
 * fetch and the node-fetch objects RemoteGraphQLDataSource builds per request cost the gateway
 * more CPU per fetch than the rest of the hop). A subgraph's Cache-Control answer restricts the
 * request's cache policy, so public policy can be cached at the gateway and personal data never
 * is. A subgraph answers an invalid argument (e.g. an impossible Date) with HTTP 400 and the
 * reason in the body: that reason is passed on, never the subgraph's internal URL.
 */
export class SubgraphDataSource implements GraphQLDataSource<GatewayContext> {
  readonly timeoutMs: number;
  private readonly metrics?: GatewayMetrics;
  private readonly dedupe: boolean;
  private readonly agent: Agent;
  private readonly inFlight = new Map<string, Promise<Received>>();

  constructor(
    readonly subgraphName: string,
    readonly url: string,
    private readonly tokens: InternalTokenIssuer,
    options: SubgraphConnectionOptions,
  ) {
    this.timeoutMs = options.timeoutMs ?? 3000;
    this.metrics = options.metrics;
    this.dedupe = options.dedupeAnonymousQueries ?? true;
    this.agent = options.agent;
    this.metrics?.registerSubgraph(subgraphName);
  }

  /** One fetch: a CLIENT span around it, its duration, and its error code when it fails. */
  async process(options: GraphQLDataSourceProcessOptions<GatewayContext>): Promise<SubgraphResponse> {
    const startedAt = performance.now();
    const subgraph = this.subgraphName;
    try {
      return await withSpan(
        `subgraph ${subgraph}`,
        { kind: SpanKind.CLIENT, attributes: { 'mente.subgraph': subgraph } },
        () => this.fetchOnce(options),
      );
    } catch (e) {
      this.metrics?.subgraphFetchErrors.inc({ subgraph, code: errorCode(e as GraphQLError) });
      throw e;
    } finally {
      this.metrics?.subgraphFetchDuration.observe({ subgraph }, (performance.now() - startedAt) / 1000);
    }
  }

  private async fetchOnce(options: GraphQLDataSourceProcessOptions<GatewayContext>): Promise<SubgraphResponse> {
    const { request } = options;
    if (!request.query) throw new Error('Missing query');
    const headers: Record<string, string> = { 'content-type': 'application/json' };
    if (request.http?.headers) for (const [name, value] of request.http.headers) headers[name] = value;
    // The fetch's span (active here) continues in the subgraph: W3C `traceparent`.
    injectTraceContext({ set: (name, value) => (headers[name] = value) });
    const body = JSON.stringify({
      query: request.query,
      ...(request.variables ? { variables: request.variables } : {}),
      ...(request.operationName ? { operationName: request.operationName } : {}),
      ...(request.extensions ? { extensions: request.extensions } : {}),
    });
    const context = options.context as Partial<GatewayContext>;
    const identity = context.identity;
    if (identity) {
      // A fresh token for this subgraph and this operation (none for anonymous callers).
      const token = this.tokens.tokenFor(identity, this.subgraphName, request);
      if (token) headers[INTERNAL_TOKEN_HEADER] = token;
      if (context.requestId) headers['x-request-id'] = context.requestId;
    }
    const incoming = 'incomingRequestContext' in options ? options : undefined;
    const shareable =
      this.dedupe &&
      identity?.role === 'ANONYMOUS' &&
      incoming?.incomingRequestContext.operation?.operation === 'query';
    let received: Received;
    if (shareable) {
      let pending = this.inFlight.get(body);
      if (pending) this.metrics?.subgraphFetchesShared.inc({ subgraph: this.subgraphName });
      else {
        pending = this.send(headers, body).finally(() => this.inFlight.delete(body));
        this.inFlight.set(body, pending);
      }
      received = await pending;
    } else {
      received = await this.send(headers, body);
    }
    if (received.status < 200 || received.status > 299) throw this.errorFromResponse(received);
    let parsed: unknown;
    try {
      parsed = JSON.parse(received.text);
    } catch {
      parsed = undefined;
    }
    if (typeof parsed !== 'object' || parsed === null) {
      throw new GraphQLError(`区域服务 ${this.subgraphName} 的响应无法解析`, {
        extensions: { code: 'SUBGRAPH_ERROR', serviceName: this.subgraphName, status: received.status },
      });
    }
    const policy = incoming?.incomingRequestContext.overallCachePolicy as CachePolicy | undefined;
    if (policy && 'restrict' in policy) policy.restrict(cacheHint(received.cacheControl));
    return parsed as SubgraphResponse;
  }

  /** POST with a deadline covering connection, answer and body; failures name the subgraph only. */
  private async send(headers: Record<string, string>, body: string): Promise<Received> {
    const deadline = new AbortController();
    const timer = setTimeout(() => deadline.abort(), this.timeoutMs);
    try {
      const res = await undiciRequest(this.url, {
        method: 'POST',
        headers,
        body,
        dispatcher: this.agent,
        signal: deadline.signal,
      });
      const text = await res.body.text();
      return {
        status: res.statusCode,
        cacheControl: headerValue(res.headers['cache-control']),
        text,
      };
    } catch (cause) {
      // The cause (kept as originalError for the gateway's own logs) never reaches the client.
      const originalError = cause instanceof Error ? cause : undefined;
      if (deadline.signal.aborted) {
        throw new GraphQLError(`区域服务 ${this.subgraphName} 在 ${this.timeoutMs} 毫秒内未响应`, {
          originalError,
          extensions: { code: 'SUBGRAPH_TIMEOUT', serviceName: this.subgraphName, timeoutMs: this.timeoutMs },
        });
      }
      throw new GraphQLError(`区域服务 ${this.subgraphName} 暂时无法连接`, {
        originalError,
        extensions: { code: 'SUBGRAPH_UNAVAILABLE', serviceName: this.subgraphName },
      });
    } finally {
      clearTimeout(timer);
    }
  }

  private errorFromResponse(received: Received): GraphQLError {
    let body: ErrorBody | undefined;
    try {
      body = JSON.parse(received.text) as ErrorBody;
    } catch {
      body = undefined;
    }
    const first = body?.errors?.[0];
    if (received.status === 400 && first?.message) {
      return new GraphQLError(first.message, {
        extensions: { code: first.extensions?.code ?? 'BAD_USER_INPUT', serviceName: this.subgraphName },
      });
    }
    return new GraphQLError(`区域服务 ${this.subgraphName} 暂时无法响应（HTTP ${received.status}）`, {
      extensions: { code: 'SUBGRAPH_ERROR', serviceName: this.subgraphName, status: received.status },
    });
  }
}

/**
 * Pooled keep-alive HTTP connections from one gateway to its subgraphs. With `tls` (SUBGRAPH_TLS_*)
 * every connection presents the gateway's client certificate and accepts only subgraph
 * certificates signed by the given CA (mutual TLS).
 */
export function subgraphAgent(tls?: SubgraphTls): Agent {
  return new Agent({
    keepAliveTimeout: 10_000,
    connections: 128,
    ...(tls ? { connect: { cert: tls.cert, key: tls.key, ca: tls.ca, rejectUnauthorized: true } } : {}),
  });
}

function headerValue(value: string | string[] | undefined): string {
  return Array.isArray(value) ? value.join(', ') : (value ?? '');
}

/** Cache-Control from a subgraph, as Apollo's RemoteGraphQLDataSource reads it. */
function cacheHint(header: string): { maxAge: number; scope?: 'PUBLIC' | 'PRIVATE' } {
  const hint: { maxAge: number; scope?: 'PUBLIC' | 'PRIVATE' } = { maxAge: 0 };
  const directives = new Map(
    header.split(',').map((part) => {
      const [name = '', value] = part.trim().toLowerCase().split('=');
      return [name, value] as const;
    }),
  );
  const maxAge = directives.get('max-age');
  if (maxAge !== undefined && /^[0-9]+$/.test(maxAge)) hint.maxAge = Number(maxAge);
  if (directives.has('private')) hint.scope = 'PRIVATE';
  if (directives.has('public')) hint.scope = 'PUBLIC';
  return hint;
}
