import { type MigrationInterface, type QueryRunner, Table, TableIndex } from 'typeorm';

import { bool, int, key, str } from './columns';

/** The counter's records (persistence/db/counter.entities.ts): clerks' actions and in-person verification requests. */
export class CounterRecords1765000000000 implements MigrationInterface {
  name = 'CounterRecords1765000000000';

  async up(q: QueryRunner): Promise<void> {
    await q.createTable(
      new Table({
        name: 'counter_action',
        columns: [
          key('id', 40),
          str('region_code', 12),
          str('application_id', 32),
          int('position'),
          str('person_id', 40),
          str('action', 24),
          bool('originals_verified'),
          str('place', 100),
          bool('place_illustrative'),
          str('clerk', 100),
          str('at', 32),
          str('note', 500, true),
        ],
        indices: [
          new TableIndex({
            name: 'ux_counter_action_position',
            columnNames: ['application_id', 'position'],
            isUnique: true,
          }),
        ],
      }),
    );
    await q.createTable(
      new Table({
        name: 'in_person_request',
        columns: [
          key('id', 40),
          str('region_code', 12),
          str('application_id', 32),
          str('person_id', 40),
          str('status', 16),
          str('reason', 500),
          str('requested_by', 100),
          str('requested_at', 32),
          str('requested_on', 10),
          str('due_date', 10),
          int('due_working_days'),
          bool('due_illustrative'),
          str('place', 100),
          bool('place_illustrative'),
          str('settled_at', 32, true),
          str('settled_by', 100, true),
        ],
        indices: [new TableIndex({ name: 'ix_in_person_application', columnNames: ['application_id'] })],
      }),
    );
  }

  async down(q: QueryRunner): Promise<void> {
    await q.dropTable('in_person_request');
    await q.dropTable('counter_action');
  }
}
