import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';

import { format, resolveConfig } from 'prettier';

import { registryFromRegionFiles } from '../schema/registry';
import { loadRegionFile, RegionFileError } from '../subgraphs/kit/domain/region-file';
import { regionTemplate, type RegionTemplateOptions } from './lib/region-template';

// `npm run new-region -- --code 440100 --name 广州市 --province 广东省 --prefix Guangzhou
//    [--subgraph guangdong-guangzhou] [--port 4004] [--root <dir>]`
// Writes one file, subgraphs/regions/<subgraph>.yaml: a template whose every regional figure is
// {illustrative}, checked by the same loader the subgraph uses before it is written. Then
// `npm run compose` derives the registry, the supergraph, the router configuration and
// docker-compose.yml from it.
// docs/new-region.md says what the regional team does next.

const USAGE = `usage: npm run new-region -- --code <6 digits> --name <市名> --province <省名> --prefix <TypePrefix>
         [--subgraph <kebab-case>] [--port <number>] [--root <checkout>]`;

const PREFIX = /^[A-Z][A-Za-z]{1,30}$/;
const KEBAB = /^[a-z][a-z0-9]*(-[a-z0-9]+)+$/;
const GATEWAY_PORT = 4000;

export interface NewRegionOptions extends RegionTemplateOptions {
  root: string;
}

export class UsageError extends Error {
  constructor(readonly problems: string[]) {
    super(problems.join('\n'));
    this.name = 'UsageError';
  }
}

const regionsDir = (root: string) => path.join(root, 'subgraphs', 'regions');

/** Parses and checks the arguments against the region files of `root`; every problem at once. */
function parseOptions(argv: string[], cwd = process.cwd()): NewRegionOptions {
  let values: Record<string, string | boolean | undefined>;
  try {
    ({ values } = parseArgs({
      args: argv,
      strict: true,
      allowPositionals: false,
      options: {
        code: { type: 'string' },
        name: { type: 'string' },
        province: { type: 'string' },
        prefix: { type: 'string' },
        subgraph: { type: 'string' },
        port: { type: 'string' },
        root: { type: 'string' },
      },
    }));
  } catch (e) {
    throw new UsageError([e instanceof Error ? e.message : String(e)]);
  }
  const str = (key: string) => (typeof values[key] === 'string' ? (values[key] as string).trim() : '');
  const problems: string[] = [];

  const root = values.root ? path.resolve(cwd, values.root as string) : path.resolve(__dirname, '..');
  if (!existsSync(regionsDir(root)) || !existsSync(path.join(root, 'subgraphs', 'kit'))) {
    throw new UsageError([`--root ${root} is not a Mente checkout (no subgraphs/regions/ or subgraphs/kit/)`]);
  }
  const registry = registryFromRegionFiles(regionsDir(root));
  const regions = registry.regions;
  const fileOf = (subgraph: string) => `subgraphs/regions/${subgraph}.yaml`;

  const code = str('code');
  const owner = regions.find((r) => r.code === code);
  if (!code) problems.push('--code is required: the region’s 6-digit administrative code (行政区划代码), e.g. 440100');
  else if (!/^[1-9]\d{3}00$/.test(code)) {
    problems.push(`--code must be a prefecture's 6-digit code ending in 00 (行政区划代码), got "${code}"`);
  } else if (owner) {
    problems.push(`--code ${code} is already ${owner.name} (${fileOf(owner.subgraph)})`);
  }

  const name = str('name');
  const province = str('province');
  for (const [flag, value, example] of [
    ['name', name, '广州市'],
    ['province', province, '广东省'],
  ] as const) {
    if (!value) problems.push(`--${flag} is required and must not be empty, e.g. --${flag} ${example}`);
    else if (/[\p{Cc}]/u.test(value)) problems.push(`--${flag} must be one line of text`);
  }

  const prefix = str('prefix');
  const prefixOwner = regions.find((r) => r.prefix.toLowerCase() === prefix.toLowerCase());
  if (!prefix) problems.push('--prefix is required: the GraphQL type prefix, e.g. Guangzhou → GuangzhouRegion');
  else if (!PREFIX.test(prefix)) {
    problems.push(`--prefix must match ${PREFIX} (a capital letter, then letters), got "${prefix}"`);
  } else if (prefixOwner) {
    problems.push(`--prefix ${prefix} is already used by ${prefixOwner.name} (${prefixOwner.prefix}Region)`);
  }

  const subgraph = str('subgraph') || (PREFIX.test(prefix) ? `region-${prefix.toLowerCase()}` : '');
  const subgraphOwner = regions.find((r) => r.subgraph === subgraph);
  if (subgraph && !KEBAB.test(subgraph)) {
    problems.push(`--subgraph must be kebab-case with at least two words, e.g. guangdong-guangzhou; got "${subgraph}"`);
  } else if (subgraph === registry.national.name) {
    problems.push(`--subgraph ${subgraph} is the national subgraph’s name`);
  } else if (subgraphOwner || (subgraph && existsSync(path.join(regionsDir(root), `${subgraph}.yaml`)))) {
    problems.push(`--subgraph ${subgraph}: ${fileOf(subgraph)} already exists`);
  }

  const used = [registry.national.port, ...regions.map((r) => r.port)];
  let port = Math.max(GATEWAY_PORT, ...used) + 1;
  if (values.port !== undefined) {
    const raw = str('port');
    port = Number(raw);
    const portOwner = [registry.national, ...regions.map((r) => ({ name: r.subgraph, port: r.port }))].find(
      (s) => s.port === port,
    );
    if (!/^\d+$/.test(raw) || port < 1024 || port > 65535) problems.push(`--port must be 1024–65535, got "${raw}"`);
    else if (port === GATEWAY_PORT) problems.push(`--port ${port} is the gateway’s port`);
    else if (portOwner) problems.push(`--port ${port} is already used by subgraph ${portOwner.name}`);
  }

  if (problems.length) throw new UsageError(problems);
  return { code, name, province, prefix, subgraph, port, root };
}

/** Writes subgraphs/regions/<subgraph>.yaml after checking it the way the subgraph will. */
async function writeRegionFile(o: NewRegionOptions): Promise<string> {
  const file = path.join(regionsDir(o.root), `${o.subgraph}.yaml`);
  const scratchDir = mkdtempSync(path.join(os.tmpdir(), 'mente-new-region-'));
  const scratch = path.join(scratchDir, `${o.subgraph}.yaml`);
  // Formatted as the repository formats YAML, so `npm run check` passes on the new file.
  const text = await format(regionTemplate(o), { ...(await resolveConfig(file)), filepath: file });
  try {
    writeFileSync(scratch, text);
    loadRegionFile(scratch); // the template must pass the loader: a bug here fails before writing
    writeFileSync(file, text, { flag: 'wx' });
  } finally {
    rmSync(scratchDir, { recursive: true, force: true });
  }
  return file;
}

async function main(): Promise<void> {
  let options: NewRegionOptions;
  try {
    options = parseOptions(process.argv.slice(2));
  } catch (e) {
    if (!(e instanceof UsageError)) throw e;
    console.error(`new-region: nothing was changed:\n${e.problems.map((p) => `  - ${p}`).join('\n')}\n\n${USAGE}`);
    process.exit(2);
  }
  const file = await writeRegionFile(options);
  console.log(
    [
      `created ${path.relative(options.root, file)}`,
      '',
      'Next (docs/new-region.md):',
      '  1. npm run compose   registry, supergraph, router configuration and docker-compose.yml from the region files',
      `  2. replace every {illustrative} figure with the official one: grep -n illustrative ${path.relative(options.root, file)}`,
      '  3. npm test && npm run check',
    ].join('\n'),
  );
}

if (require.main === module) {
  main().catch((e: unknown) => {
    console.error(`new-region: ${e instanceof RegionFileError || e instanceof Error ? e.message : String(e)}`);
    process.exit(1);
  });
}
