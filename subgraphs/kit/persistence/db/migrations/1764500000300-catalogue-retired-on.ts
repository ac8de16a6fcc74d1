import { type MigrationInterface, type QueryRunner, TableColumn } from 'typeorm';

import { str } from './columns';

const CATALOGUE = ['channel', 'disease', 'hospital', 'material_requirement'];

/** Catalogue entries are retired with a date instead of deleted, so records keep resolving them. */
export class CatalogueRetiredOn1764500000300 implements MigrationInterface {
  name = 'CatalogueRetiredOn1764500000300';

  async up(q: QueryRunner): Promise<void> {
    for (const table of CATALOGUE) await q.addColumn(table, new TableColumn(str('retired_on', 10, true)));
  }

  async down(q: QueryRunner): Promise<void> {
    for (const table of CATALOGUE) await q.dropColumn(table, 'retired_on');
  }
}
