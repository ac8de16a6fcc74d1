import 'reflect-metadata';

import { performance } from 'node:perf_hooks';

import type { DataSource } from 'typeorm';

import { loadRegion } from '../../subgraphs/kit/domain/region-file';
import { todayInChina } from '../../subgraphs/kit/platform/clock';
import { createLogger } from '../../subgraphs/kit/platform/log';
import { encodeCursor } from '../../subgraphs/kit/platform/pagination/cursor';
import { type Stack, startStack } from '../../test/harness';

// `npm run bench:volume [-- --applications 1000000]`: a region's database at provincial volume.
// Needs MYSQL_URL (MariaDB or MySQL 8); its own databases (mente_volume_*, recreated). Bulk-loads
// Panzhihua with N applications (≈4.25 materials and 1.8 history events each, 3 applications per
// person, an insured_person row per person) and the national index with their people (person +
// INSURED/APPLIED history), all by INSERT … SELECT from a generated sequence table in batches,
// never row by row. Then, through the gateway of the whole stack (test/harness.ts), reports the
// median latency of: the review queue's first and last page (keyset connection, 50 rows),
// person.records of a bench person, a lookup by acceptance number, and a submission.
// Target: the queue's last page within 2× its first page. Not part of `npm test`.

const REGION = { code: '510400', subgraph: 'sichuan-panzhihua', policy: loadRegion('sichuan-panzhihua').policy };
const BATCH = 100_000;
const RUNS = 7;

function arg(name: string, fallback: number): number {
  const i = process.argv.indexOf(`--${name}`);
  const value = i >= 0 ? Number(process.argv[i + 1]) : fallback;
  if (!Number.isInteger(value) || value < 3) throw new Error(`--${name} must be an integer >= 3`);
  return value;
}

const sqlList = (values: string[]) => values.map((v) => `'${v.replace(/'/g, "''")}'`).join(', ');
const WEIGHTS = Array.from({ length: 20 }, (_, i) => 2 ** (20 - i) % 11);
/** The acceptance number's check character (ISO 7064 MOD 11-2), in SQL, over a 20-digit body. */
const checkCharSql = (body: string) =>
  `SUBSTRING('10X98765432', MOD(${WEIGHTS.map((w, i) => `CAST(SUBSTRING(${body}, ${i + 1}, 1) AS UNSIGNED) * ${w}`).join(' + ')}, 11) + 1, 1)`;

async function timed<T>(label: string, work: () => Promise<T>): Promise<T> {
  const start = performance.now();
  const result = await work();
  console.log(`  ${label}: ${((performance.now() - start) / 1000).toFixed(1)} s`);
  return result;
}

/** bench_seq(n) = 0 … count-1, from a cross join of digit tables (portable to MySQL 8 and MariaDB). */
async function sequenceTable(ds: DataSource, count: number) {
  await ds.query('DROP TABLE IF EXISTS bench_seq');
  await ds.query('CREATE TABLE bench_seq (n INT NOT NULL PRIMARY KEY)');
  const digits = `(${Array.from({ length: 10 }, (_, d) => `SELECT ${d} AS d`).join(' UNION ALL ')})`;
  const places = Math.max(1, Math.ceil(Math.log10(count)));
  const terms = Array.from({ length: places }, (_, i) => `d${i}.d * ${10 ** i}`).join(' + ');
  const from = Array.from({ length: places }, (_, i) => `${digits} d${i}`).join(' CROSS JOIN ');
  await ds.query(`INSERT INTO bench_seq (n) SELECT ${terms} AS n FROM ${from} WHERE ${terms} < ${count}`);
}

async function loadRegion_(ds: DataSource, count: number, today: string) {
  const diseases = REGION.policy.diseases.filter((d) => !d.requiresPhoto).map((d) => d.code);
  const channels = REGION.policy.channels.map((c) => c.id);
  const hospitals = REGION.policy.hospitals.filter((h) => h.qualifiedForSpecialDiseases).map((h) => h.code);
  await sequenceTable(ds, count);
  // Derived per n: person p = n div 3, day 1…365 back, daily sequence from 100001, status by ratio.
  const base = `SELECT s.n, CONCAT('V', LPAD(FLOOR(s.n / 3), 7, '0')) AS person_id,
      DATE_FORMAT(DATE_SUB('${today}', INTERVAL (1 + MOD(s.n, 365)) DAY), '%Y-%m-%d') AS accepted_on,
      100001 + FLOOR(s.n / 365) AS seq, MOD(s.n, 365) < 45 AS recent, MOD(s.n * 37, 100) AS r,
      ELT(1 + MOD(FLOOR(s.n / 3) + MOD(s.n, 3), ${diseases.length}), ${sqlList(diseases)}) AS disease_code,
      ELT(1 + MOD(s.n, ${channels.length}), ${sqlList(channels)}) AS channel_id,
      ELT(1 + MOD(s.n, ${hospitals.length}), ${sqlList(hospitals)}) AS hospital_code
    FROM bench_seq s`;
  const status = `CASE WHEN b.recent THEN (CASE WHEN b.r < 80 THEN 'ACCEPTED' WHEN b.r < 95 THEN 'SUPPLEMENT_REQUESTED' ELSE 'WITHDRAWN' END)
      ELSE (CASE WHEN b.r < 70 THEN 'APPROVED' WHEN b.r < 90 THEN 'REJECTED' WHEN b.r < 95 THEN 'WITHDRAWN' ELSE 'ACCEPTED' END) END`;
  const body = `CONCAT('${REGION.code}', REPLACE(b.accepted_on, '-', ''), LPAD(b.seq, 6, '0'))`;
  await timed('applications', async () => {
    for (let from = 0; from < count; from += BATCH) {
      await ds.query(
        `INSERT INTO application (id, region_code, person_id, type, disease_code, channel_id, hospital_code, status,
           submitted_at, accepted_on, due_date, due_working_days, due_provisional, decision_reason, decided_at,
           previous_application_id, idempotency_key, open_slot, version)
         SELECT CONCAT(x.body, ${checkCharSql('x.body')}), '${REGION.code}', x.person_id, 'NEW', x.disease_code, x.channel_id,
           x.hospital_code, x.status, CONCAT(x.accepted_on, 'T09:30:00+08:00'), x.accepted_on,
           DATE_FORMAT(DATE_ADD(x.accepted_on, INTERVAL 21 DAY), '%Y-%m-%d'), 15, 0,
           CASE x.status WHEN 'REJECTED' THEN '病历资料不符合认定标准' WHEN 'SUPPLEMENT_REQUESTED' THEN '近半年内的门诊病历' ELSE NULL END,
           CASE WHEN x.status IN ('APPROVED', 'REJECTED') THEN CONCAT(x.accepted_on, 'T16:00:00+08:00') ELSE NULL END,
           NULL, NULL,
           CASE WHEN x.status IN ('ACCEPTED', 'SUPPLEMENT_REQUESTED') THEN CONCAT(x.person_id, '|', x.disease_code) ELSE NULL END,
           CASE WHEN x.status = 'ACCEPTED' THEN 1 ELSE 2 END
         FROM (SELECT b.*, ${status} AS status, ${body} AS body FROM (${base} WHERE s.n >= ${from} AND s.n < ${from + BATCH}) b) x`,
      );
    }
  });
  await timed('insured people', () =>
    ds.query(
      `INSERT INTO insured_person (region_code, person_id, insurance_type, status, in_arrears, contribution_tier)
       SELECT '${REGION.code}', CONCAT('V', LPAD(s.n, 7, '0')), IF(MOD(s.n, 2) = 1, 'EMPLOYEE', 'RESIDENT'), 'NORMAL', 0,
         IF(MOD(s.n, 2) = 1, NULL, 1) FROM bench_seq s WHERE s.n < ${Math.ceil(count / 3)}`,
    ),
  );
  const kinds = ['ID_CARD', 'APPLICATION_FORM', 'DIAGNOSIS_CERTIFICATE', 'MEDICAL_RECORD', 'MEDICAL_RECORD'];
  await timed('materials', async () => {
    for (const [k, kind] of kinds.entries()) {
      // The fifth (a second medical record) for one application in four: ≈4.25 per application.
      const hospitalPart = kind === 'DIAGNOSIS_CERTIFICATE' || kind === 'MEDICAL_RECORD';
      await ds.query(
        `INSERT INTO application_material (id, application_id, position, kind, issued_on, hospital_code, stamped, file_name, sha256)
         SELECT CONCAT(a.id, '-M${k + 1}'), a.id, ${k + 1}, '${kind}',
           ${kind === 'ID_CARD' ? 'NULL' : `DATE_FORMAT(DATE_SUB(a.accepted_on, INTERVAL ${3 + k * 7} DAY), '%Y-%m-%d')`},
           ${hospitalPart ? 'a.hospital_code' : 'NULL'}, ${hospitalPart ? 1 : 0}, '${kind.toLowerCase()}.pdf',
           SHA2(CONCAT(a.id, ':${k + 1}'), 256)
         FROM application a WHERE a.region_code = '${REGION.code}' AND a.person_id LIKE 'V%'
         ${k === 4 ? 'AND MOD(CAST(SUBSTRING(a.id, 15, 6) AS UNSIGNED), 4) = 0' : ''}`,
      );
    }
  });
  await timed('history', async () => {
    await ds.query(
      `INSERT INTO status_event (id, application_id, position, status, at, actor, note)
       SELECT CONCAT(a.id, '-E1'), a.id, 1, 'ACCEPTED', a.submitted_at, CONCAT('APPLICANT:', a.person_id), '已受理'
       FROM application a WHERE a.person_id LIKE 'V%'`,
    );
    await ds.query(
      `INSERT INTO status_event (id, application_id, position, status, at, actor, note)
       SELECT CONCAT(a.id, '-E2'), a.id, 2, a.status, COALESCE(a.decided_at, CONCAT(a.accepted_on, 'T15:00:00+08:00')),
         'REVIEWER:${REGION.code}:bench', a.decision_reason
       FROM application a WHERE a.person_id LIKE 'V%' AND a.status <> 'ACCEPTED'`,
    );
  });
  await ds.query('DROP TABLE bench_seq');
  await timed('ANALYZE', () =>
    ds.query('ANALYZE TABLE application, application_material, status_event, insured_person'),
  );
}

async function loadNational(ds: DataSource, people: number) {
  await sequenceTable(ds, people);
  await timed('national people', () =>
    ds.query(
      `INSERT INTO person (id, name, id_number_hash, id_number_encrypted, id_number_masked, phone_encrypted, phone_masked,
         insured_region_code, insurance_type)
       SELECT CONCAT('V', LPAD(s.n, 7, '0')), '压测用户', SHA2(CONCAT('volume:', s.n), 256), 'bench', '510402********0000',
         NULL, NULL, '${REGION.code}', IF(MOD(s.n, 2) = 1, 'EMPLOYEE', 'RESIDENT') FROM bench_seq s`,
    ),
  );
  await timed('national history index', async () => {
    for (const kind of ['INSURED', 'APPLIED']) {
      await ds.query(
        `INSERT INTO person_region_history (person_id, region_code, kind, first_at, source_event)
         SELECT CONCAT('V', LPAD(s.n, 7, '0')), '${REGION.code}', '${kind}', '2026-01-01T00:00:00+08:00', NULL FROM bench_seq s`,
      );
    }
  });
  await ds.query('DROP TABLE bench_seq');
  await ds.query('ANALYZE TABLE person, person_region_history');
}

async function median(stack: Stack, token: string, query: string, variables: Record<string, unknown>): Promise<number> {
  const first = await stack.query(query, variables, { token });
  if (first.errors) throw new Error(`${query.slice(0, 60)}…: ${JSON.stringify(first.errors[0])}`);
  const times: number[] = [];
  for (let i = 0; i < RUNS; i++) {
    const start = performance.now();
    const res = await stack.query(query, variables, { token });
    times.push(performance.now() - start);
    if (res.errors) throw new Error(JSON.stringify(res.errors[0]));
  }
  return times.sort((a, b) => a - b)[Math.floor(times.length / 2)]!;
}

async function main() {
  if (!process.env.MYSQL_URL) throw new Error('bench:volume needs MYSQL_URL (MariaDB or MySQL 8)');
  process.env.TEST_DB_PREFIX = process.env.VOLUME_DB_PREFIX ?? 'mente_volume_';
  const count = arg('applications', 1_000_000);
  const today = todayInChina();
  console.log(
    `bench:volume — ${count.toLocaleString('en')} applications in ${REGION.subgraph}, databases ${process.env.TEST_DB_PREFIX}*`,
  );
  const stack = await startStack({
    logger: createLogger({ level: process.env.LOG_LEVEL ?? 'warn' }),
    responseCache: false,
    subgraphTimeoutMs: 60_000,
    notifications: { send: async () => {} },
  });
  try {
    const region = stack.regions[REGION.subgraph]!.dataSource;
    const loadStart = performance.now();
    await loadRegion_(region, count, today);
    await loadNational(stack.national.dataSource, Math.ceil(count / 3));
    const loadSeconds = (performance.now() - loadStart) / 1000;
    const [{ n: applications }] = (await region.query('SELECT COUNT(*) AS n FROM application')) as { n: number }[];
    const [{ n: materials }] = (await region.query('SELECT COUNT(*) AS n FROM application_material')) as {
      n: number;
    }[];
    const [{ n: events }] = (await region.query('SELECT COUNT(*) AS n FROM status_event')) as { n: number }[];
    console.log(
      `loaded in ${loadSeconds.toFixed(0)} s: ${Number(applications).toLocaleString('en')} applications, ${Number(materials).toLocaleString('en')} materials, ${Number(events).toLocaleString('en')} history events, ${Math.ceil(count / 3).toLocaleString('en')} people in the national index`,
    );

    const operator = await stack.token({ role: 'NATIONAL_OPERATOR', subject: 'volume' });
    const reviewer = await stack.token({ role: 'REVIEWER', regionCode: REGION.code, subject: 'volume' });
    const QUEUE = `query($status: ApplicationStatus!, $after: String) { q: panzhihuaReviewQueueConnection(status: $status, first: 50, after: $after) {
      edges { node { acceptanceNumber dueDate { date } disease { name } } } pageInfo { endCursor hasNextPage } } }`;
    const rows: [string, number][] = [];
    for (const status of ['APPROVED', 'ACCEPTED']) {
      const [{ n }] = (await region.query(
        'SELECT COUNT(*) AS n FROM application WHERE region_code = ? AND status = ?',
        [REGION.code, status],
      )) as { n: number }[];
      // The row just before the last 50 (found once, untimed): the last page's `after`.
      const [last] = (await region.query(
        'SELECT due_date, id FROM application WHERE region_code = ? AND status = ? ORDER BY due_date DESC, id DESC LIMIT 1 OFFSET 50',
        [REGION.code, status],
      )) as { due_date: string; id: string }[];
      const after = encodeCursor(`queue:${REGION.code}:${status}:all`, [last!.due_date, last!.id]);
      const firstMs = await median(stack, reviewer, QUEUE, { status });
      const lastMs = await median(stack, reviewer, QUEUE, { status, after });
      rows.push([`queue ${status} (${Number(n).toLocaleString('en')} rows) first page`, firstMs]);
      rows.push([`queue ${status} last page (keyset)`, lastMs]);
    }
    const someone = 'V' + String(Math.floor(count / 6)).padStart(7, '0');
    rows.push([
      'person.records (3 applications, materials, history)',
      await median(
        stack,
        operator,
        'query($id: ID!) { person(id: $id) { records { regionCode applications { acceptanceNumber status materials { kind } history { status } } certifications { id } } } }',
        { id: someone },
      ),
    ]);
    const [{ id: number }] = (await region.query('SELECT id FROM application WHERE person_id = ? LIMIT 1', [
      someone,
    ])) as {
      id: string;
    }[];
    rows.push([
      'lookup by acceptance number',
      await median(
        stack,
        operator,
        'query($n: String!) { application(acceptanceNumber: $n) { status dueDate { date } materials { kind } history { status } } }',
        { n: number },
      ),
    ]);
    // Submissions: bench people apply for a disease they have nothing for, one each (first one untimed).
    const submitters = Array.from({ length: RUNS + 1 }, (_, i) => 'V' + String(i * 10).padStart(7, '0'));
    const PNG = Buffer.concat([Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]), Buffer.from('volume')]);
    const sha = await stack.uploadFor(submitters, PNG, '诊断证明.png');
    const disease = REGION.policy.diseases.filter((d) => !d.requiresPhoto).at(-1)!;
    const hospitalCode = REGION.policy.hospitals.find(
      (h) => h.level === 'LEVEL_3' && h.qualifiedForSpecialDiseases,
    )!.code;
    const issuedOn = new Date(Date.parse(`${today}T00:00:00+08:00`) - 20 * 86400_000).toISOString().slice(0, 10);
    const file = (kind: string, extra: Record<string, unknown> = {}) => ({
      kind,
      stamped: false,
      fileName: `${kind}.png`,
      sha256: sha,
      ...extra,
    });
    const dated = { issuedOn, hospitalCode, stamped: true };
    const input = {
      type: 'NEW',
      diseaseCode: disease.code,
      channelId: REGION.policy.channels[0]!.id,
      hospitalCode,
      insuredRegionCode: REGION.code,
      materials: [
        file('ID_CARD'),
        file('DIAGNOSIS_CERTIFICATE', dated),
        file('MEDICAL_RECORD', dated),
        file('SOCIAL_SECURITY_CARD'),
        file('APPLICATION_FORM'),
      ],
    };
    const SUBMIT =
      'mutation($input: ApplicationInput!) { r: submitPanzhihuaApplication(input: $input) { application { acceptanceNumber } problems { code message } } }';
    const times: number[] = [];
    for (const [i, personId] of submitters.entries()) {
      const token = await stack.token({ role: 'APPLICANT', personId });
      const start = performance.now();
      const res = await stack.query(SUBMIT, { input }, { token });
      if (i > 0) times.push(performance.now() - start);
      if (res.errors || res.data.r.problems.length)
        throw new Error(`submission: ${JSON.stringify(res.errors ?? res.data.r.problems)}`);
    }
    rows.push(['a submission', times.sort((a, b) => a - b)[Math.floor(times.length / 2)]!]);

    console.log(`\nmedian of ${RUNS}, through the gateway (ms)`);
    for (const [label, ms] of rows) console.log(`  ${label.padEnd(56)} ${ms.toFixed(1).padStart(8)}`);
    const first = rows.find(([l]) => l.startsWith('queue APPROVED') && l.endsWith('first page'))![1];
    const last = rows.find(([l]) => l === 'queue APPROVED last page (keyset)')![1];
    const ok = last <= 2 * first;
    console.log(
      `\ntarget: the queue's last page within 2× its first page (APPROVED): ${last.toFixed(1)} ms vs ${first.toFixed(1)} ms → ${ok ? 'MET' : 'NOT MET'}`,
    );
  } finally {
    await stack.close();
  }
}

main().catch((e: unknown) => {
  console.error(e instanceof Error ? e.stack : e);
  process.exit(1);
});
