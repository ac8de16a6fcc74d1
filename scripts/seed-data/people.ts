// Deterministic demo dataset for development and tests: 42 people insured in Panzhihua (510400)
// or Yunfu (445300), with the records each regional database holds about them (insured status,
// applications with materials and status history, certifications, remote-care filings).
//
// Nothing here reads the clock or a random source: every value is derived from the tables below,
// so national and regional seeds always agree. The data are written as of DEMO_REFERENCE_DATE
// (2026-11-20): no event happens on or after it, and a few ACCEPTED applications are overdue then.
//
// All names, ID numbers and phone numbers are fictitious (ID numbers are well-formed only).
//
// Conventions:
//   - application id = acceptance number, sequence counted per region per acceptance day;
//   - due date = addWorkingDays(acceptedOn, channel.reviewWorkingDays.max);
//   - a certification's validFrom is the decision date, validUntil = validFrom + disease.validityMonths
//     (null when the disease has no fixed term) and, in Yunfu, renewableFrom = validUntil − 30 days.
//     When a later approved RENEWAL or CHANGE_HOSPITAL replaces a certification for the same
//     disease, the earlier one ends the day before the new one starts (so at most one is current);
//   - certifications with applicationId null predate the dataset (ids 'C-<region>-L<n>').

import { createHash } from 'node:crypto';

import { formatAcceptanceNumber } from '../../subgraphs/kit/domain/acceptance-number';
import { addDays, addMonths, addWorkingDays } from '../../subgraphs/kit/domain/calendar';
import type { MaterialKind, RegionPolicy } from '../../subgraphs/kit/domain/policy';
import { loadRegion } from '../../subgraphs/kit/domain/region-file';
import type {
  ApplicationRow,
  ApplicationStatus,
  ApplicationType,
  CertificationRow,
  InsuredPersonRow,
  MaterialFileRow,
  RemoteCareFilingRow,
  StatusEventRow,
} from '../../subgraphs/kit/persistence/db/record.entities';

const panzhihuaPolicy = loadRegion('sichuan-panzhihua').policy;
const yunfuPolicy = loadRegion('guangdong-yunfu').policy;

export type DemoRegionCode = '510400' | '445300';

export interface DemoPerson {
  /** National person number 'P000001'…. */
  id: string;
  name: string;
  /** GB 11643-1999, address code = a district of the insured region. */
  idNumber: string;
  phone: string;
  insuredRegionCode: DemoRegionCode;
  insuranceType: 'EMPLOYEE' | 'RESIDENT';
  /** RESIDENT only: Panzhihua 1–3, Yunfu 1–2; null for EMPLOYEE. */
  contributionTier: number | null;
  /** null = lives in the insured region; otherwise the region where the person lives long-term. */
  residenceRegionCode: string | null;
  status: 'NORMAL' | 'SUSPENDED';
  inArrears: boolean;
}

export interface DemoRecords {
  insured: InsuredPersonRow[];
  applications: ApplicationRow[];
  materials: MaterialFileRow[];
  events: StatusEventRow[];
  certifications: CertificationRow[];
  filings: RemoteCareFilingRow[];
}

/** The day the dataset is written "as of": every event is before it. */
export const DEMO_REFERENCE_DATE = '2026-11-20';

const DEMO_REGION_POLICIES: Readonly<Record<DemoRegionCode, RegionPolicy>> = {
  '510400': panzhihuaPolicy,
  '445300': yunfuPolicy,
};

const REGION_FULL_NAMES: Readonly<Record<DemoRegionCode, string>> = {
  '510400': '四川省攀枝花市',
  '445300': '广东省云浮市',
};

/**
 * Named people tests can rely on:
 * - panzhihuaWithHistoryInBoth: insured in Panzhihua now (NORMAL); formerly insured in Yunfu, where
 *   the insured_person row is SUSPENDED and an expired certification (M03900, 2022-06-15 … 2025-06-15)
 *   remains; holds a current Panzhihua certification (M03900, no end date).
 * - panzhihuaLivingInYunfu: insured in Panzhihua, residenceRegionCode '445300', with an open-ended
 *   Panzhihua remote-care filing (residence 445300 '广东省云浮市') and an approved application.
 * - panzhihuaLivingInYunfuUnfiled: the same situation with no filing; its one application was REJECTED.
 * - yunfuInArrears: insured in Yunfu (RESIDENT), inArrears; an approved 2025 certification and a
 *   2026 application REJECTED for the arrears.
 * - panzhihuaSuspended: insured in Panzhihua with status SUSPENDED; one REJECTED application.
 * - yunfuWithOpenApplication: insured in Yunfu with an ACCEPTED (undecided, not yet overdue) application.
 * - panzhihuaNoRecords: insured in Panzhihua (NORMAL), with no applications, certifications or filings.
 */
export const DEMO_PERSONS = {
  panzhihuaWithHistoryInBoth: 'P000003',
  panzhihuaLivingInYunfu: 'P000005',
  panzhihuaLivingInYunfuUnfiled: 'P000006',
  yunfuInArrears: 'P000030',
  panzhihuaSuspended: 'P000010',
  yunfuWithOpenApplication: 'P000025',
  panzhihuaNoRecords: 'P000022',
} as const;

// ---------------------------------------------------------------------------------------------
// People

interface PersonSpec {
  name: string;
  sex: 'M' | 'F';
  /** YYYYMMDD */
  birth: string;
  district: string;
  type: 'EMPLOYEE' | 'RESIDENT';
  tier?: number;
  residence?: DemoRegionCode;
  suspended?: boolean;
  arrears?: boolean;
}

const PZH = '510400' as const;
const YF = '445300' as const;

const PERSON_SPECS: ReadonlyArray<[DemoRegionCode, PersonSpec]> = [
  // Panzhihua: P000001–P000022
  [PZH, { name: '张建国', sex: 'M', birth: '19560418', district: '510402', type: 'EMPLOYEE' }],
  [PZH, { name: '李秀英', sex: 'F', birth: '19491102', district: '510403', type: 'RESIDENT', tier: 2 }],
  [PZH, { name: '王志强', sex: 'M', birth: '19680723', district: '510411', type: 'EMPLOYEE' }],
  [PZH, { name: '刘桂兰', sex: 'F', birth: '19520130', district: '510421', type: 'RESIDENT', tier: 1 }],
  [PZH, { name: '陈德明', sex: 'M', birth: '19600914', district: '510402', type: 'EMPLOYEE', residence: YF }],
  [PZH, { name: '杨淑珍', sex: 'F', birth: '19550506', district: '510403', type: 'RESIDENT', tier: 3, residence: YF }],
  [PZH, { name: '赵国华', sex: 'M', birth: '19711211', district: '510422', type: 'EMPLOYEE' }],
  [PZH, { name: '黄丽娟', sex: 'F', birth: '19760327', district: '510402', type: 'EMPLOYEE' }],
  [PZH, { name: '周文斌', sex: 'M', birth: '19830819', district: '510411', type: 'EMPLOYEE' }],
  [
    PZH,
    { name: '吴玉梅', sex: 'F', birth: '19641005', district: '510421', type: 'RESIDENT', tier: 1, suspended: true },
  ],
  [PZH, { name: '徐海涛', sex: 'M', birth: '19790228', district: '510403', type: 'EMPLOYEE' }],
  [PZH, { name: '孙凤英', sex: 'F', birth: '19470615', district: '510422', type: 'RESIDENT', tier: 2, arrears: true }],
  [PZH, { name: '马俊杰', sex: 'M', birth: '20090901', district: '510402', type: 'RESIDENT', tier: 2 }],
  [PZH, { name: '朱慧敏', sex: 'F', birth: '19880409', district: '510411', type: 'EMPLOYEE' }],
  [PZH, { name: '胡振华', sex: 'M', birth: '19621120', district: '510421', type: 'EMPLOYEE', residence: YF }],
  [PZH, { name: '郭春燕', sex: 'F', birth: '19730707', district: '510403', type: 'RESIDENT', tier: 3 }],
  [PZH, { name: '何永福', sex: 'M', birth: '19451225', district: '510402', type: 'RESIDENT', tier: 1 }],
  [PZH, { name: '高晓丽', sex: 'F', birth: '19900116', district: '510422', type: 'EMPLOYEE', arrears: true }],
  [PZH, { name: '林建军', sex: 'M', birth: '19660531', district: '510411', type: 'EMPLOYEE' }],
  [PZH, { name: '罗秀兰', sex: 'F', birth: '19580808', district: '510421', type: 'RESIDENT', tier: 2 }],
  [PZH, { name: '梁志明', sex: 'M', birth: '20120303', district: '510403', type: 'RESIDENT', tier: 1 }],
  [PZH, { name: '宋雅琴', sex: 'F', birth: '19851010', district: '510402', type: 'EMPLOYEE' }],
  // Yunfu: P000023–P000042
  [YF, { name: '谢伟强', sex: 'M', birth: '19590214', district: '445302', type: 'EMPLOYEE' }],
  [YF, { name: '唐美玲', sex: 'F', birth: '19510721', district: '445381', type: 'RESIDENT', tier: 1 }],
  [YF, { name: '韩家明', sex: 'M', birth: '19700512', district: '445321', type: 'EMPLOYEE' }],
  [YF, { name: '冯玉珍', sex: 'F', birth: '19570903', district: '445322', type: 'RESIDENT', tier: 2, residence: PZH }],
  [YF, { name: '邓国栋', sex: 'M', birth: '19630108', district: '445303', type: 'EMPLOYEE' }],
  [YF, { name: '曹淑芬', sex: 'F', birth: '19480426', district: '445381', type: 'RESIDENT', tier: 2 }],
  [YF, { name: '彭志勇', sex: 'M', birth: '19751117', district: '445302', type: 'EMPLOYEE' }],
  [YF, { name: '曾丽华', sex: 'F', birth: '19670602', district: '445321', type: 'RESIDENT', tier: 1, arrears: true }],
  [YF, { name: '肖德胜', sex: 'M', birth: '19421030', district: '445322', type: 'RESIDENT', tier: 1 }],
  [YF, { name: '田秀梅', sex: 'F', birth: '19801219', district: '445302', type: 'EMPLOYEE' }],
  [YF, { name: '董立新', sex: 'M', birth: '19610309', district: '445303', type: 'EMPLOYEE', residence: PZH }],
  [YF, { name: '袁晓燕', sex: 'F', birth: '19860825', district: '445381', type: 'EMPLOYEE' }],
  [YF, { name: '潘永强', sex: 'M', birth: '19690404', district: '445321', type: 'RESIDENT', tier: 2, suspended: true }],
  [YF, { name: '蒋桂芳', sex: 'F', birth: '19530211', district: '445322', type: 'RESIDENT', tier: 1 }],
  [YF, { name: '蔡明辉', sex: 'M', birth: '20060630', district: '445302', type: 'RESIDENT', tier: 2 }],
  [YF, { name: '余春梅', sex: 'F', birth: '19720909', district: '445381', type: 'EMPLOYEE', arrears: true }],
  [YF, { name: '杜文华', sex: 'M', birth: '19501201', district: '445303', type: 'RESIDENT', tier: 2 }],
  [YF, { name: '叶淑华', sex: 'F', birth: '19540520', district: '445321', type: 'EMPLOYEE', residence: PZH }],
  [YF, { name: '程浩然', sex: 'M', birth: '19920714', district: '445302', type: 'EMPLOYEE' }],
  [YF, { name: '魏兰英', sex: 'F', birth: '19460318', district: '445381', type: 'RESIDENT', tier: 1 }],
];

const ID_WEIGHTS = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2];
const ID_CHECK_CHARS = '10X98765432';

function idCheckChar(first17: string): string {
  let sum = 0;
  for (let i = 0; i < 17; i++) sum += Number(first17[i]) * ID_WEIGHTS[i]!;
  return ID_CHECK_CHARS[sum % 11]!;
}

const MOBILE_PREFIXES = [
  '138',
  '139',
  '135',
  '136',
  '137',
  '150',
  '151',
  '152',
  '158',
  '159',
  '182',
  '187',
  '188',
  '189',
];

function personId(n: number): string {
  return `P${String(n).padStart(6, '0')}`;
}

function buildPerson([region, s]: [DemoRegionCode, PersonSpec], index: number): DemoPerson {
  const n = index + 1;
  const base = (n * 37) % 499;
  const order = String(s.sex === 'M' ? 2 * base + 1 : 2 * base + 2).padStart(3, '0');
  const first17 = `${s.district}${s.birth}${order}`;
  const phoneBody = String((n * 337_897 + 13_579_246) % 100_000_000).padStart(8, '0');
  return {
    id: personId(n),
    name: s.name,
    idNumber: first17 + idCheckChar(first17),
    phone: MOBILE_PREFIXES[index % MOBILE_PREFIXES.length]! + phoneBody,
    insuredRegionCode: region,
    insuranceType: s.type,
    contributionTier: s.type === 'RESIDENT' ? (s.tier ?? 1) : null,
    residenceRegionCode: s.residence ?? null,
    status: s.suspended ? 'SUSPENDED' : 'NORMAL',
    inArrears: s.arrears ?? false,
  };
}

export const DEMO_PEOPLE: readonly DemoPerson[] = Object.freeze(
  PERSON_SPECS.map((spec, index) => Object.freeze(buildPerson(spec, index))),
);

const PEOPLE_BY_ID = new Map(DEMO_PEOPLE.map((p) => [p.id, p]));

function person(id: string): DemoPerson {
  const p = PEOPLE_BY_ID.get(id);
  if (!p) throw new Error(`demo data: unknown person ${id}`);
  return p;
}

/** Earlier insurance in the other region (people with records in both regions). */
const FORMER_INSURANCE: ReadonlyArray<{
  personId: string;
  regionCode: DemoRegionCode;
  insuranceType: 'EMPLOYEE' | 'RESIDENT';
  contributionTier: number | null;
}> = [
  { personId: 'P000003', regionCode: YF, insuranceType: 'EMPLOYEE', contributionTier: null },
  { personId: 'P000019', regionCode: YF, insuranceType: 'EMPLOYEE', contributionTier: null },
  { personId: 'P000032', regionCode: PZH, insuranceType: 'EMPLOYEE', contributionTier: null },
];

// ---------------------------------------------------------------------------------------------
// Applications

type Step =
  | { status: 'SUPPLEMENT_REQUESTED'; wd: number; kind: MaterialKind; request: string }
  /** The applicant supplied the requested material; review resumes. */
  | { status: 'ACCEPTED'; wd: number }
  | { status: 'APPROVED'; wd: number }
  | { status: 'REJECTED'; wd: number; reason: string }
  | { status: 'WITHDRAWN'; wd: number; note: string };

interface ApplicationSpec {
  ref?: string;
  person: string;
  /** Defaults to the person's insured region (set for applications from a former insurance). */
  region?: DemoRegionCode;
  type: ApplicationType;
  disease: string;
  channel: string;
  hospital: string;
  on: string;
  /** HH:MM of submission. */
  at: string;
  /** Status changes after acceptance, `wd` working days after acceptedOn (strictly increasing). */
  steps: Step[];
  previous?: string;
}

const approve = (wd: number): Step[] => [{ status: 'APPROVED', wd }];
const reject = (wd: number, reason: string): Step[] => [{ status: 'REJECTED', wd, reason }];
const withdraw = (wd: number, note: string): Step[] => [{ status: 'WITHDRAWN', wd, note }];
const supplement = (wd: number, kind: MaterialKind, request: string): Step => ({
  status: 'SUPPLEMENT_REQUESTED',
  wd,
  kind,
  request,
});
const resubmit = (wd: number): Step => ({ status: 'ACCEPTED', wd });

const REASON_ARREARS = '存在医保费欠缴，参保状态异常，请补缴欠费后再申请';
const REASON_SUSPENDED = '参保状态为暂停参保，不符合门特待遇认定申请条件，请恢复正常参保后再申请';

const APPLICATION_SPECS: readonly ApplicationSpec[] = [
  // ---- Panzhihua (510400), 15 working days on every channel
  {
    person: 'P000001',
    type: 'NEW',
    disease: 'M03900',
    channel: 'panzhihua-smart-insurance-mini',
    hospital: 'H51040200001',
    on: '2025-03-10',
    at: '09:30',
    steps: approve(6),
  },
  {
    person: 'P000002',
    type: 'NEW',
    disease: 'M01600',
    channel: 'sichuan-medical-insurance-app',
    hospital: 'H51040200002',
    on: '2025-03-18',
    at: '20:14',
    steps: [
      supplement(3, 'MEDICAL_RECORD', '病历资料：请补充近半年内的糖化血红蛋白检验报告或门诊病历'),
      resubmit(5),
      ...approve(9),
    ],
  },
  {
    person: 'P000004',
    type: 'NEW',
    disease: 'M07803',
    channel: 'panzhihua-counter',
    hospital: 'H51042100001',
    on: '2025-04-08',
    at: '10:25',
    steps: approve(8),
  },
  {
    ref: 'p8-first',
    person: 'P000008',
    type: 'NEW',
    disease: 'M04600',
    channel: 'national-medical-insurance-app',
    hospital: 'H51040200003',
    on: '2025-04-22',
    at: '11:42',
    steps: reject(10, '提交的病历资料未体现冠状动脉造影等相关检查结果，不符合冠心病门特认定标准，可补充材料后重新申请'),
  },
  {
    person: 'P000007',
    type: 'NEW',
    disease: 'M05300',
    channel: 'sichuan-medical-insurance-app',
    hospital: 'H51042200001',
    on: '2025-05-13',
    at: '15:06',
    steps: approve(5),
  },
  {
    person: 'P000008',
    type: 'NEW',
    disease: 'M04600',
    channel: 'national-medical-insurance-app',
    hospital: 'H51040200003',
    on: '2025-06-10',
    at: '19:58',
    previous: 'p8-first',
    steps: approve(7),
  },
  {
    person: 'P000009',
    type: 'NEW',
    disease: 'M02101',
    channel: 'panzhihua-smart-insurance-mini',
    hospital: 'H51041100002',
    on: '2025-06-17',
    at: '08:47',
    steps: withdraw(2, '申请人撤回申请：需更换出具诊断证明的医院'),
  },
  {
    person: 'P000011',
    type: 'NEW',
    disease: 'M00500',
    channel: 'sichuan-medical-insurance-app',
    hospital: 'H51040200001',
    on: '2025-07-08',
    at: '14:21',
    steps: approve(4),
  },
  {
    person: 'P000013',
    type: 'NEW',
    disease: 'M02500',
    channel: 'panzhihua-smart-insurance-mini',
    hospital: 'H51041100002',
    on: '2025-08-05',
    at: '21:03',
    steps: approve(9),
  },
  {
    ref: 'p14-first',
    person: 'P000014',
    type: 'NEW',
    disease: 'M01600',
    channel: 'national-medical-insurance-app',
    hospital: 'H51040200002',
    on: '2025-09-02',
    at: '12:37',
    steps: reject(11, '糖化血红蛋白及空腹血糖检测结果未达到糖尿病门特认定标准'),
  },
  {
    person: 'P000016',
    type: 'NEW',
    disease: 'M00503',
    channel: 'panzhihua-counter',
    hospital: 'H51040200001',
    on: '2025-09-16',
    at: '15:35',
    steps: approve(6),
  },
  {
    person: 'P000017',
    type: 'NEW',
    disease: 'M07800',
    channel: 'sichuan-medical-insurance-app',
    hospital: 'H51040200003',
    on: '2025-10-14',
    at: '10:08',
    steps: approve(12),
  },
  {
    person: 'P000020',
    type: 'NEW',
    disease: 'M03900',
    channel: 'panzhihua-smart-insurance-mini',
    hospital: 'H51042100001',
    on: '2025-11-04',
    at: '18:26',
    steps: [
      supplement(4, 'DIAGNOSIS_CERTIFICATE', '疾病诊断证明书：请补充二级及以上医院出具并加盖公章的诊断证明'),
      { status: 'WITHDRAWN', wd: 9, note: '申请人撤回申请：待取得诊断证明后重新申请' },
    ],
  },
  {
    person: 'P000005',
    type: 'NEW',
    disease: 'M01600',
    channel: 'sichuan-medical-insurance-app',
    hospital: 'H51040200001',
    on: '2025-11-18',
    at: '07:52',
    steps: approve(10),
  },
  {
    person: 'P000001',
    type: 'CHANGE_HOSPITAL',
    disease: 'M03900',
    channel: 'panzhihua-smart-insurance-mini',
    hospital: 'H51040200002',
    on: '2025-12-09',
    at: '16:44',
    steps: approve(3),
  },
  {
    person: 'P000003',
    type: 'NEW',
    disease: 'M03900',
    channel: 'national-medical-insurance-app',
    hospital: 'H51041100001',
    on: '2025-12-16',
    at: '09:12',
    steps: approve(8),
  },
  {
    person: 'P000006',
    type: 'NEW',
    disease: 'M03900',
    channel: 'sichuan-medical-insurance-app',
    hospital: 'H51040200002',
    on: '2026-01-13',
    at: '20:31',
    steps: reject(6, '申请人长期居住在广东省云浮市，未办理异地就医备案，请先通过四川医保APP办理异地就医备案后再申请'),
  },
  {
    person: 'P000010',
    type: 'NEW',
    disease: 'M07804',
    channel: 'panzhihua-counter',
    hospital: 'H51042100001',
    on: '2026-03-10',
    at: '09:48',
    steps: reject(4, REASON_SUSPENDED),
  },
  {
    person: 'P000012',
    type: 'NEW',
    disease: 'M04600',
    channel: 'sichuan-medical-insurance-app',
    hospital: 'H51042200001',
    on: '2026-03-24',
    at: '13:15',
    steps: reject(5, REASON_ARREARS),
  },
  {
    person: 'P000019',
    type: 'NEW',
    disease: 'M00503',
    channel: 'sichuan-medical-insurance-app',
    hospital: 'H51040200001',
    on: '2026-04-14',
    at: '10:56',
    steps: approve(5),
  },
  {
    person: 'P000015',
    type: 'NEW',
    disease: 'M00500',
    channel: 'national-medical-insurance-app',
    hospital: 'H51040200003',
    on: '2026-04-21',
    at: '17:20',
    steps: approve(7),
  },
  {
    person: 'P000014',
    type: 'NEW',
    disease: 'M01600',
    channel: 'national-medical-insurance-app',
    hospital: 'H51040200002',
    on: '2026-05-12',
    at: '11:03',
    previous: 'p14-first',
    steps: approve(6),
  },
  {
    person: 'P000009',
    type: 'RENEWAL',
    disease: 'M04600',
    channel: 'panzhihua-smart-insurance-mini',
    hospital: 'H51040200002',
    on: '2026-05-19',
    at: '08:15',
    steps: approve(9),
  },
  {
    person: 'P000018',
    type: 'NEW',
    disease: 'M02500',
    channel: 'panzhihua-smart-insurance-mini',
    hospital: 'H51042200001',
    on: '2026-06-09',
    at: '22:07',
    steps: withdraw(1, '申请人撤回申请：需先补缴欠费'),
  },
  {
    person: 'P000020',
    type: 'NEW',
    disease: 'M03900',
    channel: 'panzhihua-smart-insurance-mini',
    hospital: 'H51042100001',
    on: '2026-07-14',
    at: '10:40',
    steps: approve(5),
  },
  {
    person: 'P000021',
    type: 'NEW',
    disease: 'M02500',
    channel: 'sichuan-medical-insurance-app',
    hospital: 'H51040200001',
    on: '2026-08-18',
    at: '19:19',
    steps: [supplement(3, 'MEDICAL_RECORD', '病历资料：请补充近半年内的脑电图检查报告或门诊病历')],
  },
  {
    person: 'P000011',
    type: 'CHANGE_HOSPITAL',
    disease: 'M00500',
    channel: 'sichuan-medical-insurance-app',
    hospital: 'H51041100001',
    on: '2026-09-08',
    at: '12:02',
    steps: approve(4),
  },
  // Open and overdue on 2026-11-20:
  {
    person: 'P000016',
    type: 'CHANGE_HOSPITAL',
    disease: 'M00503',
    channel: 'panzhihua-counter',
    hospital: 'H51040200003',
    on: '2026-10-20',
    at: '14:26',
    steps: [],
  },
  {
    person: 'P000007',
    type: 'NEW',
    disease: 'M03900',
    channel: 'national-medical-insurance-app',
    hospital: 'H51042200001',
    on: '2026-10-27',
    at: '09:37',
    steps: [],
  },
  // Open, not yet due on 2026-11-20 (two on one day: sequences 1 and 2):
  {
    person: 'P000002',
    type: 'CHANGE_HOSPITAL',
    disease: 'M01600',
    channel: 'sichuan-medical-insurance-app',
    hospital: 'H51040200001',
    on: '2026-11-05',
    at: '08:58',
    steps: [],
  },
  {
    person: 'P000015',
    type: 'NEW',
    disease: 'M03900',
    channel: 'national-medical-insurance-app',
    hospital: 'H51040200003',
    on: '2026-11-05',
    at: '15:13',
    steps: [],
  },
  {
    person: 'P000004',
    type: 'NEW',
    disease: 'M03900',
    channel: 'panzhihua-smart-insurance-mini',
    hospital: 'H51042100001',
    on: '2026-11-12',
    at: '10:31',
    steps: [supplement(3, 'DIAGNOSIS_CERTIFICATE', '疾病诊断证明书：请补充二级及以上医院出具的高血压诊断证明')],
  },

  // ---- Yunfu (445300): mini programs 3 working days, web portal 5
  {
    person: 'P000019',
    region: YF,
    type: 'NEW',
    disease: 'M00503',
    channel: 'yueyibao-mini',
    hospital: 'H44530200001',
    on: '2025-03-11',
    at: '09:22',
    steps: approve(2),
  },
  {
    person: 'P000024',
    type: 'NEW',
    disease: 'M03900',
    channel: 'yueshengshi-mini',
    hospital: 'H44538100001',
    on: '2025-03-11',
    at: '16:05',
    steps: approve(3),
  },
  {
    ref: 'p27-first',
    person: 'P000027',
    type: 'NEW',
    disease: 'M01600',
    channel: 'guangdong-government-portal',
    hospital: 'H44530200002',
    on: '2025-04-15',
    at: '10:48',
    steps: reject(4, '诊断证明未明确病种名称，不符合认定要求，可补充材料后重新申请'),
  },
  {
    person: 'P000027',
    type: 'NEW',
    disease: 'M01600',
    channel: 'guangdong-government-portal',
    hospital: 'H44530200002',
    on: '2025-05-20',
    at: '14:36',
    previous: 'p27-first',
    steps: approve(3),
  },
  {
    person: 'P000029',
    type: 'NEW',
    disease: 'M00500',
    channel: 'yueyibao-mini',
    hospital: 'H44530200001',
    on: '2025-06-10',
    at: '20:44',
    steps: [
      supplement(1, 'SPECIALIST_CERTIFICATE', '专科医院证明：请补充专科医院出具的肿瘤诊断证明'),
      resubmit(2),
      ...approve(3),
    ],
  },
  {
    person: 'P000030',
    type: 'NEW',
    disease: 'M07800',
    channel: 'yueshengshi-mini',
    hospital: 'H44532100001',
    on: '2025-07-15',
    at: '11:17',
    steps: approve(2),
  },
  {
    person: 'P000031',
    type: 'NEW',
    disease: 'M05300',
    channel: 'yueyibao-mini',
    hospital: 'H44532200001',
    on: '2025-08-12',
    at: '08:33',
    steps: approve(3),
  },
  {
    person: 'P000032',
    type: 'NEW',
    disease: 'M04600',
    channel: 'guangdong-government-portal',
    hospital: 'H44530200001',
    on: '2025-09-09',
    at: '15:52',
    steps: approve(5),
  },
  {
    person: 'P000034',
    type: 'NEW',
    disease: 'M02101',
    channel: 'yueyibao-mini',
    hospital: 'H44530200003',
    on: '2025-10-14',
    at: '21:26',
    steps: withdraw(1, '申请人撤回申请：材料准备不全'),
  },
  {
    person: 'P000026',
    type: 'NEW',
    disease: 'M01600',
    channel: 'guangdong-government-portal',
    hospital: 'H44530200001',
    on: '2025-11-11',
    at: '09:09',
    steps: approve(4),
  },
  {
    person: 'P000037',
    type: 'NEW',
    disease: 'M02500',
    channel: 'yueshengshi-mini',
    hospital: 'H44530200003',
    on: '2025-12-02',
    at: '13:41',
    steps: approve(2),
  },
  {
    person: 'P000025',
    type: 'NEW',
    disease: 'M03900',
    channel: 'yueyibao-mini',
    hospital: 'H44532100001',
    on: '2025-12-02',
    at: '17:08',
    steps: approve(1),
  },
  {
    person: 'P000039',
    type: 'NEW',
    disease: 'M07803',
    channel: 'yueyibao-mini',
    hospital: 'H44538100001',
    on: '2026-01-06',
    at: '10:12',
    steps: approve(3),
  },
  {
    person: 'P000033',
    type: 'NEW',
    disease: 'M03900',
    channel: 'yueshengshi-mini',
    hospital: 'H44530200002',
    on: '2026-01-20',
    at: '19:47',
    steps: reject(2, '申请人长期居住在四川省攀枝花市，未办理异地就医备案，请先办理异地就医备案后再申请'),
  },
  {
    person: 'P000035',
    type: 'NEW',
    disease: 'M01600',
    channel: 'yueyibao-mini',
    hospital: 'H44532100001',
    on: '2026-03-03',
    at: '08:54',
    steps: reject(1, REASON_SUSPENDED),
  },
  {
    person: 'P000038',
    type: 'NEW',
    disease: 'M03900',
    channel: 'guangdong-government-portal',
    hospital: 'H44538100001',
    on: '2026-03-17',
    at: '12:29',
    steps: reject(3, REASON_ARREARS),
  },
  {
    person: 'P000040',
    type: 'NEW',
    disease: 'M08300',
    channel: 'guangdong-government-portal',
    hospital: 'H44530200001',
    on: '2026-04-14',
    at: '16:16',
    steps: approve(5),
  },
  {
    person: 'P000041',
    type: 'NEW',
    disease: 'M02101',
    channel: 'yueyibao-mini',
    hospital: 'H44530200003',
    on: '2026-04-21',
    at: '22:18',
    steps: [
      supplement(1, 'SPECIALIST_CERTIFICATE', '专科医院证明：请补充专科医院出具的精神科诊断证明'),
      resubmit(2),
      ...approve(3),
    ],
  },
  {
    person: 'P000029',
    type: 'RENEWAL',
    disease: 'M00500',
    channel: 'yueyibao-mini',
    hospital: 'H44530200001',
    on: '2026-05-19',
    at: '09:44',
    steps: approve(2),
  },
  {
    person: 'P000023',
    type: 'RENEWAL',
    disease: 'M01600',
    channel: 'yueshengshi-mini',
    hospital: 'H44530200001',
    on: '2026-05-26',
    at: '10:03',
    steps: approve(2),
  },
  {
    person: 'P000042',
    type: 'NEW',
    disease: 'M03900',
    channel: 'yueyibao-mini',
    hospital: 'H44538100001',
    on: '2026-06-09',
    at: '15:27',
    steps: reject(3, '血压监测记录不足，未达到高血压门特认定标准'),
  },
  {
    person: 'P000030',
    type: 'NEW',
    disease: 'M03900',
    channel: 'yueshengshi-mini',
    hospital: 'H44532100001',
    on: '2026-07-07',
    at: '11:50',
    steps: reject(1, REASON_ARREARS),
  },
  {
    person: 'P000028',
    type: 'RENEWAL',
    disease: 'M03900',
    channel: 'yueyibao-mini',
    hospital: 'H44538100001',
    on: '2026-08-18',
    at: '08:21',
    steps: approve(3),
  },
  {
    person: 'P000024',
    type: 'CHANGE_HOSPITAL',
    disease: 'M03900',
    channel: 'guangdong-government-portal',
    hospital: 'H44530200001',
    on: '2026-09-08',
    at: '14:09',
    steps: approve(4),
  },
  {
    person: 'P000034',
    type: 'NEW',
    disease: 'M02101',
    channel: 'yueyibao-mini',
    hospital: 'H44530200003',
    on: '2026-10-13',
    at: '20:02',
    steps: [supplement(2, 'SPECIALIST_CERTIFICATE', '专科医院证明：请补充专科医院出具的精神科诊断证明')],
  },
  // Open and overdue on 2026-11-20:
  {
    person: 'P000037',
    type: 'CHANGE_HOSPITAL',
    disease: 'M02500',
    channel: 'guangdong-government-portal',
    hospital: 'H44530200001',
    on: '2026-11-10',
    at: '10:34',
    steps: [],
  },
  {
    person: 'P000031',
    type: 'NEW',
    disease: 'M03900',
    channel: 'yueshengshi-mini',
    hospital: 'H44532200001',
    on: '2026-11-12',
    at: '09:57',
    steps: [],
  },
  // Open, not yet due on 2026-11-20 (two on one day: sequences 1 and 2):
  {
    person: 'P000025',
    type: 'NEW',
    disease: 'M04600',
    channel: 'yueyibao-mini',
    hospital: 'H44532100001',
    on: '2026-11-18',
    at: '09:30',
    steps: [],
  },
  {
    person: 'P000036',
    type: 'RENEWAL',
    disease: 'M04600',
    channel: 'guangdong-government-portal',
    hospital: 'H44532200001',
    on: '2026-11-18',
    at: '15:24',
    steps: [],
  },
  {
    person: 'P000026',
    type: 'CHANGE_HOSPITAL',
    disease: 'M01600',
    channel: 'yueshengshi-mini',
    hospital: 'H44530200002',
    on: '2026-11-19',
    at: '11:11',
    steps: [],
  },
];

/** Certifications that predate the dataset (no application row). */
const LEGACY_CERTIFICATIONS: ReadonlyArray<{
  region: DemoRegionCode;
  person: string;
  disease: string;
  hospital: string;
  validFrom: string;
}> = [
  // P000003's certification from when insured in Yunfu: expired 2025-06-15.
  { region: YF, person: 'P000003', disease: 'M03900', hospital: 'H44530200001', validFrom: '2022-06-15' },
  { region: YF, person: 'P000023', disease: 'M01600', hospital: 'H44530200001', validFrom: '2023-06-20' },
  { region: YF, person: 'P000028', disease: 'M03900', hospital: 'H44538100001', validFrom: '2023-09-12' },
  { region: YF, person: 'P000036', disease: 'M04600', hospital: 'H44532200001', validFrom: '2024-11-26' },
  // P000032's certification from when insured in Panzhihua: expired 2024-09-06.
  { region: PZH, person: 'P000032', disease: 'M04600', hospital: 'H51040200002', validFrom: '2022-09-06' },
  { region: PZH, person: 'P000009', disease: 'M04600', hospital: 'H51040200002', validFrom: '2024-06-20' },
];

const FILING_SPECS: ReadonlyArray<{
  person: string;
  validFrom: string;
  validUntil: string | null;
  filedAt: string;
}> = [
  { person: 'P000005', validFrom: '2025-10-20', validUntil: null, filedAt: '2025-10-17T10:12:00+08:00' },
  { person: 'P000015', validFrom: '2026-03-02', validUntil: '2027-03-01', filedAt: '2026-02-27T15:40:00+08:00' },
  { person: 'P000026', validFrom: '2025-10-09', validUntil: null, filedAt: '2025-10-09T09:05:00+08:00' },
  { person: 'P000040', validFrom: '2026-02-02', validUntil: '2028-02-01', filedAt: '2026-01-30T16:27:00+08:00' },
];

// ---------------------------------------------------------------------------------------------
// Building the rows

const DECISION_TIMES = ['10:20', '14:35', '11:05', '15:50', '09:45', '16:25', '10:55'];
const APPLICANT_TIMES = ['19:42', '08:36', '12:18', '21:05', '07:55', '13:27'];

const MATERIAL_FILE_NAMES: Readonly<Record<MaterialKind, string>> = {
  ID_CARD: '身份证正反面.jpg',
  MEDICAL_INSURANCE_VOUCHER: '医保电子凭证.png',
  SOCIAL_SECURITY_CARD: '社保卡.jpg',
  APPLICATION_FORM: '门特申请表.pdf',
  DIAGNOSIS_CERTIFICATE: '诊断证明.pdf',
  MEDICAL_RECORD: '门诊病历.pdf',
  PHOTO: '免冠照片.jpg',
  SPECIALIST_CERTIFICATE: '专科医院证明.pdf',
};

function instant(date: string, time: string): string {
  return `${date}T${time}:00+08:00`;
}

function sha256Hex(text: string): string {
  return createHash('sha256').update(text, 'utf8').digest('hex');
}

function policyOf(region: string): RegionPolicy {
  const policy = DEMO_REGION_POLICIES[region as DemoRegionCode];
  if (!policy) throw new Error(`demo data: unknown region ${region}`);
  return policy;
}

function disease(region: string, code: string): RegionPolicy['diseases'][number] {
  const d = policyOf(region).diseases.find((x) => x.code === code);
  if (!d) throw new Error(`demo data: disease ${code} is not in ${region}'s catalogue`);
  return d;
}

function certificationPeriod(region: string, diseaseCode: string, validFrom: string) {
  const months = disease(region, diseaseCode).validityMonths;
  const validUntil = months === null ? null : addMonths(validFrom, months);
  return { validUntil, renewableFrom: renewableFromFor(region, validUntil) };
}

function renewableFromFor(region: string, validUntil: string | null): string | null {
  return region === YF && validUntil !== null ? addDays(validUntil, -30) : null;
}

interface MaterialDraft {
  kind: MaterialKind;
  fileName: string;
}

function baseMaterials(region: string, spec: ApplicationSpec, index: number): MaterialDraft[] {
  const d = disease(region, spec.disease);
  const m = (kind: MaterialKind, fileName = MATERIAL_FILE_NAMES[kind]): MaterialDraft => ({ kind, fileName });
  if (region === PZH) {
    return [
      m('ID_CARD'),
      m('APPLICATION_FORM', '门诊慢特病病种待遇认定申请表.pdf'),
      m('DIAGNOSIS_CERTIFICATE', '疾病诊断证明书.pdf'),
      m('MEDICAL_RECORD'),
      ...(index % 3 === 0 ? [m('MEDICAL_RECORD', '检查报告.pdf')] : []),
      ...(d.requiresPhoto ? [m('PHOTO')] : []),
    ];
  }
  return [
    m('ID_CARD'),
    m('SOCIAL_SECURITY_CARD'),
    m('DIAGNOSIS_CERTIFICATE'),
    m('MEDICAL_RECORD', index % 2 === 0 ? '出院小结.pdf' : '门诊病历.pdf'),
    ...(spec.channel === 'guangdong-government-portal' ? [m('APPLICATION_FORM')] : []),
    ...(d.requiresSpecialistHospital ? [m('SPECIALIST_CERTIFICATE')] : []),
  ];
}

function issuedOn(kind: MaterialKind, acceptedOn: string, index: number, position: number): string | null {
  switch (kind) {
    case 'APPLICATION_FORM':
      return acceptedOn;
    case 'DIAGNOSIS_CERTIFICATE':
      return addDays(acceptedOn, -(7 + (index % 20)));
    case 'MEDICAL_RECORD':
      return addDays(acceptedOn, -(15 + ((index * 13 + position * 7) % 140)));
    case 'PHOTO':
      return addDays(acceptedOn, -(3 + (index % 10)));
    case 'SPECIALIST_CERTIFICATE':
      return addDays(acceptedOn, -(10 + (index % 30)));
    default:
      return null; // identity documents: long-term
  }
}

function build(): DemoRecords {
  const out: DemoRecords = {
    insured: [],
    applications: [],
    materials: [],
    events: [],
    certifications: [],
    filings: [],
  };

  for (const p of DEMO_PEOPLE) {
    out.insured.push({
      regionCode: p.insuredRegionCode,
      personId: p.id,
      insuranceType: p.insuranceType,
      status: p.status,
      inArrears: p.inArrears,
      contributionTier: p.contributionTier,
    });
  }
  for (const f of FORMER_INSURANCE) {
    out.insured.push({
      regionCode: f.regionCode,
      personId: f.personId,
      insuranceType: f.insuranceType,
      status: 'SUSPENDED', // a former insurance is recorded as SUSPENDED (TERMINATED is not used)
      inArrears: false,
      contributionTier: f.contributionTier,
    });
  }

  LEGACY_CERTIFICATIONS.forEach((c, i) => {
    const sameRegionBefore = LEGACY_CERTIFICATIONS.slice(0, i).filter((x) => x.region === c.region).length;
    out.certifications.push({
      id: `C-${c.region}-L${String(sameRegionBefore + 1).padStart(2, '0')}`,
      regionCode: c.region,
      personId: c.person,
      applicationId: null,
      diseaseCode: c.disease,
      hospitalCode: c.hospital,
      validFrom: c.validFrom,
      ...certificationPeriod(c.region, c.disease, c.validFrom),
    });
  });

  const sequences = new Map<string, number>();
  const idsByRef = new Map<string, string>();

  APPLICATION_SPECS.forEach((spec, index) => {
    const region = spec.region ?? person(spec.person).insuredRegionCode;
    const policy = policyOf(region);
    const channel = policy.channels.find((c) => c.id === spec.channel);
    if (!channel) throw new Error(`demo data: channel ${spec.channel} is not offered in ${region}`);
    disease(region, spec.disease);

    const dayKey = `${region}:${spec.on}`;
    const sequence = (sequences.get(dayKey) ?? 0) + 1;
    sequences.set(dayKey, sequence);
    const id = formatAcceptanceNumber(region, spec.on, sequence);
    if (spec.ref) idsByRef.set(spec.ref, id);

    const submittedAt = instant(spec.on, spec.at);
    const due = addWorkingDays(spec.on, channel.reviewWorkingDays.max);
    const applicantActor = `APPLICANT:${spec.person}`;
    const reviewerActor = `REVIEWER:${region}:reviewer01`;

    // Status history.
    const events: StatusEventRow[] = [
      {
        id: `${id}-E1`,
        applicationId: id,
        position: 1,
        status: 'ACCEPTED',
        at: submittedAt,
        actor: applicantActor,
        note: `通过${channel.name}提交申请，已受理`,
      },
    ];
    let previousWd = 0;
    let pendingRequest: Extract<Step, { status: 'SUPPLEMENT_REQUESTED' }> | null = null;
    const suppliedKinds: MaterialKind[] = [];
    const unsuppliedKinds: MaterialKind[] = [];
    for (const [s, step] of spec.steps.entries()) {
      if (step.wd <= previousWd) throw new Error(`demo data: steps of ${id} are out of order`);
      previousWd = step.wd;
      const date = addWorkingDays(spec.on, step.wd).date;
      const byApplicant = step.status === 'ACCEPTED' || step.status === 'WITHDRAWN';
      const time = byApplicant
        ? APPLICANT_TIMES[(index + s) % APPLICANT_TIMES.length]!
        : DECISION_TIMES[(index + s) % DECISION_TIMES.length]!;
      let note: string;
      switch (step.status) {
        case 'SUPPLEMENT_REQUESTED':
          pendingRequest = step;
          note = `材料不全，请补充：${step.request}`;
          break;
        case 'ACCEPTED':
          if (!pendingRequest) throw new Error(`demo data: ${id} resubmits without a request`);
          suppliedKinds.push(pendingRequest.kind);
          pendingRequest = null;
          note = '申请人已补充材料，重新进入审核';
          break;
        case 'APPROVED':
          note = region === YF ? '审核通过，已完成门特待遇认定并自动备案' : '审核通过，已完成门特待遇认定';
          break;
        case 'REJECTED':
          note = `不予认定：${step.reason}`;
          break;
        case 'WITHDRAWN':
          note = step.note;
          break;
      }
      events.push({
        id: `${id}-E${s + 2}`,
        applicationId: id,
        position: s + 2,
        status: step.status,
        at: instant(date, time),
        actor: byApplicant ? applicantActor : reviewerActor,
        note,
      });
    }
    if (pendingRequest) unsuppliedKinds.push(pendingRequest.kind);

    const last = spec.steps[spec.steps.length - 1];
    const status: ApplicationStatus = last?.status ?? 'ACCEPTED';
    const decided = status === 'APPROVED' || status === 'REJECTED';
    let decisionReason: string | null = null;
    if (last?.status === 'REJECTED') decisionReason = last.reason;
    if (last?.status === 'SUPPLEMENT_REQUESTED') decisionReason = last.request;

    let previousApplicationId: string | null = null;
    if (spec.previous) {
      previousApplicationId = idsByRef.get(spec.previous) ?? null;
      if (!previousApplicationId) throw new Error(`demo data: unknown previous application ${spec.previous}`);
    }

    const application: ApplicationRow = {
      id,
      regionCode: region,
      personId: spec.person,
      type: spec.type,
      diseaseCode: spec.disease,
      channelId: spec.channel,
      hospitalCode: spec.hospital,
      status,
      submittedAt,
      acceptedOn: spec.on,
      dueDate: due.date,
      dueWorkingDays: due.workingDays,
      dueProvisional: due.provisional,
      decisionReason,
      decidedAt: decided ? events[events.length - 1]!.at : null,
      previousApplicationId,
      idempotencyKey: null,
      openSlot: status === 'ACCEPTED' || status === 'SUPPLEMENT_REQUESTED' ? `${spec.person}|${spec.disease}` : null,
      version: events.length,
    };
    out.applications.push(application);
    out.events.push(...events);

    // Materials: a requested, never-supplied material is missing; a supplied one comes last.
    const drafts = baseMaterials(region, spec, index);
    for (const kind of [...suppliedKinds, ...unsuppliedKinds]) {
      if (!drafts.some((d) => d.kind === kind))
        throw new Error(`demo data: ${id} requests ${kind}, which it cannot need`);
    }
    const ordered = [
      ...drafts.filter((d) => !suppliedKinds.includes(d.kind) && !unsuppliedKinds.includes(d.kind)),
      ...drafts.filter((d) => suppliedKinds.includes(d.kind)),
    ];
    const specialistHospital =
      policy.hospitals.find((h) => h.specialist && h.qualifiedForSpecialDiseases)?.code ?? null;
    ordered.forEach((draft, i) => {
      const position = i + 1;
      const fromHospital = draft.kind === 'DIAGNOSIS_CERTIFICATE' || draft.kind === 'MEDICAL_RECORD';
      out.materials.push({
        id: `${id}-M${position}`,
        applicationId: id,
        position,
        kind: draft.kind,
        issuedOn: issuedOn(draft.kind, spec.on, index, position),
        hospitalCode: fromHospital
          ? spec.hospital
          : draft.kind === 'SPECIALIST_CERTIFICATE'
            ? specialistHospital
            : null,
        stamped: fromHospital || draft.kind === 'SPECIALIST_CERTIFICATE',
        fileName: draft.fileName,
        sha256: sha256Hex(`${id}:${position}`),
      });
    });

    // Certification.
    if (status === 'APPROVED') {
      const validFrom = application.decidedAt!.slice(0, 10);
      if (spec.type !== 'NEW') {
        // The replaced certification ends the day before the new one starts.
        const replaced = out.certifications
          .filter((c) => c.regionCode === region && c.personId === spec.person && c.diseaseCode === spec.disease)
          .filter((c) => c.validFrom < validFrom && (c.validUntil === null || c.validUntil >= validFrom))
          .pop();
        if (replaced) {
          replaced.validUntil = addDays(validFrom, -1);
          replaced.renewableFrom = renewableFromFor(region, replaced.validUntil);
        }
      }
      out.certifications.push({
        id: `C-${id}`,
        regionCode: region,
        personId: spec.person,
        applicationId: id,
        diseaseCode: spec.disease,
        hospitalCode: spec.hospital,
        validFrom,
        ...certificationPeriod(region, spec.disease, validFrom),
      });
    }
  });

  const filingCounts = new Map<string, number>();
  for (const f of FILING_SPECS) {
    const p = person(f.person);
    const residence = p.residenceRegionCode as DemoRegionCode | null;
    if (!residence) throw new Error(`demo data: ${p.id} lives in the insured region and needs no filing`);
    const n = (filingCounts.get(p.insuredRegionCode) ?? 0) + 1;
    filingCounts.set(p.insuredRegionCode, n);
    out.filings.push({
      id: `F-${p.insuredRegionCode}-${n}`,
      regionCode: p.insuredRegionCode,
      personId: p.id,
      residenceRegionCode: residence,
      residenceRegionName: REGION_FULL_NAMES[residence],
      validFrom: f.validFrom,
      validUntil: f.validUntil,
      filedAt: f.filedAt,
    });
  }

  return out;
}

const ALL_RECORDS: DemoRecords = build();

/** The rows a region's own database holds (copies); empty for a region without demo data. */
export function demoRecordsFor(regionCode: string): DemoRecords {
  const ids = new Set(ALL_RECORDS.applications.filter((a) => a.regionCode === regionCode).map((a) => a.id));
  const inRegion = <T extends { regionCode: string }>(rows: T[]): T[] =>
    rows.filter((r) => r.regionCode === regionCode).map((r) => ({ ...r }));
  const ofApplications = <T extends { applicationId: string }>(rows: T[]): T[] =>
    rows.filter((r) => ids.has(r.applicationId)).map((r) => ({ ...r }));
  return {
    insured: inRegion(ALL_RECORDS.insured),
    applications: inRegion(ALL_RECORDS.applications),
    materials: ofApplications(ALL_RECORDS.materials),
    events: ofApplications(ALL_RECORDS.events),
    certifications: inRegion(ALL_RECORDS.certifications),
    filings: inRegion(ALL_RECORDS.filings),
  };
}
