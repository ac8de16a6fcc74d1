import { existsSync } from 'node:fs';

import type { KeyLike } from 'jose';

import { NATIONAL, REGIONS } from '../../../schema/registry';
import type { NationalIndexOptions } from '../persistence/history-report';
import { defaultKeyDir, loadPrivateKey, loadPublicKey } from '../platform/auth/keys';
import { ensureRegionKeys, regionKeyPaths } from '../platform/auth/region-token';

// Configuration of the region → national index reports (kit/persistence/history-report.ts).
//   Region:   NATIONAL_INDEX_URL (the national subgraph's base URL, e.g. http://national:4001) and
//             REGION_SIGNING_KEY_FILE (this region's Ed25519 PKCS8 PEM). Outside production the key
//             defaults to <DATA_DIR or .data>/keys/region-<code>-private.pem, created when missing.
//   National: REGION_PUBLIC_KEYS_DIR holding region-<code>-public.pem for every region (default the
//             development key directory, where missing development pairs are created).

export async function nationalIndexFromEnv(
  regionCode: string,
  env: NodeJS.ProcessEnv = process.env,
): Promise<NationalIndexOptions | undefined> {
  const url = env.NATIONAL_INDEX_URL?.trim();
  if (!url) return undefined;
  let keyFile = env.REGION_SIGNING_KEY_FILE?.trim();
  if (!keyFile) {
    if (env.NODE_ENV === 'production') throw new Error('REGION_SIGNING_KEY_FILE is required with NATIONAL_INDEX_URL');
    keyFile = ensureRegionKeys(defaultKeyDir(env), regionCode).privateKeyPath;
  }
  return { url, privateKey: await loadPrivateKey(keyFile), audience: NATIONAL.name };
}

export async function regionPublicKeysFromEnv(env: NodeJS.ProcessEnv = process.env): Promise<Map<string, KeyLike>> {
  const dir = env.REGION_PUBLIC_KEYS_DIR?.trim() || defaultKeyDir(env);
  const keys = new Map<string, KeyLike>();
  for (const region of REGIONS) {
    const { publicKeyPath } = regionKeyPaths(dir, region.code);
    if (!existsSync(publicKeyPath) && env.NODE_ENV !== 'production') ensureRegionKeys(dir, region.code);
    if (existsSync(publicKeyPath)) keys.set(region.code, await loadPublicKey(publicKeyPath));
  }
  return keys;
}
