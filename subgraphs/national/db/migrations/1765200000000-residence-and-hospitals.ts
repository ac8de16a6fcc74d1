import { type MigrationInterface, type QueryRunner, Table, TableColumn, TableIndex } from 'typeorm';

import { bool, key, str } from '../../../kit/persistence/db/migrations/columns';

/**
 * The national index learns where each person lives (常住地/居住地, null = in the insured region),
 * and the national subgraph gets the hospital directory (全国医疗机构名录) every region checks
 * medical proof against.
 */
export class ResidenceAndHospitals1765200000000 implements MigrationInterface {
  name = 'ResidenceAndHospitals1765200000000';

  async up(q: QueryRunner): Promise<void> {
    await q.addColumn('person', new TableColumn(str('residence_region_code', 12, true)));
    await q.addColumn('person', new TableColumn(str('residence_region_name', 50, true)));
    await q.createTable(
      new Table({
        name: 'directory_hospital',
        columns: [
          key('code', 40),
          str('name', 100),
          str('province', 20),
          str('region_code', 12),
          str('region_name', 50),
          str('level', 8),
          bool('specialist'),
          bool('illustrative'),
          str('source', 500),
        ],
        indices: [new TableIndex({ name: 'ix_directory_hospital_region', columnNames: ['region_code'] })],
      }),
    );
  }

  async down(q: QueryRunner): Promise<void> {
    await q.dropTable('directory_hospital');
    await q.dropColumn('person', 'residence_region_name');
    await q.dropColumn('person', 'residence_region_code');
  }
}
