import { type MigrationInterface, type QueryRunner, Table } from 'typeorm';

import { key, str } from './columns';

/** Idempotency keys of every mutation, each with a reference to its first result. */
export class IdempotencyKeys1764500000100 implements MigrationInterface {
  name = 'IdempotencyKeys1764500000100';

  async up(q: QueryRunner): Promise<void> {
    await q.createTable(
      new Table({
        name: 'idempotency_key',
        columns: [
          key('scope', 120),
          key('idem_key', 128),
          str('operation', 80),
          str('fingerprint', 64),
          str('result_id', 64),
          str('created_at', 32),
        ],
      }),
    );
  }

  async down(q: QueryRunner): Promise<void> {
    await q.dropTable('idempotency_key');
  }
}
