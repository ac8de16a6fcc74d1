import type { RunningGateway } from '../gateway/gateway';
import { DEMO_PERSONS } from '../scripts/seed-data/people';
import { formatAcceptanceNumber } from '../subgraphs/kit/domain/acceptance-number';
import { type Stack, startStack } from './harness';

// The Apollo gateway answers the national routing fields (`regions`, `region`, `application`)
// in-process against the national subgraph's SDL with the platform's routing functions and access
// rules, which the national subgraph's resolvers and access table use too (gateway/local-registry.ts).
// Every answer must be the one the national subgraph gives over HTTP (a second gateway with
// localRegistry: false, same subgraphs); Person and everything else still goes over HTTP, where
// the national subgraph authorizes and audits.

let stack: Stack;
let remote: RunningGateway;

beforeAll(async () => {
  stack = await startStack({ responseCache: false });
  remote = await stack.startGateway({ localRegistry: false, responseCache: false });
});

afterAll(async () => {
  await stack?.close();
});

/** HTTP fetches the gateway made to the national subgraph so far (its fetch-duration histogram). */
async function nationalFetches(gateway: RunningGateway): Promise<number> {
  const metric = await gateway.metrics.registry.getSingleMetric('mente_subgraph_fetch_duration_seconds')!.get();
  const values = metric.values as { metricName?: string; labels: Record<string, unknown>; value: number }[];
  const count = values.find(
    (v) => v.metricName === 'mente_subgraph_fetch_duration_seconds_count' && v.labels.subgraph === 'national',
  );
  return count?.value ?? 0;
}

const REGION = '{ region(code: "510400") { code name diseases { code name } } }';
const ONE = 'query($m: String!) { application(acceptanceNumber: $m) { acceptanceNumber status } }';
// Well-formed numbers nobody was given: in a known region, in a region the registry does not know.
const UNKNOWN = formatAcceptanceNumber('510400', '2025-03-03', 999_999);
const UNKNOWN_REGION = formatAcceptanceNumber('999999', '2026-02-12', 1);
/** The same digits with another check character. */
const WRONG_CHECK = UNKNOWN.slice(0, 20) + (UNKNOWN.endsWith('0') ? '1' : '0');

describe('the gateway’s local registry fields', () => {
  let acceptanceNumber: string;
  let applicant: string;

  beforeAll(async () => {
    applicant = await stack.token({ role: 'APPLICANT', personId: DEMO_PERSONS.yunfuWithOpenApplication });
    const mine = await stack.query(
      '{ me { records { applications { acceptanceNumber } } } }',
      {},
      { url: remote.graphqlUrl, token: applicant },
    );
    acceptanceNumber = mine.data.me.records.flatMap((r: any) => r.applications)[0].acceptanceNumber;
    expect(acceptanceNumber).toMatch(/^[A-Z0-9]+$/);
  });

  const cases: [string, string, Record<string, unknown>, 'anonymous' | 'applicant' | 'other' | 'reviewer'][] = [
    ['every region', '{ regions { code name province } }', {}, 'anonymous'],
    ['one region’s catalogue', REGION, {}, 'anonymous'],
    ['an unknown region', '{ region(code: "999999") { code name } }', {}, 'anonymous'],
    ['the catalogue, signed in', REGION, {}, 'applicant'],
    [
      'an application, anonymous (refused)',
      'query($n: String!) { application(acceptanceNumber: $n) { status } }',
      {},
      'anonymous',
    ],
    [
      'the applicant’s own application',
      'query($n: String!) { application(acceptanceNumber: $n) { acceptanceNumber status applicant { id name } } }',
      {},
      'applicant',
    ],
    [
      'someone else’s application',
      'query($n: String!) { application(acceptanceNumber: $n) { acceptanceNumber status } }',
      {},
      'other',
    ],
    [
      'another region’s reviewer',
      'query($n: String!) { application(acceptanceNumber: $n) { acceptanceNumber status } }',
      {},
      'reviewer',
    ],
    ['a malformed number', '{ application(acceptanceNumber: "nonsense") { status } }', {}, 'applicant'],
    [
      'a malformed number, anonymous (refused)',
      '{ application(acceptanceNumber: "nonsense") { status } }',
      {},
      'anonymous',
    ],
    ['an impossible date', ONE, { m: '510400202602300001237' }, 'applicant'],
    ['a wrong check character', ONE, { m: WRONG_CHECK }, 'applicant'],
    ['a well-formed number nobody was given', ONE, { m: UNKNOWN }, 'applicant'],
    ['the same in lower case with spaces', ONE, { m: ` ${UNKNOWN.toLowerCase()} ` }, 'reviewer'],
    ['a number of a region the registry does not know', ONE, { m: UNKNOWN_REGION }, 'applicant'],
    [
      'a region code with spaces, with __typename',
      '{ __typename region(code: " 445300 ") { __typename code } }',
      {},
      'anonymous',
    ],
    [
      'the registry fields together, signed in',
      'query($m: String!) { regions { code } region(code: "510400") { name } application(acceptanceNumber: $m) { status } }',
      { m: UNKNOWN },
      'applicant',
    ],
    [
      'the registry fields together, anonymous (application refused)',
      'query($m: String!) { regions { code } region(code: "510400") { name } application(acceptanceNumber: $m) { status } }',
      { m: UNKNOWN },
      'anonymous',
    ],
    ['registry and person in one query', '{ regions { code } me { id insuredRegion { code name } } }', {}, 'applicant'],
  ];

  it.each(cases)('%s: the same answer as the national subgraph over HTTP', async (_name, query, variables, who) => {
    const token =
      who === 'applicant'
        ? applicant
        : who === 'other'
          ? await stack.token({ role: 'APPLICANT', personId: DEMO_PERSONS.panzhihuaNoRecords })
          : who === 'reviewer'
            ? await stack.token({ role: 'REVIEWER', regionCode: '510400', subject: 'rv-local' })
            : undefined;
    const vars = query.includes('$n') ? { ...variables, n: acceptanceNumber } : variables;
    const options = token ? { token } : {};
    const before = await nationalFetches(stack.gateway);
    const [local, overHttp] = await Promise.all([
      stack.query(query, vars, { ...options, url: stack.gateway.graphqlUrl }),
      stack.query(query, vars, { ...options, url: remote.graphqlUrl }),
    ]);
    expect(local.status).toBe(overHttp.status);
    expect({ data: local.data, errors: local.errors }).toEqual({ data: overHttp.data, errors: overHttp.errors });
    // Answered in the gateway: no fetch to the national subgraph but for Person (`me`, an applicant).
    if (!/\b(me|applicant) \{/.test(query)) expect(await nationalFetches(stack.gateway)).toBe(before);
  });

  it('answers registry-only fetches without calling the national subgraph, and nothing else', async () => {
    const before = await nationalFetches(stack.gateway);
    const catalogue = await stack.query(REGION);
    expect(catalogue.data.region.diseases.length).toBeGreaterThan(0);
    expect(await nationalFetches(stack.gateway)).toBe(before);
    // The national part of this is Person: over HTTP, with the applicant's internal token.
    const me = await stack.query('{ me { id name } }', {}, { token: applicant });
    expect(me.data.me.id).toBe(DEMO_PERSONS.yunfuWithOpenApplication);
    expect(await nationalFetches(stack.gateway)).toBe(before + 1);
    // A person anonymously: refused by the national subgraph over HTTP, as before.
    const anonymous = await stack.query(`{ person(id: "${DEMO_PERSONS.yunfuWithOpenApplication}") { name } }`);
    expect(anonymous.errors?.map((e) => e.extensions?.code)).toEqual(['UNAUTHENTICATED']);
    expect(await nationalFetches(stack.gateway)).toBe(before + 2);
  });

  it('leaves the national subgraph serving the registry fields over HTTP (other engines, direct callers)', async () => {
    const direct = await stack.query('{ regions { code } }', {}, { url: stack.national.graphqlUrl });
    expect(direct.errors).toBeUndefined();
    expect(direct.data.regions.map((r: { code: string }) => r.code)).toEqual(['510400', '445300']);
  });
});
