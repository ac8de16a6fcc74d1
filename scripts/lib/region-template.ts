import { stringify } from 'yaml';

import type { RegistryRegion } from '../../schema/registry';

// The file `npm run new-region` writes (scripts/new-region.ts checks and formats it).

/** Who the new region is and where it is served. */
export type RegionTemplateOptions = Pick<RegistryRegion, 'code' | 'name' | 'province' | 'prefix' | 'subgraph' | 'port'>;

/** National disease codes most catalogues list; which ones this region covers is for its team. */
const COMMON_DISEASES: [string, string][] = [
  ['M03900', '高血压'],
  ['M01600', '糖尿病'],
  ['M00500', '恶性肿瘤门诊治疗'],
  ['M07803', '慢性肾功能衰竭（血液透析）'],
  ['M04600', '冠心病'],
];

/** The new region's file: every figure {illustrative} until the regional team replaces it. */
export function regionTemplate(o: RegionTemplateOptions): string {
  const days = { min: 1, max: 15 };
  const material = (kind: string, name: string, required: boolean, condition: string | null, medical: boolean) => ({
    kind,
    name,
    required,
    dependsOn: 'ALWAYS',
    condition,
    validityMonths: medical ? 6 : null,
    minHospitalLevel: medical ? 'LEVEL_2' : null,
    stampRequired: medical,
    source: 'the rule and every figure: {illustrative}',
  });
  const data = {
    region: { code: o.code, name: o.name, province: o.province, prefix: o.prefix, subgraph: o.subgraph, port: o.port },
    version: '0.1',
    documents: [
      {
        id: 'official',
        title: `${o.name}门诊特殊疾病（门特）认定办法（待填写：文件名）`,
        issuer: `${o.name}医疗保障局（待核实）`,
        date: '2025',
      },
    ],
    hotline: null,
    reviewDeadline: {
      workingDays: days,
      description: `自受理之日起${days.max}个工作日内办结`,
      source: '{illustrative}',
    },
    channels: [
      {
        id: 'medical-insurance-counter',
        name: `${o.name}医保经办窗口`,
        kind: 'COUNTER',
        reviewWorkingDays: days,
        reviewSource: '{illustrative}',
        functions: ['门特申请', '原件核验'],
        audience: `${o.name}参保人员`,
      },
    ],
    diseases: COMMON_DISEASES.map(([code, name]) => ({
      code,
      name,
      deductibleExempt: false,
      requiresPhoto: false,
      requiresSpecialistHospital: false,
      validityMonths: null,
      source: 'code and name: national medical-insurance disease codes; in catalogue and every flag: {illustrative}',
      deductibleExemptSource: '{illustrative}',
    })),
    hospitals: [1, 2].map((n) => ({
      code: `H${o.code}0000${n}`,
      name: `${o.name}示例定点医院（${n === 1 ? '三' : '二'}级）`,
      level: n === 1 ? 'LEVEL_3' : 'LEVEL_2',
      qualifiedForSpecialDiseases: true,
      specialist: false,
      source: 'list, levels and qualification: {illustrative}',
    })),
    materials: [
      {
        ...material('ID_CARD', '身份证（正反面）', false, '身份证、社保卡或医保电子凭证任选其一', false),
        required: undefined,
        requiredWhen: { absentKinds: ['SOCIAL_SECURITY_CARD', 'MEDICAL_INSURANCE_VOUCHER'] },
        missingMessage: '缺少材料：身份证、社保卡或医保电子凭证（任选其一）',
      },
      material('MEDICAL_INSURANCE_VOUCHER', '医保电子凭证', false, '可代替身份证', false),
      material('SOCIAL_SECURITY_CARD', '社保卡', false, '可代替身份证', false),
      material('APPLICATION_FORM', '门诊特殊疾病待遇认定申请表', true, null, false),
      material('DIAGNOSIS_CERTIFICATE', '疾病诊断证明书', true, '二级及以上定点医疗机构出具', true),
      material('MEDICAL_RECORD', '病历资料', true, '二级及以上定点医疗机构出具', true),
    ],
    costSharing: (['EMPLOYEE', 'RESIDENT'] as const).map((insuranceType) => ({
      insuranceType,
      deductibleFen: insuranceType === 'EMPLOYEE' ? 80000 : 50000,
      // A placeholder until someone cites the region's 年度最高支付限额 (the schema requires one).
      annualCapFen: insuranceType === 'EMPLOYEE' ? 15000000 : 8000000,
      bandBy: 'AGE',
      bands: [
        {
          description: '所有年龄',
          rateBasisPoints: insuranceType === 'EMPLOYEE' ? 8500 : 6000,
          minAge: null,
          maxAge: null,
          contributionTier: null,
          source: 'rate: {illustrative}',
          rateSource: '{illustrative}',
        },
      ],
      source: 'deductible and cap: {illustrative}',
      deductibleSource: '{illustrative}',
      annualCapSource: '{illustrative}',
      coverageSource: '{illustrative}',
    })),
    rules: {
      wrongInsuredRegionMessage: `参保地应选择${o.name}（${o.code}），请确认后重新提交`,
      hospitalRequired: false,
      hospitalMustBeQualified: false,
      renewalWindowDays: null,
      changeHospitalPerYear: null,
      remoteCareFilingRequired: false,
      source: 'every setting: {illustrative}',
      // 经定点医疗机构审核备案 (as in Yunfu): { source, workingDays, workingDaysSource } to turn it on.
      hospitalReview: null,
      appeal: {
        periodDays: 60,
        periodSource: '{illustrative}',
        reviewWorkingDays: 15,
        reviewSource: '{illustrative}',
      },
    },
  };
  return [
    '# yaml-language-server: $schema=./region.schema.json',
    `# ${o.province} · ${o.name} (${o.code}): a TEMPLATE written by \`npm run new-region\`; nothing here`,
    `# is ${o.name}'s official policy yet. Replace every {illustrative} figure with the official one and`,
    '# cite its document (add it under `documents`); bump `version` on every change. docs/new-region.md.',
    '# rules.hospitalReview: null = the region reviews new applications itself; a designated-hospital step',
    "# first (经定点医疗机构审核备案, as in Yunfu) is { source: '{<doc>}: …', workingDays: n, workingDaysSource }.",
    // No anchors and aliases: the same object in two places (reviewDeadline's and a channel's working
    // days) is written out twice, so editing one does not silently change the other.
    stringify(data, { lineWidth: 0, aliasDuplicateObjects: false }),
  ].join('\n');
}
