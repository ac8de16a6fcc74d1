import DataLoader from 'dataloader';
import type express from 'express';
import { type DataSource, In } from 'typeorm';

import { REGIONS } from '../../schema/registry';
import { HISTORY_PATH, type HistoryReport } from '../kit/persistence/history-report';
import { isUniqueViolation } from '../kit/persistence/sql-errors';
import { nowInChina } from '../kit/platform/clock';
import type { Logger } from '../kit/platform/log';
import { type HistoryKind, PersonHistoryEntity, type PersonHistoryRow } from './db/history.entity';
import { PersonEntity } from './db/person.entity';
import { jsonBody, type RegionRoutes } from './region-routes';

// The national index of where each person has history (insured now, formerly insured, filed,
// applied, sent feedback). Person.records asks only these regions (plus the current insured region, always).
// Kept current by the regions themselves: each reports what it accepts through its outbox
// (kit/persistence/history-report.ts) to POST /internal/person-history, signed with its own key.

/** Per request: the regions each person has history in, one statement per batch. */
export function historyLoader(ds: DataSource): DataLoader<string, string[]> {
  return new DataLoader(async (ids) => {
    const rows = await ds
      .getRepository(PersonHistoryEntity)
      .find({ where: { personId: In([...ids]) }, select: { personId: true, regionCode: true } });
    return ids.map((id) => [...new Set(rows.filter((r) => r.personId === id).map((r) => r.regionCode))]);
  });
}

/** Inserts the rows that are not there yet (a row already there is the same fact: left alone). */
export async function recordHistory(ds: DataSource, rows: PersonHistoryRow[]): Promise<number> {
  let added = 0;
  for (const row of rows) {
    const repo = ds.getRepository(PersonHistoryEntity);
    if (await repo.existsBy({ personId: row.personId, regionCode: row.regionCode, kind: row.kind })) continue;
    try {
      await repo.insert(row);
      added += 1;
    } catch (e) {
      if (!isUniqueViolation(e)) throw e; // a concurrent delivery of the same fact won
    }
  }
  return added;
}

const REPORTED: readonly HistoryKind[] = ['APPLIED', 'FILED', 'FEEDBACK'];

/** The body checked: a report of a known kind about a person id of a sane shape, from `regionCode`. */
function parseReport(body: unknown, regionCode: string): HistoryReport | null {
  if (typeof body !== 'object' || body === null) return null;
  const r = body as Record<string, unknown>;
  if (typeof r.eventId !== 'string' || !/^[A-Za-z0-9-]{1,64}$/.test(r.eventId)) return null;
  if (r.regionCode !== regionCode) return null; // a region reports only about itself
  if (typeof r.personId !== 'string' || !/^[A-Za-z0-9_-]{1,40}$/.test(r.personId)) return null;
  if (typeof r.kind !== 'string' || !REPORTED.includes(r.kind as HistoryKind)) return null;
  return r as unknown as HistoryReport;
}

/**
 * POST /internal/person-history: 204 once stored (or already known), 401 for a token that is
 * missing, forged, replayed or from another region (./region-routes.ts), 400 for a body that is
 * not a report, 404 for a person the index does not know (the region's outbox retries, then gives
 * up: FAILED).
 */
export function mountHistoryRoute(app: express.Express, routes: RegionRoutes, ds: DataSource, log: Logger): void {
  routes.post(app, HISTORY_PATH, async (_req, res, caller) => {
    const report = parseReport(jsonBody(caller.body), caller.regionCode);
    if (!report || !REGIONS.some((r) => r.code === report.regionCode)) {
      res.status(400).json({ error: 'BAD_REPORT' });
      return;
    }
    try {
      if (!(await ds.getRepository(PersonEntity).existsBy({ id: report.personId }))) {
        res.status(404).json({ error: 'UNKNOWN_PERSON' });
        return;
      }
      await recordHistory(ds, [
        {
          personId: report.personId,
          regionCode: report.regionCode,
          kind: report.kind,
          firstAt: typeof report.at === 'string' && report.at.length <= 32 ? report.at : nowInChina(),
          sourceEvent: report.eventId,
        },
      ]);
      res.status(204).end();
    } catch (e) {
      log.error({ err: e }, 'region report not stored');
      res.status(503).json({ error: 'UNAVAILABLE' });
    }
  });
}
