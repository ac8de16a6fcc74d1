import { type ChildProcess, execFile, spawn } from 'node:child_process';
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';

import mysql from 'mysql2/promise';
import { parse } from 'yaml';

import { REGIONS, registryFromRegionFiles, subgraphsOf } from '../schema/registry';
import { DEMO_PEOPLE, demoRecordsFor } from '../scripts/seed-data/people';
import { mintDevelopmentToken } from '../scripts/token';
import { addDays } from '../subgraphs/kit/domain/calendar';
import { loadRegion } from '../subgraphs/kit/domain/region-file';
import { todayInChina } from '../subgraphs/kit/platform/clock';
import { freePort } from './free-port';

// docker-compose.yml, run without Docker: the file as `docker-compose config` renders it (with
// SEED_DEMO=true), every service of the mente image started from its own `command`, `environment`
// and the image's ENV (scripts/docker/Dockerfile), in the order its `depends_on` conditions allow
// (init must exit 0; the others must pass their own healthcheck command). Then an applicant signed
// in with a token minted by `npm run token`'s code from the init volume's keys uploads a file,
// submits and is approved, through the gateway. Mapping from containers to this machine:
// - working_dir (/app) → this repository; each named volume → one temporary folder, the same for
//   every service mounting it (paths in command and environment are rewritten; `:ro` is not enforced;
//   a folder that holds mount points becomes a temporary folder of links to those volumes);
// - every PORT and METRICS_PORT → a free port, and http://<service>:<port> URLs to 127.0.0.1:<that port>;
//   HOST 0.0.0.0 → 127.0.0.1;
// - the mysql service → the MariaDB of MYSQL_URL (CI: mysql://root@127.0.0.1:3306): mysql://root:<pw>@mysql:3306[/<db>]
//   becomes MYSQL_URL's user (on `<TEST_DB_PREFIX><db>`), and a server's mysql://<user>@mysql:3306/<db>
//   becomes user `<TEST_DB_PREFIX><user>` (no password: DATABASE_PASSWORD_FILE, in its own volume) on
//   `<TEST_DB_PREFIX><db>`; the databases are created by the CREATE DATABASE lines of
//   scripts/docker/mysql-init.sql, the users by init (as in Docker) and dropped after the tests.
//   Without MYSQL_URL (like the other tests), DATABASE_URL* is dropped and every service shares one
//   temporary DATA_DIR: the embedded database files, written by init, then each read by one server.
// CI installs docker-compose; without it, the file is rendered here (yaml + ${VAR:-default}).

jest.setTimeout(60_000);

const REPO = path.resolve(__dirname, '..');
const MYSQL_URL = process.env.MYSQL_URL ? new URL(process.env.MYSQL_URL) : undefined;
const DB_PREFIX = process.env.TEST_DB_PREFIX ?? 'mente_test_';
const RENDER_ENV = { SEED_DEMO: 'true', MYSQL_ROOT_PASSWORD: 'compose-test-root' };
const IMAGE = 'mente:local';

interface ComposeService {
  image?: string;
  command?: string[];
  working_dir?: string;
  environment?: Record<string, string>;
  volumes?: (string | { type?: string; source?: string; target: string })[];
  depends_on?: Record<string, { condition: string }>;
  healthcheck?: { test?: string[]; disable?: boolean };
  profiles?: string[];
  ports?: unknown[];
}
interface ComposeFile {
  services: Record<string, ComposeService>;
  volumes?: Record<string, unknown>;
}

/** ${VAR}, ${VAR:-default}, ${VAR-default} and $$, as docker-compose interpolates them. */
function interpolate(value: unknown, env: NodeJS.ProcessEnv): unknown {
  if (typeof value === 'string') {
    return value.replace(/\$\$|\$\{(\w+)(?:(:?[-?])([^}]*))?\}/g, (m, name?: string, op?: string, word?: string) => {
      if (m === '$$') return '$';
      const v = env[name!];
      if (op === ':-') return v ? v : word!;
      if (op === '-') return v ?? word!;
      if ((op === ':?' && !v) || (op === '?' && v === undefined)) {
        throw new Error(`Missing mandatory value for ${name}: ${word}`);
      }
      return v ?? '';
    });
  }
  if (Array.isArray(value)) return value.map((v) => interpolate(v, env));
  if (value && typeof value === 'object') {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, interpolate(v, env)]));
  }
  return value;
}

/** The compose file as `docker-compose config` renders it; without docker-compose, rendered here. */
async function renderCompose(renderEnv: NodeJS.ProcessEnv = RENDER_ENV): Promise<ComposeFile> {
  const env = { ...process.env, ...renderEnv };
  try {
    // An empty --env-file: a developer's own .env (MYSQL_ROOT_PASSWORD, SEED_DEMO, …) stays out of the test.
    const envFile = path.join(mkdtempSync(path.join(os.tmpdir(), 'mente-compose-env-')), 'empty.env');
    writeFileSync(envFile, '');
    const { stdout } = await promisify(execFile)(
      'docker-compose',
      ['--env-file', envFile, '-f', 'docker-compose.yml', 'config'],
      { cwd: REPO, env },
    ).finally(() => rmSync(path.dirname(envFile), { recursive: true, force: true }));
    return parse(stdout) as ComposeFile;
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw e;
  }
  console.warn(
    'docker-compose is not installed: docker-compose.yml rendered by the test itself (yaml + interpolation)',
  );
  const raw = parse(readFileSync(path.join(REPO, 'docker-compose.yml'), 'utf8'), { merge: true }) as ComposeFile;
  const file = interpolate(raw, env) as ComposeFile;
  for (const service of Object.values(file.services)) {
    const depends = service.depends_on as unknown;
    if (Array.isArray(depends)) {
      service.depends_on = Object.fromEntries(depends.map((d: string) => [d, { condition: 'service_started' }]));
    }
    for (const [k, v] of Object.entries(service.environment ?? {})) service.environment![k] = String(v);
  }
  return file;
}

/** The image's ENV (scripts/docker/Dockerfile), e.g. NODE_ENV=production. */
function imageEnv(): Record<string, string> {
  const env: Record<string, string> = {};
  for (const line of readFileSync(path.join(REPO, 'scripts/docker/Dockerfile'), 'utf8').split('\n')) {
    const m = /^ENV\s+(.*)$/.exec(line);
    if (m) for (const pair of m[1]!.trim().split(/\s+/)) env[pair.split('=')[0]!] = pair.split('=').slice(1).join('=');
  }
  return env;
}

interface Running {
  name: string;
  child: ChildProcess;
  output: string;
  exited: Promise<number | null>;
  env: NodeJS.ProcessEnv;
}

const PNG = Buffer.concat([Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]), Buffer.from('compose')]);

let compose: ComposeFile;
let gatewayUrl = '';
let volumeDirs = new Map<string, string>();
let linkDirs: string[] = [];
let dataDir: string | undefined;
/** The MySQL users the servers connect as (under DB_PREFIX), dropped before and after the run. */
const databaseUsers = new Set<string>();
const running = new Map<string, Running>();
const registry = registryFromRegionFiles();

function mountsOf(service: ComposeService): { source: string; target: string }[] {
  return (service.volumes ?? []).map((v) => {
    if (typeof v !== 'string') return { source: v.source ?? '', target: v.target };
    const [source, target] = v.split(':');
    return { source: source!, target: target! };
  });
}

beforeAll(async () => {
  compose = await renderCompose();
  const services = Object.entries(compose.services).filter(([, s]) => s.image === IMAGE && !s.profiles?.length);
  const base = imageEnv();

  // Volumes → temporary folders (one per volume name, shared by every service mounting it).
  for (const volume of Object.keys(compose.volumes ?? {})) {
    volumeDirs.set(volume, mkdtempSync(path.join(os.tmpdir(), `mente-compose-${volume}-`)));
  }
  // Ports → free ports, by service and container port.
  const hostPort = new Map<string, number>();
  for (const [name, s] of services) {
    for (const key of ['PORT', 'METRICS_PORT']) {
      const port = s.environment?.[key];
      if (port) hostPort.set(`${name}:${port}`, await freePort());
    }
  }
  // The databases of mysql-init.sql, fresh, under our prefix; or one folder for the embedded files.
  if (MYSQL_URL) {
    const statements = readFileSync(path.join(REPO, 'scripts/docker/mysql-init.sql'), 'utf8')
      .split('\n')
      .filter((l) => l.startsWith('CREATE DATABASE'));
    const conn = await mysql.createConnection({ uri: MYSQL_URL.toString(), connectTimeout: 5000 });
    try {
      for (const sql of statements) {
        const [, db] = /CREATE DATABASE IF NOT EXISTS (\w+)/.exec(sql)!;
        await conn.query(`DROP DATABASE IF EXISTS \`${DB_PREFIX}${db}\``);
        await conn.query(sql.replace(db!, `\`${DB_PREFIX}${db}\``));
      }
    } finally {
      await conn.end();
    }
  } else dataDir = mkdtempSync(path.join(os.tmpdir(), 'mente-compose-data-'));

  const rewrite = (service: ComposeService, value: string): string | undefined => {
    const mounts = mountsOf(service).sort((a, b) => b.target.length - a.target.length);
    for (const m of mounts) {
      if (value === m.target || value.startsWith(`${m.target}/`)) {
        const dir = volumeDirs.get(m.source);
        if (!dir) throw new Error(`volume ${m.source} is not declared under volumes:`);
        return dir + value.slice(m.target.length);
      }
    }
    // A folder holding mount points (init's SERVICE_KEYS_DIR): a temporary one with a link per volume.
    const children = mounts.filter((m) => m.target.startsWith(`${value}/`));
    if (children.length > 0) {
      const dir = mkdtempSync(path.join(os.tmpdir(), 'mente-compose-mounts-'));
      linkDirs.push(dir);
      for (const m of children) {
        const link = path.join(dir, m.target.slice(value.length + 1));
        mkdirSync(path.dirname(link), { recursive: true });
        symlinkSync(volumeDirs.get(m.source)!, link);
      }
      return dir;
    }
    const wd = service.working_dir;
    if (wd && (value === wd || value.startsWith(`${wd}/`))) return REPO + value.slice(wd.length);
    const db = /^mysql:\/\/(\w+)(:[^@]*)?@mysql:3306(?:\/(\w+))?$/.exec(value);
    if (db) {
      if (!MYSQL_URL) return undefined;
      const [, user, password, database] = db;
      const url = new URL(MYSQL_URL.toString());
      if (user !== 'root') {
        // A server's own user: its password is in its own volume (DATABASE_PASSWORD_FILE).
        if (password) throw new Error(`${value}: a server's database URL carries no password`);
        url.username = `${DB_PREFIX}${user}`;
        url.password = '';
        databaseUsers.add(url.username);
      }
      url.pathname = database ? `/${DB_PREFIX}${database}` : '/';
      return url.toString();
    }
    return value.replace(/http:\/\/([\w-]+):(\d+)/g, (m, host: string, port: string) => {
      const mapped = hostPort.get(`${host}:${port}`);
      return mapped ? `http://127.0.0.1:${mapped}` : m;
    });
  };
  const envOf = (name: string, service: ComposeService): NodeJS.ProcessEnv => {
    const env: NodeJS.ProcessEnv = { PATH: process.env.PATH, HOME: process.env.HOME, ...base, HOST: '127.0.0.1' };
    if (dataDir) env.DATA_DIR = dataDir;
    for (const [k, v] of Object.entries(service.environment ?? {})) {
      const value = k === 'PORT' || k === 'METRICS_PORT' ? String(hostPort.get(`${name}:${v}`)) : rewrite(service, v);
      if (value !== undefined) env[k] = value;
    }
    return env;
  };
  const argv = (service: ComposeService, args: string[]) => {
    const [cmd, ...rest] = args.map((a) => rewrite(service, a) ?? a);
    return { cmd: cmd === 'node' ? process.execPath : cmd!, rest };
  };

  // Start in dependency order: each service once its depends_on conditions hold.
  const started = new Map<string, Promise<Running>>();
  const healthy = new Map<string, Promise<void>>();
  const start = (name: string): Promise<Running> => {
    if (!started.has(name)) {
      started.set(
        name,
        (async () => {
          const s = compose.services[name]!;
          await Promise.all(Object.entries(s.depends_on ?? {}).map(([dep, { condition }]) => reach(dep, condition)));
          const env = envOf(name, s);
          const { cmd, rest } = argv(s, s.command!);
          const child = spawn(cmd, rest, { cwd: REPO, env, stdio: ['ignore', 'pipe', 'pipe'] });
          const r: Running = {
            name,
            child,
            output: '',
            env,
            exited: new Promise((resolve) => child.once('exit', (code) => resolve(code))),
          };
          const keep = (d: Buffer) => (r.output = (r.output + d.toString()).slice(-8000));
          child.stdout!.on('data', keep);
          child.stderr!.on('data', keep);
          running.set(name, r);
          return r;
        })(),
      );
    }
    return started.get(name)!;
  };
  const reach = async (name: string, condition: string): Promise<void> => {
    if (name === 'mysql') return; // MariaDB is up (the CREATE DATABASE lines above ran on it), or not used
    const r = await start(name);
    if (condition === 'service_completed_successfully') {
      const code = await r.exited;
      if (code !== 0) throw new Error(`${name} exited ${code}:\n${r.output}`);
    } else if (condition === 'service_healthy') {
      if (!healthy.has(name)) healthy.set(name, waitHealthy(r, compose.services[name]!));
      await healthy.get(name);
    }
  };
  // Polls the URL the healthcheck command fetches, then runs the command itself once: it must exit 0.
  const waitHealthy = async (r: Running, service: ComposeService): Promise<void> => {
    const test = service.healthcheck?.test;
    if (!test || test[0] !== 'CMD') throw new Error(`${r.name}: no CMD healthcheck to wait for`);
    const probe = /fetch\('([^']*)'\+process\.env\.(\w+)\+'([^']*)'\)/.exec(test.join(' '));
    if (!probe) throw new Error(`${r.name}: cannot find the URL in its healthcheck ${JSON.stringify(test)}`);
    const url = `${probe[1]}${r.env[probe[2]!]}${probe[3]}`;
    let exited: number | null | undefined;
    void r.exited.then((code) => (exited = code));
    const deadline = Date.now() + 80_000;
    for (;;) {
      if (exited !== undefined) throw new Error(`${r.name} exited ${exited} before it was healthy:\n${r.output}`);
      if (Date.now() > deadline) throw new Error(`${r.name} not healthy after 80 s:\n${r.output}`);
      const ok = await fetch(url, { signal: AbortSignal.timeout(3000) }).then(
        (res) => res.ok,
        () => false,
      );
      if (ok) break;
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
    const { cmd, rest } = argv(service, test.slice(1));
    await promisify(execFile)(cmd, rest, { env: r.env, cwd: REPO, timeout: 10_000 });
  };

  // Every service's environment once, so the users are known; then none of them left from a past run.
  for (const [name, s] of services) envOf(name, s);
  await dropDatabaseUsers();
  await Promise.all(
    services.map(async ([name, s]) => {
      await start(name);
      if (s.healthcheck && !s.healthcheck.disable && s.healthcheck.test?.[0] !== 'NONE') {
        await reach(name, 'service_healthy');
      } else await reach(name, 'service_completed_successfully');
    }),
  );
  gatewayUrl = `http://127.0.0.1:${running.get('gateway')!.env.PORT}`;
}, 150_000); // the stack itself starts in well under a minute on an idle machine

async function dropDatabaseUsers(): Promise<void> {
  if (!MYSQL_URL || databaseUsers.size === 0) return;
  const conn = await mysql.createConnection({ uri: MYSQL_URL.toString(), connectTimeout: 5000 });
  try {
    for (const user of databaseUsers) await conn.query("DROP USER IF EXISTS ?@'%'", [user]);
  } finally {
    await conn.end();
  }
}

afterAll(async () => {
  await Promise.all(
    [...running.values()].map(async (r) => {
      if (r.child.exitCode !== null || r.child.signalCode !== null) return;
      r.child.kill('SIGTERM');
      const timer = setTimeout(() => r.child.kill('SIGKILL'), 10_000);
      await r.exited;
      clearTimeout(timer);
    }),
  );
  await dropDatabaseUsers();
  for (const dir of [...volumeDirs.values(), ...linkDirs, ...(dataDir ? [dataDir] : [])])
    rmSync(dir, { recursive: true, force: true });
  volumeDirs = new Map();
  linkDirs = [];
});

describe('docker-compose.yml', () => {
  it('has one service per region file on its port and its database, each in mysql-init.sql', () => {
    const sql = readFileSync(path.join(REPO, 'scripts/docker/mysql-init.sql'), 'utf8');
    for (const r of registry.regions) {
      const s = compose.services[r.subgraph];
      expect(s?.environment).toMatchObject({
        REGION: r.subgraph,
        PORT: String(r.port),
        // Its own user, no password in the URL: that is in its own key volume.
        DATABASE_URL: `mysql://mente_${r.subgraph.replace(/-/g, '_')}@mysql:3306/mente_${r.subgraph.replace(/-/g, '_')}`,
        DATABASE_PASSWORD_FILE: `/app/.data/keys/database-${r.subgraph}.password`,
      });
      expect(sql).toContain(`CREATE DATABASE IF NOT EXISTS mente_${r.subgraph.replace(/-/g, '_')} `);
      expect(
        compose.services.gateway!.environment![`SUBGRAPH_URL_${r.subgraph.toUpperCase().replace(/-/g, '_')}`],
      ).toBe(`http://${r.subgraph}:${r.port}/graphql`);
    }
  });

  it('has no default root password: without MYSQL_ROOT_PASSWORD the file does not render, saying what to set', async () => {
    // A default would be a password everyone knows, for a root the mysql image admits from any host.
    const { MYSQL_ROOT_PASSWORD: _set, ...without } = { ...process.env, ...RENDER_ENV };
    await expect(renderCompose({ ...without, MYSQL_ROOT_PASSWORD: undefined })).rejects.toThrow(
      /MYSQL_ROOT_PASSWORD in \.env/,
    );
    expect(readFileSync(path.join(REPO, 'docker-compose.yml'), 'utf8')).not.toMatch(/MYSQL_ROOT_PASSWORD:-/);
    // Nor is it in the health check, where `docker inspect` would show it.
    expect(JSON.stringify(compose.services.mysql!.healthcheck)).not.toContain('compose-test-root');
  });

  it('connects each server as its own database user: no shared user, no password in any URL, root for init and tools only', () => {
    const sql = readFileSync(path.join(REPO, 'scripts/docker/mysql-init.sql'), 'utf8');
    expect(sql).not.toMatch(/GRANT|CREATE USER/);
    expect(Object.keys(compose.services.mysql!.environment!)).toEqual(['MYSQL_ROOT_PASSWORD']);
    const users = new Map<string, string>();
    for (const [name, service] of Object.entries(compose.services)) {
      for (const [key, value] of Object.entries(service.environment ?? {})) {
        const m = /^mysql:\/\/(\w+)(:[^@]*)?@mysql:3306/.exec(value);
        if (!m) continue;
        if (name === 'init' || name === 'tools') {
          // init administers as root and seeds as each owner; tools, the operator's shell, is root.
          if (m[1] === 'root') expect([name, key]).toEqual([name, name === 'init' ? 'DATABASE_ADMIN_URL' : key]);
          continue;
        }
        expect([name, key, m[2]]).toEqual([name, key, undefined]);
        expect([name, key, m[1]]).toEqual([name, key, `mente_${name.replace(/-/g, '_')}`]);
        users.set(m[1]!, name);
      }
    }
    expect([...users.values()].sort()).toEqual(
      [registry.national.name, ...registry.regions.map((r) => r.subgraph)].sort(),
    );
    expect(compose.services.gateway!.environment).not.toHaveProperty('DATABASE_PASSWORD_FILE');
  });

  it('gives the gateway key to the gateway only: a region signs what it asks of the national subgraph with its own key', () => {
    expect(compose.services.gateway!.environment!.INTERNAL_PRIVATE_KEY_FILE).toBeDefined();
    const others = Object.entries(compose.services).filter(([name]) => name !== 'gateway');
    expect(others.map(([name]) => name)).toEqual(
      expect.arrayContaining([registry.national.name, ...registry.regions.map((r) => r.subgraph)]),
    );
    for (const [, service] of others) expect(service.environment ?? {}).not.toHaveProperty('INTERNAL_PRIVATE_KEY_FILE');
    for (const r of registry.regions) {
      expect(compose.services[r.subgraph]!.environment).toMatchObject({
        NATIONAL_INDEX_URL: `http://${registry.national.name}:${registry.national.port}`,
        REGION_SIGNING_KEY_FILE: expect.stringMatching(new RegExp(`/region-${r.code}-private\\.pem$`)),
      });
      expect(compose.services[r.subgraph]!.environment).not.toHaveProperty('NATIONAL_SUBGRAPH_URL');
    }
  });

  it('makes every server wait for init, health-checks it, and gives it its own METRICS_PORT', () => {
    const servers = Object.entries(compose.services).filter(
      ([n, s]) => s.image === IMAGE && !s.profiles && n !== 'init',
    );
    expect(servers.map(([n]) => n).sort()).toEqual(
      ['gateway', registry.national.name, ...registry.regions.map((r) => r.subgraph)].sort(),
    );
    const metrics = new Set<string>();
    for (const [, s] of servers) {
      expect(s.depends_on?.init).toEqual({ condition: 'service_completed_successfully' });
      expect(s.healthcheck?.test?.[0]).toBe('CMD');
      metrics.add(s.environment!.METRICS_PORT!);
    }
    expect(metrics.size).toBe(servers.length);
    expect(compose.services.mysql!.healthcheck?.test?.[0]).toBe('CMD');
  });

  it('starts every service in production mode from keys that init created in the shared volume', () => {
    for (const r of running.values()) expect(r.env.NODE_ENV).toBe('production');
    expect(running.get('init')!.child.exitCode).toBe(0);
    expect(readdirSync(volumeDirs.get('mente-keys')!).sort()).toEqual(
      [
        'caller-private.pem',
        'caller-public.pem',
        'internal-private.pem',
        'internal-public.pem',
        'pii-encryption.key',
        'pii-hash.key',
        // each region's pair for its reports to the national index
        ...REGIONS.flatMap((r) => [`region-${r.code}-private.pem`, `region-${r.code}-public.pem`]),
        // each server's database password (the gateway has no database)
        `database-${registry.national.name}.password`,
        ...subgraphsOf(registry.regions).map((s) => `database-${s.name}.password`),
      ].sort(),
    );
  });

  it('gives each server its own keys only: no region holds the gateway’s, the national or another region’s', () => {
    const servers = Object.entries(compose.services).filter(
      ([n, s]) => s.image === IMAGE && !s.profiles && n !== 'init',
    );
    expect(servers).toHaveLength(2 + subgraphsOf(registry.regions).length);
    const privateOf = (dir: string) => readdirSync(dir).filter((f) => !f.endsWith('-public.pem'));
    for (const [name, service] of servers) {
      const keyMounts = mountsOf(service).filter((m) => m.target === '/app/.data/keys');
      // One volume of its own, read-only, started from that alone (the service is up: it had all it needs).
      expect([name, keyMounts.map((m) => m.source)]).toEqual([name, [`mente-keys-${name}`]]);
      expect(service.volumes).toContain(`mente-keys-${name}:/app/.data/keys:ro`);
      expect(running.get(name)?.child.exitCode).toBeNull();
      const secrets = privateOf(volumeDirs.get(`mente-keys-${name}`)!).sort();
      const region = registry.regions.find((r) => r.subgraph === name);
      if (name === 'gateway') expect(secrets).toEqual(['internal-private.pem']);
      else if (name === registry.national.name) {
        expect(secrets).toEqual(['database-national.password', 'pii-encryption.key', 'pii-hash.key']);
      } else expect(secrets).toEqual([`database-${name}.password`, `region-${region!.code}-private.pem`]);
    }
  });

  (MYSQL_URL ? it : it.skip)(
    'runs each server as its own MySQL user: Panzhihua’s user and password reach its own database, not Yunfu’s nor the national one',
    async () => {
      const user = (server: string) => `${DB_PREFIX}mente_${server.replace(/-/g, '_')}`;
      const database = (name: string) => `${DB_PREFIX}mente_${name.replace(/-/g, '_')}`;
      const servers = [registry.national.name, ...subgraphsOf(registry.regions).map((s) => s.name)];
      // Every server is up and answers on its database as its own user (its pool's connections).
      const admin = await mysql.createConnection({ uri: MYSQL_URL!.toString(), connectTimeout: 5000 });
      try {
        const [rows] = await admin.query<mysql.RowDataPacket[]>(
          'SELECT DISTINCT user, db FROM information_schema.PROCESSLIST WHERE user IN (?)',
          [servers.map(user)],
        );
        expect(rows.map((r) => `${r.user} → ${r.db}`).sort()).toEqual(
          servers.map((s) => `${user(s)} → ${database(s)}`).sort(),
        );
      } finally {
        await admin.end();
      }
      for (const s of servers) {
        const health = await fetch(`http://127.0.0.1:${running.get(s)!.env.PORT}/health`);
        expect([s, health.status]).toEqual([s, 200]);
      }

      const server = 'sichuan-panzhihua';
      const password = readFileSync(
        path.join(volumeDirs.get(`mente-keys-${server}`)!, `database-${server}.password`),
        'utf8',
      ).trim();
      expect(password.length).toBeGreaterThanOrEqual(32);
      const connect = (db: string | undefined, as = user(server)) =>
        mysql.createConnection({
          host: MYSQL_URL!.hostname,
          port: Number(MYSQL_URL!.port || 3306),
          user: as,
          password,
          database: db,
          connectTimeout: 5000,
        });
      // A connection that should be refused; if it is not, it is closed before the test fails on it.
      const refusal = (db: string | undefined, as?: string) =>
        connect(db, as).then(
          async (c) => {
            await c.end();
            return { connected: db };
          },
          (e: { code?: string; errno?: number }) => ({ code: e.code, errno: e.errno }),
        );
      const own = await connect(database(server));
      try {
        const [rows] = await own.query<mysql.RowDataPacket[]>('SELECT COUNT(*) AS n FROM region');
        expect(Number(rows[0]!.n)).toBeGreaterThan(0); // migrated and seeded, as this user
        // Nor through its own connection: another database is refused by name.
        await expect(own.query(`SELECT COUNT(*) FROM \`${database('guangdong-yunfu')}\`.region`)).rejects.toMatchObject(
          { code: 'ER_TABLEACCESS_DENIED_ERROR', errno: 1142 },
        );
      } finally {
        await own.end();
      }
      for (const other of ['guangdong-yunfu', registry.national.name]) {
        expect(await refusal(database(other))).toEqual({ code: 'ER_DBACCESS_DENIED_ERROR', errno: 1044 });
      }
      // A grant beyond its own databases (left by a region that moved host, or made by hand) does not
      // survive init: it grants each user exactly its own databases, every time it runs.
      const root = await mysql.createConnection({ uri: MYSQL_URL!.toString(), connectTimeout: 5000 });
      try {
        await root.query(`GRANT SELECT ON \`${database('guangdong-yunfu')}\`.* TO ?@'%'`, [user(server)]);
      } finally {
        await root.end();
      }
      const leftover = await connect(database('guangdong-yunfu'));
      await leftover.end(); // the leftover works…
      const init = running.get('init')!;
      const { cmd, rest } = { cmd: init.child.spawnfile, rest: init.child.spawnargs.slice(1) };
      await promisify(execFile)(cmd, rest, { cwd: REPO, env: { ...init.env, SEED_DEMO: 'false' }, timeout: 60_000 });
      expect(await refusal(database('guangdong-yunfu'))).toEqual({ code: 'ER_DBACCESS_DENIED_ERROR', errno: 1044 }); // …until init runs
      const again = await connect(database(server));
      await again.end(); // and its own database still works, with the same password
      // The password is Panzhihua's alone: Yunfu's user does not take it.
      expect(await refusal(undefined, user('guangdong-yunfu'))).toMatchObject({ code: 'ER_ACCESS_DENIED_ERROR' });
    },
  );

  it('takes a signed-in applicant through upload → submit → review at the gateway', async () => {
    const keysDir = volumeDirs.get('mente-keys')!;
    const region = registry.regions.find((r) => r.subgraph === 'guangdong-yunfu')!;
    const policy = loadRegion(region.subgraph).policy;
    const records = demoRecordsFor(region.code);
    // A demo person insured in Yunfu, in good standing, and a disease they have no history for.
    const candidates = DEMO_PEOPLE.filter(
      (p) => p.insuredRegionCode === region.code && p.status === 'NORMAL' && !p.inArrears && !p.residenceRegionCode,
    ).flatMap((p) =>
      policy.diseases
        .filter((d) => !d.requiresSpecialistHospital)
        .filter(
          (d) =>
            !records.applications.some((a) => a.personId === p.id && a.diseaseCode === d.code) &&
            !records.certifications.some((c) => c.personId === p.id && c.diseaseCode === d.code),
        )
        .map((disease) => ({ person: p, disease })),
    );
    expect(candidates.length).toBeGreaterThan(0);
    const { person, disease } = candidates[0]!;
    const hospitalCode = policy.hospitals.find((h) => h.level === 'LEVEL_3' && h.qualifiedForSpecialDiseases)!.code;
    const token = await mintDevelopmentToken({ role: 'APPLICANT', personId: person.id, keysDir, ttl: '10m' });
    const gql = async (bearer: string, query: string, variables?: Record<string, unknown>) => {
      const res = await fetch(`${gatewayUrl}/graphql`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${bearer}` },
        body: JSON.stringify({ query, variables }),
      });
      return { status: res.status, ...((await res.json()) as { data?: any; errors?: unknown[] }) };
    };

    const me = await gql(token, '{ me { id } }');
    expect(me).toMatchObject({ status: 200, data: { me: { id: person.id } } }); // the seeded person, found

    const form = new FormData();
    form.append('file', new Blob([PNG]), '诊断证明.png');
    const up = await fetch(`${gatewayUrl}/uploads`, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}` },
      body: form,
    });
    const { sha256 } = (await up.json()) as { sha256: string };
    expect(up.status).toBe(201);
    expect(existsSync(path.join(volumeDirs.get('mente-uploads')!, 'owners', sha256, `${person.id}.json`))).toBe(true);

    const recent = addDays(todayInChina(), -30);
    const file = (kind: string, extra = {}) => ({ kind, stamped: false, fileName: `${kind}.png`, sha256, ...extra });
    const dated = { issuedOn: recent, hospitalCode, stamped: true };
    const FIELDS = 'application { acceptanceNumber status } problems { code field message }';
    const submitted = await gql(
      token,
      `mutation($input: ApplicationInput!) { r: submit${region.prefix}Application(input: $input) { ${FIELDS} } }`,
      {
        input: {
          type: 'NEW',
          diseaseCode: disease.code,
          channelId: policy.channels[0]!.id,
          hospitalCode,
          insuredRegionCode: region.code,
          materials: [file('ID_CARD'), file('DIAGNOSIS_CERTIFICATE', dated), file('MEDICAL_RECORD', dated)],
        },
      },
    );
    expect(submitted.errors).toBeUndefined();
    // Yunfu: 经定点医疗机构审核备案 first. This stack runs outside the test harness, so the
    // harness's confirmAtHospital cannot serve; the same steps, as the hospital's reviewer.
    expect(submitted.data.r).toMatchObject({ problems: [], application: { status: 'AWAITING_HOSPITAL' } });
    const hospital = await mintDevelopmentToken({
      role: 'HOSPITAL_REVIEWER',
      regionCode: region.code,
      hospitalCode,
      keysDir,
      ttl: '10m',
    });
    const confirmed = await gql(
      hospital,
      `mutation($n: String!) { r: confirm${region.prefix}HospitalReview(acceptanceNumber: $n, decision: CONFIRM) { ${FIELDS} } }`,
      { n: submitted.data.r.application.acceptanceNumber },
    );
    expect(confirmed.errors).toBeUndefined();
    expect(confirmed.data.r).toMatchObject({ problems: [], application: { status: 'ACCEPTED' } });

    const reviewer = await mintDevelopmentToken({ role: 'REVIEWER', regionCode: region.code, keysDir, ttl: '10m' });
    const reviewed = await gql(
      reviewer,
      `mutation($n: String!) { r: review${region.prefix}Application(acceptanceNumber: $n, decision: APPROVE) { ${FIELDS} } }`,
      { n: submitted.data.r.application.acceptanceNumber },
    );
    expect(reviewed.errors).toBeUndefined();
    expect(reviewed.data.r).toMatchObject({ problems: [], application: { status: 'APPROVED' } });
  });
});
