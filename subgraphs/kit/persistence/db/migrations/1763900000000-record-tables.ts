import { type MigrationInterface, type QueryRunner, Table, TableIndex } from 'typeorm';

import { bool, int, key, str } from './columns';

// People's records in a region. Every lookup a resolver makes has an index.

export class RecordTables1763900000000 implements MigrationInterface {
  name = 'RecordTables1763900000000';

  async up(q: QueryRunner): Promise<void> {
    await q.createTable(
      new Table({
        name: 'insured_person',
        columns: [
          key('region_code', 12),
          key('person_id', 40),
          str('insurance_type', 16),
          str('status', 16),
          bool('in_arrears'),
          int('contribution_tier', true),
        ],
      }),
    );
    await q.createTable(
      new Table({
        name: 'application',
        columns: [
          key('id', 32),
          str('region_code', 12),
          str('person_id', 40),
          str('type', 20),
          str('disease_code', 16),
          str('channel_id', 64),
          str('hospital_code', 32, true),
          str('status', 24),
          str('submitted_at', 32),
          str('accepted_on', 10),
          str('due_date', 10),
          int('due_working_days'),
          bool('due_provisional'),
          str('decision_reason', 500, true),
          str('decided_at', 32, true),
          str('previous_application_id', 32, true),
          str('idempotency_key', 100, true),
          str('open_slot', 64, true),
          int('version'),
        ],
        indices: [
          new TableIndex({ name: 'ix_application_person', columnNames: ['person_id', 'region_code'] }),
          new TableIndex({ name: 'ix_application_region_status', columnNames: ['region_code', 'status', 'due_date'] }),
          // The same key twice is the same submission: enforced by the database, not by a read.
          new TableIndex({
            name: 'ux_application_idempotency',
            columnNames: ['region_code', 'person_id', 'idempotency_key'],
            isUnique: true,
          }),
          // One open application per person and disease: open_slot is null once decided.
          new TableIndex({ name: 'ux_application_open', columnNames: ['region_code', 'open_slot'], isUnique: true }),
        ],
      }),
    );
    await q.createTable(
      new Table({
        name: 'application_material',
        columns: [
          key('id', 40),
          str('application_id', 32),
          int('position'),
          str('kind', 32),
          str('issued_on', 10, true),
          str('hospital_code', 32, true),
          bool('stamped'),
          str('file_name', 255),
          str('sha256', 64),
        ],
        indices: [new TableIndex({ name: 'ix_material_application', columnNames: ['application_id', 'position'] })],
      }),
    );
    await q.createTable(
      new Table({
        name: 'status_event',
        columns: [
          key('id', 40),
          str('application_id', 32),
          int('position'),
          str('status', 24),
          str('at', 32),
          str('actor', 100),
          str('note', 500, true),
        ],
        indices: [new TableIndex({ name: 'ix_event_application', columnNames: ['application_id', 'position'] })],
      }),
    );
    await q.createTable(
      new Table({
        name: 'certification',
        columns: [
          key('id', 40),
          str('region_code', 12),
          str('person_id', 40),
          str('application_id', 32, true),
          str('disease_code', 16),
          str('hospital_code', 32, true),
          str('valid_from', 10),
          str('valid_until', 10, true),
          str('renewable_from', 10, true),
        ],
        indices: [
          new TableIndex({ name: 'ix_certification_person', columnNames: ['person_id', 'region_code'] }),
          new TableIndex({ name: 'ix_certification_application', columnNames: ['application_id'] }),
        ],
      }),
    );
    await q.createTable(
      new Table({
        name: 'remote_care_filing',
        columns: [
          key('id', 40),
          str('region_code', 12),
          str('person_id', 40),
          str('residence_region_code', 12, true),
          str('residence_region_name', 100),
          str('valid_from', 10),
          str('valid_until', 10, true),
          str('filed_at', 32),
        ],
        indices: [new TableIndex({ name: 'ix_filing_person', columnNames: ['person_id', 'region_code'] })],
      }),
    );
  }

  async down(q: QueryRunner): Promise<void> {
    for (const table of [
      'remote_care_filing',
      'certification',
      'status_event',
      'application_material',
      'application',
      'insured_person',
    ]) {
      await q.dropTable(table);
    }
  }
}
