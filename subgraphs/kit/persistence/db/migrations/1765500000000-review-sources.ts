import { type MigrationInterface, type QueryRunner, TableColumn } from 'typeorm';

import { str } from './columns';

/**
 * Where each review time comes from: the region's deadline and each channel's (served as
 * ReviewDeadline.source and Channel.reviewSource, with their illustrative flags). Nullable: the
 * seed reloads every region whose policy version changed, so old rows never outlive the first start.
 */
const ADDED: [string, TableColumn][] = [
  ['region', new TableColumn(str('review_source', 500, true))],
  ['channel', new TableColumn(str('review_source', 500, true))],
];

export class ReviewSources1765500000000 implements MigrationInterface {
  name = 'ReviewSources1765500000000';

  async up(q: QueryRunner): Promise<void> {
    for (const [table, column] of ADDED) await q.addColumn(table, column);
  }

  async down(q: QueryRunner): Promise<void> {
    for (const [table, column] of [...ADDED].reverse()) await q.dropColumn(table, column.name);
  }
}
