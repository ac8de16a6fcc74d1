import { type MigrationInterface, type QueryRunner, Table, TableIndex } from 'typeorm';

import { key, str } from './columns';

/** Append-only audit log (who, role, what, when, request id); shared by every subgraph with data. */
export class AuditLog1764000000000 implements MigrationInterface {
  name = 'AuditLog1764000000000';

  async up(q: QueryRunner): Promise<void> {
    await q.createTable(
      new Table({
        name: 'audit_log',
        columns: [
          key('id', 40),
          str('at', 32),
          str('actor', 100),
          str('role', 24),
          str('action', 40),
          str('subject', 64),
          str('request_id', 64),
        ],
        indices: [new TableIndex({ name: 'ix_audit_subject', columnNames: ['subject', 'at'] })],
      }),
    );
  }

  async down(q: QueryRunner): Promise<void> {
    await q.dropTable('audit_log');
  }
}
