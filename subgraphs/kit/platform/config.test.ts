import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';

import { makeTlsFixtures, tlsEnv } from '../../../scripts/lib/tls-fixtures';
import { ConfigError, secretFromEnv, subgraphConfigFromEnv } from './config';

function problemsOf(env: NodeJS.ProcessEnv, piiKeys = false): string[] {
  try {
    subgraphConfigFromEnv('national', { defaultPort: 4001, piiKeys }, env);
  } catch (e) {
    expect(e).toBeInstanceOf(ConfigError);
    expect((e as ConfigError).message.split('\n')[0]).toMatch(/^national: invalid configuration \(\d+ problems?\):$/);
    return (e as ConfigError).problems;
  }
  throw new Error('expected a ConfigError');
}

describe('subgraphConfigFromEnv', () => {
  it('defaults: the registry port, the embedded database, migrations decided by the database', () => {
    expect(subgraphConfigFromEnv('x', { defaultPort: 4002 }, {})).toEqual({
      port: 4002,
      metricsPort: 9402,
      healthDbTimeoutMs: 1000,
      databaseUrl: undefined,
      migrateOnStart: undefined,
      shutdownDelayMs: 0,
    });
  });

  it('reads valid values', () => {
    expect(
      subgraphConfigFromEnv(
        'x',
        { defaultPort: 4002 },
        {
          PORT: '0',
          METRICS_PORT: '0',
          HEALTH_DB_TIMEOUT_MS: '300',
          DATABASE_URL: 'mysql://mente:pw@db:3306/mente_x',
          MIGRATE_ON_START: 'false',
          SHUTDOWN_DELAY_MS: '2000',
        },
      ),
    ).toEqual({
      port: 0,
      metricsPort: 0,
      healthDbTimeoutMs: 300,
      databaseUrl: 'mysql://mente:pw@db:3306/mente_x',
      migrateOnStart: false,
      shutdownDelayMs: 2000,
    });
    expect(subgraphConfigFromEnv('x', { defaultPort: 1 }, { DATABASE_URL: 'memory:' }).databaseUrl).toBe('memory:');
  });

  it('lists every wrong value in one error', () => {
    expect(
      problemsOf({
        PORT: '70000',
        DATABASE_URL: 'postgres://mente:secret@db/mente',
        MIGRATE_ON_START: 'yes',
        DATABASE_POOL_SIZE: '0',
        LOG_LEVEL: 'verbose',
        SHUTDOWN_DELAY_MS: '-5',
        METRICS_PORT: 'metrics',
        HEALTH_DB_TIMEOUT_MS: '0',
      }),
    ).toEqual([
      'PORT must be a port number from 0 to 65535; got "70000"',
      'METRICS_PORT must be a port number from 0 to 65535; got "metrics"',
      'HEALTH_DB_TIMEOUT_MS must be a positive integer; got "0"',
      'DATABASE_URL must be mysql://user:password@host:port/database, "memory:", or unset for the embedded file; got "postgres://mente:***@db/mente"',
      'MIGRATE_ON_START must be true or false; got "yes"',
      'DATABASE_POOL_SIZE must be a positive integer; got "0"',
      'LOG_LEVEL must be one of trace, debug, info, warn, error, fatal, silent; got "verbose"',
      'SHUTDOWN_DELAY_MS must be a non-negative integer; got "-5"',
    ]);
  });

  it('keeps /metrics off the public port: METRICS_PORT must differ from PORT', () => {
    expect(problemsOf({ PORT: '4002', METRICS_PORT: '4002' })).toEqual(['METRICS_PORT must differ from PORT (4002)']);
    expect(problemsOf({ METRICS_PORT: '4001' })).toEqual(['METRICS_PORT must differ from PORT (4001)']);
    expect(subgraphConfigFromEnv('x', { defaultPort: 4004 }, {}).metricsPort).toBe(9404); // a new region's default
  });

  it('requires the internal key in production and, for the national subgraph, the PII keys', () => {
    expect(problemsOf({ NODE_ENV: 'production' }, true)).toEqual([
      'INTERNAL_PUBLIC_KEY_FILE is required in production (the gateway’s public key for internal tokens)',
      'PII_HASH_KEY (or PII_HASH_KEY_FILE) is required in production (32 bytes, base64)',
      'PII_ENCRYPTION_KEY (or PII_ENCRYPTION_KEY_FILE) is required in production (32 bytes, base64)',
    ]);
    expect(
      problemsOf(
        {
          NODE_ENV: 'production',
          INTERNAL_PUBLIC_KEY_FILE: '/nonexistent.pem',
          PII_HASH_KEY: 'c2hvcnQ=',
          PII_ENCRYPTION_KEY: randomBytes(32).toString('base64'),
        },
        true,
      ),
    ).toEqual([
      'PII_HASH_KEY must be 32 bytes, base64-encoded',
      'INTERNAL_PUBLIC_KEY_FILE names a file that does not exist: "/nonexistent.pem"',
    ]);
  });

  it('reads the PII keys from PII_HASH_KEY_FILE and PII_ENCRYPTION_KEY_FILE (e.g. the compose key volume)', () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'mente-pii-'));
    try {
      const hashFile = path.join(dir, 'pii-hash.key');
      const encryptionFile = path.join(dir, 'pii-encryption.key');
      const hashKey = randomBytes(32).toString('base64');
      writeFileSync(hashFile, `${hashKey}\n`);
      writeFileSync(encryptionFile, 'c2hvcnQ=');
      const env = { NODE_ENV: 'production', PII_HASH_KEY_FILE: hashFile, PII_ENCRYPTION_KEY_FILE: encryptionFile };
      expect(secretFromEnv('PII_HASH_KEY', env)).toBe(hashKey);
      expect(problemsOf(env, true)).toEqual([
        'INTERNAL_PUBLIC_KEY_FILE is required in production (the gateway’s public key for internal tokens)',
        'PII_ENCRYPTION_KEY must be 32 bytes, base64-encoded',
      ]);
      expect(
        problemsOf(
          { PII_HASH_KEY: hashKey, PII_HASH_KEY_FILE: hashFile, PII_ENCRYPTION_KEY_FILE: '/nonexistent' },
          true,
        ),
      ).toEqual([
        'set only one of PII_HASH_KEY and PII_HASH_KEY_FILE',
        'PII_ENCRYPTION_KEY_FILE names a file that cannot be read: "/nonexistent"',
      ]);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('reads the database password from DATABASE_PASSWORD_FILE: the URLs name the user, the file holds its password', () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'mente-dbpw-'));
    try {
      const file = path.join(dir, 'database-national.password');
      writeFileSync(file, 'p@ss/wörd:1\n');
      const config = subgraphConfigFromEnv(
        'national',
        { defaultPort: 4001 },
        { DATABASE_URL: 'mysql://mente_national@db:3306/mente_national', DATABASE_PASSWORD_FILE: file },
      );
      expect(config.databasePassword).toBe('p@ss/wörd:1');
      expect(config.databaseUrl).toBe('mysql://mente_national:p%40ss%2Fw%C3%B6rd%3A1@db:3306/mente_national');
      // The embedded database ignores it; a provincial subgraph applies it to each DATABASE_URL_<REGION>.
      expect(subgraphConfigFromEnv('x', { defaultPort: 1 }, { DATABASE_PASSWORD_FILE: file })).toMatchObject({
        databaseUrl: undefined,
        databasePassword: 'p@ss/wörd:1',
      });
      const empty = path.join(dir, 'empty.password');
      writeFileSync(empty, '\n');
      expect(problemsOf({ DATABASE_PASSWORD_FILE: '/nonexistent.password' })).toEqual([
        'DATABASE_PASSWORD_FILE names a file that cannot be read: "/nonexistent.password"',
      ]);
      expect(problemsOf({ DATABASE_PASSWORD_FILE: empty })).toEqual([
        `DATABASE_PASSWORD_FILE names an empty file: "${empty}"`,
      ]);
      expect(
        problemsOf({
          DATABASE_PASSWORD_FILE: file,
          DATABASE_URL: 'mysql://mente:pw@db:3306/mente_national',
          DATABASE_URL_SICHUAN_PANZHIHUA: 'mysql://db:3306/mente_sichuan_panzhihua',
        }),
      ).toEqual([
        'DATABASE_URL carries a password and DATABASE_PASSWORD_FILE is set: give the password in one place',
        'DATABASE_URL_SICHUAN_PANZHIHUA must name its user (mysql://user@host:port/database) when DATABASE_PASSWORD_FILE is set',
      ]);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('subgraph mutual TLS (SUBGRAPH_TLS_*)', () => {
  it('reads the server certificate, key and client CA, or names what is wrong', () => {
    const tls = makeTlsFixtures();
    const config = subgraphConfigFromEnv('x', { defaultPort: 1 }, tlsEnv(tls.subgraph));
    expect(config.tls?.cert.toString()).toMatch(/^-----BEGIN CERTIFICATE-----/);
    expect(subgraphConfigFromEnv('x', { defaultPort: 1 }, {}).tls).toBeUndefined();
    expect(problemsOf({ SUBGRAPH_TLS_KEY_FILE: tls.subgraph.key })).toEqual([
      'set all of SUBGRAPH_TLS_CERT_FILE, SUBGRAPH_TLS_KEY_FILE, SUBGRAPH_TLS_CA_FILE or none; missing SUBGRAPH_TLS_CERT_FILE, SUBGRAPH_TLS_CA_FILE',
    ]);
    expect(problemsOf({ ...tlsEnv(tls.subgraph), SUBGRAPH_TLS_KEY_FILE: tls.gateway.key })).toEqual([
      'SUBGRAPH_TLS_KEY_FILE does not match the certificate in SUBGRAPH_TLS_CERT_FILE',
    ]);
  });
});
