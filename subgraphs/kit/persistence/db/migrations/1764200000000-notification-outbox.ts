import { type MigrationInterface, type QueryRunner, Table, TableIndex } from 'typeorm';

import { int, key, str } from './columns';

/**
 * Transactional outbox for applicant notifications (subgraphs/kit/persistence/outbox.ts): written in the same
 * transaction as the status change, delivered later by the dispatcher.
 */
export class NotificationOutbox1764200000000 implements MigrationInterface {
  name = 'NotificationOutbox1764200000000';

  async up(q: QueryRunner): Promise<void> {
    await q.createTable(
      new Table({
        name: 'notification_outbox',
        columns: [
          key('id', 40),
          str('region_code', 12),
          str('person_id', 40),
          str('application_id', 32, true),
          str('channel', 8),
          str('template', 64),
          str('payload', 2000),
          str('status', 12),
          int('attempts'),
          str('next_attempt_at', 32),
          str('created_at', 32),
          str('sent_at', 32, true),
          str('last_error', 500, true),
        ],
        // The dispatcher's query: due PENDING rows and abandoned SENDING rows.
        indices: [new TableIndex({ name: 'ix_outbox_status_due', columnNames: ['status', 'next_attempt_at'] })],
      }),
    );
  }

  async down(q: QueryRunner): Promise<void> {
    await q.dropTable('notification_outbox');
  }
}
