import 'reflect-metadata';

import { readFileSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

import { EXAMPLE_OPERATIONS } from '../gateway/examples';
import { SUPERGRAPH_PATH } from '../gateway/gateway';
import { NATIONAL } from '../schema/registry';
import { staleRouterFiles } from '../scripts/router-config';
import { type Stack, startStack } from './harness';

// A second federation engine over the same committed supergraph: Hive Gateway (in-process, its
// own query planner and executor) in front of the real subgraphs, next to the Apollo gateway.
// Public policy must come out identical through both. Personal data must NOT come out through Hive
// Gateway: the subgraphs trust only the Apollo gateway's signed internal token
// (x-mente-internal-token, subgraphs/kit/platform/auth/internal-token.ts), which Hive Gateway does not
// mint, so every request it forwards is anonymous, whatever Authorization header the caller sent.
// This is Hive Gateway as configured out of the box; with Mente's plugin (gateway/hive/plugin.ts)
// it mints the token and serves signed-in callers: test/engines.int.test.ts, docs/scale-out.md.

// The part of @graphql-hive/gateway used here, typed locally on purpose: its own typings pull in
// TypeScript's DOM library (through @whatwg-node/fetch), which retypes Blob and friends for the
// whole program and breaks Node-typed code elsewhere (test/harness.ts's uploads). The module itself
// is the real one.
interface HiveGatewayRuntime {
  (req: IncomingMessage, res: ServerResponse): void;
  dispose(): Promise<void> | void;
}
interface HiveGatewayConfig {
  supergraph: string;
  transportEntries: Record<string, { location: string }>;
  logging: boolean;
}
const { createGatewayRuntime } = jest.requireActual<{
  createGatewayRuntime(config: HiveGatewayConfig): HiveGatewayRuntime;
}>('@graphql-hive/gateway');

let stack: Stack;
let hive: HiveGatewayRuntime;
let server: Server;
let hiveUrl: string;

beforeAll(async () => {
  stack = await startStack();
  const subgraphUrls: Record<string, string> = { [NATIONAL.name]: stack.national.graphqlUrl };
  for (const [name, region] of Object.entries(stack.regions)) subgraphUrls[name] = region.graphqlUrl;
  // The committed supergraph names the development ports (join__graph urls). Those are made
  // unreachable here (port 9, discard), and transportEntries points each subgraph, by name, at this
  // stack's port-0 servers: a passing test proves the override, not a stray `npm start` on 4001.
  const supergraph = readFileSync(SUPERGRAPH_PATH, 'utf8').replace(
    /(@join__graph\(name: "[^"]+", url: ")[^"]+"/g,
    '$1http://127.0.0.1:9/graphql"',
  );
  hive = createGatewayRuntime({
    supergraph,
    transportEntries: Object.fromEntries(Object.entries(subgraphUrls).map(([name, url]) => [name, { location: url }])),
    logging: false,
  });
  server = createServer(hive);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  hiveUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}/graphql`;
});

afterAll(async () => {
  await new Promise<void>((resolve) => server?.close(() => resolve()));
  await hive?.dispose();
  await stack?.close();
});

describe('Hive Gateway over the committed supergraph', () => {
  it.each(EXAMPLE_OPERATIONS.map((op) => [op.match(/query (\w+)/)![1]!, op]))(
    'answers the public example %s exactly as the Apollo gateway does',
    async (_name, operation) => {
      const apollo = await stack.query(operation);
      const viaHive = await stack.query(operation, undefined, { url: hiveUrl });
      expect(apollo.errors).toBeUndefined();
      expect(viaHive.errors).toBeUndefined();
      expect(apollo.data).toBeTruthy();
      expect(viaHive.data).toEqual(apollo.data);
    },
  );

  it('gets no personal data: the subgraphs see its requests as anonymous', async () => {
    const query = '{ person(id: "P000003") { name } }';
    const token = await stack.token({ role: 'APPLICANT', personId: 'P000003' });

    // The Apollo gateway verifies the caller and forwards a signed internal token: the name comes back.
    const apollo = await stack.query<{ person: { name: string } | null }>(query, undefined, { token });
    expect(apollo.errors).toBeUndefined();
    expect(apollo.data?.person?.name).toEqual(expect.any(String));

    // Hive Gateway, with or without the same caller token, forwards no internal token: the national
    // subgraph answers as to an anonymous caller, null and UNAUTHENTICATED.
    for (const options of [{ url: hiveUrl }, { url: hiveUrl, token }]) {
      const viaHive = await stack.query<{ person: { name: string } | null }>(query, undefined, options);
      expect(viaHive.data?.person ?? null).toBeNull();
      expect(viaHive.errors?.map((e) => e.extensions?.code)).toEqual(['UNAUTHENTICATED']);
    }
  });
});

describe('router/ (Apollo Router scale-out files)', () => {
  it('matches schema/registry.json (run `npx tsx scripts/router-config.ts` when this fails)', () => {
    expect(staleRouterFiles()).toEqual([]);
  });
});
