// Panzhihua (四川 · 攀枝花, 510400) outpatient special-disease (门特) policy data, version 2025.1.
// Facts come from the 2025 Panzhihua guide to applying for 门特 by phone (四川医保APP and others).
// Every value whose `source` contains ILLUSTRATIVE is a placeholder for the official figure.

import { ILLUSTRATIVE, type RegionPolicy } from '../kit/policy';

type DiseasePolicy = RegionPolicy['diseases'][number];
type HospitalPolicy = RegionPolicy['hospitals'][number];

const REVIEW_DAYS = { min: 1, max: 15 };

interface DiseaseFacts {
  code: string;
  name: string;
  /** Named in POLICY.md's Panzhihua catalogue examples (高血压, 糖尿病, 恶性肿瘤, 慢性肾功能衰竭). */
  namedInPolicy: boolean;
  deductibleExempt: boolean;
  requiresPhoto: boolean;
  validityMonths: number | null;
}

function disease(f: DiseaseFacts): DiseasePolicy {
  const parts = [
    `code and name: POLICY.md national codes`,
    f.namedInPolicy ? 'in catalogue: POLICY.md (named as an example)' : `in Panzhihua catalogue: ${ILLUSTRATIVE}`,
    `deductible exemption (POLICY.md: 部分病种免起付线, which diseases: ${ILLUSTRATIVE})`,
    f.requiresPhoto
      ? 'photo: POLICY.md (血透、移植类需近期免冠照片)'
      : 'photo: not required (POLICY.md names only 血透、移植类)',
    'specialist hospital: not required (POLICY.md lists no specialist certificate for Panzhihua)',
    f.validityMonths === null
      ? 'validity: POLICY.md gives no fixed term'
      : `validity ${f.validityMonths} months (POLICY.md: 部分病种定期复审, term: ${ILLUSTRATIVE})`,
  ];
  return {
    code: f.code,
    name: f.name,
    deductibleExempt: f.deductibleExempt,
    requiresPhoto: f.requiresPhoto,
    requiresSpecialistHospital: false,
    validityMonths: f.validityMonths,
    source: parts.join('; '),
  };
}

const HOSPITAL_SOURCE = `list, levels and qualifications: ${ILLUSTRATIVE}`;

function hospital(h: Omit<HospitalPolicy, 'source'>): HospitalPolicy {
  return { ...h, source: HOSPITAL_SOURCE };
}

export const panzhihuaPolicy: RegionPolicy = {
  version: '2025.1',
  code: '510400',
  name: '攀枝花市',
  province: '四川省',
  hotline: '0812-3323000',
  reviewDeadline: {
    workingDays: REVIEW_DAYS,
    description: '自受理之日起15个工作日内办结（遇节假日顺延）',
  },
  channels: [
    {
      id: 'sichuan-medical-insurance-app',
      name: '四川医保APP',
      kind: 'APP',
      reviewWorkingDays: REVIEW_DAYS,
      functions: ['门特申请', '异地备案', '信息查询'],
      audience: '四川省内全省参保人员',
    },
    {
      id: 'panzhihua-smart-insurance-mini',
      name: '攀枝花智慧医保小程序',
      kind: 'MINI_PROGRAM',
      reviewWorkingDays: REVIEW_DAYS,
      functions: ['门特申请', '缴费查询', '医保电子凭证'],
      audience: '攀枝花本地参保人员',
    },
    {
      id: 'national-medical-insurance-app',
      name: '国家医保服务平台APP',
      kind: 'APP',
      reviewWorkingDays: REVIEW_DAYS,
      functions: ['门特申请', '跨省结算', '政策查询'],
      audience: '全国参保人员',
    },
    {
      // Hours, one visit and the 15-day limit: POLICY.md. Audience: the seed's online/offline
      // comparison table (适用人群 row), which POLICY.md does not restate.
      id: 'panzhihua-counter',
      name: '攀枝花市政务中心医保窗口',
      kind: 'COUNTER',
      reviewWorkingDays: REVIEW_DAYS,
      functions: ['门特申请', '原件核验'],
      audience: '不熟悉手机操作、材料复杂需协助者',
      hours: '工作日 9:00-12:00，13:30-17:00',
      note: '需到现场1次核验原件',
    },
  ],
  diseases: [
    disease({
      code: 'M03900',
      name: '高血压',
      namedInPolicy: true,
      deductibleExempt: false,
      requiresPhoto: false,
      validityMonths: null,
    }),
    disease({
      code: 'M01600',
      name: '糖尿病',
      namedInPolicy: true,
      deductibleExempt: false,
      requiresPhoto: false,
      validityMonths: null,
    }),
    disease({
      code: 'M00500',
      name: '恶性肿瘤门诊治疗',
      namedInPolicy: true,
      deductibleExempt: true,
      requiresPhoto: false,
      validityMonths: null,
    }),
    disease({
      code: 'M00503',
      name: '恶性肿瘤（放化疗）',
      namedInPolicy: true,
      deductibleExempt: true,
      requiresPhoto: false,
      validityMonths: null,
    }),
    disease({
      code: 'M07800',
      name: '慢性肾功能不全（非透析）',
      namedInPolicy: true,
      deductibleExempt: false,
      requiresPhoto: false,
      validityMonths: 24,
    }),
    disease({
      code: 'M07803',
      name: '慢性肾功能衰竭（血液透析）',
      namedInPolicy: true,
      deductibleExempt: true,
      requiresPhoto: true,
      validityMonths: null,
    }),
    disease({
      code: 'M07804',
      name: '慢性肾功能衰竭（腹膜透析）',
      namedInPolicy: true,
      deductibleExempt: true,
      requiresPhoto: true,
      validityMonths: null,
    }),
    disease({
      code: 'M08300',
      name: '器官移植抗排异治疗',
      namedInPolicy: false,
      deductibleExempt: true,
      requiresPhoto: true,
      validityMonths: null,
    }),
    disease({
      code: 'M04600',
      name: '冠心病',
      namedInPolicy: false,
      deductibleExempt: false,
      requiresPhoto: false,
      validityMonths: 24,
    }),
    disease({
      code: 'M05300',
      name: '慢性阻塞性肺疾病',
      namedInPolicy: false,
      deductibleExempt: false,
      requiresPhoto: false,
      validityMonths: null,
    }),
    disease({
      code: 'M02101',
      name: '精神分裂症',
      namedInPolicy: false,
      deductibleExempt: false,
      requiresPhoto: false,
      validityMonths: null,
    }),
    disease({
      code: 'M02500',
      name: '癫痫',
      namedInPolicy: false,
      deductibleExempt: false,
      requiresPhoto: false,
      validityMonths: null,
    }),
  ],
  hospitals: [
    hospital({
      code: 'H51040200001',
      name: '攀枝花市中心医院',
      level: 'LEVEL_3',
      qualifiedForSpecialDiseases: true,
      specialist: false,
    }),
    hospital({
      code: 'H51040200002',
      name: '攀枝花市第二人民医院',
      level: 'LEVEL_3',
      qualifiedForSpecialDiseases: true,
      specialist: false,
    }),
    hospital({
      code: 'H51040200003',
      name: '攀钢集团总医院',
      level: 'LEVEL_3',
      qualifiedForSpecialDiseases: true,
      specialist: false,
    }),
    hospital({
      code: 'H51041100001',
      name: '攀枝花市中西医结合医院',
      level: 'LEVEL_3',
      qualifiedForSpecialDiseases: true,
      specialist: false,
    }),
    hospital({
      code: 'H51041100002',
      name: '攀枝花市第三人民医院',
      level: 'LEVEL_2',
      qualifiedForSpecialDiseases: true,
      specialist: true,
    }),
    hospital({
      code: 'H51042100001',
      name: '米易县人民医院',
      level: 'LEVEL_2',
      qualifiedForSpecialDiseases: true,
      specialist: false,
    }),
    hospital({
      code: 'H51042200001',
      name: '盐边县人民医院',
      level: 'LEVEL_2',
      qualifiedForSpecialDiseases: true,
      specialist: false,
    }),
    hospital({
      code: 'H51040200004',
      name: '攀枝花市东区炳草岗街道社区卫生服务中心',
      level: 'LEVEL_1',
      qualifiedForSpecialDiseases: false,
      specialist: false,
    }),
  ],
  materials: [
    {
      kind: 'ID_CARD',
      name: '身份证（正反面）或医保电子凭证',
      required: true,
      dependsOn: 'ALWAYS',
      condition: '可用医保电子凭证代替',
      validityMonths: null,
      minHospitalLevel: null,
      stampRequired: false,
    },
    {
      kind: 'MEDICAL_INSURANCE_VOUCHER',
      name: '医保电子凭证',
      required: false,
      dependsOn: 'ALWAYS',
      condition: '可代替身份证',
      validityMonths: null,
      minHospitalLevel: null,
      stampRequired: false,
    },
    {
      kind: 'SOCIAL_SECURITY_CARD',
      name: '社保卡照片',
      required: false,
      dependsOn: 'ALWAYS',
      condition: '无医保电子凭证时需提供',
      validityMonths: null,
      minHospitalLevel: null,
      stampRequired: false,
    },
    {
      kind: 'APPLICATION_FORM',
      name: '门诊慢特病病种待遇认定申请表',
      required: true,
      dependsOn: 'ALWAYS',
      condition: 'APP内在线填写并签名',
      validityMonths: null,
      minHospitalLevel: null,
      stampRequired: false,
    },
    {
      kind: 'DIAGNOSIS_CERTIFICATE',
      name: '疾病诊断证明书',
      required: true,
      dependsOn: 'ALWAYS',
      condition: null,
      validityMonths: 6,
      minHospitalLevel: 'LEVEL_2',
      stampRequired: true,
    },
    {
      // Half a year, stamped: POLICY.md's materials table. Level 2+: the seed's 申请资格 line
      // (二级及以上医疗机构出具的相关诊断证明和病历资料); POLICY.md states the level only for the diagnosis.
      kind: 'MEDICAL_RECORD',
      name: '检查报告/病历资料（化验单、影像学报告、病理报告、出院记录或门诊病历）',
      required: true,
      dependsOn: 'ALWAYS',
      condition: '近半年内，清晰完整',
      validityMonths: 6,
      minHospitalLevel: 'LEVEL_2',
      stampRequired: true,
    },
    {
      kind: 'PHOTO',
      name: '近期免冠照片',
      required: true,
      dependsOn: 'DISEASE_REQUIRES_PHOTO',
      condition: '血透、移植类等特殊病种需提供',
      validityMonths: null,
      minHospitalLevel: null,
      stampRequired: false,
    },
  ],
  costSharing: [
    {
      insuranceType: 'EMPLOYEE',
      deductibleFen: 80000,
      annualCapFen: null,
      bandBy: 'AGE',
      source: `POLICY.md: 起付标准800元/年, 报销比例85%（随年龄递增）; annual cap: not given in POLICY.md; age bands: ${ILLUSTRATIVE}`,
      bands: [
        {
          description: '在职（45岁以下）',
          rateBasisPoints: 8500,
          minAge: null,
          maxAge: 44,
          contributionTier: null,
          source: `POLICY.md: 85%; age boundary: ${ILLUSTRATIVE}`,
        },
        {
          description: '在职（45岁及以上）',
          rateBasisPoints: 8800,
          minAge: 45,
          maxAge: 59,
          contributionTier: null,
          source: `POLICY.md: 随年龄递增 (rate and age boundaries: ${ILLUSTRATIVE})`,
        },
        {
          description: '60岁及以上',
          rateBasisPoints: 9000,
          minAge: 60,
          maxAge: null,
          contributionTier: null,
          source: `POLICY.md: 随年龄递增 (rate and age boundary: ${ILLUSTRATIVE})`,
        },
      ],
    },
    {
      insuranceType: 'RESIDENT',
      deductibleFen: 50000,
      annualCapFen: null,
      bandBy: 'CONTRIBUTION_TIER',
      source: `POLICY.md: 起付标准500元/年, 报销比例53%~68%（按缴费档次）; annual cap: not given in POLICY.md; tier boundaries: ${ILLUSTRATIVE}`,
      bands: [
        {
          description: '一档缴费',
          rateBasisPoints: 5300,
          minAge: null,
          maxAge: null,
          contributionTier: 1,
          source: `POLICY.md: 53% (lower endpoint); tier numbering: ${ILLUSTRATIVE}`,
        },
        {
          description: '二档缴费',
          rateBasisPoints: 6000,
          minAge: null,
          maxAge: null,
          contributionTier: 2,
          source: `POLICY.md: 53%~68%; middle tier rate: ${ILLUSTRATIVE}`,
        },
        {
          description: '三档缴费',
          rateBasisPoints: 6800,
          minAge: null,
          maxAge: null,
          contributionTier: 3,
          source: `POLICY.md: 68% (upper endpoint); tier numbering: ${ILLUSTRATIVE}`,
        },
      ],
    },
  ],
};
