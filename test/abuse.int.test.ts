import { readFileSync } from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { Writable } from 'node:stream';

import { parse, visit } from 'graphql';

import { DEMO_PERSONS } from '../scripts/seed-data/people';
import { callerNames } from '../subgraphs/kit/platform/graphql/schema-hints';
import { createLogger } from '../subgraphs/kit/platform/log';
import { type Stack, startStack } from './harness';

// What an attacker found with EXPOSE_SCHEMA=false, tried again: error messages that map the
// schema, subgraphs without the gateway's limits, stack traces for aborted and malformed requests.

let stack: Stack;
const lines: string[] = [];
const destination = new Writable({
  write(chunk, _encoding, callback) {
    lines.push(...String(chunk).split('\n').filter(Boolean));
    callback();
  },
});

beforeAll(async () => {
  stack = await startStack({ exposeSchema: false, logger: createLogger({ level: 'info', destination }) });
});
afterAll(async () => {
  await stack?.close();
});

/** Every name the schemas define: types, fields, arguments, enum values, directives. */
const SCHEMA_NAMES = (() => {
  const names = new Set<string>();
  for (const file of ['supergraph', 'national', 'sichuan-panzhihua', 'guangdong-yunfu']) {
    const sdl = readFileSync(path.join(__dirname, '../schema', `${file}.graphql`), 'utf8');
    visit(parse(sdl), {
      Name(node) {
        names.add(node.value);
      },
    });
  }
  return names;
})();

const gatewayUrl = () => stack.gateway.graphqlUrl;
const panzhihuaUrl = () => stack.regions['sichuan-panzhihua']!.graphqlUrl;
const nationalUrl = () => stack.national.graphqlUrl;

interface Probe {
  name: string;
  query: string;
  variables?: Record<string, unknown>;
  /** The real name the misspelling is close to: it must not appear. */
  hidden: string[];
}

// One of each kind of misspelling, as each server would see it.
const PROBES: Record<string, () => { url: string; probes: Probe[] }> = {
  gateway: () => ({
    url: gatewayUrl(),
    probes: [
      { name: 'field', query: '{ regionz { code } }', hidden: ['regions', 'region', 'Query'] },
      { name: 'nested field', query: '{ regions { nam } }', hidden: ['name', 'Region'] },
      { name: 'argument', query: '{ region(cod: "510400") { name } }', hidden: ['code', 'String'] },
      {
        name: 'enum value',
        query: '{ panzhihuaReviewQueue(status: ACCEPTD) { id } }',
        hidden: ['ACCEPTED', 'ApplicationStatus'],
      },
      {
        name: 'enum value in a variable',
        query: 'query($s: ApplicationStatus!) { panzhihuaReviewQueue(status: $s) { id } }',
        variables: { s: 'ACCEPTD' },
        hidden: ['ACCEPTED'],
      },
      {
        name: 'type',
        query: 'query($s: ApplicationStatu) { panzhihuaReviewQueue(status: $s) { id } }',
        hidden: ['ApplicationStatus'],
      },
      { name: 'type condition', query: '{ regions { ... on PanzhihuaRegio { code } } }', hidden: ['PanzhihuaRegion'] },
      {
        name: 'input field in a variable',
        query: 'mutation($i: RemoteCareInput!) { filePanzhihuaRemoteCare(input: $i) { problems { code } } }',
        variables: { i: { personid: 'P1' } },
        hidden: ['personId', 'RemoteCareInput'],
      },
      { name: 'missing argument', query: '{ region { name } }', hidden: ['code'] },
    ],
  }),
  'a subgraph called directly': () => ({
    url: panzhihuaUrl(),
    probes: [
      { name: 'field', query: '{ panzhihuaRegio { code } }', hidden: ['panzhihuaRegion', 'Query'] },
      { name: 'nested field', query: '{ panzhihuaRegion { nam } }', hidden: ['name', 'PanzhihuaRegion'] },
      {
        name: 'argument',
        query: '{ panzhihuaReviewQueue(frist: 1) { id } }',
        hidden: ['first', 'panzhihuaReviewQueue.first'],
      },
      {
        name: 'enum value',
        query: '{ panzhihuaReviewQueue(status: ACCEPTD) { id } }',
        hidden: ['ACCEPTED', 'ApplicationStatus'],
      },
      {
        name: 'type',
        query: 'query($r: [_Anyy!]!) { _entities(representations: $r) { __typename } }',
        hidden: ['_Any'],
      },
      {
        name: 'entity type condition',
        query: 'query($r: [_Any!]!) { _entities(representations: $r) { ... on PanzhihuaRecrd { personId } } }',
        hidden: ['PanzhihuaRecord'],
      },
    ],
  }),
  'the national subgraph called directly': () => ({
    url: nationalUrl(),
    probes: [
      { name: 'field', query: '{ persn(id: "P1") { id } }', hidden: ['person'] },
      { name: 'missing argument', query: '{ person { id } }', hidden: ['id', 'ID'] },
    ],
  }),
};

describe('with introspection off, error messages name nothing the caller did not write', () => {
  for (const [where, make] of Object.entries(PROBES)) {
    describe(where, () => {
      it('introspection is refused', async () => {
        const { url } = make();
        const res = await stack.query('{ __schema { types { name } } }', undefined, { url });
        expect(res.errors?.[0]?.extensions?.code).toBe('GRAPHQL_VALIDATION_FAILED');
        expect(res.data).toBeUndefined();
      });

      it('misspelled field, argument, enum value and type: no "Did you mean", no real name', async () => {
        const { url, probes } = make();
        for (const probe of probes) {
          const res = await stack.query(probe.query, probe.variables, { url });
          const messages = (res.errors ?? []).map((e) => e.message);
          expect({ probe: probe.name, errors: messages.length > 0 }).toEqual({ probe: probe.name, errors: true });
          const written = callerNames(probe.query, probe.variables);
          for (const message of messages) {
            expect(message).not.toMatch(/did you mean/i);
            const named = probe.hidden.filter((name) => new RegExp(`\\b${name.replace('.', '\\.')}\\b`).test(message));
            expect({ probe: probe.name, message, named }).toEqual({ probe: probe.name, message, named: [] });
            // Any quoted schema name in the message was written by the caller.
            const quoted = [...message.matchAll(/"([^"]*)"/g)].flatMap((m) => m[1]!.match(/[_A-Za-z]\w*/g) ?? []);
            const leaked = quoted.filter((n) => SCHEMA_NAMES.has(n) && !written.has(n));
            expect({ probe: probe.name, message, leaked }).toEqual({ probe: probe.name, message, leaked: [] });
          }
        }
      });
    });
  }

  it('still says what was wrong', async () => {
    const res = await stack.query('{ region(cod: "510400") { name } }');
    expect(res.errors!.map((e) => e.message)).toEqual([
      'Unknown argument "cod" on field "region".',
      'Field "region" is missing a required argument.',
    ]);
    const field = await stack.query('{ panzhihuaRegio { code } }', undefined, { url: panzhihuaUrl() });
    expect(field.errors![0]!.message).toBe('Cannot query field "panzhihuaRegio" on this type.');
  });
});

describe('a subgraph called directly applies the gateway’s limits', () => {
  it('refuses 3,000 aliases (TOO_MANY_ALIASES)', async () => {
    const aliases = Array.from({ length: 3000 }, (_, i) => `a${i}: panzhihuaRegion { code }`).join(' ');
    const res = await stack.query(`{ ${aliases} }`, undefined, { url: panzhihuaUrl() });
    expect(res.status).toBe(400);
    expect(res.data).toBeUndefined();
    expect(res.errors![0]!.extensions).toMatchObject({ code: 'GRAPHQL_VALIDATION_FAILED', reason: 'TOO_MANY_ALIASES' });
    expect(res.errors![0]!.message).toContain('查询使用的别名过多');
  });

  it('refuses a query nested too deep (QUERY_TOO_DEEP)', async () => {
    let selection = 'code';
    for (let i = 0; i < 14; i++) selection = `region { ${selection} }`;
    const res = await stack.query(
      `query($r: [_Any!]!) { _entities(representations: $r) { ... on PanzhihuaRecord { applications { ${selection} } } } }`,
      { r: [] },
      { url: panzhihuaUrl() },
    );
    expect(res.errors![0]!.extensions).toMatchObject({ code: 'GRAPHQL_VALIDATION_FAILED', reason: 'QUERY_TOO_DEEP' });
  });

  it('refuses a costly query (QUERY_TOO_COSTLY) and a large batch (BATCH_TOO_LARGE), on the national subgraph too', async () => {
    const costly = await stack.query('{ panzhihuaReviewQueue(first: 1000) { id history { note } } }', undefined, {
      url: panzhihuaUrl(),
    });
    expect(costly.errors![0]!.extensions).toMatchObject({ reason: 'QUERY_TOO_COSTLY' });
    const batch = await fetch(nationalUrl(), {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(Array.from({ length: 6 }, () => ({ query: '{ regions { code } }' }))),
    });
    expect(batch.status).toBe(400);
    expect(((await batch.json()) as any).errors[0].extensions.code).toBe('BATCH_TOO_LARGE');
    const aliases = Array.from({ length: 16 }, (_, i) => `a${i}: regions { code }`).join(' ');
    const national = await stack.query(`{ ${aliases} }`, undefined, { url: nationalUrl() });
    expect(national.errors![0]!.extensions).toMatchObject({ reason: 'TOO_MANY_ALIASES' });
  });

  it('the gateway’s own fan-out at its limits still passes every subgraph', async () => {
    const token = await stack.token({ role: 'NATIONAL_OPERATOR', subject: 'ops' });
    // 15 aliases, each a region fetched from its own subgraph through `_entities`.
    const aliases = Array.from(
      { length: 15 },
      (_, i) => `r${i}: region(code: "${i % 2 ? '510400' : '445300'}") { code name }`,
    ).join(' ');
    const wide = await stack.query(`{ ${aliases} }`);
    expect(wide.errors).toBeUndefined();
    expect(Object.keys(wide.data)).toHaveLength(15);
    // Depth 12 at the gateway, every hop crossing subgraphs: person (national) → records (each
    // region, `_entities`) → applications → applicant (national again) → records → …
    const hop = (inner: string) => `records { regionCode applications { id applicant { ${inner} } } }`;
    const query = `query($id: ID!) { person(id: $id) { ${hop(hop(hop('records { regionCode }')))} } }`;
    const depth = countDepth(query);
    expect(depth).toBe(12);
    const deep = await stack.query(query, { id: DEMO_PERSONS.panzhihuaWithHistoryInBoth }, { token });
    expect(deep.errors).toBeUndefined();
    expect(deep.data.person.records.length).toBeGreaterThanOrEqual(2);
    expect(deep.data.person.records.some((r: any) => r.applications.length > 0)).toBe(true);
  });
});

/** Field depth, fragments flattened — what the limit counts. */
function countDepth(query: string): number {
  let max = 0;
  let depth = 0;
  visit(parse(query), {
    Field: {
      enter() {
        max = Math.max(max, ++depth);
      },
      leave() {
        depth--;
      },
    },
  });
  return max;
}

/** Sends raw bytes and either reads the answer or hangs up after `hangUpAfterMs`. */
function rawRequest(url: string, text: string, hangUpAfterMs?: number): Promise<string> {
  const { hostname, port } = new URL(url);
  return new Promise((resolve, reject) => {
    let answer = '';
    const socket = net.connect(Number(port), hostname, () => {
      socket.write(text);
      if (hangUpAfterMs !== undefined) setTimeout(() => socket.destroy(), hangUpAfterMs);
    });
    socket.on('data', (chunk) => (answer += chunk));
    socket.on('close', () => resolve(answer));
    socket.on('error', reject);
  });
}

async function linesDuring(action: () => Promise<unknown>): Promise<string[]> {
  const from = lines.length;
  await action();
  await new Promise((resolve) => setTimeout(resolve, 100)); // the server notices the hang-up
  return lines.slice(from);
}

describe('aborted and malformed requests are one log line each, without a stack', () => {
  for (const [where, urlOf] of [
    ['gateway', gatewayUrl],
    ['subgraph', panzhihuaUrl],
  ] as const) {
    it(`${where}: a client that hangs up mid-body`, async () => {
      const { pathname } = new URL(urlOf());
      const logged = await linesDuring(() =>
        rawRequest(
          urlOf(),
          `POST ${pathname} HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 1000\r\n\r\n{"query":"{ reg`,
          50,
        ),
      );
      expect(logged).toHaveLength(1);
      expect(logged[0]).not.toContain('    at ');
      expect(JSON.parse(logged[0]!)).toMatchObject({ msg: 'request aborted', reason: 'aborted', received: 15 });
    });

    it(`${where}: bad JSON → 400, wrong content type → 415, one line each`, async () => {
      const badJson = await linesDuring(async () => {
        const res = await fetch(urlOf(), {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: '{"query": ',
        });
        expect(res.status).toBe(400);
        expect(((await res.json()) as any).errors[0].extensions.code).toBe('BAD_REQUEST');
      });
      const wrongType = await linesDuring(async () => {
        const res = await fetch(urlOf(), {
          method: 'POST',
          headers: { 'content-type': 'text/plain' },
          body: '{"query": "{ __typename }"}',
        });
        expect(res.status).toBe(415);
        expect(((await res.json()) as any).errors[0]).toEqual({
          message: '请求体须为 JSON（Content-Type: application/json）',
          extensions: { code: 'BAD_REQUEST' },
        });
      });
      for (const [logged, reason] of [
        [badJson, 'invalid-json'],
        [wrongType, 'content-type'],
      ] as const) {
        expect(logged).toHaveLength(1);
        expect(logged[0]).not.toContain('    at ');
        expect(JSON.parse(logged[0]!)).toMatchObject({ level: 'warn', msg: 'bad request', reason });
      }
    });
  }

  it('no line of this suite holds a stack trace', () => {
    expect(lines.length).toBeGreaterThan(0);
    expect(lines.filter((l) => l.includes('    at '))).toEqual([]);
  });
});
