import { performance } from 'node:perf_hooks';

import { type GraphQLDataSourceProcessOptions, RemoteGraphQLDataSource } from '@apollo/gateway';
import { GraphQLError } from 'graphql';
import type { KeyLike } from 'jose';

import { errorCode } from '../subgraphs/kit/access-log';
import { INTERNAL_TOKEN_HEADER, signInternalToken } from '../subgraphs/kit/auth/internal-token';
import { injectTraceContext, SpanKind, withSpan } from '../subgraphs/kit/tracing';
import type { GatewayContext } from './context';
import type { GatewayMetrics } from './metrics';

interface ErrorBody {
  errors?: { message?: string; extensions?: { code?: string } }[];
}

/**
 * The gateway's connection to one subgraph. Every request carries a short-lived internal token
 * signed by the gateway with the caller's minimal identity and the request id; subgraphs trust
 * nothing else. A subgraph answers an invalid argument (e.g. an impossible Date) with HTTP 400
 * and the reason in the body: pass that reason on, never the subgraph's internal URL.
 */
export class SubgraphDataSource extends RemoteGraphQLDataSource<GatewayContext> {
  constructor(
    readonly subgraphName: string,
    url: string,
    private readonly internalPrivateKey: KeyLike,
    /** A region that does not answer within this time is reported as timed out; the rest still answer. */
    readonly timeoutMs = 3000,
    /** Times every fetch and counts failed ones (mente_subgraph_fetch_*). */
    private readonly metrics?: GatewayMetrics,
  ) {
    super({ url, fetcher: boundedFetch(subgraphName, timeoutMs) as never });
    metrics?.registerSubgraph(subgraphName);
  }

  /** One fetch: a CLIENT span around it, its duration, and its error code when it fails. */
  override async process(options: GraphQLDataSourceProcessOptions<GatewayContext>) {
    const startedAt = performance.now();
    const subgraph = this.subgraphName;
    try {
      return await withSpan(
        `subgraph ${subgraph}`,
        { kind: SpanKind.CLIENT, attributes: { 'mente.subgraph': subgraph } },
        () => super.process(options),
      );
    } catch (e) {
      this.metrics?.subgraphFetchErrors.inc({ subgraph, code: errorCode(e as GraphQLError) });
      throw e;
    } finally {
      this.metrics?.subgraphFetchDuration.observe({ subgraph }, (performance.now() - startedAt) / 1000);
    }
  }

  override async willSendRequest({ request, context }: GraphQLDataSourceProcessOptions<GatewayContext>) {
    // The fetch's span (active here) continues in the subgraph: W3C `traceparent`.
    if (request.http) injectTraceContext(request.http.headers);
    if (!('identity' in context) || !context.identity) return; // health checks and the like: anonymous
    // One signature per request, shared by its fetches (it lives 60 s; a request is bounded by
    // the subgraph deadline); the identity and request id are the same for every fetch.
    context.internalToken ??= signInternalToken(this.internalPrivateKey, {
      identity: context.identity,
      requestId: context.requestId,
    });
    const token = await context.internalToken;
    request.http?.headers.set(INTERNAL_TOKEN_HEADER, token);
    request.http?.headers.set('x-request-id', context.requestId);
  }

  override async errorFromResponse(response: Parameters<RemoteGraphQLDataSource['errorFromResponse']>[0]) {
    let body: ErrorBody | undefined;
    try {
      body = (await this.parseBody(response)) as ErrorBody;
    } catch {
      body = undefined;
    }
    const first = body?.errors?.[0];
    if (response.status === 400 && first?.message) {
      return new GraphQLError(first.message, {
        extensions: { code: first.extensions?.code ?? 'BAD_USER_INPUT', serviceName: this.subgraphName },
      });
    }
    return new GraphQLError(`区域服务 ${this.subgraphName} 暂时无法响应（HTTP ${response.status}）`, {
      extensions: { code: 'SUBGRAPH_ERROR', serviceName: this.subgraphName, status: response.status },
    });
  }
}

/**
 * Node's own fetch (undici: pooled keep-alive connections) with a deadline per subgraph request.
 * Failures become errors that name the subgraph and say what happened, never its address.
 */
function boundedFetch(subgraphName: string, timeoutMs: number) {
  return async (url: string, init: RequestInit) => {
    try {
      return await fetch(url, { ...init, signal: AbortSignal.timeout(timeoutMs) });
    } catch (e) {
      if (e instanceof DOMException && (e.name === 'TimeoutError' || e.name === 'AbortError')) {
        throw new GraphQLError(`区域服务 ${subgraphName} 在 ${timeoutMs} 毫秒内未响应`, {
          extensions: { code: 'SUBGRAPH_TIMEOUT', serviceName: subgraphName, timeoutMs },
        });
      }
      throw new GraphQLError(`区域服务 ${subgraphName} 暂时无法连接`, {
        extensions: { code: 'SUBGRAPH_UNAVAILABLE', serviceName: subgraphName },
      });
    }
  };
}
