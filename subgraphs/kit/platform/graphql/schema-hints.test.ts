import { buildSchema, parse, validate } from 'graphql';

import { callerNames, hideSchemaNames } from './schema-hints';

// graphql-js's own messages for a small schema: first that they do name the schema (so this test
// can fail), then that hideSchemaNames leaves only what the caller wrote.

const schema = buildSchema(`
  enum Status { ACCEPTED REJECTED }
  input Filter { status: Status!, region: String! }
  type Region { code: String!, name: String, secretField: Int }
  type Query { region(code: String!): Region, regions(filter: Filter): [Region!]!, byStatus(status: Status): [Region] }
`);

const CASES: [query: string, raw: RegExp, shown: string][] = [
  ['{ regoin(code: "1") { code } }', /Did you mean "region"/, 'Cannot query field "regoin" on this type.'],
  ['{ region(code: "1") { nme } }', /Did you mean "name"/, 'Cannot query field "nme" on this type.'],
  ['{ region(cod: "1") { code } }', /Did you mean "code"/, 'Unknown argument "cod" on field "region".'],
  [
    '{ region { code } }',
    /argument "code" of type "String!" is required/,
    'Field "region" is missing a required argument.',
  ],
  [
    '{ byStatus(status: ACCEPTD) { code } }',
    /Did you mean the enum value "ACCEPTED"/,
    'Value "ACCEPTD" is not one of the allowed values.',
  ],
  ['query($f: Fliter) { regions(filter: $f) { code } }', /Did you mean "Filter"/, 'Unknown type "Fliter".'],
  [
    '{ regions(filter: { status: ACCEPTED }) { code } }',
    /Field "Filter.region" of required type "String!"/,
    'A required input field was not provided.',
  ],
  [
    '{ regions(filter: { status: ACCEPTED, region: "x", regoin: "y" }) { code } }',
    /not defined by type "Filter"/,
    'Field "regoin" is not defined by this input type.',
  ],
  [
    '{ region(code: "1") }',
    /of type "Region" must have a selection/,
    'Field "region" must have a selection of subfields.',
  ],
  [
    '{ region(code: "1") { code { x } } }',
    /since type "String!" has no subfields/,
    'Field "code" must not have a selection.',
  ],
  [
    'query($s: String) { byStatus(status: $s) { code } }',
    /expecting type "Status"/,
    'Variable "$s" of type "String" is used where another type is expected.',
  ],
];

describe('hideSchemaNames', () => {
  it.each(CASES)('%s', (query, raw, shown) => {
    const messages = validate(schema, parse(query)).map((e) => e.message);
    expect(messages.some((m) => raw.test(m))).toBe(true);
    const hidden = messages.map((m) => hideSchemaNames(m, callerNames(query, undefined)));
    expect(hidden).toContain(shown);
    for (const m of hidden) expect(m).not.toMatch(/Did you mean|ACCEPTED|secretField|"Filter"|"Region"|"Status"/);
  });

  it('hides a quoted schema name the caller did not write, keeps values and built-in scalars', () => {
    const known = callerNames('{ a(x: "2026-13-01") }', { v: 'abc' });
    expect(hideSchemaNames('Expected value of type "Date", found "2026-13-01".', known)).toBe(
      'Expected value of type "<hidden>", found "2026-13-01".',
    );
    expect(hideSchemaNames('Expected type "String!", found "abc" for "a".', known)).toBe(
      'Expected type "String!", found "abc" for "a".',
    );
  });
});
