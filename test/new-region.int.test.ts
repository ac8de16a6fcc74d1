import { execFile } from 'node:child_process';
import {
  cpSync,
  existsSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import os from 'node:os';
import path from 'node:path';

import { parse } from 'yaml';

// Adding a region end to end, in a throwaway copy of the repository: `npm run new-region` writes
// one data file, `npm run compose` derives the registry, schema and docker-compose.yml from it, and the copy's own
// stack (test/harness.ts, which reads the copy's region files) serves the new region through its
// gateway. The repository itself is never touched.

const REPO = path.resolve(__dirname, '..');
const COPIED = [
  'gateway',
  'subgraphs',
  'schema',
  'scripts',
  'router',
  'test',
  'package.json',
  'tsconfig.json',
  'docker-compose.yml',
  '.prettierrc.json',
];
const GUANGZHOU = ['--code', '440100', '--name', '广州市', '--province', '广东省', '--prefix', 'Guangzhou'];

// Runs in the copy: starts its stack and asks its gateway about the new region.
const CHECK_SCRIPT = `import 'reflect-metadata';

import { startStack } from './test/harness';

const QUERY = '{ region(code: "440100") { __typename name province diseases { code } costSharing { source } } regions { code } }';

startStack()
  .then(async (stack) => {
    try {
      process.stdout.write('RESULT ' + JSON.stringify(await stack.query(QUERY)) + '\\n');
    } finally {
      await stack.close();
    }
  })
  .then(
    () => process.exit(0),
    (e: unknown) => {
      console.error(e);
      process.exit(1);
    },
  );
`;

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** `node --import tsx <args>` in the copy. The copy runs on the embedded database. */
function run(cwd: string, args: string[]): Promise<Run> {
  const env = { ...process.env };
  delete env.MYSQL_URL;
  delete env.MENTE_REGISTRY;
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      ['--import', 'tsx', ...args],
      { cwd, env, timeout: 50_000, killSignal: 'SIGKILL', maxBuffer: 16 * 1024 * 1024 },
      (error, stdout, stderr) => {
        const code = error ? (typeof error.code === 'number' ? error.code : null) : 0;
        resolve({ code, stdout, stderr });
      },
    );
  });
}

/** What a scaffold may change in a checkout: schema/ and the region files. */
function snapshot(root: string) {
  const dir = (d: string) =>
    Object.fromEntries(
      readdirSync(path.join(root, d))
        .sort()
        .map((file) => [file, readFileSync(path.join(root, d, file), 'utf8')]),
    );
  return { schema: dir('schema'), regions: dir('subgraphs/regions') };
}

const read = (file: string) => readFileSync(file, 'utf8');
const REPO_FILES = ['schema/registry.json', 'schema/supergraph.graphql'];
const NEW_FILE = 'subgraphs/regions/region-guangzhou.yaml';

let tmp: string;
let scaffold: Run;
let before: ReturnType<typeof snapshot>;
let composed: Run;
let repoBefore: Record<string, string>;

beforeAll(async () => {
  repoBefore = Object.fromEntries(REPO_FILES.map((f) => [f, read(path.join(REPO, f))]));
  tmp = mkdtempSync(path.join(os.tmpdir(), 'mente-new-region-'));
  for (const item of COPIED) cpSync(path.join(REPO, item), path.join(tmp, item), { recursive: true });
  symlinkSync(path.join(REPO, 'node_modules'), path.join(tmp, 'node_modules'), 'dir');
  before = snapshot(tmp);
  scaffold = await run(tmp, ['scripts/new-region.ts', '--root', tmp, ...GUANGZHOU]);
  composed = await run(tmp, ['scripts/compose.ts']);
}, 90_000);

afterAll(() => {
  if (tmp) rmSync(tmp, { recursive: true, force: true });
});

describe('npm run new-region, then npm run compose', () => {
  it('new-region writes one data file and nothing else', () => {
    expect(scaffold).toMatchObject({ code: 0 }); // on failure, the received object shows stderr
    expect(scaffold.stdout).toContain(`created ${NEW_FILE}`);
    const after = snapshot(tmp);
    expect(after.regions[path.basename(NEW_FILE)]).toBeDefined();
    const changed = Object.keys(after.regions).filter((f) => after.regions[f] !== before.regions[f]);
    expect(changed).toEqual([path.basename(NEW_FILE)]);
    const text = read(path.join(tmp, NEW_FILE));
    expect(text.split('\n')[0]).toBe('# yaml-language-server: $schema=./region.schema.json');
    expect(text).toContain('subgraph: region-guangzhou');
    expect(text).toContain("code: '440100'"); // formatted like the committed files (npm run check)
    expect(text).toContain('port: 4004');
    // No YAML anchor or alias: each figure is edited where it stands.
    expect(text).not.toMatch(/:\s+[&*][\w-]+\s*$/m);
  });

  it('compose derives the registry, the supergraph, the router configuration and the compose service from it', () => {
    expect(composed).toMatchObject({ code: 0 });
    const registry = JSON.parse(read(path.join(tmp, 'schema/registry.json')));
    expect(registry.regions.at(-1)).toEqual({
      code: '440100',
      name: '广州市',
      province: '广东省',
      prefix: 'Guangzhou',
      subgraph: 'region-guangzhou',
      port: 4004,
    });
    expect(read(path.join(tmp, 'schema/supergraph.graphql'))).toContain('type GuangzhouRegion');
    expect(read(path.join(tmp, 'schema/national.graphql'))).toContain('type GuangzhouRegion implements Region');
    expect(read(path.join(tmp, 'router/supergraph.yaml'))).toContain('region-guangzhou');
    // …and the compose stack: its service (REGION, port, database) and its database.
    const services = (parse(read(path.join(tmp, 'docker-compose.yml'))) as { services: Record<string, any> }).services;
    expect(services['region-guangzhou']).toMatchObject({
      command: ['node', '--import', 'tsx', 'subgraphs/regional/index.ts'],
      environment: {
        REGION: 'region-guangzhou',
        PORT: '4004',
        METRICS_PORT: '9404',
        // Its own database user (init creates it, granted this database only), its password in its own volume.
        DATABASE_URL: 'mysql://mente_region_guangzhou@mysql:3306/mente_region_guangzhou',
        DATABASE_PASSWORD_FILE: '/app/.data/keys/database-region-guangzhou.password',
      },
      depends_on: { init: { condition: 'service_completed_successfully' } },
    });
    expect(services.gateway.environment.SUBGRAPH_URL_REGION_GUANGZHOU).toBe('http://region-guangzhou:4004/graphql');
    expect(services.gateway.depends_on['region-guangzhou']).toEqual({ condition: 'service_healthy' });
    expect(read(path.join(tmp, 'scripts/docker/mysql-init.sql'))).toContain(
      'CREATE DATABASE IF NOT EXISTS mente_region_guangzhou CHARACTER SET utf8mb4',
    );
    expect(services.init.environment.DATABASE_URL_REGION_GUANGZHOU).toBe(
      'mysql://mente_region_guangzhou@mysql:3306/mente_region_guangzhou',
    );
    expect(services['region-guangzhou'].volumes).toContain('mente-keys-region-guangzhou:/app/.data/keys:ro');
  });

  it('serves the new region through the copy’s gateway, every cost-sharing figure marked illustrative', async () => {
    writeFileSync(path.join(tmp, 'new-region-check.ts'), CHECK_SCRIPT);
    const res = await run(tmp, ['new-region-check.ts']);
    expect(res).toMatchObject({ code: 0, stdout: expect.stringContaining('RESULT ') });
    const line = res.stdout.split('\n').find((l) => l.startsWith('RESULT '));
    const body = JSON.parse(line!.slice('RESULT '.length));
    expect(body.errors).toBeUndefined();
    const { region, regions } = body.data;
    expect(region).toMatchObject({ __typename: 'GuangzhouRegion', name: '广州市', province: '广东省' });
    expect(regions.map((r: { code: string }) => r.code)).toEqual(['510400', '445300', '440100']);
    expect(region.diseases.length).toBeGreaterThanOrEqual(5);
    expect(region.costSharing.length).toBeGreaterThan(0);
    for (const rule of region.costSharing) expect(rule.source).toContain('illustrative');
  }, 60_000);

  it('refuses a second region with the same code, says why, and changes nothing', async () => {
    const now = snapshot(tmp);
    const res = await run(tmp, [
      'scripts/new-region.ts',
      ...['--root', tmp, '--code', '440100', '--name', '广州市', '--province', '广东省'],
      ...['--prefix', 'Canton', '--subgraph', 'guangdong-guangzhou'],
    ]);
    expect(res.code).not.toBe(0);
    expect(res.stderr).toContain('nothing was changed');
    expect(res.stderr).toContain('--code 440100 is already 广州市 (subgraphs/regions/region-guangzhou.yaml)');
    expect(snapshot(tmp)).toEqual(now);
  });

  it('leaves the repository itself untouched', () => {
    for (const file of REPO_FILES) expect(read(path.join(REPO, file))).toBe(repoBefore[file]);
    expect(existsSync(path.join(REPO, NEW_FILE))).toBe(false);
  });
});
