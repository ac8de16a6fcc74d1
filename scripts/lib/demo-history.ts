import type { DataSource } from 'typeorm';

import type { PersonHistoryRow } from '../../subgraphs/national/db/history.entity';
import { PersonHistoryEntity } from '../../subgraphs/national/db/history.entity';
import { DEMO_REFERENCE_DATE } from '../seed-data/people';
import { DEMO_PEOPLE, demoRecordsFor } from '../seed-data/people';

/**
 * The national index of where the demo people have history, from the same dataset as the
 * regions' demo records: INSURED (current insured_person row), FORMERLY_INSURED (a SUSPENDED row in
 * another region), APPLIED (any application), FILED (any remote-care filing). Idempotent.
 */
export function demoHistoryRows(): PersonHistoryRow[] {
  const at = `${DEMO_REFERENCE_DATE}T00:00:00+08:00`;
  const insuredIn = new Map(DEMO_PEOPLE.map((p) => [p.id, p.insuredRegionCode as string]));
  const rows = new Map<string, PersonHistoryRow>();
  const add = (personId: string, regionCode: string, kind: PersonHistoryRow['kind']) =>
    rows.set(`${personId}|${regionCode}|${kind}`, { personId, regionCode, kind, firstAt: at, sourceEvent: null });
  for (const code of new Set(insuredIn.values())) {
    const data = demoRecordsFor(code);
    for (const i of data.insured)
      add(i.personId, i.regionCode, insuredIn.get(i.personId) === i.regionCode ? 'INSURED' : 'FORMERLY_INSURED');
    for (const a of data.applications) add(a.personId, a.regionCode, 'APPLIED');
    for (const f of data.filings) add(f.personId, f.regionCode, 'FILED');
  }
  return [...rows.values()];
}

export async function seedDemoHistory(ds: DataSource): Promise<'loaded' | 'unchanged'> {
  if ((await ds.getRepository(PersonHistoryEntity).count()) > 0) return 'unchanged';
  const rows = demoHistoryRows();
  // The table is empty: plain chunked INSERTs (recordHistory checks row by row, for reports).
  for (let i = 0; i < rows.length; i += 200) await ds.getRepository(PersonHistoryEntity).insert(rows.slice(i, i + 200));
  return 'loaded';
}
