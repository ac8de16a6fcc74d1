import DataLoader from 'dataloader';
import { type DataSource, type EntitySchema, In } from 'typeorm';

import {
  ChannelEntity,
  type ChannelRow,
  CostSharingEntity,
  type CostSharingRow,
  DiseaseEntity,
  type DiseaseRow,
  HospitalEntity,
  type HospitalRow,
  MaterialEntity,
  type MaterialRow,
  RateBandEntity,
  type RateBandRow,
  RegionEntity,
  type RegionRow,
} from './db/policy.entities';

/** Loads every row of one table for a batch of regions in one statement, grouped by region. */
function rowsByRegion<T extends { regionCode: string; position?: number }>(
  ds: DataSource,
  entity: EntitySchema<T>,
): DataLoader<string, T[]> {
  return new DataLoader(async (codes) => {
    const rows = await ds.getRepository(entity).find({ where: { regionCode: In([...codes]) } as never });
    const grouped = new Map<string, T[]>(codes.map((c) => [c, []]));
    for (const row of rows) grouped.get(row.regionCode)?.push(row);
    for (const list of grouped.values()) list.sort((a, b) => (a.position ?? 0) - (b.position ?? 0));
    return codes.map((c) => grouped.get(c) ?? []);
  });
}

/**
 * Per-request policy reads: each table is read at most once per request whatever the query asks
 * (several regions batch into one statement). Created in the context factory, never shared.
 */
export class PolicyLoaders {
  readonly region: DataLoader<string, RegionRow | null>;
  readonly channels: DataLoader<string, ChannelRow[]>;
  readonly diseases: DataLoader<string, DiseaseRow[]>;
  readonly hospitals: DataLoader<string, HospitalRow[]>;
  readonly materials: DataLoader<string, MaterialRow[]>;
  readonly costSharing: DataLoader<string, CostSharingRow[]>;
  readonly rateBands: DataLoader<string, RateBandRow[]>;

  constructor(ds: DataSource) {
    this.region = new DataLoader(async (codes) => {
      const rows = await ds.getRepository(RegionEntity).findBy({ code: In([...codes]) });
      return codes.map((c) => rows.find((r) => r.code === c) ?? null);
    });
    this.channels = rowsByRegion(ds, ChannelEntity);
    this.diseases = rowsByRegion(ds, DiseaseEntity);
    this.hospitals = rowsByRegion(ds, HospitalEntity);
    this.materials = rowsByRegion(ds, MaterialEntity);
    this.costSharing = rowsByRegion(ds, CostSharingEntity);
    this.rateBands = rowsByRegion(ds, RateBandEntity);
  }
}
