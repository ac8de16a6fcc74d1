import 'reflect-metadata';

import DataLoader from 'dataloader';
import { type GraphQLResolveInfo, Kind, parse } from 'graphql';

import type { Identity } from '../kit/platform/auth/identity';
import type { NationalContext } from './context';
import type { PersonRow } from './db/person.entity';
import { readPerson, readsHistory } from './resolvers';

// person(id) with Person.records reads the history index beside the person (one round trip):
// deterministic, with loaders that record when they are asked and answer only when told.

const OPERATOR: Identity = { role: 'NATIONAL_OPERATOR', subject: 'op' } as Identity;

function infoFor(query: string, variableValues: Record<string, unknown> = {}): GraphQLResolveInfo {
  const document = parse(query);
  const operation = document.definitions.find((d) => d.kind === Kind.OPERATION_DEFINITION)!;
  const fragments = Object.fromEntries(
    document.definitions.flatMap((d) => (d.kind === Kind.FRAGMENT_DEFINITION ? [[d.name.value, d]] : [])),
  );
  const person = operation.kind === Kind.OPERATION_DEFINITION ? operation.selectionSet.selections[0]! : undefined;
  return { fieldNodes: [person], fragments, variableValues } as unknown as GraphQLResolveInfo;
}

function context(identity: Identity) {
  const asked: string[] = [];
  let release!: () => void;
  const personRead = new Promise<void>((r) => (release = r));
  const ctx = {
    identity,
    requestId: 'r',
    people: new DataLoader<string, PersonRow | null>(async (ids) => {
      asked.push('person');
      await personRead;
      return ids.map(() => null);
    }),
    history: new DataLoader<string, string[]>(async (ids) => {
      asked.push('history');
      return ids.map(() => []);
    }),
    audit: { record: async () => {} },
  } as unknown as NationalContext;
  return { ctx, asked, release };
}

it('asks the history index beside the person when records are asked, and only then', async () => {
  for (const prefetch of [true, false]) {
    const { ctx, asked, release } = context(OPERATOR);
    const read = readPerson(ctx, 'P000003', false, prefetch);
    await new Promise((r) => setTimeout(r, 10));
    // Both statements are under way before the person's answer.
    expect(asked.sort()).toEqual(prefetch ? ['history', 'person'] : ['person']);
    release();
    await expect(read).resolves.toBeNull();
  }
});

it('asks nothing for a caller refused before the read', async () => {
  const { ctx, asked } = context({ role: 'APPLICANT', personId: 'P000001' } as Identity);
  await expect(readPerson(ctx, 'P000003', false, true)).rejects.toThrow();
  await new Promise((r) => setTimeout(r, 10));
  expect(asked).toEqual([]);
});

it('knows which selections read the history index', () => {
  expect(readsHistory(infoFor('{ person(id: "P1") { name records { __typename } } }'), OPERATOR)).toBe(true);
  expect(readsHistory(infoFor('{ person(id: "P1") { name } }'), OPERATOR)).toBe(false);
  expect(
    readsHistory(
      infoFor('{ person(id: "P1") { ...F } } fragment F on Person { notifications { __typename } }'),
      OPERATOR,
    ),
  ).toBe(true);
  expect(readsHistory(infoFor('{ person(id: "P1") { ... on Person { records { __typename } } } }'), OPERATOR)).toBe(
    true,
  );
  // A national operator's ALL_REGIONS asks every region, not the index; a reviewer's still reads it.
  const all = '{ person(id: "P1") { records(scope: ALL_REGIONS) { __typename } } }';
  expect(readsHistory(infoFor(all), OPERATOR)).toBe(false);
  expect(readsHistory(infoFor(all), { role: 'REVIEWER', regionCode: '510400' } as Identity)).toBe(true);
  const byVariable = 'query($s: RecordsScope) { person(id: "P1") { records(scope: $s) { __typename } } }';
  expect(readsHistory(infoFor(byVariable, { s: 'ALL_REGIONS' }), OPERATOR)).toBe(false);
  expect(readsHistory(infoFor(byVariable, { s: 'HISTORY' }), OPERATOR)).toBe(true);
});
