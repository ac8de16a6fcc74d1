import mysql from 'mysql2/promise';

/**
 * Which database each subgraph uses when one tool runs them all (start-all, migrate, seed, tests):
 * DATABASE_URL_<SUBGRAPH> if set; else, with MYSQL_URL (a server), database `<prefix><subgraph>`;
 * else undefined, meaning the embedded SQLite file under .data/.
 */
export function databaseUrlFor(
  subgraph: string,
  env: NodeJS.ProcessEnv = process.env,
  prefix = 'mente_',
): string | undefined {
  const own = env[`DATABASE_URL_${subgraph.toUpperCase().replace(/-/g, '_')}`];
  if (own) return own;
  if (!env.MYSQL_URL) return undefined;
  const url = new URL(env.MYSQL_URL);
  if (url.protocol !== 'mysql:') throw new Error('MYSQL_URL must be mysql://user:password@host:port');
  url.pathname = `/${prefix}${subgraph.replace(/-/g, '_')}`;
  return url.toString();
}

/** Creates the database of a mysql:// URL if it does not exist (utf8mb4: the data is Chinese). */
export async function ensureMysqlDatabase(databaseUrl: string): Promise<void> {
  const url = new URL(databaseUrl);
  const name = decodeURIComponent(url.pathname.replace(/^\//, ''));
  if (!/^\w+$/.test(name)) throw new Error(`unsupported database name "${name}"`);
  url.pathname = '/';
  const conn = await mysql.createConnection({ uri: url.toString(), connectTimeout: 5000 });
  try {
    await conn.query(`CREATE DATABASE IF NOT EXISTS \`${name}\` CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci`);
  } finally {
    await conn.end();
  }
}

/** Drops and recreates a database: tests start from an empty schema and migrate it. */
export async function recreateMysqlDatabase(databaseUrl: string): Promise<void> {
  const url = new URL(databaseUrl);
  const name = decodeURIComponent(url.pathname.replace(/^\//, ''));
  if (!/^\w+$/.test(name)) throw new Error(`unsupported database name "${name}"`);
  url.pathname = '/';
  const conn = await mysql.createConnection({ uri: url.toString(), connectTimeout: 5000 });
  try {
    await conn.query(`DROP DATABASE IF EXISTS \`${name}\``);
    await conn.query(`CREATE DATABASE \`${name}\` CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci`);
  } finally {
    await conn.end();
  }
}
