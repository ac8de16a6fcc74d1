import { Supergraph } from '@apollo/federation-internals';
import { type ConstValueNode, isAbstractType, isObjectType, Kind, parse } from 'graphql';

// What a front end's cache must know about the composed API schema, derived from the supergraph
// so it cannot drift: which concrete types implement each interface or union (Apollo Client's
// `possibleTypes`; without it fragments on interfaces silently lose their fields) and how each
// entity is identified (Apollo Client's `typePolicies` keyFields, from the federation keys) and
// that nothing else is.

/** Interface or union name → the names of its concrete types, all sorted. */
export type PossibleTypes = Record<string, string[]>;

/** Apollo Client's keyFields: a field name, or a nested selection after the field that holds it. */
export type KeyFields = (string | KeyFields)[];

/**
 * Object type name → its cache policy. An entity: keyed as its first @key says. Any other object
 * type: not normalized (`keyFields: false`), stored inside its parent: an `id` there is unique
 * only within the region that serves it (every scaffolded region has a channel
 * `medical-insurance-counter`), and two regions' objects must never become one.
 */
export type TypePolicies = Record<string, { keyFields: KeyFields | false }>;

export function possibleTypesOf(supergraphSdl: string): PossibleTypes {
  const api = Supergraph.build(supergraphSdl).apiSchema().toGraphQLJSSchema();
  const result: PossibleTypes = {};
  for (const type of Object.values(api.getTypeMap()).sort((a, b) => a.name.localeCompare(b.name))) {
    if (type.name.startsWith('__') || !isAbstractType(type)) continue;
    result[type.name] = api
      .getPossibleTypes(type)
      .map((t) => t.name)
      .sort();
  }
  return result;
}

/** "personId regionCode" → ["personId", "regionCode"]; "a { b c }" → ["a", ["b", "c"]]. */
function keyFieldsOf(fieldSet: string): KeyFields {
  const tokens = fieldSet.match(/[A-Za-z_][A-Za-z0-9_]*|[{}]/g) ?? [];
  let at = 0;
  const read = (): KeyFields => {
    const fields: KeyFields = [];
    while (at < tokens.length) {
      const token = tokens[at++]!;
      if (token === '}') return fields;
      if (token === '{') fields.push(read());
      else fields.push(token);
    }
    return fields;
  };
  return read();
}

export function typePoliciesOf(supergraphSdl: string): TypePolicies {
  const api = Supergraph.build(supergraphSdl).apiSchema().toGraphQLJSSchema();
  const roots = new Set([api.getQueryType(), api.getMutationType(), api.getSubscriptionType()].map((t) => t?.name));
  const keys = new Map<string, string[]>();
  for (const definition of parse(supergraphSdl).definitions) {
    if (definition.kind !== Kind.OBJECT_TYPE_DEFINITION) continue;
    const typeKeys = (definition.directives ?? [])
      .filter((d) => d.name.value === 'join__type')
      .map((d) => d.arguments?.find((a) => a.name.value === 'key')?.value)
      .filter((v): v is ConstValueNode & { kind: Kind.STRING } => v?.kind === Kind.STRING)
      .map((v) => v.value);
    keys.set(definition.name.value, typeKeys);
  }
  const result: TypePolicies = {};
  for (const type of Object.values(api.getTypeMap()).sort((a, b) => a.name.localeCompare(b.name))) {
    if (!isObjectType(type) || type.name.startsWith('__') || roots.has(type.name)) continue;
    // The first key a client can select: a key on a field hidden by @inaccessible (a routing key)
    // cannot identify an object in a client's cache.
    const fields = type.getFields();
    const key = (keys.get(type.name) ?? []).find((k) =>
      keyFieldsOf(k).every((f) => typeof f !== 'string' || fields[f] !== undefined),
    );
    result[type.name] = { keyFields: key ? keyFieldsOf(key) : false };
  }
  return result;
}

/** JSON as the generated files hold it: one entry a line, so a diff shows which type changed. */
export function clientSchemaJson(value: Record<string, unknown>): string {
  const lines = Object.entries(value).map(([k, v]) => `  ${JSON.stringify(k)}: ${JSON.stringify(v)}`);
  return `{\n${lines.join(',\n')}\n}\n`;
}
