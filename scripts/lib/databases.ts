import { readFileSync } from 'node:fs';

import mysql from 'mysql2/promise';

import { urlHasPassword, withPassword } from '../../subgraphs/kit/platform/db/url';

/** The variable naming one subgraph's (or region's) database: DATABASE_URL_SICHUAN_PANZHIHUA. */
export const databaseUrlVariable = (subgraph: string): string =>
  `DATABASE_URL_${subgraph.toUpperCase().replace(/-/g, '_')}`;

/**
 * Which database each subgraph uses when one tool runs them all (start-all, migrate, seed, tests):
 * DATABASE_URL_<SUBGRAPH> if set (with the password of DATABASE_PASSWORD_FILE when it names its
 * user only, as a server reads it); else, with MYSQL_URL (a server), database `<prefix><subgraph>`;
 * else undefined, meaning the embedded SQLite file under .data/.
 */
export function databaseUrlFor(
  subgraph: string,
  env: NodeJS.ProcessEnv = process.env,
  prefix = 'mente_',
): string | undefined {
  const own = env[databaseUrlVariable(subgraph)];
  if (own) {
    const file = env.DATABASE_PASSWORD_FILE;
    return file && !urlHasPassword(own) ? withPassword(own, readFileSync(file, 'utf8').trim()) : own;
  }
  if (!env.MYSQL_URL) return undefined;
  const url = new URL(env.MYSQL_URL);
  if (url.protocol !== 'mysql:') throw new Error('MYSQL_URL must be mysql://user:password@host:port');
  url.pathname = `/${prefix}${subgraph.replace(/-/g, '_')}`;
  return url.toString();
}

/** Runs `statements(name)` on the server of a mysql:// URL, `name` being the URL's database. */
async function onServer(databaseUrl: string, statements: (name: string) => string[]): Promise<void> {
  const url = new URL(databaseUrl);
  const name = decodeURIComponent(url.pathname.replace(/^\//, ''));
  if (!/^\w+$/.test(name)) throw new Error(`unsupported database name "${name}"`);
  url.pathname = '/';
  const conn = await mysql.createConnection({ uri: url.toString(), connectTimeout: 5000 });
  try {
    for (const sql of statements(name)) await conn.query(sql);
  } finally {
    await conn.end();
  }
}

const CHARSET = 'CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci';

/** Creates the database of a mysql:// URL if it does not exist (utf8mb4: the data is Chinese). */
export function ensureMysqlDatabase(databaseUrl: string): Promise<void> {
  return onServer(databaseUrl, (name) => [`CREATE DATABASE IF NOT EXISTS \`${name}\` ${CHARSET}`]);
}

/** Drops and recreates a database: tests start from an empty schema and migrate it. */
export function recreateMysqlDatabase(databaseUrl: string): Promise<void> {
  return onServer(databaseUrl, (name) => [
    `DROP DATABASE IF EXISTS \`${name}\``,
    `CREATE DATABASE \`${name}\` ${CHARSET}`,
  ]);
}
