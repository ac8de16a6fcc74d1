import type { ChannelKind, HospitalLevel, InsuranceType, MaterialPolicy } from './policy';

// A region's policy tables as plain shapes (no database): the rules take these, and
// persistence/db/policy.entities.ts maps them to tables.

export interface RegionRow {
  code: string;
  name: string;
  province: string;
  hotline: string | null;
  reviewMin: number;
  reviewMax: number;
  reviewDescription: string;
  /** Where the review deadline comes from (null on rows loaded before the column existed). */
  reviewSource: string | null;
  policyVersion: string;
}

export interface ChannelRow {
  regionCode: string;
  id: string;
  position: number;
  name: string;
  kind: ChannelKind;
  reviewMin: number;
  reviewMax: number;
  /** Where this channel's review time comes from (null on rows loaded before the column existed). */
  reviewSource: string | null;
  /** JSON array of strings. */
  functions: string;
  audience: string;
  hours: string | null;
  note: string | null;
  /** Day it left the catalogue (a re-seeded policy dropped it); null while current. */
  retiredOn?: string | null;
}

export interface DiseaseRow {
  regionCode: string;
  code: string;
  position: number;
  name: string;
  deductibleExempt: boolean;
  deductibleExemptSource: string;
  requiresPhoto: boolean;
  requiresSpecialistHospital: boolean;
  validityMonths: number | null;
  source: string;
  /** Day it left the catalogue (a re-seeded policy dropped it); null while current. */
  retiredOn?: string | null;
  synonyms: string[];
  synonymSource: string;
}

export interface HospitalRow {
  regionCode: string;
  code: string;
  position: number;
  name: string;
  level: HospitalLevel;
  qualifiedForSpecialDiseases: boolean;
  specialist: boolean;
  source: string;
  /** Day it left the catalogue (a re-seeded policy dropped it); null while current. */
  retiredOn?: string | null;
}

/** A material rule as stored: the policy's rule at its position in the region's list. */
export interface MaterialRow extends Omit<MaterialPolicy, 'source'> {
  /** Null on rows loaded before the column existed. */
  source: string | null;
  regionCode: string;
  position: number;
  /** Day it left the catalogue (a re-seeded policy dropped it); null while current. */
  retiredOn?: string | null;
}

export interface CostSharingRow {
  regionCode: string;
  insuranceType: InsuranceType;
  deductibleFen: number;
  deductibleSource: string;
  annualCapFen: number | null;
  annualCapSource: string;
  coverage: string;
  coverageSource: string;
  bandBy: 'AGE' | 'CONTRIBUTION_TIER';
  source: string;
}

export interface RateBandRow {
  regionCode: string;
  insuranceType: InsuranceType;
  position: number;
  description: string;
  rateBasisPoints: number;
  rateSource: string;
  minAge: number | null;
  maxAge: number | null;
  contributionTier: number | null;
  source: string;
}
