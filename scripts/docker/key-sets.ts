import { mkdirSync } from 'node:fs';
import path from 'node:path';

import { type Registry, registryFromRegionFiles, subgraphsOf } from '../../schema/registry';

// Which secrets each docker-compose service holds: each organisation's process gets only its own.
// `init` keeps every key in the mente-keys volume (the stand-in for a secret store, also mounted by
// `tools`, the operator's shell) and copies each service's share into that service's own volume,
// mente-keys-<service>, mounted read-only at /app/.data/keys. So a regional bureau's container holds
// the internal public key (to verify the gateway's tokens) and its own region signing key, never the
// gateway's signing key, the national PII keys or another region's key; the gateway holds no PII key.
// docker-compose.yml (scripts/docker-compose-config.ts) and init (scripts/docker/init.ts) both read
// this list; test/compose-stack.int.test.ts starts every service from its own volume alone.
// Databases too: each server with a database connects as its own MySQL user (databaseUser), granted
// only its own databases (a provincial subgraph: its regions'), with a password that init generates
// into the store (database-<service>.password) and copies into that server's volume alone
// (DATABASE_PASSWORD_FILE). The gateway has no database.

export interface KeySet {
  /** The docker-compose service. */
  service: string;
  /** Its named volume. */
  volume: string;
  /** File names under the key store that the service receives. */
  files: string[];
  /** The registry names (national, region files) whose databases it owns; none for the gateway. */
  databases: string[];
}

/** The file under the key store holding a server's database password. */
export const databasePasswordFile = (service: string) => `database-${service}.password`;

/** MySQL 8 refuses longer user names. */
export const DATABASE_USER_MAX_LENGTH = 32;

/** A server's own database user: `mente_` and its name, `-` → `_` (e.g. mente_sichuan_panzhihua). */
export const databaseUser = (service: string) => `mente_${service.replace(/-/g, '_')}`;

const regionPrivate = (code: string) => `region-${code}-private.pem`;
const regionPublic = (code: string) => `region-${code}-public.pem`;

/** Every server's key set, derived from the registry (the region files). */
export function serviceKeySets(registry: Registry = registryFromRegionFiles()): KeySet[] {
  const codeOf = (subgraph: string) => registry.regions.find((r) => r.subgraph === subgraph)!.code;
  const sets: Omit<KeySet, 'volume' | 'databases'>[] = [
    // Verifies callers' tokens, signs gateway → subgraph tokens and files' ownership records.
    { service: 'gateway', files: ['caller-public.pem', 'internal-private.pem'] },
    // Verifies the gateway's tokens and each region's signed reports; encrypts and hashes identity numbers.
    {
      service: registry.national.name,
      files: [
        'internal-public.pem',
        'pii-hash.key',
        'pii-encryption.key',
        ...registry.regions.map((r) => regionPublic(r.code)),
        databasePasswordFile(registry.national.name),
      ],
    },
    // Verifies the gateway's tokens and ownership records; signs its own regions' reports to the national index.
    ...subgraphsOf(registry.regions).map((s) => ({
      service: s.name,
      files: ['internal-public.pem', ...s.regions.map((r) => regionPrivate(codeOf(r))), databasePasswordFile(s.name)],
    })),
  ];
  const databasesOf = (service: string): string[] =>
    service === registry.national.name
      ? [service]
      : (subgraphsOf(registry.regions).find((s) => s.name === service)?.regions ?? []);
  return sets.map((s) => ({ ...s, volume: `mente-keys-${s.service}`, databases: databasesOf(s.service) }));
}

/** Inside the image: where init mounts each service's volume (the Dockerfile creates these, owned by node). */
export const SERVICE_KEYS_MOUNT = '.data/service-keys';

if (require.main === module) {
  // `--mount-points <dir>`: the Dockerfile creates init's mount points, so new volumes belong to node.
  const at = process.argv.indexOf('--mount-points');
  if (at < 0 || !process.argv[at + 1]) {
    console.error('usage: key-sets.ts --mount-points <dir>');
    process.exit(2);
  }
  for (const set of serviceKeySets()) mkdirSync(path.join(process.argv[at + 1]!, set.service), { recursive: true });
}
