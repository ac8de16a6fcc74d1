import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { isDeepStrictEqual, parseArgs } from 'node:util';

import { format, type Options, resolveConfig } from 'prettier';

import type { RegistryRegion } from '../schema/registry';
import { panzhihuaPolicy } from '../subgraphs/sichuan-panzhihua/policy';
import type { writeComposition as WriteComposition } from './compose';

// `npm run new-region -- --code 440100 --name 广州市 --province 广东省 --prefix Guangzhou
//    [--subgraph guangdong-guangzhou] [--port 4004] [--root <dir>] [--no-compose]`
// Scaffolds subgraphs/<subgraph>/ (policy, rules, definition, entry point) from a template whose
// every regional value is marked ILLUSTRATIVE, adds the region to schema/registry.json and
// recomposes schema/. Nothing is written unless every argument is valid. docs/new-region.md says
// what the regional team does next.

const USAGE = `usage: npm run new-region -- --code <6 digits> --name <市名> --province <省名> --prefix <TypePrefix>
         [--subgraph <kebab-case>] [--port <number>] [--root <checkout>] [--no-compose]`;

const PREFIX = /^[A-Z][A-Za-z0-9]*$/;
const KEBAB = /^[a-z][a-z0-9]*(-[a-z0-9]+)*$/;
const GATEWAY_PORT = 4000;

/** Identifiers the generated files cannot use for the region's variable. */
const RESERVED = new Set(
  (
    'await break case catch class const continue debugger default delete do else enum export extends false finally ' +
    'for function if implements import in instanceof interface let new null package private protected public return ' +
    'static super switch this throw true try typeof var void while with yield arguments eval ' +
    // names the generated region.ts and index.ts already use
    'port loadInternalPublicKey runUntilSignal startRegionalSubgraph'
  ).split(' '),
);

interface Registry {
  national: { name: string; port: number };
  regions: RegistryRegion[];
}

export interface NewRegionOptions {
  code: string;
  name: string;
  province: string;
  prefix: string;
  subgraph: string;
  port: number;
  root: string;
  compose: boolean;
}

export class UsageError extends Error {
  constructor(readonly problems: string[]) {
    super(problems.join('\n'));
    this.name = 'UsageError';
  }
}

function readRegistry(root: string): { text: string; registry: Registry } {
  const file = path.join(root, 'schema', 'registry.json');
  const text = readFileSync(file, 'utf8');
  return { text, registry: JSON.parse(text) as Registry };
}

/** Parses and checks the arguments against the registry of `root`; every problem at once. */
export function parseOptions(argv: string[], cwd = process.cwd()): NewRegionOptions {
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
        'no-compose': { type: 'boolean' },
      },
    }));
  } catch (e) {
    throw new UsageError([e instanceof Error ? e.message : String(e)]);
  }
  const str = (key: string) => (typeof values[key] === 'string' ? (values[key] as string).trim() : '');
  const problems: string[] = [];

  const root = values.root ? path.resolve(cwd, values.root as string) : path.resolve(__dirname, '..');
  if (!existsSync(path.join(root, 'schema', 'registry.json')) || !existsSync(path.join(root, 'subgraphs', 'kit'))) {
    throw new UsageError([`--root ${root} is not a Mente checkout (no schema/registry.json or subgraphs/kit/)`]);
  }
  let registry: Registry;
  try {
    registry = readRegistry(root).registry;
  } catch (e) {
    throw new UsageError([`cannot read ${path.join(root, 'schema', 'registry.json')}: ${(e as Error).message}`]);
  }
  const regions = registry.regions;

  const code = str('code');
  const owner = regions.find((r) => r.code === code);
  if (!code) problems.push('--code is required: the region’s 6-digit administrative code (行政区划代码), e.g. 440100');
  else if (!/^\d{6}$/.test(code)) problems.push(`--code must be 6 digits (行政区划代码), got "${code}"`);
  else if (owner) {
    problems.push(`--code ${code} is already in schema/registry.json (${owner.name}, subgraph ${owner.subgraph})`);
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
    problems.push(`--prefix must match ${PREFIX} (a capital letter, then letters and digits), got "${prefix}"`);
  } else if (prefixOwner) {
    problems.push(`--prefix ${prefix} is already used by ${prefixOwner.name} (${prefixOwner.prefix}Region)`);
  }

  const subgraph = str('subgraph') || (code ? `region-${code}` : '');
  const subgraphOwner = regions.find((r) => r.subgraph === subgraph);
  if (subgraph && !KEBAB.test(subgraph)) {
    problems.push(`--subgraph must be kebab-case (lower-case words joined by "-"), got "${subgraph}"`);
  } else if (subgraph === registry.national.name) {
    problems.push(`--subgraph ${subgraph} is the national subgraph’s name`);
  } else if (subgraphOwner) {
    problems.push(`--subgraph ${subgraph} is already used by ${subgraphOwner.name} in schema/registry.json`);
  } else if (subgraph && existsSync(path.join(root, 'subgraphs', subgraph))) {
    problems.push(`subgraphs/${subgraph}/ already exists; choose another --subgraph or remove the folder`);
  }

  const used = [registry.national.port, ...regions.map((r) => r.port)];
  let port = Math.max(GATEWAY_PORT, ...used) + 1;
  if (values.port !== undefined) {
    const raw = str('port');
    port = Number(raw);
    const portOwner = [registry.national, ...regions.map((r) => ({ name: r.subgraph, port: r.port }))].find(
      (s) => s.port === port,
    );
    if (!/^\d+$/.test(raw) || port < 1 || port > 65535) problems.push(`--port must be 1–65535, got "${raw}"`);
    else if (port === GATEWAY_PORT) problems.push(`--port ${port} is the gateway’s port`);
    else if (portOwner) problems.push(`--port ${port} is already used by subgraph ${portOwner.name}`);
  }

  if (problems.length) throw new UsageError(problems);
  return { code, name, province, prefix, subgraph, port, root, compose: values['no-compose'] !== true };
}

// ---------------------------------------------------------------------------------------------
// Templates

const lit = (s: string) => JSON.stringify(s);

function variableName(prefix: string): string {
  const camel = prefix[0]!.toLowerCase() + prefix.slice(1);
  return RESERVED.has(camel) ? `${camel}Region` : camel;
}

export function policyTemplate(o: NewRegionOptions): string {
  const v = variableName(o.prefix);
  const diseases = panzhihuaPolicy.diseases
    .map(
      (d) => `    disease({
      code: ${lit(d.code)},
      name: ${lit(d.name)},
      deductibleExempt: false,
      requiresPhoto: false,
      requiresSpecialistHospital: false,
      validityMonths: null,
    }),`,
    )
    .join('\n');
  const material = (
    kind: string,
    name: string,
    required: boolean,
    dependsOn: string,
    condition: string | null,
    validityMonths: number | null,
    minHospitalLevel: string | null,
    stampRequired: boolean,
  ) => `    {
      kind: ${lit(kind)},
      name: ${lit(name)},
      required: ${required},
      dependsOn: ${lit(dependsOn)},
      condition: ${condition === null ? 'null' : lit(condition)},
      validityMonths: ${validityMonths},
      minHospitalLevel: ${minHospitalLevel === null ? 'null' : lit(minHospitalLevel)},
      stampRequired: ${stampRequired},
    },`;
  return `// ${o.province} · ${o.name} (${o.code}) outpatient special-disease (门特) policy data: a TEMPLATE
// written by \`npm run new-region\`. Nothing here is ${o.name}'s official policy yet.
//
// TO THE REGIONAL TEAM: replace every illustrative value with the official one before this region
// serves applicants. Each value whose \`source\` contains ILLUSTRATIVE is a placeholder: put the
// official figure in, rewrite that \`source\` to name the document it comes from (文件名、文号、条款),
// and keep ILLUSTRATIVE only where the documents really say nothing. Values without a \`source\`
// field (deadline, channels, materials) are marked with ILLUSTRATIVE comments or notes.
// \`grep -n ILLUSTRATIVE\` on this file lists what is left to do. Bump \`version\` on every change
// (the seed reloads a region whose stored version differs). Guide: docs/new-region.md.

import { ILLUSTRATIVE, type RegionPolicy } from '../kit/policy';

type DiseasePolicy = RegionPolicy['diseases'][number];
type HospitalPolicy = RegionPolicy['hospitals'][number];

// ILLUSTRATIVE: the review deadline (审核时限) in working days, for the region and each channel.
const REVIEW_DAYS = { min: 1, max: 15 };

/** One catalogue entry (病种目录): national code and name, the region's flags. */
function disease(d: Omit<DiseasePolicy, 'source'>): DiseasePolicy {
  return {
    ...d,
    source: \`code and name: national codes (as in Panzhihua's catalogue); in the ${o.name} catalogue, deductible exemption (免起付线), photo, specialist certificate and validity (认定有效期): \${ILLUSTRATIVE}\`,
  };
}

const HOSPITAL_SOURCE = \`list, codes, levels and 门特 qualification of the designated hospitals (定点医疗机构): \${ILLUSTRATIVE}\`;

function hospital(h: Omit<HospitalPolicy, 'source'>): HospitalPolicy {
  return { ...h, source: HOSPITAL_SOURCE };
}

export const ${v}Policy: RegionPolicy = {
  version: '0.1-template',
  code: ${lit(o.code)},
  name: ${lit(o.name)},
  province: ${lit(o.province)},
  // ILLUSTRATIVE: the 门特 consultation hotline (咨询电话); null until the documents give one.
  hotline: null,
  reviewDeadline: {
    workingDays: REVIEW_DAYS,
    description: \`自受理之日起\${REVIEW_DAYS.max}个工作日内办结（\${ILLUSTRATIVE}）\`,
  },
  // ILLUSTRATIVE: every channel (办理渠道) the region offers: APP, MINI_PROGRAM, WEB or COUNTER, each
  // with its own review days, functions, audience (and hours for a counter).
  channels: [
    {
      id: 'medical-insurance-counter',
      name: ${lit(`${o.name}医保经办窗口`)},
      kind: 'COUNTER',
      reviewWorkingDays: REVIEW_DAYS,
      functions: ['门特申请', '原件核验'],
      audience: ${lit(`${o.name}参保人员`)},
      note: ILLUSTRATIVE,
    },
  ],
  // The national codes and names of Panzhihua's catalogue. ILLUSTRATIVE: which of them the region
  // covers (add or remove entries), and every flag.
  diseases: [
${diseases}
  ],
  hospitals: [
    hospital({
      code: ${lit(`H${o.code}00001`)},
      name: ${lit(`${o.name}示例定点医院（三级）`)},
      level: 'LEVEL_3',
      qualifiedForSpecialDiseases: true,
      specialist: false,
    }),
    hospital({
      code: ${lit(`H${o.code}00002`)},
      name: ${lit(`${o.name}示例定点医院（二级）`)},
      level: 'LEVEL_2',
      qualifiedForSpecialDiseases: true,
      specialist: false,
    }),
  ],
  // ILLUSTRATIVE: the usual materials (申报材料). Check the list against the region's documents:
  // which are required, which identity documents replace each other (also rules.ts), how many
  // months a document stays valid, the minimum issuing hospital level, and whether a stamp is needed.
  materials: [
${material('ID_CARD', '身份证（正反面）', true, 'ALWAYS', '可用社保卡或医保电子凭证代替', null, null, false)}
${material('MEDICAL_INSURANCE_VOUCHER', '医保电子凭证', false, 'ALWAYS', '可代替身份证', null, null, false)}
${material('SOCIAL_SECURITY_CARD', '社保卡', false, 'ALWAYS', '可代替身份证', null, null, false)}
${material('APPLICATION_FORM', '门诊特殊疾病待遇认定申请表', true, 'ALWAYS', null, null, null, false)}
${material('DIAGNOSIS_CERTIFICATE', '疾病诊断证明书', true, 'ALWAYS', '二级及以上定点医疗机构出具', 6, 'LEVEL_2', true)}
${material('MEDICAL_RECORD', '病历资料（检查报告、出院记录或门诊病历）', true, 'ALWAYS', '近半年内', 6, 'LEVEL_2', true)}
${material('PHOTO', '近期免冠照片', true, 'DISEASE_REQUIRES_PHOTO', '部分病种需提供', null, null, false)}
  ],
  costSharing: [
    {
      insuranceType: 'EMPLOYEE',
      deductibleFen: 80000,
      annualCapFen: null,
      bandBy: 'AGE',
      source: \`deductible (起付标准), annual cap (年度限额) and age bands (报销比例): \${ILLUSTRATIVE}\`,
      bands: [
        {
          description: '60岁以下',
          rateBasisPoints: 8500,
          minAge: null,
          maxAge: 59,
          contributionTier: null,
          source: ILLUSTRATIVE,
        },
        {
          description: '60岁及以上',
          rateBasisPoints: 9000,
          minAge: 60,
          maxAge: null,
          contributionTier: null,
          source: ILLUSTRATIVE,
        },
      ],
    },
    {
      insuranceType: 'RESIDENT',
      deductibleFen: 50000,
      annualCapFen: null,
      bandBy: 'CONTRIBUTION_TIER',
      source: \`deductible (起付标准), annual cap (年度限额) and contribution tiers (缴费档次): \${ILLUSTRATIVE}\`,
      bands: [
        {
          description: '一档缴费',
          rateBasisPoints: 5500,
          minAge: null,
          maxAge: null,
          contributionTier: 1,
          source: ILLUSTRATIVE,
        },
        {
          description: '二档缴费',
          rateBasisPoints: 6500,
          minAge: null,
          maxAge: null,
          contributionTier: 2,
          source: ILLUSTRATIVE,
        },
      ],
    },
  ],
};
`;
}

export function rulesTemplate(o: NewRegionOptions): string {
  const v = variableName(o.prefix);
  return `import type { RegionRules } from '../kit/application/rules';
import { problem } from '../kit/errors';

// ${o.name}'s own application rules: a TEMPLATE written by \`npm run new-region\`, with conservative
// defaults (the shared checks of ../kit/application/rules.ts, plus: a named hospital must be qualified,
// one change of hospital a year). Decide every field from the region's 门特 documents and say in
// this comment where each decision comes from. Worked examples: ../sichuan-panzhihua/rules.ts,
// ../guangdong-yunfu/rules.ts.
export const ${v}Rules: RegionRules = {
  // Decide: the message when an applicant picks another region as 参保地 (the documents' own wording
  // if they have one, e.g. Yunfu's “错选将导致业务无法受理”).
  wrongInsuredRegionMessage: ${lit(`参保地应选择${o.name}（${o.code}），请确认后重新提交`)},
  // Decide: must every application name a designated hospital (定点医疗机构)? Yunfu: yes. Default: no
  // (a change of hospital always needs one).
  hospitalRequired: false,
  // Decide: must the named hospital be qualified for 门特 certification (具有门特认定资质)? Default: yes.
  hospitalMustBeQualified: true,
  // Decide: how many days before expiry a renewal (续期/复审) may be filed; null = any time while
  // certified. Yunfu: 30. Default: null.
  renewalWindowDays: null,
  // Decide: changes of designated hospital allowed per calendar year; null = no limit. Panzhihua: 1.
  // Default: 1.
  changeHospitalPerYear: 1,
  // Decide: must long-term residents elsewhere file 异地就医备案 before applying? Panzhihua: yes.
  // Default: no.
  remoteCareFilingRequired: false,
  // Decide: which identity documents are accepted, and which replace which (Panzhihua: the social
  // security card only without an e-voucher). Default: any one of ID card, social security card or
  // 医保电子凭证.
  identityProblems(kinds) {
    return kinds.has('ID_CARD') || kinds.has('SOCIAL_SECURITY_CARD') || kinds.has('MEDICAL_INSURANCE_VOUCHER')
      ? []
      : [problem('MATERIAL_MISSING', '缺少材料：身份证、社保卡或医保电子凭证（任选其一）', 'materials')];
  },
};
`;
}

export function regionTemplate(o: NewRegionOptions): string {
  const v = variableName(o.prefix);
  return `import type { RegionDefinition } from '../kit/regional-subgraph';
import { ${v}Policy } from './policy';
import { ${v}Rules } from './rules';

// ${o.province} · ${o.name}: what makes this region different lives in this folder.
export const ${v}: RegionDefinition = {
  prefix: ${lit(o.prefix)},
  subgraph: ${lit(o.subgraph)},
  policy: ${v}Policy,
  rules: ${v}Rules,
};
export default ${v};
`;
}

export function indexTemplate(o: NewRegionOptions): string {
  const v = variableName(o.prefix);
  return `import 'reflect-metadata';

import { REGIONS } from '../../schema/registry';
import { loadInternalPublicKey } from '../kit/auth/request-identity';
import { subgraphConfigFromEnv } from '../kit/config';
import { runUntilSignal } from '../kit/process';
import { startRegionalSubgraph } from '../kit/regional-subgraph';
import { startTracing } from '../kit/tracing';
import { ${v} } from './region';

// Entry point: \`PORT=... DATABASE_URL=... tsx subgraphs/${o.subgraph}/index.ts\`.
runUntilSignal(${v}.subgraph, async () => {
  const defaultPort = REGIONS.find((r) => r.subgraph === ${v}.subgraph)?.port ?? 0;
  const config = subgraphConfigFromEnv(${v}.subgraph, { defaultPort });
  startTracing(${v}.subgraph);
  return startRegionalSubgraph(${v}, {
    port: config.port,
    shutdownDelayMs: config.shutdownDelayMs,
    tls: config.tls,
    internalPublicKey: await loadInternalPublicKey(),
  });
});
`;
}

/** The registry text with the region appended, keeping the file's own formatting. */
export function registryWithRegion(text: string, entry: RegistryRegion): string {
  const parsed = JSON.parse(text) as Registry;
  const expected = { ...parsed, regions: [...parsed.regions, entry] };
  const fields = Object.entries(entry)
    .map(([k, value]) => `      ${JSON.stringify(k)}: ${JSON.stringify(value)}`)
    .join(',\n');
  const tail = /\}(\s*\]\s*\}\s*)$/.exec(text);
  let next = tail ? `${text.slice(0, tail.index)}},\n    {\n${fields}\n    }${tail[1]}` : '';
  try {
    if (!isDeepStrictEqual(JSON.parse(next), expected)) next = '';
  } catch {
    next = '';
  }
  if (!next) next = JSON.stringify(expected, null, 2);
  return next.endsWith('\n') ? next : `${next}\n`;
}

// The repository's Prettier settings (.prettierrc.json), for a root that has none.
const REPO_STYLE: Options = { singleQuote: true, printWidth: 120, trailingComma: 'all' };

async function pretty(file: string, text: string): Promise<string> {
  const config = (await resolveConfig(file)) ?? REPO_STYLE;
  return format(text, { ...config, filepath: file });
}

// ---------------------------------------------------------------------------------------------

export interface Scaffolded {
  created: string[];
  schemaFiles: string[];
}

/** Writes the folder and the registry entry, then recomposes; undoes both if composition fails. */
export async function scaffoldRegion(o: NewRegionOptions, log = console.log): Promise<Scaffolded> {
  const folder = path.join(o.root, 'subgraphs', o.subgraph);
  const registryFile = path.join(o.root, 'schema', 'registry.json');
  const { text: registryText } = readRegistry(o.root);
  const files: [string, string][] = [
    ['policy.ts', policyTemplate(o)],
    ['rules.ts', rulesTemplate(o)],
    ['region.ts', regionTemplate(o)],
    ['index.ts', indexTemplate(o)],
  ];
  const entry: RegistryRegion = {
    code: o.code,
    name: o.name,
    province: o.province,
    prefix: o.prefix,
    subgraph: o.subgraph,
    port: o.port,
  };
  // Everything is rendered before anything is written.
  const rendered = await Promise.all(
    files.map(async ([file, text]) => [path.join(folder, file), await pretty(path.join(folder, file), text)] as const),
  );
  const registry = await pretty(registryFile, registryWithRegion(registryText, entry));

  const undo = () => {
    rmSync(folder, { recursive: true, force: true });
    writeFileSync(registryFile, registryText);
  };
  try {
    mkdirSync(folder);
    for (const [file, text] of rendered) writeFileSync(file, text);
    writeFileSync(registryFile, registry);
  } catch (e) {
    undo();
    throw e;
  }
  const created = rendered.map(([file]) => path.relative(o.root, file));
  log(`created ${created.join(', ')}`);
  log(`added ${o.code} ${o.name} (${o.prefix}Region, subgraph ${o.subgraph}, port ${o.port}) to schema/registry.json`);

  if (!o.compose) return { created, schemaFiles: [] };
  // The registry was just written: compose that one, with the checkout's own code.
  delete process.env.MENTE_REGISTRY;
  try {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const compose = require(path.join(o.root, 'scripts', 'compose')) as { writeComposition?: typeof WriteComposition };
    if (typeof compose.writeComposition !== 'function') {
      throw new Error(`${path.join(o.root, 'scripts', 'compose.ts')} does not export writeComposition()`);
    }
    const schemaFiles = await compose.writeComposition();
    log(schemaFiles.length ? `wrote schema/${schemaFiles.join(', schema/')}` : 'schema/ already current');
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const router = require(path.join(o.root, 'scripts', 'router-config')) as { writeRouterConfig?: () => string[] };
    const routerFiles = router.writeRouterConfig?.() ?? [];
    if (routerFiles.length) log(`wrote ${routerFiles.map((f) => path.relative(o.root, f)).join(', ')}`);
    return { created, schemaFiles };
  } catch (e) {
    undo();
    throw new Error(
      `composition failed, so the scaffold was undone (subgraphs/${o.subgraph}/ removed, registry restored):\n` +
        (e instanceof Error ? e.message : String(e)),
    );
  }
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
  await scaffoldRegion(options);
  console.log(
    [
      '',
      `Next, in subgraphs/${options.subgraph}/ (docs/new-region.md):`,
      '  1. policy.ts: replace every ILLUSTRATIVE value with the official one (grep -n ILLUSTRATIVE)',
      '  2. rules.ts: decide every field',
      '  3. npm test && npm run compose && npm run check',
      '  4. deployment: add the subgraph to docker-compose.yml and scripts/docker/mysql-init.sql;',
      `     the gateway reaches it at SUBGRAPH_URL_${options.subgraph.toUpperCase().replace(/-/g, '_')}`,
    ].join('\n'),
  );
}

if (require.main === module) {
  main().catch((e: unknown) => {
    console.error(`new-region: ${e instanceof Error ? e.message : String(e)}`);
    process.exit(1);
  });
}
