import 'reflect-metadata';

import { randomBytes } from 'node:crypto';
import { chmod, copyFile, link, mkdir, readdir, readFile, rm, unlink, writeFile } from 'node:fs/promises';
import path from 'node:path';

import mysql from 'mysql2/promise';

import { REGIONS } from '../../schema/registry';
import { ensureDevelopmentKeys } from '../../subgraphs/kit/platform/auth/keys';
import { ensureRegionKeys } from '../../subgraphs/kit/platform/auth/region-token';
import { redactUrl, urlHasPassword, withPassword } from '../../subgraphs/kit/platform/db/url';
import { databaseUrlVariable as envName } from '../lib/databases';
import { prepareAll } from '../migrate';
import { databasePasswordFile, type KeySet, serviceKeySets } from './key-sets';

// The docker-compose `init` service: runs once before every other service, then exits 0.
//   KEYS_DIR (default .data/keys): creates, when missing, the caller key pair (stands in for the
//     identity provider: the gateway verifies caller-public.pem, `npm run token` signs with
//     caller-private.pem), the internal pair (gateway signs gateway → subgraph tokens with
//     internal-private.pem; subgraphs verify with internal-public.pem) and the national subgraph's
//     PII keys pii-hash.key and pii-encryption.key (32 random bytes each, base64), and one database
//     password per server with a database, database-<service>.password (24 random bytes, base64url).
//   SERVICE_KEYS_DIR (unset outside docker-compose): copies each server's share of those keys into
//     <SERVICE_KEYS_DIR>/<service>, that service's own volume (scripts/docker/key-sets.ts), and
//     removes anything else there: no server holds another organisation's key or database password.
//   DATABASE_ADMIN_URL (mysql://root:…@host:port; unset = nothing to do on a database server): with
//     it, each server's own database user, named by the server's URLs DATABASE_URL_<NAME> (national,
//     each region; e.g. mysql://mente_sichuan_panzhihua@mysql:3306/mente_sichuan_panzhihua, no
//     password), is created or given its current password and granted ALL on its own databases only.
//   SEED_DEMO=true: then runs migrations, policy data and the demo people (`npm run seed`) on the
//     databases named by DATABASE_URL_<SUBGRAPH> (as each server's own user, with DATABASE_ADMIN_URL),
//     so `npm run token -- --person P000001` is someone.
// Existing keys are kept: a restarted stack keeps its tokens, uploads and encrypted data valid.

const PII_KEY_FILES = { PII_HASH_KEY: 'pii-hash.key', PII_ENCRYPTION_KEY: 'pii-encryption.key' } as const;

/** Writes `contents` to `file` unless it exists (atomic: a concurrent writer's file wins). Returns true when written. */
async function createOnce(file: string, contents: string): Promise<boolean> {
  const tmp = `${file}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`;
  await writeFile(tmp, contents, { mode: 0o600, flag: 'wx' });
  await chmod(tmp, 0o600);
  try {
    await link(tmp, file);
    return true;
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
    return false;
  } finally {
    await unlink(tmp);
  }
}

/** Creates every key the compose stack needs under `dir`, keeping existing ones; returns the secret files it created. */
async function ensureStackKeys(dir: string): Promise<string[]> {
  await ensureDevelopmentKeys(dir);
  // Each region's signing pair for its reports to the national index (kit/persistence/history-report.ts).
  for (const region of REGIONS) ensureRegionKeys(dir, region.code);
  const created: string[] = [];
  for (const name of Object.values(PII_KEY_FILES)) {
    if (await createOnce(path.join(dir, name), `${randomBytes(32).toString('base64')}\n`)) created.push(name);
  }
  for (const set of serviceKeySets().filter((s) => s.databases.length > 0)) {
    const name = databasePasswordFile(set.service);
    if (await createOnce(path.join(dir, name), `${randomBytes(24).toString('base64url')}\n`)) created.push(name);
  }
  return created;
}

/** A server's database user and databases, from its URLs DATABASE_URL_<NAME> (one user for all). */
function databaseAccount(set: KeySet, env: NodeJS.ProcessEnv): { user: string; urls: Map<string, string> } {
  const urls = new Map<string, string>();
  const users = new Set<string>();
  for (const name of set.databases) {
    const raw = env[envName(name)];
    if (!raw?.startsWith('mysql://')) throw new Error(`${envName(name)} must be set to ${set.service}'s mysql:// URL`);
    if (urlHasPassword(raw)) {
      throw new Error(`${envName(name)} carries a password: init sets ${set.service}'s own (${redactUrl(raw)})`);
    }
    const url = new URL(raw);
    if (!url.username || !/^\/\w+$/.test(url.pathname)) {
      throw new Error(`${envName(name)} must be mysql://<user>@host:port/<database>; got "${redactUrl(raw)}"`);
    }
    users.add(decodeURIComponent(url.username));
    urls.set(name, raw);
  }
  if (users.size !== 1) {
    throw new Error(`${set.service} connects as one user to all its databases; its URLs name ${[...users].join(', ')}`);
  }
  return { user: [...users][0]!, urls };
}

/**
 * Creates each server's own database user (or gives it its current password), revokes whatever it
 * holds and grants it ALL on its own databases only, connected as `adminUrl`'s user; returns the servers. Portable to MySQL 8.4
 * and MariaDB. Then points DATABASE_URL_<NAME> in `env` at the server's user with its password (the
 * seed runs as each server). Databases must exist (mysql-init.sql).
 */
async function ensureDatabaseUsers(adminUrl: string, keysDir: string, env: NodeJS.ProcessEnv): Promise<string[]> {
  const accounts = serviceKeySets()
    .filter((s) => s.databases.length > 0)
    .map((set) => ({ set, ...databaseAccount(set, env) }));
  const conn = await mysql.createConnection({ uri: adminUrl, connectTimeout: 10_000 });
  try {
    for (const { set, user, urls } of accounts) {
      const password = (await readFile(path.join(keysDir, databasePasswordFile(set.service)), 'utf8')).trim();
      await conn.query("CREATE USER IF NOT EXISTS ?@'%' IDENTIFIED BY ?", [user, password]);
      await conn.query("ALTER USER ?@'%' IDENTIFIED BY ?", [user, password]);
      // Exactly its own databases: whatever else it was granted before (a region moved to another
      // host, a hand-made grant) goes first.
      await conn.query("REVOKE ALL PRIVILEGES, GRANT OPTION FROM ?@'%'", [user]);
      for (const url of urls.values()) {
        // In GRANT's database name _ and % are wildcards (mente_ab_c would also match mente_abxc): escaped.
        const database = new URL(url).pathname.slice(1).replace(/[_%]/g, '\\$&');
        await conn.query(`GRANT ALL PRIVILEGES ON \`${database}\`.* TO ?@'%'`, [user]);
      }
      for (const [name, url] of urls) env[envName(name)] = withPassword(url, password);
    }
  } finally {
    await conn.end();
  }
  return accounts.map((a) => `${a.set.service} (${a.user})`);
}

/** Gives each service its own keys (and nothing else) under `serviceDir/<service>`; returns the services. */
async function distributeServiceKeys(keysDir: string, serviceDir: string): Promise<string[]> {
  const sets = serviceKeySets();
  for (const set of sets) {
    const dir = path.join(serviceDir, set.service);
    await mkdir(dir, { recursive: true, mode: 0o700 });
    for (const name of await readdir(dir)) {
      if (!set.files.includes(name)) await rm(path.join(dir, name), { recursive: true, force: true });
    }
    for (const name of set.files) {
      const target = path.join(dir, name);
      await copyFile(path.join(keysDir, name), target);
      await chmod(target, name.endsWith('-public.pem') ? 0o644 : 0o600);
    }
  }
  return sets.map((s) => s.service);
}

async function main(): Promise<void> {
  const seed = process.env.SEED_DEMO || 'false';
  if (seed !== 'true' && seed !== 'false') throw new Error(`SEED_DEMO must be true or false; got "${seed}"`);
  const dir = path.resolve(process.env.KEYS_DIR || path.join('.data', 'keys'));
  const created = await ensureStackKeys(dir);
  console.log(`[init] keys ready in ${dir}${created.length ? ` (new: ${created.join(', ')})` : ''}`);
  const serviceDir = process.env.SERVICE_KEYS_DIR?.trim();
  if (serviceDir) {
    const services = await distributeServiceKeys(dir, path.resolve(serviceDir));
    console.log(`[init] each service's own keys copied for ${services.join(', ')}`);
  }
  const adminUrl = process.env.DATABASE_ADMIN_URL?.trim();
  if (adminUrl) {
    const users = await ensureDatabaseUsers(adminUrl, dir, process.env);
    console.log(`[init] database users, each granted its own databases only: ${users.join(', ')}`);
  }
  if (seed === 'true') {
    // The seed's PII vault reads the keys just created (loadPiiVault: PII_*_FILE).
    for (const [name, file] of Object.entries(PII_KEY_FILES)) {
      process.env[`${name}_FILE`] ??= path.join(dir, file);
    }
    await prepareAll({ seed: true, log: (line) => console.log(`[init] ${line}`) });
  }
}

if (require.main === module) {
  main().catch((e: unknown) => {
    console.error(`[init] ${e instanceof Error ? e.message : String(e)}`);
    process.exit(1);
  });
}
