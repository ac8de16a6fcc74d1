import { EntitySchema } from 'typeorm';

/** Why a region holds something about a person (the national index keeps one row per kind). */
export type HistoryKind = 'INSURED' | 'FORMERLY_INSURED' | 'FILED' | 'APPLIED' | 'FEEDBACK';

export interface PersonHistoryRow {
  personId: string;
  regionCode: string;
  kind: HistoryKind;
  /** When the region first reported it (ISO 8601, +08:00). */
  firstAt: string;
  /** The region's outbox event that reported it first (null for seeded rows). */
  sourceEvent: string | null;
}

export const PersonHistoryEntity = new EntitySchema<PersonHistoryRow>({
  name: 'PersonRegionHistory',
  tableName: 'person_region_history',
  columns: {
    personId: { type: String, length: 40, primary: true, name: 'person_id' },
    regionCode: { type: String, length: 12, primary: true, name: 'region_code' },
    kind: { type: String, length: 20, primary: true },
    firstAt: { type: String, length: 32, name: 'first_at' },
    sourceEvent: { type: String, length: 64, name: 'source_event', nullable: true },
  },
});
