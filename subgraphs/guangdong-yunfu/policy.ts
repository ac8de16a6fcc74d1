// Yunfu (广东 · 云浮, 445300) outpatient special-disease (门特) policy data, version 2025.1.
// Facts come from the 2025 Yunfu guide to applying for 门特 online (粤医保, 粤省事, 广东政务服务网).
// Every value whose `source` contains ILLUSTRATIVE is a placeholder for the official figure.

import { ILLUSTRATIVE, type RegionPolicy } from '../kit/policy';

type DiseasePolicy = RegionPolicy['diseases'][number];
type HospitalPolicy = RegionPolicy['hospitals'][number];

interface DiseaseFacts {
  code: string;
  name: string;
  deductibleExempt: boolean;
  requiresSpecialistHospital: boolean;
  validityMonths: 12 | 24 | 36;
}

function disease(f: DiseaseFacts): DiseasePolicy {
  const parts = [
    'code and name: POLICY.md national codes',
    // POLICY.md names no diseases for Yunfu, only "the Guangdong provincial or Yunfu catalogue".
    `in Guangdong/Yunfu catalogue: ${ILLUSTRATIVE}`,
    // POLICY.md gives no deductible at all for Yunfu.
    `deductible exemption: ${ILLUSTRATIVE}`,
    'photo: not required (POLICY.md lists no photo among Yunfu materials)',
    `specialist certificate (POLICY.md: 部分病种需专科医院出具证明, which diseases: ${ILLUSTRATIVE})`,
    `validity ${f.validityMonths} months (1–3 years from POLICY.md; the per-disease term: ${ILLUSTRATIVE})`,
  ];
  return {
    code: f.code,
    name: f.name,
    deductibleExempt: f.deductibleExempt,
    requiresPhoto: false,
    requiresSpecialistHospital: f.requiresSpecialistHospital,
    validityMonths: f.validityMonths,
    source: parts.join('; '),
  };
}

const HOSPITAL_SOURCE = `list, levels and qualifications: ${ILLUSTRATIVE}`;

function hospital(h: Omit<HospitalPolicy, 'source'>): HospitalPolicy {
  return { ...h, source: HOSPITAL_SOURCE };
}

export const yunfuPolicy: RegionPolicy = {
  version: '2025.1',
  code: '445300',
  name: '云浮市',
  province: '广东省',
  // POLICY.md gives no hotline for Yunfu.
  hotline: null,
  reviewDeadline: {
    workingDays: { min: 1, max: 5 },
    description: '粤医保、粤省事小程序1–3个工作日；广东政务服务网3–5个工作日',
  },
  channels: [
    {
      id: 'yueyibao-mini',
      name: '粤医保小程序',
      kind: 'MINI_PROGRAM',
      reviewWorkingDays: { min: 1, max: 3 },
      functions: ['门慢门特登记'],
      audience: '所有参保人',
      note: '专攻医保业务，流程简洁',
    },
    {
      id: 'yueshengshi-mini',
      name: '粤省事小程序',
      kind: 'MINI_PROGRAM',
      reviewWorkingDays: { min: 1, max: 3 },
      functions: ['医保 → 门特申请'],
      audience: '所有参保人',
      note: '多政务合一，操作便捷',
    },
    {
      id: 'guangdong-government-portal',
      name: '广东政务服务网',
      kind: 'WEB',
      reviewWorkingDays: { min: 3, max: 5 },
      functions: ['医疗保障 → 门特待遇认定', '进度查询'],
      audience: '习惯网页操作者',
      note: '功能全面，可查进度',
    },
  ],
  diseases: [
    disease({
      code: 'M03900',
      name: '高血压',
      deductibleExempt: false,
      requiresSpecialistHospital: false,
      validityMonths: 36,
    }),
    disease({
      code: 'M01600',
      name: '糖尿病',
      deductibleExempt: false,
      requiresSpecialistHospital: false,
      validityMonths: 36,
    }),
    disease({
      code: 'M00500',
      name: '恶性肿瘤门诊治疗',
      deductibleExempt: true,
      requiresSpecialistHospital: true,
      validityMonths: 12,
    }),
    disease({
      code: 'M00503',
      name: '恶性肿瘤（放化疗）',
      deductibleExempt: true,
      requiresSpecialistHospital: true,
      validityMonths: 12,
    }),
    disease({
      code: 'M07800',
      name: '慢性肾功能不全（非透析）',
      deductibleExempt: false,
      requiresSpecialistHospital: false,
      validityMonths: 24,
    }),
    disease({
      code: 'M07803',
      name: '慢性肾功能衰竭（血液透析）',
      deductibleExempt: true,
      requiresSpecialistHospital: false,
      validityMonths: 24,
    }),
    disease({
      code: 'M07804',
      name: '慢性肾功能衰竭（腹膜透析）',
      deductibleExempt: true,
      requiresSpecialistHospital: false,
      validityMonths: 24,
    }),
    disease({
      code: 'M08300',
      name: '器官移植抗排异治疗',
      deductibleExempt: true,
      requiresSpecialistHospital: false,
      validityMonths: 24,
    }),
    disease({
      code: 'M04600',
      name: '冠心病',
      deductibleExempt: false,
      requiresSpecialistHospital: false,
      validityMonths: 24,
    }),
    disease({
      code: 'M05300',
      name: '慢性阻塞性肺疾病',
      deductibleExempt: false,
      requiresSpecialistHospital: false,
      validityMonths: 24,
    }),
    disease({
      code: 'M02101',
      name: '精神分裂症',
      deductibleExempt: false,
      requiresSpecialistHospital: true,
      validityMonths: 24,
    }),
    disease({
      code: 'M02500',
      name: '癫痫',
      deductibleExempt: false,
      requiresSpecialistHospital: false,
      validityMonths: 24,
    }),
  ],
  hospitals: [
    hospital({
      code: 'H44530200001',
      name: '云浮市人民医院',
      level: 'LEVEL_3',
      qualifiedForSpecialDiseases: true,
      specialist: false,
    }),
    hospital({
      code: 'H44530200002',
      name: '云浮市中医院',
      level: 'LEVEL_3',
      qualifiedForSpecialDiseases: true,
      specialist: false,
    }),
    hospital({
      code: 'H44538100001',
      name: '罗定市人民医院',
      level: 'LEVEL_3',
      qualifiedForSpecialDiseases: true,
      specialist: false,
    }),
    hospital({
      code: 'H44532100001',
      name: '新兴县人民医院',
      level: 'LEVEL_2',
      qualifiedForSpecialDiseases: true,
      specialist: false,
    }),
    hospital({
      code: 'H44532200001',
      name: '郁南县人民医院',
      level: 'LEVEL_2',
      qualifiedForSpecialDiseases: true,
      specialist: false,
    }),
    hospital({
      code: 'H44530200003',
      name: '云浮市第二人民医院',
      level: 'LEVEL_2',
      qualifiedForSpecialDiseases: true,
      specialist: true,
    }),
    // A level-2 hospital deliberately NOT qualified for 门特 certification (POLICY.md: must be a
    // qualified Yunfu institution), so that rule can be exercised.
    hospital({
      code: 'H44530300001',
      name: '云安区人民医院',
      level: 'LEVEL_2',
      qualifiedForSpecialDiseases: false,
      specialist: false,
    }),
    hospital({
      code: 'H44532100002',
      name: '新兴县六祖镇卫生院',
      level: 'LEVEL_1',
      qualifiedForSpecialDiseases: false,
      specialist: false,
    }),
  ],
  materials: [
    {
      kind: 'ID_CARD',
      name: '身份证（正反面）',
      required: true,
      dependsOn: 'ALWAYS',
      condition: '身份证、社保卡或医保电子凭证截图三选一',
      validityMonths: null, // POLICY.md: long-term
      minHospitalLevel: null,
      stampRequired: false,
    },
    {
      kind: 'SOCIAL_SECURITY_CARD',
      name: '社保卡',
      required: false,
      dependsOn: 'ALWAYS',
      condition: '可代替身份证',
      validityMonths: null,
      minHospitalLevel: null,
      stampRequired: false,
    },
    {
      kind: 'MEDICAL_INSURANCE_VOUCHER',
      name: '医保电子凭证截图',
      required: false,
      dependsOn: 'ALWAYS',
      condition: '可代替身份证',
      validityMonths: null,
      minHospitalLevel: null,
      stampRequired: false,
    },
    {
      kind: 'DIAGNOSIS_CERTIFICATE',
      name: '诊断证明',
      required: true,
      dependsOn: 'ALWAYS',
      condition: '二级及以上定点医疗机构出具，明确病种名称',
      validityMonths: 6,
      minHospitalLevel: 'LEVEL_2',
      stampRequired: true,
    },
    {
      kind: 'MEDICAL_RECORD',
      name: '病历资料（出院小结、检查报告、门诊病历）',
      required: true,
      dependsOn: 'ALWAYS',
      condition: null,
      validityMonths: 6,
      minHospitalLevel: null,
      stampRequired: true,
    },
    {
      kind: 'APPLICATION_FORM',
      name: '门特申请表',
      required: false,
      dependsOn: 'ALWAYS',
      condition: '部分渠道需填写，可在线生成或下载',
      validityMonths: null,
      minHospitalLevel: null,
      stampRequired: false,
    },
    {
      kind: 'SPECIALIST_CERTIFICATE',
      name: '专科医院证明',
      required: true,
      dependsOn: 'DISEASE_REQUIRES_SPECIALIST',
      condition: '部分病种需专科医院出具证明',
      validityMonths: null,
      minHospitalLevel: null,
      stampRequired: false,
    },
  ],
  // POLICY.md: "The seed gives no deductible or rates for Yunfu" — every figure below is illustrative.
  costSharing: [
    {
      insuranceType: 'EMPLOYEE',
      deductibleFen: 60000,
      annualCapFen: null,
      bandBy: 'AGE',
      source: `deductible, annual cap and age bands: ${ILLUSTRATIVE} (POLICY.md gives no Yunfu figures)`,
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
      deductibleFen: 40000,
      annualCapFen: null,
      bandBy: 'CONTRIBUTION_TIER',
      source: `deductible, annual cap and contribution tiers: ${ILLUSTRATIVE} (POLICY.md gives no Yunfu figures)`,
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
