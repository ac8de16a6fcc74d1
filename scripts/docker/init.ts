import 'reflect-metadata';

import { randomBytes } from 'node:crypto';
import { chmod, copyFile, link, mkdir, readdir, rm, unlink, writeFile } from 'node:fs/promises';
import path from 'node:path';

import { REGIONS } from '../../schema/registry';
import { ensureDevelopmentKeys } from '../../subgraphs/kit/platform/auth/keys';
import { ensureRegionKeys } from '../../subgraphs/kit/platform/auth/region-token';
import { prepareAll } from '../migrate';
import { serviceKeySets } from './key-sets';

// The docker-compose `init` service: runs once before every other service, then exits 0.
//   KEYS_DIR (default .data/keys): creates, when missing, the caller key pair (stands in for the
//     identity provider: the gateway verifies caller-public.pem, `npm run token` signs with
//     caller-private.pem), the internal pair (gateway signs gateway → subgraph tokens with
//     internal-private.pem; subgraphs verify with internal-public.pem) and the national subgraph's
//     PII keys pii-hash.key and pii-encryption.key (32 random bytes each, base64).
//   SERVICE_KEYS_DIR (unset outside docker-compose): copies each server's share of those keys into
//     <SERVICE_KEYS_DIR>/<service>, that service's own volume (scripts/docker/key-sets.ts), and
//     removes anything else there: no server holds another organisation's key.
//   SEED_DEMO=true: then runs migrations, policy data and the demo people (`npm run seed`) on the
//     databases named by DATABASE_URL_<SUBGRAPH>, so `npm run token -- --person P000001` is someone.
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

/** Creates every key the compose stack needs under `dir`, keeping existing ones; returns the PII key files it created. */
async function ensureStackKeys(dir: string): Promise<string[]> {
  await ensureDevelopmentKeys(dir);
  // Each region's signing pair for its reports to the national index (kit/persistence/history-report.ts).
  for (const region of REGIONS) ensureRegionKeys(dir, region.code);
  const created: string[] = [];
  for (const name of Object.values(PII_KEY_FILES)) {
    if (await createOnce(path.join(dir, name), `${randomBytes(32).toString('base64')}\n`)) created.push(name);
  }
  return created;
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
