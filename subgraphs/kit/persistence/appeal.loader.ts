import DataLoader from 'dataloader';
import { type DataSource, In, type SelectQueryBuilder } from 'typeorm';

import { AppealEntity, type AppealRow, FeedbackEntity, type FeedbackRow } from './db/appeal.entities';
import { personKey } from './record.loader';

/** Where a keyset page starts: strictly after (key, id) — the queue's sort column and the id. */
export interface KeysetAfter {
  key: string;
  id: string;
}

/**
 * One keyset page of a region's appeals in a status, earliest due first: WHERE region, status AND
 * (due_date, id) > (after) ORDER BY due_date, id LIMIT n — on ix_appeal_queue, the same cost at any depth.
 */
export function appealQueuePage(
  ds: DataSource,
  regionCode: string,
  status: string,
  limit: number,
  after: KeysetAfter | null,
): Promise<AppealRow[]> {
  return appealQueueQuery(ds, regionCode, status, limit, after).getMany();
}

/** appealQueuePage's statement, unexecuted (tests EXPLAIN it). */
export function appealQueueQuery(
  ds: DataSource,
  regionCode: string,
  status: string,
  limit: number,
  after: KeysetAfter | null,
): SelectQueryBuilder<AppealRow> {
  const query = ds
    .getRepository(AppealEntity)
    .createQueryBuilder('a')
    .where('a.region_code = :regionCode AND a.status = :status', { regionCode, status });
  // (due_date, id) > (:key, :id), spelled out (portable); `due_date >= :key` keeps it a range on the index.
  if (after) query.andWhere('a.due_date >= :key AND (a.due_date > :key OR (a.due_date = :key AND a.id > :id))', after);
  return query.orderBy('a.due_date', 'ASC').addOrderBy('a.id', 'ASC').limit(limit);
}

/** One keyset page of a region's feedback in a status, oldest first, on ix_feedback_queue. */
export function feedbackQueuePage(
  ds: DataSource,
  regionCode: string,
  status: string,
  limit: number,
  after: KeysetAfter | null,
): Promise<FeedbackRow[]> {
  return feedbackQueueQuery(ds, regionCode, status, limit, after).getMany();
}

/** feedbackQueuePage's statement, unexecuted (tests EXPLAIN it). */
export function feedbackQueueQuery(
  ds: DataSource,
  regionCode: string,
  status: string,
  limit: number,
  after: KeysetAfter | null,
): SelectQueryBuilder<FeedbackRow> {
  const query = ds
    .getRepository(FeedbackEntity)
    .createQueryBuilder('f')
    .where('f.region_code = :regionCode AND f.status = :status', { regionCode, status });
  if (after) {
    query.andWhere(
      'f.submitted_at >= :key AND (f.submitted_at > :key OR (f.submitted_at = :key AND f.id > :id))',
      after,
    );
  }
  return query.orderBy('f.submitted_at', 'ASC').addOrderBy('f.id', 'ASC').limit(limit);
}

/** Per-request loaders for appeals and feedback: one statement per batch, as RecordLoaders. */
export class AppealLoaders {
  readonly appealsByApplication: DataLoader<string, AppealRow[]>;
  readonly appealsByPerson: DataLoader<string, AppealRow[]>;
  readonly feedbackByPerson: DataLoader<string, FeedbackRow[]>;
  /** One page of a region's feedback or appeals in a status, oldest first. */
  readonly feedbackQueue: (regionCode: string, status: string, take: number, skip: number) => Promise<FeedbackRow[]>;
  readonly appealQueue: (regionCode: string, status: string, take: number, skip: number) => Promise<AppealRow[]>;

  constructor(ds: DataSource) {
    this.appealsByApplication = new DataLoader(async (ids) => {
      const rows = await ds
        .getRepository(AppealEntity)
        .find({ where: { applicationId: In([...ids]) }, order: { filedAt: 'ASC', id: 'ASC' } });
      return ids.map((id) => rows.filter((r) => r.applicationId === id));
    });
    const byPerson = <T extends { regionCode: string; personId: string }>(load: (ids: string[]) => Promise<T[]>) =>
      new DataLoader<string, T[]>(async (keys) => {
        const rows = await load([...new Set(keys.map((k) => k.split('|')[1]!))]);
        return keys.map((k) => rows.filter((r) => personKey(r.regionCode, r.personId) === k));
      });
    this.appealsByPerson = byPerson((personIds) =>
      ds.getRepository(AppealEntity).find({ where: { personId: In(personIds) }, order: { filedAt: 'ASC', id: 'ASC' } }),
    );
    this.feedbackByPerson = byPerson((personIds) =>
      ds
        .getRepository(FeedbackEntity)
        .find({ where: { personId: In(personIds) }, order: { submittedAt: 'ASC', id: 'ASC' } }),
    );
    this.feedbackQueue = (regionCode, status, take, skip) =>
      ds.getRepository(FeedbackEntity).find({
        where: { regionCode, status: status as FeedbackRow['status'] },
        order: { submittedAt: 'ASC', id: 'ASC' },
        take,
        skip,
      });
    this.appealQueue = (regionCode, status, take, skip) =>
      ds.getRepository(AppealEntity).find({
        where: { regionCode, status: status as AppealRow['status'] },
        order: { dueDate: 'ASC', id: 'ASC' },
        take,
        skip,
      });
  }
}
