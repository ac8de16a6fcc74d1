import { readFileSync } from 'node:fs';
import path from 'node:path';
import { Writable } from 'node:stream';

import { Supergraph } from '@apollo/federation-internals';
import { buildSubgraphSchema } from '@apollo/subgraph';
import fc from 'fast-check';
import {
  type ConstDirectiveNode,
  getNamedType,
  getNullableType,
  type GraphQLArgument,
  GraphQLEnumType,
  type GraphQLField,
  GraphQLInputObjectType,
  type GraphQLInputType,
  GraphQLList,
  GraphQLNonNull,
  type GraphQLScalarType,
  type GraphQLSchema,
  isCompositeType,
  isInterfaceType,
  isLeafType,
  isObjectType,
  Kind,
  parse,
} from 'graphql';

import { SUPERGRAPH_PATH } from '../gateway/gateway';
import { NATIONAL, REGIONS } from '../schema/registry';
import { DEMO_PEOPLE, demoRecordsFor } from '../scripts/seed-data/people';
import { addDays } from '../subgraphs/kit/domain/calendar';
import type { RegionPolicy } from '../subgraphs/kit/domain/policy';
import { loadRegion } from '../subgraphs/kit/domain/region-file';
import type { Identity } from '../subgraphs/kit/platform/auth/identity';
import { INTERNAL_TOKEN_HEADER } from '../subgraphs/kit/platform/auth/internal-token';
import { todayInChina } from '../subgraphs/kit/platform/clock';
import { createLogger } from '../subgraphs/kit/platform/log';
import { type Stack, startStack } from './harness';

const yunfuPolicy = loadRegion('guangdong-yunfu').policy;
const panzhihuaPolicy = loadRegion('sichuan-panzhihua').policy;

// Property-based: every root query and mutation field of the composed supergraph (derived from
// schema/supergraph.graphql, so a new field is covered without touching this file) is called
// through the real gateway with generated arguments — unicode, control and bidi characters, huge
// strings, dates far outside any calendar, huge and negative numbers, long lists — as anonymous,
// applicant, reviewer and operator. No answer may be HTTP 5xx or carry INTERNAL_SERVER_ERROR, and
// no server may log an error line (a stack trace) for it: bad input is the client's mistake.
// Then the same directly at each subgraph, as anyone on its network could: `_entities` for every
// entity type each subgraph resolves (from the supergraph's join__type keys), with generated
// representations, with no internal token and with a valid one (an operator's, a reviewer's).
//
// FUZZ_RUNS (default 10) runs per field (or entity type) and caller; FUZZ_SEED replays a failure.

const RUNS = Number(process.env.FUZZ_RUNS ?? 10);
const SEED = process.env.FUZZ_SEED ? Number(process.env.FUZZ_SEED) : undefined;

const today = todayInChina();
const PNG = Buffer.concat([Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]), Buffer.from('no-500 fuzz')]);

let stack: Stack;
const errorLines: string[] = [];
const callers: Record<string, string | undefined> = { anonymous: undefined };
const dictionary: Record<string, string[]> = {};

// --- the schema, as the gateway serves it ----------------------------------------------------

const api: GraphQLSchema = Supergraph.build(readFileSync(SUPERGRAPH_PATH, 'utf8')).apiSchema().toGraphQLJSSchema();

function rootFields(kind: 'query' | 'mutation'): GraphQLField<unknown, unknown>[] {
  const type = kind === 'query' ? api.getQueryType() : api.getMutationType();
  return type ? Object.values(type.getFields()) : [];
}

// --- values ----------------------------------------------------------------------------------

const PHONE_TEXT = ['请联系13812345678补充', '电话 +86 139-1234-5678', '身份证510402198001011234有误'];
const NASTY = [
  '',
  ' ',
  'a\u0000b',
  '\u202Eevil\u202C.pdf',
  '\u2066x\u2069\u200E\u200F\u061C',
  '\u0007\u001b[31m',
  "'; DROP TABLE application; --",
  '😀'.repeat(300),
  '诊'.repeat(2000),
  'x'.repeat(50_000),
  '../../etc/passwd',
  '\uD800',
  ...PHONE_TEXT,
];

const unicodeText = fc.string({ unit: 'binary', maxLength: 40 });
const longText = fc.integer({ min: 100, max: 6000 }).map((n) => '长'.repeat(n));
const nastyString = fc.oneof(
  { weight: 3, arbitrary: fc.constantFrom(...NASTY) },
  { weight: 2, arbitrary: unicodeText },
  { weight: 1, arbitrary: longText },
  { weight: 2, arbitrary: fc.tuple(unicodeText, fc.constantFrom(...PHONE_TEXT)).map(([a, b]) => a + b) },
);

const DATES = [
  today,
  addDays(today, -30),
  '9999-12-31',
  '0001-01-01',
  '1899-12-31',
  '2101-01-01',
  '2026-02-30',
  '2026-13-01',
  '20260101',
  '',
];
const dateString = fc.oneof(
  fc.constantFrom(...DATES),
  fc
    .date({ min: new Date(-60_000_000_000_000), max: new Date(250_000_000_000_000), noInvalidDate: true })
    .map((d) => d.toISOString().slice(0, 10)),
  unicodeText,
);
const money = fc.oneof(
  fc.constantFrom('0.00', '7820.00', '-1.00', '1e9', '99999999999999999999.99', 'NaN', ''),
  fc.double().map(String),
  unicodeText,
);
const int32 = fc.oneof(
  fc.constantFrom(0, 1, -1, 2147483647, -2147483648, 1000, 1001),
  fc.integer({ min: -2147483648, max: 2147483647 }),
);

/** Values from the running stack for argument names that look up something (codes, numbers, ids). */
function dictionaryFor(name: string): string[] | undefined {
  const key = Object.keys(dictionary).find((k) => name.toLowerCase().includes(k.toLowerCase()));
  return key ? dictionary[key] : dictionary.any;
}

function stringFor(name: string): fc.Arbitrary<string> {
  const known = dictionaryFor(name);
  return known && known.length > 0
    ? fc.oneof({ weight: 2, arbitrary: fc.constantFrom(...known) }, { weight: 1, arbitrary: nastyString })
    : nastyString;
}

/** n copies of a value, but no more than fit in about 300 KB of JSON: past the 256 KiB limit, size adds nothing. */
function repeat(value: unknown, n: number): unknown[] {
  const size = (JSON.stringify(value) ?? 'null').length + 1;
  return Array<unknown>(Math.max(1, Math.min(n, Math.floor(300_000 / size)))).fill(value);
}

function valueFor(type: GraphQLInputType, name: string, depth = 0): fc.Arbitrary<unknown> {
  if (type instanceof GraphQLNonNull) return nonNullValueFor(type.ofType, name, depth);
  const inner = nonNullValueFor(type, name, depth);
  return fc.oneof({ weight: 9, arbitrary: inner }, { weight: 1, arbitrary: fc.constant(null) });
}

function nonNullValueFor(type: GraphQLInputType, name: string, depth: number): fc.Arbitrary<unknown> {
  const t = getNullableType(type) as GraphQLInputType;
  if (t instanceof GraphQLList) {
    const item = valueFor(t.ofType, name, depth + 1);
    // Mostly short lists; sometimes up to 50 entries, and now and then far more of one value.
    return fc.oneof(
      { weight: 6, arbitrary: fc.array(item, { maxLength: 8 }) },
      { weight: 2, arbitrary: fc.array(item, { maxLength: 50 }) },
      { weight: 1, arbitrary: fc.tuple(item, fc.integer({ min: 51, max: 1000 })).map(([v, n]) => repeat(v, n)) },
    );
  }
  if (t instanceof GraphQLEnumType) return fc.constantFrom(...t.getValues().map((v) => v.name));
  if (t instanceof GraphQLInputObjectType) {
    const fields = Object.values(t.getFields());
    return fc.record(Object.fromEntries(fields.map((f) => [f.name, valueFor(f.type, f.name, depth + 1)])));
  }
  const scalar = t as GraphQLScalarType;
  switch (scalar.name) {
    case 'Int':
      return int32;
    case 'Float':
      return fc.oneof(fc.double({ noNaN: true, noDefaultInfinity: true }), int32);
    case 'Boolean':
      return fc.boolean();
    case 'Date':
      return dateString;
    case 'DateTime':
      return fc.oneof(
        dateString,
        fc.date({ noInvalidDate: true }).map((d) => d.toISOString()),
      );
    case 'Money':
      return money;
    default:
      return stringFor(name);
  }
}

// --- operations ------------------------------------------------------------------------------

/** Variable declarations and values for a field's arguments, named uniquely in the operation. */
function argumentsOf(
  args: readonly GraphQLArgument[],
  prefix: string,
  defs: string[],
  arbs: Record<string, fc.Arbitrary<unknown>>,
): string {
  if (args.length === 0) return '';
  const parts = args.map((a) => {
    const variable = `${prefix}_${a.name}`;
    defs.push(`$${variable}: ${String(a.type)}`);
    arbs[variable] = valueFor(a.type, a.name);
    return `${a.name}: $${variable}`;
  });
  return `(${parts.join(', ')})`;
}

/**
 * The leaves of a type and, `nested` levels down, its object fields with their leaves. Fields
 * that take arguments or nest are each selected or not (`pick`), so one bad argument does not
 * hide the others: every field gets tried on its own too.
 */
function selectionOf(
  type: ReturnType<typeof getNamedType>,
  nested: number,
  prefix: string,
  defs: string[],
  arbs: Record<string, fc.Arbitrary<unknown>>,
  pick: () => boolean,
): string {
  if (!isCompositeType(type)) return '';
  const parts = ['__typename'];
  if (isObjectType(type) || isInterfaceType(type)) {
    for (const field of Object.values(type.getFields())) {
      const named = getNamedType(field.type);
      const leaf = isLeafType(named);
      if (!leaf && nested === 0) continue;
      if ((!leaf || field.args.length > 0) && !pick()) continue;
      const args = argumentsOf(field.args, `${prefix}_${field.name}`, defs, arbs);
      const inner = leaf ? '' : ` { ${selectionOf(named, nested - 1, `${prefix}_${field.name}`, defs, arbs, pick)} }`;
      parts.push(`${field.name}${args}${inner}`);
    }
  }
  return parts.join(' ');
}

interface Operation {
  text: string;
  variables: Record<string, unknown>;
}

/** A random operation on one root field: its arguments and a random shallow selection. */
function operationFor(kind: 'query' | 'mutation', field: GraphQLField<unknown, unknown>): fc.Arbitrary<Operation> {
  return fc.array(fc.boolean(), { minLength: 64, maxLength: 64 }).chain((flags) => {
    let i = 0;
    const pick = () => flags[i++ % flags.length]!;
    const defs: string[] = [];
    const arbs: Record<string, fc.Arbitrary<unknown>> = {};
    const args = argumentsOf(field.args, 'a', defs, arbs);
    const named = getNamedType(field.type);
    const selection = isLeafType(named) ? '' : `{ ${selectionOf(named, 1, 's', defs, arbs, pick)} }`;
    const text = `${kind} Fuzz${defs.length ? `(${defs.join(', ')})` : ''} { ${field.name}${args} ${selection} }`;
    return fc.record(arbs).map((variables) => ({ text, variables }));
  });
}

// --- the stack -------------------------------------------------------------------------------

const PZH = { code: '510400', prefix: 'Panzhihua', policy: panzhihuaPolicy };
const YF = { code: '445300', prefix: 'Yunfu', policy: yunfuPolicy };

/** A few fresh ACCEPTED applications per region, so reviews and withdrawals have something to act on. */
async function submitSome(region: typeof PZH, sha: string, count: number): Promise<string[]> {
  const records = demoRecordsFor(region.code as '510400');
  const numbers: string[] = [];
  const hospitalCode = region.policy.hospitals.find(
    (h) => h.level === 'LEVEL_3' && h.qualifiedForSpecialDiseases,
  )!.code;
  for (const p of DEMO_PEOPLE) {
    if (numbers.length >= count) break;
    if (p.insuredRegionCode !== region.code || p.status !== 'NORMAL' || p.inArrears || p.residenceRegionCode) continue;
    const disease = region.policy.diseases.find(
      (d: RegionPolicy['diseases'][number]) =>
        !records.applications.some((a) => a.personId === p.id && a.diseaseCode === d.code) &&
        !records.certifications.some((c) => c.personId === p.id && c.diseaseCode === d.code),
    );
    if (!disease) continue;
    const file = (kind: string, extra: Record<string, unknown> = {}) => ({
      kind,
      stamped: false,
      fileName: `${kind}.png`,
      sha256: sha,
      ...extra,
    });
    const dated = { issuedOn: addDays(today, -30), hospitalCode, stamped: true };
    const materials = [file('ID_CARD'), file('DIAGNOSIS_CERTIFICATE', dated), file('MEDICAL_RECORD', dated)];
    if (region === PZH) materials.push(file('SOCIAL_SECURITY_CARD'), file('APPLICATION_FORM'), file('PHOTO'));
    if (region === YF) materials.push(file('SPECIALIST_CERTIFICATE'));
    const token = await stack.token({ role: 'APPLICANT', personId: p.id });
    const res = await stack.query(
      `mutation($input: ApplicationInput!) { r: submit${region.prefix}Application(input: $input) { application { acceptanceNumber } problems { code } } }`,
      {
        input: {
          type: 'NEW',
          diseaseCode: disease.code,
          channelId: region.policy.channels[0]!.id,
          hospitalCode,
          insuredRegionCode: region.code,
          materials,
        },
      },
      { token },
    );
    const n = res.data?.r?.application?.acceptanceNumber as string | undefined;
    if (n) numbers.push(n);
  }
  return numbers;
}

beforeAll(async () => {
  const sink = new Writable({
    write(chunk: Buffer, _enc, done) {
      for (const line of chunk.toString().split('\n')) {
        // An error line, or a stack trace at any level (a JSON line holds it as "stack" or escaped "\n    at ").
        if (/"level":"(error|fatal)"/.test(line) || /"stack":|\\n\s+at /.test(line)) errorLines.push(line);
      }
      done();
    },
  });
  stack = await startStack({ logger: createLogger({ level: 'info', destination: sink }), responseCache: false });
  const applicant = DEMO_PEOPLE.find((p) => p.insuredRegionCode === PZH.code && p.status === 'NORMAL')!.id;
  callers.applicant = await stack.token({ role: 'APPLICANT', personId: applicant });
  callers.reviewerPanzhihua = await stack.token({ role: 'REVIEWER', regionCode: PZH.code });
  callers.reviewerYunfu = await stack.token({ role: 'REVIEWER', regionCode: YF.code });
  callers.operator = await stack.token({ role: 'NATIONAL_OPERATOR' });
  const sha = await stack.upload(callers.applicant, PNG, 'fuzz.png');
  const demo = [PZH, YF].flatMap((r) => demoRecordsFor(r.code as '510400').applications.map((a) => a.id));
  const fresh = [...(await submitSome(PZH, sha, 6)), ...(await submitSome(YF, sha, 6))];
  const policies = [PZH.policy, YF.policy];
  Object.assign(dictionary, {
    acceptanceNumber: [...fresh, ...demo.slice(0, 2), ...demo.slice(-2)],
    diseaseCode: policies.flatMap((p) => p.diseases.map((d) => d.code)),
    channelId: policies.flatMap((p) => p.channels.map((c) => c.id)),
    hospitalCode: policies.flatMap((p) => p.hospitals.map((h) => h.code)),
    regionCode: REGIONS.map((r) => r.code),
    sha256: [sha],
    idNumber: DEMO_PEOPLE.slice(0, 5).map((p) => p.idNumber),
    idempotencyKey: ['fuzz-key-1', 'fuzz-key-2'],
    code: [...REGIONS.map((r) => r.code), ...policies.flatMap((p) => p.diseases.map((d) => d.code))],
    id: DEMO_PEOPLE.slice(0, 5).map((p) => p.id),
  });
}, 120_000);

afterAll(async () => {
  await stack?.close();
});

const FIELDS = [
  ...rootFields('query').map((f) => ['query', f] as const),
  ...rootFields('mutation').map((f) => ['mutation', f] as const),
];

it('covers every root query and mutation field of the supergraph', () => {
  const names = FIELDS.map(([, f]) => f.name);
  expect(names).toEqual(expect.arrayContaining(['region', 'regions', 'person', 'submitPanzhihuaApplication']));
  expect(names.length).toBe(rootFields('query').length + rootFields('mutation').length);
});

describe.each(FIELDS.map(([kind, field]) => [`${kind} ${field.name}`, kind, field] as const))(
  '%s',
  (_title, kind, field) => {
    const operation = operationFor(kind, field);
    it('never answers 5xx or INTERNAL_SERVER_ERROR, and logs no error line', async () => {
      for (const who of Object.keys(callers)) {
        let failure = '';
        const property = fc.asyncProperty(operation, async ({ text, variables }) => {
          const before = errorLines.length;
          const res = await stack.query(text, variables, { token: callers[who] });
          // A subgraph's own bugs are classified SUBGRAPH_ERROR at the source: just as forbidden here.
          const internal = (res.errors ?? []).filter((e) =>
            ['INTERNAL_SERVER_ERROR', 'SUBGRAPH_ERROR'].includes(e.extensions?.code),
          );
          const logged = errorLines.slice(before);
          if ((res.status ?? 200) < 500 && internal.length === 0 && logged.length === 0) return true;
          const shown = JSON.stringify(variables, (_k, v: unknown) =>
            typeof v === 'string' && v.length > 80 ? `${v.slice(0, 80)}…(${v.length} chars)` : v,
          );
          failure = `as ${who}: ${text}\nHTTP ${res.status} ${JSON.stringify(res.errors).slice(0, 1500)}\nvariables ${shown.slice(0, 1500)}\nlog ${logged.join(' | ').slice(0, 800)}`;
          return false;
        });
        const details = await fc.check(property, { numRuns: RUNS, seed: SEED, endOnFailure: true });
        if (details.failed) {
          throw new Error(
            `${field.name} failed (replay: FUZZ_SEED=${details.seed}; path ${details.counterexamplePath})\n${failure}`,
          );
        }
      }
    }, 120_000);
  },
);

// --- `_entities` directly at each subgraph -------------------------------------------------------

const supergraphDoc = parse(readFileSync(SUPERGRAPH_PATH, 'utf8'));
const SUBGRAPH_NAMES = [NATIONAL.name, ...REGIONS.map((r) => r.subgraph)];
const subgraphSchemas = Object.fromEntries(
  SUBGRAPH_NAMES.map((name) => [
    name,
    buildSubgraphSchema(parse(readFileSync(path.join(path.dirname(SUPERGRAPH_PATH), `${name}.graphql`), 'utf8'))),
  ]),
);

const directiveArg = (d: ConstDirectiveNode, name: string) => {
  const arg = d.arguments?.find((a) => a.name.value === name);
  return arg && (arg.value.kind === Kind.STRING || arg.value.kind === Kind.ENUM) ? arg.value.value : undefined;
};

interface EntityType {
  subgraph: string;
  type: string;
  /** Every key field of every key the subgraph declares for the type (`id`, `ref`, `personId regionCode window`…). */
  keyFields: string[];
}

/** Every (subgraph, entity type) pair of the composed supergraph, with its key fields. */
function entityTypes(): EntityType[] {
  const graphNames: Record<string, string> = {};
  for (const def of supergraphDoc.definitions) {
    if (def.kind !== Kind.ENUM_TYPE_DEFINITION || def.name.value !== 'join__Graph') continue;
    for (const v of def.values ?? []) {
      const d = v.directives?.find((x) => x.name.value === 'join__graph');
      if (d) graphNames[v.name.value] = directiveArg(d, 'name')!;
    }
  }
  const found = new Map<string, EntityType>();
  for (const def of supergraphDoc.definitions) {
    if (def.kind !== Kind.OBJECT_TYPE_DEFINITION && def.kind !== Kind.INTERFACE_TYPE_DEFINITION) continue;
    for (const d of def.directives?.filter((x) => x.name.value === 'join__type') ?? []) {
      const key = directiveArg(d, 'key');
      if (key === undefined) continue;
      const subgraph = graphNames[directiveArg(d, 'graph')!]!;
      const id = `${subgraph} ${def.name.value}`;
      const entry = found.get(id) ?? { subgraph, type: def.name.value, keyFields: [] };
      for (const f of key.split(/[\s{}]+/).filter(Boolean)) if (!entry.keyFields.includes(f)) entry.keyFields.push(f);
      found.set(id, entry);
    }
  }
  return [...found.values()];
}

const ENTITY_TYPES = entityTypes();

/** A key field's value: mostly a plausible one, else any string, number, null, boolean, list or object. */
function keyValue(field: string): fc.Arbitrary<unknown> {
  // `ref` is an acceptance number; `window` a message-centre page ("20:" or "20:<cursor>").
  const plausible =
    field === 'ref'
      ? fc.oneof(fc.constantFrom(...dictionary.acceptanceNumber!), nastyString)
      : field === 'window'
        ? fc.oneof(
            fc.constantFrom('20:', '1:', '0:', '-1:', '101:', '20', ':', '20:x', '20:MjA='),
            fc.tuple(int32, unicodeText).map(([n, c]) => `${n}:${c}`),
            nastyString,
          )
        : stringFor(field);
  return fc.oneof(
    { weight: 4, arbitrary: plausible },
    { weight: 1, arbitrary: int32 },
    { weight: 1, arbitrary: fc.constantFrom(null, true, false, 1.5, -0, 1e308, '', ' ') },
    { weight: 1, arbitrary: fc.array(unicodeText, { maxLength: 3 }) },
    { weight: 1, arbitrary: fc.dictionary(unicodeText, fc.oneof(unicodeText, int32), { maxKeys: 3 }) },
  );
}

/** One representation of `entity`: the right __typename or a wrong one, key fields present or not. */
function representation(entity: EntityType, others: string[]): fc.Arbitrary<unknown> {
  const typename = fc.oneof(
    { weight: 6, arbitrary: fc.constant(entity.type) },
    { weight: 1, arbitrary: fc.constantFrom(...others, 'Query', 'Mutation', '_Service', 'NoSuchType', '') },
    { weight: 1, arbitrary: fc.oneof(unicodeText, fc.constantFrom(null, 7, {}, [])) },
  );
  const keys = Object.fromEntries(
    entity.keyFields.map((f) => [f, fc.option(keyValue(f), { nil: undefined, freq: 6 })]),
  );
  const object = fc
    .tuple(fc.option(typename, { nil: undefined, freq: 12 }), fc.record(keys))
    .map(([t, fields]) => (t === undefined ? fields : { __typename: t, ...fields }));
  return fc.oneof(
    { weight: 12, arbitrary: object },
    // Not an object at all: `_Any` is whatever JSON the caller sends.
    { weight: 1, arbitrary: fc.oneof(fc.constant(null), unicodeText, int32, fc.array(int32, { maxLength: 3 })) },
  );
}

/** A request for `_entities` of one type: generated representations and a random shallow selection. */
function entitiesRequestFor(entity: EntityType, others: string[]): fc.Arbitrary<Operation> {
  const item = representation(entity, others);
  const list = fc.oneof(
    { weight: 6, arbitrary: fc.array(item, { minLength: 1, maxLength: 5 }) },
    { weight: 1, arbitrary: fc.array(item, { maxLength: 40 }) },
    { weight: 1, arbitrary: fc.tuple(item, fc.integer({ min: 41, max: 2000 })).map(([v, n]) => repeat(v, n)) },
  );
  return fc.array(fc.boolean(), { minLength: 64, maxLength: 64 }).chain((flags) => {
    let i = 0;
    const pick = () => flags[i++ % flags.length]!;
    const defs = ['$r: [_Any!]!'];
    const arbs: Record<string, fc.Arbitrary<unknown>> = { r: list };
    const type = subgraphSchemas[entity.subgraph]!.getType(entity.type)!;
    const selection = selectionOf(type, 1, 's', defs, arbs, pick);
    const text = `query Fuzz(${defs.join(', ')}) { _entities(representations: $r) { __typename ... on ${entity.type} { ${selection} } } }`;
    return fc.record(arbs).map((variables) => ({ text, variables }));
  });
}

/** Who calls a subgraph directly: nobody (no token), an operator, a reviewer (of the subgraph's region). */
function directCallers(subgraph: string): Record<string, Identity | undefined> {
  const region = REGIONS.find((r) => r.subgraph === subgraph) ?? REGIONS[0]!;
  return {
    'no token': undefined,
    operator: { role: 'NATIONAL_OPERATOR', subject: 'fuzz-operator' },
    reviewer: { role: 'REVIEWER', regionCode: region.code, subject: 'fuzz-reviewer' },
  };
}

async function postDirect(
  subgraph: string,
  operation: Operation,
  identity: Identity | undefined,
): Promise<{ status: number; codes: unknown[]; text: string }> {
  const url = subgraph === NATIONAL.name ? stack.national.graphqlUrl : stack.regions[subgraph]!.graphqlUrl;
  const body = JSON.stringify({ query: operation.text, variables: operation.variables });
  const headers: Record<string, string> = { 'content-type': 'application/json' };
  if (identity) headers[INTERNAL_TOKEN_HEADER] = stack.internalToken(identity, subgraph, body);
  const res = await fetch(url, { method: 'POST', headers, body });
  const text = await res.text();
  let codes: unknown[] = [];
  try {
    const parsed = JSON.parse(text) as { errors?: { extensions?: { code?: unknown } }[] };
    codes = (parsed.errors ?? []).map((e) => e.extensions?.code);
  } catch {
    // Not JSON: only the status and the log count.
  }
  return { status: res.status, codes, text };
}

it('calls _entities directly for every entity type of every subgraph', () => {
  for (const name of SUBGRAPH_NAMES) expect(ENTITY_TYPES.filter((e) => e.subgraph === name).length).toBeGreaterThan(0);
  expect(ENTITY_TYPES).toEqual(
    expect.arrayContaining([
      { subgraph: NATIONAL.name, type: 'Person', keyFields: ['id'] },
      expect.objectContaining({ subgraph: REGIONS[0]!.subgraph, type: `${REGIONS[0]!.prefix}Application` }),
    ]),
  );
});

describe.each(ENTITY_TYPES.map((e) => [`${e.subgraph} _entities ${e.type}`, e] as const))('%s', (_title, entity) => {
  it('never answers 5xx or INTERNAL_SERVER_ERROR, and logs no error line or stack', async () => {
    const others = ENTITY_TYPES.filter((e) => e.subgraph === entity.subgraph && e.type !== entity.type).map(
      (e) => e.type,
    );
    // Built here, after beforeAll: plausible key values come from the running stack.
    const operation = entitiesRequestFor(entity, others);
    for (const [who, identity] of Object.entries(directCallers(entity.subgraph))) {
      let failure = '';
      const property = fc.asyncProperty(operation, async (op) => {
        const before = errorLines.length;
        const res = await postDirect(entity.subgraph, op, identity);
        const internal = res.codes.filter((c) => c === 'INTERNAL_SERVER_ERROR' || c === 'SUBGRAPH_ERROR');
        const logged = errorLines.slice(before);
        if (res.status < 500 && internal.length === 0 && logged.length === 0) return true;
        const shown = JSON.stringify(op.variables, (_k, v: unknown) =>
          typeof v === 'string' && v.length > 80 ? `${v.slice(0, 80)}…(${v.length} chars)` : v,
        );
        failure = `as ${who}: ${op.text}\nHTTP ${res.status} codes ${JSON.stringify([...new Set(res.codes)])} ${res.text.slice(-1500)}\nvariables ${shown.slice(0, 1500)}\nlog ${logged.join(' | ').slice(0, 800)}`;
        return false;
      });
      const details = await fc.check(property, { numRuns: RUNS, seed: SEED, endOnFailure: true });
      if (details.failed) {
        throw new Error(
          `${entity.subgraph} _entities ${entity.type} failed (replay: FUZZ_SEED=${details.seed}; path ${details.counterexamplePath})\n${failure}`,
        );
      }
    }
  }, 120_000);
});
