import { ApplicationEntity } from '../subgraphs/kit/persistence/db/record.entities';
import { INTERNAL_TOKEN_HEADER, operationDigest } from '../subgraphs/kit/platform/auth/internal-token';
import type { RecordedRequest } from './fault-proxy';
import { type Stack, startStack } from './harness';

// Someone on the gateway → subgraph link captures the internal token the gateway sent with a
// Panzhihua reviewer's request, and replays it: for another operation at the same subgraph (a
// review decision), with the same body at another subgraph, and as the identical request again.
// Each is refused with 401 and changes nothing; the reviewer's own requests keep working.

const PZH = 'sichuan-panzhihua';
const QUEUE = 'query { panzhihuaReviewQueue(first: 20) { acceptanceNumber status } }';
const REVIEW =
  'mutation($n: String!, $d: ReviewDecision!, $r: String) { reviewPanzhihuaApplication(acceptanceNumber: $n, decision: $d, reason: $r) { application { status } problems { code } } }';

let stack: Stack;
let reviewerToken: string;
let captured: RecordedRequest;
let token: string;
let pending: string;

interface Answer {
  status: number;
  body: { data?: any; errors?: { message: string; extensions?: { code?: string; reason?: string } }[] };
}

/** POST straight to a subgraph, as the attacker would: the given headers and exactly these bytes. */
async function send(url: string, body: Buffer | string, headers: Record<string, string> = {}): Promise<Answer> {
  const res = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body });
  return { status: res.status, body: (await res.json()) as Answer['body'] };
}

const withToken = (value: string) => ({ [INTERNAL_TOKEN_HEADER]: value });
const reasonOf = (answer: Answer) => answer.body.errors?.[0]?.extensions?.reason;
const statusOf = async (acceptanceNumber: string) =>
  (await stack.regions[PZH]!.dataSource.getRepository(ApplicationEntity).findOneByOrFail({ id: acceptanceNumber }))
    .status;

/** Runs the reviewer's queue through the gateway and returns what reached Panzhihua. */
async function reviewerQueueThroughGateway(): Promise<{ seen: RecordedRequest[]; data: any }> {
  const seen: RecordedRequest[] = [];
  stack.proxies[PZH]!.onRequest = (request) => seen.push(request);
  try {
    const res = await stack.query(QUEUE, undefined, { token: reviewerToken });
    expect(res.errors).toBeUndefined();
    return { seen: seen.filter((r) => r.headers[INTERNAL_TOKEN_HEADER]), data: res.data };
  } finally {
    stack.proxies[PZH]!.onRequest = undefined;
  }
}

beforeAll(async () => {
  stack = await startStack({ faults: true, responseCache: false });
  reviewerToken = await stack.token({ role: 'REVIEWER', regionCode: '510400', subject: 'pzh-reviewer' });
  const { seen, data } = await reviewerQueueThroughGateway();
  expect(seen).toHaveLength(1);
  captured = seen[0]!;
  token = captured.headers[INTERNAL_TOKEN_HEADER] as string;
  const queue = data.panzhihuaReviewQueue as { acceptanceNumber: string; status: string }[];
  pending = queue.find((a) => a.status === 'ACCEPTED')!.acceptanceNumber;
  expect(pending).toBeDefined();
});

afterAll(async () => {
  await stack?.close();
});

describe('an internal token captured on the gateway → subgraph link', () => {
  it('names one subgraph, the digest of the operation it came with, a jti, and a short life', () => {
    const claims = JSON.parse(Buffer.from(token.split('.')[1]!, 'base64url').toString());
    expect(claims).toMatchObject({
      aud: 'mente-subgraph:sichuan-panzhihua',
      role: 'REVIEWER',
      rgn: '510400',
      body_sha256: operationDigest(captured.body),
    });
    expect(claims.jti).toEqual(expect.any(String));
    expect(claims.exp - claims.iat).toBeLessThanOrEqual(30);
  });

  it('(a) cannot carry another operation at the same subgraph: a review decision is refused, nothing changes', async () => {
    const url = stack.regions[PZH]!.graphqlUrl;
    const decision = JSON.stringify({ query: REVIEW, variables: { n: pending, d: 'REJECT', r: '材料不全' } });
    const replayed = await send(url, decision, withToken(token));
    expect(replayed.status).toBe(401);
    expect(replayed.body.data).toBeUndefined();
    expect(replayed.body.errors![0]!.extensions).toMatchObject({ code: 'UNAUTHENTICATED', reason: 'BODY_MISMATCH' });
    // Nor the same query with other arguments. The same operation re-serialized is the same
    // operation (the digest is canonical, so engines that re-serialize work): a replay of a spent jti.
    const more = JSON.stringify({ query: QUEUE.replace('first: 20', 'first: 50') });
    expect(reasonOf(await send(url, more, withToken(token)))).toBe('BODY_MISMATCH');
    const spaced = JSON.stringify(JSON.parse(captured.body.toString()), null, 2);
    expect(reasonOf(await send(url, spaced, withToken(token)))).toBe('REPLAYED');
    // Without any token the decision is an anonymous caller's: refused by the region.
    const anonymous = await send(url, decision);
    expect(anonymous.body.errors![0]!.extensions!.code).toBe('UNAUTHENTICATED');
    expect(await statusOf(pending)).toBe('ACCEPTED');
    // The control: the same decision with a token the gateway would sign for it does go through.
    const signed = await send(
      url,
      decision,
      withToken(
        stack.internalToken({ role: 'REVIEWER', regionCode: '510400', subject: 'pzh-reviewer' }, PZH, decision),
      ),
    );
    expect(signed.body.data?.reviewPanzhihuaApplication?.application?.status).toBe('REJECTED');
    expect(await statusOf(pending)).toBe('REJECTED');
  });

  it('(b) is refused with the same body at another subgraph', async () => {
    for (const url of [stack.regions['guangdong-yunfu']!.graphqlUrl, stack.national.graphqlUrl]) {
      const replayed = await send(url, captured.body, withToken(token));
      expect(replayed.status).toBe(401);
      expect(replayed.body.errors![0]!.extensions).toMatchObject({ code: 'UNAUTHENTICATED', reason: 'WRONG_AUDIENCE' });
    }
  });

  it('(c) is refused as a replay when the identical request is sent again, directly or along the same path', async () => {
    const headers = { ...withToken(token), 'x-request-id': String(captured.headers['x-request-id']) };
    const direct = await send(stack.regions[PZH]!.graphqlUrl, captured.body, headers);
    expect(direct.status).toBe(401);
    expect(direct.body.errors![0]!.extensions).toMatchObject({ code: 'UNAUTHENTICATED', reason: 'REPLAYED' });
    expect(direct.body.errors![0]!.message).toMatch(/内部令牌/);
    const viaProxy = await send(`${stack.proxies[PZH]!.url}/graphql`, captured.body, headers);
    expect(reasonOf(viaProxy)).toBe('REPLAYED');
  });

  it('is refused on a GET, where there is no body to check', async () => {
    const url = `${stack.regions[PZH]!.graphqlUrl}?query=${encodeURIComponent(QUEUE)}`;
    const res = await fetch(url, { headers: { ...withToken(token), 'apollo-require-preflight': 'true' } });
    expect(res.status).toBe(401);
    expect(((await res.json()) as Answer['body']).errors![0]!.extensions!.reason).toBe('NO_BODY');
  });

  it('leaves the reviewer’s own requests working: a fresh token for every fetch', async () => {
    const again = await reviewerQueueThroughGateway();
    expect(again.seen).toHaveLength(1);
    const fresh = again.seen[0]!.headers[INTERNAL_TOKEN_HEADER];
    expect(fresh).not.toBe(token);
    expect(again.data.panzhihuaReviewQueue.length).toBeGreaterThan(0);
  });

  it('leaves requests with no token anonymous: public policy still served', async () => {
    const res = await send(stack.regions[PZH]!.graphqlUrl, JSON.stringify({ query: '{ panzhihuaRegion { name } }' }));
    expect(res.status).toBe(200);
    expect(res.body.data).toEqual({ panzhihuaRegion: { name: '攀枝花市' } });
  });
});
