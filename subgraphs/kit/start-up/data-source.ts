import type { DataSource } from 'typeorm';

import type { RegionDefinition } from '../domain/region-definition';
import { AuditEntity } from '../persistence/audit';
import { APPEAL_ENTITIES } from '../persistence/db/appeal.entities';
import { COUNTER_ENTITIES } from '../persistence/db/counter.entities';
import { PolicyTables1763800000000 } from '../persistence/db/migrations/1763800000000-policy-tables';
import { RecordTables1763900000000 } from '../persistence/db/migrations/1763900000000-record-tables';
import { AuditLog1764000000000 } from '../persistence/db/migrations/1764000000000-audit-log';
import { NotificationOutbox1764200000000 } from '../persistence/db/migrations/1764200000000-notification-outbox';
import { AcceptanceSequence1764300000000 } from '../persistence/db/migrations/1764300000000-acceptance-sequence';
import { OutboxLeases1764420000000 } from '../persistence/db/migrations/1764420000000-outbox-leases';
import { PolicyFigures1764500000000 } from '../persistence/db/migrations/1764500000000-policy-figures';
import { IdempotencyKeys1764500000100 } from '../persistence/db/migrations/1764500000100-idempotency-keys';
import { RemoteCareUnique1764500000200 } from '../persistence/db/migrations/1764500000200-remote-care-unique';
import { CatalogueRetiredOn1764500000300 } from '../persistence/db/migrations/1764500000300-catalogue-retired-on';
import { CounterRecords1765000000000 } from '../persistence/db/migrations/1765000000000-counter-records';
import { AppealsFeedback1765100000000 } from '../persistence/db/migrations/1765100000000-appeals-feedback';
import { PersonMessage1765300000100 } from '../persistence/db/migrations/1765300000100-person-message';
import { KeysetLists1765400000000 } from '../persistence/db/migrations/1765400000000-keyset-lists';
import { PolicySources1765500000000 } from '../persistence/db/migrations/1765500000000-policy-sources';
import { POLICY_ENTITIES } from '../persistence/db/policy.entities';
import { RECORD_ENTITIES } from '../persistence/db/record.entities';
import { seedRegionPolicy } from '../persistence/db/seed';
import { IdempotencyEntity } from '../persistence/idempotency';
import { InboxEntity } from '../persistence/inbox';
import { OutboxEntity } from '../persistence/outbox';
import { createDataSource } from '../platform/db/data-source';

export const REGIONAL_MIGRATIONS = [
  PolicyTables1763800000000,
  RecordTables1763900000000,
  AuditLog1764000000000,
  NotificationOutbox1764200000000,
  AcceptanceSequence1764300000000,
  OutboxLeases1764420000000,
  PolicyFigures1764500000000,
  IdempotencyKeys1764500000100,
  RemoteCareUnique1764500000200,
  CatalogueRetiredOn1764500000300,
  CounterRecords1765000000000,
  AppealsFeedback1765100000000,
  PersonMessage1765300000100,
  KeysetLists1765400000000,
  PolicySources1765500000000,
];
export const REGIONAL_ENTITIES = [
  ...POLICY_ENTITIES,
  ...RECORD_ENTITIES,
  ...APPEAL_ENTITIES,
  AuditEntity,
  OutboxEntity,
  IdempotencyEntity,
  InboxEntity,
  ...COUNTER_ENTITIES,
];

export function createRegionalDataSource(
  def: RegionDefinition,
  url = process.env.DATABASE_URL,
  onQuery?: (sql: string) => void,
) {
  return createDataSource({
    name: def.subgraph,
    url,
    entities: REGIONAL_ENTITIES,
    migrations: REGIONAL_MIGRATIONS,
    onQuery,
  });
}

/** Migrations then the idempotent policy seed: what `npm run migrate` / `npm run seed` do. */
export async function prepareRegionalDatabase(ds: DataSource, def: RegionDefinition, log = console.log) {
  const applied = await ds.runMigrations({ transaction: 'each' });
  for (const m of applied) log(`[${def.subgraph}] migrated ${m.name}`);
  const outcome = await seedRegionPolicy(ds, def.policy);
  log(`[${def.subgraph}] policy ${def.policy.version}: ${outcome}`);
}
