import type { DataSource, EntityManager } from 'typeorm';

import { AcceptanceSequenceEntity } from '../persistence/db/record.entities';
import { isUniqueViolation } from '../persistence/sql-errors';

// Acceptance numbers count per region and day: one counter row per (region, day).

/** Makes sure the day's counter row exists, outside any transaction (a duplicate means it does). */
export async function ensureSequenceRow(ds: DataSource, regionCode: string, day: string): Promise<void> {
  try {
    await ds.getRepository(AcceptanceSequenceEntity).insert({ regionCode, day, lastSequence: 0 });
  } catch (e) {
    if (!isUniqueViolation(e)) throw e;
  }
}

/**
 * The next number of the day. The row exists already, so the UPDATE takes one row lock and
 * concurrent submissions queue on it instead of deadlocking on gap locks.
 */
export async function nextSequence(tx: EntityManager, regionCode: string, day: string): Promise<number> {
  await tx
    .createQueryBuilder()
    .update(AcceptanceSequenceEntity)
    .set({ lastSequence: () => 'last_sequence + 1' })
    .where('region_code = :code AND day = :day', { code: regionCode, day })
    .execute();
  return (await tx.getRepository(AcceptanceSequenceEntity).findOneByOrFail({ regionCode, day })).lastSequence;
}
