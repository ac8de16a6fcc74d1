import { EntitySchema } from 'typeorm';

import type { RequiredWhen } from '../../domain/policy';
import type {
  ChannelRow,
  CostSharingRow,
  DiseaseRow,
  HospitalRow,
  MaterialRow,
  RateBandRow,
  RegionRow,
} from '../../domain/policy-rows';
import { bool, int, str } from './columns';

// Policy tables of a regional database. Every row carries its region code, so one database (and
// one subgraph) can later host several pooling regions of a province.

export type {
  ChannelRow,
  CostSharingRow,
  DiseaseRow,
  HospitalRow,
  MaterialRow,
  RateBandRow,
  RegionRow,
} from '../../domain/policy-rows';

const regionCode = { type: String, length: 12, primary: true, name: 'region_code' } as const;
const position = { type: Number, name: 'position' } as const;

export const RegionEntity = new EntitySchema<RegionRow>({
  name: 'Region',
  tableName: 'region',
  columns: {
    code: { type: String, length: 12, primary: true },
    name: str('name', 50),
    province: str('province', 50),
    hotline: str('hotline', 30, true),
    reviewMin: int('review_min_days'),
    reviewMax: int('review_max_days'),
    reviewDescription: str('review_description', 200),
    reviewSource: str('review_source', 500, true),
    policyVersion: str('policy_version', 32),
  },
});

export const ChannelEntity = new EntitySchema<ChannelRow>({
  name: 'Channel',
  tableName: 'channel',
  columns: {
    regionCode,
    id: { type: String, length: 64, primary: true },
    position,
    name: str('name', 100),
    kind: str('kind', 16),
    reviewMin: int('review_min_days'),
    reviewMax: int('review_max_days'),
    reviewSource: str('review_source', 500, true),
    functions: str('functions', 1000),
    audience: str('audience', 200),
    hours: str('hours', 100, true),
    note: str('note', 200, true),
    retiredOn: str('retired_on', 10, true),
  },
});

export const DiseaseEntity = new EntitySchema<DiseaseRow>({
  name: 'Disease',
  tableName: 'disease',
  columns: {
    regionCode,
    code: { type: String, length: 16, primary: true },
    position,
    name: str('name', 100),
    deductibleExempt: bool('deductible_exempt'),
    deductibleExemptSource: str('deductible_exempt_source', 500),
    requiresPhoto: bool('requires_photo'),
    requiresSpecialistHospital: bool('requires_specialist_hospital'),
    validityMonths: int('validity_months', true),
    source: str('source', 1000),
    retiredOn: str('retired_on', 10, true),
    synonyms: {
      type: String,
      length: 1000,
      name: 'synonyms',
      nullable: true,
      transformer: {
        to: (v: string[] | undefined) => JSON.stringify(v ?? []),
        from: (v: string | null) => (v == null ? [] : (JSON.parse(v) as string[])),
      },
    },
    synonymSource: str('synonym_source', 500, true),
  },
});

export const HospitalEntity = new EntitySchema<HospitalRow>({
  name: 'Hospital',
  tableName: 'hospital',
  columns: {
    regionCode,
    code: { type: String, length: 32, primary: true },
    position,
    name: str('name', 100),
    level: str('level', 8),
    qualifiedForSpecialDiseases: bool('qualified_for_special_diseases'),
    specialist: bool('specialist'),
    source: str('source', 1000),
    retiredOn: str('retired_on', 10, true),
  },
});

export const MaterialEntity = new EntitySchema<MaterialRow>({
  name: 'MaterialRequirement',
  tableName: 'material_requirement',
  columns: {
    regionCode,
    position: { ...position, primary: true },
    kind: str('kind', 32),
    name: str('name', 200),
    required: bool('required'),
    requiredWhen: {
      type: String,
      length: 1000,
      name: 'required_when',
      nullable: true,
      // Stored as JSON text so every driver (MySQL, MariaDB, SQLite) keeps it alike.
      transformer: {
        to: (v: RequiredWhen | null | undefined) => (v == null ? null : JSON.stringify(v)),
        from: (v: string | null) => (v == null ? null : (JSON.parse(v) as RequiredWhen)),
      },
    },
    missingMessage: str('missing_message', 200, true),
    issuerMustBeSpecialist: bool('issuer_must_be_specialist'),
    dependsOn: str('depends_on', 32),
    condition: str('condition_note', 200, true),
    validityMonths: int('validity_months', true),
    minHospitalLevel: str('min_hospital_level', 8, true),
    stampRequired: bool('stamp_required'),
    source: str('source', 1000, true),
    retiredOn: str('retired_on', 10, true),
  },
});

export const CostSharingEntity = new EntitySchema<CostSharingRow>({
  name: 'CostSharingRule',
  tableName: 'cost_sharing_rule',
  columns: {
    regionCode,
    insuranceType: { type: String, length: 16, primary: true, name: 'insurance_type' },
    deductibleFen: int('deductible_fen'),
    deductibleSource: str('deductible_source', 500),
    annualCapFen: int('annual_cap_fen', true),
    annualCapSource: str('annual_cap_source', 500),
    coverage: str('coverage', 500),
    coverageSource: str('coverage_source', 500),
    bandBy: str('band_by', 24),
    source: str('source', 1000),
  },
});

export const RateBandEntity = new EntitySchema<RateBandRow>({
  name: 'RateBand',
  tableName: 'rate_band',
  columns: {
    regionCode,
    insuranceType: { type: String, length: 16, primary: true, name: 'insurance_type' },
    position: { ...position, primary: true },
    description: str('description', 100),
    rateBasisPoints: int('rate_basis_points'),
    rateSource: str('rate_source', 500),
    minAge: int('min_age', true),
    maxAge: int('max_age', true),
    contributionTier: int('contribution_tier', true),
    source: str('source', 1000),
  },
});

export const POLICY_ENTITIES = [
  RegionEntity,
  ChannelEntity,
  DiseaseEntity,
  HospitalEntity,
  MaterialEntity,
  CostSharingEntity,
  RateBandEntity,
];
