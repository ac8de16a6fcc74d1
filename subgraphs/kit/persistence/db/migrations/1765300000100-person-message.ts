import { type MigrationInterface, type QueryRunner, Table, TableIndex } from 'typeorm';

import { key, str } from './columns';

/** The message centre's store (kit/persistence/inbox.ts), and keyset indexes for the review queue. */
export class PersonMessage1765300000100 implements MigrationInterface {
  name = 'PersonMessage1765300000100';

  async up(q: QueryRunner): Promise<void> {
    await q.createTable(
      new Table({
        name: 'person_message',
        columns: [
          key('id', 40),
          str('region_code', 12),
          str('person_id', 40),
          str('application_id', 32, true),
          str('channel', 8),
          str('template', 64),
          str('payload', 2000),
          str('created_at', 32),
          str('read_at', 32, true),
        ],
        indices: [
          // Newest first per person: WHERE person_id = ? AND (created_at, id) < (?, ?) ORDER BY created_at DESC, id DESC.
          new TableIndex({ name: 'ix_message_person', columnNames: ['person_id', 'created_at', 'id'] }),
        ],
      }),
    );
    // The review queue pages by keyset: WHERE region_code = ? AND status = ? AND (due_date, id) > (?, ?).
    await q.createIndex(
      'application',
      new TableIndex({ name: 'ix_application_queue', columnNames: ['region_code', 'status', 'due_date', 'id'] }),
    );
  }

  async down(q: QueryRunner): Promise<void> {
    await q.dropIndex('application', 'ix_application_queue');
    await q.dropTable('person_message');
  }
}
