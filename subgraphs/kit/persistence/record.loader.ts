import DataLoader from 'dataloader';
import { type DataSource, type EntitySchema, In, LessThan } from 'typeorm';

import { todayInChina } from '../platform/clock';
import {
  ApplicationEntity,
  type ApplicationRow,
  CertificationEntity,
  type CertificationRow,
  InsuredPersonEntity,
  type InsuredPersonRow,
  MaterialFileEntity,
  type MaterialFileRow,
  RemoteCareFilingEntity,
  type RemoteCareFilingRow,
  StatusEventEntity,
  type StatusEventRow,
} from './db/record.entities';

/** Key of a person's rows in one region. */
export const personKey = (regionCode: string, personId: string) => `${regionCode}|${personId}`;

function group<T>(keys: readonly string[], rows: T[], keyOf: (row: T) => string): T[][] {
  const grouped = new Map<string, T[]>(keys.map((k) => [k, []]));
  for (const row of rows) grouped.get(keyOf(row))?.push(row);
  return keys.map((k) => grouped.get(k) ?? []);
}

/** Rows of a person-scoped table for a batch of (region, person) keys, in one statement. */
function byPerson<T extends { regionCode: string; personId: string }>(
  ds: DataSource,
  entity: EntitySchema<T>,
  order: keyof T,
): DataLoader<string, T[]> {
  return new DataLoader(async (keys) => {
    const personIds = [...new Set(keys.map((k) => k.split('|')[1]))];
    const rows = await ds
      .getRepository(entity)
      .find({ where: { personId: In(personIds) } as never, order: { [order]: 'ASC', id: 'ASC' } as never });
    return group(keys, rows, (r) => personKey(r.regionCode, r.personId));
  });
}

/** Rows of an application-scoped table for a batch of applications, in one statement. */
function byApplication<T extends { applicationId: string; position: number }>(
  ds: DataSource,
  entity: EntitySchema<T>,
): DataLoader<string, T[]> {
  return new DataLoader(async (ids) => {
    const rows = await ds
      .getRepository(entity)
      .find({ where: { applicationId: In([...ids]) } as never, order: { position: 'ASC' } as never });
    return group(ids, rows, (r) => r.applicationId);
  });
}

/**
 * Per-request loaders for people's records: whatever a query asks, each table is read once per
 * batch, so the statements a request makes do not grow with the rows it returns.
 */
export class RecordLoaders {
  readonly application: DataLoader<string, ApplicationRow | null>;
  readonly applicationsByPerson: DataLoader<string, ApplicationRow[]>;
  readonly certificationsByPerson: DataLoader<string, CertificationRow[]>;
  readonly filingsByPerson: DataLoader<string, RemoteCareFilingRow[]>;
  readonly insuredPerson: DataLoader<string, InsuredPersonRow | null>;
  readonly materials: DataLoader<string, MaterialFileRow[]>;
  readonly history: DataLoader<string, StatusEventRow[]>;
  readonly certificationOfApplication: DataLoader<string, CertificationRow | null>;

  /** One page of a region's applications in a status, earliest due first: one statement. */
  readonly reviewQueue: (
    regionCode: string,
    status: string,
    overdueOnly: boolean,
    take: number,
    skip: number,
  ) => Promise<ApplicationRow[]>;

  /** `clock` is the workflow's (tests pin it): "overdue" means past due on the workflow's today. */
  constructor(ds: DataSource, clock: () => Date = () => new Date()) {
    this.reviewQueue = async (regionCode, status, overdueOnly, take, skip) => {
      const rows = await ds.getRepository(ApplicationEntity).find({
        where: {
          regionCode,
          status: status as ApplicationRow['status'],
          ...(overdueOnly ? { dueDate: LessThan(todayInChina(clock())) } : {}),
        },
        order: { dueDate: 'ASC', id: 'ASC' },
        take,
        skip,
      });
      for (const row of rows) this.application.prime(row.id, row);
      return rows;
    };
    this.application = new DataLoader(async (ids) => {
      const rows = await ds.getRepository(ApplicationEntity).findBy({ id: In([...ids]) });
      return ids.map((id) => rows.find((r) => r.id === id) ?? null);
    });
    this.applicationsByPerson = byPerson(ds, ApplicationEntity, 'submittedAt');
    this.certificationsByPerson = byPerson(ds, CertificationEntity, 'validFrom');
    this.filingsByPerson = byPerson(ds, RemoteCareFilingEntity, 'validFrom');
    this.insuredPerson = new DataLoader(async (keys) => {
      const personIds = [...new Set(keys.map((k) => k.split('|')[1]))];
      const rows = await ds.getRepository(InsuredPersonEntity).findBy({ personId: In(personIds) });
      return group(keys, rows, (r) => personKey(r.regionCode, r.personId)).map((list) => list[0] ?? null);
    });
    this.materials = byApplication(ds, MaterialFileEntity);
    this.history = byApplication(ds, StatusEventEntity);
    this.certificationOfApplication = new DataLoader(async (ids) => {
      const rows = await ds.getRepository(CertificationEntity).findBy({ applicationId: In([...ids]) });
      return ids.map((id) => rows.find((r) => r.applicationId === id) ?? null);
    });
  }
}
