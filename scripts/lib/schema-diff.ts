import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';

import { Supergraph } from '@apollo/federation-internals';
import {
  type BreakingChange,
  BreakingChangeType,
  findBreakingChanges as graphqlBreakingChanges,
  type GraphQLNamedType,
  type GraphQLSchema,
  isEnumType,
  isInputObjectType,
  isInterfaceType,
  isObjectType,
  isScalarType,
  isUnionType,
  Kind,
  parse,
} from 'graphql';

import { REGIONS } from '../../schema/registry';

// Breaking-change check for `npm run compose`: the committed supergraph is what national front ends
// were built against; a new composition may add anything, but whatever it removes or retypes is
// reported here, and what the shared contract (../shared/contract.graphql) names is marked
// CONTRACT BREAKING. Both supergraphs are reduced to their API schemas (what clients see: no join__
// or link__ machinery, no @inaccessible elements) and compared with graphql-js findBreakingChanges.

/** The client-facing contract, outside the repository: ../shared/contract.graphql from the repo root. */
export const CONTRACT_PATH = path.resolve(__dirname, '../../../shared/contract.graphql');

/** Contract interfaces that every region implements with its own prefixed type (`<P>Region`, …). */
const PREFIXED_TYPES: Record<string, string> = {
  Region: 'Region',
  Application: 'Application',
  Record: 'RegionalRecord',
};

/** The per-region mutations of the contract (it lists them in a comment, with `<P>` for the prefix). */
const CONTRACT_MUTATIONS = [
  'submit<P>Application',
  'supplement<P>Materials',
  'withdraw<P>Application',
  'review<P>Application',
  'file<P>RemoteCare',
];

/** The contract's text, or null when the file is missing (then every change counts as contract breaking). */
export function loadContractSdl(file = CONTRACT_PATH): string | null {
  return existsSync(file) ? readFileSync(file, 'utf8') : null;
}

interface Contract {
  /** Every named type the contract defines (objects, interfaces, inputs, enums, scalars, unions). */
  types: Set<string>;
  /** Type → field → argument names, for object, interface and input types. */
  fields: Map<string, Map<string, Set<string>>>;
  /** Enum → values. */
  enumValues: Map<string, Set<string>>;
  /** Mutation names with `<P>` for a region's prefix. */
  mutations: string[];
}

function readContract(contractSdl: string): Contract {
  const contract: Contract = { types: new Set(), fields: new Map(), enumValues: new Map(), mutations: [] };
  for (const def of parse(contractSdl).definitions) {
    if (!('name' in def) || !def.name) continue;
    const name = def.name.value;
    contract.types.add(name);
    if (
      def.kind === Kind.OBJECT_TYPE_DEFINITION ||
      def.kind === Kind.INTERFACE_TYPE_DEFINITION ||
      def.kind === Kind.INPUT_OBJECT_TYPE_DEFINITION
    ) {
      const fields = contract.fields.get(name) ?? new Map<string, Set<string>>();
      for (const field of def.fields ?? []) {
        const args = 'arguments' in field ? (field.arguments ?? []) : [];
        fields.set(field.name.value, new Set(args.map((a) => a.name.value)));
      }
      contract.fields.set(name, fields);
    } else if (def.kind === Kind.ENUM_TYPE_DEFINITION) {
      contract.enumValues.set(name, new Set((def.values ?? []).map((v) => v.name.value)));
    }
  }
  // The mutations are a comment in the contract (one set per region); take the listed ones and any
  // further `<P>` names the comment adds.
  const listed = [...contractSdl.matchAll(/\b([a-z]\w*<P>\w*)\s*\(/g)].map((m) => m[1]!);
  contract.mutations = [...new Set([...CONTRACT_MUTATIONS, ...listed])];
  return contract;
}

/** A supergraph's API schema: what clients can query. */
function apiSchema(supergraphSdl: string): GraphQLSchema {
  return Supergraph.build(supergraphSdl).apiSchema().toGraphQLJSSchema();
}

/** The element a change is about, by schema coordinate. */
interface Target {
  type: string;
  field?: string;
  arg?: string;
  enumValue?: string;
  /** An interface the type no longer implements, or a member removed from a union. */
  related?: string;
}

interface Classified {
  target: Target | null;
  message: string;
}

const code = (s: string) => `\`${s}\``;

function kindName(type: GraphQLNamedType | undefined): string {
  if (!type) return 'Type';
  if (isObjectType(type)) return 'Object type';
  if (isInterfaceType(type)) return 'Interface';
  if (isUnionType(type)) return 'Union';
  if (isEnumType(type)) return 'Enum';
  if (isInputObjectType(type)) return 'Input type';
  if (isScalarType(type)) return 'Scalar';
  return 'Type';
}

/**
 * Restates one graphql-js breaking change in plain English and finds its schema coordinate. The
 * patterns follow graphql-js 16's descriptions (findBreakingChanges.js); an unknown shape keeps
 * the original text and is classified by the names in it.
 */
function classify(change: BreakingChange, oldSchema: GraphQLSchema): Classified {
  const d = change.description;
  let m: RegExpMatchArray | null;
  switch (change.type) {
    case BreakingChangeType.TYPE_REMOVED:
      if ((m = d.match(/^Standard scalar (\w+) was removed/))) {
        // graphql-js drops a built-in scalar nothing refers to any more; operations declaring a
        // variable of that type stop validating.
        return { target: { type: m[1]! }, message: `Built-in scalar ${code(m[1]!)} is no longer in the schema.` };
      }
      if ((m = d.match(/^(\w+) was removed\.$/))) {
        const type = m[1]!;
        return { target: { type }, message: `${kindName(oldSchema.getType(type))} ${code(type)} was removed.` };
      }
      break;
    case BreakingChangeType.TYPE_CHANGED_KIND:
      if ((m = d.match(/^(\w+) changed from (.+) to (.+)\.$/))) {
        return { target: { type: m[1]! }, message: `Type ${code(m[1]!)} changed from ${m[2]} to ${m[3]}.` };
      }
      break;
    case BreakingChangeType.TYPE_REMOVED_FROM_UNION:
      if ((m = d.match(/^(\w+) was removed from union type (\w+)\.$/))) {
        return {
          target: { type: m[2]!, related: m[1]! },
          message: `Type ${code(m[1]!)} was removed from union ${code(m[2]!)}.`,
        };
      }
      break;
    case BreakingChangeType.VALUE_REMOVED_FROM_ENUM:
      if ((m = d.match(/^(\w+) was removed from enum type (\w+)\.$/))) {
        return {
          target: { type: m[2]!, enumValue: m[1]! },
          message: `Enum value ${code(`${m[2]}.${m[1]}`)} was removed.`,
        };
      }
      break;
    case BreakingChangeType.REQUIRED_INPUT_FIELD_ADDED:
      if ((m = d.match(/^A required field (\w+) on input type (\w+) was added\.$/))) {
        return {
          target: { type: m[2]!, field: m[1]! },
          message: `Required input field ${code(`${m[2]}.${m[1]}`)} was added: existing inputs do not set it.`,
        };
      }
      break;
    case BreakingChangeType.IMPLEMENTED_INTERFACE_REMOVED:
      if ((m = d.match(/^(\w+) no longer implements interface (\w+)\.$/))) {
        return {
          target: { type: m[1]!, related: m[2]! },
          message: `Type ${code(m[1]!)} no longer implements interface ${code(m[2]!)}.`,
        };
      }
      break;
    case BreakingChangeType.FIELD_REMOVED:
      if ((m = d.match(/^(\w+)\.(\w+) was removed\.$/))) {
        const what = isInputObjectType(oldSchema.getType(m[1]!)) ? 'Input field' : 'Field';
        return { target: { type: m[1]!, field: m[2]! }, message: `${what} ${code(`${m[1]}.${m[2]}`)} was removed.` };
      }
      break;
    case BreakingChangeType.FIELD_CHANGED_KIND:
      if ((m = d.match(/^(\w+)\.(\w+) changed type from (\S+) to (\S+)\.$/))) {
        const what = isInputObjectType(oldSchema.getType(m[1]!)) ? 'Input field' : 'Field';
        return {
          target: { type: m[1]!, field: m[2]! },
          message: `${what} ${code(`${m[1]}.${m[2]}`)} changed type from ${code(m[3]!)} to ${code(m[4]!)}.`,
        };
      }
      break;
    case BreakingChangeType.ARG_REMOVED:
      if ((m = d.match(/^(\w+)\.(\w+) arg (\w+) was removed\.$/))) {
        return {
          target: { type: m[1]!, field: m[2]!, arg: m[3]! },
          message: `Argument ${code(`${m[1]}.${m[2]}(${m[3]}:)`)} was removed.`,
        };
      }
      break;
    case BreakingChangeType.ARG_CHANGED_KIND:
      if ((m = d.match(/^(\w+)\.(\w+) arg (\w+) has changed type from (\S+) to (\S+)\.$/))) {
        return {
          target: { type: m[1]!, field: m[2]!, arg: m[3]! },
          message: `Argument ${code(`${m[1]}.${m[2]}(${m[3]}:)`)} changed type from ${code(m[4]!)} to ${code(m[5]!)}.`,
        };
      }
      break;
    case BreakingChangeType.REQUIRED_ARG_ADDED:
      if ((m = d.match(/^A required arg (\w+) on (\w+)\.(\w+) was added\.$/))) {
        return {
          target: { type: m[2]!, field: m[3]!, arg: m[1]! },
          message: `Required argument ${code(`${m[2]}.${m[3]}(${m[1]}:)`)} was added: existing operations do not pass it.`,
        };
      }
      break;
    default:
      // Directive changes (removed directive, argument or location): not part of the contract.
      return { target: null, message: `Directive change: ${d}` };
  }
  return { target: null, message: d };
}

/** Decides whether a change touches a name in the contract. */
class ContractMatcher {
  private readonly prefixes: Set<string>;

  constructor(
    private readonly contract: Contract,
    private readonly oldSchema: GraphQLSchema,
    prefixes: Iterable<string>,
  ) {
    this.prefixes = new Set(prefixes);
    // A region that left the registry still has its prefixed types in the old schema.
    for (const type of Object.values(oldSchema.getTypeMap())) {
      const m = type.name.match(/^(\w+)Region$/);
      if (m && isObjectType(type) && type.getInterfaces().some((i) => i.name === 'Region')) this.prefixes.add(m[1]!);
    }
  }

  /** The contract interface a prefixed type (`PanzhihuaRegion`, `YunfuRecord`) stands for, if any. */
  private prefixedInterface(type: string): string | undefined {
    for (const p of this.prefixes) {
      for (const [suffix, iface] of Object.entries(PREFIXED_TYPES)) {
        if (type === `${p}${suffix}`) return iface;
      }
    }
    return undefined;
  }

  /**
   * A contract field: its contract arguments (null: every argument counts) and why it is in the
   * contract; undefined when the field is not a contract field.
   */
  private contractField(type: string, field: string): { args: Set<string> | null; why: string } | undefined {
    if (type === 'Mutation') {
      const template = this.contract.mutations.find((t) =>
        [...this.prefixes].some((p) => t.replace('<P>', p) === field),
      );
      if (template) return { args: null, why: `Mutation.${field} is the contract mutation ${template}` };
    }
    const own = this.contract.fields.get(type)?.get(field);
    if (own) return { args: own, why: `${type}.${field} is in the contract` };
    // `<P>Region|Application|Record` and any type implementing a contract interface: the
    // interface's fields are contract fields.
    const interfaces = new Set<string>();
    const prefixed = this.prefixedInterface(type);
    if (prefixed) interfaces.add(prefixed);
    const old = this.oldSchema.getType(type);
    if (isObjectType(old) || isInterfaceType(old)) for (const i of old.getInterfaces()) interfaces.add(i.name);
    for (const i of interfaces) {
      const args = this.contract.fields.get(i)?.get(field);
      if (args) return { args, why: `${type} implements the contract interface ${i}, which has ${field}` };
    }
    return undefined;
  }

  /** Why the change is contract breaking, or null when it is not. */
  reason(change: BreakingChangeType | null, target: Target): string | null {
    const { type, field, arg, enumValue, related } = target;
    if (enumValue !== undefined) {
      return this.contract.enumValues.get(type)?.has(enumValue) ? `${type}.${enumValue} is in the contract` : null;
    }
    if (field !== undefined) {
      const found = this.contractField(type, field);
      if (!found) return null;
      // Removing or retyping an argument the contract does not list is not a contract break; a new
      // required argument on a contract field breaks every existing caller of that field.
      const contractArg =
        arg === undefined ||
        found.args === null ||
        found.args.has(arg) ||
        change === BreakingChangeType.REQUIRED_ARG_ADDED;
      return contractArg ? found.why : null;
    }
    if (related !== undefined && this.contract.types.has(related)) return `${related} is in the contract`;
    if (this.contract.types.has(type)) return `${type} is in the contract`;
    const prefixed = this.prefixedInterface(type);
    if (prefixed) return `${type} is a region's ${prefixed} type, a contract name`;
    const old = this.oldSchema.getType(type);
    const iface = isObjectType(old) ? old.getInterfaces().find((i) => this.contract.types.has(i.name)) : undefined;
    return iface ? `${type} implements the contract interface ${iface.name}` : null;
  }
}

export interface SchemaChange {
  /** graphql-js's kind of change, e.g. FIELD_REMOVED. */
  type: BreakingChangeType;
  /** Plain-English description. */
  message: string;
  /** Touches a name national front ends rely on (../shared/contract.graphql). */
  contract: boolean;
  /** Why it is contract breaking, when it is. */
  reason?: string;
}

/**
 * Every change from the old to the new supergraph that can break an existing client operation
 * (removed or retyped types, fields, arguments, enum values; new required arguments and input
 * fields; …), as structured records, contract-breaking ones first.
 * `contractSdl` null (the contract file is missing): every change counts as contract breaking.
 */
export function diffSupergraphs(
  oldSupergraphSdl: string,
  newSupergraphSdl: string,
  contractSdl: string | null,
  prefixes: Iterable<string> = REGIONS.map((r) => r.prefix),
): SchemaChange[] {
  const oldSchema = apiSchema(oldSupergraphSdl);
  const newSchema = apiSchema(newSupergraphSdl);
  const matcher = contractSdl === null ? null : new ContractMatcher(readContract(contractSdl), oldSchema, prefixes);
  const changes = graphqlBreakingChanges(oldSchema, newSchema).map((change): SchemaChange => {
    const { target, message } = classify(change, oldSchema);
    if (!matcher) return { type: change.type, message, contract: true, reason: 'the contract file is missing' };
    // An unrecognised change is contract breaking when any name in it is a contract type.
    const reason = target
      ? matcher.reason(change.type, target)
      : ((message.match(/\w+/g) ?? []).map((w) => matcher.reason(null, { type: w })).find((r) => r !== null) ?? null);
    return reason
      ? { type: change.type, message, contract: true, reason }
      : { type: change.type, message, contract: false };
  });
  return [...changes.filter((c) => c.contract), ...changes.filter((c) => !c.contract)];
}

/**
 * The breaking changes between two supergraphs, one line each in plain English, contract-breaking
 * ones first and marked `CONTRACT BREAKING`. An empty list means existing clients keep working.
 */
export function findBreakingChanges(
  oldSupergraphSdl: string,
  newSupergraphSdl: string,
  contractSdl: string | null,
): string[] {
  return diffSupergraphs(oldSupergraphSdl, newSupergraphSdl, contractSdl).map((c) =>
    c.contract ? `CONTRACT BREAKING: ${c.message.replace(/\.$/, '')} — ${c.reason}.` : `BREAKING: ${c.message}`,
  );
}

/**
 * Breaking changes of `newSupergraphSdl` against the committed supergraph file, with the shared
 * contract; none when there is no committed supergraph yet.
 */
export function breakingChangesAgainst(committedSupergraphFile: string, newSupergraphSdl: string): string[] {
  if (!existsSync(committedSupergraphFile)) return [];
  const committed = readFileSync(committedSupergraphFile, 'utf8');
  return findBreakingChanges(committed, newSupergraphSdl, loadContractSdl());
}
