import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';

import { Supergraph } from '@apollo/federation-internals';
import { type Change, ChangeType, CriticalityLevel, diff, type TypeOfChangeType } from '@graphql-inspector/core';
import {
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
// reported here, and what the client contract (schema/contract.graphql) names is marked
// CONTRACT BREAKING. Both supergraphs are reduced to their API schemas (what clients see: no join__
// or link__ machinery, no @inaccessible elements) and compared with @graphql-inspector/core, whose
// changes carry a criticality and structured coordinates (no parsing of English messages).

/** The client-facing contract: the names national front ends rely on, kept in the repository. */
const CONTRACT_PATH = path.resolve(__dirname, '../../schema/contract.graphql');

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
  'appeal<P>Application',
  'review<P>Appeal',
  'send<P>Feedback',
  'reply<P>Feedback',
];

/** The contract's text; a missing contract is an error, never a looser check. */
export function loadContractSdl(file = CONTRACT_PATH): string {
  if (!existsSync(file)) {
    throw new Error(`the client contract ${path.relative(process.cwd(), file)} is missing; restore it from git`);
  }
  return readFileSync(file, 'utf8');
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
 * Restates one breaking change in plain English from its structured data (type and meta) and
 * gives its schema coordinate; a kind not listed here keeps graphql-inspector's own message and is
 * located by its path.
 */
function classify(change: Change, oldSchema: GraphQLSchema): Classified {
  // Every change kind has its own meta shape; read the names each kind documents.
  const m = (change.meta ?? {}) as unknown as Record<string, string>;
  const field = (type: string, name: string) =>
    `${isInputObjectType(oldSchema.getType(type)) ? 'Input field' : 'Field'} ${code(`${type}.${name}`)}`;
  switch (change.type) {
    case ChangeType.TypeRemoved:
      return {
        target: { type: m.removedTypeName! },
        message: `${kindName(oldSchema.getType(m.removedTypeName!))} ${code(m.removedTypeName!)} was removed.`,
      };
    case ChangeType.TypeKindChanged:
      return {
        target: { type: m.typeName! },
        message: `Type ${code(m.typeName!)} changed from ${m.oldTypeKind} to ${m.newTypeKind}.`,
      };
    case ChangeType.UnionMemberRemoved:
      return {
        target: { type: m.unionName!, related: m.removedUnionMemberTypeName! },
        message: `Type ${code(m.removedUnionMemberTypeName!)} was removed from union ${code(m.unionName!)}.`,
      };
    case ChangeType.EnumValueRemoved:
      return {
        target: { type: m.enumName!, enumValue: m.removedEnumValueName! },
        message: `Enum value ${code(`${m.enumName}.${m.removedEnumValueName}`)} was removed.`,
      };
    case ChangeType.InputFieldAdded:
      return {
        target: { type: m.inputName!, field: m.addedInputFieldName! },
        message: `Required input field ${code(`${m.inputName}.${m.addedInputFieldName}`)} was added: existing inputs do not set it.`,
      };
    case ChangeType.InputFieldRemoved:
      return {
        target: { type: m.inputName!, field: m.removedFieldName! },
        message: `${field(m.inputName!, m.removedFieldName!)} was removed.`,
      };
    case ChangeType.InputFieldTypeChanged:
      return {
        target: { type: m.inputName!, field: m.inputFieldName! },
        message: `${field(m.inputName!, m.inputFieldName!)} changed type from ${code(m.oldInputFieldType!)} to ${code(m.newInputFieldType!)}.`,
      };
    case ChangeType.ObjectTypeInterfaceRemoved:
      return {
        target: { type: m.objectTypeName!, related: m.removedInterfaceName! },
        message: `Type ${code(m.objectTypeName!)} no longer implements interface ${code(m.removedInterfaceName!)}.`,
      };
    case ChangeType.FieldRemoved:
      return {
        target: { type: m.typeName!, field: m.removedFieldName! },
        message: `${field(m.typeName!, m.removedFieldName!)} was removed.`,
      };
    case ChangeType.FieldTypeChanged:
      return {
        target: { type: m.typeName!, field: m.fieldName! },
        message: `${field(m.typeName!, m.fieldName!)} changed type from ${code(m.oldFieldType!)} to ${code(m.newFieldType!)}.`,
      };
    case ChangeType.FieldArgumentRemoved:
      return {
        target: { type: m.typeName!, field: m.fieldName!, arg: m.removedFieldArgumentName! },
        message: `Argument ${code(`${m.typeName}.${m.fieldName}(${m.removedFieldArgumentName}:)`)} was removed.`,
      };
    case ChangeType.FieldArgumentTypeChanged:
      return {
        target: { type: m.typeName!, field: m.fieldName!, arg: m.argumentName! },
        message: `Argument ${code(`${m.typeName}.${m.fieldName}(${m.argumentName}:)`)} changed type from ${code(m.oldArgumentType!)} to ${code(m.newArgumentType!)}.`,
      };
    case ChangeType.FieldArgumentAdded:
      return {
        target: { type: m.typeName!, field: m.fieldName!, arg: m.addedArgumentName! },
        message: `Required argument ${code(`${m.typeName}.${m.fieldName}(${m.addedArgumentName}:)`)} was added: existing operations do not pass it.`,
      };
    default: {
      // Directive changes and kinds not restated above: graphql-inspector's message, located by path.
      if (change.type.startsWith('DIRECTIVE')) return { target: null, message: `Directive change: ${change.message}` };
      const [type, fieldName] = (change.path ?? '').split('.');
      return { target: type ? { type, field: fieldName } : null, message: change.message };
    }
  }
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
  reason(change: string | null, target: Target): string | null {
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
        arg === undefined || found.args === null || found.args.has(arg) || change === ChangeType.FieldArgumentAdded;
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
  /** graphql-inspector's kind of change, e.g. FIELD_REMOVED. */
  type: TypeOfChangeType;
  /** Plain-English description. */
  message: string;
  /** Touches a name national front ends rely on (schema/contract.graphql). */
  contract: boolean;
  /** Why it is contract breaking, when it is. */
  reason?: string;
}

/**
 * Every change from the old to the new supergraph that can break an existing client operation
 * (graphql-inspector's BREAKING criticality: removed or retyped types, fields, arguments, enum
 * values; new required arguments and input fields; …), as structured records, contract-breaking
 * ones first.
 */
export async function diffSupergraphs(
  oldSupergraphSdl: string,
  newSupergraphSdl: string,
  contractSdl: string,
  prefixes: Iterable<string> = REGIONS.map((r) => r.prefix),
): Promise<SchemaChange[]> {
  const oldSchema = apiSchema(oldSupergraphSdl);
  const newSchema = apiSchema(newSupergraphSdl);
  const matcher = new ContractMatcher(readContract(contractSdl), oldSchema, prefixes);
  const breaking = (await diff(oldSchema, newSchema)).filter((c) => c.criticality.level === CriticalityLevel.Breaking);
  const changes = breaking.map((change): SchemaChange => {
    const { target, message } = classify(change, oldSchema);
    // An unlocated change is contract breaking when any name in it is a contract type.
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
export async function findBreakingChanges(
  oldSupergraphSdl: string,
  newSupergraphSdl: string,
  contractSdl: string,
): Promise<string[]> {
  return (await diffSupergraphs(oldSupergraphSdl, newSupergraphSdl, contractSdl)).map((c) =>
    c.contract ? `CONTRACT BREAKING: ${c.message.replace(/\.$/, '')} — ${c.reason}.` : `BREAKING: ${c.message}`,
  );
}

/**
 * Breaking changes of `newSupergraphSdl` against the committed supergraph file, with the client
 * contract; none when there is no committed supergraph yet.
 */
export async function breakingChangesAgainst(
  committedSupergraphFile: string,
  newSupergraphSdl: string,
  contractFile = CONTRACT_PATH,
): Promise<string[]> {
  const contract = loadContractSdl(contractFile);
  if (!existsSync(committedSupergraphFile)) return [];
  const committed = readFileSync(committedSupergraphFile, 'utf8');
  return findBreakingChanges(committed, newSupergraphSdl, contract);
}
