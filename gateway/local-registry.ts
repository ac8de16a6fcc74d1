import 'reflect-metadata';

import type { GraphQLDataSource, GraphQLDataSourceProcessOptions } from '@apollo/gateway';
import {
  type DocumentNode,
  execute,
  type ExecutionResult,
  type GraphQLSchema,
  Kind,
  parse,
  type SelectionNode,
  validate,
} from 'graphql';

import { NATIONAL } from '../schema/registry';
import { ANONYMOUS } from '../subgraphs/kit/platform/auth/identity';
import { maskSubgraphError } from '../subgraphs/kit/platform/graphql/errors';
import { publicCacheMaxAge } from '../subgraphs/kit/platform/graphql/public-cache';
import type { NationalContext } from '../subgraphs/national/context';
import { buildNationalSchema } from '../subgraphs/national/schema';
import type { GatewayContext } from './context';
import { classifySubgraphError } from './regional-errors';

// The national subgraph's registry fields — `regions`, `region(code:)`, `application(acceptanceNumber:)`
// — are a pure function of schema/registry.json: they answer typed key stubs (a region's code, an
// application's number) and read no database and no person. The gateway answers a fetch to the
// national subgraph that asks for nothing but these fields itself, with the national subgraph's
// own schema, resolvers and access table (buildNationalSchema: `application` is SIGNED_IN there and
// here alike, decided on the caller the gateway has verified), instead of an HTTP round trip. Every
// other fetch — Person, `me`, `person`, `_entities` — goes to the national subgraph over HTTP as
// before, with its internal token, where people are authorized and audited; the national subgraph
// keeps serving the registry fields over HTTP too (Hive Gateway, the router, direct callers).

/** Root fields of the national subgraph answered in the gateway (all of them registry functions). */
export const LOCAL_REGISTRY_FIELDS: ReadonlySet<string> = new Set(['regions', 'region', 'application']);
/** Of those, the ones that carry a PUBLIC cache hint in the national subgraph (publicCachePlugin there). */
const PUBLIC_FIELDS: ReadonlySet<string> = new Set(['regions', 'region']);

type SubgraphResponse = Awaited<ReturnType<GraphQLDataSource['process']>>;
type CachePolicy = { restrict(hint: { maxAge?: number; scope?: 'PUBLIC' | 'PRIVATE' }): void };

/** What this fetch may use of the national context: nothing but the caller. Anything else is a bug. */
function registryContext(identity: GatewayContext['identity'] | undefined, requestId: string): NationalContext {
  const none = (what: string) => () => {
    throw new Error(`the gateway's local registry fields read no ${what}`);
  };
  return {
    identity: identity ?? ANONYMOUS,
    requestId,
    get people(): never {
      return none('person')();
    },
    personByIdNumberHash: none('person'),
    get vault(): never {
      return none('identity number')();
    },
    get audit(): never {
      return none('audit log')();
    },
    get history(): never {
      return none('person history')();
    },
    get hospitals(): never {
      return none('hospital directory')();
    },
  } as NationalContext;
}

interface Decision {
  /** Parsed and validated against the national schema; undefined: send it over HTTP. */
  document?: DocumentNode;
  public: boolean;
}

/**
 * The national subgraph's data source: registry-only query fetches are executed in-process
 * (see above), everything else is handed to `remote` (the HTTP SubgraphDataSource).
 */
export class LocalRegistryDataSource implements GraphQLDataSource<GatewayContext> {
  /** Fetch texts come from the query planner (arguments are variables): few distinct ones; bounded anyway. */
  private readonly decisions = new Map<string, Decision>();
  private schema?: GraphQLSchema;
  private readonly ready: Promise<GraphQLSchema>;
  /** Fetches answered here / sent on (tests, metrics). */
  readonly counts = { local: 0, remote: 0 };

  constructor(
    private readonly remote: GraphQLDataSource<GatewayContext>,
    schema: Promise<GraphQLSchema> = buildNationalSchema(),
    private readonly maxAge = publicCacheMaxAge(),
  ) {
    this.ready = schema.then((s) => (this.schema = s));
    // A schema that cannot be built leaves every fetch on HTTP (decide() needs the schema).
    this.ready.catch(() => {});
  }

  async process(options: GraphQLDataSourceProcessOptions<GatewayContext>): Promise<SubgraphResponse> {
    const query = options.request.query;
    const decision = query && this.schema ? this.decide(query, this.schema) : undefined;
    if (!decision?.document) {
      this.counts.remote++;
      return this.remote.process(options);
    }
    this.counts.local++;
    const context = options.context as Partial<GatewayContext>;
    const result = (await execute({
      schema: this.schema!,
      document: decision.document,
      variableValues: options.request.variables,
      operationName: options.request.operationName,
      contextValue: registryContext(context.identity, context.requestId ?? ''),
    })) as ExecutionResult;
    const response: SubgraphResponse = { ...(result.data !== undefined ? { data: result.data } : {}) };
    if (result.errors?.length) {
      // As the national subgraph formats them (maskSubgraphError) and the gateway classifies them.
      (response as { errors: unknown[] }).errors = result.errors.map((error) =>
        classifySubgraphError(NATIONAL.name, maskSubgraphError(error.toJSON(), error) as never),
      );
    }
    const policy = (
      'incomingRequestContext' in options ? options.incomingRequestContext.overallCachePolicy : undefined
    ) as CachePolicy | undefined;
    if (policy && 'restrict' in policy) {
      policy.restrict(decision.public && this.maxAge > 0 ? { maxAge: this.maxAge, scope: 'PUBLIC' } : { maxAge: 0 });
    }
    return response;
  }

  /** Registry-only: one query operation whose root fields are all LOCAL_REGISTRY_FIELDS (or __typename). */
  private decide(query: string, schema: GraphQLSchema): Decision {
    let decision = this.decisions.get(query);
    if (decision) return decision;
    decision = { public: false };
    try {
      const document = parse(query);
      const operations = document.definitions.filter((d) => d.kind === Kind.OPERATION_DEFINITION);
      const only = operations.length === 1 && document.definitions.length === 1 ? operations[0]! : undefined;
      const roots: SelectionNode[] = only?.operation === 'query' ? [...only.selectionSet.selections] : [];
      const fields = roots.every((s) => s.kind === Kind.FIELD)
        ? roots.map((s) => (s.kind === Kind.FIELD ? s.name.value : ''))
        : [];
      const registryOnly =
        fields.length > 0 &&
        fields.some((f) => LOCAL_REGISTRY_FIELDS.has(f)) &&
        fields.every((f) => f === '__typename' || LOCAL_REGISTRY_FIELDS.has(f));
      if (registryOnly && validate(schema, document).length === 0) {
        decision = {
          document,
          public: fields.every((f) => f === '__typename' || PUBLIC_FIELDS.has(f)),
        };
      }
    } catch {
      // Not parseable here: the subgraph says why.
    }
    if (this.decisions.size >= 1000) this.decisions.clear();
    this.decisions.set(query, decision);
    return decision;
  }

  /** Resolves once the national schema is built (fetches before that go over HTTP). */
  whenReady(): Promise<unknown> {
    return this.ready;
  }
}
