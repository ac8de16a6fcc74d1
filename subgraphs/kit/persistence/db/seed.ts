import type { DataSource, EntityManager, EntitySchema } from 'typeorm';

import type { RegionPolicy } from '../../domain/policy';
import { todayInChina } from '../../platform/clock';
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
 * policy version equals the data's is left alone; otherwise its policy is replaced in one
 * transaction, so readers never see half a catalogue. Catalogue entries (channels, diseases,
 * hospitals, materials) the new version drops are retired on `today`, never deleted: records
 * that name them keep resolving them.
 */
export async function seedRegionPolicy(
  ds: DataSource,
  policy: RegionPolicy,
  today: string = todayInChina(),
): Promise<SeedOutcome> {
  const stored = await ds.getRepository(RegionEntity).findOneBy({ code: policy.code });
  if (stored?.policyVersion === policy.version) return 'unchanged';
  await ds.transaction(async (tx) => {
    for (const entity of [RateBandEntity, CostSharingEntity])
      await tx.getRepository(entity).delete({ regionCode: policy.code });
    await tx.getRepository(RegionEntity).delete({ code: policy.code });
    await insertRegionPolicy(tx, policy, today);
  });
  return 'loaded';
}

/**
 * Makes `rows` the current entries of a catalogue table: each is inserted or updated (and
 * un-retired), every other current entry of the region is retired on `today`.
 */
async function replaceCatalogue<T extends { regionCode: string; retiredOn?: string | null }>(
  tx: EntityManager,
  entity: EntitySchema<T>,
  keyOf: (row: T) => string,
  rows: T[],
  today: string,
): Promise<void> {
  const repo = tx.getRepository(entity);
  const regionCode = rows[0]?.regionCode;
  const existing = regionCode ? await repo.findBy({ regionCode } as never) : [];
  const keep = new Set(rows.map(keyOf));
  const had = new Set(existing.map(keyOf));
  for (const old of existing) {
    if (!keep.has(keyOf(old)) && !old.retiredOn) {
      await repo.update(primaryOf(entity, old) as never, { retiredOn: today } as never);
    }
  }
  for (const row of rows) {
    const current = { ...row, retiredOn: null };
    if (had.has(keyOf(row))) await repo.update(primaryOf(entity, row) as never, current as never);
    else await repo.insert(current as never);
  }
}

function primaryOf<T>(entity: EntitySchema<T>, row: T): Partial<T> {
  const columns = entity.options.columns as Record<string, { primary?: boolean }>;
  return Object.fromEntries(
    Object.entries(columns)
      .filter(([, c]) => c.primary)
      .map(([name]) => [name, (row as Record<string, unknown>)[name]]),
  ) as Partial<T>;
}

async function insertRegionPolicy(tx: EntityManager, p: RegionPolicy, today: string): Promise<void> {
  const regionCode = p.code;
  await tx.getRepository(RegionEntity).insert({
    code: p.code,
    name: p.name,
    province: p.province,
    hotline: p.hotline,
    reviewMin: p.reviewDeadline.workingDays.min,
    reviewMax: p.reviewDeadline.workingDays.max,
    reviewDescription: p.reviewDeadline.description,
    reviewSource: p.reviewDeadline.source,
    policyVersion: p.version,
  });
  await replaceCatalogue(
    tx,
    ChannelEntity,
    (c) => c.id,
    p.channels.map((c, position) => ({
      regionCode,
      id: c.id,
      position,
      name: c.name,
      kind: c.kind,
      reviewMin: c.reviewWorkingDays.min,
      reviewMax: c.reviewWorkingDays.max,
      reviewSource: c.reviewSource,
      functions: JSON.stringify(c.functions),
      audience: c.audience,
      hours: c.hours ?? null,
      note: c.note ?? null,
    })),
    today,
  );
  await replaceCatalogue(
    tx,
    DiseaseEntity,
    (d) => d.code,
    p.diseases.map((d, position) => ({ regionCode, position, ...d })),
    today,
  );
  await replaceCatalogue(
    tx,
    HospitalEntity,
    (h) => h.code,
    p.hospitals.map((h, position) => ({ regionCode, position, ...h })),
    today,
  );
  await replaceCatalogue(
    tx,
    MaterialEntity,
    (m) => String(m.position),
    p.materials.map((m, position) => ({ regionCode, position, ...m })),
    today,
  );
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
