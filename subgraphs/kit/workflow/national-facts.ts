import type { MaterialInput } from '../domain/inputs';
import type { HospitalRow } from '../domain/policy-rows';
import { NATIONAL_UNAVAILABLE, type NationalPerson } from '../domain/residence';
import type { ProofHospital } from '../domain/rules';
import { type NationalLookup, NationalUnavailableError } from '../persistence/national-client';
import type { Identity } from '../platform/auth/identity';
import type { Problem } from '../platform/errors';

/** What a write learns from the national subgraph: the person's index entry and the proof hospitals. */
export type NationalAnswer =
  | { ok: true; person: NationalPerson | null; directory: Map<string, ProofHospital | null> }
  | { ok: false; problem: Problem };

/**
 * One look-up for a submission (the person and every proof hospital) or a supplement (hospitals
 * only, and only those the region's own list does not name). No client, or no answer in time, is
 * the NATIONAL_SERVICE_UNAVAILABLE problem: the caller stores nothing.
 */
export async function askNational(
  national: NationalLookup | null,
  identity: Identity,
  personId: string | null,
  materials: readonly MaterialInput[],
  localHospitals: readonly HospitalRow[] | null,
): Promise<NationalAnswer> {
  const local = new Set(localHospitals?.map((h) => h.code) ?? []);
  const codes = materials
    .map((m) => m.hospitalCode?.trim().toUpperCase())
    .filter((c): c is string => !!c && !local.has(c));
  if (!personId && codes.length === 0) return { ok: true, person: null, directory: new Map() };
  if (!national) return { ok: false, problem: NATIONAL_UNAVAILABLE };
  try {
    const facts = await national.facts(identity, personId, codes);
    return { ok: true, person: facts.person, directory: facts.hospitals };
  } catch (e) {
    if (e instanceof NationalUnavailableError) return { ok: false, problem: NATIONAL_UNAVAILABLE };
    throw e;
  }
}

/** The region's own hospitals first (its data wins), then what the national directory lists. */
export function proofHospitals(
  local: readonly HospitalRow[],
  directory: Map<string, ProofHospital | null>,
): ProofHospital[] {
  const known = new Set(local.map((h) => h.code));
  return [...local, ...[...directory.values()].filter((h): h is ProofHospital => !!h && !known.has(h.code))];
}

/** Problems that depend on what the national subgraph would have said: not reported without it. */
const NATIONAL_CHECKS = new Set([
  'MATERIAL_HOSPITAL_UNKNOWN',
  'MATERIAL_ISSUER_NOT_SPECIALIST',
  'RESIDENCE_MISMATCH',
  'REMOTE_CARE_FILING_REQUIRED',
]);

export const withoutNationalChecks = (problems: Problem[]): Problem[] =>
  problems.filter((p) => !NATIONAL_CHECKS.has(p.code));
