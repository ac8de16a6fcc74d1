import { performance } from 'node:perf_hooks';

import type { GraphQLDataSource, GraphQLDataSourceProcessOptions } from '@apollo/gateway';
import { type DocumentNode, GraphQLError, Kind, type OperationTypeNode, parse } from 'graphql';
import { Agent, request as undiciRequest } from 'undici';

import { errorCode } from '../subgraphs/kit/platform/access-log';
import { INTERNAL_TOKEN_HEADER } from '../subgraphs/kit/platform/auth/internal-token';
import type { SubgraphTls } from '../subgraphs/kit/platform/config';
import { injectTraceContext, SpanKind, withSpan } from '../subgraphs/kit/platform/tracing';
import { type CircuitBreaker } from './circuit-breaker';
import type { GatewayContext } from './context';
import type { InternalTokenIssuer } from './internal-tokens';
import type { GatewayMetrics } from './metrics';
import {
  classifySubgraphError,
  type FailureDetails,
  isSubgraphFailureCode,
  subgraphFailure,
  type SubgraphFailureCode,
  subgraphNaming,
} from './regional-errors';

type SubgraphResponse = Awaited<ReturnType<GraphQLDataSource['process']>>;
type CachePolicy = { restrict(hint: { maxAge?: number; scope?: 'PUBLIC' | 'PRIVATE' }): void };

interface ErrorBody {
  errors?: { message?: string; extensions?: { code?: string } }[];
}

/** The absolute deadline (epoch ms) of a subgraph fetch; the subgraph rolls back rather than commit after it. */
const DEADLINE_HEADER = 'x-mente-deadline';

// Connection errors raised before any byte of the request left: the subgraph cannot have acted on it.
const NOT_SENT = new Set([
  'ECONNREFUSED',
  'ENOTFOUND',
  'EAI_AGAIN',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'UND_ERR_CONNECT_TIMEOUT',
  'ERR_TLS_CERT_ALTNAME_INVALID',
  'DEPTH_ZERO_SELF_SIGNED_CERT',
  'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
  'SELF_SIGNED_CERT_IN_CHAIN',
  'CERT_HAS_EXPIRED',
]);

/** How a fetch that got no answer failed. */
type Unanswered = { kind: 'timeout' } | { kind: 'not-sent' } | { kind: 'broken' };

class NoAnswer extends Error {
  constructor(
    readonly how: Unanswered,
    override readonly cause: unknown,
  ) {
    super(how.kind);
  }
}

function codeOfCause(cause: unknown): string | undefined {
  for (let e = cause as { code?: unknown; cause?: unknown } | undefined, i = 0; e && i < 5; e = e.cause as never, i++) {
    if (typeof e.code === 'string' && NOT_SENT.has(e.code)) return e.code;
  }
  return undefined;
}

/** The operation type and root response keys of a fetch's operation (parsed only when it failed). */
function rootOf(query: string): { type?: OperationTypeNode; keys: string[] } {
  let document: DocumentNode | undefined;
  try {
    document = parse(query);
  } catch {
    return { keys: [] };
  }
  const operation = document.definitions.find((d) => d.kind === Kind.OPERATION_DEFINITION);
  if (!operation || operation.kind !== Kind.OPERATION_DEFINITION) return { keys: [] };
  const keys = operation.selectionSet.selections.flatMap((s) =>
    s.kind === Kind.FIELD && s.name.value !== '__typename' ? [s.alias?.value ?? s.name.value] : [],
  );
  return { type: operation.operation, keys };
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
  /** This subgraph's circuit breaker (shared by every data source of the gateway for this subgraph). */
  breaker?: CircuitBreaker;
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
 * reason in the body: that reason is passed on, never the subgraph's internal URL. Every fetch
 * tells the subgraph its deadline (x-mente-deadline); every failure is classified by
 * regional-errors.ts (a mutation left in doubt: OUTCOME_UNKNOWN); a subgraph's circuit breaker
 * refuses fetches, unsent, while it is open.
 */
export class SubgraphDataSource implements GraphQLDataSource<GatewayContext> {
  readonly timeoutMs: number;
  private readonly metrics?: GatewayMetrics;
  private readonly dedupe: boolean;
  private readonly agent: Agent;
  private readonly breaker?: CircuitBreaker;
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
    this.breaker = options.breaker;
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
    const query = request.query;
    // An open circuit: fail fast, nothing sent (so a mutation is safely not done).
    const admission = this.breaker?.admit() ?? { allowed: true as const, probe: false };
    if (!admission.allowed) {
      throw this.failure(query, 'SUBGRAPH_UNAVAILABLE', {
        extensions: { circuit: 'open', retryAfterMs: admission.retryAfterMs },
      });
    }
    const probe = admission.probe;
    const headers: Record<string, string> = { 'content-type': 'application/json' };
    if (request.http?.headers) for (const [name, value] of request.http.headers) headers[name] = value;
    // The fetch's span (active here) continues in the subgraph: W3C `traceparent`.
    injectTraceContext({ set: (name, value) => (headers[name] = value) });
    const body = JSON.stringify({
      query,
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
    // Only the fetch that really went out tells the breaker what happened; sharers learn nothing new.
    let sent = true;
    try {
      if (shareable) {
        let pending = this.inFlight.get(body);
        if (pending) {
          sent = false;
          this.metrics?.subgraphFetchesShared.inc({ subgraph: this.subgraphName });
        } else {
          pending = this.send(headers, body).finally(() => this.inFlight.delete(body));
          this.inFlight.set(body, pending);
        }
        received = await pending;
      } else {
        received = await this.send(headers, body);
      }
    } catch (e) {
      if (!(e instanceof NoAnswer)) {
        this.breaker?.released(probe);
        throw e;
      }
      if (sent) this.breaker?.failed(probe);
      else this.breaker?.released(probe);
      throw this.unanswered(query, e);
    }
    this.breaker?.succeeded(probe);
    if (received.status < 200 || received.status > 299) throw this.errorFromResponse(query, received);
    let parsed: unknown;
    try {
      parsed = JSON.parse(received.text);
    } catch {
      parsed = undefined;
    }
    if (typeof parsed !== 'object' || parsed === null) {
      throw this.failure(query, 'SUBGRAPH_ERROR', {
        message: `${this.subgraphName} 的响应无法解析`,
        extensions: { status: received.status },
      });
    }
    const response = parsed as SubgraphResponse;
    // Every error the subgraph answered gets its code, retryable and naming here (regional-errors.ts).
    if (Array.isArray(response.errors)) {
      (response as { errors: unknown[] }).errors = response.errors.map((error) =>
        classifySubgraphError(this.subgraphName, error as never),
      );
    }
    const policy = incoming?.incomingRequestContext.overallCachePolicy as CachePolicy | undefined;
    if (policy && 'restrict' in policy) policy.restrict(cacheHint(received.cacheControl));
    return response;
  }

  /**
   * A failure of this subgraph for this fetch. A root fetch's failure is put at its first root
   * field (the mutation or query field it was resolving); an entity fetch's gets its paths from
   * regionalErrorsPlugin (the entries it left null).
   */
  private failure(query: string, code: SubgraphFailureCode, details: FailureDetails = {}) {
    const key = rootOf(query).keys[0];
    return subgraphFailure(this.subgraphName, code, {
      ...details,
      ...(key && key !== '_entities' ? { path: [key] } : {}),
    });
  }

  /** No answer: a query timed out or could not connect; a mutation that may have arrived has an unknown outcome. */
  private unanswered(query: string, e: NoAnswer): GraphQLError {
    const originalError = e.cause instanceof Error ? e.cause : undefined;
    const mutation = rootOf(query).type === 'mutation';
    if (e.how.kind === 'not-sent') return this.failure(query, 'SUBGRAPH_UNAVAILABLE', { originalError });
    if (mutation) {
      const region = subgraphNaming(this.subgraphName).regionName ?? this.subgraphName;
      return this.failure(query, 'OUTCOME_UNKNOWN', {
        originalError,
        ...(e.how.kind === 'broken'
          ? {
              message: `与${region}的连接中断，无法确认办理结果，请使用相同的幂等键重新提交以获取结果`,
            }
          : { extensions: { timeoutMs: this.timeoutMs } }),
      });
    }
    if (e.how.kind === 'timeout') {
      return this.failure(query, 'SUBGRAPH_TIMEOUT', { originalError, extensions: { timeoutMs: this.timeoutMs } });
    }
    return this.failure(query, 'SUBGRAPH_UNAVAILABLE', { originalError });
  }

  /**
   * POST with a deadline covering connection, answer and body, told to the subgraph as an absolute
   * time (x-mente-deadline: it rolls back rather than commit after it). Failures say only how no
   * answer came (NoAnswer): timeout, not sent, or broken after sending.
   */
  private async send(headers: Record<string, string>, body: string): Promise<Received> {
    const deadline = new AbortController();
    const timer = setTimeout(() => deadline.abort(), this.timeoutMs);
    // Outside the token's body binding: the deadline is advisory and can only make the subgraph do less.
    headers[DEADLINE_HEADER] = String(Date.now() + this.timeoutMs);
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
      if (deadline.signal.aborted) throw new NoAnswer({ kind: 'timeout' }, cause);
      throw new NoAnswer({ kind: codeOfCause(cause) ? 'not-sent' : 'broken' }, cause);
    } finally {
      clearTimeout(timer);
    }
  }

  private errorFromResponse(query: string, received: Received): GraphQLError {
    let body: ErrorBody | undefined;
    try {
      body = JSON.parse(received.text) as ErrorBody;
    } catch {
      body = undefined;
    }
    const first = body?.errors?.[0];
    // A subgraph that classified its own failure (contract codes) is taken at its word, whatever the status.
    const code = first?.extensions?.code;
    if (first && code !== 'INTERNAL_SERVER_ERROR' && isSubgraphFailureCode(code)) {
      const { message, extensions } = classifySubgraphError(this.subgraphName, first);
      return this.failure(query, code, { message, extensions: { ...extensions, status: received.status } });
    }
    if (received.status === 400 && first?.message) {
      return new GraphQLError(first.message, {
        extensions: { code: first.extensions?.code ?? 'BAD_USER_INPUT', serviceName: this.subgraphName },
      });
    }
    // Answered, but not served: a proxy or a draining subgraph (retry), or a bug/refused token (no).
    const unavailable = received.status === 502 || received.status === 503 || received.status === 504;
    return this.failure(query, unavailable ? 'SUBGRAPH_UNAVAILABLE' : 'SUBGRAPH_ERROR', {
      ...(unavailable
        ? {
            message: `${subgraphNaming(this.subgraphName).regionName ?? this.subgraphName}服务暂时无法响应（HTTP ${received.status}），请稍后重试`,
          }
        : {}),
      extensions: { status: received.status },
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
