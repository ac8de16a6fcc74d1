import { type GraphQLDataSourceProcessOptions, RemoteGraphQLDataSource } from '@apollo/gateway';
import { GraphQLError } from 'graphql';
import type { KeyLike } from 'jose';

import { INTERNAL_TOKEN_HEADER, signInternalToken } from '../subgraphs/kit/auth/internal-token';
import type { GatewayContext } from './context';

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
  ) {
    super({ url });
  }

  override async willSendRequest({ request, context }: GraphQLDataSourceProcessOptions<GatewayContext>) {
    if (!('identity' in context) || !context.identity) return; // health checks and the like: anonymous
    const token = await signInternalToken(this.internalPrivateKey, {
      identity: context.identity,
      requestId: context.requestId,
    });
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
