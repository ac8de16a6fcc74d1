import { createHash } from 'node:crypto';
import { isIP } from 'node:net';

import cors from 'cors';
import type express from 'express';
import { Redis } from 'ioredis';
import { Counter, type Registry } from 'prom-client';

import type { Identity } from '../subgraphs/kit/platform/auth/identity';
import { ANONYMOUS } from '../subgraphs/kit/platform/auth/identity';
import type { Logger } from '../subgraphs/kit/platform/log';

// A per-caller budget of operations per minute at the gateway: per user (token subject) when
// signed in, per client address otherwise. Each operation of a batch counts, so batching cannot
// multiply the budget. Counters live in Redis when REDIS_URL is set — one budget across every
// gateway instance — else in this process's memory (bounded). A fixed one-minute window per
// caller, started by the caller's first request: INCRBY and PEXPIRE in one Lua script, atomic.
// If Redis cannot be reached the gateway counts in memory instead (per instance) and says so in
// one warning line, until Redis answers again: a Redis outage must not become a gateway outage.

export interface RateLimitConfig {
  /** Operations per caller per minute; 0 turns the limit off. */
  perMinute: number;
  /** Shared counters (redis:// or rediss://); unset: in memory, per instance. */
  redisUrl?: string;
  /** Prefix of every Redis key (default `mente:ratelimit:`). */
  redisPrefix?: string;
  /** How long one Redis command may take before this request counts in memory instead (default 500 ms). */
  redisTimeoutMs?: number;
  /**
   * How many reverse proxies in front of the gateway to trust for X-Forwarded-For (default 0:
   * the socket's address, so a client cannot pick its own address).
   */
  trustProxy?: number;
}

export const DEFAULT_RATE_LIMIT_PER_MINUTE = 600;
export const DEFAULT_RATE_LIMIT_PREFIX = 'mente:ratelimit:';
export const RATE_LIMITED_MESSAGE = '请求过于频繁，请稍后再试';

const WINDOW_MS = 60_000;
/** Callers remembered in memory at once; the oldest windows are dropped first beyond it. */
const MEMORY_MAX_KEYS = 100_000;

export interface Hit {
  /** Operations counted in the caller's current window, this one included. */
  count: number;
  /** Milliseconds until the window ends. */
  resetMs: number;
}

interface CounterStore {
  hit(key: string, cost: number): Promise<Hit>;
  close(): Promise<void>;
}

export class MemoryCounters implements CounterStore {
  private readonly windows = new Map<string, { count: number; resetAt: number }>();

  constructor(
    private readonly maxKeys = MEMORY_MAX_KEYS,
    private readonly now: () => number = Date.now,
  ) {}

  get size(): number {
    return this.windows.size;
  }

  async hit(key: string, cost: number): Promise<Hit> {
    const now = this.now();
    let window = this.windows.get(key);
    if (!window || window.resetAt <= now) {
      if (window) this.windows.delete(key);
      if (this.windows.size >= this.maxKeys) this.evict(now);
      window = { count: 0, resetAt: now + WINDOW_MS };
      this.windows.set(key, window); // insertion order = window start order
    }
    window.count += cost;
    return { count: window.count, resetMs: window.resetAt - now };
  }

  /** Drops ended windows; if still full, the oldest ones (a tenth of the room). */
  private evict(now: number): void {
    for (const [key, w] of this.windows) if (w.resetAt <= now) this.windows.delete(key);
    let excess = this.windows.size - this.maxKeys + Math.ceil(this.maxKeys / 10);
    for (const key of this.windows.keys()) {
      if (excess-- <= 0) break;
      this.windows.delete(key);
    }
  }

  async close(): Promise<void> {
    this.windows.clear();
  }
}

const HIT_SCRIPT = `
local count = redis.call('INCRBY', KEYS[1], ARGV[1])
local ttl = redis.call('PTTL', KEYS[1])
if ttl < 0 then
  redis.call('PEXPIRE', KEYS[1], ARGV[2])
  ttl = tonumber(ARGV[2])
end
return {count, ttl}`;

type RedisWithHit = Redis & { menteRateHit(key: string, cost: number, windowMs: number): Promise<[number, number]> };

export class RedisCounters implements CounterStore {
  private readonly redis: RedisWithHit;

  constructor(
    url: string,
    private readonly prefix: string,
    onError: (error: Error) => void,
    commandTimeout = 500,
  ) {
    this.redis = new Redis(url, {
      // Fail fast instead of queueing: a request never waits for Redis to come back.
      enableOfflineQueue: false,
      maxRetriesPerRequest: 0,
      commandTimeout,
      connectTimeout: 2000,
      lazyConnect: false,
    }) as RedisWithHit;
    this.redis.on('error', onError);
    this.redis.defineCommand('menteRateHit', { numberOfKeys: 1, lua: HIT_SCRIPT });
  }

  async hit(key: string, cost: number): Promise<Hit> {
    // Not connected: fail at once, without a command (and its timeout timer) per request.
    if (this.redis.status !== 'ready') throw new Error(`Redis connection is ${this.redis.status}`);
    const [count, resetMs] = await this.redis.menteRateHit(`${this.prefix}${key}`, cost, WINDOW_MS);
    return { count: Number(count), resetMs: Number(resetMs) };
  }

  /** Resolves once connected; rejects on the first connection error or after `timeoutMs`. */
  async ready(timeoutMs = 2000): Promise<void> {
    if (this.redis.status === 'ready') return;
    await new Promise<void>((resolve, reject) => {
      const done = (error?: Error) => {
        clearTimeout(timer);
        this.redis.off('ready', onReady);
        this.redis.off('error', done);
        if (error) reject(error);
        else resolve();
      };
      const onReady = () => done();
      const timer = setTimeout(() => done(new Error('Redis is not reachable')), timeoutMs);
      this.redis.once('ready', onReady);
      this.redis.once('error', done);
    });
  }

  async close(): Promise<void> {
    this.redis.disconnect();
  }
}

/** IPv4 as is (IPv4-mapped IPv6 included); IPv6 by its /64, which one subscriber usually holds whole. */
export function addressKey(address: string): string {
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(address);
  if (mapped) return mapped[1]!;
  if (isIP(address) !== 6) return address;
  const [head, tail = ''] = address.toLowerCase().split('::') as [string, string?];
  const left = head ? head.split(':') : [];
  const right = address.includes('::') && tail ? tail.split(':') : [];
  const groups = address.includes('::')
    ? [...left, ...Array<string>(8 - left.length - right.length).fill('0'), ...right]
    : left;
  return `${groups
    .slice(0, 4)
    .map((g) => g.replace(/^0+(?=.)/, ''))
    .join(':')}::/64`;
}

/**
 * The client's address: the socket's, or with `trustProxy` hops the address that many proxies
 * back in X-Forwarded-For (the rightmost entries are the ones our own proxies appended).
 */
export function clientAddress(req: express.Request, trustProxy: number): string {
  const socket = req.socket.remoteAddress ?? 'unknown';
  if (trustProxy <= 0) return socket;
  const header = req.headers['x-forwarded-for'];
  const forwarded = (Array.isArray(header) ? header.join(',') : (header ?? ''))
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
  const chain = [...forwarded, socket];
  const candidate = chain[Math.max(0, chain.length - 1 - trustProxy)]!;
  return isIP(candidate) ? candidate : socket;
}

/** The budget a request is counted against: the user when signed in, else the address. */
export function callerKey(identity: Identity, address: string): string {
  if (identity.role !== 'ANONYMOUS') {
    // Hashed: subjects can be personal; keys are fixed-length either way.
    return `u:${createHash('sha256').update(identity.subject).digest('hex').slice(0, 32)}`;
  }
  return `a:${addressKey(address)}`;
}

export interface RateLimiterOptions extends RateLimitConfig {
  authenticate: (authorizationHeader: string | undefined) => Promise<Identity>;
  logger: Logger;
  /** Counts refused operations (mente_gateway_rate_limited_total). */
  metrics?: Registry;
}

export class RateLimiter {
  readonly perMinute: number;
  private readonly memory = new MemoryCounters();
  private readonly redis?: RedisCounters;
  private redisFailing = false;
  private readonly refused?: Counter;

  constructor(private readonly options: RateLimiterOptions) {
    this.perMinute = options.perMinute;
    if (options.redisUrl) {
      this.redis = new RedisCounters(
        options.redisUrl,
        options.redisPrefix ?? DEFAULT_RATE_LIMIT_PREFIX,
        (error) => this.redisDown(error),
        options.redisTimeoutMs,
      );
    }
    if (options.metrics) {
      this.refused = new Counter({
        name: 'mente_gateway_rate_limited_total',
        help: 'Operations refused by the per-caller rate limit (HTTP 429).',
        registers: [options.metrics],
      });
    }
  }

  /** Resolves once the shared counters can be used (no-op without Redis). */
  async ready(timeoutMs?: number): Promise<void> {
    await this.redis?.ready(timeoutMs);
  }

  private redisDown(error: Error): void {
    if (this.redisFailing) return;
    this.redisFailing = true;
    this.options.logger.warn(
      { reason: error.message.slice(0, 200) },
      'rate limit: Redis unreachable, counting per gateway instance in memory until it is back',
    );
  }

  /** Counts `cost` operations for `key`; allowed while the window's total stays within the limit. */
  async take(key: string, cost: number): Promise<Hit & { allowed: boolean }> {
    let hit: Hit | undefined;
    if (this.redis) {
      try {
        hit = await this.redis.hit(key, cost);
        if (this.redisFailing) {
          this.redisFailing = false;
          this.options.logger.info('rate limit: Redis is back, counters shared again');
        }
      } catch (e) {
        this.redisDown(e as Error);
      }
    }
    hit ??= await this.memory.hit(key, cost);
    return { ...hit, allowed: hit.count <= this.perMinute };
  }

  /** Middleware counting `cost(req)` operations for the caller; 429 with Retry-After beyond the budget. */
  middleware(cost: (req: express.Request) => number): express.RequestHandler {
    return async (req, res, next) => {
      try {
        const identity = await this.options.authenticate(req.headers.authorization).catch(() => ANONYMOUS);
        const key = callerKey(identity, clientAddress(req, this.options.trustProxy ?? 0));
        const operations = Math.max(1, cost(req));
        const hit = await this.take(key, operations);
        if (hit.allowed) return next();
        this.refused?.inc(operations);
        const retryAfter = Math.max(1, Math.ceil(hit.resetMs / 1000));
        res.setHeader('retry-after', String(retryAfter));
        res.setHeader('access-control-expose-headers', 'Retry-After');
        res.status(429).json({
          errors: [
            {
              message: RATE_LIMITED_MESSAGE,
              extensions: { code: 'RATE_LIMITED', limit: this.perMinute, retryAfterSeconds: retryAfter },
            },
          ],
        });
      } catch (e) {
        next(e);
      }
    };
  }

  /** For GraphQL: every operation of a batch counts. */
  graphqlMiddleware(): express.RequestHandler {
    return this.middleware((req) => (Array.isArray(req.body) ? req.body.length : 1));
  }

  /** For POST /uploads (before the multipart body is read): with CORS headers, so a browser sees the 429. */
  uploadsMiddleware(): express.RequestHandler[] {
    return [cors(), this.middleware(() => 1)];
  }

  async close(): Promise<void> {
    await this.redis?.close();
    await this.memory.close();
  }
}
