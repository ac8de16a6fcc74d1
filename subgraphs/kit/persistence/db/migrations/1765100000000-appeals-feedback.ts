import { type MigrationInterface, type QueryRunner, Table, TableIndex } from 'typeorm';

import { bool, int, key, str } from './columns';

/** 申诉 (one pending appeal per application) and 意见反馈 with the region's reply. */
export class AppealsFeedback1765100000000 implements MigrationInterface {
  name = 'AppealsFeedback1765100000000';

  async up(q: QueryRunner): Promise<void> {
    await q.createTable(
      new Table({
        name: 'application_appeal',
        columns: [
          key('id', 40),
          str('region_code', 12),
          str('person_id', 40),
          str('application_id', 32),
          str('status', 16),
          str('reason', 500),
          str('filed_at', 32),
          str('filed_on', 10),
          str('due_date', 10),
          int('due_working_days'),
          bool('due_provisional'),
          str('rejected_by', 100),
          str('decided_by', 100, true),
          str('decision_reason', 500, true),
          str('decided_at', 32, true),
          str('open_slot', 32, true),
          int('version'),
        ],
        indices: [
          new TableIndex({ name: 'ix_appeal_application', columnNames: ['application_id'] }),
          new TableIndex({ name: 'ix_appeal_person', columnNames: ['person_id', 'region_code'] }),
          new TableIndex({ name: 'ix_appeal_region_status', columnNames: ['region_code', 'status', 'due_date'] }),
          // One pending appeal per application: open_slot is null once decided.
          new TableIndex({ name: 'ux_appeal_open', columnNames: ['region_code', 'open_slot'], isUnique: true }),
        ],
      }),
    );
    await q.createTable(
      new Table({
        name: 'feedback',
        columns: [
          key('id', 32),
          str('region_code', 12),
          str('person_id', 40),
          str('category', 16),
          str('subject', 50),
          str('text', 1000),
          str('application_id', 32, true),
          str('status', 16),
          str('submitted_at', 32),
          str('reply', 1000, true),
          str('replied_by', 100, true),
          str('replied_at', 32, true),
          int('version'),
        ],
        indices: [
          new TableIndex({ name: 'ix_feedback_person', columnNames: ['person_id', 'region_code'] }),
          new TableIndex({ name: 'ix_feedback_region_status', columnNames: ['region_code', 'status', 'submitted_at'] }),
        ],
      }),
    );
  }

  async down(q: QueryRunner): Promise<void> {
    await q.dropTable('feedback');
    await q.dropTable('application_appeal');
  }
}
