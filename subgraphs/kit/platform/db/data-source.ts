import { mkdirSync } from 'node:fs';
import path from 'node:path';

import { DataSource, type DataSourceOptions, type EntitySchema, type MixedList } from 'typeorm';

import { redactUrl } from './url';

// One code path, two drivers: MySQL (mysql2) when DATABASE_URL is mysql://..., otherwise an
// embedded SQLite file (sql.js, pure WebAssembly: nothing to compile) under DATA_DIR (.data/).
// DATABASE_URL=memory: gives a throwaway in-memory SQLite database (tests).

export interface DatabaseConfig {
  /** The subgraph's name: names the embedded file. */
  name: string;
  url?: string;
  dataDir?: string;
  entities: EntitySchema<any>[];
  migrations: MixedList<Function>;
  /** Receives every SQL statement the data source runs (statement-count tests, metrics). */
  onQuery?: (sql: string) => void;
}

export type DatabaseKind = 'mysql' | 'sqlite-file' | 'sqlite-memory';

function databaseKind(url: string | undefined): DatabaseKind {
  if (!url) return 'sqlite-file';
  if (url === 'memory:') return 'sqlite-memory';
  if (/^mysql:\/\//.test(url)) return 'mysql';
  throw new Error(
    `DATABASE_URL must be mysql://user:password@host:port/database or "memory:"; got "${redactUrl(url)}"`,
  );
}

/**
 * Whether a subgraph migrates (and loads its policy data) as it starts: MIGRATE_ON_START when
 * set, otherwise yes for the embedded database and no for MySQL, where deploys migrate.
 */
export function migrateOnStart(url: string | undefined, env: NodeJS.ProcessEnv = process.env): boolean {
  return env.MIGRATE_ON_START ? env.MIGRATE_ON_START === 'true' : databaseKind(url) !== 'mysql';
}

export function createDataSource(config: DatabaseConfig): DataSource {
  const kind = databaseKind(config.url);
  const common = {
    entities: config.entities,
    migrations: config.migrations,
    synchronize: false,
    migrationsRun: false,
    logging: config.onQuery ? ['query' as const] : false,
    logger: config.onQuery ? new QueryCounterLogger(config.onQuery) : undefined,
  };
  let options: DataSourceOptions;
  if (kind === 'mysql') {
    options = {
      ...common,
      type: 'mysql',
      url: config.url,
      charset: 'utf8mb4_unicode_ci',
      timezone: 'Z',
      dateStrings: true,
      extra: { connectionLimit: Number(process.env.DATABASE_POOL_SIZE ?? 10) },
    };
  } else if (kind === 'sqlite-memory') {
    options = { ...common, type: 'sqljs' };
  } else {
    const dir = path.resolve(config.dataDir ?? process.env.DATA_DIR ?? '.data');
    mkdirSync(dir, { recursive: true });
    options = { ...common, type: 'sqljs', location: path.join(dir, `${config.name}.sqlite`), autoSave: true };
  }
  return new DataSource(options);
}

export interface QueryObservation {
  query: string;
  /** Milliseconds, as the driver measured it (absent for a failed statement). */
  executionTime?: number;
  success: boolean;
}

/**
 * Calls `observe` after every statement the data source runs (metrics). Call it after
 * initialize(): TypeORM replaces the subscriber list while initialising.
 */
export function observeQueries(ds: DataSource, observe: (event: QueryObservation) => void): void {
  ds.subscribers.push({
    afterQuery(event) {
      observe({ query: event.query, executionTime: event.executionTime, success: event.success });
    },
  });
}

class QueryCounterLogger {
  constructor(private readonly onQuery: (sql: string) => void) {}
  logQuery(query: string): void {
    this.onQuery(query);
  }
  logQueryError(): void {}
  logQuerySlow(): void {}
  logSchemaBuild(): void {}
  logMigration(): void {}
  log(): void {}
}

export interface ConnectRetry {
  /** How many tries in all (DATABASE_CONNECT_RETRIES, default 10). */
  tries?: number;
  /** First wait; doubles after each failure up to maxDelayMs (default 500 ms → 8 s). */
  firstDelayMs?: number;
  maxDelayMs?: number;
  log?: (line: string) => void;
}

function connectRetriesFromEnv(env: NodeJS.ProcessEnv = process.env): number {
  const n = Number(env.DATABASE_CONNECT_RETRIES ?? 10);
  return Number.isInteger(n) && n >= 1 ? n : 10;
}

/**
 * Connects, retrying with bounded exponential backoff: a subgraph started before its database
 * (a restart, a rolling deploy) waits for it instead of exiting. One log line per failed try.
 */
export async function initializeWithRetry(ds: DataSource, options: ConnectRetry = {}): Promise<DataSource> {
  const tries = options.tries ?? connectRetriesFromEnv();
  let delay = options.firstDelayMs ?? 500;
  const maxDelay = options.maxDelayMs ?? 8000;
  for (let attempt = 1; ; attempt++) {
    try {
      return await ds.initialize();
    } catch (e) {
      const err = e as { code?: string; message?: string };
      const cause = [err.code, err.message].filter(Boolean).join(' ').slice(0, 200);
      if (attempt >= tries) {
        options.log?.(`database connect try ${attempt}/${tries} failed (${cause}); giving up`);
        throw e;
      }
      options.log?.(`database connect try ${attempt}/${tries} failed (${cause}); next try in ${delay} ms`);
      await new Promise((resolve) => setTimeout(resolve, delay));
      delay = Math.min(delay * 2, maxDelay);
    }
  }
}
