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

// `npm run new-region` end to end, in a throwaway copy of the repository: the scaffold writes the
// region's folder, its registry entry and the recomposed schema there, and the copy's own stack
// (test/harness.ts, which reads the copy's registry and region folders) serves the new region
// through its gateway. The repository itself is never touched.

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

/** What a scaffold may change in a checkout: schema/ and the list of subgraph folders. */
function snapshot(root: string) {
  const schema = path.join(root, 'schema');
  return {
    schema: Object.fromEntries(
      readdirSync(schema)
        .sort()
        .map((file) => [file, readFileSync(path.join(schema, file), 'utf8')]),
    ),
    subgraphs: readdirSync(path.join(root, 'subgraphs')).sort(),
  };
}

const read = (file: string) => readFileSync(file, 'utf8');
const REPO_FILES = ['schema/registry.json', 'schema/supergraph.graphql'];

let tmp: string;
let scaffold: Run;
let repoBefore: Record<string, string>;

beforeAll(async () => {
  repoBefore = Object.fromEntries(REPO_FILES.map((f) => [f, read(path.join(REPO, f))]));
  tmp = mkdtempSync(path.join(os.tmpdir(), 'mente-new-region-'));
  for (const item of COPIED) cpSync(path.join(REPO, item), path.join(tmp, item), { recursive: true });
  symlinkSync(path.join(REPO, 'node_modules'), path.join(tmp, 'node_modules'), 'dir');
  scaffold = await run(tmp, ['scripts/new-region.ts', '--root', tmp, ...GUANGZHOU]);
}, 60_000);

afterAll(() => {
  if (tmp) rmSync(tmp, { recursive: true, force: true });
});

describe('npm run new-region', () => {
  it('writes the region folder, the registry entry and the recomposed supergraph', () => {
    expect(scaffold).toMatchObject({ code: 0 }); // on failure, the received object shows stderr
    const registryText = read(path.join(tmp, 'schema/registry.json'));
    expect(JSON.parse(registryText).regions.at(-1)).toEqual({
      code: '440100',
      name: '广州市',
      province: '广东省',
      prefix: 'Guangzhou',
      subgraph: 'region-440100',
      port: 4004,
    });
    // The file keeps its formatting: only the new entry is added.
    expect(registryText).toBe(
      repoBefore['schema/registry.json']!.replace(
        /\}\n {2}\]\n\}\n$/,
        '},\n    {\n      "code": "440100",\n      "name": "广州市",\n      "province": "广东省",\n' +
          '      "prefix": "Guangzhou",\n      "subgraph": "region-440100",\n      "port": 4004\n    }\n  ]\n}\n',
      ),
    );
    for (const file of ['policy.ts', 'rules.ts', 'region.ts', 'index.ts']) {
      expect(existsSync(path.join(tmp, 'subgraphs/region-440100', file))).toBe(true);
    }
    const policy = read(path.join(tmp, 'subgraphs/region-440100/policy.ts'));
    expect(policy).toContain("version: '0.1-template'");
    expect(policy).toContain('hotline: null');
    expect(read(path.join(tmp, 'subgraphs/region-440100/region.ts'))).toContain('export default guangzhou;');
    const supergraph = read(path.join(tmp, 'schema/supergraph.graphql'));
    expect(supergraph).toContain('type GuangzhouRegion');
    expect(read(path.join(tmp, 'schema/national.graphql'))).toContain('type GuangzhouRegion implements Region');
    expect(read(path.join(tmp, 'router/supergraph.yaml'))).toContain('region-440100'); // Apollo Router's compose config follows the registry
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
    expect(region.diseases.length).toBeGreaterThanOrEqual(12);
    expect(region.costSharing.length).toBeGreaterThan(0);
    for (const rule of region.costSharing) expect(rule.source).toContain('illustrative');
  }, 60_000);

  it('refuses a second region with the same code, says why, and changes nothing', async () => {
    const before = snapshot(tmp);
    const res = await run(tmp, [
      'scripts/new-region.ts',
      ...['--root', tmp, '--code', '440100', '--name', '广州市', '--province', '广东省'],
      ...['--prefix', 'Canton', '--subgraph', 'guangdong-guangzhou'],
    ]);
    expect(res.code).not.toBe(0);
    expect(res.stderr).toContain('nothing was changed');
    expect(res.stderr).toContain('--code 440100 is already in schema/registry.json (广州市, subgraph region-440100)');
    expect(snapshot(tmp)).toEqual(before);
    expect(existsSync(path.join(tmp, 'subgraphs/guangdong-guangzhou'))).toBe(false);
  });

  it('leaves the repository itself untouched', () => {
    for (const file of REPO_FILES) expect(read(path.join(REPO, file))).toBe(repoBefore[file]);
    expect(existsSync(path.join(REPO, 'subgraphs/region-440100'))).toBe(false);
  });
});
