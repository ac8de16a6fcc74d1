import { REGIONS as REGISTRY } from '../schema/registry';
import { DEMO_PEOPLE, demoRecordsFor } from '../scripts/seed-data/people';
import { mintDevelopmentToken } from '../scripts/token';
import { addDays } from '../subgraphs/kit/domain/calendar';
import type { RegionPolicy } from '../subgraphs/kit/domain/policy';
import { loadRegion } from '../subgraphs/kit/domain/region-file';
import { AuditEntity } from '../subgraphs/kit/persistence/audit';
import { confirmAtHospital, type Stack, startStack } from './harness';

// 经定点医疗机构审核备案 (Yunfu, rules.hospitalReview): a new application waits for the designated
// hospital it names (AWAITING_HOSPITAL, with the hospital's own due date) before the region may
// review it; only a HOSPITAL_REVIEWER of that hospital decides. Panzhihua has no such step.
// Everything through the gateway, on a pinned clock.

const YF = REGISTRY.find((r) => r.code === '445300')!;
const PZH = REGISTRY.find((r) => r.code === '510400')!;
const POLICY: Record<string, RegionPolicy> = {
  [YF.code]: loadRegion(YF.subgraph).policy,
  [PZH.code]: loadRegion(PZH.subgraph).policy,
};
const CHANNEL: Record<string, string> = {
  [YF.code]: 'guangdong-government-portal',
  [PZH.code]: 'sichuan-medical-insurance-app',
};
const TODAY = '2026-11-17'; // a Tuesday, no holiday within the next weeks, no seeded application that day
const at = (date: string) => new Date(`${date}T10:00:00+08:00`);

let stack: Stack;
let sha: string;
beforeAll(async () => {
  stack = await startStack({ now: at(TODAY) });
  sha = await stack.uploadForEveryone('hospital', '材料.png');
});
afterAll(async () => {
  await stack?.close();
});

const used = new Set<string>();
/** A person in good standing in the region, with a disease they have no history for (each pair once). */
function candidate(code: string) {
  const records = demoRecordsFor(code);
  const diseases = POLICY[code]!.diseases.filter(
    (d) => d.validityMonths !== null && !d.requiresPhoto && !d.requiresSpecialistHospital,
  );
  for (const p of DEMO_PEOPLE) {
    if (p.insuredRegionCode !== code || p.status !== 'NORMAL' || p.inArrears || p.residenceRegionCode) continue;
    if (used.has(p.id)) continue;
    // Nobody with an application still open: the region may see it as the same disease (DUPLICATE_OPEN_APPLICATION).
    const open = ['ACCEPTED', 'SUPPLEMENT_REQUESTED', 'AWAITING_IN_PERSON', 'AWAITING_HOSPITAL'];
    if (records.applications.some((a) => a.personId === p.id && open.includes(a.status))) continue;
    const disease = diseases.find(
      (d) =>
        !records.applications.some((a) => a.personId === p.id && a.diseaseCode === d.code) &&
        !records.certifications.some((c) => c.personId === p.id && c.diseaseCode === d.code),
    );
    if (disease) {
      used.add(p.id);
      return { personId: p.id, disease };
    }
  }
  throw new Error(`no candidate left in ${code}`);
}

const hospitalOf = (code: string) =>
  POLICY[code]!.hospitals.find((h) => h.level === 'LEVEL_3' && h.qualifiedForSpecialDiseases)!.code;
const otherHospitalOf = (code: string) => POLICY[code]!.hospitals.find((h) => h.code !== hospitalOf(code))!.code;

const FIELDS =
  'application { acceptanceNumber status decisionReason dueDate { date workingDays } history { status actor note } certification { validFrom } } problems { code message }';

async function submit(code: string): Promise<{ personId: string; applicant: string; application: any }> {
  // A candidate the seeded history already holds an open application for is passed over.
  for (let tries = 0; tries < 10; tries++) {
    const result = await trySubmit(code);
    if (result) return result;
  }
  throw new Error(`no candidate could apply in ${code}`);
}

async function trySubmit(code: string) {
  const region = REGISTRY.find((r) => r.code === code)!;
  const { personId, disease } = candidate(code);
  const hospitalCode = hospitalOf(code);
  const kinds = ['ID_CARD', 'DIAGNOSIS_CERTIFICATE', 'MEDICAL_RECORD'];
  // Panzhihua asks for the card and the form; Yunfu's web portal (the channel used here) for the form.
  kinds.push(...(code === PZH.code ? ['SOCIAL_SECURITY_CARD', 'APPLICATION_FORM'] : ['APPLICATION_FORM']));
  const materials = kinds.map((kind) => ({
    kind,
    fileName: `${kind}.png`,
    sha256: sha,
    ...(kind === 'DIAGNOSIS_CERTIFICATE' || kind === 'MEDICAL_RECORD'
      ? { issuedOn: addDays(TODAY, -20), hospitalCode, stamped: true }
      : { stamped: false }),
  }));
  const applicant = await stack.token({ role: 'APPLICANT', personId });
  const res = await stack.query(
    `mutation($input: ApplicationInput!) { r: submit${region.prefix}Application(input: $input) { ${FIELDS} } }`,
    {
      input: {
        type: 'NEW',
        diseaseCode: disease.code,
        channelId: CHANNEL[code],
        hospitalCode,
        insuredRegionCode: code,
        materials,
      },
    },
    { token: applicant },
  );
  expect(res.errors).toBeUndefined();
  if (res.data.r.problems.map((p: any) => p.code).join() === 'DUPLICATE_OPEN_APPLICATION') return null;
  expect(res.data.r.problems).toEqual([]);
  return { personId, applicant, application: res.data.r.application };
}

const hospitalToken = (code: string, hospitalCode: string, subject = `dora-${hospitalCode}`) =>
  stack.token({ role: 'HOSPITAL_REVIEWER', regionCode: code, hospitalCode, subject });

function confirm(n: string, decision: 'CONFIRM' | 'DECLINE', token: string, reason?: string, key?: string) {
  return stack.query(
    `mutation($n: String!, $d: HospitalReviewDecision!, $r: String, $k: String) {
      r: confirm${YF.prefix}HospitalReview(acceptanceNumber: $n, decision: $d, reason: $r, idempotencyKey: $k) { ${FIELDS} } }`,
    { n, d: decision, r: reason, k: key },
    { token },
  );
}

const review = async (prefix: string, n: string, decision: string, reason?: string) =>
  stack.query(
    `mutation($n: String!, $d: ReviewDecision!, $r: String) { r: review${prefix}Application(acceptanceNumber: $n, decision: $d, reason: $r) { ${FIELDS} } }`,
    { n, d: decision, r: reason },
    { token: await stack.token({ role: 'REVIEWER', regionCode: prefix === YF.prefix ? YF.code : PZH.code }) },
  );

const queue = (prefix: string, token: string) =>
  stack.query(
    `{ q: ${prefix.charAt(0).toLowerCase() + prefix.slice(1)}HospitalReviewQueue(first: 50) { edges { node { acceptanceNumber status dueDate { date } applicant { id name } } } } }`,
    {},
    { token },
  );

const delivered = async (subgraph: string, personId: string, template: string) =>
  (
    await stack.deliver(subgraph, (sent) =>
      sent.some((m) => m.personId === personId && m.template === template && m.channel === 'APP'),
    )
  ).filter((m) => m.personId === personId && m.template === template);

const auditOf = (subgraph: string) => stack.regions[subgraph]!.dataSource.getRepository(AuditEntity);

describe('Yunfu: 经定点医疗机构审核备案', () => {
  it('a submission waits for its hospital, which confirms it; then the region approves and certifies', async () => {
    const { personId, application } = await submit(YF.code);
    const n = application.acceptanceNumber;
    // 3 working days for the hospital (illustrative): Wed 11/18, Thu 11/19, Fri 11/20.
    expect(application).toMatchObject({ status: 'AWAITING_HOSPITAL', dueDate: { date: '2026-11-20', workingDays: 3 } });
    expect(application.history.map((e: any) => e.status)).toEqual(['AWAITING_HOSPITAL']);
    expect(application.history[0].note).toContain('待定点医疗机构');
    const told = await delivered(YF.subgraph, personId, 'APPLICATION_AWAITING_HOSPITAL');
    expect(told[0]!.payload).toMatchObject({ acceptanceNumber: n, dueDate: '2026-11-20' });

    // The hospital's queue: its own applications only, each person read on record.
    const own = await hospitalToken(YF.code, hospitalOf(YF.code));
    const mine = await queue(YF.prefix, own);
    expect(mine.errors).toBeUndefined();
    const entry = mine.data.q.edges.find((e: any) => e.node.acceptanceNumber === n);
    expect(entry.node).toMatchObject({ status: 'AWAITING_HOSPITAL', dueDate: { date: '2026-11-20' } });
    expect(entry.node.applicant.id).toBe(personId);
    const reads = await auditOf(YF.subgraph).findBy({ action: 'READ_HOSPITAL_QUEUE', subject: personId });
    expect(reads.length).toBeGreaterThan(0);
    const other = await hospitalToken(YF.code, otherHospitalOf(YF.code));
    const theirs = await queue(YF.prefix, other);
    expect(theirs.data.q.edges.some((e: any) => e.node.acceptanceNumber === n)).toBe(false);

    // Nobody but that hospital's reviewer decides at the hospital.
    const wrongHospital = await confirm(n, 'CONFIRM', other);
    expect(wrongHospital.errors?.map((e) => e.extensions?.code)).toEqual(['FORBIDDEN']);
    const elsewhere = await confirm(n, 'CONFIRM', await hospitalToken(PZH.code, hospitalOf(PZH.code)));
    expect(elsewhere.errors?.map((e) => e.extensions?.code)).toEqual(['FORBIDDEN']);
    const regionReviewer = await confirm(n, 'CONFIRM', await stack.token({ role: 'REVIEWER', regionCode: YF.code }));
    expect(regionReviewer.errors?.map((e) => e.extensions?.code)).toEqual(['FORBIDDEN']);
    // The region cannot review it yet.
    const early = await review(YF.prefix, n, 'APPROVE');
    expect(early.data.r.problems.map((p: any) => p.code)).toEqual(['HOSPITAL_REVIEW_PENDING']);
    expect(early.data.r.application).toBeNull();
    // A decline needs a reason.
    const bare = await confirm(n, 'DECLINE', own);
    expect(bare.data.r.problems.map((p: any) => p.code)).toEqual(['REASON_REQUIRED']);

    // Confirmed: on to the region, whose 5 working days run from today (Tue 11/17 → Tue 11/24).
    const confirmed = await confirm(n, 'CONFIRM', own, undefined, 'hospital-confirm-0001');
    expect(confirmed.errors).toBeUndefined();
    expect(confirmed.data.r.problems).toEqual([]);
    expect(confirmed.data.r.application).toMatchObject({
      status: 'ACCEPTED',
      dueDate: { date: '2026-11-24', workingDays: 5 },
    });
    expect(confirmed.data.r.application.history.map((e: any) => [e.status, e.actor])).toEqual([
      ['AWAITING_HOSPITAL', `APPLICANT:${personId}`],
      ['ACCEPTED', `HOSPITAL_REVIEWER:${YF.code}:${hospitalOf(YF.code)}:dora-${hospitalOf(YF.code)}`],
    ]);
    // The same key again: the same answer, nothing done twice.
    const again = await confirm(n, 'CONFIRM', own, undefined, 'hospital-confirm-0001');
    expect(again.data.r.application.status).toBe('ACCEPTED');
    expect(await auditOf(YF.subgraph).countBy({ action: 'HOSPITAL_REVIEW_DECISION', subject: n })).toBe(1);
    const twice = await confirm(n, 'CONFIRM', own);
    expect(twice.data.r.problems.map((p: any) => p.code)).toEqual(['HOSPITAL_REVIEW_NOT_PENDING']);
    const news = await delivered(YF.subgraph, personId, 'HOSPITAL_REVIEW_CONFIRMED');
    expect(news[0]!.payload).toMatchObject({ acceptanceNumber: n, dueDate: '2026-11-24' });

    // The region approves: certification.
    const approved = await review(YF.prefix, n, 'APPROVE');
    expect(approved.data.r.problems).toEqual([]);
    expect(approved.data.r.application.status).toBe('APPROVED');
    expect(approved.data.r.application.certification).toMatchObject({ validFrom: TODAY });
    expect(approved.data.r.application.history.map((e: any) => e.status)).toEqual([
      'AWAITING_HOSPITAL',
      'ACCEPTED',
      'APPROVED',
    ]);
  });

  it('a hospital that declines rejects the application, with its reason masked and told to the applicant', async () => {
    const { personId, applicant, application } = await submit(YF.code);
    const n = application.acceptanceNumber;
    // The applicant cannot supplement meanwhile (nothing was asked).
    const supplement = await stack.query(
      `mutation($n: String!, $m: [MaterialInput!]!) { r: supplement${YF.prefix}Materials(acceptanceNumber: $n, materials: $m) { ${FIELDS} } }`,
      { n, m: [{ kind: 'MEDICAL_RECORD', fileName: 'x.png', sha256: sha, stamped: false }] },
      { token: applicant },
    );
    expect(supplement.data.r.problems.map((p: any) => p.code)).toEqual(['ILLEGAL_TRANSITION']);
    expect(supplement.data.r.problems[0].message).toContain('待定点医疗机构审核');

    const own = await hospitalToken(YF.code, hospitalOf(YF.code));
    const declined = await confirm(n, 'DECLINE', own, '本院未查到该诊断记录，请联系 13812345678 核实');
    expect(declined.data.r.problems).toEqual([]);
    const app = declined.data.r.application;
    expect(app.status).toBe('REJECTED');
    expect(app.decisionReason).toContain('本院未查到该诊断记录');
    expect(app.decisionReason).not.toContain('13812345678');
    expect(app.history.map((e: any) => e.status)).toEqual(['AWAITING_HOSPITAL', 'REJECTED']);
    const told = await delivered(YF.subgraph, personId, 'APPLICATION_REJECTED');
    expect(told[0]!.payload.reason).toBe(app.decisionReason);
    expect(await auditOf(YF.subgraph).countBy({ action: 'HOSPITAL_REVIEW_DECISION', subject: n })).toBe(1);
  });

  it('an application still at the hospital may be withdrawn, and then leaves its queue', async () => {
    const { applicant, application } = await submit(YF.code);
    const n = application.acceptanceNumber;
    const withdrawn = await stack.query(
      `mutation($n: String!) { r: withdraw${YF.prefix}Application(acceptanceNumber: $n) { ${FIELDS} } }`,
      { n },
      { token: applicant },
    );
    expect(withdrawn.data.r.application.status).toBe('WITHDRAWN');
    const own = await hospitalToken(YF.code, hospitalOf(YF.code));
    expect((await queue(YF.prefix, own)).data.q.edges.some((e: any) => e.node.acceptanceNumber === n)).toBe(false);
    const late = await confirm(n, 'CONFIRM', own);
    expect(late.data.r.problems.map((p: any) => p.code)).toEqual(['HOSPITAL_REVIEW_NOT_PENDING']);
  });

  it('the shared test helper confirms as the named hospital', async () => {
    const { application } = await submit(YF.code);
    const payload = await confirmAtHospital(stack, YF.code, application.acceptanceNumber);
    expect(payload!.application.status).toBe('ACCEPTED');
  });
});

describe('Panzhihua: no hospital step', () => {
  it('a submission goes straight to the region, and the helper has nothing to do', async () => {
    const { application } = await submit(PZH.code);
    expect(application.status).toBe('ACCEPTED');
    expect(application.history.map((e: any) => e.status)).toEqual(['ACCEPTED']);
    expect(await confirmAtHospital(stack, PZH.code, application.acceptanceNumber)).toBeNull();
    const hospital = await hospitalToken(PZH.code, hospitalOf(PZH.code));
    expect((await queue(PZH.prefix, hospital)).data.q.edges).toEqual([]);
    const approved = await review(PZH.prefix, application.acceptanceNumber, 'APPROVE');
    expect(approved.data.r.application.status).toBe('APPROVED');
  });
});

describe('the token CLI', () => {
  it('mints a hospital reviewer only for one of the region’s designated hospitals', async () => {
    const keysDir = stack.keysDir;
    await expect(
      mintDevelopmentToken({
        role: 'HOSPITAL_REVIEWER',
        regionCode: YF.code,
        hospitalCode: hospitalOf(YF.code),
        keysDir,
      }),
    ).resolves.toMatch(/^ey/);
    await expect(
      mintDevelopmentToken({
        role: 'HOSPITAL_REVIEWER',
        regionCode: YF.code,
        hospitalCode: hospitalOf(PZH.code),
        keysDir,
      }),
    ).rejects.toThrow(/not a designated hospital of 云浮市/);
    await expect(mintDevelopmentToken({ role: 'HOSPITAL_REVIEWER', regionCode: YF.code, keysDir })).rejects.toThrow(
      /--hospital/,
    );
    await expect(
      mintDevelopmentToken({ role: 'REVIEWER', regionCode: YF.code, hospitalCode: hospitalOf(YF.code), keysDir }),
    ).rejects.toThrow(/--hospital applies to HOSPITAL_REVIEWER only/);
  });
});
