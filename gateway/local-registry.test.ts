import { readFileSync } from 'node:fs';

import type { GraphQLDataSource } from '@apollo/gateway';
import { execute, parse } from 'graphql';

import { REGIONS } from '../schema/registry';
import { ANONYMOUS, type Identity } from '../subgraphs/kit/platform/auth/identity';
import { acceptanceCheckChar } from '../subgraphs/kit/platform/routing';
import { buildRegistrySchema, LocalRegistryDataSource, NATIONAL_SDL_PATH } from './local-registry';

// The routing fields against the committed national SDL, without any subgraph (the comparison
// with the national subgraph over HTTP is test/local-registry.int.test.ts).

const APPLICANT: Identity = { role: 'APPLICANT', personId: 'P1', subject: 's1' };
const schema = buildRegistrySchema();

async function run(query: string, identity: Identity = ANONYMOUS, variableValues?: Record<string, unknown>) {
  return execute({ schema, document: parse(query), contextValue: { identity, requestId: 'r' }, variableValues });
}

describe('the gateway’s local registry schema', () => {
  it('answers regions and region stubs from the registry, typed by prefix', async () => {
    const result = await run('{ regions { __typename code } region(code: " 445300 ") { __typename code } }');
    expect(result.errors).toBeUndefined();
    expect(result.data).toEqual({
      regions: REGIONS.map((r) => ({ __typename: `${r.prefix}Region`, code: r.code })),
      region: { __typename: 'YunfuRegion', code: '445300' },
    });
    expect((await run('{ region(code: "999999") { code } }')).data).toEqual({ region: null });
  });

  it('routes an acceptance number to its region for a signed-in caller, and refuses anonymous callers', async () => {
    const query = 'query($n: String!) { application(acceptanceNumber: $n) { __typename } }';
    const body = '51040020250303999999';
    const signedIn = await run(query, APPLICANT, { n: ` ${body}${acceptanceCheckChar(body)} `.toLowerCase() });
    expect(signedIn).toEqual({ data: { application: { __typename: 'PanzhihuaApplication' } } });
    const anonymous = await run(query, ANONYMOUS, { n: 'nonsense' });
    expect(anonymous.data).toEqual({ application: null });
    expect(anonymous.errors?.map((e) => e.extensions.code)).toEqual(['UNAUTHENTICATED']);
    expect((await run(query, APPLICANT, { n: 'nonsense' })).data).toEqual({ application: null });
  });

  it('answers no other entry point of the national subgraph', async () => {
    const result = await run('{ me { id } }', APPLICANT);
    expect(result.errors?.map((e) => e.extensions.code)).toEqual(['FORBIDDEN']);
  });

  it('refuses to start on an SDL that does not know a region of the registry', () => {
    const sdl = readFileSync(NATIONAL_SDL_PATH, 'utf8');
    const prefix = REGIONS[0]!.prefix;
    const stale = sdl.replaceAll(`${prefix}Application`, 'RetiredApplication');
    expect(() => buildRegistrySchema(stale)).toThrow(
      new RegExp(`no type ${prefix}Application of the registry: run \`npm run compose\``),
    );
  });

  it('sends every fetch that asks for more than routing fields over HTTP', async () => {
    const sent: string[] = [];
    const remote: GraphQLDataSource = { process: async ({ request }) => (sent.push(request.query!), { data: {} }) };
    const source = new LocalRegistryDataSource(remote, schema, 0);
    const context = { identity: ANONYMOUS, requestId: 'r' };
    const ask = (query: string) =>
      source.process({ request: { query }, context, kind: 'UNKNOWN' as never } as never) as Promise<{ data?: unknown }>;
    expect((await ask('{ regions { code } }')).data).toEqual({ regions: REGIONS.map((r) => ({ code: r.code })) });
    await ask('{ regions { code } me { id } }');
    await ask('mutation { regions }');
    expect(sent).toEqual(['{ regions { code } me { id } }', 'mutation { regions }']);
    expect(source.counts).toEqual({ local: 1, remote: 2 });
  });
});
