import { createJwtVerifier, DEV_AUDIENCE, DEV_ISSUER } from '../gateway/auth/jwt';
import {
  type CoprocessorPayload,
  JWT_CLAIMS_KEY,
  type RunningCoprocessor,
  startCoprocessor,
} from '../gateway/coprocessor/coprocessor';
import { INTERNAL_TOKEN_HEADER, operationDigest } from '../subgraphs/kit/platform/auth/internal-token';
import { developmentKeyPaths, loadPrivateKey } from '../subgraphs/kit/platform/auth/keys';
import { type Stack, startStack } from './harness';

// The Apollo Router coprocessor (gateway/coprocessor/) spoken to over HTTP with the protocol's own
// JSON, as the router sends it at the SubgraphRequest stage. No router binary is available here:
// what the router does around it (verifying the JWT, calling us, sending the subgraph request) is
// not tested; what it sends us and what a real subgraph does with our answer is.

const PZH = 'sichuan-panzhihua';
const QUEUE = 'query Queue($n: Int) { panzhihuaReviewQueue(first: $n) { acceptanceNumber } }';

let stack: Stack;
let coprocessor: RunningCoprocessor;
const warnings: string[] = [];

beforeAll(async () => {
  stack = await startStack();
  const keys = developmentKeyPaths(stack.keysDir);
  const logger = {
    child: () => logger,
    warn: (_fields: unknown, line: string) => warnings.push(line),
    error: (_fields: unknown, line: string) => warnings.push(line),
  };
  coprocessor = await startCoprocessor({
    internalPrivateKey: await loadPrivateKey(keys.internalPrivateKeyPath),
    issuer: DEV_ISSUER,
    audience: DEV_AUDIENCE,
    logger: logger as never,
  });
});

afterAll(async () => {
  await coprocessor?.close();
  await stack?.close();
});

/** The claims the router would put in the context: a real development token, verified and decoded. */
async function claimsOf(options: Parameters<Stack['token']>[0]): Promise<Record<string, unknown>> {
  const token = await stack.token(options);
  // Verified as the router would (signature, issuer, audience) before its claims are trusted.
  const verify = createJwtVerifier({
    issuer: DEV_ISSUER,
    audience: DEV_AUDIENCE,
    publicKeyFile: developmentKeyPaths(stack.keysDir).callerPublicKeyPath,
  });
  await verify(`Bearer ${token}`);
  return JSON.parse(Buffer.from(token.split('.')[1]!, 'base64url').toString()) as Record<string, unknown>;
}

function payload(
  serviceName: string,
  claims?: Record<string, unknown>,
  body: object = { query: QUEUE, variables: { n: 5 }, operationName: 'Queue' },
): CoprocessorPayload {
  return {
    version: 1,
    stage: 'SubgraphRequest',
    control: 'continue',
    id: '1b19c05fdafc521016df33148ad63c1b',
    subgraphRequestId: '7d2f0f5e8a6b4c3d',
    serviceName,
    method: 'POST',
    uri: 'http://127.0.0.1:4002/graphql',
    headers: { 'content-type': ['application/json'], [INTERNAL_TOKEN_HEADER]: ['smuggled-by-a-client'] },
    body,
    context: { entries: claims ? { [JWT_CLAIMS_KEY]: claims } : {} },
  };
}

async function exchange(sent: CoprocessorPayload): Promise<CoprocessorPayload> {
  const res = await fetch(coprocessor.url, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(sent),
  });
  expect(res.status).toBe(200);
  return (await res.json()) as CoprocessorPayload;
}

const tokenIn = (answer: CoprocessorPayload) => answer.headers?.[INTERNAL_TOKEN_HEADER]?.[0];
const claimsIn = (token: string) => JSON.parse(Buffer.from(token.split('.')[1]!, 'base64url').toString());

describe('the Router coprocessor at SubgraphRequest', () => {
  it.each([
    // Verified by default (realNameVerified: true in the caller token): carried on as rnv.
    ['an applicant', { role: 'APPLICANT', personId: 'P000001' }, { role: 'APPLICANT', pid: 'P000001', rnv: true }],
    [
      'a counter clerk',
      { role: 'COUNTER_CLERK', regionCode: '510400', subject: 'cc' },
      { role: 'COUNTER_CLERK', rgn: '510400', sub: 'cc' },
    ],
    [
      'a reviewer',
      { role: 'REVIEWER', regionCode: '510400', subject: 'rv' },
      { role: 'REVIEWER', rgn: '510400', sub: 'rv' },
    ],
    [
      'a hospital reviewer',
      { role: 'HOSPITAL_REVIEWER', regionCode: '445300', hospitalCode: 'H44530200001', subject: 'hr' },
      { role: 'HOSPITAL_REVIEWER', rgn: '445300', hsp: 'H44530200001', sub: 'hr' },
    ],
    ['an operator', { role: 'NATIONAL_OPERATOR', subject: 'ops' }, { role: 'NATIONAL_OPERATOR', sub: 'ops' }],
  ] as const)('adds a token for %s, for that subgraph and that operation', async (_who, caller, expected) => {
    const sent = payload(PZH, await claimsOf(caller));
    const answer = await exchange(sent);
    expect(answer).toMatchObject({
      version: 1,
      stage: 'SubgraphRequest',
      control: 'continue',
      id: sent.id,
      subgraphRequestId: sent.subgraphRequestId,
      body: sent.body,
    });
    const token = tokenIn(answer)!;
    expect(token).not.toBe('smuggled-by-a-client');
    expect(answer.headers![INTERNAL_TOKEN_HEADER]).toHaveLength(1);
    expect(claimsIn(token)).toMatchObject({
      aud: `mente-subgraph:${PZH}`,
      body_sha256: operationDigest(sent.body as object),
      ...expected,
    });
    expect(answer.headers!['x-request-id']).toEqual([sent.id]);
  });

  it('carries no real-name claim for an applicant whose token has none', async () => {
    const answer = await exchange(
      payload(PZH, await claimsOf({ role: 'APPLICANT', personId: 'P000001', realNameVerified: false })),
    );
    const claims = claimsIn(tokenIn(answer)!);
    expect(claims).toMatchObject({ role: 'APPLICANT', pid: 'P000001' });
    expect(claims).not.toHaveProperty('rnv');
  });

  it('adds no token without claims: the subgraph request goes on anonymous, a smuggled token removed', async () => {
    const answer = await exchange(payload(PZH));
    expect(answer.control).toBe('continue');
    expect(tokenIn(answer)).toBeUndefined();
    expect(answer.headers!['content-type']).toEqual(['application/json']);
  });

  it('refuses claims of a role that does not exist: no token, 401 UNAUTHENTICATED, one log line', async () => {
    warnings.length = 0;
    for (const claims of [
      { iss: DEV_ISSUER, aud: DEV_AUDIENCE, sub: 'x', role: 'ROOT' },
      { iss: DEV_ISSUER, aud: DEV_AUDIENCE, sub: 'x', role: 'APPLICANT' }, // no personId
      { iss: 'someone-else', aud: DEV_AUDIENCE, sub: 'x', role: 'NATIONAL_OPERATOR' },
    ]) {
      const answer = await exchange(payload(PZH, claims));
      expect(tokenIn(answer)).toBeUndefined();
      expect(answer.control).toEqual({ break: 401 });
      expect(answer.body).toEqual({
        errors: [{ message: expect.stringMatching(/登录凭证/), extensions: { code: 'UNAUTHENTICATED' } }],
      });
    }
    expect(warnings).toHaveLength(3);
    expect(warnings[0]).toMatch(/caller claims refused for sichuan-panzhihua/);
  });

  it('passes other stages through unchanged and refuses what is not protocol version 1', async () => {
    const other = { ...payload(PZH, { role: 'NATIONAL_OPERATOR', sub: 'ops' }), stage: 'RouterRequest' };
    expect(await exchange(other)).toEqual(other);
    const res = await fetch(coprocessor.url, { method: 'POST', body: JSON.stringify({ ...other, version: 2 }) });
    expect(res.status).toBe(400);
  });

  it('mints a token a real region accepts for that body, however the router serializes it, and another subgraph refuses', async () => {
    const sent = payload(PZH, await claimsOf({ role: 'REVIEWER', regionCode: '510400', subject: 'rv' }));
    const token = tokenIn(await exchange(sent))!;
    const { query, variables, operationName } = sent.body as Record<string, unknown>;
    // Keys in another order and indented: not the bytes we saw, the same operation.
    const routerBytes = JSON.stringify({ variables, operationName, query, extensions: {} }, null, 1);
    const post = (url: string, body: string) =>
      fetch(url, {
        method: 'POST',
        headers: { 'content-type': 'application/json', [INTERNAL_TOKEN_HEADER]: token },
        body,
      });
    // Another subgraph first (a refusal never spends the jti): the audience is Panzhihua's.
    const atYunfu = await post(stack.regions['guangdong-yunfu']!.graphqlUrl, routerBytes);
    expect(atYunfu.status).toBe(401);
    expect(((await atYunfu.json()) as any).errors[0].extensions).toMatchObject({
      code: 'UNAUTHENTICATED',
      reason: 'WRONG_AUDIENCE',
    });
    // Another operation at Panzhihua: refused.
    const other = await post(
      stack.regions[PZH]!.graphqlUrl,
      JSON.stringify({ query, variables: { n: 50 }, operationName }),
    );
    expect(((await other.json()) as any).errors[0].extensions.reason).toBe('BODY_MISMATCH');
    const res = await post(stack.regions[PZH]!.graphqlUrl, routerBytes);
    expect(res.status).toBe(200);
    const answer = (await res.json()) as any;
    expect(answer.errors).toBeUndefined();
    expect(answer.data.panzhihuaReviewQueue.length).toBeGreaterThan(0);
    // Once only.
    const again = await post(stack.regions[PZH]!.graphqlUrl, routerBytes);
    expect(((await again.json()) as any).errors[0].extensions.reason).toBe('REPLAYED');
  });
});
