import {
  defaultFieldResolver,
  GraphQLError,
  type GraphQLFieldResolver,
  type GraphQLSchema,
  isInterfaceType,
  isObjectType,
  isUnionType,
  Kind,
} from 'graphql';

import { type Access, deniedError } from './access';
import type { Identity } from './identity';

// The one place that says who may call each entry point of a subgraph: every root Query and
// Mutation field and `_entities` for every entity type. Each subgraph declares a table
// (entry point → rule); enforceAccessTable refuses to build a schema with an entry point that
// has no rule (or a rule for one that no longer exists) and gates every call with the table's
// rule before any resolver runs. A rule's object-level part (whose person, which region) needs
// the data, so the resolver applies it with the same helpers (./access.ts).

const ACCESS_RULES = {
  PUBLIC: 'Anyone, anonymous included: public policy.',
  SIGNED_IN: "Any signed-in caller; answers only the caller's own data or the key the caller sent.",
  PERSON:
    'The person themself, a reviewer or counter clerk of the region the data belongs to, or a national operator; the resolver checks the data.',
  PERSON_REFERENCE:
    "A person reached from another subgraph's answer (an application's applicant): the person themself, any reviewer or counter clerk, a national operator.",
  STAFF: 'A reviewer, a counter clerk or a national operator; regional staff find only people insured in their region.',
  REGION_STAFF: "A reviewer of this subgraph's region or a national operator.",
  REGION_AUDIT:
    "A reviewer of this subgraph's region or a national operator: its audit log (no counter clerk, applicant or other region's staff).",
  APPLICANT: 'An applicant, acting for themself.',
  REGION_REVIEWER: "A reviewer of this subgraph's region.",
  REGION_CLERK: "A counter clerk (线下窗口) of this subgraph's region, acting for an applicant.",
  NOBODY: 'Not answered here (a key-only reference the gateway resolves elsewhere): refused to everyone.',
} as const;

export type AccessRule = keyof typeof ACCESS_RULES;

/** Entry point → rule. Keys: `Query.person`, `Mutation.submitYunfuApplication`, `_entities:Person`. */
export type AccessTable = Readonly<Record<string, AccessRule>>;

/** Where the subgraph stands: a regional subgraph's own region; none for the national one. */
export interface AccessScope {
  subgraph: string;
  regionCode?: string;
  regionName?: string;
}

/** Every entry point of a subgraph schema: root fields, then `_entities:<type>` per entity type. */
export function entryPoints(schema: GraphQLSchema): string[] {
  const points: string[] = [];
  for (const root of [schema.getQueryType(), schema.getMutationType(), schema.getSubscriptionType()]) {
    for (const name of Object.keys(root?.getFields() ?? {}))
      if (name !== '_entities') points.push(`${root!.name}.${name}`);
  }
  const union = schema.getType('_Entity');
  const entities = new Set(isUnionType(union) ? union.getTypes().map((t) => t.name) : []);
  // Entity interfaces (@key on an interface, Federation 2.3) answer `_entities` too.
  for (const type of Object.values(schema.getTypeMap())) {
    if (isInterfaceType(type) && type.astNode?.directives?.some((d) => d.name.value === 'key')) entities.add(type.name);
  }
  for (const name of [...entities].sort()) points.push(`_entities:${name}`);
  return points;
}

/** Throws unless every entry point has exactly one rule and every rule names an entry point. */
export function checkAccessTable(schema: GraphQLSchema, table: AccessTable, subgraph: string): void {
  const points = entryPoints(schema);
  const missing = points.filter((p) => !(p in table));
  const stale = Object.keys(table).filter((k) => !points.includes(k));
  const unknown = Object.entries(table).filter(([, rule]) => !(rule in ACCESS_RULES));
  if (missing.length || stale.length || unknown.length) {
    throw new Error(
      `${subgraph}: the access table does not match the schema.` +
        (missing.length ? ` Entry points without a rule: ${missing.join(', ')}.` : '') +
        (stale.length ? ` Rules for entry points that do not exist: ${stale.join(', ')}.` : '') +
        (unknown.length ? ` Unknown rules: ${unknown.map(([k, r]) => `${k} → ${r}`).join(', ')}.` : ''),
    );
  }
}

/** The part of a rule that depends only on who is calling (and this subgraph's region). */
export function gate(rule: AccessRule, identity: Identity, regionCode?: string): Access {
  if (rule === 'PUBLIC') return 'ALLOW';
  if (rule === 'NOBODY') return 'FORBIDDEN';
  if (identity.role === 'ANONYMOUS') return 'UNAUTHENTICATED';
  const reviewerHere = identity.role === 'REVIEWER' && identity.regionCode === regionCode;
  const clerkHere = identity.role === 'COUNTER_CLERK' && identity.regionCode === regionCode;
  const regionalStaff = identity.role === 'REVIEWER' || identity.role === 'COUNTER_CLERK';
  switch (rule) {
    case 'SIGNED_IN':
      return 'ALLOW';
    case 'PERSON':
      // In a regional subgraph every person's data belongs to its region: other reviewers never qualify.
      return regionalStaff && regionCode !== undefined && !reviewerHere && !clerkHere ? 'FORBIDDEN' : 'ALLOW';
    case 'PERSON_REFERENCE': // the resolver keeps applicants to themselves
      return 'ALLOW';
    case 'STAFF':
      return regionalStaff || identity.role === 'NATIONAL_OPERATOR' ? 'ALLOW' : 'FORBIDDEN';
    case 'REGION_STAFF':
    case 'REGION_AUDIT':
      return reviewerHere || identity.role === 'NATIONAL_OPERATOR' ? 'ALLOW' : 'FORBIDDEN';
    case 'APPLICANT':
      return identity.role === 'APPLICANT' ? 'ALLOW' : 'FORBIDDEN';
    case 'REGION_REVIEWER':
      return reviewerHere ? 'ALLOW' : 'FORBIDDEN';
    case 'REGION_CLERK':
      return clerkHere ? 'ALLOW' : 'FORBIDDEN';
  }
}

function refusal(rule: AccessRule, access: Exclude<Access, 'ALLOW'>, scope: AccessScope): GraphQLError {
  const region = scope.regionName ?? '本地区';
  if (rule === 'APPLICANT') {
    return access === 'UNAUTHENTICATED'
      ? new GraphQLError('请先登录后再办理此业务', { extensions: { code: 'UNAUTHENTICATED' } })
      : new GraphQLError('只有申请人本人可以办理此业务', { extensions: { code: 'FORBIDDEN' } });
  }
  if (rule === 'REGION_REVIEWER' && access === 'FORBIDDEN') {
    return new GraphQLError(`只有${region}的审核人员可以审核本地申请`, { extensions: { code: 'FORBIDDEN' } });
  }
  if (rule === 'REGION_CLERK' && access === 'FORBIDDEN') {
    return new GraphQLError(`只有${region}线下窗口的经办人员可以代为办理`, { extensions: { code: 'FORBIDDEN' } });
  }
  if (rule === 'REGION_STAFF' && access === 'FORBIDDEN') {
    return new GraphQLError(`只有${region}的审核人员和全国运营人员可以查看审核队列`, {
      extensions: { code: 'FORBIDDEN' },
    });
  }
  if (rule === 'REGION_AUDIT' && access === 'FORBIDDEN') {
    return new GraphQLError(`只有${region}的审核人员和全国运营人员可以查看审计日志`, {
      extensions: { code: 'FORBIDDEN' },
    });
  }
  return deniedError(access);
}

interface WithIdentity {
  identity: Identity;
}

/** Longest key value a representation may carry (acceptance numbers, ids, message-centre windows are far shorter). */
const MAX_KEY_VALUE_LENGTH = 256;

/** Type name → its keys, each the list of its (top-level) field names, from the schema's @key directives. */
function keysOf(schema: GraphQLSchema): Map<string, string[][]> {
  const keys = new Map<string, string[][]>();
  for (const type of Object.values(schema.getTypeMap())) {
    if (!isObjectType(type) && !isInterfaceType(type)) continue;
    for (const node of [type.astNode, ...type.extensionASTNodes]) {
      for (const d of node?.directives ?? []) {
        const fields = d.arguments?.find((a) => a.name.value === 'fields')?.value;
        if (d.name.value !== 'key' || fields?.kind !== Kind.STRING) continue;
        // Nested selections (`a { b }`) name only their top-level field here: its value must be present.
        const names = fields.value
          .replace(/\{[^{}]*\}/g, ' ')
          .split(/\s+/)
          .filter(Boolean);
        keys.set(type.name, [...(keys.get(type.name) ?? []), names]);
      }
    }
  }
  return keys;
}

/**
 * Why a representation cannot be looked up, or nothing: not an object, or no key of its type with
 * every field a string of at most MAX_KEY_VALUE_LENGTH characters. The gateway sends only such
 * representations; anything else comes from someone calling the subgraph directly, and is that
 * representation's BAD_USER_INPUT, never a resolver's crash.
 */
function malformedRepresentation(representation: unknown, keys: Map<string, string[][]>): GraphQLError | undefined {
  const bad = (why: string) =>
    new GraphQLError(`实体引用格式无效：${why}`, {
      extensions: { code: 'BAD_USER_INPUT', reason: 'BAD_REPRESENTATION' },
    });
  const fields = representation as Record<string, unknown>;
  const alternatives = keys.get(String(fields.__typename)) ?? [];
  const usable = alternatives.some((key) =>
    key.every((f) => typeof fields[f] === 'string' && (fields[f] as string).length <= MAX_KEY_VALUE_LENGTH),
  );
  if (!usable)
    return bad(
      `须包含${alternatives.map((k) => k.join('、')).join('或')}（字符串，最多${MAX_KEY_VALUE_LENGTH}个字符）`,
    );
  return undefined;
}

/** The representation's type name when it is an object with a string `__typename`. */
const typenameOf = (representation: unknown): string | undefined =>
  typeof representation === 'object' &&
  representation !== null &&
  !Array.isArray(representation) &&
  typeof (representation as { __typename?: unknown }).__typename === 'string'
    ? (representation as { __typename: string }).__typename
    : undefined;

/**
 * Checks `table` against the schema (throws at build time when they disagree) and puts the
 * rule's gate in front of every root field and every `_entities` representation. A
 * representation of a type that is not an entity here is refused like a forbidden one.
 */
export function enforceAccessTable(
  schema: GraphQLSchema,
  table: AccessTable,
  scopes: AccessScope | ((entry: string) => AccessScope),
): GraphQLSchema {
  // A provincial subgraph serves several regions: each entry point stands in its own region's scope.
  const scopeOf = typeof scopes === 'function' ? scopes : () => scopes;
  checkAccessTable(schema, table, scopeOf('Query._service').subgraph);
  for (const root of [schema.getQueryType(), schema.getMutationType(), schema.getSubscriptionType()]) {
    for (const field of Object.values(root?.getFields() ?? {})) {
      if (field.name === '_entities') continue;
      const rule = table[`${root!.name}.${field.name}`]!; // checkAccessTable: every root field has one
      if (rule === 'PUBLIC') continue;
      const scope = scopeOf(`${root!.name}.${field.name}`);
      const resolve: GraphQLFieldResolver<unknown, WithIdentity> = field.resolve ?? defaultFieldResolver;
      field.resolve = (source, args, ctx: WithIdentity, info) => {
        const access = gate(rule, ctx.identity, scope.regionCode);
        if (access !== 'ALLOW') throw refusal(rule, access, scope);
        return resolve(source, args, ctx, info);
      };
    }
  }
  const entities = schema.getQueryType()?.getFields()._entities;
  if (entities?.resolve) {
    const resolveEntities = entities.resolve as GraphQLFieldResolver<unknown, WithIdentity>;
    const keys = keysOf(schema);
    entities.resolve = (source, args: { representations: unknown[] }, ctx: WithIdentity, info) =>
      args.representations.map((representation) => {
        // Not an object with a string __typename: no entity type here, refused like a forbidden one.
        const typename = typenameOf(representation);
        const rule = typename === undefined ? undefined : table[`_entities:${typename}`];
        const scope = scopeOf(`_entities:${typename}`);
        const access = rule ? gate(rule, ctx.identity, scope.regionCode) : 'FORBIDDEN';
        // An Error as a list item is that item's error: the other representations still resolve.
        if (access !== 'ALLOW') return refusal(rule ?? 'PERSON', access, scope);
        const malformed = malformedRepresentation(representation, keys);
        if (malformed) return malformed;
        return (resolveEntities(source, { representations: [representation] }, ctx, info) as unknown[])[0];
      });
  }
  return schema;
}
