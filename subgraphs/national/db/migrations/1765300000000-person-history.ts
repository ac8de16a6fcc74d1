import { type MigrationInterface, type QueryRunner, Table, TableIndex } from 'typeorm';

import { key, str } from '../../../kit/persistence/db/migrations/columns';

/**
 * The national index of where each person has history (insured, formerly insured, filed,
 * applied): Person.records asks only those regions. One row per person, region and kind, so a
 * report delivered twice changes nothing.
 */
export class PersonHistory1765300000000 implements MigrationInterface {
  name = 'PersonHistory1765300000000';

  async up(q: QueryRunner): Promise<void> {
    await q.createTable(
      new Table({
        name: 'person_region_history',
        columns: [
          key('person_id', 40),
          key('region_code', 12),
          key('kind', 20),
          str('first_at', 32),
          str('source_event', 64, true),
        ],
        indices: [new TableIndex({ name: 'ix_history_region', columnNames: ['region_code', 'person_id'] })],
      }),
    );
  }

  async down(q: QueryRunner): Promise<void> {
    await q.dropTable('person_region_history');
  }
}
