import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';

import { composeServices } from '@apollo/composition';
import { parse } from 'graphql';

import { breakingChangesAgainst, diffSupergraphs, findBreakingChanges, loadContractSdl } from './schema-diff';

// Real composition (@apollo/composition) of a small region subgraph, changed one way per test, and
// compared with a contract excerpt in the shape of schema/contract.graphql.

const CONTRACT = `
scalar Date
enum ChannelKind { APP MINI_PROGRAM WEB COUNTER }
type Query {
  regions: [Region]!
  region(code: ID!): Region
}
interface Region @key(fields: "code") {
  code: ID!
  name: String!
  hotline: String
  channels: [Channel!]!
  dueDate(acceptedOn: Date!, channelId: ID): String!
}
type Channel { id: ID! name: String! kind: ChannelKind! }
# type Mutation {
#   review<P>Application(acceptanceNumber: String!, decision: ReviewDecision!, reason: String): ApplicationPayload!
# }
`;

const BASE = `
extend schema @link(url: "https://specs.apollo.dev/federation/v2.7", import: ["@key"])

scalar Date

enum ChannelKind { APP MINI_PROGRAM WEB COUNTER }

type Query {
  regions: [Region]!
  region(code: ID!): Region
}

interface Region {
  code: ID!
  name: String!
  hotline: String
  channels: [Channel!]!
  dueDate(acceptedOn: Date!, channelId: ID, calendar: String): String!
}

type PanzhihuaRegion implements Region @key(fields: "code") {
  code: ID!
  name: String!
  hotline: String
  channels: [Channel!]!
  dueDate(acceptedOn: Date!, channelId: ID, calendar: String): String!
}

type Channel {
  id: ID!
  name: String!
  kind: ChannelKind!
  note: String
}

type Mutation {
  reviewPanzhihuaApplication(acceptanceNumber: String!, reason: String): String
  recalculatePanzhihuaDeadlines: String
}
`;

function supergraph(subgraphSdl: string): string {
  const result = composeServices([
    { name: 'sichuan-panzhihua', url: 'http://127.0.0.1:4002/graphql', typeDefs: parse(subgraphSdl) },
  ]);
  if (result.errors) throw new Error(result.errors.map((e) => e.message).join('\n'));
  return result.supergraphSdl;
}

const base = supergraph(BASE);
const changed = (edit: (sdl: string) => string) => findBreakingChanges(base, supergraph(edit(BASE)), CONTRACT);

describe('findBreakingChanges', () => {
  it('finds nothing between a supergraph and itself', async () => {
    expect(await findBreakingChanges(base, base, CONTRACT)).toEqual([]);
  });

  it('lets fields, arguments, types and enum values be added', async () => {
    expect(
      await changed((sdl) =>
        sdl
          .replace('  note: String\n', '  note: String\n  hours: String\n')
          .replace('enum ChannelKind { APP', 'enum ChannelKind { KIOSK APP')
          .replaceAll('channels: [Channel!]!\n', 'channels(kind: ChannelKind): [Channel!]!\n')
          .replace('region(code: ID!): Region\n', 'region(code: ID!): Region\n  channelKinds: [ChannelKind!]!\n'),
      ),
    ).toEqual([]);
  });

  it('reports removing Region.hotline as contract breaking, on the interface and on <P>Region', async () => {
    expect((await changed((sdl) => sdl.replaceAll('  hotline: String\n', ''))).sort()).toEqual([
      'CONTRACT BREAKING: Field `PanzhihuaRegion.hotline` was removed — PanzhihuaRegion implements the contract interface Region, which has hotline.',
      'CONTRACT BREAKING: Field `Region.hotline` was removed — Region.hotline is in the contract.',
    ]);
  });

  it('reports a retyped field as breaking, and as contract breaking when the contract names it', async () => {
    expect(await changed((sdl) => sdl.replace('  note: String\n', '  note: Int\n'))).toEqual([
      'BREAKING: Field `Channel.note` changed type from `String` to `Int`.',
    ]);
    expect(await changed((sdl) => sdl.replace('  kind: ChannelKind!\n', '  kind: String!\n'))).toEqual([
      'CONTRACT BREAKING: Field `Channel.kind` changed type from `ChannelKind!` to `String!` — Channel.kind is in the contract.',
    ]);
  });

  it('reports removing a field the contract does not name as breaking, not contract breaking', async () => {
    expect(await changed((sdl) => sdl.replace('  note: String\n', ''))).toEqual([
      'BREAKING: Field `Channel.note` was removed.',
    ]);
  });

  it('reports removing review<P>Application as contract breaking', async () => {
    const lines = await changed((sdl) => sdl.replace(/ {2}reviewPanzhihuaApplication\(.*\n/, ''));
    expect(lines).toEqual([
      'CONTRACT BREAKING: Field `Mutation.reviewPanzhihuaApplication` was removed — Mutation.reviewPanzhihuaApplication is the contract mutation review<P>Application.',
    ]);
  });

  it('tells contract arguments and enum values from the others', async () => {
    expect((await changed((sdl) => sdl.replaceAll(', calendar: String)', ')'))).sort()).toEqual([
      'BREAKING: Argument `PanzhihuaRegion.dueDate(calendar:)` was removed.',
      'BREAKING: Argument `Region.dueDate(calendar:)` was removed.',
    ]);
    expect((await changed((sdl) => sdl.replace('region(code: ID!)', 'region(code: String!)')))[0]).toBe(
      'CONTRACT BREAKING: Argument `Query.region(code:)` changed type from `ID!` to `String!` — Query.region is in the contract.',
    );
    expect(await changed((sdl) => sdl.replace(' WEB COUNTER }', ' WEB }'))).toEqual([
      'CONTRACT BREAKING: Enum value `ChannelKind.COUNTER` was removed — ChannelKind.COUNTER is in the contract.',
    ]);
    expect(await changed((sdl) => sdl.replace('recalculatePanzhihuaDeadlines: String\n', ''))).toEqual([
      'BREAKING: Field `Mutation.recalculatePanzhihuaDeadlines` was removed.',
    ]);
  });

  it('reports a removed <P> type as contract breaking, listed first', async () => {
    const lines = await changed((sdl) =>
      sdl.replace(/type PanzhihuaRegion[^}]*\}\n/, '').replace('  note: String\n', ''),
    );
    expect(lines).toEqual([
      "CONTRACT BREAKING: Object type `PanzhihuaRegion` was removed — PanzhihuaRegion is a region's Region type, a contract name.",
      'BREAKING: Field `Channel.note` was removed.',
    ]);
  });
});

describe('against the committed supergraph and schema/contract.graphql', () => {
  const committed = readFileSync(path.resolve(__dirname, '../../schema/supergraph.graphql'), 'utf8');
  const contract = loadContractSdl();

  it('finds nothing between the committed supergraph and itself', async () => {
    expect(await findBreakingChanges(committed, committed, contract)).toEqual([]);
  });

  it('marks removing Region.hotline as contract breaking', async () => {
    // The committed supergraph without `hotline` anywhere: on Region and on every <P>Region.
    const changes = await diffSupergraphs(committed, committed.replace(/^ {2}hotline: .*\n/gm, ''), contract);
    expect(changes.length).toBeGreaterThanOrEqual(2);
    expect(changes.every((c) => c.contract)).toBe(true);
    expect(changes.map((c) => c.message)).toContain('Field `Region.hotline` was removed.');
    expect(changes.map((c) => c.message)).toContain('Field `PanzhihuaRegion.hotline` was removed.');
  });

  it('marks removing reviewPanzhihuaApplication as contract breaking', async () => {
    const without = committed.replace(/^ {2}reviewPanzhihuaApplication\([\s\S]*?^ {2}\).*\n/m, '');
    expect(without).not.toContain('reviewPanzhihuaApplication');
    expect(await findBreakingChanges(committed, without, contract)).toEqual([
      'CONTRACT BREAKING: Field `Mutation.reviewPanzhihuaApplication` was removed — Mutation.reviewPanzhihuaApplication is the contract mutation review<P>Application.',
    ]);
  });
});

describe('the contract file', () => {
  it('is required: a missing contract fails the check instead of loosening it', async () => {
    const missing = path.join(mkdtempSync(path.join(os.tmpdir(), 'mente-contract-')), 'contract.graphql');
    expect(() => loadContractSdl(missing)).toThrow(/contract .* is missing/);
    const committed = path.join(path.dirname(missing), 'supergraph.graphql');
    writeFileSync(committed, base);
    await expect(breakingChangesAgainst(committed, base, missing)).rejects.toThrow(/is missing/);
  });
});
