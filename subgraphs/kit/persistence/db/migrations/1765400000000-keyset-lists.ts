import { type MigrationInterface, type QueryRunner, TableIndex } from 'typeorm';

/**
 * Keyset indexes for the appeal and feedback queues and the audit-log view: each page is
 * `WHERE <equalities> AND (key, id) > (?, ?) ORDER BY key, id LIMIT n`, read from one index with
 * the id in it (InnoDB appends the primary key to every index; SQLite does not, hence `id`
 * spelled out). The appeal and feedback indexes replace their prefixes.
 */
export class KeysetLists1765400000000 implements MigrationInterface {
  name = 'KeysetLists1765400000000';

  async up(q: QueryRunner): Promise<void> {
    await q.dropIndex('application_appeal', 'ix_appeal_region_status');
    await q.createIndex(
      'application_appeal',
      new TableIndex({ name: 'ix_appeal_queue', columnNames: ['region_code', 'status', 'due_date', 'id'] }),
    );
    await q.dropIndex('feedback', 'ix_feedback_region_status');
    await q.createIndex(
      'feedback',
      new TableIndex({ name: 'ix_feedback_queue', columnNames: ['region_code', 'status', 'submitted_at', 'id'] }),
    );
    // The audit view, newest first: all rows, one subject's, one actor's.
    await q.dropIndex('audit_log', 'ix_audit_subject');
    await q.createIndex(
      'audit_log',
      new TableIndex({ name: 'ix_audit_subject', columnNames: ['subject', 'at', 'id'] }),
    );
    await q.createIndex('audit_log', new TableIndex({ name: 'ix_audit_actor', columnNames: ['actor', 'at', 'id'] }));
    await q.createIndex('audit_log', new TableIndex({ name: 'ix_audit_at', columnNames: ['at', 'id'] }));
  }

  async down(q: QueryRunner): Promise<void> {
    await q.dropIndex('audit_log', 'ix_audit_at');
    await q.dropIndex('audit_log', 'ix_audit_actor');
    await q.dropIndex('audit_log', 'ix_audit_subject');
    await q.createIndex('audit_log', new TableIndex({ name: 'ix_audit_subject', columnNames: ['subject', 'at'] }));
    await q.dropIndex('feedback', 'ix_feedback_queue');
    await q.createIndex(
      'feedback',
      new TableIndex({ name: 'ix_feedback_region_status', columnNames: ['region_code', 'status', 'submitted_at'] }),
    );
    await q.dropIndex('application_appeal', 'ix_appeal_queue');
    await q.createIndex(
      'application_appeal',
      new TableIndex({ name: 'ix_appeal_region_status', columnNames: ['region_code', 'status', 'due_date'] }),
    );
  }
}
