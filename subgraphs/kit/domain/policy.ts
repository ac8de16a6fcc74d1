// The shape of a region's policy data, read from subgraphs/regions/<region>.yaml, versioned;
// migrations/seed load it into that region's own database, and the API serves it from there.
// Every figure traces to a regional policy document or carries `source` starting with ILLUSTRATIVE.

export const ILLUSTRATIVE = 'illustrative — replace with the official figure';

/** A source that cites no document for the figure (it carries ILLUSTRATIVE). */
export const isIllustrativeSource = (source: string): boolean => /illustrative/i.test(source);

/** The coverage stated when a region file gives none. */
export const DEFAULT_COVERAGE =
  '统筹基金只支付与认定病种相关的、属于基本医疗保险目录（医保目录）范围内的门诊药品、检查和治疗费用';

export type ChannelKind = 'APP' | 'MINI_PROGRAM' | 'WEB' | 'COUNTER';
export type HospitalLevel = 'LEVEL_1' | 'LEVEL_2' | 'LEVEL_3';
export type InsuranceType = 'EMPLOYEE' | 'RESIDENT';
export type MaterialKind =
  | 'ID_CARD'
  | 'MEDICAL_INSURANCE_VOUCHER'
  | 'SOCIAL_SECURITY_CARD'
  | 'APPLICATION_FORM'
  | 'DIAGNOSIS_CERTIFICATE'
  | 'MEDICAL_RECORD'
  | 'PHOTO'
  | 'SPECIALIST_CERTIFICATE';

export interface ChannelPolicy {
  id: string;
  name: string;
  kind: ChannelKind;
  reviewWorkingDays: { min: number; max: number };
  /** Where the review time comes from: the document cited, or ILLUSTRATIVE. */
  reviewSource: string;
  functions: string[];
  audience: string;
  /** Opening hours, for counters. */
  hours?: string;
  note?: string;
}

export interface DiseasePolicy {
  /** National outpatient chronic/special disease code, e.g. M03900. */
  code: string;
  name: string;
  deductibleExempt: boolean;
  /** Where the exemption (免起付线) comes from; cites {illustrative} when no document names the disease. */
  deductibleExemptSource: string;
  requiresPhoto: boolean;
  requiresSpecialistHospital: boolean;
  /** Months a certification lasts before renewal or periodic re-review; null = no fixed term. */
  validityMonths: number | null;
  /** Where the flags come from: the document cited, or ILLUSTRATIVE. */
  source: string;
  /** Other names applicants type (高血压病, 慢阻肺, COPD); search matches them and their pinyin. */
  synonyms: string[];
  synonymSource: string;
}

export interface HospitalPolicy {
  code: string;
  name: string;
  level: HospitalLevel;
  qualifiedForSpecialDiseases: boolean;
  specialist: boolean;
  source: string;
}

/** When a material is asked for: always, or only for diseases with a flag. */
export type MaterialDependency = 'ALWAYS' | 'DISEASE_REQUIRES_PHOTO' | 'DISEASE_REQUIRES_SPECIALIST';

export type ApplicationKind = 'NEW' | 'RENEWAL' | 'CHANGE_HOSPITAL';

/**
 * When a material must be submitted: every criterion given must hold (a list = any of its items);
 * {} = always. Served as Material.requiredWhen and evaluated by the submission checks alike.
 */
export interface RequiredWhen {
  /** Required only when none of these kinds is submitted (e.g. the social-security card without an e-voucher). */
  absentKinds?: MaterialKind[] | null;
  diseaseCodes?: string[] | null;
  channelIds?: string[] | null;
  applicationTypes?: ApplicationKind[] | null;
}

export interface MaterialPolicy {
  kind: MaterialKind;
  name: string;
  /** Required in every case (requiredWhen is {}); kept for clients that read only this. */
  required: boolean;
  /** Null = never required (optional); {} = always. */
  requiredWhen: RequiredWhen | null;
  /** Told to an applicant when the material is missing; default 缺少材料：<name>. */
  missingMessage: string | null;
  /** Issued by a specialist hospital (专科医院) only. */
  issuerMustBeSpecialist: boolean;
  dependsOn: MaterialDependency;
  condition: string | null;
  /** Calendar months a dated document stays valid ("半年内" = 6). */
  validityMonths: number | null;
  minHospitalLevel: HospitalLevel | null;
  stampRequired: boolean;
  /** Where the rule and each of its figures (validity, hospital level, stamp) come from. */
  source: string;
}

export interface RateBandPolicy {
  description: string;
  /** Fund share in basis points (8500 = 85%), so arithmetic stays exact. */
  rateBasisPoints: number;
  /** Where this rate comes from. */
  rateSource: string;
  minAge: number | null;
  maxAge: number | null;
  contributionTier: number | null;
  source: string;
}

export interface CostSharingPolicy {
  insuranceType: InsuranceType;
  /** Annual deductible (起付标准) in fen. */
  deductibleFen: number;
  deductibleSource: string;
  /** 年度最高支付限额 in fen: the most the fund pays in a year. */
  annualCapFen: number | null;
  annualCapSource: string;
  /** 支付范围: what the fund pays for, stated with every estimate. */
  coverage: string;
  coverageSource: string;
  /** How a band is chosen: by the applicant's age, or by the resident's contribution tier (缴费档次). */
  bandBy: 'AGE' | 'CONTRIBUTION_TIER';
  bands: RateBandPolicy[];
  source: string;
}

/** How one remote-care situation (异地就医, filed or not) changes the insured region's figures. */
export interface RemoteCareTermsPolicy {
  /** Added to every band's rate, basis points (−1000 = ten percentage points lower; 0 = unchanged). */
  rateAdjustmentBasisPoints: number;
  /** The deductible for this situation, fen; null = the insured region's own. */
  deductibleFen: number | null;
  source: string;
}

/** 异地就医: how a person living outside the insured region is reimbursed (region file `remoteCare`). */
export interface RemoteCarePolicy {
  /** Where the filing requirement (rules.remoteCareFilingRequired) comes from. */
  filingRequiredSource: string;
  /** With a valid 异地就医备案. */
  filed: RemoteCareTermsPolicy;
  /** Living elsewhere without one. */
  unfiled: RemoteCareTermsPolicy;
  directSettlement: {
    /** How direct settlement (异地直接结算) works, told with every remote-care estimate. */
    description: string;
    /** Diseases settled directly where the person lives (filed only); the others are paid first and claimed back. */
    diseaseCodes: string[];
    source: string;
  };
}

export interface RegionPolicy {
  /** Bumped whenever any figure changes; the seed reloads a region whose stored version differs. */
  version: string;
  code: string;
  name: string;
  province: string;
  hotline: string | null;
  reviewDeadline: { workingDays: { min: number; max: number }; description: string; source: string };
  channels: ChannelPolicy[];
  diseases: DiseasePolicy[];
  hospitals: HospitalPolicy[];
  materials: MaterialPolicy[];
  costSharing: CostSharingPolicy[];
  /** Absent: the region publishes no remote-care rules (estimates then use its own, flagged). */
  remoteCare?: RemoteCarePolicy;
}
