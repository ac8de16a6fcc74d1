import { readFileSync } from 'node:fs';
import path from 'node:path';

import DataLoader from 'dataloader';
import { type DataSource, In } from 'typeorm';
import { parse } from 'yaml';

import { isIllustrativeSource } from '../kit/domain/policy';
import { type CitedDocument, sourceExpander } from '../kit/domain/region-file';
import { DirectoryHospitalEntity, type DirectoryHospitalRow } from './db/hospital.entity';

// The national hospital directory as data (subgraphs/national/data/hospitals.yaml): loaded and
// checked here, copied into the national database at start-up, served by `hospital` and `hospitals`.

export const HOSPITAL_DIRECTORY_FILE = path.join(__dirname, 'data', 'hospitals.yaml');

const LEVELS = new Set(['LEVEL_1', 'LEVEL_2', 'LEVEL_3']);
const CODE = /^H\d{11}$/;
const REGION_CODE = /^\d{6}$/;

/** Reads and checks the directory file; throws listing every bad entry. */
export function loadHospitalDirectory(file = HOSPITAL_DIRECTORY_FILE): DirectoryHospitalRow[] {
  const doc = parse(readFileSync(file, 'utf8')) as {
    documents?: Record<string, unknown>[];
    hospitals?: Record<string, unknown>[];
  };
  const problems: string[] = [];
  // Sources cite {<document id>} from `documents` or {illustrative}, expanded as region files' are.
  const documents = (doc.documents ?? []).map((d, i): CitedDocument => {
    const field = (key: keyof CitedDocument) => {
      const v = d[key];
      if (typeof v !== 'string' || v.trim() === '') problems.push(`documents[${i}].${key}: a non-empty string`);
      return typeof v === 'string' ? v.trim() : '';
    };
    return { id: field('id'), title: field('title'), issuer: field('issuer'), date: field('date') };
  });
  const expand = sourceExpander(documents, (id, at: string) =>
    problems.push(`${at}: cites {${id}}, which documents does not list`),
  );
  const seen = new Set<string>();
  const rows = (doc.hospitals ?? []).map((h, i) => {
    const text = (key: string) => {
      const v = h[key];
      if (typeof v !== 'string' || v.trim() === '') problems.push(`hospitals[${i}].${key}: a non-empty string`);
      return typeof v === 'string' ? v.trim() : '';
    };
    const row: DirectoryHospitalRow = {
      code: text('code'),
      name: text('name'),
      province: text('province'),
      regionCode: text('regionCode'),
      regionName: text('regionName'),
      level: text('level') as DirectoryHospitalRow['level'],
      specialist: h.specialist === true,
      source: expand(text('source'), `hospitals[${i}].source`),
      illustrative: false,
    };
    row.illustrative = isIllustrativeSource(row.source);
    if (!CODE.test(row.code)) problems.push(`hospitals[${i}].code: H followed by 11 digits, got "${row.code}"`);
    if (seen.has(row.code)) problems.push(`hospitals[${i}].code: ${row.code} appears twice`);
    seen.add(row.code);
    if (!REGION_CODE.test(row.regionCode)) problems.push(`hospitals[${i}].regionCode: six digits`);
    if (!LEVELS.has(row.level)) problems.push(`hospitals[${i}].level: LEVEL_1, LEVEL_2 or LEVEL_3`);
    if (typeof h.specialist !== 'boolean') problems.push(`hospitals[${i}].specialist: true or false`);
    return row;
  });
  if (problems.length > 0) throw new Error(`${file}:\n  ${problems.join('\n  ')}`);
  return rows;
}

const same = (a: DirectoryHospitalRow, b: DirectoryHospitalRow) =>
  (Object.keys(a) as (keyof DirectoryHospitalRow)[]).every((k) => a[k] === b[k]);

/**
 * Makes the stored directory equal `rows` in one transaction (insert, update, delete what the file
 * no longer lists). Idempotent: nothing is written when they already agree.
 */
export async function seedHospitalDirectory(
  ds: DataSource,
  rows: DirectoryHospitalRow[] = loadHospitalDirectory(),
): Promise<'loaded' | 'unchanged'> {
  const stored = new Map((await ds.getRepository(DirectoryHospitalEntity).find()).map((r) => [r.code, r]));
  const wanted = new Set(rows.map((r) => r.code));
  const changed = rows.filter((r) => !stored.has(r.code) || !same(stored.get(r.code)!, r));
  const gone = [...stored.keys()].filter((code) => !wanted.has(code));
  if (changed.length === 0 && gone.length === 0) return 'unchanged';
  await ds.transaction(async (tx) => {
    const repo = tx.getRepository(DirectoryHospitalEntity);
    for (const code of gone) await repo.delete({ code });
    for (const row of changed) {
      if (stored.has(row.code)) await repo.update({ code: row.code }, row);
      else await repo.insert(row);
    }
  });
  return 'loaded';
}

/** `%`, `_` and the escape character itself, escaped for LIKE … ESCAPE '!' (MySQL and SQLite alike). */
const likeEscape = (text: string) => text.replace(/[!%_]/g, (c) => `!${c}`);

/** Reads of the directory for one request: by code (batched) and a bounded search. */
export class HospitalDirectory {
  constructor(private readonly ds: DataSource) {}

  private readonly loader = new DataLoader<string, DirectoryHospitalRow | null>(async (codes) => {
    const rows = await this.ds.getRepository(DirectoryHospitalEntity).findBy({ code: In([...codes]) });
    return codes.map((code) => rows.find((r) => r.code === code) ?? null);
  });

  /** One statement for every code asked in the same tick. */
  byCode(code: string): Promise<DirectoryHospitalRow | null> {
    return this.loader.load(code);
  }

  search(search: string | null, level: string | null, first: number): Promise<DirectoryHospitalRow[]> {
    const q = this.ds.getRepository(DirectoryHospitalEntity).createQueryBuilder('h');
    const text = search?.trim();
    if (text) {
      q.andWhere(
        "(h.code LIKE :prefix ESCAPE '!' OR h.name LIKE :part ESCAPE '!' OR h.region_name LIKE :part ESCAPE '!' OR h.province LIKE :part ESCAPE '!')",
        { prefix: `${likeEscape(text.toUpperCase())}%`, part: `%${likeEscape(text)}%` },
      );
    }
    if (level) q.andWhere('h.level = :level', { level });
    return q.orderBy('h.code', 'ASC').take(first).getMany();
  }
}
