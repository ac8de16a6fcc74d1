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

/** The current entries (not retired) of an all-rows loader: no statement of its own. */
function current<T extends { retiredOn?: string | null }>(all: DataLoader<string, T[]>): DataLoader<string, T[]> {
  return new DataLoader(async (codes) => {
    const lists = await all.loadMany(codes);
    return lists.map((rows) => (rows instanceof Error ? rows : rows.filter((r) => !r.retiredOn)));
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
  /** Every entry ever in the catalogue, retired ones too: what records resolve their codes with. */
  readonly allChannels: DataLoader<string, ChannelRow[]>;
  readonly allDiseases: DataLoader<string, DiseaseRow[]>;
  readonly allHospitals: DataLoader<string, HospitalRow[]>;
  readonly costSharing: DataLoader<string, CostSharingRow[]>;
  readonly rateBands: DataLoader<string, RateBandRow[]>;

  constructor(ds: DataSource) {
    this.region = new DataLoader(async (codes) => {
      const rows = await ds.getRepository(RegionEntity).findBy({ code: In([...codes]) });
      return codes.map((c) => rows.find((r) => r.code === c) ?? null);
    });
    this.allChannels = rowsByRegion(ds, ChannelEntity);
    this.allDiseases = rowsByRegion(ds, DiseaseEntity);
    this.allHospitals = rowsByRegion(ds, HospitalEntity);
    // What the API lists: only what is in force.
    this.channels = current(this.allChannels);
    this.diseases = current(this.allDiseases);
    this.hospitals = current(this.allHospitals);
    this.materials = current(rowsByRegion(ds, MaterialEntity));
    this.costSharing = rowsByRegion(ds, CostSharingEntity);
    this.rateBands = rowsByRegion(ds, RateBandEntity);
  }
}
