import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';

import { problem } from '../platform/errors';
import { ILLUSTRATIVE, type MaterialKind } from './policy';
import {
  loadAllRegionFiles,
  loadRegionFile,
  RegionFileError,
  type RegionFileProblem,
  REGIONS_DIR,
} from './region-file';
import { missingMaterialProblems } from './rules';

// The region files are the regions: each committed one loads, and a broken one is refused with
// every problem named by file, line, path and rule, in English and Chinese.

const PZH = path.join(REGIONS_DIR, 'sichuan-panzhihua.yaml');
const YF = path.join(REGIONS_DIR, 'guangdong-yunfu.yaml');
const pzhText = readFileSync(PZH, 'utf8');

/** Writes `text` as subgraphs/regions/<name>.yaml in a fresh directory and loads it. */
function problemsOf(text: string, name = 'sichuan-panzhihua'): RegionFileProblem[] {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'mente-region-file-'));
  const file = path.join(dir, `${name}.yaml`);
  writeFileSync(file, text);
  try {
    loadRegionFile(file);
  } catch (e) {
    if (e instanceof RegionFileError) return e.problems;
    throw e;
  }
  return [];
}

describe('the committed region files', () => {
  it('all load, with distinct codes, prefixes and ports', () => {
    const regions = loadAllRegionFiles();
    expect(regions.map((r) => r.subgraph).sort()).toEqual(['guangdong-yunfu', 'sichuan-panzhihua']);
  });

  it('expand {document} to a citation with title, issuer and date, and {illustrative} to the flag', () => {
    const pzh = loadRegionFile(PZH).policy;
    expect(pzh.costSharing[0]!.source).toContain('《2025年四川攀枝花门诊特殊疾病（门特）手机申请办理指南》');
    expect(pzh.costSharing[0]!.source).toContain(ILLUSTRATIVE);
    for (const d of pzh.diseases) expect(d.source).not.toMatch(/\{[a-z0-9-]+\}|POLICY\.md/);
  });

  it('express identity documents as requiredWhen: the social-security card only without an e-voucher', () => {
    const pzh = loadRegionFile(PZH).policy;
    const rows = pzh.materials.map((m, position) => ({ regionCode: pzh.code, position, ...m }));
    const missing = (kinds: MaterialKind[]) =>
      missingMaterialProblems(
        rows.filter((r) => ['ID_CARD', 'SOCIAL_SECURITY_CARD', 'MEDICAL_INSURANCE_VOUCHER'].includes(r.kind)),
        { kinds: new Set(kinds), diseaseCode: 'M03900', channelId: null, applicationType: 'NEW' },
      );
    expect(pzh.materials.find((m) => m.kind === 'SOCIAL_SECURITY_CARD')).toMatchObject({
      required: false,
      requiredWhen: { absentKinds: ['MEDICAL_INSURANCE_VOUCHER'] },
    });
    expect(missing(['ID_CARD', 'SOCIAL_SECURITY_CARD'])).toEqual([]);
    expect(missing(['MEDICAL_INSURANCE_VOUCHER'])).toEqual([]);
    expect(missing(['ID_CARD'])).toEqual([
      problem('MATERIAL_MISSING', '缺少材料：社保卡照片（无医保电子凭证时需提供）', 'materials'),
    ]);
    expect(missing([])).toHaveLength(2);
  });

  it('add the diseases carrying the flag to a disease-dependent material', () => {
    const yf = loadRegionFile(YF).policy;
    const specialist = yf.materials.find((m) => m.kind === 'SPECIALIST_CERTIFICATE')!;
    expect(specialist.requiredWhen!.diseaseCodes).toEqual(
      yf.diseases.filter((d) => d.requiresSpecialistHospital).map((d) => d.code),
    );
    expect(specialist).toMatchObject({ required: false, issuerMustBeSpecialist: true, stampRequired: true });
  });
});

describe('a broken region file', () => {
  it('names the file, the line, the path and the rule, in English and Chinese', () => {
    const problems = problemsOf(pzhText.replace('code: M03900', 'code: X03900'));
    expect(problems).toHaveLength(1);
    const [p] = problems;
    expect(p).toMatchObject({ path: '/diseases/0/code', rule: 'schema:pattern' });
    expect(p!.file).toMatch(/sichuan-panzhihua\.yaml$/);
    expect(pzhText.split('\n')[p!.line! - 1]).toContain('code: M03900');
    expect(p!.message).toContain('must match pattern');
    expect(p!.messageZh).toContain('格式不正确');
  });

  it('reports every problem at once: misspelt keys, missing fields, wrong types', () => {
    const text = pzhText
      .replace('hospitalRequired: false', 'hospitalRequird: false')
      .replace('rateBasisPoints: 8500', 'rateBasisPoints: "85%"');
    expect(problemsOf(text).map((p) => `${p.path} ${p.rule}`)).toEqual(
      expect.arrayContaining([
        '/rules schema:additionalProperties',
        '/rules schema:required',
        '/costSharing/0/bands/0/rateBasisPoints schema:type',
      ]),
    );
  });

  it('refuses a figure without its source: none defaults to {illustrative}', () => {
    const text = pzhText
      .split('\n')
      .filter((l) => !/^ {2}source: 'wrong-region message|^ {4}annualCapSource: |^ {4}periodSource: /.test(l))
      .join('\n');
    expect(problemsOf(text).map((p) => `${p.path} ${p.rule} ${p.messageZh}`)).toEqual([
      '/costSharing/0 schema:required 缺少必填项“annualCapSource”',
      '/costSharing/1 schema:required 缺少必填项“annualCapSource”',
      '/rules schema:required 缺少必填项“source”',
      '/rules/appeal schema:required 缺少必填项“periodSource”',
    ]);
  });

  it('names an unknown key in English as in Chinese, at the top level too', () => {
    const nested = problemsOf(
      pzhText.replace('hospitalRequired: false', 'hospitalRequired: false\n  hospitalRequird: false'),
    );
    expect(nested).toEqual([
      expect.objectContaining({
        path: '/rules',
        message: '/rules has an unknown key "hospitalRequird" (misspelt?)',
        messageZh: '不认识的项“hospitalRequird”（拼写错误？）',
      }),
    ]);
    const top = problemsOf(`${pzhText}hotlne: 0812-3323000\n`);
    expect(top).toEqual([
      expect.objectContaining({ path: '', message: 'the file has an unknown key "hotlne" (misspelt?)' }),
    ]);
  });

  it('requires an annual cap and its source: a null cap or a missing source is named, in English and Chinese', () => {
    const [nullCap] = problemsOf(pzhText.replace('annualCapFen: 15000000', 'annualCapFen: null'));
    expect(nullCap).toMatchObject({
      path: '/costSharing/0/annualCapFen',
      rule: 'schema:type',
      messageZh: '类型应为 integer',
    });
    expect(pzhText.split('\n')[nullCap!.line! - 1]).toContain('annualCapFen:');
    const noSource = pzhText.replace(/\n {4}annualCapSource: [^\n]+/, '');
    expect(problemsOf(noSource)).toEqual([
      expect.objectContaining({
        path: '/costSharing/0',
        rule: 'schema:required',
        messageZh: '缺少必填项“annualCapSource”',
      }),
    ]);
  });

  it('refuses cross-field mistakes the schema cannot state', () => {
    const dup = pzhText.replace('code: M01600', 'code: M03900');
    expect(problemsOf(dup)).toEqual([
      expect.objectContaining({ path: '/diseases/1', rule: 'unique' }),
      // M01600 is gone from the catalogue, so the remote-care direct-settlement list names an unknown disease.
      expect.objectContaining({ path: '/remoteCare/directSettlement/diseaseCodes/1', rule: 'known-disease' }),
    ]);
    const unknownDoc = pzhText.replace('{panzhihua-2025}: 提交材料', '{panzhihua-2024}: 提交材料');
    expect(problemsOf(unknownDoc)).toEqual([
      expect.objectContaining({ path: '/reviewDeadline/source', rule: 'known-document' }),
    ]);
    expect(problemsOf(pzhText, 'sichuan-panzhihua-copy')).toEqual([
      expect.objectContaining({ path: '/region/subgraph', rule: 'file-name' }),
    ]);
    const range = pzhText.replace(/workingDays:\n {4}min: 1\n {4}max: 15/, 'workingDays:\n    min: 16\n    max: 15');
    expect(problemsOf(range)).toEqual([
      expect.objectContaining({ path: '/reviewDeadline/workingDays', rule: 'range' }),
    ]);
  });

  it('refuses YAML that does not parse, and a region reusing another region’s code', () => {
    expect(problemsOf('region: [unclosed\n')[0]).toMatchObject({ rule: 'yaml', messageZh: 'YAML 语法错误' });
    const dir = mkdtempSync(path.join(os.tmpdir(), 'mente-regions-'));
    writeFileSync(path.join(dir, 'sichuan-panzhihua.yaml'), pzhText);
    writeFileSync(
      path.join(dir, 'sichuan-copy.yaml'),
      pzhText
        .replace('subgraph: sichuan-panzhihua', 'subgraph: sichuan-copy')
        .replace('prefix: Panzhihua', 'prefix: Copy')
        .replace('port: 4002', 'port: 4009'),
    );
    expect(() => loadAllRegionFiles(dir)).toThrow(/region code "510400" is also used by/);
  });
});

describe('the rule hook', () => {
  const withHook = pzhText.replace(
    '  remoteCareFilingRequired: true\n',
    '  remoteCareFilingRequired: true\n  hook: same-day-diagnosis\n',
  );

  it('adds a rule data cannot express: hooks/<name>.ts beside the region file', () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'mente-hooks-'));
    mkdirSync(path.join(dir, 'hooks'));
    writeFileSync(
      path.join(dir, 'hooks', 'same-day-diagnosis.js'),
      "module.exports.default = (facts) => facts.today === '2026-01-05' ? [{ code: 'HOOKED', message: '示例', field: null }] : [];",
    );
    writeFileSync(path.join(dir, 'sichuan-panzhihua.yaml'), withHook);
    const { rules } = loadRegionFile(path.join(dir, 'sichuan-panzhihua.yaml'));
    expect(rules.hook?.({ today: '2026-01-05' } as never)).toEqual([{ code: 'HOOKED', message: '示例', field: null }]);
  });

  it('is refused when the named hook does not exist', () => {
    expect(problemsOf(withHook)).toEqual([expect.objectContaining({ path: '/rules/hook', rule: 'hook-exists' })]);
  });
});

describe('the designated-hospital step (rules.hospitalReview)', () => {
  const yfText = readFileSync(YF, 'utf8');
  const pzhWith = (rule: string) => pzhText.replace('  hospitalReview: null\n', rule);
  const step = '  hospitalReview:\n    source: "{panzhihua-2025}: 示例"\n    workingDays: 3\n';

  it('is on in Yunfu, citing its document, with a working-day figure flagged illustrative; off in Panzhihua', () => {
    const yf = loadRegionFile(YF).rules.hospitalReview;
    expect(yf).toMatchObject({ workingDays: 3 });
    expect(yf!.source).toContain('《2025年广东云浮门诊特定病种（门特）线上办理指南》');
    expect(yf!.source).toContain('经定点医疗机构审核备案');
    expect(yf!.workingDaysSource).toContain(ILLUSTRATIVE);
    expect(loadRegionFile(PZH).rules.hospitalReview).toBeNull();
    // Omitted altogether: no hospital step either.
    const dir = mkdtempSync(path.join(os.tmpdir(), 'mente-hospital-'));
    writeFileSync(path.join(dir, 'sichuan-panzhihua.yaml'), pzhWith(''));
    expect(loadRegionFile(path.join(dir, 'sichuan-panzhihua.yaml')).rules.hospitalReview).toBeNull();
  });

  it('defaults the working days’ source to {illustrative}', () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'mente-hospital-'));
    const text = pzhWith(step).replace('hospitalRequired: false', 'hospitalRequired: true');
    writeFileSync(path.join(dir, 'sichuan-panzhihua.yaml'), text);
    const rule = loadRegionFile(path.join(dir, 'sichuan-panzhihua.yaml')).rules.hospitalReview;
    expect(rule).toMatchObject({ workingDays: 3, workingDaysSource: ILLUSTRATIVE });
  });

  it('needs hospitalRequired: the reviewing hospital is the one the application names', () => {
    expect(problemsOf(pzhWith(step))).toEqual([
      expect.objectContaining({ path: '/rules/hospitalReview', rule: 'hospital-required' }),
    ]);
  });

  it('is refused without a source, with a working-day figure out of range, or with an unknown key', () => {
    const broken = yfText
      .replace(/ {4}source: '\{yunfu-2025\}: 经定点医疗机构[^\n]*\n/, '')
      .replace('    workingDays: 3\n', '    workingDays: 0\n    days: 3\n');
    const rules = problemsOf(broken, 'guangdong-yunfu').map((p) => `${p.path} ${p.rule}`);
    expect(rules).toEqual(
      expect.arrayContaining([
        '/rules/hospitalReview schema:required',
        '/rules/hospitalReview schema:additionalProperties',
        '/rules/hospitalReview/workingDays schema:minimum',
      ]),
    );
  });
});
