import { buildSubgraphSchema } from '@apollo/subgraph';
import { graphql, parse } from 'graphql';

import { type AccessTable, checkAccessTable, enforceAccessTable, entryPoints, gate } from './access-rules';
import type { Identity } from './identity';

const SDL = parse(`
  extend schema @link(url: "https://specs.apollo.dev/federation/v2.7", import: ["@key"])
  type Thing @key(fields: "id") { id: ID! secret: String }
  type Query { things: [Thing!]! open: String }
`);

const resolvers = {
  Query: { things: () => [{ id: '1', secret: 's' }], open: () => 'hello' },
  Thing: { __resolveReference: (ref: { id: string }) => ({ ...ref, secret: 's' }) },
};
const TABLE: AccessTable = {
  'Query._service': 'PUBLIC',
  'Query.things': 'SIGNED_IN',
  'Query.open': 'PUBLIC',
  '_entities:Thing': 'SIGNED_IN',
};
const build = (table: AccessTable) =>
  enforceAccessTable(buildSubgraphSchema({ typeDefs: SDL, resolvers }), table, { subgraph: 'test' });

const anonymous: Identity = { role: 'ANONYMOUS' };
const applicant: Identity = { role: 'APPLICANT', personId: 'P1', subject: 'P1' };
const reviewer = (regionCode: string): Identity => ({ role: 'REVIEWER', regionCode, subject: 'r' });
const hospital = (regionCode: string): Identity => ({
  role: 'HOSPITAL_REVIEWER',
  regionCode,
  hospitalCode: 'H44530200001',
  subject: 'dora',
});
const operator: Identity = { role: 'NATIONAL_OPERATOR', subject: 'o' };

describe('the access table', () => {
  it('lists root fields and entity types as entry points', () => {
    expect(entryPoints(buildSubgraphSchema({ typeDefs: SDL, resolvers }))).toEqual([
      'Query.things',
      'Query.open',
      'Query._service',
      '_entities:Thing',
    ]);
  });

  it('refuses a schema with an entry point that has no rule, naming it', () => {
    const { 'Query.things': _, ...missing } = TABLE;
    expect(() => build(missing)).toThrow(/Entry points without a rule: Query\.things\./);
  });

  it('refuses a rule for an entry point that does not exist, and an unknown rule', () => {
    expect(() => build({ ...TABLE, 'Query.gone': 'PUBLIC' })).toThrow(/do not exist: Query\.gone/);
    expect(() =>
      checkAccessTable(
        buildSubgraphSchema({ typeDefs: SDL, resolvers }),
        { ...TABLE, 'Query.open': 'OPEN' as never },
        't',
      ),
    ).toThrow(/Unknown rules: Query\.open → OPEN/);
  });

  it('gates root fields and each _entities representation before the resolver runs', async () => {
    const schema = build(TABLE);
    const run = (source: string, identity: Identity, variableValues?: Record<string, unknown>) =>
      graphql({ schema, source, contextValue: { identity }, variableValues });
    const denied = await run('{ open things { secret } }', anonymous);
    expect(denied.data).toEqual(null);
    expect(denied.errors?.map((e) => e.extensions.code)).toEqual(['UNAUTHENTICATED']);
    expect((await run('{ open }', anonymous)).data).toEqual({ open: 'hello' });
    const entities = 'query($r: [_Any!]!) { _entities(representations: $r) { ... on Thing { secret } } }';
    const reps = { r: [{ __typename: 'Thing', id: '1' }, { __typename: 'Query' }] };
    const anon = await run(entities, anonymous, reps);
    expect(anon.data).toEqual({ _entities: [null, null] });
    expect(anon.errors?.map((e) => [e.path, e.extensions.code])).toEqual([
      [['_entities', 0], 'UNAUTHENTICATED'],
      [['_entities', 1], 'FORBIDDEN'], // not an entity here: refused to everyone
    ]);
    const signedIn = await run(entities, applicant, reps);
    expect(signedIn.data).toEqual({ _entities: [{ secret: 's' }, null] });
  });
});

describe('gate', () => {
  it('applies the caller part of each rule', () => {
    const table: [Parameters<typeof gate>[0], Identity, string | undefined, string][] = [
      ['PUBLIC', anonymous, undefined, 'ALLOW'],
      ['NOBODY', operator, undefined, 'FORBIDDEN'],
      ['SIGNED_IN', anonymous, undefined, 'UNAUTHENTICATED'],
      ['PERSON', reviewer('445300'), '510400', 'FORBIDDEN'],
      ['PERSON', reviewer('445300'), undefined, 'ALLOW'], // national: the resolver checks the person's region
      ['PERSON_REFERENCE', reviewer('445300'), undefined, 'ALLOW'], // an applicant: the resolver checks
      ['PERSON_REFERENCE', anonymous, undefined, 'UNAUTHENTICATED'],
      ['STAFF', applicant, undefined, 'FORBIDDEN'],
      ['REGION_STAFF', reviewer('510400'), '510400', 'ALLOW'],
      ['REGION_STAFF', operator, '510400', 'ALLOW'],
      ['REGION_STAFF', reviewer('445300'), '510400', 'FORBIDDEN'],
      ['REGION_AUDIT', reviewer('510400'), '510400', 'ALLOW'],
      ['REGION_AUDIT', operator, '510400', 'ALLOW'],
      ['REGION_AUDIT', reviewer('445300'), '510400', 'FORBIDDEN'],
      ['REGION_AUDIT', { role: 'COUNTER_CLERK', regionCode: '510400', subject: 'c' }, '510400', 'FORBIDDEN'],
      ['REGION_AUDIT', applicant, '510400', 'FORBIDDEN'],
      ['APPLICANT', operator, '510400', 'FORBIDDEN'],
      ['REGION_REVIEWER', operator, '510400', 'FORBIDDEN'],
      ['REGION_REVIEWER', reviewer('510400'), '510400', 'ALLOW'],
      ['REGION_HOSPITAL', hospital('445300'), '445300', 'ALLOW'],
      ['REGION_HOSPITAL', hospital('445300'), '510400', 'FORBIDDEN'],
      ['REGION_HOSPITAL', reviewer('445300'), '445300', 'FORBIDDEN'],
      ['REGION_HOSPITAL', operator, '445300', 'FORBIDDEN'],
      ['REGION_REVIEWER', hospital('445300'), '445300', 'FORBIDDEN'],
      ['PERSON', hospital('445300'), '445300', 'FORBIDDEN'], // its queue only, never a person's records
      ['STAFF', hospital('445300'), undefined, 'FORBIDDEN'],
    ];
    for (const [rule, identity, region, expected] of table)
      expect([rule, gate(rule, identity, region)]).toEqual([rule, expected]);
  });
});
