import { type MigrationInterface, type QueryRunner, TableIndex } from 'typeorm';

/**
 * One remote-care filing per person, residence and start date. Duplicates left by parallel
 * filings before this index are removed first, keeping the earliest of each.
 */
export class RemoteCareUnique1764500000200 implements MigrationInterface {
  name = 'RemoteCareUnique1764500000200';

  async up(q: QueryRunner): Promise<void> {
    const rows: {
      id: string;
      region_code: string;
      person_id: string;
      residence_region_name: string;
      valid_from: string;
    }[] = await q.query(
      'SELECT id, region_code, person_id, residence_region_name, valid_from FROM remote_care_filing ORDER BY filed_at, id',
    );
    const seen = new Set<string>();
    for (const row of rows) {
      const key = JSON.stringify([row.region_code, row.person_id, row.residence_region_name, row.valid_from]);
      if (seen.has(key)) await q.query('DELETE FROM remote_care_filing WHERE id = ?', [row.id]);
      else seen.add(key);
    }
    await q.createIndex(
      'remote_care_filing',
      new TableIndex({
        name: 'ux_filing_period',
        columnNames: ['region_code', 'person_id', 'residence_region_name', 'valid_from'],
        isUnique: true,
      }),
    );
  }

  async down(q: QueryRunner): Promise<void> {
    await q.dropIndex('remote_care_filing', 'ux_filing_period');
  }
}
