import { Writable } from 'node:stream';

import { DEMO_PEOPLE, demoRecordsFor } from '../scripts/seed-data/people';
import { addDays } from '../subgraphs/kit/domain/calendar';
import { loadRegion } from '../subgraphs/kit/domain/region-file';
import {
  ApplicationEntity,
  MaterialFileEntity,
  StatusEventEntity,
} from '../subgraphs/kit/persistence/db/record.entities';
import { type OutboundNotification, OutboxEntity } from '../subgraphs/kit/persistence/outbox';
import { todayInChina } from '../subgraphs/kit/platform/clock';
import { createLogger } from '../subgraphs/kit/platform/log';
import { type Stack, startStack } from './harness';

const panzhihuaPolicy = loadRegion('sichuan-panzhihua').policy;

// The bugs of issue 11, item 5, through the gateway: unbounded inputs were stored, a review reason
// with a phone number or of 2,000 characters and a due date from 9999-12-31 answered
// INTERNAL_SERVER_ERROR with a stack trace in the log. Each now answers a problem (mutations) or a
// BAD_USER_INPUT / INVALID_DATE error (queries), stores nothing it should not, and logs no error.

const PZH = '510400';
const today = todayInChina();
const PNG = Buffer.concat([Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]), Buffer.from('bounds')]);
const hospitalCode = panzhihuaPolicy.hospitals.find(
  (h) => h.level === 'LEVEL_3' && h.qualifiedForSpecialDiseases,
)!.code;

let stack: Stack;
let sha: string;
const logLines: string[] = [];

beforeAll(async () => {
  const sink = new Writable({
    write(chunk: Buffer, _enc, done) {
      logLines.push(...chunk.toString().split('\n').filter(Boolean));
      done();
    },
  });
  stack = await startStack({ logger: createLogger({ level: 'info', destination: sink }) });
  const first = DEMO_PEOPLE.find((p) => p.insuredRegionCode === PZH)!;
  sha = await stack.upload(await stack.token({ role: 'APPLICANT', personId: first.id }), PNG, 'x.png');
});
afterAll(async () => {
  await stack?.close();
});

afterEach(() => {
  // Bad input is the client's mistake: never an error line (with its stack) in any server's log.
  expect(logLines.filter((l) => /"level":"(error|fatal)"/.test(l))).toEqual([]);
});

const used = new Set<string>();
function applicant() {
  const records = demoRecordsFor(PZH);
  for (const p of DEMO_PEOPLE) {
    if (p.insuredRegionCode !== PZH || p.status !== 'NORMAL' || p.inArrears || p.residenceRegionCode) continue;
    const disease = panzhihuaPolicy.diseases.find(
      (d) =>
        !used.has(`${p.id}|${d.code}`) &&
        !records.applications.some((a) => a.personId === p.id && a.diseaseCode === d.code) &&
        !records.certifications.some((c) => c.personId === p.id && c.diseaseCode === d.code),
    );
    if (disease) {
      used.add(`${p.id}|${disease.code}`);
      return { personId: p.id, disease };
    }
  }
  throw new Error('no demo applicant left');
}

const file = (kind: string, extra: Record<string, unknown> = {}) => ({
  kind,
  stamped: false,
  fileName: `${kind}.png`,
  sha256: sha,
  ...extra,
});

function inputFor(diseaseCode: string, extra: Record<string, unknown> = {}) {
  const dated = { issuedOn: addDays(today, -30), hospitalCode, stamped: true };
  return {
    type: 'NEW',
    diseaseCode,
    channelId: panzhihuaPolicy.channels[0]!.id,
    hospitalCode,
    insuredRegionCode: PZH,
    materials: [
      file('ID_CARD'),
      file('DIAGNOSIS_CERTIFICATE', dated),
      file('MEDICAL_RECORD', dated),
      file('SOCIAL_SECURITY_CARD'),
      file('APPLICATION_FORM'),
      file('PHOTO'),
    ],
    ...extra,
  };
}

const db = () => stack.regions['sichuan-panzhihua']!.dataSource;
const countApplications = (personId: string) => db().getRepository(ApplicationEntity).countBy({ personId });

const FIELDS =
  'application { acceptanceNumber status decisionReason materials { fileName } history { status note } } problems { code field message }';

async function submit(extra: Record<string, unknown> = {}) {
  const { personId, disease } = applicant();
  const token = await stack.token({ role: 'APPLICANT', personId });
  const before = await countApplications(personId);
  const res = await stack.query(
    `mutation($input: ApplicationInput!) { r: submitPanzhihuaApplication(input: $input) { ${FIELDS} } }`,
    { input: inputFor(disease.code, extra) },
    { token },
  );
  return { personId, before, res, payload: res.data?.r };
}

describe('submissions', () => {
  it('1,000 materials: TOO_MANY_MATERIALS, no application and no material row stored', async () => {
    const materialsBefore = await db().getRepository(MaterialFileEntity).count();
    const many = Array.from({ length: 1000 }, (_, i) => file('MEDICAL_RECORD', { fileName: `p${i}.png` }));
    const { personId, before, res, payload } = await submit({ materials: many });
    expect(res.errors).toBeUndefined();
    expect(payload.application).toBeNull();
    expect(payload.problems).toEqual([
      { code: 'TOO_MANY_MATERIALS', field: 'materials', message: expect.stringContaining('最多提交30份') },
    ]);
    expect(await countApplications(personId)).toBe(before);
    expect(await db().getRepository(MaterialFileEntity).count()).toBe(materialsBefore);
  });

  it('a 50,000-character idempotency key: INVALID_IDEMPOTENCY_KEY, nothing stored', async () => {
    const { personId, before, payload } = await submit({ idempotencyKey: 'k'.repeat(50_000) });
    expect(payload.application).toBeNull();
    expect(payload.problems.map((p: { code: string }) => p.code)).toEqual(['INVALID_IDEMPOTENCY_KEY']);
    expect(await countApplications(personId)).toBe(before);
  });

  it('all bounds at once: key alphabet, too many materials, too long codes', async () => {
    const { personId, before, payload } = await submit({
      idempotencyKey: 'no spaces allowed',
      diseaseCode: 'M'.repeat(40),
      materials: Array.from({ length: 31 }, () => file('ID_CARD')),
    });
    expect(payload.problems.map((p: { code: string }) => p.code).sort()).toEqual(
      ['INPUT_TOO_LONG', 'INVALID_IDEMPOTENCY_KEY', 'TOO_MANY_MATERIALS'].sort(),
    );
    expect(await countApplications(personId)).toBe(before);
  });

  it('a file name with NUL and right-to-left override is stored stripped', async () => {
    const { payload } = await submit({
      idempotencyKey: 'bounds-file-name-1',
      materials: inputFor('X').materials.map((m, i) =>
        i === 0 ? { ...m, fileName: 'C:\\scan\\id\u0000card\u202Egnp.exe\u2066' } : m,
      ),
    });
    expect(payload.problems).toEqual([]);
    expect(payload.application.materials[0].fileName).toBe('idcardgnp.exe');
    const stored = await db()
      .getRepository(MaterialFileEntity)
      .findOneByOrFail({ applicationId: payload.application.acceptanceNumber, position: 0 });
    expect(stored.fileName).toBe('idcardgnp.exe');
  });

  it.each(['9999-12-31', '1899-12-31', '2026-02-30', '31.12.2026'])(
    'a material issued on %s: INVALID_DATE naming the field, in Chinese; nothing stored',
    async (issuedOn) => {
      const { personId, before, res } = await submit({
        materials: inputFor('X').materials.map((m, i) => (i === 1 ? { ...m, issuedOn } : m)),
      });
      expect(res.status).toBeLessThan(500);
      expect(res.errors).toHaveLength(1);
      expect(res.errors![0]!.extensions?.code).toBe('INVALID_DATE');
      expect(res.errors![0]!.message).toMatch(/^input\.materials\[1\]\.issuedOn：日期(格式不正确|超出范围)/);
      expect(await countApplications(personId)).toBe(before);
    },
  );

  it('a file name of nothing but control characters is a problem, not a nameless file', async () => {
    const { payload } = await submit({
      materials: inputFor('X').materials.map((m, i) => (i === 0 ? { ...m, fileName: '\u0000\u202E' } : m)),
    });
    expect(payload.problems).toEqual([
      expect.objectContaining({ code: 'FILE_NAME_REQUIRED', field: 'materials[0].fileName' }),
    ]);
  });
});

describe('review reasons', () => {
  const review = async (acceptanceNumber: string, decision: string, reason: string) =>
    stack.query(
      `mutation($n: String!, $d: ReviewDecision!, $r: String) { r: reviewPanzhihuaApplication(acceptanceNumber: $n, decision: $d, reason: $r) { ${FIELDS} } }`,
      { n: acceptanceNumber, d: decision, r: reason },
      { token: await stack.token({ role: 'REVIEWER', regionCode: PZH }) },
    );

  it('a phone and an ID number in a reason: masked in the answer, history, database and notification; no 500', async () => {
    const { personId, payload } = await submit();
    const n = payload.application.acceptanceNumber as string;
    const res = await review(
      n,
      'REQUEST_SUPPLEMENT',
      '请补充病历，有疑问请拨打13812345678，身份证510402198001011234复印件不清',
    );
    expect(res.errors).toBeUndefined();
    expect(res.data.r.problems).toEqual([]);
    const masked = '请补充病历，有疑问请拨打138****5678，身份证510402********1234复印件不清';
    expect(res.data.r.application.status).toBe('SUPPLEMENT_REQUESTED');
    expect(res.data.r.application.decisionReason).toBe(masked);
    expect(res.data.r.application.history.at(-1).note).toBe(masked);
    const events = await db().getRepository(StatusEventEntity).findBy({ applicationId: n });
    expect(events.map((e) => e.note)).toContain(masked);
    const outbox = await db().getRepository(OutboxEntity).findBy({ applicationId: n });
    const notice = outbox.filter((o) => o.template === 'APPLICATION_SUPPLEMENT_REQUESTED');
    expect(notice.map((o) => o.channel).sort()).toEqual(['APP', 'SMS']);
    for (const o of notice) expect(JSON.parse(o.payload).reason).toBe(masked);
    const requested = (m: OutboundNotification) => m.personId === personId && m.template.endsWith('REQUESTED');
    const sent = (await stack.deliver('sichuan-panzhihua', (all) => all.filter(requested).length >= 2)).filter(
      requested,
    );
    expect(sent.map((m) => m.payload.reason)).toEqual([masked, masked]);
    expect(JSON.stringify([res, events, outbox, sent])).not.toMatch(/13812345678|510402198001011234/);
  });

  it('a 2,000-character reason: REASON_TOO_LONG, the application unchanged', async () => {
    const { payload } = await submit();
    const n = payload.application.acceptanceNumber as string;
    const res = await review(n, 'REJECT', '原因'.repeat(1000));
    expect(res.errors).toBeUndefined();
    expect(res.data.r.application).toBeNull();
    expect(res.data.r.problems).toEqual([
      { code: 'REASON_TOO_LONG', field: 'reason', message: expect.stringContaining('最多500个字') },
    ]);
    const row = await db().getRepository(ApplicationEntity).findOneByOrFail({ id: n });
    expect(row).toMatchObject({ status: 'ACCEPTED', version: 1, decisionReason: null });
    expect(await db().getRepository(OutboxEntity).countBy({ applicationId: n, template: 'APPLICATION_REJECTED' })).toBe(
      0,
    );
  });
});

describe('query arguments', () => {
  const dueDate = (acceptedOn: string) =>
    stack.query(`{ region(code: "${PZH}") { dueDate(acceptedOn: "${acceptedOn}") { date } } }`);

  it.each(['9999-12-31', '1899-12-31', '2101-01-01', '0001-01-01'])(
    'dueDate(acceptedOn: "%s"): INVALID_DATE in Chinese, no 500',
    async (date) => {
      const literal = await dueDate(date);
      const variable = await stack.query(
        `query($d: Date!) { region(code: "${PZH}") { dueDate(acceptedOn: $d) { date } } }`,
        { d: date },
      );
      for (const res of [literal, variable]) {
        expect(res.status).toBeLessThan(500);
        expect(res.errors).toHaveLength(1);
        expect(res.errors![0]!.extensions?.code).toBe('INVALID_DATE');
        expect(res.errors![0]!.message).toContain('1900-01-01至2100-12-31');
        expect(res.errors![0]!.extensions?.stacktrace).toBeUndefined();
      }
    },
  );

  it('the last and first days of the range are accepted', async () => {
    expect((await dueDate('2100-12-31')).data.region.dueDate.date > '2100-12-31').toBe(true);
    expect((await dueDate('1900-01-01')).errors).toBeUndefined();
  });

  it('a malformed date: INVALID_DATE, the value not echoed at length', async () => {
    const res = await dueDate(`2026-${'1'.repeat(5000)}`);
    expect(res.errors![0]!.extensions?.code).toBe('INVALID_DATE');
    expect(res.errors![0]!.message.length).toBeLessThan(300);
  });

  it('a search string or code too long: BAD_USER_INPUT with a Chinese message', async () => {
    const search = await stack.query(`query($s: String) { region(code: "${PZH}") { diseases(search: $s) { code } } }`, {
      s: '糖'.repeat(51),
    });
    expect(search.errors![0]!.extensions).toMatchObject({ code: 'BAD_USER_INPUT', reason: 'INPUT_TOO_LONG' });
    expect(search.errors![0]!.message).toMatch(/过长/);
    const code = await stack.query(`query($c: ID!) { region(code: "${PZH}") { disease(code: $c) { code } } }`, {
      c: 'M'.repeat(50_000),
    });
    expect(code.errors![0]!.extensions).toMatchObject({ code: 'BAD_USER_INPUT', reason: 'INPUT_TOO_LONG' });
    expect(code.errors![0]!.message.length).toBeLessThan(100);
  });

  it('paging out of range: BAD_USER_INPUT (INVALID_PAGE), also at the Int limits', async () => {
    const token = await stack.token({ role: 'REVIEWER', regionCode: PZH });
    for (const [first, offset] of [
      [0, 0],
      [2147483647, 0],
      [10, -1],
      [-2147483648, -2147483648],
    ]) {
      const res = await stack.query(
        'query($f: Int!, $o: Int!) { panzhihuaReviewQueue(first: $f, offset: $o) { id } }',
        { f: first, o: offset },
        { token },
      );
      expect(res.errors![0]!.extensions).toMatchObject({ code: 'BAD_USER_INPUT', reason: 'INVALID_PAGE' });
    }
  });

  it('more than 50 bad variables at once: the client error is not logged as an internal error', async () => {
    const token = await stack.token({ role: 'APPLICANT', personId: DEMO_PEOPLE[0]!.id });
    const materials = Array.from({ length: 60 }, () => file('ID_CARD', { issuedOn: 'not a date' }));
    const res = await stack.query(
      'mutation($n: String!, $m: [MaterialInput!]!) { supplementPanzhihuaMaterials(acceptanceNumber: $n, materials: $m) { problems { code } } }',
      { n: '510400', m: materials },
      { token },
    );
    expect(res.status).toBeLessThan(500);
    expect(res.errors![0]!.extensions?.code).toBe('INVALID_DATE');
  });
});
