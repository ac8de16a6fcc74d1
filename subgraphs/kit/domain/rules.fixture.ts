import type { HospitalLevel } from './policy';
import type { HospitalRow } from './policy-rows';
import { loadAllRegionFiles } from './region-file';
import type { ProofHospital, SubmissionFacts } from './rules';

// For the domain's rule tests: a submission each region accepts, built from its region file alone.

export const TODAY = '2026-06-15';
export const SHA = 'a'.repeat(64);
export const regions = loadAllRegionFiles();
export type Region = (typeof regions)[number];

/** The issuing hospital of every material in the accepted submission: top level, specialist. */
export const PROOF: ProofHospital = {
  code: 'H99000000001',
  name: '测试三级专科医院',
  level: 'LEVEL_3',
  specialist: true,
};
export const RANK: Record<HospitalLevel, number> = { LEVEL_1: 1, LEVEL_2: 2, LEVEL_3: 3 };

/** A submission the region accepts: every material given, recent, stamped, from PROOF. */
export function accepted(def: Region, diseaseCode = def.policy.diseases[0]!.code): SubmissionFacts {
  const p = def.policy;
  const hospital = p.hospitals.find((h) => h.qualifiedForSpecialDiseases) ?? p.hospitals[0]!;
  return {
    regionCode: p.code,
    regionName: p.name,
    today: TODAY,
    input: {
      type: 'NEW',
      diseaseCode,
      channelId: p.channels[0]!.id,
      hospitalCode: hospital.code,
      insuredRegionCode: p.code,
      materials: p.materials.map((m) => ({
        kind: m.kind,
        fileName: 'x.png',
        sha256: SHA,
        issuedOn: TODAY,
        hospitalCode: PROOF.code,
        stamped: true,
      })),
    },
    insured: {
      regionCode: p.code,
      personId: 'P1',
      insuranceType: 'EMPLOYEE',
      status: 'NORMAL',
      inArrears: false,
      contributionTier: null,
    },
    disease: { regionCode: p.code, position: 0, ...p.diseases.find((d) => d.code === diseaseCode)! },
    channel: {
      regionCode: p.code,
      position: 0,
      ...p.channels[0]!,
      functions: '[]',
      reviewMin: p.channels[0]!.reviewWorkingDays.min,
      reviewMax: p.channels[0]!.reviewWorkingDays.max,
      hours: null,
      note: null,
    },
    hospitals: p.hospitals.map((h, position): HospitalRow => ({ regionCode: p.code, position, ...h })),
    materialRules: p.materials.map((m, position) => ({ regionCode: p.code, position, ...m })),
    applications: [],
    certifications: [],
    filings: [],
    nationalPerson: null,
    proofHospitals: [PROOF],
    uploaded: new Set([SHA]),
  };
}
