import { type MigrationInterface, type QueryRunner, Table, TableIndex } from 'typeorm';

import { key, str } from '../../../kit/persistence/db/migrations/columns';

export class Person1764100000000 implements MigrationInterface {
  name = 'Person1764100000000';

  async up(q: QueryRunner): Promise<void> {
    if (q.connection.driver.options.type === 'mysql') {
      await q.query('ALTER DATABASE CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci');
    }
    await q.createTable(
      new Table({
        name: 'person',
        columns: [
          key('id', 40),
          str('name', 50),
          str('id_number_hash', 64),
          str('id_number_encrypted', 200),
          str('id_number_masked', 18),
          str('phone_encrypted', 200, true),
          str('phone_masked', 11, true),
          str('insured_region_code', 12),
          str('insurance_type', 16),
        ],
        indices: [
          // One person per identity number, found by keyed hash (the number itself is never stored).
          new TableIndex({ name: 'ux_person_id_number', columnNames: ['id_number_hash'], isUnique: true }),
          new TableIndex({ name: 'ix_person_region', columnNames: ['insured_region_code'] }),
        ],
      }),
    );
  }

  async down(q: QueryRunner): Promise<void> {
    await q.dropTable('person');
  }
}
