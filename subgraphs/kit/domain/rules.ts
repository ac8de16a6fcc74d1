import { type Problem, problem } from '../platform/errors';
import type { AppealRules } from './appeal-rules';
import { addDays, addMonths } from './calendar';
import type { HospitalReviewRules } from './hospital-review-rules';
import type { ApplicationInput, MaterialInput } from './inputs';
import type { ApplicationKind, HospitalLevel, MaterialKind, RequiredWhen } from './policy';
import type { ChannelRow, DiseaseRow, HospitalRow, MaterialRow } from './policy-rows';
import type { ApplicationRow, CertificationRow, InsuredPersonRow, RemoteCareFilingRow } from './record-rows';
import { type NationalPerson, residenceProblems } from './residence';

// The checks every region applies to an application, and the hooks through which a region adds
// its own (the `rules` of subgraphs/regions/<region>.yaml). Every check runs; all problems come back at once.

/** What makes one region's rules differ; each region folder exports one of these. */
export interface RegionRules {
  /** The message for choosing another region as 参保地. */
  wrongInsuredRegionMessage: string;
  /** The designated hospital must be given (Yunfu: 必填). */
  hospitalRequired: boolean;
  /** The hospital must be qualified for 门特 certification (Yunfu: 具有门特认定资质). */
  hospitalMustBeQualified: boolean;
  /** A renewal may be filed only this many days before expiry (Yunfu: 30); null = no window. */
  renewalWindowDays: number | null;
  /** Changes of designated hospital allowed per calendar year (Panzhihua: 1); null = no limit. */
  changeHospitalPerYear: number | null;
  /** A long-term resident elsewhere must first file 异地就医备案 (Panzhihua). */
  remoteCareFilingRequired: boolean;
  /** Where the settings above come from, setting by setting: document citations or ILLUSTRATIVE. */
  source: string;
  /** A rule data cannot express (subgraphs/regions/hooks/<name>.ts); its problems join the others. */
  hook?: (facts: SubmissionFacts) => Problem[];
  /** 申诉: the appeal period and the time to decide an appeal (./appeal-rules.ts). */
  appeal: AppealRules;
  /**
   * 经定点医疗机构审核备案 (Yunfu): the named designated hospital reviews a new application before
   * the region (./hospital-review-rules.ts); null = no hospital step.
   */
  hospitalReview: HospitalReviewRules | null;
}

/** What a material's requiredWhen is judged on: the submission, or what a client says it will submit. */
export interface RequirementContext {
  /** The kinds submitted; null = not known yet (a client asking before choosing). */
  kinds: ReadonlySet<MaterialKind> | null;
  diseaseCode: string | null;
  channelId: string | null;
  applicationType: ApplicationKind | null;
}

/**
 * Whether a material must be submitted, for submissions and the API alike. A criterion the
 * context does not know (no channel yet) makes the answer DEPENDS: required in some cases.
 */
export function requirementApplies(
  when: RequiredWhen | null,
  ctx: RequirementContext,
): 'REQUIRED' | 'NOT_REQUIRED' | 'DEPENDS' {
  if (when === null) return 'NOT_REQUIRED';
  let depends = false;
  const check = <T>(list: T[] | null | undefined, value: T | null): boolean => {
    if (!list) return true;
    if (value === null) {
      depends = true;
      return true;
    }
    return list.includes(value);
  };
  if (when.absentKinds) {
    if (ctx.kinds === null) depends = true;
    else if (when.absentKinds.some((k) => ctx.kinds!.has(k))) return 'NOT_REQUIRED';
  }
  if (!check(when.diseaseCodes, ctx.diseaseCode)) return 'NOT_REQUIRED';
  if (!check(when.channelIds, ctx.channelId)) return 'NOT_REQUIRED';
  if (!check(when.applicationTypes, ctx.applicationType)) return 'NOT_REQUIRED';
  return depends ? 'DEPENDS' : 'REQUIRED';
}

/** The problems for required materials not given: the one place that decides, for the API too. */
export function missingMaterialProblems(rules: MaterialRow[], ctx: RequirementContext): Problem[] {
  return rules
    .filter((r) => !ctx.kinds?.has(r.kind) && requirementApplies(r.requiredWhen, ctx) === 'REQUIRED')
    .map((r) =>
      problem(
        'MATERIAL_MISSING',
        r.missingMessage ?? `缺少材料：${r.name}${r.condition ? `（${r.condition}）` : ''}`,
        'materials',
      ),
    );
}

const OPEN: ReadonlySet<string> = new Set([
  'AWAITING_HOSPITAL',
  'ACCEPTED',
  'SUPPLEMENT_REQUESTED',
  'AWAITING_IN_PERSON',
]);
const LEVEL_RANK: Record<HospitalLevel, number> = { LEVEL_1: 1, LEVEL_2: 2, LEVEL_3: 3 };
const LEVEL_NAME: Record<HospitalLevel, string> = { LEVEL_1: '一级', LEVEL_2: '二级', LEVEL_3: '三级' };
const SHA256 = /^[0-9a-f]{64}$/;

export interface SubmissionFacts {
  regionCode: string;
  regionName: string;
  today: string;
  input: ApplicationInput;
  insured: InsuredPersonRow | null;
  disease: DiseaseRow | null;
  channel: ChannelRow | null;
  hospitals: HospitalRow[];
  materialRules: MaterialRow[];
  /** The person's applications, certifications and filings in this region. */
  applications: ApplicationRow[];
  certifications: CertificationRow[];
  filings: RemoteCareFilingRow[];
  /** The national index entry (常住地), looked up at submission; null when it lists nobody. */
  nationalPerson: NationalPerson | null;
  /** Hospitals medical proof may come from: the region's own and the national directory's (./residence.ts). */
  proofHospitals?: ProofHospital[];
  /** Which of the referenced files exist and belong to the applicant (see file-owners.ts). */
  uploaded: ReadonlySet<string>;
}

/** A hospital as medical proof is judged: the region's own list or the national directory. */
export type ProofHospital = Pick<HospitalRow, 'code' | 'name' | 'level' | 'specialist'>;

export function activeCertification(certs: CertificationRow[], diseaseCode: string, today: string) {
  return certs
    .filter(
      (c) => c.diseaseCode === diseaseCode && c.validFrom <= today && (c.validUntil === null || c.validUntil >= today),
    )
    .at(-1);
}

/** The materials a disease needs: the region's list with the disease-dependent ones. */
export function materialRulesFor(rules: MaterialRow[], disease: DiseaseRow | null): MaterialRow[] {
  return rules.filter(
    (m) =>
      m.dependsOn === 'ALWAYS' ||
      (m.dependsOn === 'DISEASE_REQUIRES_PHOTO' && disease?.requiresPhoto === true) ||
      (m.dependsOn === 'DISEASE_REQUIRES_SPECIALIST' && disease?.requiresSpecialistHospital === true),
  );
}

/** Checks each material on its own: file uploaded, dated and recent, issuing hospital, stamp. */
export function materialProblems(
  materials: MaterialInput[],
  rules: MaterialRow[],
  hospitals: ProofHospital[],
  today: string,
  uploaded: ReadonlySet<string>,
  field = 'materials',
): Problem[] {
  const problems: Problem[] = [];
  materials.forEach((m, i) => {
    const at = `${field}[${i}]`;
    const rule = rules.find((r) => r.kind === m.kind);
    if (!SHA256.test(m.sha256) || !uploaded.has(m.sha256)) {
      // Never uploaded, or not this applicant's: one answer, so nobody can probe for other people's files.
      problems.push(problem('FILE_NOT_UPLOADED', '文件不存在或不属于申请人，请重新上传', `${at}.sha256`));
    }
    if (!rule) return;
    if (rule.validityMonths !== null) {
      if (!m.issuedOn) {
        problems.push(problem('MATERIAL_DATE_REQUIRED', `请填写${rule.name}的出具日期`, `${at}.issuedOn`));
      } else if (m.issuedOn > today) {
        problems.push(problem('MATERIAL_DATE_IN_FUTURE', `${rule.name}的出具日期不能晚于今天`, `${at}.issuedOn`));
      } else if (m.issuedOn < addMonths(today, -rule.validityMonths)) {
        problems.push(
          problem(
            'MATERIAL_EXPIRED',
            `${rule.name}出具于${m.issuedOn}，已超过${rule.validityMonths}个月有效期（须在${addMonths(today, -rule.validityMonths)}之后出具）`,
            `${at}.issuedOn`,
          ),
        );
      }
    }
    if (rule.minHospitalLevel) {
      const hospital = m.hospitalCode ? hospitals.find((h) => h.code === m.hospitalCode) : undefined;
      if (!m.hospitalCode) {
        problems.push(problem('MATERIAL_HOSPITAL_REQUIRED', `请填写出具${rule.name}的医疗机构`, `${at}.hospitalCode`));
      } else if (!hospital) {
        problems.push(
          problem(
            'MATERIAL_HOSPITAL_UNKNOWN',
            `出具${rule.name}的医疗机构“${m.hospitalCode}”未在全国医疗机构名录中查到，请核对医疗机构代码`,
            `${at}.hospitalCode`,
          ),
        );
      } else if (LEVEL_RANK[hospital.level] < LEVEL_RANK[rule.minHospitalLevel]) {
        problems.push(
          problem(
            'MATERIAL_HOSPITAL_LEVEL',
            `${rule.name}须由${LEVEL_NAME[rule.minHospitalLevel]}及以上医疗机构出具，${hospital.name}为${LEVEL_NAME[hospital.level]}`,
            `${at}.hospitalCode`,
          ),
        );
      }
    }
    if (rule.issuerMustBeSpecialist) {
      const hospital = m.hospitalCode ? hospitals.find((h) => h.code === m.hospitalCode) : undefined;
      if (!m.hospitalCode) {
        problems.push(problem('MATERIAL_HOSPITAL_REQUIRED', `请填写出具${rule.name}的医疗机构`, `${at}.hospitalCode`));
      } else if (!hospital?.specialist) {
        problems.push(
          problem(
            'MATERIAL_ISSUER_NOT_SPECIALIST',
            `${rule.name}须由专科医院出具${hospital ? `，${hospital.name}不是专科医院` : ''}`,
            `${at}.hospitalCode`,
          ),
        );
      }
    }
    if (rule.stampRequired && !m.stamped) {
      problems.push(problem('MATERIAL_NOT_STAMPED', `${rule.name}须加盖医院公章`, `${at}.stamped`));
    }
  });
  return problems;
}

export function validateSubmission(f: SubmissionFacts, rules: RegionRules): Problem[] {
  const { input, today } = f;
  const problems: Problem[] = [];
  const add = (code: string, message: string, field: string | null = null) =>
    problems.push(problem(code, message, field));

  if (input.insuredRegionCode !== f.regionCode)
    add('INSURED_REGION_MISMATCH', rules.wrongInsuredRegionMessage, 'insuredRegionCode');
  if (!f.insured) add('NOT_INSURED_HERE', `未查询到您在${f.regionName}的参保记录`, null);
  else {
    if (f.insured.status !== 'NORMAL') add('INSURED_STATUS_ABNORMAL', '您的参保状态不正常，暂不能申请门特认定', null);
    if (f.insured.inArrears) add('IN_ARREARS', '您有欠费记录，请补缴后再申请门特认定', null);
  }
  if (!f.disease) add('DISEASE_NOT_IN_CATALOGUE', `病种“${input.diseaseCode}”不在本地门特病种目录内`, 'diseaseCode');
  if (!f.channel) add('UNKNOWN_CHANNEL', `办理渠道“${input.channelId}”不存在`, 'channelId');

  const hospital = input.hospitalCode ? f.hospitals.find((h) => h.code === input.hospitalCode) : undefined;
  if (!input.hospitalCode && (rules.hospitalRequired || input.type === 'CHANGE_HOSPITAL')) {
    add('HOSPITAL_REQUIRED', '请选择定点医疗机构', 'hospitalCode');
  } else if (input.hospitalCode && !hospital) {
    add('UNKNOWN_HOSPITAL', `医疗机构“${input.hospitalCode}”不是${f.regionName}的定点医疗机构`, 'hospitalCode');
  } else if (hospital && rules.hospitalMustBeQualified && !hospital.qualifiedForSpecialDiseases) {
    add(
      'HOSPITAL_NOT_QUALIFIED',
      `${hospital.name}不具有门特认定资质，请选择${f.regionName}内具有资质的定点医疗机构`,
      'hospitalCode',
    );
  }

  // Materials: every one whose requiredWhen holds for this submission, each valid on its own.
  const rulesForDisease = materialRulesFor(f.materialRules, f.disease);
  const kinds = new Set(input.materials.map((m) => m.kind));
  problems.push(
    ...missingMaterialProblems(f.materialRules, {
      kinds,
      diseaseCode: f.disease?.code ?? input.diseaseCode,
      channelId: input.channelId,
      applicationType: input.type,
    }),
  );
  problems.push(
    ...materialProblems(input.materials, rulesForDisease, f.proofHospitals ?? f.hospitals, today, f.uploaded),
  );

  if (f.disease) {
    const code = f.disease.code;
    const active = activeCertification(f.certifications, code, today);
    if (f.applications.some((a) => a.diseaseCode === code && OPEN.has(a.status))) {
      add('DUPLICATE_OPEN_APPLICATION', `您已有一笔${f.disease.name}的申请正在办理中，请勿重复申请`, 'diseaseCode');
    }
    if (input.type === 'NEW' && active) {
      add(
        'ALREADY_CERTIFIED',
        `您已取得${f.disease.name}的门特认定${active.validUntil ? `（有效期至${active.validUntil}）` : ''}，无需重复申请`,
        'type',
      );
    }
    if (input.type === 'RENEWAL') {
      if (!active) add('NO_CERTIFICATION_TO_RENEW', `您没有可续期的${f.disease.name}门特认定`, 'type');
      else if (active.validUntil === null) {
        // Every region alike: a certification without an end date has nothing to renew.
        add('RENEWAL_NOT_NEEDED', `您的${f.disease.name}门特认定长期有效，无需续审`, 'type');
      } else if (rules.renewalWindowDays !== null) {
        const opens = addDays(active.validUntil, -rules.renewalWindowDays);
        if (today < opens) {
          add(
            'RENEWAL_NOT_DUE',
            `续审须在到期前${rules.renewalWindowDays}日内办理：可于${opens}至${active.validUntil}期间申请`,
            'type',
          );
        }
      }
    }
    if (input.type === 'CHANGE_HOSPITAL') {
      if (!active)
        add('NO_CERTIFICATION_TO_CHANGE', `您没有${f.disease.name}的有效门特认定，无法变更定点医疗机构`, 'type');
      if (rules.changeHospitalPerYear !== null) {
        const year = today.slice(0, 4);
        const used = f.applications.filter(
          (a) =>
            a.type === 'CHANGE_HOSPITAL' &&
            a.acceptedOn.startsWith(year) &&
            a.status !== 'REJECTED' &&
            a.status !== 'WITHDRAWN',
        ).length;
        if (used >= rules.changeHospitalPerYear) {
          add(
            'CHANGE_HOSPITAL_LIMIT',
            `定点医疗机构每年可变更${rules.changeHospitalPerYear}次，您${year}年已申请过变更`,
            'type',
          );
        }
      }
    }
  }

  problems.push(
    ...residenceProblems({
      ...f,
      declaredResidenceCode: input.residenceRegionCode,
      filingRequired: rules.remoteCareFilingRequired,
    }),
  );
  if (rules.hook) problems.push(...rules.hook(f));
  return problems;
}
