import { SUBGRAPHS } from '../schema/registry';
import { makeTlsFixtures, tlsEnv, type TlsFixtures } from '../scripts/lib/tls-fixtures';
import { ConfigError } from '../subgraphs/kit/platform/config';
import { DEFAULT_LIMITS } from '../subgraphs/kit/platform/limits';
import { gatewayConfigFromEnv, limitsFromEnv } from './config';

function problemsOf(env: NodeJS.ProcessEnv): string[] {
  try {
    gatewayConfigFromEnv(env);
  } catch (e) {
    expect(e).toBeInstanceOf(ConfigError);
    return (e as ConfigError).problems;
  }
  throw new Error('expected a ConfigError');
}

describe('gatewayConfigFromEnv', () => {
  it('defaults: registry URLs, default limits, schema exposed, no shutdown delay', () => {
    const config = gatewayConfigFromEnv({});
    expect(config).toEqual({
      port: 4000,
      metricsPort: 9400,
      subgraphHealthTimeoutMs: 1000,
      subgraphUrls: Object.fromEntries(SUBGRAPHS.map((s) => [s.name, s.defaultUrl])),
      limits: DEFAULT_LIMITS,
      exposeSchema: true,
      explorer: 'auto',
      subgraphTimeoutMs: 3000,
      circuitBreaker: { failures: 3, windowMs: 10000, openMs: 5000 },
      dedupeAnonymousQueries: true,
      localRegistry: true,
      rateLimit: { perMinute: 600, redisPrefix: 'mente:ratelimit:', trustProxy: 0 },
      uploadQuota: { filesPerDay: 50, bytesPerDay: 200 * 1024 * 1024 },
      uploadRetentionHours: 72,
      fileSweepIntervalMs: 60 * 60 * 1000,
      internalTokenTtlSeconds: 13,
      shutdownDelayMs: 0,
    });
  });

  it('reads the rate limit: per minute, shared Redis, key prefix, trusted proxies', () => {
    expect(
      gatewayConfigFromEnv({
        RATE_LIMIT_PER_MINUTE: '0',
        REDIS_URL: 'redis://127.0.0.1:6379/2',
        RATE_LIMIT_REDIS_PREFIX: 'x:',
        TRUST_PROXY: '1',
      }).rateLimit,
    ).toEqual({ perMinute: 0, redisUrl: 'redis://127.0.0.1:6379/2', redisPrefix: 'x:', trustProxy: 1 });
    expect(problemsOf({ RATE_LIMIT_PER_MINUTE: 'many', REDIS_URL: 'localhost:6379', TRUST_PROXY: 'yes' })).toEqual([
      'RATE_LIMIT_PER_MINUTE must be a non-negative integer; got "many"',
      'REDIS_URL must be a redis:// or rediss:// URL',
      'TRUST_PROXY must be a non-negative integer; got "yes"',
    ]);
  });

  it('reads every value', () => {
    const config = gatewayConfigFromEnv({
      PORT: '8080',
      SUBGRAPH_URL_NATIONAL: 'https://national.internal/graphql',
      SUBGRAPH_TIMEOUT_MS: '1500',
      CIRCUIT_BREAKER_FAILURES: '5',
      CIRCUIT_BREAKER_OPEN_MS: '2000',
      METRICS_PORT: '9090',
      SUBGRAPH_HEALTH_TIMEOUT_MS: '250',
      LIMIT_MAX_DEPTH: '8',
      EXPOSE_SCHEMA: 'false',
      DEDUPE_ANONYMOUS_QUERIES: 'false',
      SHUTDOWN_DELAY_MS: '5000',
      LOG_LEVEL: 'warn',
      OTEL_EXPORTER_OTLP_ENDPOINT: 'http://collector:4318',
      UPLOAD_QUOTA_FILES_PER_DAY: '10',
      UPLOAD_QUOTA_BYTES_PER_DAY: '1048576',
      UPLOAD_RETENTION_HOURS: '24',
      UPLOAD_SWEEP_INTERVAL_MINUTES: '0',
    });
    expect(config).toMatchObject({
      uploadQuota: { filesPerDay: 10, bytesPerDay: 1048576 },
      uploadRetentionHours: 24,
      fileSweepIntervalMs: 0,
      port: 8080,
      metricsPort: 9090,
      subgraphHealthTimeoutMs: 250,
      subgraphTimeoutMs: 1500,
      circuitBreaker: { failures: 5, windowMs: 10000, openMs: 2000 },
      exposeSchema: false,
      dedupeAnonymousQueries: false,
      shutdownDelayMs: 5000,
      limits: { ...DEFAULT_LIMITS, maxDepth: 8 },
    });
    expect(config.subgraphUrls.national).toBe('https://national.internal/graphql');
  });

  it('lists every wrong value in one error, one line each', () => {
    const env = {
      PORT: 'http',
      SUBGRAPH_URL_NATIONAL: 'ftp://national/graphql',
      SUBGRAPH_URL_SICHUAN_PANZHIHUA: 'not a url',
      SUBGRAPH_URL_GUANGDONG_YUNFO: 'http://typo:4003/graphql',
      SUBGRAPH_TIMEOUT_MS: '0',
      LIMIT_MAX_DEPTH: '-1',
      LIMIT_MAX_BATCH: '2.5',
      EXPOSE_SCHEMA: 'yes',
      LOG_LEVEL: 'loud',
      SHUTDOWN_DELAY_MS: 'soon',
      OTEL_EXPORTER_OTLP_ENDPOINT: 'collector:4318',
    };
    let error: ConfigError | undefined;
    try {
      gatewayConfigFromEnv(env);
    } catch (e) {
      error = e as ConfigError;
    }
    expect(error).toBeInstanceOf(ConfigError);
    expect(error!.problems).toEqual([
      'PORT must be a port number from 0 to 65535; got "http"',
      'SUBGRAPH_URL_NATIONAL must be an http:// or https:// URL; got "ftp://national/graphql"',
      'SUBGRAPH_URL_SICHUAN_PANZHIHUA must be an http:// or https:// URL; got "not a url"',
      expect.stringMatching(/^SUBGRAPH_URL_GUANGDONG_YUNFO names no subgraph of schema\/registry\.json/),
      'SUBGRAPH_TIMEOUT_MS must be a positive integer; got "0"',
      'LIMIT_MAX_DEPTH must be a positive integer; got "-1"',
      'LIMIT_MAX_BATCH must be a positive integer; got "2.5"',
      'EXPOSE_SCHEMA must be true or false; got "yes"',
      'LOG_LEVEL must be one of trace, debug, info, warn, error, fatal, silent; got "loud"',
      'OTEL_EXPORTER_OTLP_ENDPOINT must be an http:// or https:// URL; got "collector:4318"',
      'SHUTDOWN_DELAY_MS must be a non-negative integer; got "soon"',
    ]);
    // One message, one line per problem, for a person reading the failed start.
    expect(error!.message.split('\n')).toEqual([
      'gateway: invalid configuration (11 problems):',
      ...error!.problems.map((p) => `  - ${p}`),
    ]);
  });

  it('never shows a password from a URL', () => {
    const [problem] = problemsOf({ SUBGRAPH_URL_NATIONAL: 'mysql://user:secret@db/x' });
    expect(problem).toContain('user:***@');
    expect(problem).not.toContain('secret');
  });

  it('requires the JWT and internal-key settings in production, all named at once', () => {
    expect(problemsOf({ NODE_ENV: 'production' })).toEqual([
      'JWT_ISSUER is required in production',
      'JWT_AUDIENCE is required in production',
      'JWT_JWKS_URL or JWT_PUBLIC_KEY_FILE is required in production',
      'INTERNAL_PRIVATE_KEY_FILE is required in production (signs gateway → subgraph tokens)',
    ]);
  });

  it('checks the JWT settings that are given', () => {
    expect(
      problemsOf({
        NODE_ENV: 'production',
        JWT_ISSUER: 'https://idp',
        JWT_AUDIENCE: 'mente',
        JWT_JWKS_URL: 'idp/jwks.json',
        JWT_PUBLIC_KEY_FILE: '/nonexistent/caller.pem',
        INTERNAL_PRIVATE_KEY_FILE: '/nonexistent/internal.pem',
      }),
    ).toEqual([
      'set only one of JWT_JWKS_URL and JWT_PUBLIC_KEY_FILE',
      'JWT_JWKS_URL must be an http:// or https:// URL; got "idp/jwks.json"',
      'JWT_PUBLIC_KEY_FILE names a file that does not exist: "/nonexistent/caller.pem"',
      'INTERNAL_PRIVATE_KEY_FILE names a file that does not exist: "/nonexistent/internal.pem"',
    ]);
  });

  it('a production configuration with every key passes', () => {
    const config = gatewayConfigFromEnv({
      NODE_ENV: 'production',
      JWT_ISSUER: 'https://idp',
      JWT_AUDIENCE: 'mente',
      JWT_JWKS_URL: 'https://idp/.well-known/jwks.json',
      INTERNAL_PRIVATE_KEY_FILE: __filename,
      EXPOSE_SCHEMA: 'false',
    });
    expect(config.exposeSchema).toBe(false);
  });
});

describe('internal tokens and mutual TLS', () => {
  let tls: TlsFixtures;
  const httpsUrls = Object.fromEntries(SUBGRAPHS.map((s) => [s.urlEnv, `https://${s.name}.internal/graphql`]));

  beforeAll(() => {
    tls = makeTlsFixtures();
  });

  it('keeps internal tokens short-lived: the deadline plus 10 s, or INTERNAL_TOKEN_TTL_SECONDS up to 60', () => {
    expect(gatewayConfigFromEnv({ SUBGRAPH_TIMEOUT_MS: '1500' }).internalTokenTtlSeconds).toBe(12);
    expect(gatewayConfigFromEnv({ INTERNAL_TOKEN_TTL_SECONDS: '20' }).internalTokenTtlSeconds).toBe(20);
    expect(problemsOf({ INTERNAL_TOKEN_TTL_SECONDS: '61' })).toEqual([
      'INTERNAL_TOKEN_TTL_SECONDS must be at most 60 (subgraphs refuse longer-lived tokens); got "61"',
    ]);
    expect(problemsOf({ INTERNAL_TOKEN_TTL_SECONDS: '0' })).toEqual([
      'INTERNAL_TOKEN_TTL_SECONDS must be a positive integer; got "0"',
    ]);
  });

  it('reads SUBGRAPH_TLS_* into the client certificate, key and CA', () => {
    const config = gatewayConfigFromEnv({ ...httpsUrls, ...tlsEnv(tls.gateway) });
    expect(config.subgraphTls?.cert.toString()).toMatch(/^-----BEGIN CERTIFICATE-----/);
    expect(config.subgraphTls?.key.toString()).toMatch(/PRIVATE KEY-----/);
    expect(config.subgraphTls?.ca.toString()).toMatch(/^-----BEGIN CERTIFICATE-----/);
    expect(gatewayConfigFromEnv({}).subgraphTls).toBeUndefined();
  });

  it('names every TLS problem: a missing file variable, plain http URLs, unreadable or mismatched files', () => {
    expect(problemsOf({ ...httpsUrls, SUBGRAPH_TLS_CERT_FILE: tls.gateway.cert })).toEqual([
      'set all of SUBGRAPH_TLS_CERT_FILE, SUBGRAPH_TLS_KEY_FILE, SUBGRAPH_TLS_CA_FILE or none; missing SUBGRAPH_TLS_KEY_FILE, SUBGRAPH_TLS_CA_FILE',
    ]);
    expect(problemsOf({ ...tlsEnv(tls.gateway), SUBGRAPH_URL_NATIONAL: 'https://national/graphql' })).toEqual(
      SUBGRAPHS.filter((s) => s.name !== 'national').map((s) =>
        expect.stringMatching(new RegExp(`^${s.urlEnv} must be an https:// URL when SUBGRAPH_TLS_\\* is set`)),
      ),
    );
    expect(
      problemsOf({
        ...httpsUrls,
        SUBGRAPH_TLS_CERT_FILE: tls.gateway.cert,
        SUBGRAPH_TLS_KEY_FILE: tls.subgraph.key,
        SUBGRAPH_TLS_CA_FILE: '/nonexistent/ca.pem',
      }),
    ).toEqual([
      'SUBGRAPH_TLS_CA_FILE names a file that cannot be read: "/nonexistent/ca.pem"',
      'SUBGRAPH_TLS_KEY_FILE does not match the certificate in SUBGRAPH_TLS_CERT_FILE',
    ]);
    expect(
      problemsOf({
        ...httpsUrls,
        SUBGRAPH_TLS_CERT_FILE: tls.gateway.key,
        SUBGRAPH_TLS_KEY_FILE: tls.gateway.cert,
        SUBGRAPH_TLS_CA_FILE: __filename,
      }),
    ).toEqual([
      'SUBGRAPH_TLS_CERT_FILE must hold a PEM certificate',
      'SUBGRAPH_TLS_KEY_FILE must hold a PEM private key',
      'SUBGRAPH_TLS_CA_FILE must hold a PEM CA certificate',
    ]);
  });
});

describe('limitsFromEnv (single value readers)', () => {
  it('throws on the first bad value with the same message', () => {
    expect(() => limitsFromEnv({ LIMIT_MAX_COST: 'lots' })).toThrow(
      'LIMIT_MAX_COST must be a positive integer; got "lots"',
    );
    expect(limitsFromEnv({ LIMIT_MAX_COST: '100' }).maxCost).toBe(100);
  });
});
