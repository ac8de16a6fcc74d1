import './apollo-dev-mode';

import { readFileSync } from 'node:fs';
import path from 'node:path';
import { format } from 'node:util';

import { ApolloClient, gql, HttpLink, InMemoryCache } from '@apollo/client';
import { loadDevMessages, loadErrorMessages } from '@apollo/client/dev';
import { Supergraph } from '@apollo/federation-internals';
import { cacheExchange, Client as UrqlClient, fetchExchange } from '@urql/core';
import { build } from 'esbuild';
import {
  getNamedType,
  type GraphQLInterfaceType,
  type GraphQLNamedType,
  type GraphQLObjectType,
  isAbstractType,
  isInterfaceType,
  isLeafType,
  isNonNullType,
  isObjectType,
} from 'graphql';

import { cacheConfig, possibleTypes } from '../gateway/client-kit';
import {
  REGION_MUTATION_VARIABLES,
  REGION_TYPENAMES,
  regionMutationDocument,
  type RegionMutationKind,
  regionMutations,
} from '../gateway/client-kit/region-mutations';
import { CSRF_MESSAGE } from '../gateway/csrf-message';
import { SUPERGRAPH_PATH } from '../gateway/gateway';
import { DEMO_PEOPLE, DEMO_PERSONS, demoRecordsFor } from '../scripts/seed-data/people';
import { addDays } from '../subgraphs/kit/domain/calendar';
import { todayInChina } from '../subgraphs/kit/platform/clock';
import { type Stack, startStack } from './harness';

// Real front-end clients against the real gateway: Apollo Client 4 (InMemoryCache, HttpLink) and
// @urql/core (cacheExchange, fetchExchange), with fragments on every interface of the schema,
// anonymous and signed in. What Apollo's cache gives back must equal what the gateway sent.

// Apollo's warnings in words rather than numbered links, as a front end's development build shows them.
loadDevMessages();
loadErrorMessages();

const REPO = path.resolve(__dirname, '..');
const api = Supergraph.build(readFileSync(SUPERGRAPH_PATH, 'utf8')).apiSchema().toGraphQLJSSchema();

// ---------------------------------------------------------------------------------------------
// Operations generated from the API schema: every abstract type is selected through a fragment on
// the interface (its fields) and one on each concrete type (the fields the interface lacks).

function fieldsOf(
  type: GraphQLObjectType | GraphQLInterfaceType,
  depth: number,
  reached: Set<string>,
  skip = new Set<string>(),
): string {
  const out = ['__typename'];
  for (const field of Object.values(type.getFields())) {
    if (skip.has(field.name)) continue;
    if (field.args.some((a) => isNonNullType(a.type) && a.defaultValue === undefined)) continue;
    const named = getNamedType(field.type);
    if (isLeafType(named)) out.push(field.name);
    else if (depth > 0) out.push(`${field.name} { ${selectionFor(named, depth - 1, reached)} }`);
  }
  return out.join(' ');
}

function selectionFor(type: GraphQLNamedType, depth: number, reached: Set<string>): string {
  if (isObjectType(type)) return fieldsOf(type, depth, reached);
  if (!isAbstractType(type)) throw new Error(`cannot select ${type.name}`);
  reached.add(type.name);
  const own = isInterfaceType(type) ? new Set(Object.keys(type.getFields())) : new Set<string>();
  const parts = ['__typename'];
  if (isInterfaceType(type)) parts.push(`... on ${type.name} { ${fieldsOf(type, depth, reached)} }`);
  for (const concrete of api.getPossibleTypes(type)) {
    parts.push(`... on ${concrete.name} { ${fieldsOf(concrete, depth, reached, own)} }`);
  }
  return parts.join(' ');
}

const reached = new Set<string>();
const select = (typeName: string, depth: number) => selectionFor(api.getType(typeName)!, depth, reached);

const ANONYMOUS = `query AnonymousRegions($code: ID!) {
  regions { ${select('Region', 2)} }
  region(code: $code) { ${select('Region', 2)} }
}`;
const SIGNED_IN = `query MyRecords($n: String!) {
  me { ${select('Person', 3)} }
  application(acceptanceNumber: $n) { ${select('Application', 2)} }
}`;

// ---------------------------------------------------------------------------------------------

interface Exchange {
  method: string;
  url: string;
  status: number;
  body: { data?: any; errors?: any[] };
}

/** fetch that keeps what the gateway really answered, for comparison with what a client made of it. */
function recordingFetch(log: Exchange[]): typeof fetch {
  return async (input, init) => {
    const res = await fetch(input, init);
    log.push({
      method: init?.method ?? 'GET',
      url: String(input),
      status: res.status,
      body: (await res.clone().json()) as Exchange['body'],
    });
    return res;
  };
}

function apollo(options: { token?: string; cache?: InMemoryCache; log?: Exchange[] } = {}) {
  return new ApolloClient({
    link: new HttpLink({
      uri: stack.gateway.graphqlUrl,
      fetch: recordingFetch(options.log ?? []),
      headers: options.token ? { authorization: `Bearer ${options.token}` } : {},
    }),
    cache: options.cache ?? new InMemoryCache(cacheConfig),
  });
}

/** Apollo's console warnings (lost cache data, missing fields) while `run` runs. */
async function apolloWarnings<T>(run: () => Promise<T>): Promise<{ result: T; warnings: string[] }> {
  const warnings: string[] = [];
  const keep = (...args: unknown[]) => warnings.push(format(...args));
  const warn = jest.spyOn(console, 'warn').mockImplementation(keep);
  const error = jest.spyOn(console, 'error').mockImplementation(keep);
  try {
    return { result: await run(), warnings };
  } finally {
    warn.mockRestore();
    error.mockRestore();
  }
}

let stack: Stack;
let applicantToken: string;
let acceptanceNumber: string;
const APPLICANT = DEMO_PERSONS.panzhihuaWithHistoryInBoth;

beforeAll(async () => {
  stack = await startStack();
  applicantToken = await stack.token({ role: 'APPLICANT', personId: APPLICANT });
  acceptanceNumber = ['510400', '445300']
    .flatMap((code) => demoRecordsFor(code).applications)
    .find((a) => a.personId === APPLICANT)!.id;
});
afterAll(async () => {
  await stack?.close();
});

describe('the generated cache settings', () => {
  it('cover every interface of the API schema, and the test operations reach each of them', () => {
    const interfaces = Object.values(api.getTypeMap())
      .filter((t) => isAbstractType(t) && !t.name.startsWith('__'))
      .map((t) => t.name)
      .sort();
    expect(Object.keys(possibleTypes).sort()).toEqual(interfaces);
    expect([...reached].sort()).toEqual(Object.keys(possibleTypes).sort());
    expect(possibleTypes.Region).toEqual(expect.arrayContaining(['PanzhihuaRegion', 'YunfuRegion']));
  });

  it('key every entity as the federation does: regions by code, records by person and region', () => {
    for (const typename of possibleTypes.Region!)
      expect(cacheConfig.typePolicies[typename]).toEqual({ keyFields: ['code'] });
    for (const typename of possibleTypes.RegionalRecord!) {
      expect(cacheConfig.typePolicies[typename]).toEqual({ keyFields: ['personId', 'regionCode'] });
    }
    for (const typename of possibleTypes.Application!)
      expect(cacheConfig.typePolicies[typename]).toEqual({ keyFields: ['id'] });
    // and nothing else has an identity of its own: a channel's id is unique only within its region
    const roots = [api.getQueryType(), api.getMutationType()].map((t) => t?.name);
    const objects = Object.values(api.getTypeMap()).filter(
      (t) => isObjectType(t) && !t.name.startsWith('__') && !roots.includes(t.name),
    );
    expect(Object.keys(cacheConfig.typePolicies).sort()).toEqual(objects.map((t) => t.name).sort());
    expect(cacheConfig.typePolicies.Channel).toEqual({ keyFields: false });
    expect(cacheConfig.typePolicies.Material).toEqual({ keyFields: false });
  });
});

describe('Apollo Client 4 with the kit', () => {
  // Each case also checks that the interface fields really are in the answer, so the comparison
  // is not between two equally empty objects.
  const cases = [
    {
      who: 'anonymous',
      query: ANONYMOUS,
      variables: () => ({ code: '445300' }),
      token: () => undefined,
      check: (data: any) => {
        expect(data.regions.map((r: any) => r.name)).toEqual(['攀枝花市', '云浮市']);
        expect(data.region).toMatchObject({ __typename: 'YunfuRegion', code: '445300', name: '云浮市' });
        for (const r of data.regions) expect(r.diseases.length).toBeGreaterThan(0);
      },
    },
    {
      who: 'a signed-in applicant',
      query: SIGNED_IN,
      variables: () => ({ n: acceptanceNumber }),
      token: () => applicantToken,
      check: (data: any) => {
        expect(data.me).toMatchObject({ id: APPLICANT, insuredRegion: { name: '攀枝花市' } });
        expect(data.me.records.map((r: any) => r.region.name)).toEqual(['攀枝花市', '云浮市']);
        const applications = data.me.records.flatMap((r: any) => r.applications);
        expect(applications.length).toBeGreaterThan(0);
        for (const a of applications)
          expect(a).toMatchObject({ status: expect.any(String), disease: expect.anything() });
        expect(data.application).toMatchObject({ acceptanceNumber, status: expect.any(String) });
      },
    },
  ];

  it.each(cases)(
    'loses no field, $who: the cache gives back what the gateway sent',
    async ({ query, variables, token, check }) => {
      const log: Exchange[] = [];
      const client = apollo({ token: token(), log });
      const document = gql(query);
      const { result, warnings } = await apolloWarnings(() =>
        client.query({ query: document, variables: variables(), fetchPolicy: 'network-only' }),
      );
      expect(log).toHaveLength(1);
      const raw = log[0]!.body;
      expect(raw.errors).toBeUndefined();
      check(raw.data);
      expect(result.data).toEqual(raw.data);
      expect(client.readQuery({ query: document, variables: variables() })).toEqual(raw.data);
      expect(warnings).toEqual([]);
      // only entities are normalized
      const stored = Object.keys(client.cache.extract() as object).filter((id) => id !== 'ROOT_QUERY');
      expect(stored.length).toBeGreaterThan(0);
      for (const id of stored)
        expect(cacheConfig.typePolicies[id.split(':')[0]!]?.keyFields).toEqual(expect.any(Array));
    },
  );

  it('normalizes regions by code: a second query with other fields merges, no data-loss warning', async () => {
    const client = apollo();
    const { warnings } = await apolloWarnings(async () => {
      await client.query({ query: gql('{ region(code: "510400") { ... on Region { code name } } }') });
      await client.query({ query: gql('{ region(code: "510400") { ... on Region { code hotline } } }') });
    });
    expect(warnings).toEqual([]);
    const stored = client.cache.extract() as Record<string, unknown>;
    expect(stored['PanzhihuaRegion:{"code":"510400"}']).toMatchObject({
      code: '510400',
      name: '攀枝花市',
      hotline: expect.any(String),
    });
  });

  it('fails loudly, not silently, when a selection of a keyed type leaves out the key', async () => {
    const client = apollo();
    await expect(client.query({ query: gql('{ region(code: "510400") { ... on Region { name } } }') })).rejects.toThrow(
      /Missing field 'code' while extracting keyFields/,
    );
  });
});

describe('negative controls: what the kit prevents', () => {
  it('without possibleTypes Apollo Client silently drops the fields of fragments on interfaces', async () => {
    const log: Exchange[] = [];
    const client = apollo({ cache: new InMemoryCache({ typePolicies: cacheConfig.typePolicies }), log });
    const { result, warnings } = await apolloWarnings(() =>
      client.query({ query: gql(ANONYMOUS), variables: { code: '445300' } }),
    );
    const raw = log[0]!.body;
    // only a development build says so; a production build prints nothing
    expect(warnings.join('\n')).toMatch(/missing `possibleTypes` entry for the supertype of PanzhihuaRegion/);
    expect(raw.data.regions[0].name).toBe('攀枝花市');
    expect(result.data).not.toEqual(raw.data);
    expect((result.data as any).regions[0]).toEqual({ __typename: 'PanzhihuaRegion' });
  });

  it('without keyFields a region has no id: the cache warns that it loses data', async () => {
    const client = apollo({ cache: new InMemoryCache({ possibleTypes }) });
    const { warnings } = await apolloWarnings(async () => {
      await client.query({ query: gql('{ region(code: "510400") { ... on Region { code name } } }') });
      await client.query({ query: gql('{ region(code: "510400") { ... on Region { code hotline } } }') });
    });
    expect(warnings.join('\n')).toMatch(/Cache data may be lost when replacing the region field of a Query object/);
  });
});

describe('negative control: ids that are unique only within a region', () => {
  // Every region made by `npm run new-region` has a channel `medical-insurance-counter` named after
  // itself. The gateway's real answer, each region's first channel given that id, shows what follows.
  const CHANNELS = gql(
    'query Channels { regions { __typename ... on Region { code channels { __typename id name } } } }',
  );

  async function twoCounters() {
    const log: Exchange[] = [];
    await apollo({ log }).query({ query: CHANNELS });
    const data = structuredClone(log[0]!.body.data);
    data.regions[0].channels[0].id = 'medical-insurance-counter';
    data.regions[1].channels[0].id = 'medical-insurance-counter';
    return data;
  }
  const names = (data: any) => data.regions.map((r: any) => r.channels[0].name);

  it('with the kit, each region keeps its own channel', async () => {
    const data = await twoCounters();
    const cache = new InMemoryCache(cacheConfig);
    cache.writeQuery({ query: CHANNELS, data });
    expect(names(cache.readQuery({ query: CHANNELS }))).toEqual(names(data));
  });

  it("with Apollo's default (normalize by id), one region's channel overwrites the other's", async () => {
    const data = await twoCounters();
    const entitiesOnly = Object.fromEntries(
      Object.entries(cacheConfig.typePolicies).filter(([, policy]) => policy.keyFields !== false),
    );
    const cache = new InMemoryCache({ possibleTypes, typePolicies: entitiesOnly });
    cache.writeQuery({ query: CHANNELS, data });
    const [first, second] = names(cache.readQuery({ query: CHANNELS }));
    expect(names(data)[0]).not.toBe(names(data)[1]);
    expect(first).toBe(second);
  });
});

describe('urql (@urql/core)', () => {
  const SHORT = '{ regions { __typename ... on Region { code name } } }';
  const urql = (log: Exchange[], extra: Partial<ConstructorParameters<typeof UrqlClient>[0]> = {}) =>
    new UrqlClient({
      url: stack.gateway.graphqlUrl,
      exchanges: [cacheExchange, fetchExchange],
      fetch: recordingFetch(log),
      ...extra,
    });

  it('with its defaults, sends short queries as GET and is refused by CSRF prevention, in Chinese', async () => {
    const log: Exchange[] = [];
    const result = await urql(log).query(SHORT, {}).toPromise();
    expect(log[0]).toMatchObject({ method: 'GET', status: 400 });
    expect(result.data).toBeUndefined();
    const error = result.error!.graphQLErrors[0]!;
    expect(error.message).toBe(CSRF_MESSAGE);
    expect(error.extensions).toMatchObject({ code: 'BAD_REQUEST', reason: 'CSRF_PREVENTION' });
  });

  it('with preferGetMethod: false (POST) gets what the gateway sent, anonymous and signed in', async () => {
    const log: Exchange[] = [];
    const anonymous = await urql(log, { preferGetMethod: false }).query(ANONYMOUS, { code: '445300' }).toPromise();
    expect(anonymous.error).toBeUndefined();
    expect(log[0]).toMatchObject({ method: 'POST', status: 200 });
    expect(anonymous.data).toEqual(log[0]!.body.data);
    const signedIn = await urql(log, {
      preferGetMethod: false,
      fetchOptions: () => ({ headers: { authorization: `Bearer ${applicantToken}` } }),
    })
      .query(SIGNED_IN, { n: acceptanceNumber })
      .toPromise();
    expect(signedIn.error).toBeUndefined();
    expect(signedIn.data).toEqual(log[1]!.body.data);
    expect(signedIn.data.me.records.length).toBeGreaterThanOrEqual(2);
  });

  it('keeps GET (cacheable URLs) with the apollo-require-preflight header', async () => {
    const log: Exchange[] = [];
    const result = await urql(log, { fetchOptions: { headers: { 'apollo-require-preflight': 'true' } } })
      .query(SHORT, {})
      .toPromise();
    expect(log[0]).toMatchObject({ method: 'GET', status: 200 });
    expect(result.error).toBeUndefined();
    expect(result.data).toEqual(log[0]!.body.data);
    expect(result.data.regions.map((r: any) => r.name)).toEqual(['攀枝花市', '云浮市']);
  });
});

describe('the client kit', () => {
  it('bundles for a browser from its own files and the generated JSON alone', async () => {
    const bundle = await build({
      entryPoints: [path.join(REPO, 'gateway/client-kit/index.ts')],
      bundle: true,
      platform: 'browser',
      format: 'esm',
      write: false,
      metafile: true,
      logLevel: 'silent',
    });
    const inputs = Object.keys(bundle.metafile.inputs).map((f) => path.relative(REPO, path.resolve(f)));
    expect(inputs.sort()).toEqual([
      'gateway/client-kit/cache.ts',
      'gateway/client-kit/index.ts',
      'gateway/client-kit/region-mutations.ts',
      'schema/possibleTypes.json',
      'schema/typePolicies.json',
    ]);
  });
});

describe('the region mutations helper', () => {
  it('names every region mutation of the schema, with the variables the schema declares', () => {
    const mutation = api.getMutationType()!.getFields();
    expect(REGION_TYPENAMES).toEqual(possibleTypes.Region);
    for (const typename of REGION_TYPENAMES) {
      const { prefix, names } = regionMutations(typename);
      expect(`${prefix}Region`).toBe(typename);
      for (const [kind, name] of Object.entries(names)) {
        const field = mutation[name];
        expect(field).toBeDefined();
        const declared = Object.fromEntries(field!.args.map((a) => [a.name, String(a.type)]));
        expect(declared).toEqual(REGION_MUTATION_VARIABLES[kind as RegionMutationKind]);
      }
    }
    // every regional mutation of the schema is one the helper knows
    const known = new Set(REGION_TYPENAMES.flatMap((t) => Object.values(regionMutations(t).names)));
    expect(Object.keys(mutation).filter((m) => !known.has(m))).toEqual([]);
    const typed: 'submitPanzhihuaApplication' = regionMutations('PanzhihuaRegion').names.submit;
    expect(typed).toBe('submitPanzhihuaApplication');
    expect(() => regionMutations('AtlantisRegion')).toThrow(/not a region type/);
  });

  it('lets a national front end submit through Apollo Client to the region the person chose', async () => {
    // A Yunfu applicant in good standing, living there, and a disease with no history of theirs.
    const history = demoRecordsFor('445300');
    const person = DEMO_PEOPLE.find(
      (p) =>
        p.insuredRegionCode === '445300' &&
        p.status === 'NORMAL' &&
        !p.inArrears &&
        !p.residenceRegionCode &&
        !history.applications.some((a) => a.personId === p.id && a.status !== 'APPROVED' && a.status !== 'REJECTED'),
    )!;
    const hadBefore = (code: string) =>
      history.applications.some((a) => a.personId === person.id && a.diseaseCode === code) ||
      history.certifications.some((c) => c.personId === person.id && c.diseaseCode === code);
    const token = await stack.token({ role: 'APPLICANT', personId: person.id });
    const client = apollo({ token });

    // The person chose their 参保地: the front end knows the region only by what the API says.
    const { data } = await client.query<any>({
      query: gql(`query Chosen($code: ID!) {
        region(code: $code) {
          __typename
          ... on Region { code channels { id } hospitals { code level qualifiedForSpecialDiseases } diseases { code } }
        }
      }`),
      variables: { code: person.insuredRegionCode },
    });
    const region = data.region;
    expect(region.__typename).toBe('YunfuRegion');
    const disease = region.diseases.map((d: any) => d.code as string).find((code: string) => !hadBefore(code))!;
    const { data: req } = await client.query<any>({
      query: gql(`query Needed($code: ID!, $disease: ID) {
        region(code: $code) { ... on Region { code materialRequirements(diseaseCode: $disease) { kind required stampRequired validityMonths minHospitalLevel } } }
      }`),
      variables: { code: region.code, disease },
    });
    const hospitalCode = region.hospitals.find((h: any) => h.level === 'LEVEL_3' && h.qualifiedForSpecialDiseases).code;
    const sha256 = await stack.upload(token, Buffer.from('%PDF-1.4\n% mente client test\n'), '诊断证明.pdf');
    const kinds = new Set<string>(['ID_CARD']);
    for (const r of req.region.materialRequirements) if (r.required) kinds.add(r.kind);
    const recent = addDays(todayInChina(), -20);
    const materials = [...kinds].map((kind) => {
      const r = req.region.materialRequirements.find((m: any) => m.kind === kind);
      return {
        kind,
        fileName: `${kind}.pdf`,
        sha256,
        stamped: Boolean(r?.stampRequired),
        ...(r?.validityMonths ? { issuedOn: recent } : {}),
        ...(r?.minHospitalLevel ? { hospitalCode } : {}),
      };
    });

    const { names } = regionMutations(region.__typename as string);
    expect(names.submit).toBe('submitYunfuApplication');
    const mutation = gql(
      regionMutationDocument(region.__typename, 'submit', {
        selection:
          'application { __typename ... on Application { id acceptanceNumber status region { __typename ... on Region { code name } } } } problems { code field message }',
      }),
    );
    const input = {
      type: 'NEW',
      diseaseCode: disease,
      channelId: region.channels[0].id,
      hospitalCode,
      insuredRegionCode: region.code,
      materials,
      idempotencyKey: `clients-${person.id}`,
    };
    const first = await client.mutate<any>({ mutation, variables: { input } });
    const payload = first.data[names.submit];
    expect(payload.problems).toEqual([]);
    expect(payload.application).toMatchObject({
      __typename: 'YunfuApplication',
      status: 'AWAITING_HOSPITAL', // 经定点医疗机构审核备案 first

      region: { __typename: 'YunfuRegion', code: '445300', name: '云浮市' },
    });
    expect(payload.application.acceptanceNumber.startsWith('445300')).toBe(true);

    // the same idempotency key answers the first application again
    const again = await client.mutate<any>({ mutation, variables: { input } });
    expect(again.data[names.submit].application.id).toBe(payload.application.id);

    // the new application is normalized by id and reads back through a fragment on the interface
    const number = payload.application.acceptanceNumber as string;
    expect(client.cache.identify(payload.application)).toBe(`YunfuApplication:{"id":"${number}"}`);
    const log: Exchange[] = [];
    const reader = apollo({ token, log });
    const read = await reader.query<any>({
      query: gql(`query Mine($n: String!) { application(acceptanceNumber: $n) { ${select('Application', 1)} } }`),
      variables: { n: number },
    });
    expect(read.data).toEqual(log[0]!.body.data);
    expect(read.data.application.status).toBe('AWAITING_HOSPITAL');
  });
});
