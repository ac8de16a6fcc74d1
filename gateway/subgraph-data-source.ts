import { RemoteGraphQLDataSource } from '@apollo/gateway';
import { GraphQLError } from 'graphql';

interface ErrorBody {
  errors?: { message?: string; extensions?: { code?: string } }[];
}

/**
 * The gateway's connection to one subgraph. A subgraph answers an invalid argument (e.g. an
 * impossible Date) with HTTP 400 and the reason in the body; pass that reason on instead of a
 * bare "400: Bad Request", and never the subgraph's internal URL.
 */
export class SubgraphDataSource extends RemoteGraphQLDataSource {
  constructor(
    readonly subgraphName: string,
    url: string,
  ) {
    super({ url });
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
