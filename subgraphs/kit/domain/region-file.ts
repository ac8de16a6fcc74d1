import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';

import Ajv, { type ErrorObject } from 'ajv';
import { LineCounter, parseDocument } from 'yaml';

import { hostingProblems } from '../../../schema/registry';
import { type AppealRulesFile, normalizeAppealRules } from './appeal-rules';
import { type HospitalReviewRulesFile, normalizeHospitalReview } from './hospital-review-rules';
import {
  type CostSharingPolicy,
  DEFAULT_COVERAGE,
  type DiseasePolicy,
  ILLUSTRATIVE,
  type MaterialPolicy,
  type RateBandPolicy,
  type RegionPolicy,
  type RemoteCarePolicy,
  type RequiredWhen,
} from './policy';
import type { RegionDefinition } from './region-definition';
import type { RegionRules } from './rules';

// A region is one data file: subgraphs/regions/<subgraph>.yaml, validated against
// subgraphs/regions/region.schema.json (editors complete it through the file's first line) and by
// the cross-field checks below. A broken file fails at start and in `npm run check`, each problem
// naming the file, the line, the path in it and the rule broken, in English and Chinese.

export const REGIONS_DIR = path.resolve(__dirname, '../../regions');
const REGION_SCHEMA_PATH = path.join(REGIONS_DIR, 'region.schema.json');

/** A rule that data cannot express: hooks/<name>.ts beside the region file default-exports one. */
export type RegionRuleHook = NonNullable<RegionRules['hook']>;

export interface RegionFileProblem {
  file: string;
  /** 1-based line in the file, when the path exists there. */
  line: number | null;
  /** Where in the file, as a JSON pointer: /diseases/3/code. */
  path: string;
  rule: string;
  message: string;
  messageZh: string;
}

export class RegionFileError extends Error {
  constructor(readonly problems: RegionFileProblem[]) {
    super(
      problems
        .map((p) => `${p.file}${p.line ? `:${p.line}` : ''} ${p.path || '/'} [${p.rule}] ${p.message} / ${p.messageZh}`)
        .join('\n'),
    );
    this.name = 'RegionFileError';
  }
}

/** The file as written (before placeholders in sources are expanded). */
interface RegionFile {
  region: {
    code: string;
    name: string;
    province: string;
    prefix: string;
    subgraph: string;
    port: number;
    host?: string;
  };
  version: string;
  documents: CitedDocument[];
  hotline: string | null;
  reviewDeadline: RegionPolicy['reviewDeadline'];
  channels: RegionPolicy['channels'];
  /** synonymSource is required with synonyms (the schema's dependencies). */
  diseases: (Omit<DiseasePolicy, 'synonyms' | 'synonymSource'> & { synonyms?: string[]; synonymSource?: string })[];
  hospitals: RegionPolicy['hospitals'];
  materials: (Omit<MaterialPolicy, 'required' | 'requiredWhen' | 'missingMessage' | 'issuerMustBeSpecialist'> & {
    required?: boolean;
    requiredWhen?: RequiredWhen | null;
    missingMessage?: string;
    issuerMustBeSpecialist?: boolean;
  })[];
  costSharing: (Omit<CostSharingPolicy, 'annualCapFen' | 'coverage' | 'bands'> & {
    /** Required in a file (a placeholder cited {illustrative} where no document gives one). */
    annualCapFen: number;
    coverage?: string;
    bands: RateBandPolicy[];
  })[];
  rules: Omit<RegionRules, 'hook' | 'appeal' | 'hospitalReview'> & {
    hook?: string;
    appeal: AppealRulesFile;
    hospitalReview?: HospitalReviewRulesFile | null;
  };
  remoteCare?: RemoteCarePolicy;
}

/** An official document a data file cites in its sources as {<id>}. */
export interface CitedDocument {
  id: string;
  title: string;
  issuer: string;
  date: string;
}

/**
 * Sources in data files cite `{<document id>}` or `{illustrative}`; the returned function expands each
 * to the served text: the full citation (title, issuer, date) or ILLUSTRATIVE. An unknown id is
 * reported through `unknown` (with the caller's location) and left as written.
 */
export function sourceExpander<At>(
  documents: readonly CitedDocument[],
  unknown: (id: string, at: At) => void,
): (source: string, at: At) => string {
  const citations = new Map(documents.map((d) => [d.id, `《${d.title}》（${d.issuer}，${d.date}）`]));
  citations.set('illustrative', ILLUSTRATIVE);
  return (source, at) =>
    source.replace(/\{([a-z0-9-]+)\}/g, (whole, id: string) => {
      const citation = citations.get(id);
      if (citation === undefined) {
        unknown(id, at);
        return whole;
      }
      return citation;
    });
}

let validator: ReturnType<Ajv['compile']> | undefined;
function schemaValidator(): ReturnType<Ajv['compile']> {
  validator ??= new Ajv({ allErrors: true, strict: true, allowUnionTypes: true }).compile(
    JSON.parse(readFileSync(REGION_SCHEMA_PATH, 'utf8')) as object,
  );
  return validator;
}

/** ajv's message, where it is; an unknown key named (ajv's own says only "must NOT have additional properties"). */
function enForSchemaError(e: ErrorObject): string {
  const where = e.instancePath || 'the file';
  if (e.keyword === 'additionalProperties') {
    const key = String((e.params as { additionalProperty: unknown }).additionalProperty);
    return `${where} has an unknown key "${key}" (misspelt?)`;
  }
  return `${where} ${e.message ?? ''}`;
}

/** What an ajv keyword means, in Chinese, for people who edit policy files. */
function zhForSchemaError(e: ErrorObject): string {
  const p = e.params as Record<string, unknown>;
  switch (e.keyword) {
    case 'required':
      return `缺少必填项“${String(p.missingProperty)}”`;
    case 'additionalProperties':
      return `不认识的项“${String(p.additionalProperty)}”（拼写错误？）`;
    case 'type':
      return `类型应为 ${String(p.type)}`;
    case 'enum':
      return `取值应为以下之一：${(p.allowedValues as unknown[]).join('、')}`;
    case 'pattern':
      return `格式不正确（应匹配 ${String(p.pattern)}）`;
    case 'minimum':
    case 'maximum':
      return `数值超出范围（${e.keyword === 'minimum' ? '最小' : '最大'} ${String(p.limit)}）`;
    case 'minLength':
    case 'minItems':
      return `内容过少（至少 ${String(p.limit)}）`;
    case 'uniqueItems':
      return '列表中有重复项';
    default:
      return `不符合规则 ${e.keyword}`;
  }
}

const pointer = (segments: (string | number)[]) => segments.map((s) => `/${s}`).join('');

/** Loads, validates and expands one region file; throws RegionFileError listing every problem. */
export function loadRegionFile(file: string): RegionDefinition {
  const shown = path.relative(process.cwd(), file) || file;
  const text = readFileSync(file, 'utf8');
  const lineCounter = new LineCounter();
  const doc = parseDocument(text, { lineCounter, prettyErrors: false, uniqueKeys: true });
  const lineOf = (segments: (string | number)[]): number | null => {
    for (let n = segments.length; n >= 0; n--) {
      const node = doc.getIn(segments.slice(0, n), true) as { range?: [number, number, number] } | undefined;
      if (node?.range) return lineCounter.linePos(node.range[0]).line;
    }
    return null;
  };
  const problems: RegionFileProblem[] = [];
  const add = (segments: (string | number)[], rule: string, message: string, messageZh: string) =>
    problems.push({ file: shown, line: lineOf(segments), path: pointer(segments), rule, message, messageZh });

  if (doc.errors.length > 0) {
    throw new RegionFileError(
      doc.errors.map((e) => ({
        file: shown,
        line: e.linePos?.[0]?.line ?? null,
        path: '',
        rule: 'yaml',
        message: e.message.split('\n')[0]!,
        messageZh: 'YAML 语法错误',
      })),
    );
  }
  const data = doc.toJS() as unknown;
  const validate = schemaValidator();
  if (!validate(data)) {
    for (const e of validate.errors ?? []) {
      const segments = e.instancePath
        .split('/')
        .slice(1)
        .map((s) => (/^\d+$/.test(s) ? Number(s) : s.replace(/~1/g, '/').replace(/~0/g, '~')));
      add(segments, `schema:${e.keyword}`, enForSchemaError(e), zhForSchemaError(e));
    }
    throw new RegionFileError(problems);
  }
  const f = data as RegionFile;

  // Cross-field rules the schema cannot state.
  const base = path.basename(file).replace(/\.ya?ml$/, '');
  if (f.region.subgraph !== base) {
    add(
      ['region', 'subgraph'],
      'file-name',
      `region.subgraph "${f.region.subgraph}" must equal the file name "${base}"`,
      `region.subgraph 应与文件名“${base}”一致`,
    );
  }
  const unique = <T>(list: T[], key: (t: T) => string, at: string, what: string, whatZh: string) => {
    const seen = new Set<string>();
    list.forEach((item, i) => {
      const k = key(item);
      if (seen.has(k)) add([at, i], 'unique', `duplicate ${what} "${k}"`, `${whatZh}“${k}”重复`);
      seen.add(k);
    });
  };
  unique(f.channels, (c) => c.id, 'channels', 'channel id', '渠道编号');
  unique(f.diseases, (d) => d.code, 'diseases', 'disease code', '病种编码');
  unique(f.hospitals, (h) => h.code, 'hospitals', 'hospital code', '医疗机构编码');
  unique(f.materials, (m) => m.kind, 'materials', 'material kind', '材料类型');
  unique(f.costSharing, (c) => c.insuranceType, 'costSharing', 'insurance type', '险种');
  unique(f.documents, (d) => d.id, 'documents', 'document id', '文件编号');
  const ranges: [(string | number)[], { min: number; max: number }][] = [
    [['reviewDeadline', 'workingDays'], f.reviewDeadline.workingDays],
    ...f.channels.map((c, i): [(string | number)[], { min: number; max: number }] => [
      ['channels', i, 'reviewWorkingDays'],
      c.reviewWorkingDays,
    ]),
  ];
  for (const [at, r] of ranges) {
    if (r.min > r.max)
      add(at, 'range', `min ${r.min} is greater than max ${r.max}`, `最小值 ${r.min} 大于最大值 ${r.max}`);
  }
  f.costSharing.forEach((c, i) =>
    c.bands.forEach((b, j) => {
      const at = ['costSharing', i, 'bands', j];
      if (b.minAge !== null && b.maxAge !== null && b.minAge > b.maxAge) {
        add(at, 'range', `minAge ${b.minAge} is greater than maxAge ${b.maxAge}`, '最小年龄大于最大年龄');
      }
      const needed = c.bandBy === 'AGE' ? b.contributionTier === null : b.contributionTier !== null;
      if (!needed) {
        add(
          [...at, 'contributionTier'],
          'band-by',
          c.bandBy === 'AGE' ? 'age bands carry no contributionTier' : 'tier bands need a contributionTier',
          c.bandBy === 'AGE' ? '按年龄分档时不应填写缴费档次' : '按缴费档次分档时须填写缴费档次',
        );
      }
    }),
  );
  // requiredWhen names only this region's materials, diseases and channels.
  const known = {
    absentKinds: new Set<string>(f.materials.map((m) => m.kind)),
    diseaseCodes: new Set(f.diseases.map((d) => d.code)),
    channelIds: new Set(f.channels.map((c) => c.id)),
  };
  f.materials.forEach((m, i) => {
    if (m.requiredWhen !== undefined && m.required !== undefined) {
      add(
        ['materials', i, 'required'],
        'one-source',
        'give either required or requiredWhen, not both',
        '“required”与“requiredWhen”只能填写其一',
      );
    }
    for (const key of ['absentKinds', 'diseaseCodes', 'channelIds'] as const) {
      (m.requiredWhen?.[key] ?? []).forEach((value, j) => {
        if (!known[key].has(value)) {
          add(
            ['materials', i, 'requiredWhen', key, j],
            'known-value',
            `requiredWhen.${key} names "${value}", which this region does not have`,
            `requiredWhen.${key} 中的“${value}”不在本地区清单中`,
          );
        }
      });
    }
  });
  const hooksDir = path.join(path.dirname(file), 'hooks');
  if (f.rules.hook && !['.ts', '.js'].some((ext) => existsSync(path.join(hooksDir, `${f.rules.hook}${ext}`)))) {
    add(
      ['rules', 'hook'],
      'hook-exists',
      `no hook subgraphs/regions/hooks/${f.rules.hook}.ts`,
      `找不到规则扩展 hooks/${f.rules.hook}.ts`,
    );
  }
  const expand = sourceExpander(f.documents, (id, at: (string | number)[]) =>
    add(at, 'known-document', `source cites unknown document {${id}}`, `来源引用了未列出的文件 {${id}}`),
  );
  const policy: RegionPolicy = {
    version: f.version,
    code: f.region.code,
    name: f.region.name,
    province: f.region.province,
    hotline: f.hotline,
    reviewDeadline: { ...f.reviewDeadline, source: expand(f.reviewDeadline.source!, ['reviewDeadline', 'source']) },
    channels: f.channels.map((c, i) => ({
      ...c,
      reviewSource: expand(c.reviewSource, ['channels', i, 'reviewSource']),
    })),
    diseases: f.diseases.map((d, i) => ({
      ...d,
      source: expand(d.source, ['diseases', i, 'source']),
      deductibleExemptSource: expand(d.deductibleExemptSource, ['diseases', i, 'deductibleExemptSource']),
      synonyms: d.synonyms ?? [],
      // No synonyms, nothing to source: the flag says so rather than a document.
      synonymSource: expand(d.synonymSource ?? '{illustrative}', ['diseases', i, 'synonymSource']),
    })),
    hospitals: f.hospitals.map((h, i) => ({ ...h, source: expand(h.source, ['hospitals', i, 'source']) })),
    materials: f.materials.map((m, i) => ({
      ...normalizeMaterial(m, f.diseases),
      source: expand(m.source, ['materials', i, 'source']),
    })),
    costSharing: f.costSharing.map((c, i) => ({
      ...c,
      source: expand(c.source, ['costSharing', i, 'source']),
      deductibleSource: expand(c.deductibleSource, ['costSharing', i, 'deductibleSource']),
      annualCapSource: expand(c.annualCapSource, ['costSharing', i, 'annualCapSource']),
      coverage: c.coverage ?? DEFAULT_COVERAGE,
      coverageSource: expand(c.coverageSource, ['costSharing', i, 'coverageSource']),
      bands: c.bands.map((b, j) => ({
        ...b,
        source: expand(b.source, ['costSharing', i, 'bands', j, 'source']),
        rateSource: expand(b.rateSource, ['costSharing', i, 'bands', j, 'rateSource']),
      })),
    })),
    ...(f.remoteCare ? { remoteCare: expandRemoteCare(f.remoteCare, expand) } : {}),
  };
  f.remoteCare?.directSettlement.diseaseCodes.forEach((code, i) => {
    if (!f.diseases.some((d) => d.code === code)) {
      add(
        ['remoteCare', 'directSettlement', 'diseaseCodes', i],
        'known-disease',
        `disease ${code} is not in the catalogue`,
        `病种 ${code} 不在本地区目录中`,
      );
    }
  });
  const appeal = normalizeAppealRules(f.rules.appeal, expand);
  const hospitalReview = normalizeHospitalReview(f.rules.hospitalReview, expand);
  // The hospital that reviews is the one the application names: every application must name one.
  if (hospitalReview && !f.rules.hospitalRequired) {
    add(
      ['rules', 'hospitalReview'],
      'hospital-required',
      'hospitalReview needs hospitalRequired: true (the reviewing hospital is the one the application names)',
      '开启定点医疗机构审核（hospitalReview）时，须同时要求申请人选择定点医疗机构（hospitalRequired: true）',
    );
  }
  const rulesSource = expand(f.rules.source, ['rules', 'source']);
  if (problems.length > 0) throw new RegionFileError(problems);

  const { hook: hookName, appeal: _appealFile, hospitalReview: _hospitalFile, ...settings } = f.rules;
  const hook = hookName ? loadHook(hooksDir, hookName) : undefined;
  const rules: RegionRules = { ...settings, source: rulesSource, appeal, hospitalReview, ...(hook ? { hook } : {}) };
  return {
    prefix: f.region.prefix,
    subgraph: f.region.subgraph,
    port: f.region.port,
    ...(f.region.host !== undefined ? { host: f.region.host } : {}),
    policy,
    rules,
  };
}

function expandRemoteCare(
  r: RemoteCarePolicy,
  expand: (source: string, at: (string | number)[]) => string,
): RemoteCarePolicy {
  return {
    filingRequiredSource: expand(r.filingRequiredSource, ['remoteCare', 'filingRequiredSource']),
    filed: { ...r.filed, source: expand(r.filed.source, ['remoteCare', 'filed', 'source']) },
    unfiled: { ...r.unfiled, source: expand(r.unfiled.source, ['remoteCare', 'unfiled', 'source']) },
    directSettlement: {
      ...r.directSettlement,
      source: expand(r.directSettlement.source, ['remoteCare', 'directSettlement', 'source']),
    },
  };
}

function loadHook(dir: string, name: string): RegionRuleHook {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const mod = require(path.join(dir, name)) as { default?: unknown };
  if (typeof mod.default !== 'function') {
    throw new RegionFileError([
      {
        file: `subgraphs/regions/hooks/${name}.ts`,
        line: null,
        path: '',
        rule: 'hook-export',
        message: 'a hook must default-export a function (facts) => Problem[]',
        messageZh: '规则扩展须默认导出函数 (facts) => Problem[]',
      },
    ]);
  }
  return mod.default as RegionRuleHook;
}

/** A region by its subgraph name: subgraphs/regions/<subgraph>.yaml. */
export function loadRegion(subgraph: string, dir = REGIONS_DIR): RegionDefinition {
  return loadRegionFile(path.join(dir, `${subgraph}.yaml`));
}

/** Every region file's path, sorted by name. */
function regionFiles(dir = REGIONS_DIR): string[] {
  return readdirSync(dir)
    .filter((f) => /\.ya?ml$/.test(f))
    .sort()
    .map((f) => path.join(dir, f));
}

/**
 * Loads every region file through the checks of one file and those across files (region code, type
 * prefix and port unique; hosts consistent); all files' problems together in one RegionFileError.
 * What the subgraphs do at start and `npm run compose` (and its --check) before writing anything.
 */
export function loadAllRegionFiles(dir = REGIONS_DIR): RegionDefinition[] {
  const definitions: RegionDefinition[] = [];
  const problems: RegionFileProblem[] = [];
  const shownFile = new Map<string, string>();
  const shown = (subgraph: string) =>
    shownFile.get(subgraph) ?? path.relative(process.cwd(), path.join(dir, `${subgraph}.yaml`));
  for (const file of regionFiles(dir)) {
    try {
      const d = loadRegionFile(file);
      definitions.push(d);
      shownFile.set(d.subgraph, path.relative(process.cwd(), file) || file);
    } catch (e) {
      if (!(e instanceof RegionFileError)) throw e;
      problems.push(...e.problems);
    }
  }
  const seen = new Map<string, string>();
  for (const d of definitions) {
    for (const [what, value, zh] of [
      ['code', d.policy.code, '地区编码'],
      ['prefix', d.prefix, '类型前缀'],
    ] as const) {
      const other = seen.get(`${what}:${value}`);
      if (other) {
        problems.push({
          file: shown(d.subgraph),
          line: null,
          path: `/region/${what}`,
          rule: 'unique-region',
          message: `region ${what} "${value}" is also used by ${shown(other)}`,
          messageZh: `${zh}“${value}”与 ${shown(other)} 重复`,
        });
      }
      seen.set(`${what}:${value}`, d.subgraph);
    }
  }
  // Ports follow the subgraphs: regions sharing a provincial host share its port, no two subgraphs one.
  for (const p of hostingProblems(definitions)) {
    problems.push({
      file: shown(p.region),
      line: null,
      path: p.path,
      rule: 'region-hosting',
      message: p.message,
      messageZh: p.messageZh,
    });
  }
  if (problems.length > 0) throw new RegionFileError(problems);
  return definitions;
}

/**
 * One requiredWhen per material, the only one the checks and the API read: from `requiredWhen`, or
 * `required` (true = always); a disease-dependent material adds the diseases carrying its flag.
 */
function normalizeMaterial(m: RegionFile['materials'][number], diseases: RegionFile['diseases']): MaterialPolicy {
  const { required, requiredWhen, missingMessage, issuerMustBeSpecialist, ...rest } = m;
  let when: RequiredWhen | null = requiredWhen !== undefined ? requiredWhen : required ? {} : null;
  if (when && m.dependsOn !== 'ALWAYS') {
    const flag = m.dependsOn === 'DISEASE_REQUIRES_PHOTO' ? 'requiresPhoto' : 'requiresSpecialistHospital';
    const codes = diseases.filter((d) => d[flag]).map((d) => d.code);
    when = { ...when, diseaseCodes: (when.diseaseCodes ?? codes).filter((c) => codes.includes(c)) };
  }
  const always = when !== null && Object.values(when).every((v) => v == null);
  return {
    ...rest,
    required: always,
    requiredWhen: when,
    missingMessage: missingMessage ?? null,
    issuerMustBeSpecialist: issuerMustBeSpecialist ?? false,
  };
}
