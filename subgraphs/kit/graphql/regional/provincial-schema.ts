import type { GraphQLFieldResolver, GraphQLSchema } from 'graphql';
import { isObjectType } from 'graphql';

import type { RegionDefinition } from '../../domain/region-definition';
import { type AccessScope, type AccessTable, enforceAccessTable } from '../../platform/auth/access-rules';
import type { Identity } from '../../platform/auth/identity';
import type { RegionalContext } from '../context';
import { buildFederatedSchema } from '../federation';
import { createMessageTypes } from '../messages';
import { provincialAccessTable, regionalAccessTable } from '../regional-access';
import { createQueueResolver } from './queue';
import { createRegionTypes } from './schema';

// A provincial subgraph: ONE schema holding the prefixed types of several regions (PanzhihuaRegion,
// YunfuRegion, …), served by one process. Every region keeps its own data source, workflow, loaders
// and auditor: the request's context holds one RegionalContext per region, made on first use, and
// every resolver of a region's types and root fields (and its entities' __resolveReference) is
// handed its own region's context. So one `_entities` fetch carrying representations of several
// regions resolves each against its own database, and the access rules gate each entry point in
// its own region's scope (a Panzhihua reviewer is a stranger to Yunfu's queue in the same process).

/** What the provincial process builds per request: who calls, and each region's context on demand. */
export interface ProvincialContext {
  identity: Identity;
  requestId: string;
  deadline: number;
  clock: () => Date;
  /** The region's own context (loaders, records, auditor, workflow), made once per request. */
  region(code: string): RegionalContext;
  /** Writes every region's pending audit rows (auditFlushPlugin). */
  audit: { flush(): Promise<void> };
}

/** The entry points of one region's table that are its own (not the shared `_service`, `_entities:Person`). */
const ownEntries = (table: AccessTable) =>
  Object.keys(table).filter((k) => k !== 'Query._service' && k !== '_entities:Person');

export interface ProvincialSchemaOptions {
  /** The subgraph's name (registry), e.g. `sichuan`. */
  name: string;
  regions: readonly RegionDefinition[];
}

export async function buildProvincialSchema({ name, regions }: ProvincialSchemaOptions): Promise<GraphQLSchema> {
  if (regions.length === 0) throw new Error(`${name}: a provincial subgraph hosts at least one region`);
  const built = regions.map((def) => {
    const types = createRegionTypes(def);
    // As buildRegionalSchema: the queue connection and the region's messages entity too.
    const messages = createMessageTypes(def, (code) => new types.ConcreteRegion(code));
    return { def, types, messages, queue: createQueueResolver(def, types), table: regionalAccessTable(def.prefix) };
  });
  const schema = await buildFederatedSchema(
    {
      resolvers: built.flatMap(({ types, queue, messages }) => [
        ...types.resolvers,
        queue,
        ...messages.resolvers,
      ]) as never,
      orphanedTypes: built.flatMap(({ types, messages }) => [
        types.ConcreteRegion,
        types.ConcreteApplication,
        types.ConcreteRecord,
        messages.ConcreteMessages,
      ]),
    },
    Object.assign(
      {},
      ...built.map(({ types, messages }) => ({ ...types.referenceResolvers, ...messages.referenceResolvers })),
    ),
  );

  const table = provincialAccessTable(regions.map((d) => d.prefix));
  const scopes = new Map<string, AccessScope>();
  for (const { def, table: own } of built) {
    const scope = { subgraph: name, regionCode: def.policy.code, regionName: def.policy.name };
    for (const entry of ownEntries(own)) scopes.set(entry, scope);
    routeToRegion(schema, def, own);
  }
  return enforceAccessTable(schema, table, (entry) => scopes.get(entry) ?? { subgraph: name });
}

/** Hands every resolver of `def`'s types and root fields its own region's context. */
function routeToRegion(schema: GraphQLSchema, def: RegionDefinition, own: AccessTable): void {
  const code = def.policy.code;
  const wrap =
    <S, A>(resolve: GraphQLFieldResolver<S, RegionalContext, A>): GraphQLFieldResolver<S, ProvincialContext, A> =>
    (source, args, ctx, info) =>
      resolve(source, args, ctx.region(code), info);
  const entityTypes = ownEntries(own)
    .filter((e) => e.startsWith('_entities:'))
    .map((e) => e.slice('_entities:'.length));
  const typeNames = new Set([`${def.prefix}Region`, `${def.prefix}Application`, `${def.prefix}Record`, ...entityTypes]);
  for (const typeName of typeNames) {
    const type = schema.getType(typeName);
    if (!isObjectType(type)) throw new Error(`${def.subgraph}: ${typeName} is not in the provincial schema`);
    for (const field of Object.values(type.getFields())) if (field.resolve) field.resolve = wrap(field.resolve);
    const subgraphExtensions = (type.extensions as { apollo?: { subgraph?: { resolveReference?: Function } } }).apollo
      ?.subgraph;
    const resolveReference = subgraphExtensions?.resolveReference;
    if (subgraphExtensions && resolveReference) {
      subgraphExtensions.resolveReference = (ref: unknown, ctx: ProvincialContext, info: unknown) =>
        resolveReference(ref, ctx.region(code), info);
    }
  }
  for (const entry of ownEntries(own)) {
    const [root, fieldName] = entry.split('.');
    if (!fieldName) continue; // `_entities:<type>`: routed by resolveReference above
    const rootType = root === 'Query' ? schema.getQueryType() : schema.getMutationType();
    const field = rootType?.getFields()[fieldName];
    if (!field?.resolve) throw new Error(`${def.subgraph}: ${entry} is not in the provincial schema`);
    field.resolve = wrap(field.resolve);
  }
}
