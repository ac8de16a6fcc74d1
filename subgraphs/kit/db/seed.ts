import type { DataSource, EntityManager } from 'typeorm';

import type { RegionPolicy } from '../policy';
import {
  ChannelEntity,
  CostSharingEntity,
  DiseaseEntity,
  HospitalEntity,
  MaterialEntity,
  RateBandEntity,
  RegionEntity,
} from './policy.entities';

export type SeedOutcome = 'loaded' | 'unchanged';

/**
 * Loads a region's versioned policy data into its database. Idempotent: a region whose stored
 * policy version equals the data's is left alone; otherwise all its policy rows are replaced in
 * one transaction, so readers never see half a catalogue.
 */
export async function seedRegionPolicy(ds: DataSource, policy: RegionPolicy): Promise<SeedOutcome> {
  const stored = await ds.getRepository(RegionEntity).findOneBy({ code: policy.code });
  if (stored?.policyVersion === policy.version) return 'unchanged';
  await ds.transaction(async (tx) => {
    await deleteRegionPolicy(tx, policy.code);
    await insertRegionPolicy(tx, policy);
  });
  return 'loaded';
}

async function deleteRegionPolicy(tx: EntityManager, regionCode: string): Promise<void> {
  for (const entity of [
    RateBandEntity,
    CostSharingEntity,
    MaterialEntity,
    HospitalEntity,
    DiseaseEntity,
    ChannelEntity,
  ]) {
    await tx.getRepository(entity).delete({ regionCode });
  }
  await tx.getRepository(RegionEntity).delete({ code: regionCode });
}

async function insertRegionPolicy(tx: EntityManager, p: RegionPolicy): Promise<void> {
  const regionCode = p.code;
  await tx.getRepository(RegionEntity).insert({
    code: p.code,
    name: p.name,
    province: p.province,
    hotline: p.hotline,
    reviewMin: p.reviewDeadline.workingDays.min,
    reviewMax: p.reviewDeadline.workingDays.max,
    reviewDescription: p.reviewDeadline.description,
    policyVersion: p.version,
  });
  await tx.getRepository(ChannelEntity).insert(
    p.channels.map((c, position) => ({
      regionCode,
      id: c.id,
      position,
      name: c.name,
      kind: c.kind,
      reviewMin: c.reviewWorkingDays.min,
      reviewMax: c.reviewWorkingDays.max,
      functions: JSON.stringify(c.functions),
      audience: c.audience,
      hours: c.hours ?? null,
      note: c.note ?? null,
    })),
  );
  await tx.getRepository(DiseaseEntity).insert(p.diseases.map((d, position) => ({ regionCode, position, ...d })));
  await tx.getRepository(HospitalEntity).insert(p.hospitals.map((h, position) => ({ regionCode, position, ...h })));
  await tx.getRepository(MaterialEntity).insert(p.materials.map((m, position) => ({ regionCode, position, ...m })));
  await tx.getRepository(CostSharingEntity).insert(
    p.costSharing.map((r) => ({
      regionCode,
      insuranceType: r.insuranceType,
      deductibleFen: r.deductibleFen,
      deductibleSource: r.deductibleSource,
      annualCapFen: r.annualCapFen,
      annualCapSource: r.annualCapSource,
      coverage: r.coverage,
      coverageSource: r.coverageSource,
      bandBy: r.bandBy,
      source: r.source,
    })),
  );
  await tx
    .getRepository(RateBandEntity)
    .insert(
      p.costSharing.flatMap((r) =>
        r.bands.map((b, position) => ({ regionCode, insuranceType: r.insuranceType, position, ...b })),
      ),
    );
}
