import { generateKeyPairSync } from 'node:crypto';
import { readFileSync } from 'node:fs';
import path from 'node:path';

import { Supergraph } from '@apollo/federation-internals';
import { buildSubgraphSchema } from '@apollo/subgraph';
import {
  buildASTSchema,
  type ConstDirectiveNode,
  type DocumentNode,
  getNamedType,
  type GraphQLInputType,
  type GraphQLOutputType,
  type GraphQLSchema,
  isEnumType,
  isInputObjectType,
  isInterfaceType,
  isLeafType,
  isListType,
  isNonNullType,
  isObjectType,
  Kind,
  parse,
  print,
} from 'graphql';
import { type KeyLike, SignJWT } from 'jose';

import { NATIONAL, REGIONS } from '../schema/registry';
import { DEMO_PEOPLE, DEMO_PERSONS, demoRecordsFor } from '../scripts/seed-data/people';
import { regionalAccessTable } from '../subgraphs/kit/graphql/regional-access';
import { AuditEntity } from '../subgraphs/kit/persistence/audit';
import type { AccessTable } from '../subgraphs/kit/platform/auth/access-rules';
import type { Identity } from '../subgraphs/kit/platform/auth/identity';
import {
  INTERNAL_TOKEN_HEADER,
  INTERNAL_TOKEN_TYPE,
  internalAudience,
  signInternalToken,
} from '../subgraphs/kit/platform/auth/internal-token';
import { developmentKeyPaths, loadPrivateKey } from '../subgraphs/kit/platform/auth/keys';
import { observeQueries } from '../subgraphs/kit/platform/db/data-source';
import { maskIdNumber, maskPhone } from '../subgraphs/kit/platform/pii';
import { NATIONAL_ACCESS } from '../subgraphs/national/access';
import { type Stack, startStack } from './harness';

// The access matrix, generated from the schema files: every root field (through the gateway and
// directly at its subgraph) and `_entities` for every entity type of every subgraph, tried by
// every kind of caller, against the expected outcome written below. An entry point that appears
// in schema/ without a line in EXPECTED fails this suite: adding a field means deciding who may
// call it. The rules are this file's own; the subgraphs' tables must agree with them.

// ---------------------------------------------------------------------------------------------
// What schema/ says: entity types and root fields per subgraph.

const SCHEMA_DIR = path.join(__dirname, '..', 'schema');
const SUBGRAPHS = [NATIONAL.name, ...REGIONS.map((r) => r.subgraph)];
const supergraphDoc = parse(readFileSync(path.join(SCHEMA_DIR, 'supergraph.graphql'), 'utf8'));
const supergraph = buildASTSchema(supergraphDoc, { assumeValidSDL: true });
/** What clients may select through the gateway (fields hidden by @inaccessible left out). */
const apiSchema = Supergraph.build(print(supergraphDoc)).apiSchema().toGraphQLJSSchema();
const subgraphDocs = Object.fromEntries(
  SUBGRAPHS.map((name) => [name, parse(readFileSync(path.join(SCHEMA_DIR, `${name}.graphql`), 'utf8'))]),
);
const subgraphSchemas: Record<string, GraphQLSchema> = Object.fromEntries(
  SUBGRAPHS.map((name) => [name, buildSubgraphSchema(subgraphDocs[name]!)]),
);

const stringArg = (d: ConstDirectiveNode, name: string) => {
  const arg = d.arguments?.find((a) => a.name.value === name);
  return arg && (arg.value.kind === Kind.STRING || arg.value.kind === Kind.ENUM) ? arg.value.value : undefined;
};

/** join__Graph enum value → subgraph name. */
const graphNames: Record<string, string> = {};
for (const def of supergraphDoc.definitions) {
  if (def.kind === Kind.ENUM_TYPE_DEFINITION && def.name.value === 'join__Graph') {
    for (const v of def.values ?? []) {
      const d = v.directives?.find((x) => x.name.value === 'join__graph');
      if (d) graphNames[v.name.value] = stringArg(d, 'name')!;
    }
  }
}

/** Entry points per subgraph from the supergraph: `Query.x`, `Mutation.x`, `_entities:Type`. */
function supergraphEntryPoints(): Record<string, string[]> {
  const points: Record<string, string[]> = Object.fromEntries(SUBGRAPHS.map((s) => [s, []]));
  for (const def of supergraphDoc.definitions) {
    if (def.kind !== Kind.OBJECT_TYPE_DEFINITION && def.kind !== Kind.INTERFACE_TYPE_DEFINITION) continue;
    const joins = def.directives?.filter((d) => d.name.value === 'join__type') ?? [];
    if (def.name.value === 'Query' || def.name.value === 'Mutation') {
      for (const field of def.fields ?? []) {
        const owners = field.directives?.filter((d) => d.name.value === 'join__field') ?? [];
        for (const d of owners.length ? owners : joins)
          points[graphNames[stringArg(d, 'graph')!]!]!.push(`${def.name.value}.${field.name.value}`);
      }
      continue;
    }
    for (const d of joins) {
      const list = points[graphNames[stringArg(d, 'graph')!]!]!;
      // A type with two keys in one subgraph (an application: `id`, and `ref` for routing) is one entry point.
      if (stringArg(d, 'key') !== undefined && !list.includes(`_entities:${def.name.value}`))
        list.push(`_entities:${def.name.value}`);
    }
  }
  return points;
}

/** Entry points of one subgraph from its own SDL (`@key` types, Query and Mutation fields). */
function subgraphEntryPoints(doc: DocumentNode): string[] {
  const points: string[] = [];
  for (const def of doc.definitions) {
    if (def.kind !== Kind.OBJECT_TYPE_DEFINITION && def.kind !== Kind.INTERFACE_TYPE_DEFINITION) continue;
    if (def.name.value === 'Query' || def.name.value === 'Mutation') {
      for (const field of def.fields ?? []) points.push(`${def.name.value}.${field.name.value}`);
    } else if (def.directives?.some((d) => d.name.value === 'key')) points.push(`_entities:${def.name.value}`);
  }
  // Every subgraph also serves `_service` (its SDL), which the SDL itself does not list.
  return [...points, 'Query._service'].sort();
}

const ENTRY_POINTS: Record<string, string[]> = Object.fromEntries(
  SUBGRAPHS.map((name) => [name, subgraphEntryPoints(subgraphDocs[name]!)]),
);

// ---------------------------------------------------------------------------------------------
// Whose data each request aims at, and who asks.

interface Subject {
  personId: string;
  regionCode: string;
  applicationId: string;
  idNumber: string;
}

const SUBJECT_PERSON: Record<string, string> = {
  '510400': DEMO_PERSONS.panzhihuaWithHistoryInBoth,
  '445300': DEMO_PERSONS.yunfuWithOpenApplication,
};

function subjectIn(regionCode: string): Subject {
  const personId = SUBJECT_PERSON[regionCode];
  if (!personId) throw new Error(`no demo subject for region ${regionCode}: add one to SUBJECT_PERSON`);
  const person = DEMO_PEOPLE.find((p) => p.id === personId)!;
  const application = demoRecordsFor(regionCode).applications.find((a) => a.personId === personId)!;
  return { personId, regionCode, applicationId: application.id, idNumber: person.idNumber };
}

const SIGNED_CALLERS = [
  'self',
  'otherApplicant',
  'regionReviewer',
  'otherRegionReviewer',
  'regionClerk',
  'otherRegionClerk',
  'operator',
] as const;
const CALLERS = ['anonymous', ...SIGNED_CALLERS] as const;
type Caller = (typeof CALLERS)[number];
/**
 * Direct calls only: an operator's identity in a token the subgraph must not accept. Besides the
 * missing, forged (another key), expired and wrong-issuer ones: a token the gateway really signed,
 * but for another subgraph (wrongAudience) or for another request to this one (bodyMismatch), as a
 * token captured on the gateway → subgraph link would be.
 */
const BROKEN_TOKENS = ['missing', 'forged', 'expired', 'wrongIssuer', 'wrongAudience', 'bodyMismatch'] as const;
type BrokenToken = (typeof BROKEN_TOKENS)[number];
/** Why the subgraph refuses each presented broken token (`extensions.reason` of its 401). */
const REFUSAL_REASON: Record<Exclude<BrokenToken, 'missing'>, string> = {
  forged: 'BAD_SIGNATURE',
  expired: 'EXPIRED',
  wrongIssuer: 'WRONG_ISSUER',
  wrongAudience: 'WRONG_AUDIENCE',
  bodyMismatch: 'BODY_MISMATCH',
};

function identityOf(caller: Caller, s: Subject): Identity {
  const other = REGIONS.find((r) => r.code !== s.regionCode)!.code;
  switch (caller) {
    case 'anonymous':
      return { role: 'ANONYMOUS' };
    case 'self':
      return { role: 'APPLICANT', personId: s.personId, subject: s.personId };
    case 'otherApplicant':
      return { role: 'APPLICANT', personId: subjectIn(other).personId, subject: 'other-applicant' };
    case 'regionReviewer':
      return { role: 'REVIEWER', regionCode: s.regionCode, subject: 'matrix-reviewer' };
    case 'otherRegionReviewer':
      return { role: 'REVIEWER', regionCode: other, subject: 'matrix-other-reviewer' };
    case 'regionClerk':
      return { role: 'COUNTER_CLERK', regionCode: s.regionCode, subject: 'matrix-clerk' };
    case 'otherRegionClerk':
      return { role: 'COUNTER_CLERK', regionCode: other, subject: 'matrix-other-clerk' };
    case 'operator':
      return { role: 'NATIONAL_OPERATOR', subject: 'matrix-operator' };
  }
}

// ---------------------------------------------------------------------------------------------
// The rules, and what each caller gets under each.

type Rule =
  | 'PUBLIC'
  | 'SIGNED_IN'
  | 'PERSON'
  | 'PERSON_REFERENCE'
  | 'STAFF'
  | 'REGION_STAFF'
  | 'REGION_AUDIT'
  | 'APPLICANT'
  | 'REGION_REVIEWER'
  | 'REGION_CLERK'
  | 'NOBODY';
/** data = an answer and no error; null = null and no error; else null plus an error with that code. */
type Outcome = 'data' | 'null' | 'UNAUTHENTICATED' | 'FORBIDDEN' | 'TOKEN_REFUSED';

function outcomeUnder(rule: Rule, caller: Caller): Outcome {
  if (rule === 'PUBLIC') return 'data';
  if (rule === 'NOBODY') return 'FORBIDDEN';
  if (caller === 'anonymous') return 'UNAUTHENTICATED';
  const staffHere = caller === 'regionReviewer' || caller === 'operator';
  // A counter clerk serves the region's people at its window: reads like its reviewers, writes only at the counter.
  const clerkHere = caller === 'regionClerk';
  const staffElsewhere = caller === 'otherRegionReviewer' || caller === 'otherRegionClerk';
  switch (rule) {
    case 'SIGNED_IN':
      return 'data';
    case 'PERSON':
      return caller === 'self' || staffHere || clerkHere ? 'data' : 'FORBIDDEN';
    case 'PERSON_REFERENCE': // an applicant followed from a region's answer: any reviewer or clerk
      return caller === 'otherApplicant' ? 'FORBIDDEN' : 'data';
    case 'STAFF': // a search: staff of another region find nobody
      return staffHere || clerkHere ? 'data' : staffElsewhere ? 'null' : 'FORBIDDEN';
    case 'REGION_STAFF': // the review queue: reviewers and operators, not the window
      return staffHere ? 'data' : 'FORBIDDEN';
    case 'REGION_AUDIT': // the region's audit log: the same callers as its queues
      return staffHere ? 'data' : 'FORBIDDEN';
    case 'APPLICANT': // acting for themself: another applicant gets their own answer (problems)
      return caller === 'self' || caller === 'otherApplicant' ? 'data' : 'FORBIDDEN';
    case 'REGION_REVIEWER':
      return caller === 'regionReviewer' ? 'data' : 'FORBIDDEN';
    case 'REGION_CLERK': // acting for an applicant at the window: problems for a made-up person, but data
      return clerkHere ? 'data' : 'FORBIDDEN';
  }
}

/** Who may see the subject's personal data: anybody else's response must not contain it. */
const entitled = (rule: Rule, caller: Caller) =>
  ['self', 'regionReviewer', 'regionClerk', 'operator'].includes(caller) ||
  (rule === 'PERSON_REFERENCE' && (caller === 'otherRegionReviewer' || caller === 'otherRegionClerk'));

interface Expectation {
  rule: Rule;
  /** Through the gateway the answer follows the owning region's rule (this field only routes). */
  viaGateway?: Rule;
  /** Arguments aiming the request at the subject; other required ones are generated from the schema. */
  args?: (s: Subject) => Record<string, unknown>;
  /** Callers whose outcome differs from the rule's, each with a reason in a comment. */
  except?: Partial<Record<Caller, Outcome>>;
}

const lowerFirst = (s: string) => s.charAt(0).toLowerCase() + s.slice(1);

const EXPECTED: Record<string, Record<string, Expectation>> = {
  [NATIONAL.name]: {
    'Query._service': { rule: 'PUBLIC' },
    'Query.regions': { rule: 'PUBLIC' },
    'Query.region': { rule: 'PUBLIC', args: (s) => ({ code: s.regionCode }) },
    // The national hospital directory: public reference data.
    'Query.hospital': { rule: 'PUBLIC', args: () => ({ code: 'H51010700001' }) },
    'Query.hospitals': { rule: 'PUBLIC' },
    'Query.application': {
      rule: 'SIGNED_IN', // the national subgraph only types the number; the region decides
      viaGateway: 'PERSON',
      args: (s) => ({ acceptanceNumber: s.applicationId }),
    },
    'Query.person': { rule: 'PERSON', args: (s) => ({ id: s.personId }) },
    'Query.personByIdNumber': { rule: 'STAFF', args: (s) => ({ idNumber: s.idNumber }) },
    // Staff have no person of their own: `me` is null for them.
    'Query.me': {
      rule: 'SIGNED_IN',
      except: {
        regionReviewer: 'null',
        otherRegionReviewer: 'null',
        regionClerk: 'null',
        otherRegionClerk: 'null',
        operator: 'null',
      },
    },
    '_entities:Person': { rule: 'PERSON_REFERENCE' },
    '_entities:Region': { rule: 'PUBLIC' },
    '_entities:Application': { rule: 'SIGNED_IN' }, // echoes the typed key sent, looks nothing up
    '_entities:RegionalRecord': { rule: 'PERSON' },
    '_entities:RegionalMessages': { rule: 'PERSON' },
    ...Object.fromEntries(
      REGIONS.flatMap((r) => [
        [`_entities:${r.prefix}Region`, { rule: 'PUBLIC' }],
        [`_entities:${r.prefix}Application`, { rule: 'SIGNED_IN' }],
        [`_entities:${r.prefix}Record`, { rule: 'PERSON' }],
        [`_entities:${r.prefix}Messages`, { rule: 'PERSON' }],
      ]),
    ),
  },
  ...Object.fromEntries(
    REGIONS.map((r) => [
      r.subgraph,
      {
        'Query._service': { rule: 'PUBLIC' },
        [`Query.${lowerFirst(r.prefix)}Region`]: { rule: 'PUBLIC' },
        [`Query.${lowerFirst(r.prefix)}ReviewQueue`]: { rule: 'REGION_STAFF' },
        [`Query.${lowerFirst(r.prefix)}ReviewQueueConnection`]: { rule: 'REGION_STAFF' },
        [`Mutation.mark${r.prefix}MessagesRead`]: { rule: 'APPLICANT' },
        [`Mutation.submit${r.prefix}Application`]: { rule: 'APPLICANT' },
        [`Mutation.supplement${r.prefix}Materials`]: { rule: 'APPLICANT' },
        [`Mutation.withdraw${r.prefix}Application`]: { rule: 'APPLICANT' },
        [`Mutation.review${r.prefix}Application`]: { rule: 'REGION_REVIEWER' },
        [`Mutation.file${r.prefix}RemoteCare`]: { rule: 'APPLICANT' },
        [`Mutation.submit${r.prefix}ApplicationAtCounter`]: { rule: 'REGION_CLERK' },
        [`Mutation.supplement${r.prefix}MaterialsAtCounter`]: { rule: 'REGION_CLERK' },
        [`Mutation.record${r.prefix}InPersonVerification`]: { rule: 'REGION_CLERK' },
        [`Mutation.appeal${r.prefix}Application`]: { rule: 'APPLICANT' },
        [`Mutation.review${r.prefix}Appeal`]: { rule: 'REGION_REVIEWER' },
        [`Mutation.send${r.prefix}Feedback`]: { rule: 'APPLICANT' },
        [`Mutation.reply${r.prefix}Feedback`]: { rule: 'REGION_REVIEWER' },
        [`Query.${lowerFirst(r.prefix)}AppealQueue`]: { rule: 'REGION_STAFF' },
        [`Query.${lowerFirst(r.prefix)}FeedbackQueue`]: { rule: 'REGION_STAFF' },
        [`Query.${lowerFirst(r.prefix)}AppealQueueConnection`]: { rule: 'REGION_STAFF' },
        [`Query.${lowerFirst(r.prefix)}FeedbackQueueConnection`]: { rule: 'REGION_STAFF' },
        [`Query.${lowerFirst(r.prefix)}AuditLog`]: { rule: 'REGION_AUDIT' },
        [`_entities:${r.prefix}Region`]: { rule: 'PUBLIC' },
        [`_entities:${r.prefix}Application`]: { rule: 'PERSON' },
        [`_entities:${r.prefix}Record`]: { rule: 'PERSON' },
        [`_entities:${r.prefix}Messages`]: { rule: 'PERSON' },
        '_entities:Person': { rule: 'NOBODY' }, // a reference only (resolvable: false)
      } satisfies Record<string, Expectation>,
    ]),
  ),
};

const PRODUCT_TABLES: Record<string, AccessTable> = {
  [NATIONAL.name]: NATIONAL_ACCESS,
  ...Object.fromEntries(REGIONS.map((r) => [r.subgraph, regionalAccessTable(r.prefix)])),
};

// ---------------------------------------------------------------------------------------------
// Requests generated from the schema.

const SCALAR_SAMPLES: Record<string, unknown> = {
  ID: 'x',
  String: 'x',
  Int: 1,
  Float: 1,
  Boolean: false,
  Date: '2026-01-01',
  DateTime: '2026-01-01T09:00:00+08:00',
  Money: '1.00',
};

/** A minimal value of the right shape: required input fields only, empty lists, first enum value. */
function sample(type: GraphQLInputType): unknown {
  if (isNonNullType(type)) return sample(type.ofType);
  if (isListType(type)) return [];
  if (isEnumType(type)) return type.getValues()[0]!.name;
  if (isInputObjectType(type)) {
    return Object.fromEntries(
      Object.values(type.getFields())
        .filter((f) => isNonNullType(f.type) && f.defaultValue === undefined)
        .map((f) => [f.name, sample(f.type)]),
    );
  }
  if (!(type.name in SCALAR_SAMPLES)) throw new Error(`no sample value for scalar ${type.name}: add one`);
  return SCALAR_SAMPLES[type.name];
}

/** Every field callable without arguments, leaves first; composite fields down to `depth`. */
function selection(type: GraphQLOutputType, depth: number): string {
  const named = getNamedType(type);
  if (isLeafType(named)) return '';
  const parts = ['__typename'];
  const fields = isObjectType(named) || isInterfaceType(named) ? Object.values(named.getFields()) : [];
  const callable = fields.filter((f) => !f.args.some((a) => isNonNullType(a.type) && a.defaultValue === undefined));
  const leaves = callable.filter((f) => isLeafType(getNamedType(f.type)));
  parts.push(...leaves.map((f) => f.name));
  // A payload type has no leaves of its own: look one level further.
  if (depth > 1 || leaves.length === 0) {
    for (const f of callable)
      if (!isLeafType(getNamedType(f.type))) parts.push(`${f.name} ${selection(f.type, depth - 1)}`);
  }
  return `{ ${parts.join(' ')} }`;
}

interface GraphQLRequest {
  query: string;
  variables: Record<string, unknown>;
}

function rootRequest(schema: GraphQLSchema, point: string, args: Record<string, unknown>): GraphQLRequest {
  const [op, name] = point.split('.') as ['Query' | 'Mutation', string];
  const field = (op === 'Query' ? schema.getQueryType() : schema.getMutationType())!.getFields()[name]!;
  const defs: string[] = [];
  const uses: string[] = [];
  const variables: Record<string, unknown> = {};
  for (const arg of field.args) {
    const required = isNonNullType(arg.type) && arg.defaultValue === undefined;
    if (!(arg.name in args) && !required) continue;
    defs.push(`$${arg.name}: ${String(arg.type)}`);
    uses.push(`${arg.name}: $${arg.name}`);
    variables[arg.name] = arg.name in args ? args[arg.name] : sample(arg.type);
  }
  const query =
    `${op === 'Query' ? 'query' : 'mutation'} Matrix${defs.length ? `(${defs.join(', ')})` : ''} ` +
    `{ r: ${name}${uses.length ? `(${uses.join(', ')})` : ''} ${selection(field.type, 1)} }`;
  return { query, variables };
}

const ENTITY_KINDS = ['Person', 'Region', 'Application', 'RegionalRecord', 'RegionalMessages'] as const;

/** Person, or the contract interface a type is (or implements). */
function entityKind(typeName: string): (typeof ENTITY_KINDS)[number] {
  const type = supergraph.getType(typeName);
  const names = [typeName, ...(isObjectType(type) ? type.getInterfaces().map((i) => i.name) : [])];
  const kind = ENTITY_KINDS.find((k) => names.includes(k));
  if (!kind) throw new Error(`entity type ${typeName}: this test cannot build a representation of it yet`);
  return kind;
}

/** The region a per-region type belongs to (`PanzhihuaRecord` → 510400); the first for the others. */
function regionOfType(typeName: string): string {
  const region = REGIONS.find((r) =>
    ['Region', 'Application', 'Record', 'Messages'].some((k) => typeName === r.prefix + k),
  );
  return (region ?? REGIONS[0]!).code;
}

function keyFields(subgraph: string, typeName: string): string[] {
  const def = subgraphDocs[subgraph]!.definitions.find(
    (d) =>
      (d.kind === Kind.OBJECT_TYPE_DEFINITION || d.kind === Kind.INTERFACE_TYPE_DEFINITION) &&
      d.name.value === typeName,
  ) as { directives?: readonly ConstDirectiveNode[] };
  const key = def.directives!.find((d) => d.name.value === 'key')!;
  return stringArg(key, 'fields')!.split(/\s+/);
}

function representation(subgraph: string, typeName: string, s: Subject): Record<string, string> {
  const kind = entityKind(typeName);
  const value = (field: string): string => {
    if (field === 'code' || field === 'regionCode') return s.regionCode;
    if (field === 'personId' || (field === 'id' && kind === 'Person')) return s.personId;
    if ((field === 'id' || field === 'ref') && kind === 'Application') return s.applicationId;
    if (field === 'window') return '20:'; // the message centre's first page
    throw new Error(`${typeName}: no value for key field ${field}`);
  };
  return { __typename: typeName, ...Object.fromEntries(keyFields(subgraph, typeName).map((f) => [f, value(f)])) };
}

function entitiesRequest(subgraph: string, typeName: string, s: Subject): GraphQLRequest {
  const type = subgraphSchemas[subgraph]!.getType(typeName) as GraphQLOutputType;
  return {
    query: `query Matrix($r: [_Any!]!) { r: _entities(representations: $r) { __typename ... on ${typeName} ${selection(type, 2)} } }`,
    variables: { r: [representation(subgraph, typeName, s)] },
  };
}

// ---------------------------------------------------------------------------------------------
// The stack, tokens and calls.

let stack: Stack;
let internalPrivateKey: KeyLike;

beforeAll(async () => {
  stack = await startStack();
  internalPrivateKey = await loadPrivateKey(developmentKeyPaths(stack.keysDir).internalPrivateKeyPath);
});
afterAll(async () => {
  await stack?.close();
});

/**
 * The one place that mints the gateway's internal token for a direct subgraph call: valid, or
 * broken on purpose (another key, expired, another issuer) with everything else unchanged.
 * `target` names the subgraph and the exact body sent, for tokens bound to them.
 */
async function mintInternalToken(
  identity: Identity,
  target: { subgraph: string; body: string },
  flaw?: Exclude<BrokenToken, 'missing'>,
): Promise<string> {
  if (flaw === 'wrongIssuer') {
    const claims: Record<string, string> = { role: identity.role };
    if (identity.role === 'APPLICANT') claims.pid = identity.personId;
    if (identity.role === 'REVIEWER' || identity.role === 'COUNTER_CLERK') claims.rgn = identity.regionCode;
    const jwt = new SignJWT(claims)
      .setProtectedHeader({ alg: 'EdDSA', typ: INTERNAL_TOKEN_TYPE })
      .setIssuer('someone-else')
      .setAudience(internalAudience(target.subgraph))
      .setIssuedAt()
      .setExpirationTime('60s');
    if (identity.role !== 'ANONYMOUS') jwt.setSubject(identity.subject);
    return jwt.sign(internalPrivateKey);
  }
  const key = flaw === 'forged' ? generateKeyPairSync('ed25519').privateKey : internalPrivateKey;
  // Signed by the gateway's own key, for the same body, but for the next subgraph in the registry.
  const subgraph =
    flaw === 'wrongAudience'
      ? SUBGRAPHS[(SUBGRAPHS.indexOf(target.subgraph) + 1) % SUBGRAPHS.length]!
      : target.subgraph;
  // Signed for this subgraph, but for another (harmless) operation than the one sent with it.
  const body = flaw === 'bodyMismatch' ? JSON.stringify({ query: 'query Other { __typename }' }) : target.body;
  return signInternalToken(key, { identity, subgraph, body, ttlSeconds: flaw === 'expired' ? -120 : 13 });
}

const subgraphUrl = (name: string) =>
  name === NATIONAL.name ? stack.national.graphqlUrl : stack.regions[name]!.graphqlUrl;

interface Response {
  status: number;
  data?: { r?: unknown } | null;
  errors?: { message: string; path?: (string | number)[]; extensions?: Record<string, any> }[];
  text: string;
}

async function post(url: string, body: string, headers: Record<string, string>): Promise<Response> {
  const res = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body });
  const text = await res.text();
  return { status: res.status, text, ...(JSON.parse(text) as object) };
}

async function direct(
  subgraph: string,
  request: GraphQLRequest,
  identity: Identity,
  broken?: BrokenToken,
): Promise<Response> {
  const body = JSON.stringify(request);
  const headers: Record<string, string> = {};
  if (broken !== 'missing') {
    headers[INTERNAL_TOKEN_HEADER] = await mintInternalToken(identity, { subgraph, body }, broken);
  }
  return post(subgraphUrl(subgraph), body, headers);
}

async function viaGateway(request: GraphQLRequest, identity: Identity): Promise<Response> {
  const headers: Record<string, string> = {};
  if (identity.role !== 'ANONYMOUS') {
    headers.authorization = `Bearer ${await stack.token({
      role: identity.role,
      personId: identity.role === 'APPLICANT' ? identity.personId : undefined,
      regionCode: identity.role === 'REVIEWER' || identity.role === 'COUNTER_CLERK' ? identity.regionCode : undefined,
      subject: identity.subject,
    })}`;
  }
  return post(stack.gateway.graphqlUrl, JSON.stringify(request), headers);
}

const personalData = (personId: string) => {
  const p = DEMO_PEOPLE.find((x) => x.id === personId)!;
  return [p.name, maskIdNumber(p.idNumber), maskPhone(p.phone)];
};
const EVERY_NAME_AND_MASK = DEMO_PEOPLE.flatMap((p) => personalData(p.id));
const EVERY_FULL_NUMBER = DEMO_PEOPLE.flatMap((p) => [p.idNumber, p.phone]);

/** Why `res` is not `expected` (plus any personal data it must not hold), or nothing. */
function mismatch(
  res: Response,
  expected: Outcome,
  rule: Rule,
  caller: Caller,
  s: Subject,
  entity: boolean,
  reason?: string,
): string[] {
  const problems: string[] = [];
  // `_entities` was sent one representation: its answer is the list's only item.
  const value = entity && Array.isArray(res.data?.r) ? res.data.r[0] : res.data?.r;
  const codes = (res.errors ?? []).map((e) => e.extensions?.code);
  const got = () => `got ${res.status} ${res.text.slice(0, 300)}`;
  if (expected === 'TOKEN_REFUSED') {
    // A presented token that does not hold is refused outright: no identity, no data, not even public data.
    if (res.status !== 401 || res.data || !codes.includes('UNAUTHENTICATED')) {
      problems.push(`expected HTTP 401 UNAUTHENTICATED without data, ${got()}`);
    } else if (reason && !(res.errors ?? []).some((e) => e.extensions?.reason === reason)) {
      problems.push(`expected the refusal's reason ${reason}, ${got()}`);
    }
  } else if (expected === 'data') {
    if (res.errors || value === null || value === undefined) problems.push(`expected data, ${got()}`);
  } else if (expected === 'null') {
    if (res.errors || value !== null) problems.push(`expected null without error, ${got()}`);
  } else {
    if ((value ?? null) !== null || !codes.includes(expected)) problems.push(`expected null + ${expected}, ${got()}`);
  }
  const forbiddenText = [
    ...EVERY_FULL_NUMBER,
    ...(expected === 'UNAUTHENTICATED' || expected === 'FORBIDDEN' ? EVERY_NAME_AND_MASK : []),
    ...(rule !== 'PUBLIC' && !entitled(rule, caller) ? personalData(s.personId) : []),
  ];
  const leaked = forbiddenText.filter((t) => res.text.includes(t));
  if (leaked.length) problems.push(`leaked personal data (${leaked.length} items): ${got()}`);
  if (codes.includes('INTERNAL_SERVER_ERROR') || codes.includes('SUBGRAPH_ERROR')) {
    problems.push(`an internal error reached the caller: ${got()}`);
  }
  return problems;
}

// ---------------------------------------------------------------------------------------------
// The tests.

describe('every entry point has a rule', () => {
  it('the supergraph and each subgraph SDL list the same entry points', () => {
    const fromSupergraph = supergraphEntryPoints();
    for (const name of SUBGRAPHS) {
      expect([...fromSupergraph[name]!, 'Query._service'].sort()).toEqual(ENTRY_POINTS[name]);
    }
  });

  it.each(SUBGRAPHS)('%s: every entry point in schema/ has an expected outcome here, and nothing else does', (name) => {
    expect(Object.keys(EXPECTED[name] ?? {}).sort()).toEqual(ENTRY_POINTS[name]);
  });

  it.each(SUBGRAPHS)("%s: the subgraph's own access table says the same", (name) => {
    const expected = Object.fromEntries(Object.entries(EXPECTED[name] ?? {}).map(([k, e]) => [k, e.rule]));
    expect(PRODUCT_TABLES[name]).toEqual(expected);
  });
});

function subjectFor(subgraph: string, point: string): Subject {
  if (subgraph !== NATIONAL.name) return subjectIn(REGIONS.find((r) => r.subgraph === subgraph)!.code);
  if (point.startsWith('_entities:')) return subjectIn(regionOfType(point.slice('_entities:'.length)));
  return subjectIn(DEMO_PEOPLE.find((p) => p.id === SUBJECT_PERSON[REGIONS[0]!.code])!.insuredRegionCode);
}

describe.each(SUBGRAPHS)('access matrix: %s', (subgraph) => {
  const throughGateway = new Set(supergraphEntryPoints()[subgraph]);

  it.each(ENTRY_POINTS[subgraph]!)('%s', async (point) => {
    const expectation = EXPECTED[subgraph]?.[point];
    if (!expectation) throw new Error(`${subgraph} ${point}: no expected outcome in EXPECTED; decide its rule`);
    const s = subjectFor(subgraph, point);
    const isEntity = point.startsWith('_entities:');
    const args = expectation.args?.(s) ?? {};
    const request = isEntity
      ? entitiesRequest(subgraph, point.slice('_entities:'.length), s)
      : rootRequest(subgraphSchemas[subgraph]!, point, args);
    const expectedFor = (rule: Rule, caller: Caller): Outcome =>
      expectation.except?.[caller] ?? outcomeUnder(rule, caller);

    const failures: string[] = [];
    const runs: Promise<void>[] = [];
    const check = (
      door: string,
      caller: Caller,
      rule: Rule,
      expected: Outcome,
      run: () => Promise<Response>,
      reason?: string,
    ) =>
      runs.push(
        run().then((res) => {
          for (const p of mismatch(res, expected, rule, caller, s, isEntity, reason))
            failures.push(`${door} as ${caller}: ${p}`);
        }),
      );

    const rule = expectation.rule;
    for (const caller of CALLERS) {
      check('direct', caller, rule, expectedFor(rule, caller), () => direct(subgraph, request, identityOf(caller, s)));
    }
    // No token makes even an operator anonymous; a token that does not hold is refused (HTTP 401),
    // for the reason that token was broken for.
    for (const broken of BROKEN_TOKENS) {
      const refused = broken === 'missing' ? outcomeUnder(rule, 'anonymous') : 'TOKEN_REFUSED';
      check(
        `direct (${broken} token)`,
        'anonymous',
        rule,
        refused,
        () => direct(subgraph, request, identityOf('operator', s), broken),
        broken === 'missing' ? undefined : REFUSAL_REASON[broken],
      );
    }
    if (throughGateway.has(point) && !isEntity) {
      const gatewayRequest = rootRequest(apiSchema, point, args);
      const composed = expectation.viaGateway ?? rule;
      for (const caller of CALLERS) {
        check('gateway', caller, composed, expectedFor(composed, caller), () =>
          viaGateway(gatewayRequest, identityOf(caller, s)),
        );
      }
    }
    await Promise.all(runs);
    expect(failures.sort()).toEqual([]);
  });
});

// ---------------------------------------------------------------------------------------------
// Every staff read of a person is on record, in the subgraph that owns the data.

describe('audit of staff reads', () => {
  const PZH = REGIONS.find((r) => r.code === '510400')!;
  const auditIn = (subgraph: string) =>
    (subgraph === NATIONAL.name ? stack.national : stack.regions[subgraph]!).dataSource.getRepository(AuditEntity);

  it("a reviewer's queue of N applications over K people writes K rows naming those people, in one INSERT", async () => {
    const inserts: string[] = [];
    let counting = true;
    observeQueries(stack.regions[PZH.subgraph]!.dataSource, (e) => {
      if (counting && /insert/i.test(e.query) && e.query.includes('audit_log')) inserts.push(e.query);
    });
    const reviewer = { role: 'REVIEWER' as const, regionCode: PZH.code, subject: 'queue-auditor' };
    const res = await viaGateway(
      {
        query: `{ r: ${lowerFirst(PZH.prefix)}ReviewQueue(status: APPROVED, first: 100) { acceptanceNumber applicant { id name } } }`,
        variables: {},
      },
      reviewer,
    );
    counting = false;
    expect(res.errors).toBeUndefined();
    const page = res.data!.r as { applicant: { id: string } }[];
    const people = [...new Set(page.map((a) => a.applicant.id))].sort();
    expect(page.length).toBeGreaterThan(people.length); // somebody has two applications on the page
    const rows = await auditIn(PZH.subgraph).findBy({ actor: 'REVIEWER:510400:queue-auditor' });
    expect(rows.map((r) => r.subject).sort()).toEqual(people);
    expect(new Set(rows.map((r) => r.action))).toEqual(new Set(['READ_REVIEW_QUEUE']));
    expect(new Set(rows.map((r) => r.requestId)).size).toBe(1);
    expect(inserts).toHaveLength(1);
    // The names came from the national subgraph: every person read is on record there too.
    const national = await auditIn(NATIONAL.name).findBy({ actor: 'REVIEWER:510400:queue-auditor' });
    expect(national.map((r) => r.subject).sort()).toEqual(people);
    expect(new Set(national.map((r) => r.action))).toEqual(new Set(['READ_PERSON']));
    expect(national[0]!.requestId).toBe(rows[0]!.requestId);
  });

  it('staff reading application { applicant { name } } is recorded in the national database', async () => {
    const s = subjectIn(PZH.code);
    const res = await viaGateway(
      {
        query: 'query($n: String!) { r: application(acceptanceNumber: $n) { id applicant { id name } } }',
        variables: { n: s.applicationId },
      },
      { role: 'NATIONAL_OPERATOR', subject: 'applicant-auditor' },
    );
    expect(res.errors).toBeUndefined();
    expect((res.data!.r as any).applicant.id).toBe(s.personId);
    const national = await auditIn(NATIONAL.name).findBy({ actor: 'NATIONAL_OPERATOR:applicant-auditor' });
    expect(national).toEqual([expect.objectContaining({ action: 'READ_PERSON', subject: s.personId })]);
    const regional = await auditIn(PZH.subgraph).findBy({ actor: 'NATIONAL_OPERATOR:applicant-auditor' });
    expect(regional).toEqual([expect.objectContaining({ action: 'READ_APPLICATION', subject: s.applicationId })]);
  });

  it('an applicant reading their own application is not recorded', async () => {
    const s = subjectIn(PZH.code);
    const res = await viaGateway(
      {
        query: 'query($n: String!) { r: application(acceptanceNumber: $n) { id applicant { name } } }',
        variables: { n: s.applicationId },
      },
      { role: 'APPLICANT', personId: s.personId, subject: 'own-reader' },
    );
    expect(res.errors).toBeUndefined();
    expect(await auditIn(NATIONAL.name).countBy({ actor: `APPLICANT:${s.personId}` })).toBe(0);
  });

  const everybody = Array.from({ length: 60 }, (_, i) => ({
    __typename: 'Person',
    id: `P${String(i + 1).padStart(6, '0')}`,
  }));
  const PEOPLE =
    'query($r: [_Any!]!) { _entities(representations: $r) { ... on Person { id name idNumberMasked phoneMasked insuranceType insuredRegion { code } } } }';

  it.each(BROKEN_TOKENS)('_entities for Person P000001…P000060 with a %s token gets nothing', async (broken) => {
    const before = await auditIn(NATIONAL.name).count();
    const res = await direct(
      NATIONAL.name,
      { query: PEOPLE, variables: { r: everybody } },
      identityOf('operator', subjectIn(PZH.code)),
      broken,
    );
    if (broken === 'missing') {
      expect((res.data as any)._entities).toEqual(everybody.map(() => null));
      expect(res.errors).toHaveLength(everybody.length);
    } else {
      expect(res.status).toBe(401); // a token that does not hold is refused before any resolver
      expect(res.data ?? null).toBeNull();
      expect(res.errors!.map((e) => e.extensions?.reason)).toContain(REFUSAL_REASON[broken]);
    }
    expect(new Set(res.errors!.map((e) => e.extensions?.code))).toEqual(new Set(['UNAUTHENTICATED']));
    for (const t of [...EVERY_NAME_AND_MASK, ...EVERY_FULL_NUMBER]) expect(res.text).not.toContain(t);
    expect(await auditIn(NATIONAL.name).count()).toBe(before);
  });

  it('an operator reading every Person through _entities is recorded person by person, in one INSERT', async () => {
    const inserts: string[] = [];
    let counting = true;
    observeQueries(stack.national.dataSource, (e) => {
      if (counting && /insert/i.test(e.query) && e.query.includes('audit_log')) inserts.push(e.query);
    });
    const operator: Identity = { role: 'NATIONAL_OPERATOR', subject: 'entities-auditor' };
    const res = await direct(NATIONAL.name, { query: PEOPLE, variables: { r: everybody } }, operator);
    counting = false;
    expect(res.errors).toBeUndefined();
    const found = ((res.data as any)._entities as ({ id: string } | null)[]).filter((p) => p !== null);
    expect(found).toHaveLength(DEMO_PEOPLE.length); // the other ids are unknown: null, no error
    const rows = await auditIn(NATIONAL.name).findBy({ actor: 'NATIONAL_OPERATOR:entities-auditor' });
    expect(rows.map((r) => r.subject).sort()).toEqual(DEMO_PEOPLE.map((p) => p.id).sort());
    expect(inserts).toHaveLength(1);
  });

  it("a reviewer's queue names every applicant, one insured elsewhere too, and records each in the national database", async () => {
    const YF = REGIONS.find((r) => r.code === '445300')!;
    const approved = demoRecordsFor(YF.code).applications.filter((a) => a.status === 'APPROVED');
    const movedAway = approved.filter(
      (a) => DEMO_PEOPLE.find((p) => p.id === a.personId)!.insuredRegionCode !== YF.code,
    );
    expect(movedAway.length).toBeGreaterThan(0); // the demo data holds such a person
    const res = await viaGateway(
      {
        query: `{ r: ${lowerFirst(YF.prefix)}ReviewQueue(status: APPROVED, first: 100) { acceptanceNumber applicant { id name } } }`,
        variables: {},
      },
      { role: 'REVIEWER', regionCode: YF.code, subject: 'moved-away-reviewer' },
    );
    expect(res.errors).toBeUndefined();
    const page = res.data!.r as { applicant: { id: string; name: string } }[];
    expect(page).toHaveLength(approved.length);
    for (const a of movedAway) {
      const person = DEMO_PEOPLE.find((p) => p.id === a.personId)!;
      expect(page.find((x) => x.applicant.id === a.personId)!.applicant.name).toBe(person.name);
    }
    const rows = await auditIn(NATIONAL.name).findBy({ actor: 'REVIEWER:445300:moved-away-reviewer' });
    expect(rows.map((r) => r.subject).sort()).toEqual([...new Set(approved.map((a) => a.personId))].sort());
  });

  it('a read that cannot be recorded is not served', async () => {
    const s = subjectIn(PZH.code);
    const ds = stack.national.dataSource;
    const request = {
      query: 'query($id: ID!) { r: person(id: $id) { name idNumberMasked } }',
      variables: { id: s.personId },
    };
    const operator: Identity = { role: 'NATIONAL_OPERATOR', subject: 'unrecorded' };
    await ds.query('ALTER TABLE audit_log RENAME TO audit_log_away');
    try {
      const directly = await direct(NATIONAL.name, request, operator);
      const viaTheGateway = await viaGateway(request, operator);
      expect(directly.status).toBe(503);
      // A missing table is an operational failure of the database: said as such, and why.
      expect(directly.errors?.map((e) => [e.extensions?.code, e.extensions?.reason])).toEqual([
        ['REGION_DATABASE_UNAVAILABLE', 'AUDIT_UNAVAILABLE'],
      ]);
      expect(viaTheGateway.data?.r ?? null).toBeNull();
      for (const res of [directly, viaTheGateway])
        for (const t of personalData(s.personId)) expect(res.text).not.toContain(t);
    } finally {
      await ds.query('ALTER TABLE audit_log_away RENAME TO audit_log');
    }
  });

  it('a reviewer asking person(id) for somebody insured elsewhere is refused and nothing is recorded', async () => {
    const s = subjectIn('510400');
    const res = await viaGateway(
      { query: 'query($id: ID!) { r: person(id: $id) { name } }', variables: { id: s.personId } },
      { role: 'REVIEWER', regionCode: '445300', subject: 'person-elsewhere' },
    );
    expect(res.errors?.map((e) => e.extensions?.code)).toEqual(['FORBIDDEN']);
    expect(await auditIn(NATIONAL.name).countBy({ actor: 'REVIEWER:445300:person-elsewhere' })).toBe(0);
  });
});
