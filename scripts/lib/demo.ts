import { type DataSource, In, IsNull } from 'typeorm';

import { REGIONS } from '../../schema/registry';
import {
  ApplicationEntity,
  CertificationEntity,
  InsuredPersonEntity,
  MaterialFileEntity,
  RemoteCareFilingEntity,
  StatusEventEntity,
} from '../../subgraphs/kit/persistence/db/record.entities';
import { maskIdNumber, maskPhone, type PiiVault } from '../../subgraphs/kit/platform/pii';
import { PersonEntity, type PersonRow } from '../../subgraphs/national/db/person.entity';
import { DEMO_PEOPLE, type DemoPerson, demoRecordsFor } from '../seed-data/people';
import { seedDemoHistory } from './demo-history';

// Demo people for development and tests (never for production): the national identity index and
// each region's records, generated from one dataset so they agree. Idempotent.

export async function seedDemoPeople(ds: DataSource, vault: PiiVault): Promise<'loaded' | 'unchanged'> {
  const repo = ds.getRepository(PersonEntity);
  // Where each demo person has history (Person.records asks only those regions); its own check.
  await seedDemoHistory(ds);
  if ((await repo.count()) > 0) return seedDemoResidences(ds);
  await repo.insert(
    DEMO_PEOPLE.map((p) => ({
      id: p.id,
      name: p.name,
      idNumberHash: vault.lookupHash(p.idNumber),
      idNumberEncrypted: vault.encrypt(p.idNumber),
      idNumberMasked: maskIdNumber(p.idNumber),
      phoneEncrypted: vault.encrypt(p.phone),
      phoneMasked: maskPhone(p.phone),
      insuredRegionCode: p.insuredRegionCode,
      insuranceType: p.insuranceType,
      ...residenceOf(p),
    })),
  );
  return 'loaded';
}

export async function seedDemoRecords(ds: DataSource, regionCode: string): Promise<'loaded' | 'unchanged'> {
  if ((await ds.getRepository(InsuredPersonEntity).countBy({ regionCode })) > 0) return 'unchanged';
  const data = demoRecordsFor(regionCode);
  await ds.transaction(async (tx) => {
    // Chunked: MySQL and SQLite both cap the parameters of one statement.
    const insert = async <T extends object>(entity: Parameters<typeof tx.getRepository>[0], rows: T[]) => {
      for (let i = 0; i < rows.length; i += 200) await tx.getRepository(entity).insert(rows.slice(i, i + 200) as never);
    };
    await insert(InsuredPersonEntity, data.insured);
    await insert(ApplicationEntity, data.applications);
    await insert(MaterialFileEntity, data.materials);
    await insert(StatusEventEntity, data.events);
    await insert(CertificationEntity, data.certifications);
    await insert(RemoteCareFilingEntity, data.filings);
  });
  return 'loaded';
}

function residenceOf(p: DemoPerson): Pick<PersonRow, 'residenceRegionCode' | 'residenceRegionName'> {
  const region = p.residenceRegionCode ? REGIONS.find((r) => r.code === p.residenceRegionCode) : undefined;
  return {
    residenceRegionCode: p.residenceRegionCode,
    residenceRegionName: region ? `${region.province}${region.name}` : null,
  };
}

/** A database seeded before the index recorded residences gets the demo people's (常住地) once. */
async function seedDemoResidences(ds: DataSource): Promise<'loaded' | 'unchanged'> {
  const repo = ds.getRepository(PersonEntity);
  const missing = DEMO_PEOPLE.filter((p) => p.residenceRegionCode);
  const stored = await repo.findBy({ id: In(missing.map((p) => p.id)), residenceRegionCode: IsNull() });
  for (const row of stored) await repo.update({ id: row.id }, residenceOf(missing.find((p) => p.id === row.id)!));
  return stored.length > 0 ? 'loaded' : 'unchanged';
}
