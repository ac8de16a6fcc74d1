import { type MigrationInterface, type QueryRunner, Table } from 'typeorm';

import { int, key } from './columns';

/** Daily acceptance-number counters: incremented inside the submitting transaction. */
export class AcceptanceSequence1764300000000 implements MigrationInterface {
  name = 'AcceptanceSequence1764300000000';

  async up(q: QueryRunner): Promise<void> {
    await q.createTable(
      new Table({
        name: 'acceptance_sequence',
        columns: [key('region_code', 12), key('day', 10), int('last_sequence')],
      }),
    );
  }

  async down(q: QueryRunner): Promise<void> {
    await q.dropTable('acceptance_sequence');
  }
}
