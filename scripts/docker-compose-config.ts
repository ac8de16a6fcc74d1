import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';

import { hostOf, type Registry, registryFromRegionFiles, subgraphsOf } from '../schema/registry';
import {
  DATABASE_USER_MAX_LENGTH,
  databasePasswordFile,
  databaseUser,
  SERVICE_KEYS_MOUNT,
  serviceKeySets,
} from './docker/key-sets';

// docker-compose.yml and scripts/docker/mysql-init.sql, derived from the region files: one regional
// service per subgraph (REGION=<region> and its database, or for a provincial subgraph SUBGRAPH=<name>
// and one DATABASE_URL_<REGION> per region it serves) and one database per region. The hand-written
// parts (header, mysql, init, national, gateway, tools) are the template below. `npm run compose`
// writes both files; `npm run compose -- --check` (in `npm run check`) fails when they are stale;
// `npx tsx scripts/docker-compose-config.ts [--check]` does the same for these two files alone.
// Each server connects to MySQL as its own user (key-sets.ts: databaseUser), whose password init
// generates and puts in that server's key volume alone (DATABASE_PASSWORD_FILE); init creates the
// users as root and grants each its own databases only. Only init and tools hold the root password.
// test/compose-stack.int.test.ts runs the services of the rendered file (`docker-compose config`).

const ROOT = path.resolve(__dirname, '..');
const COMPOSE_FILE = path.join(ROOT, 'docker-compose.yml');
const MYSQL_INIT_FILE = path.join(ROOT, 'scripts/docker/mysql-init.sql');

/** Inside the containers: the working directory, the keys (each server's own volume) and the file store. */
const APP = '/app';
const KEYS = `${APP}/.data/keys`;
const SERVICE_KEYS = `${APP}/${SERVICE_KEYS_MOUNT}`;
const UPLOADS = `${APP}/.data/uploads`;
const METRICS_OFFSET = 5400; // METRICS_PORT = PORT + 5400 (subgraphs/kit/platform/metrics-server.ts)

const envName = (subgraph: string) => subgraph.toUpperCase().replace(/-/g, '_');
const databaseName = (subgraph: string) => `mente_${subgraph.replace(/-/g, '_')}`;
/**
 * The database root password: no default. A default written here would let any container of the
 * network log in as root (the mysql image admits root from any host) and read every database.
 * URL-safe (it goes into root's URLs): hex, as `openssl rand -hex 24` gives.
 */
const ROOT_PASSWORD = '${MYSQL_ROOT_PASSWORD:?set MYSQL_ROOT_PASSWORD in .env, for example openssl rand -hex 24}';
/** A database as its owner, `server`, connects: its own user, the password in DATABASE_PASSWORD_FILE. */
const databaseUrl = (server: string, database: string) =>
  `mysql://${databaseUser(server)}@mysql:3306/${databaseName(database)}`;
/** A database as root: init's administration and the operator's tools. */
const rootUrl = (database?: string) =>
  `mysql://root:${ROOT_PASSWORD}@mysql:3306${database ? `/${databaseName(database)}` : ''}`;

/** Fails, naming the region files, when a server's database user would be longer than MySQL allows. */
export function checkDatabaseUsers(registry: Registry): void {
  const servers = [registry.national.name, ...subgraphsOf(registry.regions).map((s) => s.name)];
  for (const server of servers) {
    const user = databaseUser(server);
    if (user.length <= DATABASE_USER_MAX_LENGTH) continue;
    const files = registry.regions
      .filter((r) => hostOf(r) === server)
      .map((r) => `subgraphs/regions/${r.subgraph}.yaml`);
    const what = files.some((f) => f.endsWith(`/${server}.yaml`))
      ? `its name (${files.join(', ')})`
      : `the \`host: ${server}\` of ${files.join(', ')}`;
    throw new Error(
      `the database user of ${server} would be "${user}", ${user.length} characters; MySQL allows ${DATABASE_USER_MAX_LENGTH}: shorten ${what}`,
    );
  }
}

interface Service {
  name: string;
  port: number;
  /** Lines of the service's `environment` block after PORT and METRICS_PORT. */
  env: string[];
}

function subgraphServices(registry: Registry): Service[] {
  const national: Service = {
    name: registry.national.name,
    port: registry.national.port,
    env: [
      `DATABASE_URL: ${databaseUrl(registry.national.name, registry.national.name)}`,
      `DATABASE_PASSWORD_FILE: ${KEYS}/${databasePasswordFile(registry.national.name)}`,
      "MIGRATE_ON_START: 'true'",
      `INTERNAL_PUBLIC_KEY_FILE: ${KEYS}/internal-public.pem`,
      `PII_HASH_KEY_FILE: ${KEYS}/pii-hash.key`,
      `PII_ENCRYPTION_KEY_FILE: ${KEYS}/pii-encryption.key`,
      `REGION_PUBLIC_KEYS_DIR: ${KEYS}`,
    ],
  };
  // One service per subgraph: a region of its own (REGION, DATABASE_URL), or a provincial subgraph
  // (SUBGRAPH, one DATABASE_URL_<REGION> per region it serves); one database per region either way.
  const regions = subgraphsOf(registry.regions).map((s) => {
    const alone = s.regions.length === 1 && s.regions[0] === s.name;
    return {
      name: s.name,
      port: s.port,
      env: [
        ...(alone
          ? [`REGION: ${s.name}`, `DATABASE_URL: ${databaseUrl(s.name, s.name)}`]
          : [`SUBGRAPH: ${s.name}`, ...s.regions.map((r) => `DATABASE_URL_${envName(r)}: ${databaseUrl(s.name, r)}`)]),
        `DATABASE_PASSWORD_FILE: ${KEYS}/${databasePasswordFile(s.name)}`,
        "MIGRATE_ON_START: 'true'",
        `INTERNAL_PUBLIC_KEY_FILE: ${KEYS}/internal-public.pem`,
        `UPLOAD_DIR: ${UPLOADS}`,
        // Region → national (history reports, residence and hospital look-ups), signed by each region's
        // own key; no region holds the gateway's internal key (INTERNAL_PRIVATE_KEY_FILE).
        `NATIONAL_INDEX_URL: http://${registry.national.name}:${registry.national.port}`,
        ...(alone
          ? [
              `REGION_SIGNING_KEY_FILE: ${KEYS}/region-${registry.regions.find((r) => r.subgraph === s.name)!.code}-private.pem`,
            ]
          : s.regions.map(
              (r) =>
                `REGION_SIGNING_KEY_FILE_${envName(r)}: ${KEYS}/region-${registry.regions.find((x) => x.subgraph === r)!.code}-private.pem`,
            )),
      ],
    };
  });
  return [national, ...regions];
}

const HEADER = `# Generated by \`npm run compose\` from subgraphs/regions/*.yaml (template: scripts/docker-compose-config.ts).
# Do not edit: \`npm run check\` fails when this file is stale. A new region file adds its service here.
#
# The whole stack, production settings, on MySQL 8 (one database per subgraph, migrations on start):
#   echo "MYSQL_ROOT_PASSWORD=$(openssl rand -hex 24)" >> .env      once: the database root password
#   SEED_DEMO=true docker-compose up --build        then http://localhost:4000/ (explorer: /explorer)
#   docker-compose run --rm -T tools npm run -s token -- --role APPLICANT --person P000001
# \`init\` creates every key once in the mente-keys volume (caller and internal Ed25519 key pairs, PII
# keys, each region's signing pair), copies each server's share into that server's own volume
# (mente-keys-<service>, read-only there: scripts/docker/key-sets.ts) and, with SEED_DEMO=true, loads
# the demo people; every other service starts after it exits 0. No region's container holds the
# gateway's signing key, the national PII keys or another region's key. \`init\` also creates one
# database user per server (mente_<service>, granted its own databases only) with a random password
# kept in mente-keys and copied into that server's volume alone (DATABASE_PASSWORD_FILE): no server
# can read or write another's database. Only init and tools hold MYSQL_ROOT_PASSWORD.
# The caller key pair stands in for an identity provider: \`tools\` mints tokens the gateway accepts.
# For a real deployment, replace the JWT_* settings with your identity provider's and the key volumes
# with your secret store. test/compose-stack.int.test.ts runs these services without Docker.`;

/** docker-compose.yml for the given registry (default: the region files). */
export function dockerComposeYaml(registry: Registry = registryFromRegionFiles()): string {
  checkDatabaseUsers(registry);
  const subgraphs = subgraphServices(registry);
  const keySets = serviceKeySets(registry);
  const ownKeys = (service: string) => `      - ${keySets.find((k) => k.service === service)!.volume}:${KEYS}:ro`;
  // init and the tools migrate and seed every database: the national one and one per region; init as
  // each database's owner (it creates those users as root), the tools (the operator's shell) as root.
  const databases = [registry.national.name, ...registry.regions.map((r) => r.subgraph)];
  const owner = (database: string) =>
    database === registry.national.name ? database : hostOf(registry.regions.find((r) => r.subgraph === database)!);
  const out: string[] = [
    HEADER,
    'x-service: &service',
    '  build: { context: ., dockerfile: scripts/docker/Dockerfile }',
    '  image: mente:local',
    `  working_dir: ${APP}`,
    '  restart: unless-stopped',
    "  # GET /metrics (and the gateway's GET /health/subgraphs) is on METRICS_PORT, reachable inside",
    '  # this network only (e.g. a Prometheus here scrapes gateway:9400): never published to the host.',
    '  healthcheck:',
    '    test:',
    '      [',
    "        'CMD',",
    "        'node',",
    "        '-e',",
    `        "fetch('http://127.0.0.1:'+process.env.PORT+'/health').then(r=>process.exit(r.ok?0:1),()=>process.exit(1))",`,
    '      ]',
    '    interval: 5s',
    '    timeout: 3s',
    '    retries: 20',
    '',
    '# Each server reads its own keys, read-only; the file store (uploads and their signed ownership',
    '# records) is shared: the gateway writes it, the regions check and reference what it holds.',
    'x-uploads: &uploads mente-uploads:/app/.data/uploads',
    '',
    'services:',
    '  mysql:',
    '    image: mysql:8.4',
    "    command: ['--character-set-server=utf8mb4', '--collation-server=utf8mb4_unicode_ci']",
    '    restart: unless-stopped',
    '    environment:',
    `      MYSQL_ROOT_PASSWORD: ${ROOT_PASSWORD}`,
    '    volumes:',
    '      - mysql-data:/var/lib/mysql',
    '      - ./scripts/docker/mysql-init.sql:/docker-entrypoint-initdb.d/01-databases.sql:ro',
    '    healthcheck:',
    // No credentials: `mysqladmin ping` exits 0 once the server answers, even refusing the login.
    "      test: ['CMD', 'mysqladmin', 'ping', '-h', '127.0.0.1']",
    '      interval: 5s',
    '      timeout: 3s',
    '      retries: 30',
    '',
    "  # One-shot: keys and database passwords (kept when present), each server's database user (as",
    "  # root), and with SEED_DEMO=true migrations and the demo people (as each database's owner).",
    '  init:',
    '    <<: *service',
    "    restart: 'no'",
    "    command: ['node', '--import', 'tsx', 'scripts/docker/init.ts']",
    '    environment:',
    `      KEYS_DIR: ${KEYS}`,
    `      SERVICE_KEYS_DIR: ${SERVICE_KEYS}`,
    '      SEED_DEMO: ${SEED_DEMO:-false}',
    `      DATABASE_ADMIN_URL: ${rootUrl()}`,
    ...databases.map((d) => `      DATABASE_URL_${envName(d)}: ${databaseUrl(owner(d), d)}`),
    '    volumes:',
    `      - mente-keys:${KEYS}`,
    ...keySets.map((k) => `      - ${k.volume}:${SERVICE_KEYS}/${k.service}`),
    '    healthcheck: { disable: true }',
    '    depends_on:',
    '      mysql: { condition: service_healthy }',
  ];
  for (const s of subgraphs) {
    const entry = s.name === registry.national.name ? 'subgraphs/national/index.ts' : 'subgraphs/regional/index.ts';
    const regional = s.name !== registry.national.name;
    out.push(
      '',
      `  ${s.name}:`,
      '    <<: *service',
      `    command: ['node', '--import', 'tsx', '${entry}']`,
      '    environment:',
      `      PORT: '${s.port}'`,
      `      METRICS_PORT: '${s.port + METRICS_OFFSET}'`,
      ...s.env.map((line) => `      ${line}`),
      '    volumes:',
      ownKeys(s.name),
      ...(regional ? ['      - *uploads'] : []),
      `    expose: ['${s.port + METRICS_OFFSET}']`,
      '    depends_on:',
      '      init: { condition: service_completed_successfully }',
      '      mysql: { condition: service_healthy }',
    );
  }
  out.push(
    '',
    '  gateway:',
    '    <<: *service',
    "    command: ['node', '--import', 'tsx', 'gateway/index.ts']",
    '    environment:',
    "      PORT: '4000'",
    "      METRICS_PORT: '9400'",
    ...subgraphs.map((s) => `      SUBGRAPH_URL_${envName(s.name)}: http://${s.name}:${s.port}/graphql`),
    '      # Caller tokens: the development identity provider of `npm run token` (the tools service).',
    '      JWT_ISSUER: ${JWT_ISSUER:-mente-dev-idp}',
    '      JWT_AUDIENCE: ${JWT_AUDIENCE:-mente}',
    `      JWT_PUBLIC_KEY_FILE: ${KEYS}/caller-public.pem`,
    `      INTERNAL_PRIVATE_KEY_FILE: ${KEYS}/internal-private.pem`,
    `      UPLOAD_DIR: ${UPLOADS}`,
    '    volumes:',
    ownKeys('gateway'),
    '      - *uploads',
    "    expose: ['9400']",
    '    ports:',
    "      - '4000:4000'",
    '    depends_on:',
    '      init: { condition: service_completed_successfully }',
    ...subgraphs.map((s) => `      ${s.name}: { condition: service_healthy }`),
    '',
    '  # Commands against the running stack, never started by `up`:',
    '  #   docker-compose run --rm -T tools npm run -s token -- --role REVIEWER --region 510400',
    '  #   docker-compose run --rm tools npm run seed        (migrations, policy data, demo people)',
    "  # The operator's shell: every key, and root on every database (MYSQL_ROOT_PASSWORD).",
    '  tools:',
    '    <<: *service',
    "    profiles: ['tools']",
    "    restart: 'no'",
    "    command: ['npm', 'run', 'token', '--', '--help']",
    '    environment:',
    ...databases.map((d) => `      DATABASE_URL_${envName(d)}: ${rootUrl(d)}`),
    `      PII_HASH_KEY_FILE: ${KEYS}/pii-hash.key`,
    `      PII_ENCRYPTION_KEY_FILE: ${KEYS}/pii-encryption.key`,
    '    volumes:',
    `      - mente-keys:${KEYS}`,
    '    healthcheck: { disable: true }',
    '',
    'volumes:',
    '  mysql-data:',
    '  mente-keys:',
    ...keySets.map((k) => `  ${k.volume}:`),
    '  mente-uploads:',
  );
  return out.join('\n') + '\n';
}

/** scripts/docker/mysql-init.sql: one database per subgraph (init creates their users and grants). */
function mysqlInitSql(registry: Registry = registryFromRegionFiles()): string {
  const names = [registry.national.name, ...registry.regions.map((r) => r.subgraph)].map(databaseName);
  return (
    [
      '-- Generated by `npm run compose` from subgraphs/regions/*.yaml (scripts/docker-compose-config.ts). Do not edit.',
      '-- One database per subgraph (each region owns its data). Runs once, on an empty volume.',
      "-- Each server's own user, granted its own databases only, is created by init (scripts/docker/init.ts).",
      ...names.map((n) => `CREATE DATABASE IF NOT EXISTS ${n} CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci;`),
    ].join('\n') + '\n'
  );
}

const read = (file: string) => {
  try {
    return readFileSync(file, 'utf8');
  } catch {
    return null;
  }
};

/** File → wanted contents. */
function dockerFiles(registry: Registry = registryFromRegionFiles()): Map<string, string> {
  return new Map([
    [COMPOSE_FILE, dockerComposeYaml(registry)],
    [MYSQL_INIT_FILE, mysqlInitSql(registry)],
  ]);
}

/** The generated docker files whose contents differ from what the region files give (repo-relative). */
export function staleDockerFiles(): string[] {
  return [...dockerFiles()]
    .filter(([file, wanted]) => read(file) !== wanted)
    .map(([file]) => path.relative(ROOT, file));
}

/** Writes docker-compose.yml and scripts/docker/mysql-init.sql; returns those that changed. */
export function writeDockerConfig(): string[] {
  const stale = staleDockerFiles();
  for (const [file, contents] of dockerFiles()) writeFileSync(file, contents);
  return stale;
}

if (require.main === module) {
  if (process.argv.includes('--check')) {
    const stale = staleDockerFiles();
    if (stale.length > 0) {
      console.error(`${stale.join(', ')} stale: run \`npm run compose\` and commit the result.`);
      process.exit(1);
    }
    console.log('docker-compose.yml and scripts/docker/mysql-init.sql are current with the region files.');
  } else {
    const stale = writeDockerConfig();
    console.log(stale.length ? `wrote ${stale.join(', ')}` : 'docker files already current');
  }
}
