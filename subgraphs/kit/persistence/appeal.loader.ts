import DataLoader from 'dataloader';
import { type DataSource, In } from 'typeorm';

import { AppealEntity, type AppealRow, FeedbackEntity, type FeedbackRow } from './db/appeal.entities';
import { personKey } from './record.loader';

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
        .find({ where: { applicationId: In([...ids]) }, order: { filedAt: 'ASC' } });
      return ids.map((id) => rows.filter((r) => r.applicationId === id));
    });
    const byPerson = <T extends { regionCode: string; personId: string }>(load: (ids: string[]) => Promise<T[]>) =>
      new DataLoader<string, T[]>(async (keys) => {
        const rows = await load([...new Set(keys.map((k) => k.split('|')[1]!))]);
        return keys.map((k) => rows.filter((r) => personKey(r.regionCode, r.personId) === k));
      });
    this.appealsByPerson = byPerson((personIds) =>
      ds.getRepository(AppealEntity).find({ where: { personId: In(personIds) }, order: { filedAt: 'ASC' } }),
    );
    this.feedbackByPerson = byPerson((personIds) =>
      ds.getRepository(FeedbackEntity).find({ where: { personId: In(personIds) }, order: { submittedAt: 'ASC' } }),
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
