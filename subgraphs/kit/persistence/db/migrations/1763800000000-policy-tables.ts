import { type MigrationInterface, type QueryRunner, Table } from 'typeorm';

import { bool, int, key, str } from './columns';

// Driver-neutral (TypeORM Table API): the same migration runs on MySQL 8, MariaDB and SQLite.

export class PolicyTables1763800000000 implements MigrationInterface {
  name = 'PolicyTables1763800000000';

  async up(q: QueryRunner): Promise<void> {
    if (q.connection.driver.options.type === 'mysql') {
      // Chinese text needs utf8mb4; MariaDB's default database charset may be latin1.
      await q.query('ALTER DATABASE CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci');
    }
    await q.createTable(
      new Table({
        name: 'region',
        columns: [
          key('code', 12),
          str('name', 50),
          str('province', 50),
          str('hotline', 30, true),
          int('review_min_days'),
          int('review_max_days'),
          str('review_description', 200),
          str('policy_version', 32),
        ],
      }),
    );
    await q.createTable(
      new Table({
        name: 'channel',
        columns: [
          key('region_code', 12),
          key('id', 64),
          int('position'),
          str('name', 100),
          str('kind', 16),
          int('review_min_days'),
          int('review_max_days'),
          str('functions', 1000),
          str('audience', 200),
          str('hours', 100, true),
          str('note', 200, true),
        ],
      }),
    );
    await q.createTable(
      new Table({
        name: 'disease',
        columns: [
          key('region_code', 12),
          key('code', 16),
          int('position'),
          str('name', 100),
          bool('deductible_exempt'),
          bool('requires_photo'),
          bool('requires_specialist_hospital'),
          int('validity_months', true),
          str('source', 1000),
        ],
      }),
    );
    await q.createTable(
      new Table({
        name: 'hospital',
        columns: [
          key('region_code', 12),
          key('code', 32),
          int('position'),
          str('name', 100),
          str('level', 8),
          bool('qualified_for_special_diseases'),
          bool('specialist'),
          str('source', 1000),
        ],
      }),
    );
    await q.createTable(
      new Table({
        name: 'material_requirement',
        columns: [
          key('region_code', 12),
          { ...int('position'), isPrimary: true },
          str('kind', 32),
          str('name', 200),
          bool('required'),
          str('depends_on', 32),
          str('condition_note', 200, true),
          int('validity_months', true),
          str('min_hospital_level', 8, true),
          bool('stamp_required'),
        ],
      }),
    );
    await q.createTable(
      new Table({
        name: 'cost_sharing_rule',
        columns: [
          key('region_code', 12),
          key('insurance_type', 16),
          int('deductible_fen'),
          int('annual_cap_fen', true),
          str('band_by', 24),
          str('source', 1000),
        ],
      }),
    );
    await q.createTable(
      new Table({
        name: 'rate_band',
        columns: [
          key('region_code', 12),
          key('insurance_type', 16),
          { ...int('position'), isPrimary: true },
          str('description', 100),
          int('rate_basis_points'),
          int('min_age', true),
          int('max_age', true),
          int('contribution_tier', true),
          str('source', 1000),
        ],
      }),
    );
  }

  async down(q: QueryRunner): Promise<void> {
    for (const table of [
      'rate_band',
      'cost_sharing_rule',
      'material_requirement',
      'hospital',
      'disease',
      'channel',
      'region',
    ]) {
      await q.dropTable(table);
    }
  }
}
