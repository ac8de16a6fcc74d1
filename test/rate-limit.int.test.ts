import { randomUUID } from 'node:crypto';
import { Writable } from 'node:stream';

import { Redis } from 'ioredis';

import type { RunningGateway } from '../gateway/gateway';
import { RATE_LIMITED_MESSAGE, type RateLimitConfig } from '../gateway/rate-limit';
import { DEMO_PERSONS } from '../scripts/seed-data/people';
import { createLogger } from '../subgraphs/kit/platform/log';
import { type Stack, startStack } from './harness';

// The per-caller rate limit, on real gateways in front of the same subgraphs: counters shared
// through the real Redis (REDIS_URL, default 127.0.0.1:6379 — an unreachable Redis fails this
// suite, it is never skipped), in memory without it, per user and per address, batches counted
// per operation, POST /uploads included. Each run uses its own key prefix.

const REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
const PREFIX = `mente-test:${randomUUID()}:`;

let stack: Stack;
let redis: Redis;

beforeAll(async () => {
  redis = new Redis(REDIS_URL, { lazyConnect: true, maxRetriesPerRequest: 0, connectTimeout: 3000 });
  redis.on('error', () => {});
  try {
    await redis.connect();
    await redis.ping();
  } catch (e) {
    throw new Error(`Redis is required by this suite and is not reachable at ${REDIS_URL}: ${(e as Error).message}`);
  }
  stack = await startStack();
});
afterAll(async () => {
  await stack?.close();
  if (redis?.status === 'ready') {
    const keys = await redis.keys(`${PREFIX}*`);
    if (keys.length) await redis.del(...keys);
  }
  redis?.disconnect();
});

let run = 0;
/** A gateway with its own rate limit; `shared` puts its counters in Redis under this run's prefix. */
function gatewayWith(
  rateLimit: Partial<RateLimitConfig> & { perMinute: number },
  logger?: ReturnType<typeof createLogger>,
) {
  return stack.startGateway({
    rateLimit: { redisPrefix: `${PREFIX}${++run}:`, ...rateLimit },
    ...(logger ? { logger } : {}),
  });
}

interface Answer {
  status: number;
  retryAfter: string | null;
  body: any;
}

async function post(gateway: RunningGateway, body: unknown, headers: Record<string, string> = {}): Promise<Answer> {
  const res = await fetch(gateway.graphqlUrl, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: JSON.stringify(body),
  });
  return { status: res.status, retryAfter: res.headers.get('retry-after'), body: await res.json() };
}

const REGIONS_QUERY = { query: '{ regions { code } }' };
const statuses = (answers: Answer[]) => answers.map((a) => a.status);

async function inSequence(count: number, send: () => Promise<Answer>): Promise<Answer[]> {
  const answers: Answer[] = [];
  for (let i = 0; i < count; i++) answers.push(await send());
  return answers;
}

function expectRateLimited(answer: Answer, limit: number) {
  expect(answer.status).toBe(429);
  expect(Number(answer.retryAfter)).toBeGreaterThanOrEqual(1);
  expect(Number(answer.retryAfter)).toBeLessThanOrEqual(60);
  expect(answer.body).toEqual({
    errors: [
      {
        message: RATE_LIMITED_MESSAGE,
        extensions: { code: 'RATE_LIMITED', limit, retryAfterSeconds: Number(answer.retryAfter) },
      },
    ],
  });
}

describe('rate limit shared through Redis', () => {
  it('two gateway instances enforce one limit: 6 requests to A and 6 to B at 10/min → the last two are 429', async () => {
    const redisPrefix = `${PREFIX}shared:`;
    // A stall of this test process (a collection, a compile) must not pass for a slow Redis: a long command timeout.
    const shared = { perMinute: 10, redisUrl: REDIS_URL, redisPrefix, redisTimeoutMs: 5000 };
    const a = await gatewayWith(shared);
    const b = await gatewayWith(shared);
    const fromA = await inSequence(6, () => post(a, REGIONS_QUERY));
    const fromB = await inSequence(6, () => post(b, REGIONS_QUERY));
    expect(statuses(fromA)).toEqual([200, 200, 200, 200, 200, 200]);
    expect(statuses(fromB)).toEqual([200, 200, 200, 200, 429, 429]);
    expectRateLimited(fromB[5]!, 10);
    expect(fromA.every((x) => x.body.data?.regions?.length > 0)).toBe(true);
    // One counter in Redis, under this run's prefix, that expires within the minute.
    const keys = await redis.keys(`${redisPrefix}*`);
    expect(keys).toHaveLength(1);
    expect(await redis.get(keys[0]!)).toBe('12');
    const ttl = await redis.pttl(keys[0]!);
    expect(ttl).toBeGreaterThan(0);
    expect(ttl).toBeLessThanOrEqual(60_000);
  });

  it('a gateway whose Redis is unreachable still serves, limits per instance, and warns once', async () => {
    const lines: string[] = [];
    const logger = createLogger({
      level: 'info',
      destination: new Writable({
        write(chunk, _encoding, callback) {
          lines.push(...String(chunk).split('\n').filter(Boolean));
          callback();
        },
      }),
    });
    const gateway = await gatewayWith({ perMinute: 5, redisUrl: 'redis://127.0.0.1:1' }, logger);
    const answers = await inSequence(7, () => post(gateway, REGIONS_QUERY));
    expect(statuses(answers)).toEqual([200, 200, 200, 200, 200, 429, 429]);
    const warnings = lines.filter((l) => l.includes('rate limit'));
    expect(warnings).toHaveLength(1);
    expect(JSON.parse(warnings[0]!)).toMatchObject({ level: 'warn' });
    expect(warnings[0]).not.toContain('    at ');
  });
});

describe('rate limit in memory (no REDIS_URL)', () => {
  it('counts every operation of a batch: two batches of 5 fill a budget of 10', async () => {
    const gateway = await gatewayWith({ perMinute: 10 });
    const batch = Array.from({ length: 5 }, () => REGIONS_QUERY);
    const answers = await inSequence(2, () => post(gateway, batch));
    expect(statuses(answers)).toEqual([200, 200]);
    expectRateLimited(await post(gateway, batch), 10);
    expectRateLimited(await post(gateway, REGIONS_QUERY), 10);
  });

  it('a signed-in user has a budget of their own, and so has each other user', async () => {
    const gateway = await gatewayWith({ perMinute: 3 });
    const alice = await stack.token({ role: 'APPLICANT', personId: DEMO_PERSONS.panzhihuaWithHistoryInBoth });
    const bob = await stack.token({ role: 'APPLICANT', personId: DEMO_PERSONS.yunfuWithOpenApplication });
    const asAlice = { authorization: `Bearer ${alice}` };
    expect(statuses(await inSequence(4, () => post(gateway, REGIONS_QUERY)))).toEqual([200, 200, 200, 429]);
    expect(statuses(await inSequence(4, () => post(gateway, REGIONS_QUERY, asAlice)))).toEqual([200, 200, 200, 429]);
    // A new token for the same user is the same budget.
    const aliceAgain = await stack.token({ role: 'APPLICANT', personId: DEMO_PERSONS.panzhihuaWithHistoryInBoth });
    expect((await post(gateway, REGIONS_QUERY, { authorization: `Bearer ${aliceAgain}` })).status).toBe(429);
    expect((await post(gateway, REGIONS_QUERY, { authorization: `Bearer ${bob}` })).status).toBe(200);
  });

  it('X-Forwarded-For is ignored by default and read only with TRUST_PROXY', async () => {
    const strict = await gatewayWith({ perMinute: 2 });
    const spoofed = await inSequence(3, () =>
      post(strict, REGIONS_QUERY, { 'x-forwarded-for': `203.0.113.${Math.floor(Math.random() * 250)}` }),
    );
    expect(statuses(spoofed)).toEqual([200, 200, 429]);
    const behindProxy = await gatewayWith({ perMinute: 2, trustProxy: 1 });
    const client1 = await inSequence(3, () => post(behindProxy, REGIONS_QUERY, { 'x-forwarded-for': '203.0.113.7' }));
    expect(statuses(client1)).toEqual([200, 200, 429]);
    // The address our proxy appended counts, not what the client put before it.
    const forged = await post(behindProxy, REGIONS_QUERY, { 'x-forwarded-for': '198.51.100.1, 203.0.113.7' });
    expect(forged.status).toBe(429);
    expect((await post(behindProxy, REGIONS_QUERY, { 'x-forwarded-for': '203.0.113.8' })).status).toBe(200);
  });

  it('POST /uploads counts too: 429 with Retry-After', async () => {
    const gateway = await gatewayWith({ perMinute: 1 });
    const token = await stack.token({ role: 'APPLICANT', personId: DEMO_PERSONS.panzhihuaWithHistoryInBoth });
    const upload = async () => {
      const form = new FormData();
      form.append('file', new Blob([Buffer.from('%PDF-1.4\n%rate limit test\n')]), 'a.pdf');
      const res = await fetch(`${gateway.url}/uploads`, {
        method: 'POST',
        headers: { authorization: `Bearer ${token}` },
        body: form,
      });
      return { status: res.status, retryAfter: res.headers.get('retry-after'), body: await res.json() } as Answer;
    };
    expect((await upload()).status).toBe(201);
    expectRateLimited(await upload(), 1);
  });

  it('off with perMinute 0', async () => {
    const gateway = await gatewayWith({ perMinute: 0 });
    expect(statuses(await inSequence(8, () => post(gateway, REGIONS_QUERY))).every((s) => s === 200)).toBe(true);
  });
});
