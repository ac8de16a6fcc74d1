import type { ApplicationRow, CertificationRow, RemoteCareFilingRow } from '../persistence/db/record.entities';
import { todayInChina } from '../platform/clock';
import type { RegionalContext } from './context';
import type { Certification, RemoteCareFiling } from './record.types';
import { toDisease, toHospital } from './region.service';

/** An application is overdue while it waits for a decision past its due date. */
export function isOverdue(row: Pick<ApplicationRow, 'status' | 'dueDate'>, today = todayInChina()): boolean {
  // Awaiting in-person verification, dueDate is the day to come by: past it, the applicant did not come.
  // Awaiting the hospital (经定点医疗机构审核备案), dueDate is the hospital's.
  const waiting =
    row.status === 'ACCEPTED' || row.status === 'AWAITING_IN_PERSON' || row.status === 'AWAITING_HOSPITAL';
  return waiting && today > row.dueDate;
}

export async function toCertification(row: CertificationRow, ctx: RegionalContext): Promise<Certification> {
  const [diseases, hospitals] = await Promise.all([
    // Retired entries too: a certification shows its disease and hospital as they were.
    ctx.loaders.allDiseases.load(row.regionCode),
    ctx.loaders.allHospitals.load(row.regionCode),
  ]);
  const disease = diseases.find((d) => d.code === row.diseaseCode);
  if (!disease) throw new Error(`certification ${row.id}: disease ${row.diseaseCode} is not in the catalogue`);
  const hospital = row.hospitalCode ? hospitals.find((h) => h.code === row.hospitalCode) : undefined;
  return {
    id: row.id,
    disease: toDisease(disease),
    hospital: hospital ? toHospital(hospital) : null,
    validFrom: row.validFrom,
    validUntil: row.validUntil,
    renewableFrom: row.renewableFrom,
  };
}

export function toRemoteCareFiling(row: RemoteCareFilingRow): RemoteCareFiling {
  return {
    id: row.id,
    residenceRegionName: row.residenceRegionName,
    residenceRegionCode: row.residenceRegionCode,
    validFrom: row.validFrom,
    validUntil: row.validUntil,
  };
}
