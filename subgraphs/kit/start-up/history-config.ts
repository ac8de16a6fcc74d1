import { existsSync } from 'node:fs';

import type { KeyLike } from 'jose';

import { NATIONAL, REGIONS } from '../../../schema/registry';
import type { NationalIndexOptions } from '../persistence/history-report';
import { defaultKeyDir, loadPrivateKey, loadPublicKey } from '../platform/auth/keys';
import { ensureRegionKeys, regionKeyPaths } from '../platform/auth/region-token';

// Configuration of everything a region asks of, or tells, the national subgraph — one key, one URL:
// the history reports of its outbox (kit/persistence/history-report.ts) and the residence and
// hospital-directory look-ups at submission (kit/persistence/national-client.ts).
//   Region:   NATIONAL_INDEX_URL (the national subgraph's base URL, e.g. http://national:4001; default
//             http://127.0.0.1:<the registry's national port>, as `npm start` runs it),
//             REGION_SIGNING_KEY_FILE (this region's Ed25519 PKCS8 PEM; required in production, else
//             <DATA_DIR or .data>/keys/region-<code>-private.pem, created when missing) and
//             NATIONAL_TIMEOUT_MS (a look-up's deadline, default 1500). A region never holds the
//             gateway's internal key (INTERNAL_PRIVATE_KEY_FILE).
//   National: REGION_PUBLIC_KEYS_DIR holding region-<code>-public.pem for every region (default the
//             development key directory, where missing development pairs are created).

/** `keyVar`: where the key file is named (a provincial subgraph: REGION_SIGNING_KEY_FILE_<REGION NAME>). */
export async function nationalIndexFromEnv(
  regionCode: string,
  env: NodeJS.ProcessEnv = process.env,
  keyVar = 'REGION_SIGNING_KEY_FILE',
): Promise<NationalIndexOptions> {
  const url = env.NATIONAL_INDEX_URL?.trim() || `http://127.0.0.1:${NATIONAL.port}`;
  let keyFile = env[keyVar]?.trim();
  if (!keyFile) {
    if (env.NODE_ENV === 'production') {
      throw new Error(`${keyVar} is required in production (signs region → national requests)`);
    }
    keyFile = ensureRegionKeys(defaultKeyDir(env), regionCode).privateKeyPath;
  }
  const timeout = Number(env.NATIONAL_TIMEOUT_MS ?? 1500);
  return {
    url,
    privateKey: await loadPrivateKey(keyFile),
    audience: NATIONAL.name,
    timeoutMs: Number.isFinite(timeout) && timeout > 0 ? timeout : 1500,
  };
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
