import { createPrivateKey, type KeyObject, X509Certificate } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';

import { DEFAULT_HEALTH_DB_TIMEOUT_MS } from './db/readiness';
import { redactUrl, urlHasPassword, withPassword } from './db/url';
import { type Limits, readLimits } from './limits';
import { LOG_LEVELS } from './log';
import { defaultMetricsPort } from './metrics-server';

// Start-up configuration checks. Every value is checked and every problem collected, so one
// failed start names all of them at once: one ConfigError, one line per problem. The entry
// points print it and exit 1.

export class ConfigError extends Error {
  constructor(
    readonly service: string,
    readonly problems: string[],
  ) {
    super(
      `${service}: invalid configuration (${problems.length} ${problems.length === 1 ? 'problem' : 'problems'}):\n` +
        problems.map((p) => `  - ${p}`).join('\n'),
    );
    this.name = 'ConfigError';
  }
}

/** Reads environment variables, records a problem for each bad one and returns a fallback instead. */
export class EnvChecker {
  readonly problems: string[] = [];

  constructor(readonly env: NodeJS.ProcessEnv) {}

  /** The value, or undefined when unset or empty. */
  raw(name: string): string | undefined {
    const value = this.env[name];
    return value === undefined || value === '' ? undefined : value;
  }

  problem(message: string): void {
    this.problems.push(message);
  }

  private integer(name: string, fallback: number, min: number, max: number, what: string): number {
    const raw = this.raw(name);
    if (raw === undefined) return fallback;
    const value = Number(raw.trim());
    if (!/^\s*-?\d+\s*$/.test(raw) || !Number.isSafeInteger(value) || value < min || value > max) {
      this.problem(`${name} must be ${what}; got "${raw}"`);
      return fallback;
    }
    return value;
  }

  port(name: string, fallback: number): number {
    return this.integer(name, fallback, 0, 65535, 'a port number from 0 to 65535');
  }

  positiveInt(name: string, fallback: number): number {
    return this.integer(name, fallback, 1, Number.MAX_SAFE_INTEGER, 'a positive integer');
  }

  nonNegativeInt(name: string, fallback: number): number {
    return this.integer(name, fallback, 0, Number.MAX_SAFE_INTEGER, 'a non-negative integer');
  }

  /** METRICS_PORT: a port, and not the public one (/metrics must stay off the public port). */
  metricsPort(publicPort: number, fallback: number): number {
    const port = this.port('METRICS_PORT', fallback);
    if (port !== 0 && port === publicPort) this.problem(`METRICS_PORT must differ from PORT (${port})`);
    return port;
  }

  boolean(name: string, fallback: boolean): boolean;
  boolean(name: string, fallback?: undefined): boolean | undefined;
  boolean(name: string, fallback?: boolean): boolean | undefined {
    const raw = this.raw(name);
    if (raw === undefined) return fallback;
    if (raw !== 'true' && raw !== 'false') {
      this.problem(`${name} must be true or false; got "${raw}"`);
      return fallback;
    }
    return raw === 'true';
  }

  /** An http:// or https:// URL (the value is shown without any password). */
  httpUrl(name: string): string | undefined {
    const raw = this.raw(name);
    if (raw === undefined) return undefined;
    if (!isHttpUrl(raw)) {
      this.problem(`${name} must be an http:// or https:// URL; got "${redactUrl(raw)}"`);
      return undefined;
    }
    return raw;
  }

  oneOf<T extends string>(name: string, values: readonly T[], fallback: T): T {
    const raw = this.raw(name);
    if (raw === undefined) return fallback;
    if (!values.includes(raw as T)) {
      this.problem(`${name} must be one of ${values.join(', ')}; got "${raw}"`);
      return fallback;
    }
    return raw as T;
  }

  /** Set and non-empty, else a problem "<name> is required <why>". */
  required(name: string, why: string): string | undefined {
    const raw = this.raw(name);
    if (raw === undefined) this.problem(`${name} is required ${why}`);
    return raw;
  }

  /** When set: a file that exists. */
  file(name: string): string | undefined {
    const raw = this.raw(name);
    if (raw !== undefined && !existsSync(raw)) this.problem(`${name} names a file that does not exist: "${raw}"`);
    return raw;
  }

  /** Throws one ConfigError listing every problem, if there are any. */
  throwIfProblems(service: string): void {
    if (this.problems.length > 0) throw new ConfigError(service, [...this.problems]);
  }
}

function isHttpUrl(value: string): boolean {
  try {
    const url = new URL(value);
    return (url.protocol === 'http:' || url.protocol === 'https:') && url.hostname !== '';
  } catch {
    return false;
  }
}

/** What every server reads: LOG_LEVEL, SHUTDOWN_DELAY_MS, OTEL_EXPORTER_OTLP_ENDPOINT. */
export interface CommonConfig {
  /** Readiness answers 503 for this long after SIGTERM before the server stops accepting. */
  shutdownDelayMs: number;
}

export function checkCommon(check: EnvChecker): CommonConfig {
  check.oneOf('LOG_LEVEL', LOG_LEVELS, 'info');
  check.httpUrl('OTEL_EXPORTER_OTLP_ENDPOINT');
  check.httpUrl('OTEL_EXPORTER_OTLP_TRACES_ENDPOINT');
  return { shutdownDelayMs: check.nonNegativeInt('SHUTDOWN_DELAY_MS', 0) };
}

/** What every GraphQL server enforces: the abuse limits and whether the schema is exposed. */
export interface AbuseConfig {
  /** LIMIT_MAX_DEPTH, LIMIT_MAX_ALIASES, LIMIT_MAX_COST, LIMIT_MAX_BATCH, LIMIT_MAX_BODY_BYTES. */
  limits: Limits;
  /** EXPOSE_SCHEMA: introspection (and field suggestions in errors); default on outside production. */
  exposeSchema: boolean;
}

function checkAbuse(check: EnvChecker): AbuseConfig {
  return {
    limits: readLimits(check),
    exposeSchema: check.boolean('EXPOSE_SCHEMA', check.env.NODE_ENV !== 'production'),
  };
}

/** A subgraph's abuse settings from the environment (checked at start by subgraphConfigFromEnv). */
export function abuseConfigFromEnv(env: NodeJS.ProcessEnv = process.env): AbuseConfig {
  const check = new EnvChecker(env);
  const config = checkAbuse(check);
  check.throwIfProblems('subgraph');
  return config;
}

/** Mutual TLS between the gateway and the subgraphs: PEM contents of one side's files. */
export interface SubgraphTls {
  /** This side's certificate (a subgraph's server certificate, the gateway's client certificate). */
  cert: Buffer;
  key: Buffer;
  /** The CA that signed the other side's certificate. */
  ca: Buffer;
}

const SUBGRAPH_TLS_VARIABLES = ['SUBGRAPH_TLS_CERT_FILE', 'SUBGRAPH_TLS_KEY_FILE', 'SUBGRAPH_TLS_CA_FILE'] as const;

/**
 * SUBGRAPH_TLS_CERT_FILE, SUBGRAPH_TLS_KEY_FILE and SUBGRAPH_TLS_CA_FILE: all three or none
 * (none: plain HTTP). Each must be a readable PEM file, and the key must match the certificate.
 */
export function checkSubgraphTls(check: EnvChecker): SubgraphTls | undefined {
  const given = SUBGRAPH_TLS_VARIABLES.filter((name) => check.raw(name) !== undefined);
  if (given.length === 0) return undefined;
  if (given.length < SUBGRAPH_TLS_VARIABLES.length) {
    const missing = SUBGRAPH_TLS_VARIABLES.filter((name) => !given.includes(name));
    check.problem(`set all of ${SUBGRAPH_TLS_VARIABLES.join(', ')} or none; missing ${missing.join(', ')}`);
    return undefined;
  }
  const before = check.problems.length;
  const read = (name: string): Buffer | undefined => {
    const file = check.raw(name)!;
    try {
      return readFileSync(file);
    } catch {
      check.problem(`${name} names a file that cannot be read: "${file}"`);
      return undefined;
    }
  };
  const [cert, key, ca] = SUBGRAPH_TLS_VARIABLES.map(read);
  const parse = <T>(name: string, what: string, value: Buffer | undefined, parser: (pem: Buffer) => T) => {
    if (value === undefined) return undefined;
    try {
      return parser(value);
    } catch {
      check.problem(`${name} must hold a PEM ${what}`);
      return undefined;
    }
  };
  const certificate = parse('SUBGRAPH_TLS_CERT_FILE', 'certificate', cert, (pem) => new X509Certificate(pem));
  const privateKey: KeyObject | undefined = parse('SUBGRAPH_TLS_KEY_FILE', 'private key', key, createPrivateKey);
  parse('SUBGRAPH_TLS_CA_FILE', 'CA certificate', ca, (pem) => new X509Certificate(pem));
  if (certificate && privateKey && !certificate.checkPrivateKey(privateKey)) {
    check.problem('SUBGRAPH_TLS_KEY_FILE does not match the certificate in SUBGRAPH_TLS_CERT_FILE');
  }
  return check.problems.length === before ? { cert: cert!, key: key!, ca: ca! } : undefined;
}

export interface SubgraphConfig extends CommonConfig {
  port: number;
  /** GET /metrics is served here only (default: the registry port + 5400, e.g. 9401). */
  metricsPort: number;
  /** Readiness's database round trip gives up after this long. */
  healthDbTimeoutMs: number;
  /** DATABASE_URL, with the password of DATABASE_PASSWORD_FILE when that is set. */
  databaseUrl: string | undefined;
  /**
   * DATABASE_PASSWORD_FILE's contents (trimmed): the password of the user its database URLs name
   * (DATABASE_URL, or a provincial subgraph's DATABASE_URL_<REGION>: one user for all its regions).
   */
  databasePassword?: string;
  /** Unset: decided by the kind of database (on for the embedded one). */
  migrateOnStart: boolean | undefined;
  /** SUBGRAPH_TLS_*: serve HTTPS and accept only clients with a certificate signed by the CA. */
  tls?: SubgraphTls;
}

const PII_KEY_VARIABLES = ['PII_HASH_KEY', 'PII_ENCRYPTION_KEY'] as const;

/**
 * A secret given as NAME (the value) or NAME_FILE (a file holding it, e.g. a mounted secret; the
 * value is trimmed). Undefined when neither is set; throws when both are, or the file cannot be read.
 */
export function secretFromEnv(name: string, env: NodeJS.ProcessEnv = process.env): string | undefined {
  const value = env[name] || undefined;
  const file = env[`${name}_FILE`] || undefined;
  if (value !== undefined && file !== undefined) throw new Error(`set only one of ${name} and ${name}_FILE`);
  if (file === undefined) return value;
  try {
    return readFileSync(file, 'utf8').trim();
  } catch {
    throw new Error(`${name}_FILE names a file that cannot be read: "${file}"`);
  }
}

/**
 * DATABASE_PASSWORD_FILE: a file (a mounted secret) holding the password of the user that
 * DATABASE_URL and every DATABASE_URL_<REGION> name, so the URLs carry none. When set, it must be
 * readable and not empty, and no database URL may carry a password of its own.
 */
function checkDatabasePassword(check: EnvChecker): string | undefined {
  const file = check.raw('DATABASE_PASSWORD_FILE');
  if (file === undefined) return undefined;
  for (const [name, url] of Object.entries(check.env)) {
    if (!/^DATABASE_URL(_[A-Z0-9_]+)?$/.test(name) || !url?.startsWith('mysql://')) continue;
    if (urlHasPassword(url)) {
      check.problem(`${name} carries a password and DATABASE_PASSWORD_FILE is set: give the password in one place`);
    } else if (!/^mysql:\/\/[^/@]+@/.test(url)) {
      check.problem(`${name} must name its user (mysql://user@host:port/database) when DATABASE_PASSWORD_FILE is set`);
    }
  }
  let password: string;
  try {
    password = readFileSync(file, 'utf8').trim();
  } catch {
    check.problem(`DATABASE_PASSWORD_FILE names a file that cannot be read: "${file}"`);
    return undefined;
  }
  if (password === '') {
    check.problem(`DATABASE_PASSWORD_FILE names an empty file: "${file}"`);
    return undefined;
  }
  return password;
}

const DATABASE_URL_FORMS = 'mysql://user:password@host:port/database, "memory:", or unset for the embedded file';

/**
 * A subgraph's configuration: PORT, METRICS_PORT, DATABASE_URL, DATABASE_PASSWORD_FILE, MIGRATE_ON_START,
 * DATABASE_POOL_SIZE, HEALTH_DB_TIMEOUT_MS, the common values, LIMIT_MAX_* and EXPOSE_SCHEMA,
 * SUBGRAPH_TLS_* (optional mutual TLS), and in production the internal-token key (and, for the national subgraph, the
 * PII keys, as values or `_FILE` paths). Throws one ConfigError naming every problem.
 */
export function subgraphConfigFromEnv(
  service: string,
  options: { defaultPort: number; piiKeys?: boolean },
  env: NodeJS.ProcessEnv = process.env,
): SubgraphConfig {
  const check = new EnvChecker(env);
  const port = check.port('PORT', options.defaultPort);
  const metricsPort = check.metricsPort(port, defaultMetricsPort(options.defaultPort));
  const healthDbTimeoutMs = check.positiveInt('HEALTH_DB_TIMEOUT_MS', DEFAULT_HEALTH_DB_TIMEOUT_MS);
  const databaseUrl = check.raw('DATABASE_URL');
  if (databaseUrl !== undefined && databaseUrl !== 'memory:' && !/^mysql:\/\/[^/]+/.test(databaseUrl)) {
    check.problem(`DATABASE_URL must be ${DATABASE_URL_FORMS}; got "${redactUrl(databaseUrl)}"`);
  }
  const databasePassword = checkDatabasePassword(check);
  const migrateOnStart = check.boolean('MIGRATE_ON_START');
  check.positiveInt('DATABASE_POOL_SIZE', 10);
  checkAbuse(check); // read again where the server starts (startGraphQLHttpServer)
  const common = checkCommon(check);
  const tls = checkSubgraphTls(check);
  if (env.NODE_ENV === 'production') {
    check.required('INTERNAL_PUBLIC_KEY_FILE', 'in production (the gateway’s public key for internal tokens)');
    if (options.piiKeys) {
      for (const name of PII_KEY_VARIABLES) {
        if (check.raw(name) === undefined && check.raw(`${name}_FILE`) === undefined) {
          check.problem(`${name} (or ${name}_FILE) is required in production (32 bytes, base64)`);
        }
      }
    }
  }
  if (options.piiKeys) {
    for (const name of PII_KEY_VARIABLES) {
      let value: string | undefined;
      try {
        value = secretFromEnv(name, check.env);
      } catch (e) {
        check.problem((e as Error).message);
        continue;
      }
      if (value !== undefined && Buffer.from(value, 'base64').length !== 32) {
        check.problem(`${name} must be 32 bytes, base64-encoded`);
      }
    }
  }
  check.file('INTERNAL_PUBLIC_KEY_FILE');
  check.throwIfProblems(service);
  return {
    port,
    metricsPort,
    healthDbTimeoutMs,
    databaseUrl: withPassword(databaseUrl, databasePassword),
    ...(databasePassword !== undefined ? { databasePassword } : {}),
    migrateOnStart,
    ...common,
    ...(tls ? { tls } : {}),
  };
}
