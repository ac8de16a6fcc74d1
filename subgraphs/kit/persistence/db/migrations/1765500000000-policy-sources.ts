import { type MigrationInterface, type QueryRunner, TableColumn } from 'typeorm';

import { str } from './columns';

/**
 * Where each review time and each material rule comes from: the region's deadline, each channel's
 * review time and each material's figures (served as ReviewDeadline.source, Channel.reviewSource
 * and MaterialRequirement.source, with their illustrative flags). Nullable: the policy seed (at
 * start with MIGRATE_ON_START, or `npm run seed`) reloads every region whose policy version changed;
 * until then a row without a source is served as "not recorded" and flagged illustrative.
 */
const ADDED: [string, TableColumn][] = [
  ['region', new TableColumn(str('review_source', 500, true))],
  ['channel', new TableColumn(str('review_source', 500, true))],
  ['material_requirement', new TableColumn(str('source', 1000, true))],
];

export class PolicySources1765500000000 implements MigrationInterface {
  name = 'PolicySources1765500000000';

  async up(q: QueryRunner): Promise<void> {
    for (const [table, column] of ADDED) await q.addColumn(table, column);
  }

  async down(q: QueryRunner): Promise<void> {
    for (const [table, column] of [...ADDED].reverse()) await q.dropColumn(table, column.name);
  }
}
