import type { EntityManager } from 'typeorm';

import { addDays, addMonths } from '../domain/calendar';
import type { RegionDefinition } from '../domain/region-definition';
import { activeCertification } from '../domain/rules';
import { DiseaseEntity } from '../persistence/db/policy.entities';
import { type ApplicationRow, CertificationEntity, type CertificationRow } from '../persistence/db/record.entities';

/** Approval files the certification (备案); a renewal or change of hospital replaces the current one. */
export async function certify(
  tx: EntityManager,
  def: RegionDefinition,
  row: ApplicationRow,
  today: string,
): Promise<CertificationRow> {
  const code = def.policy.code;
  const repo = tx.getRepository(CertificationEntity);
  const current = activeCertification(
    await repo.find({
      where: { regionCode: code, personId: row.personId, diseaseCode: row.diseaseCode },
      order: { validFrom: 'ASC', id: 'ASC' },
    }),
    row.diseaseCode,
    today,
  );
  const disease = await tx.getRepository(DiseaseEntity).findOneByOrFail({ regionCode: code, code: row.diseaseCode });
  let validFrom = today;
  let validUntil = disease.validityMonths ? addDays(addMonths(today, disease.validityMonths), -1) : null;
  if (current && row.type === 'CHANGE_HOSPITAL') {
    // A change of hospital keeps the term it changes.
    validUntil = current.validUntil;
  } else if (current && row.type === 'RENEWAL' && current.validUntil && current.validUntil >= today) {
    validFrom = addDays(current.validUntil, 1);
    validUntil = disease.validityMonths ? addDays(addMonths(validFrom, disease.validityMonths), -1) : null;
  }
  if (current && validFrom === today) await repo.update({ id: current.id }, { validUntil: addDays(today, -1) });
  const window = def.rules.renewalWindowDays;
  const cert: CertificationRow = {
    id: `C-${row.id}`,
    regionCode: code,
    personId: row.personId,
    applicationId: row.id,
    diseaseCode: row.diseaseCode,
    hospitalCode: row.hospitalCode ?? current?.hospitalCode ?? null,
    validFrom,
    validUntil,
    renewableFrom: validUntil && window !== null ? addDays(validUntil, -window) : null,
  };
  await repo.insert(cert);
  return cert;
}
