import { readFileSync } from 'node:fs';
import path from 'node:path';

import type { GraphQLDataSource, GraphQLDataSourceProcessOptions } from '@apollo/gateway';
import { buildSubgraphSchema } from '@apollo/subgraph';
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

import { NATIONAL, REGIONS } from '../schema/registry';
import { type AccessTable, enforceAccessTable, entryPoints } from '../subgraphs/kit/platform/auth/access-rules';
import { ANONYMOUS } from '../subgraphs/kit/platform/auth/identity';
import { maskSubgraphError } from '../subgraphs/kit/platform/graphql/errors';
import { publicCacheMaxAge } from '../subgraphs/kit/platform/graphql/public-cache';
import { ROUTING_ACCESS, ROUTING_FIELDS } from '../subgraphs/kit/platform/routing';
import type { GatewayContext } from './context';
import { classifySubgraphError } from './regional-errors';

// The national subgraph's routing fields — `regions`, `region(code:)`, `application(acceptanceNumber:)`
// — are a pure function of the registry: they answer typed key stubs (a region's code, an
// application's number) and read no database and no person. The gateway answers a fetch to the
// national subgraph that asks for nothing but these fields itself, instead of an HTTP round trip:
// it executes the fetch against the national subgraph's committed SDL (schema/national.graphql,
// written by `npm run compose`) with the platform's routing functions and access rules
// (subgraphs/kit/platform/routing.ts: the national subgraph's resolvers and access table use the
// same ones; `application` is SIGNED_IN there and here alike, decided on the caller the gateway has
// verified) and the platform's enforcement (enforceAccessTable), so answers and errors are the
// national subgraph's. The gateway imports no national subgraph code. Every other fetch — Person,
// `me`, `person`, `_entities` — goes to the national subgraph over HTTP as before, with its internal
// token, where people are authorized and audited; the national subgraph keeps serving the routing
// fields over HTTP too (Hive Gateway, the router, direct callers).

/** The national subgraph's SDL as `npm run compose` writes it beside the supergraph. */
export const NATIONAL_SDL_PATH = path.resolve(__dirname, '../schema/national.graphql');

/** Root fields of the national subgraph answered in the gateway (all of them routing functions). */
export const LOCAL_REGISTRY_FIELDS: ReadonlySet<string> = new Set(Object.keys(ROUTING_FIELDS));
/** Of those, the ones that carry a PUBLIC cache hint in the national subgraph (publicCachePlugin there). */
const PUBLIC_FIELDS: ReadonlySet<string> = new Set(['regions', 'region']);

type SubgraphResponse = Awaited<ReturnType<GraphQLDataSource['process']>>;
type CachePolicy = { restrict(hint: { maxAge?: number; scope?: 'PUBLIC' | 'PRIVATE' }): void };

/**
 * The national subgraph's schema as its SDL says, answering only the routing fields: their
 * resolvers and rules come from the platform, every other entry point is refused (NOBODY; the
 * data source never executes one here). Throws when the SDL does not know a region of the
 * registry (a stale schema/national.graphql: run `npm run compose`).
 */
export function buildRegistrySchema(sdl: string = readNationalSdl()): GraphQLSchema {
  const Query = Object.fromEntries(
    Object.entries(ROUTING_FIELDS).map(([field, { resolve }]) => [field, (_: unknown, args: never) => resolve(args)]),
  );
  const schema = buildSubgraphSchema({ typeDefs: parse(sdl), resolvers: { Query } as never });
  const missing = REGIONS.flatMap((r) => [`${r.prefix}Region`, `${r.prefix}Application`]).filter(
    (type) => !schema.getType(type),
  );
  if (missing.length > 0) {
    throw new Error(
      `the national subgraph's SDL has no type ${missing.join(', ')} of the registry: run \`npm run compose\` ` +
        '(or give the gateway nationalSdl with a supergraph composed in memory)',
    );
  }
  const table: AccessTable = {
    ...Object.fromEntries(entryPoints(schema).map((entry) => [entry, 'NOBODY'])),
    ...ROUTING_ACCESS,
  };
  return enforceAccessTable(schema, table, { subgraph: NATIONAL.name });
}

function readNationalSdl(): string {
  try {
    return readFileSync(NATIONAL_SDL_PATH, 'utf8');
  } catch {
    throw new Error(`cannot read the national subgraph's SDL at ${NATIONAL_SDL_PATH}; run \`npm run compose\``);
  }
}

interface Decision {
  /** Parsed and validated against the national SDL; undefined: send it over HTTP. */
  document?: DocumentNode;
  public: boolean;
}

/**
 * The national subgraph's data source: routing-only query fetches are executed in-process
 * (see above), everything else is handed to `remote` (the HTTP SubgraphDataSource).
 */
export class LocalRegistryDataSource implements GraphQLDataSource<GatewayContext> {
  /** Fetch texts come from the query planner (arguments are variables): few distinct ones; bounded anyway. */
  private readonly decisions = new Map<string, Decision>();
  /** Fetches answered here / sent on (tests, metrics). */
  readonly counts = { local: 0, remote: 0 };

  private schema?: GraphQLSchema;

  /**
   * `schema` may still be building (the gateway builds it after it starts serving: at hundreds of
   * regions it takes a noticeable share of start-up): until it is there, every fetch goes over HTTP.
   */
  constructor(
    private readonly remote: GraphQLDataSource<GatewayContext>,
    schema: GraphQLSchema | Promise<GraphQLSchema> = buildRegistrySchema(),
    private readonly maxAge = publicCacheMaxAge(),
  ) {
    if (schema instanceof Promise) {
      schema.then(
        (built) => (this.schema = built),
        () => {}, // whoever built it reports why; fetches stay on HTTP
      );
    } else this.schema = schema;
  }

  async process(options: GraphQLDataSourceProcessOptions<GatewayContext>): Promise<SubgraphResponse> {
    const query = options.request.query;
    const schema = this.schema;
    const decision = query && schema ? this.decide(query, schema) : undefined;
    if (!decision?.document) {
      this.counts.remote++;
      return this.remote.process(options);
    }
    this.counts.local++;
    const context = options.context as Partial<GatewayContext>;
    const result = (await execute({
      schema: schema!,
      document: decision.document,
      variableValues: options.request.variables,
      operationName: options.request.operationName,
      // Nothing but the caller: the routing fields read no person, no database.
      contextValue: { identity: context.identity ?? ANONYMOUS, requestId: context.requestId ?? '' },
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

  /** Routing-only: one query operation whose root fields are all LOCAL_REGISTRY_FIELDS (or __typename). */
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
}
