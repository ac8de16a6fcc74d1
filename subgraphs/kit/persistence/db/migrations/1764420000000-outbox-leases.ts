import { type MigrationInterface, type QueryRunner, TableColumn, TableIndex } from 'typeorm';

import { str } from './columns';

/**
 * Outbox batch claims with leases (subgraphs/kit/persistence/outbox.ts): who holds a SENDING row and until
 * when; indexes for the backlog gauges (oldest undelivered row) and for purging old SENT rows.
 */
export class OutboxLeases1764420000000 implements MigrationInterface {
  name = 'OutboxLeases1764420000000';

  async up(q: QueryRunner): Promise<void> {
    await q.addColumns('notification_outbox', [
      new TableColumn(str('claimed_by', 40, true)),
      new TableColumn(str('lease_until', 32, true)),
    ]);
    await q.createIndices('notification_outbox', [
      new TableIndex({ name: 'ix_outbox_status_created', columnNames: ['status', 'created_at'] }),
      new TableIndex({ name: 'ix_outbox_status_sent', columnNames: ['status', 'sent_at'] }),
    ]);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.dropIndex('notification_outbox', 'ix_outbox_status_sent');
    await q.dropIndex('notification_outbox', 'ix_outbox_status_created');
    await q.dropColumn('notification_outbox', 'lease_until');
    await q.dropColumn('notification_outbox', 'claimed_by');
  }
}
