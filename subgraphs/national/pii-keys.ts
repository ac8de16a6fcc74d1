import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';

import { defaultKeyDir } from '../kit/platform/auth/keys';
import { secretFromEnv } from '../kit/platform/config';
import { PiiVault } from '../kit/platform/pii';

/**
 * The keys that protect identity numbers at rest: PII_HASH_KEY and PII_ENCRYPTION_KEY (base64,
 * 32 bytes each), or PII_HASH_KEY_FILE and PII_ENCRYPTION_KEY_FILE (files holding them, e.g. the
 * docker-compose key volume). Outside production, missing keys are generated once under .data/keys/.
 */
export function loadPiiVault(env: NodeJS.ProcessEnv = process.env): PiiVault {
  const hashKey = secretFromEnv('PII_HASH_KEY', env);
  const encryptionKey = secretFromEnv('PII_ENCRYPTION_KEY', env);
  if (hashKey && encryptionKey) return PiiVault.fromBase64(hashKey, encryptionKey);
  if (env.NODE_ENV === 'production') {
    throw new Error(
      'PII_HASH_KEY and PII_ENCRYPTION_KEY (base64, 32 bytes each, or their _FILE paths) are required in production',
    );
  }
  const file = path.join(defaultKeyDir(env), 'pii-keys.json');
  if (!existsSync(file)) {
    mkdirSync(path.dirname(file), { recursive: true });
    const keys = { hashKey: randomBytes(32).toString('base64'), encryptionKey: randomBytes(32).toString('base64') };
    writeFileSync(file, JSON.stringify(keys), { mode: 0o600 });
  }
  const keys = JSON.parse(readFileSync(file, 'utf8')) as { hashKey: string; encryptionKey: string };
  return PiiVault.fromBase64(keys.hashKey, keys.encryptionKey);
}
