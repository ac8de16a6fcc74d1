import { DEMO_PEOPLE, DEMO_PERSONS, demoRecordsFor } from '../scripts/seed-data/people';
import { addDays, addWorkingDays } from '../subgraphs/kit/domain/calendar';
import type { RegionPolicy } from '../subgraphs/kit/domain/policy';
import { loadRegion } from '../subgraphs/kit/domain/region-file';
import { AuditEntity } from '../subgraphs/kit/persistence/audit';
import { ApplicationEntity } from '../subgraphs/kit/persistence/db/record.entities';
import { type OutboundNotification, OutboxEntity } from '../subgraphs/kit/persistence/outbox';
import { confirmAtHospital, type Stack, startStack } from './harness';

const panzhihuaPolicy = loadRegion('sichuan-panzhihua').policy;
const yunfuPolicy = loadRegion('guangdong-yunfu').policy;

// The whole 门特 application lifecycle through the gateway: submit, validate (all problems at
// once, nothing stored), supplement, review, certify, withdraw, re-apply, idempotency, conflicts,
// remote-care filing, notifications and audit.

const PZH = { code: '510400', prefix: 'Panzhihua', subgraph: 'sichuan-panzhihua', policy: panzhihuaPolicy };
const YF = { code: '445300', prefix: 'Yunfu', subgraph: 'guangdong-yunfu', policy: yunfuPolicy };
type Region = typeof PZH;

let stack: Stack;
let sha: string;
// The regions' clock is pinned: a run that crosses midnight in China (16:00 UTC) sees one date throughout.
const today = '2026-12-02'; // a Wednesday, a working day in both regions
const recent = addDays(today, -30);

const PNG = Buffer.concat([
  Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
  Buffer.from('mente test image'),
]);

beforeAll(async () => {
  stack = await startStack({ now: new Date(`${today}T10:00:00+08:00`) });
  // Every demo person owns the same file (one blob, one ownership record each), as if staff at the window uploaded it.
  sha = await stack.uploadFor(
    DEMO_PEOPLE.map((p) => p.id),
    PNG,
    '诊断证明.png',
  );
});
afterAll(async () => {
  await stack?.close();
});

const used = new Set<string>();
/** A demo person insured in `region`, in good standing, living there, with a disease they have no history for. */
function applicantFor(
  region: Region,
  filter: (d: RegionPolicy['diseases'][number]) => boolean = () => true,
  personFilter: (personId: string) => boolean = () => true,
) {
  const records = demoRecordsFor(region.code);
  for (const p of DEMO_PEOPLE) {
    if (p.insuredRegionCode !== region.code || p.status !== 'NORMAL' || p.inArrears || p.residenceRegionCode) continue;
    if (!personFilter(p.id)) continue;
    const disease = region.policy.diseases.find(
      (d) =>
        filter(d) &&
        !used.has(`${p.id}|${d.code}`) &&
        !records.applications.some((a) => a.personId === p.id && a.diseaseCode === d.code) &&
        !records.certifications.some((c) => c.personId === p.id && c.diseaseCode === d.code),
    );
    if (disease) {
      used.add(`${p.id}|${disease.code}`);
      return { personId: p.id, disease };
    }
  }
  throw new Error(`no demo applicant left in ${region.code}`);
}

const hospitalOf = (region: Region, level = 'LEVEL_3') =>
  region.policy.hospitals.find((h) => h.level === level && h.qualifiedForSpecialDiseases)!.code;

function materialsFor(region: Region, disease: RegionPolicy['diseases'][number], channelId?: string) {
  const hospitalCode = hospitalOf(region);
  const file = (kind: string, extra: Record<string, unknown> = {}) => ({
    kind,
    stamped: false,
    fileName: `${kind}.png`,
    sha256: sha,
    ...extra,
  });
  const dated = { issuedOn: recent, hospitalCode, stamped: true };
  const list = [file('ID_CARD'), file('DIAGNOSIS_CERTIFICATE', dated), file('MEDICAL_RECORD', dated)];
  if (region === PZH) list.push(file('SOCIAL_SECURITY_CARD'), file('APPLICATION_FORM'));
  // Yunfu's 门特申请表 is filled in on 广东政务服务网 only.
  if (region === YF && channelId === 'guangdong-government-portal') list.push(file('APPLICATION_FORM'));
  if (region === PZH && disease.requiresPhoto) list.push(file('PHOTO'));
  if (region === YF && disease.requiresSpecialistHospital) {
    // Only a specialist hospital may issue it, stamped.
    const specialist = region.policy.hospitals.find((h) => h.specialist)!.code;
    list.push(file('SPECIALIST_CERTIFICATE', { hospitalCode: specialist, stamped: true }));
  }
  return list;
}

const FIELDS =
  'application { acceptanceNumber status acceptedOn dueDate { date workingDays } history { status actor note } certification { validFrom validUntil renewableFrom hospital { code } } } problems { code field message }';

async function submit(region: Region, token: string, input: Record<string, unknown>) {
  const res = await stack.query(
    `mutation($input: ApplicationInput!) { r: submit${region.prefix}Application(input: $input) { ${FIELDS} } }`,
    { input },
    { token },
  );
  return res;
}

async function apply(
  region: Region,
  filter?: (d: RegionPolicy['diseases'][number]) => boolean,
  overrides: Record<string, unknown> = {},
  personFilter?: (personId: string) => boolean,
) {
  const { personId, disease } = applicantFor(region, filter, personFilter);
  const token = await stack.token({ role: 'APPLICANT', personId });
  const channelId = (overrides.channelId as string | undefined) ?? region.policy.channels[0]!.id;
  const input = {
    type: 'NEW',
    diseaseCode: disease.code,
    channelId,
    hospitalCode: hospitalOf(region),
    insuredRegionCode: region.code,
    materials: materialsFor(region, disease, channelId),
    ...overrides,
  };
  const res = await submit(region, token, input);
  return { personId, disease, token, input, res, payload: res.data?.r };
}

const reviewer = (region: Region) =>
  stack.token({ role: 'REVIEWER', regionCode: region.code, subject: `reviewer-${region.code}` });

async function review(region: Region, token: string, acceptanceNumber: string, decision: string, reason?: string) {
  const res = await stack.query(
    `mutation($n: String!, $d: ReviewDecision!, $r: String) { r: review${region.prefix}Application(acceptanceNumber: $n, decision: $d, reason: $r) { ${FIELDS} } }`,
    { n: acceptanceNumber, d: decision, r: reason },
    { token },
  );
  return res;
}

const countApplications = (region: Region, personId: string) =>
  stack.regions[region.subgraph]!.dataSource.getRepository(ApplicationEntity).countBy({
    personId,
    regionCode: region.code,
  });

describe('submitting', () => {
  it('accepts a complete Panzhihua application: acceptance number, due date, history, notification', async () => {
    const { payload, personId } = await apply(PZH);
    expect(payload.problems).toEqual([]);
    const app = payload.application;
    expect(app.status).toBe('ACCEPTED');
    expect(app.acceptanceNumber.startsWith(`510400${today.replace(/-/g, '')}`)).toBe(true);
    expect(app.acceptedOn).toBe(today);
    expect(app.dueDate).toEqual({ date: addWorkingDays(today, 15).date, workingDays: 15 });
    expect(app.history).toEqual([expect.objectContaining({ status: 'ACCEPTED', actor: `APPLICANT:${personId}` })]);
    const outbox = await stack.regions[PZH.subgraph]!.dataSource.getRepository(OutboxEntity).findBy({
      applicationId: app.acceptanceNumber,
    });
    expect(outbox.map((o) => o.channel).sort()).toEqual(['APP', 'SMS']);
    // the national subgraph routes the new number to Panzhihua with no lookup table
    const routed = await stack.query(
      'query($n: String!) { application(acceptanceNumber: $n) { __typename status } }',
      { n: app.acceptanceNumber },
      { token: await stack.token({ role: 'NATIONAL_OPERATOR' }) },
    );
    expect(routed.data.application).toEqual({ __typename: 'PanzhihuaApplication', status: 'ACCEPTED' });
  });

  it("uses the channel's review time: Yunfu web portal 5 working days, mini program 3", async () => {
    const web = await apply(YF, () => true, { channelId: 'guangdong-government-portal' });
    // First the designated hospital's own due date (经定点医疗机构审核备案; 3 working days, illustrative) …
    expect(web.payload.application.status).toBe('AWAITING_HOSPITAL');
    expect(web.payload.application.dueDate).toEqual({ date: addWorkingDays(today, 3).date, workingDays: 3 });
    // … then the channel's, from the day the hospital confirms.
    const confirmed = await confirmAtHospital(stack, YF.code, web.payload.application.acceptanceNumber);
    expect(confirmed!.application.dueDate).toMatchObject({ date: addWorkingDays(today, 5).date, workingDays: 5 });
    const mini = await apply(YF, () => true, { channelId: 'yueyibao-mini' });
    const miniConfirmed = await confirmAtHospital(stack, YF.code, mini.payload.application.acceptanceNumber);
    expect(miniConfirmed!.application.dueDate.workingDays).toBe(3);
  });

  it('reports every problem at once and stores nothing', async () => {
    const { personId } = applicantFor(PZH);
    const token = await stack.token({ role: 'APPLICANT', personId });
    const before = await countApplications(PZH, personId);
    const lowLevel = PZH.policy.hospitals.find((h) => h.level === 'LEVEL_1')!.code;
    const res = await submit(PZH, token, {
      type: 'NEW',
      diseaseCode: 'M99999',
      channelId: 'no-such-channel',
      insuredRegionCode: '445300',
      materials: [
        {
          kind: 'DIAGNOSIS_CERTIFICATE',
          issuedOn: addDays(today, -200),
          hospitalCode: lowLevel,
          stamped: false,
          fileName: 'd.pdf',
          sha256: 'f'.repeat(64),
        },
      ],
    });
    const codes = res.data.r.problems.map((p: any) => p.code);
    expect(res.data.r.application).toBeNull();
    expect(codes).toEqual(
      expect.arrayContaining([
        'INSURED_REGION_MISMATCH',
        'DISEASE_NOT_IN_CATALOGUE',
        'UNKNOWN_CHANNEL',
        'MATERIAL_MISSING',
        'FILE_NOT_UPLOADED',
        'MATERIAL_EXPIRED',
        'MATERIAL_HOSPITAL_LEVEL',
        'MATERIAL_NOT_STAMPED',
      ]),
    );
    for (const p of res.data.r.problems) expect(p.message).toMatch(/[\u4e00-\u9fa5]/);
    expect(await countApplications(PZH, personId)).toBe(before);
  });

  it('applies Yunfu’s own rules: the insured place, a required and qualified hospital', async () => {
    const unqualified = YF.policy.hospitals.find((h) => !h.qualifiedForSpecialDiseases && h.level !== 'LEVEL_1')!.code;
    const wrongPlace = await apply(YF, () => true, { insuredRegionCode: '510400', hospitalCode: unqualified });
    const problems = wrongPlace.payload.problems;
    expect(problems.find((p: any) => p.code === 'INSURED_REGION_MISMATCH').message).toContain('错选将导致业务无法受理');
    expect(problems.map((p: any) => p.code)).toContain('HOSPITAL_NOT_QUALIFIED');
    const noHospital = await apply(YF, () => true, { hospitalCode: null });
    expect(noHospital.payload.problems.map((p: any) => p.code)).toEqual(['HOSPITAL_REQUIRED']);
  });

  it('asks for the disease’s own materials: photo for dialysis (Panzhihua), specialist certificate (Yunfu)', async () => {
    const dialysis = await apply(PZH, (d) => d.requiresPhoto, {});
    expect(dialysis.payload.problems).toEqual([]);
    const { personId, disease } = applicantFor(PZH, (d) => d.requiresPhoto);
    const token = await stack.token({ role: 'APPLICANT', personId });
    const withoutPhoto = materialsFor(PZH, disease).filter((m) => m.kind !== 'PHOTO');
    const res = await submit(PZH, token, {
      type: 'NEW',
      diseaseCode: disease.code,
      channelId: PZH.policy.channels[0]!.id,
      insuredRegionCode: PZH.code,
      materials: withoutPhoto,
    });
    expect(res.data.r.problems.map((p: any) => p.message).join()).toContain('近期免冠照片');
    const specialist = await apply(YF, (d) => d.requiresSpecialistHospital, {});
    expect(specialist.payload.problems).toEqual([]);
  });

  it('refuses people in arrears or not in normal standing', async () => {
    const inArrears = DEMO_PERSONS.yunfuInArrears;
    const token = await stack.token({ role: 'APPLICANT', personId: inArrears });
    const disease = YF.policy.diseases.find(
      (d) =>
        !d.requiresSpecialistHospital &&
        !demoRecordsFor(YF.code).applications.some((a) => a.personId === inArrears && a.diseaseCode === d.code),
    )!;
    const res = await submit(YF, token, {
      type: 'NEW',
      diseaseCode: disease.code,
      channelId: 'yueyibao-mini',
      hospitalCode: hospitalOf(YF),
      insuredRegionCode: YF.code,
      materials: materialsFor(YF, disease),
    });
    expect(res.data.r.problems.map((p: any) => p.code)).toContain('IN_ARREARS');
  });
});

describe('every other problem code', () => {
  const codes = (res: { data?: any }) => res.data.r.problems.map((p: any) => p.code);

  it('standing: not insured here, abnormal status; already certified; nothing to change', async () => {
    const yunfuPerson = DEMO_PEOPLE.find(
      (p) => p.insuredRegionCode === YF.code && !demoRecordsFor(PZH.code).insured.some((i) => i.personId === p.id),
    )!;
    const disease = PZH.policy.diseases.find((d) => !d.requiresPhoto)!;
    const base = {
      type: 'NEW',
      diseaseCode: disease.code,
      channelId: PZH.policy.channels[0]!.id,
      insuredRegionCode: PZH.code,
      materials: materialsFor(PZH, disease),
    };
    const notHere = await submit(PZH, await stack.token({ role: 'APPLICANT', personId: yunfuPerson.id }), base);
    expect(codes(notHere)).toEqual(['NOT_INSURED_HERE']);
    const suspended = await submit(
      PZH,
      await stack.token({ role: 'APPLICANT', personId: DEMO_PERSONS.panzhihuaSuspended }),
      {
        ...base,
        diseaseCode: 'M05300',
        materials: materialsFor(
          PZH,
          PZH.policy.diseases.find((d) => d.code === 'M05300')!,
        ),
      },
    );
    expect(codes(suspended)).toContain('INSURED_STATUS_ABNORMAL');
    const certified = DEMO_PERSONS.panzhihuaWithHistoryInBoth; // holds a current Panzhihua certification for M03900
    const again = await submit(PZH, await stack.token({ role: 'APPLICANT', personId: certified }), {
      ...base,
      diseaseCode: 'M03900',
    });
    expect(codes(again)).toContain('ALREADY_CERTIFIED');
    const free = applicantFor(PZH, (d) => !d.requiresPhoto);
    const change = await submit(PZH, await stack.token({ role: 'APPLICANT', personId: free.personId }), {
      ...base,
      diseaseCode: free.disease.code,
      type: 'CHANGE_HOSPITAL',
      hospitalCode: hospitalOf(PZH),
    });
    expect(codes(change)).toContain('NO_CERTIFICATION_TO_CHANGE');
  });

  it('hospitals and dated materials', async () => {
    const { personId, disease } = applicantFor(PZH, (d) => !d.requiresPhoto);
    const token = await stack.token({ role: 'APPLICANT', personId });
    const materials = materialsFor(PZH, disease).map((m) =>
      m.kind === 'DIAGNOSIS_CERTIFICATE'
        ? { ...m, issuedOn: null, hospitalCode: null }
        : m.kind === 'MEDICAL_RECORD'
          ? { ...m, issuedOn: addDays(today, 1), hospitalCode: 'H-NOT-A-HOSPITAL' }
          : m,
    );
    const res = await submit(PZH, token, {
      type: 'NEW',
      diseaseCode: disease.code,
      channelId: PZH.policy.channels[0]!.id,
      insuredRegionCode: PZH.code,
      hospitalCode: 'H-NOWHERE',
      materials,
    });
    expect(codes(res).sort()).toEqual(
      [
        'MATERIAL_DATE_IN_FUTURE',
        'MATERIAL_DATE_REQUIRED',
        'MATERIAL_HOSPITAL_REQUIRED',
        'MATERIAL_HOSPITAL_UNKNOWN',
        'UNKNOWN_HOSPITAL',
      ].sort(),
    );
    expect(res.data.r.problems.find((p: any) => p.code === 'MATERIAL_DATE_REQUIRED').field).toBe(
      'materials[1].issuedOn',
    );
  });

  it('remote-care filings: same region, no residence, bad period, already filed', async () => {
    const file = async (personId: string, input: Record<string, unknown>) => {
      const res = await stack.query(
        'mutation($i: RemoteCareInput!) { r: filePanzhihuaRemoteCare(input: $i) { filing { id } problems { code } } }',
        { i: input },
        { token: await stack.token({ role: 'APPLICANT', personId }) },
      );
      return res;
    };
    const { personId } = applicantFor(PZH);
    expect(codes(await file(personId, { residenceRegionCode: PZH.code }))).toContain('REMOTE_CARE_SAME_REGION');
    expect(codes(await file(personId, {}))).toEqual(['RESIDENCE_REQUIRED']);
    expect(
      codes(
        await file(personId, {
          residenceRegionCode: YF.code,
          validFrom: addDays(today, 10),
          validUntil: addDays(today, 5),
        }),
      ),
    ).toEqual(['INVALID_PERIOD']);
    expect(codes(await file(DEMO_PERSONS.panzhihuaLivingInYunfu, { residenceRegionCode: YF.code }))).toEqual([
      'REMOTE_CARE_ALREADY_FILED',
    ]);
  });
});

describe('idempotency', () => {
  it('returns the first result for the same key, also for 20 parallel duplicates', async () => {
    const { personId, disease } = applicantFor(PZH);
    const token = await stack.token({ role: 'APPLICANT', personId });
    const input = {
      type: 'NEW',
      diseaseCode: disease.code,
      channelId: PZH.policy.channels[1]!.id,
      insuredRegionCode: PZH.code,
      materials: materialsFor(PZH, disease),
      idempotencyKey: `key-${personId}`,
    };
    const results = await Promise.all(Array.from({ length: 20 }, () => submit(PZH, token, input)));
    const numbers = new Set(results.map((r) => r.data?.r?.application?.acceptanceNumber));
    if (numbers.size !== 1) console.log(JSON.stringify(results.filter((r) => !r.data?.r?.application).slice(0, 2)));
    expect(numbers.size).toBe(1);
    expect([...numbers][0]).toBeTruthy();
    const again = await submit(PZH, token, input);
    expect(again.data.r.application.acceptanceNumber).toBe([...numbers][0]);
    expect(
      await stack.regions[PZH.subgraph]!.dataSource.getRepository(ApplicationEntity).countBy({
        personId,
        diseaseCode: disease.code,
      }),
    ).toBe(1);
  });

  it('parallel submissions for the same disease with different keys still make one open application', async () => {
    const { personId, disease } = applicantFor(YF);
    const token = await stack.token({ role: 'APPLICANT', personId });
    const input = (i: number) => ({
      type: 'NEW',
      diseaseCode: disease.code,
      channelId: 'yueyibao-mini',
      hospitalCode: hospitalOf(YF),
      insuredRegionCode: YF.code,
      materials: materialsFor(YF, disease),
      idempotencyKey: `race-key-${i}`,
    });
    const results = await Promise.all(Array.from({ length: 10 }, (_, i) => submit(YF, token, input(i))));
    expect(results.filter((r) => r.data.r.application)).toHaveLength(1);
    for (const r of results.filter((r) => !r.data.r.application)) {
      expect(r.data.r.problems.map((p: any) => p.code)).toEqual(['DUPLICATE_OPEN_APPLICATION']);
    }
    expect(
      await stack.regions[YF.subgraph]!.dataSource.getRepository(ApplicationEntity).countBy({
        personId,
        diseaseCode: disease.code,
      }),
    ).toBe(1);
  });

  it('refuses a second open application for the same disease', async () => {
    const first = await apply(PZH);
    const second = await submit(PZH, first.token, first.input);
    expect(second.data.r.problems.map((p: any) => p.code)).toContain('DUPLICATE_OPEN_APPLICATION');
  });
});

describe('reviewing and the state machine', () => {
  it('supplement → approve → certification in the person’s record; nothing after a decision', async () => {
    const { payload, token, personId } = await apply(YF);
    const n = payload.application.acceptanceNumber;
    await confirmAtHospital(stack, YF.code, n);
    const rv = await reviewer(YF);
    const noReason = await review(YF, rv, n, 'REQUEST_SUPPLEMENT');
    expect(noReason.data.r.problems.map((p: any) => p.code)).toEqual(['REASON_REQUIRED']);
    const asked = await review(YF, rv, n, 'REQUEST_SUPPLEMENT', '请补充近半年检查报告');
    expect(asked.data.r.application.status).toBe('SUPPLEMENT_REQUESTED');
    const notYet = await review(YF, rv, n, 'APPROVE');
    expect(notYet.data.r.problems.map((p: any) => p.code)).toEqual(['ILLEGAL_TRANSITION']);

    const supplemented = await stack.query(
      `mutation($n: String!, $m: [MaterialInput!]!) { r: supplementYunfuMaterials(acceptanceNumber: $n, materials: $m) { ${FIELDS} } }`,
      {
        n,
        m: [
          {
            kind: 'MEDICAL_RECORD',
            issuedOn: recent,
            hospitalCode: hospitalOf(YF),
            stamped: true,
            fileName: '检查报告.png',
            sha256: sha,
          },
        ],
      },
      { token },
    );
    expect(supplemented.data.r.application.status).toBe('ACCEPTED');

    const approved = await review(YF, rv, n, 'APPROVE');
    const app = approved.data.r.application;
    expect(app.status).toBe('APPROVED');
    expect(app.history.map((e: any) => e.status)).toEqual([
      'AWAITING_HOSPITAL',
      'ACCEPTED',
      'SUPPLEMENT_REQUESTED',
      'ACCEPTED',
      'APPROVED',
    ]);
    expect(app.certification.validFrom).toBe(today);
    expect(app.certification.renewableFrom).toBe(addDays(app.certification.validUntil, -30));

    const record = await stack.query('{ me { records { regionCode certifications { validFrom } } } }', undefined, {
      token,
    });
    // Person.records lists the regions where the person has history: find Yunfu's by its code.
    const yunfu = record.data.me.records.find((r: any) => r.regionCode === YF.code);
    expect(yunfu.certifications.some((c: any) => c.validFrom === today)).toBe(true);

    const withdraw = await stack.query(
      `mutation($n: String!) { r: withdrawYunfuApplication(acceptanceNumber: $n) { problems { code } } }`,
      { n },
      { token },
    );
    expect(withdraw.data.r.problems.map((p: any) => p.code)).toEqual(['ILLEGAL_TRANSITION']);

    const audit = await stack.regions[YF.subgraph]!.dataSource.getRepository(AuditEntity).findBy({
      subject: n,
      action: 'REVIEW_DECISION',
    });
    expect(audit).toHaveLength(2); // the request for supplement and the approval; refused attempts decide nothing
    expect(personId).toBeTruthy();
  });

  it('reject with a reason, then apply again: the new application links the old one', async () => {
    const { payload, token, input } = await apply(PZH);
    const n = payload.application.acceptanceNumber;
    const rv = await reviewer(PZH);
    const rejected = await review(PZH, rv, n, 'REJECT', '诊断证明未明确病种名称');
    expect(rejected.data.r.application.status).toBe('REJECTED');
    const again = await submit(PZH, token, input);
    expect(again.data.r.problems).toEqual([]);
    expect(again.data.r.application.history[0].note).toContain(n);
  });

  it('lets the applicant withdraw before a decision', async () => {
    const { payload, token } = await apply(PZH);
    const res = await stack.query(
      `mutation($n: String!) { r: withdrawPanzhihuaApplication(acceptanceNumber: $n) { ${FIELDS} } }`,
      { n: payload.application.acceptanceNumber },
      { token },
    );
    expect(res.data.r.application.status).toBe('WITHDRAWN');
  });

  it('two reviewers deciding at once: exactly one wins, the other is told', async () => {
    const { payload } = await apply(PZH);
    const n = payload.application.acceptanceNumber;
    const [a, b] = await Promise.all([
      review(PZH, await reviewer(PZH), n, 'APPROVE'),
      review(PZH, await reviewer(PZH), n, 'REJECT', '材料不全'),
    ]);
    const outcomes = [a, b].map((r) => r.data.r);
    expect(outcomes.filter((o) => o.application)).toHaveLength(1);
    expect(['CONFLICT', 'ILLEGAL_TRANSITION']).toContain(outcomes.find((o) => !o.application)!.problems[0].code);
  });

  it('limits Panzhihua changes of designated hospital to one a year', async () => {
    const changedThisYear = (personId: string) =>
      demoRecordsFor(PZH.code).applications.some(
        (a) => a.personId === personId && a.type === 'CHANGE_HOSPITAL' && a.acceptedOn.startsWith(today.slice(0, 4)),
      );
    const { payload, token, disease, input } = await apply(PZH, undefined, {}, (id) => !changedThisYear(id));
    await review(PZH, await reviewer(PZH), payload.application.acceptanceNumber, 'APPROVE');
    const otherHospital = PZH.policy.hospitals.filter((h) => h.level !== 'LEVEL_1')[1]!.code;
    const change = { ...input, type: 'CHANGE_HOSPITAL', hospitalCode: otherHospital };
    const first = await submit(PZH, token, change);
    expect(first.data.r.problems).toEqual([]);
    await review(PZH, await reviewer(PZH), first.data.r.application.acceptanceNumber, 'APPROVE');
    const second = await submit(PZH, token, change);
    expect(second.data.r.problems.map((p: any) => p.code)).toContain('CHANGE_HOSPITAL_LIMIT');
    expect(disease).toBeTruthy();
  });

  it('Yunfu renewal only within the 30 days before expiry; no renewal without a certification', async () => {
    const { payload, token, input } = await apply(YF);
    await confirmAtHospital(stack, YF.code, payload.application.acceptanceNumber);
    await review(YF, await reviewer(YF), payload.application.acceptanceNumber, 'APPROVE');
    const early = await submit(YF, token, { ...input, type: 'RENEWAL' });
    expect(early.data.r.problems.map((p: any) => p.code)).toEqual(['RENEWAL_NOT_DUE']);
    const fresh = await apply(YF, () => true, { type: 'RENEWAL' });
    expect(fresh.payload.problems.map((p: any) => p.code)).toEqual(['NO_CERTIFICATION_TO_RENEW']);
  });
});

describe('who may act', () => {
  it('applying needs a signed-in applicant; staff change nothing', async () => {
    const input = { type: 'NEW', diseaseCode: 'M03900', channelId: 'x', insuredRegionCode: PZH.code, materials: [] };
    const anonymous = await submit(PZH, undefined as never, input);
    expect(anonymous.errors![0]!.extensions!.code).toBe('UNAUTHENTICATED');
    const operator = await submit(PZH, await stack.token({ role: 'NATIONAL_OPERATOR' }), input);
    expect(operator.errors![0]!.extensions!.code).toBe('FORBIDDEN');
    expect(operator.data?.r ?? null).toBeNull();
  });

  it('a reviewer reviews only their own region; an applicant acts only on their own application', async () => {
    const { payload } = await apply(PZH);
    const n = payload.application.acceptanceNumber;
    const other = await review(PZH, await reviewer(YF), n, 'APPROVE');
    expect(other.errors![0]!.extensions!.code).toBe('FORBIDDEN');
    const stranger = await stack.token({ role: 'APPLICANT', personId: DEMO_PERSONS.panzhihuaNoRecords });
    const res = await stack.query(
      `mutation($n: String!) { r: withdrawPanzhihuaApplication(acceptanceNumber: $n) { problems { code } } }`,
      { n },
      { token: stranger },
    );
    expect(res.data.r.problems.map((p: any) => p.code)).toEqual(['APPLICATION_NOT_FOUND']);
  });
});

describe('remote care (异地就医备案)', () => {
  it('a Panzhihua-insured person living in Yunfu must file with Panzhihua first; the record shows it, Yunfu’s does not', async () => {
    const personId = DEMO_PERSONS.panzhihuaLivingInYunfuUnfiled;
    const token = await stack.token({ role: 'APPLICANT', personId });
    const disease = PZH.policy.diseases.find(
      (d) =>
        !d.requiresPhoto &&
        !demoRecordsFor(PZH.code).applications.some((a) => a.personId === personId && a.diseaseCode === d.code),
    )!;
    const input = {
      type: 'NEW',
      diseaseCode: disease.code,
      channelId: PZH.policy.channels[2]!.id,
      insuredRegionCode: PZH.code,
      residenceRegionCode: YF.code,
      materials: materialsFor(PZH, disease),
    };
    const refused = await submit(PZH, token, input);
    expect(refused.data.r.problems.map((p: any) => p.code)).toEqual(['REMOTE_CARE_FILING_REQUIRED']);

    const filed = await stack.query(
      'mutation($i: RemoteCareInput!) { filePanzhihuaRemoteCare(input: $i) { filing { residenceRegionName residenceRegionCode validFrom } problems { code } } }',
      { i: { residenceRegionCode: YF.code } },
      { token },
    );
    expect(filed.data.filePanzhihuaRemoteCare).toEqual({
      filing: { residenceRegionName: '广东省云浮市', residenceRegionCode: YF.code, validFrom: today },
      problems: [],
    });

    const accepted = await submit(PZH, token, input);
    expect(accepted.data.r.problems).toEqual([]);

    const records = await stack.query(
      '{ me { records { regionCode remoteCareFilings { residenceRegionName } } } }',
      undefined,
      { token },
    );
    // Panzhihua only: Yunfu holds nothing on this person, so Person.records does not ask it.
    expect(records.data.me.records).toEqual([
      { regionCode: PZH.code, remoteCareFilings: [{ residenceRegionName: '广东省云浮市' }] },
    ]);
  });
});

describe('notifications', () => {
  it('every status change reaches the applicant through the outbox', async () => {
    const { payload, personId } = await apply(YF);
    await confirmAtHospital(stack, YF.code, payload.application.acceptanceNumber);
    await review(YF, await reviewer(YF), payload.application.acceptanceNumber, 'REJECT', '诊断不符合认定标准');
    // Yunfu: accepted for the designated hospital, confirmed by it, then rejected by the region.
    const expected = ['APPLICATION_AWAITING_HOSPITAL', 'HOSPITAL_REVIEW_CONFIRMED', 'APPLICATION_REJECTED'].flatMap(
      (t) => [`SMS:${t}`, `APP:${t}`],
    );
    const mine = (sent: OutboundNotification[]) =>
      sent.filter((m) => m.personId === personId).map((m) => `${m.channel}:${m.template}`);
    // Waits (bounded) for all four: the background dispatcher may be delivering some of them.
    const sent = await stack.deliver(YF.subgraph, (all) => expected.every((e) => mine(all).includes(e)));
    expect(mine(sent)).toEqual(expect.arrayContaining(expected));
  });
});
