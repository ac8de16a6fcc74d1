import { type MigrationInterface, type QueryRunner, TableColumn } from 'typeorm';

import { str } from './columns';

/**
 * Per-figure sources (deductible, annual cap, each rate, each exemption), the coverage text,
 * machine-readable material conditions and disease synonyms. Nullable: the seed reloads every
 * region whose policy version changed, so old rows never outlive this migration's first start.
 */
const ADDED: [string, TableColumn][] = [
  ['disease', new TableColumn(str('deductible_exempt_source', 500, true))],
  ['disease', new TableColumn(str('synonyms', 1000, true))],
  ['disease', new TableColumn(str('synonym_source', 500, true))],
  ['cost_sharing_rule', new TableColumn(str('deductible_source', 500, true))],
  ['cost_sharing_rule', new TableColumn(str('annual_cap_source', 500, true))],
  ['cost_sharing_rule', new TableColumn(str('coverage', 500, true))],
  ['cost_sharing_rule', new TableColumn(str('coverage_source', 500, true))],
  ['rate_band', new TableColumn(str('rate_source', 500, true))],
  ['material_requirement', new TableColumn(str('required_when', 1000, true))],
  ['material_requirement', new TableColumn(str('missing_message', 200, true))],
  ['material_requirement', new TableColumn({ name: 'issuer_must_be_specialist', type: 'boolean', default: false })],
];

export class PolicyFigures1764500000000 implements MigrationInterface {
  name = 'PolicyFigures1764500000000';

  async up(q: QueryRunner): Promise<void> {
    for (const [table, column] of ADDED) await q.addColumn(table, column);
  }

  async down(q: QueryRunner): Promise<void> {
    for (const [table, column] of [...ADDED].reverse()) await q.dropColumn(table, column.name);
  }
}
