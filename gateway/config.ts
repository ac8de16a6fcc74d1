import type { KeyLike } from 'jose';

import { SUBGRAPHS } from '../schema/registry';
import { MAX_INTERNAL_TTL_SECONDS } from '../subgraphs/kit/platform/auth/internal-token';
import { developmentKeyPaths, ensureDevelopmentKeys, loadPrivateKey } from '../subgraphs/kit/platform/auth/keys';
import {
  checkCommon,
  checkSubgraphTls,
  type CommonConfig,
  EnvChecker,
  type SubgraphTls,
} from '../subgraphs/kit/platform/config';
import { type Limits, readLimits } from '../subgraphs/kit/platform/limits';
import { defaultMetricsPort } from '../subgraphs/kit/platform/metrics-server';
import { createJwtVerifier, DEV_AUDIENCE, DEV_ISSUER, type JwtConfig } from './auth/jwt';
import { type CircuitBreakerOptions, DEFAULT_CIRCUIT_BREAKER } from './circuit-breaker';
import { EXPLORER_MODES, type ExplorerMode } from './explorer/config';
import { DEFAULT_RETENTION_HOURS } from './file-sweeper';
import { DEFAULT_RATE_LIMIT_PER_MINUTE, DEFAULT_RATE_LIMIT_PREFIX, type RateLimitConfig } from './rate-limit';
import { DEFAULT_SUBGRAPH_HEALTH_TIMEOUT_MS } from './subgraph-status';
import { DEFAULT_UPLOAD_QUOTA, type UploadQuota } from './upload-quota';

/** Where each subgraph is reached: SUBGRAPH_URL_<NAME> overrides the registry's default. */
export function subgraphUrlsFromEnv(env: NodeJS.ProcessEnv = process.env): Record<string, string> {
  return Object.fromEntries(SUBGRAPHS.map((s) => [s.name, env[s.urlEnv] ?? s.defaultUrl]));
}

export interface GatewaySecurity {
  authenticate: ReturnType<typeof createJwtVerifier>;
  internalPrivateKey: KeyLike;
}

/**
 * Caller authentication and the internal signing key, from the environment:
 * JWT_ISSUER, JWT_AUDIENCE, JWT_JWKS_URL or JWT_PUBLIC_KEY_FILE, INTERNAL_PRIVATE_KEY_FILE.
 * Outside production, unset values fall back to the development keys under .data/keys
 * (`npm run token` mints tokens for them).
 */
export async function loadGatewaySecurity(env: NodeJS.ProcessEnv = process.env): Promise<GatewaySecurity> {
  const production = env.NODE_ENV === 'production';
  const dev = production ? null : developmentKeyPaths();
  if (dev) await ensureDevelopmentKeys();
  const jwt: JwtConfig = {
    issuer: env.JWT_ISSUER ?? (production ? '' : DEV_ISSUER),
    audience: env.JWT_AUDIENCE ?? (production ? '' : DEV_AUDIENCE),
    ...(env.JWT_JWKS_URL
      ? { jwksUrl: env.JWT_JWKS_URL }
      : { publicKeyFile: env.JWT_PUBLIC_KEY_FILE ?? dev?.callerPublicKeyPath }),
  };
  const internalKeyFile = env.INTERNAL_PRIVATE_KEY_FILE ?? dev?.internalPrivateKeyPath;
  if (!internalKeyFile) throw new Error('INTERNAL_PRIVATE_KEY_FILE is required in production');
  return { authenticate: createJwtVerifier(jwt), internalPrivateKey: await loadPrivateKey(internalKeyFile) };
}

/** Every variable the gateway reads, checked; each function below throws on its own first problem. */
function checked<T>(read: (check: EnvChecker) => T, env: NodeJS.ProcessEnv): T {
  const check = new EnvChecker(env);
  const value = read(check);
  if (check.problems.length) throw new Error(check.problems[0]);
  return value;
}

function uploadQuotaFrom(check: EnvChecker): UploadQuota {
  return {
    filesPerDay: check.positiveInt('UPLOAD_QUOTA_FILES_PER_DAY', DEFAULT_UPLOAD_QUOTA.filesPerDay),
    bytesPerDay: check.positiveInt('UPLOAD_QUOTA_BYTES_PER_DAY', DEFAULT_UPLOAD_QUOTA.bytesPerDay),
  };
}

/** UPLOAD_RETENTION_HOURS, checked (the gateway and `npm run files:sweep`). */
export function uploadRetentionHoursFromEnv(env: NodeJS.ProcessEnv = process.env): number {
  return checked((check) => check.positiveInt('UPLOAD_RETENTION_HOURS', DEFAULT_RETENTION_HOURS), env);
}

export function limitsFromEnv(env: NodeJS.ProcessEnv = process.env): Limits {
  return checked(readLimits, env);
}

/**
 * RATE_LIMIT_PER_MINUTE (default 600; 0 = off), REDIS_URL (shared counters; unset = in memory),
 * RATE_LIMIT_REDIS_PREFIX, TRUST_PROXY (proxy hops trusted for X-Forwarded-For; default 0).
 */
function readRateLimit(check: EnvChecker): RateLimitConfig {
  const perMinute = check.nonNegativeInt('RATE_LIMIT_PER_MINUTE', DEFAULT_RATE_LIMIT_PER_MINUTE);
  const redisUrl = check.raw('REDIS_URL');
  if (redisUrl !== undefined && !/^rediss?:\/\/[^/]/.test(redisUrl)) {
    check.problem('REDIS_URL must be a redis:// or rediss:// URL');
  }
  return {
    perMinute,
    ...(redisUrl ? { redisUrl } : {}),
    redisPrefix: check.raw('RATE_LIMIT_REDIS_PREFIX') ?? DEFAULT_RATE_LIMIT_PREFIX,
    trustProxy: check.nonNegativeInt('TRUST_PROXY', 0),
  };
}

export interface GatewayConfig extends CommonConfig {
  port: number;
  subgraphUrls: Record<string, string>;
  limits: Limits;
  exposeSchema: boolean;
  /** EXPLORER (default auto): Apollo Sandbox at / with the local GraphiQL as fallback, or force either. */
  explorer: ExplorerMode;
  subgraphTimeoutMs: number;
  /** CIRCUIT_BREAKER_FAILURES (3), CIRCUIT_BREAKER_WINDOW_MS (10000), CIRCUIT_BREAKER_OPEN_MS (5000): per-subgraph breaker. */
  circuitBreaker: Required<CircuitBreakerOptions>;
  /** METRICS_PORT (default 9400): GET /metrics and GET /health/subgraphs, never on PORT. */
  metricsPort: number;
  /** SUBGRAPH_HEALTH_TIMEOUT_MS (default 1000): one subgraph's health check gives up after this long. */
  subgraphHealthTimeoutMs: number;
  /** DEDUPE_ANONYMOUS_QUERIES (default true): identical anonymous queries in flight share a subgraph request. */
  dedupeAnonymousQueries: boolean;
  /** Answer the national registry fields in-process (LOCAL_REGISTRY, default true; gateway/local-registry.ts). */
  localRegistry: boolean;
  /** RATE_LIMIT_PER_MINUTE, REDIS_URL, RATE_LIMIT_REDIS_PREFIX, TRUST_PROXY. */
  rateLimit: RateLimitConfig;
  /** UPLOAD_QUOTA_FILES_PER_DAY (50), UPLOAD_QUOTA_BYTES_PER_DAY (200 MiB): per person, China day. */
  uploadQuota: UploadQuota;
  /** UPLOAD_RETENTION_HOURS (72): unused uploads are swept after this long. */
  uploadRetentionHours: number;
  /** UPLOAD_SWEEP_INTERVAL_MINUTES (60; 0 = this gateway never sweeps, e.g. with a cron `npm run files:sweep`). */
  fileSweepIntervalMs: number;
  /** INTERNAL_TOKEN_TTL_SECONDS: lifetime of one internal token (default: the deadline + 10 s). */
  internalTokenTtlSeconds: number;
  /** SUBGRAPH_TLS_*: the gateway's client certificate and the CA that signed the subgraphs' ones. */
  subgraphTls?: SubgraphTls;
}

/** Default internal-token lifetime: the subgraph deadline, rounded up, plus 10 s of clock skew. */
export const defaultInternalTokenTtl = (subgraphTimeoutMs: number): number =>
  Math.min(MAX_INTERNAL_TTL_SECONDS, Math.ceil(subgraphTimeoutMs / 1000) + 10);

/**
 * The gateway's whole configuration from the environment, every value checked: PORT,
 * METRICS_PORT, SUBGRAPH_URL_* (http(s) URLs, each naming a subgraph of the registry),
 * SUBGRAPH_TIMEOUT_MS, CIRCUIT_BREAKER_*, SUBGRAPH_HEALTH_TIMEOUT_MS, DEDUPE_ANONYMOUS_QUERIES, LOCAL_REGISTRY, INTERNAL_TOKEN_TTL_SECONDS,
 * SUBGRAPH_TLS_*, LIMIT_*, EXPOSE_SCHEMA, EXPLORER, RATE_LIMIT_*, REDIS_URL, TRUST_PROXY, LOG_LEVEL,
 * SHUTDOWN_DELAY_MS, OTEL_EXPORTER_OTLP_ENDPOINT and the key
 * settings (JWT_*, INTERNAL_PRIVATE_KEY_FILE; required in production). Throws one ConfigError
 * that lists every problem.
 */
export function gatewayConfigFromEnv(env: NodeJS.ProcessEnv = process.env): GatewayConfig {
  const check = new EnvChecker(env);
  const port = check.port('PORT', 4000);
  const subgraphUrls: Record<string, string> = {};
  for (const s of SUBGRAPHS) subgraphUrls[s.name] = check.httpUrl(s.urlEnv) ?? s.defaultUrl;
  const known = new Set(SUBGRAPHS.map((s) => s.urlEnv));
  for (const name of Object.keys(env).sort()) {
    if (name.startsWith('SUBGRAPH_URL_') && !known.has(name)) {
      check.problem(`${name} names no subgraph of schema/registry.json (known: ${[...known].join(', ')})`);
    }
  }
  const subgraphTimeoutMs = check.positiveInt('SUBGRAPH_TIMEOUT_MS', 3000);
  const circuitBreaker = {
    failures: check.positiveInt('CIRCUIT_BREAKER_FAILURES', DEFAULT_CIRCUIT_BREAKER.failures),
    windowMs: check.positiveInt('CIRCUIT_BREAKER_WINDOW_MS', DEFAULT_CIRCUIT_BREAKER.windowMs),
    openMs: check.positiveInt('CIRCUIT_BREAKER_OPEN_MS', DEFAULT_CIRCUIT_BREAKER.openMs),
  };
  const metricsPort = check.metricsPort(port, defaultMetricsPort(4000));
  const subgraphHealthTimeoutMs = check.positiveInt('SUBGRAPH_HEALTH_TIMEOUT_MS', DEFAULT_SUBGRAPH_HEALTH_TIMEOUT_MS);
  const limits = readLimits(check);
  const exposeSchema = check.boolean('EXPOSE_SCHEMA', true);
  const explorer = check.oneOf('EXPLORER', EXPLORER_MODES, 'auto');
  const dedupeAnonymousQueries = check.boolean('DEDUPE_ANONYMOUS_QUERIES', true);
  const localRegistry = check.boolean('LOCAL_REGISTRY', true);
  const rateLimit = readRateLimit(check);
  const uploadQuota = uploadQuotaFrom(check);
  const uploadRetentionHours = check.positiveInt('UPLOAD_RETENTION_HOURS', DEFAULT_RETENTION_HOURS);
  const fileSweepIntervalMs = check.nonNegativeInt('UPLOAD_SWEEP_INTERVAL_MINUTES', 60) * 60_000;
  const internalTokenTtlSeconds = check.positiveInt(
    'INTERNAL_TOKEN_TTL_SECONDS',
    defaultInternalTokenTtl(subgraphTimeoutMs),
  );
  if (internalTokenTtlSeconds > MAX_INTERNAL_TTL_SECONDS) {
    check.problem(
      `INTERNAL_TOKEN_TTL_SECONDS must be at most ${MAX_INTERNAL_TTL_SECONDS} (subgraphs refuse longer-lived tokens); got "${internalTokenTtlSeconds}"`,
    );
  }
  const subgraphTls = checkSubgraphTls(check);
  if (check.raw('SUBGRAPH_TLS_CERT_FILE') !== undefined) {
    for (const s of SUBGRAPHS) {
      if (!subgraphUrls[s.name]!.startsWith('https://')) {
        check.problem(`${s.urlEnv} must be an https:// URL when SUBGRAPH_TLS_* is set; got "${subgraphUrls[s.name]}"`);
      }
    }
  }
  const common = checkCommon(check);

  const production = env.NODE_ENV === 'production';
  if (production) {
    check.required('JWT_ISSUER', 'in production');
    check.required('JWT_AUDIENCE', 'in production');
    if (!check.raw('JWT_JWKS_URL') && !check.raw('JWT_PUBLIC_KEY_FILE')) {
      check.problem('JWT_JWKS_URL or JWT_PUBLIC_KEY_FILE is required in production');
    }
    check.required('INTERNAL_PRIVATE_KEY_FILE', 'in production (signs gateway → subgraph tokens)');
  }
  if (check.raw('JWT_JWKS_URL') && check.raw('JWT_PUBLIC_KEY_FILE')) {
    check.problem('set only one of JWT_JWKS_URL and JWT_PUBLIC_KEY_FILE');
  }
  check.httpUrl('JWT_JWKS_URL');
  check.file('JWT_PUBLIC_KEY_FILE');
  check.file('INTERNAL_PRIVATE_KEY_FILE');
  check.throwIfProblems('gateway');
  return {
    port,
    metricsPort,
    subgraphUrls,
    limits,
    exposeSchema,
    explorer,
    subgraphTimeoutMs,
    circuitBreaker,
    subgraphHealthTimeoutMs,
    dedupeAnonymousQueries,
    localRegistry,
    rateLimit,
    uploadQuota,
    uploadRetentionHours,
    fileSweepIntervalMs,
    internalTokenTtlSeconds,
    ...(subgraphTls ? { subgraphTls } : {}),
    ...common,
  };
}
