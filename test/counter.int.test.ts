import { DEMO_PEOPLE, demoRecordsFor } from '../scripts/seed-data/people';
import { addDays, addWorkingDays } from '../subgraphs/kit/domain/calendar';
import type { RegionPolicy } from '../subgraphs/kit/domain/policy';
import { loadRegion } from '../subgraphs/kit/domain/region-file';
import { AuditEntity } from '../subgraphs/kit/persistence/audit';
import { AppealEntity, FeedbackEntity } from '../subgraphs/kit/persistence/db/appeal.entities';
import { CounterActionEntity } from '../subgraphs/kit/persistence/db/counter.entities';
import { ApplicationEntity, RemoteCareFilingEntity } from '../subgraphs/kit/persistence/db/record.entities';
import { IdempotencyEntity } from '../subgraphs/kit/persistence/idempotency';
import { type OutboundNotification, OutboxEntity } from '../subgraphs/kit/persistence/outbox';
import { IN_PERSON_WORKING_DAYS } from '../subgraphs/kit/workflow/in-person';
import { type Stack, startStack } from './harness';

// The journeys of the regional documents that happen off the phone, through the gateway in both
// regions: real-name verification before applying (实名认证), the counter (线下窗口: a clerk applies
// and supplements for a person found by identity number, originals verified) and in-person
// verification a reviewer asks for (线下补充核验: its status, due date, notification, the clerk's
// record, then the decision; or the applicant not coming).

const REGIONS = {
  Panzhihua: {
    code: '510400',
    subgraph: 'sichuan-panzhihua',
    policy: loadRegion('sichuan-panzhihua').policy,
    // The document's own window: a COUNTER channel.
    channel: 'panzhihua-counter',
    onlineChannel: '四川医保APP',
  },
  Yunfu: {
    code: '445300',
    subgraph: 'guangdong-yunfu',
    policy: loadRegion('guangdong-yunfu').policy,
    // No counter in Yunfu's file: the clerk applies through the portal on the person's behalf.
    channel: 'guangdong-government-portal',
    onlineChannel: '粤医保小程序',
  },
} as const;
type Prefix = keyof typeof REGIONS;
const OTHER: Record<Prefix, Prefix> = { Panzhihua: 'Yunfu', Yunfu: 'Panzhihua' };

const at = (date: string) => new Date(`${date}T10:00:00+08:00`);
const START = '2026-03-02'; // a Monday with no holiday in the weeks after
let stack: Stack;

beforeAll(async () => {
  stack = await startStack({ now: at(START) });
});
afterAll(async () => {
  await stack?.close();
});

/** People in good standing in the region, each with a disease they have no history for. */
function candidates(prefix: Prefix) {
  const { code, policy } = REGIONS[prefix];
  const records = demoRecordsFor(code);
  const diseases = policy.diseases.filter((d) => !d.requiresPhoto && !d.requiresSpecialistHospital);
  const found: { personId: string; idNumber: string; diseaseCode: string }[] = [];
  for (const p of DEMO_PEOPLE) {
    if (p.insuredRegionCode !== code || p.status !== 'NORMAL' || p.inArrears || p.residenceRegionCode) continue;
    const disease = diseases.find(
      (d) =>
        !records.applications.some((a) => a.personId === p.id && a.diseaseCode === d.code) &&
        !records.certifications.some((c) => c.personId === p.id && c.diseaseCode === d.code),
    );
    if (disease) found.push({ personId: p.id, idNumber: p.idNumber, diseaseCode: disease.code });
  }
  if (found.length < 3) throw new Error(`${prefix}: fewer than 3 candidates in the demo data`);
  return found;
}

const PNG = (tag: string) =>
  Buffer.concat([Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]), Buffer.from(`counter-${tag}`)]);

function materials(prefix: Prefix, sha256: string, kinds: string[]) {
  const policy: RegionPolicy = REGIONS[prefix].policy;
  const hospitalCode = policy.hospitals.find((h) => h.level === 'LEVEL_3' && h.qualifiedForSpecialDiseases)!.code;
  return kinds.map((kind) => ({
    kind,
    fileName: `${kind}.png`,
    sha256,
    ...(kind === 'DIAGNOSIS_CERTIFICATE' || kind === 'MEDICAL_RECORD'
      ? { issuedOn: addDays(START, -20), hospitalCode, stamped: true }
      : { stamped: false }),
  }));
}

function applicationInput(prefix: Prefix, diseaseCode: string, sha256: string, key?: string) {
  const { code, policy, channel } = REGIONS[prefix];
  const base = ['ID_CARD', 'DIAGNOSIS_CERTIFICATE', 'MEDICAL_RECORD'];
  return {
    type: 'NEW',
    diseaseCode,
    channelId: channel,
    hospitalCode: policy.hospitals.find((h) => h.level === 'LEVEL_3' && h.qualifiedForSpecialDiseases)!.code,
    insuredRegionCode: code,
    materials: materials(
      prefix,
      sha256,
      // Panzhihua's form is filled in its app; Yunfu's on 广东政务服务网, the clerk's channel here.
      prefix === 'Panzhihua' ? [...base, 'SOCIAL_SECURITY_CARD', 'APPLICATION_FORM'] : [...base, 'APPLICATION_FORM'],
    ),
    ...(key ? { idempotencyKey: key } : {}),
  };
}

const FIELDS = (prefix: Prefix) =>
  `application { acceptanceNumber status overdue dueDate { date workingDays } history { status actor note }
     certification { validFrom }
     ... on ${prefix}Application {
       counterActions { action clerk channelKind place placeIllustrative originalsVerified note }
       inPersonVerification { status reason requestedOn dueDate dueWorkingDays dueIllustrative place placeIllustrative settledAt }
     } }
   problems { code field message }`;

async function mutate(
  prefix: Prefix,
  op: string,
  args: string,
  vars: Record<string, unknown>,
  token: string,
): Promise<{ data?: any; errors?: { extensions?: Record<string, any> }[] }> {
  return stack.query(`mutation(${args}) { r: ${op.replaceAll('<P>', prefix)} { ${FIELDS(prefix)} } }`, vars, { token });
}

/** Delivers the region's outbox until `count` messages match. */
const delivered = async (subgraph: string, match: (m: OutboundNotification) => boolean, count: number) =>
  (await stack.deliver(subgraph, (sent) => sent.filter(match).length >= count)).filter(match);

const counts = async (prefix: Prefix, personId: string) => {
  const ds = stack.regions[REGIONS[prefix].subgraph]!.dataSource;
  return {
    applications: await ds.getRepository(ApplicationEntity).countBy({ personId }),
    outbox: await ds.getRepository(OutboxEntity).countBy({ personId }),
    counter: await ds.getRepository(CounterActionEntity).countBy({ personId }),
    keys: await ds.getRepository(IdempotencyEntity).count(),
  };
};

describe.each(['Panzhihua', 'Yunfu'] as const)('%s', (prefix) => {
  const { code, subgraph } = REGIONS[prefix];
  const people = () => candidates(prefix);
  const auditOf = () => stack.regions[subgraph]!.dataSource.getRepository(AuditEntity);

  beforeEach(() => stack.setNow(at(START)));

  it('refuses an applicant without real-name verification: REAL_NAME_REQUIRED, nothing stored', async () => {
    const { personId, diseaseCode } = people()[0]!;
    const verified = await stack.token({ role: 'APPLICANT', personId });
    const unverified = await stack.token({ role: 'APPLICANT', personId, realNameVerified: false });
    const sha = await stack.upload(verified, PNG(`${prefix}-self`), '材料.png');
    const before = await counts(prefix, personId);
    const refused = await mutate(
      prefix,
      'submit<P>Application(input: $input)',
      '$input: ApplicationInput!',
      { input: applicationInput(prefix, diseaseCode, sha, `unverified-${prefix}`) },
      unverified,
    );
    expect(refused.errors).toBeUndefined();
    expect(refused.data.r.application).toBeNull();
    expect(refused.data.r.problems).toHaveLength(1);
    const [problem] = refused.data.r.problems;
    expect(problem.code).toBe('REAL_NAME_REQUIRED');
    // Where to verify, from the region's own channels.
    expect(problem.message).toContain('实名认证');
    expect(problem.message).toContain(REGIONS[prefix].onlineChannel);
    // Supplementing needs it too (checked before the number is even looked up).
    const supplement = await mutate(
      prefix,
      'supplement<P>Materials(acceptanceNumber: $n, materials: $m)',
      '$n: String!, $m: [MaterialInput!]!',
      { n: `${code}00000000000`, m: materials(prefix, sha, ['MEDICAL_RECORD']) },
      unverified,
    );
    expect(supplement.data.r.problems.map((p: { code: string }) => p.code)).toEqual(['REAL_NAME_REQUIRED']);
    expect(await counts(prefix, personId)).toEqual(before);

    // The same person, verified (the token CLI's default), is accepted with the same input.
    const accepted = await mutate(
      prefix,
      'submit<P>Application(input: $input)',
      '$input: ApplicationInput!',
      { input: applicationInput(prefix, diseaseCode, sha, `verified-${prefix}`) },
      verified,
    );
    expect(accepted.data.r.problems).toEqual([]);
    expect(accepted.data.r.application.status).toBe('ACCEPTED');
  });

  it('refuses every other write of an unverified applicant: appeal, remote-care filing, feedback; nothing stored', async () => {
    const { personId } = people()[0]!;
    const unverified = await stack.token({ role: 'APPLICANT', personId, realNameVerified: false });
    const ds = stack.regions[subgraph]!.dataSource;
    const stored = async () => ({
      ...(await counts(prefix, personId)),
      appeals: await ds.getRepository(AppealEntity).count(),
      filings: await ds.getRepository(RemoteCareFilingEntity).countBy({ personId }),
      feedback: await ds.getRepository(FeedbackEntity).countBy({ personId }),
    });
    const before = await stored();
    const codesOf = (res: { errors?: unknown; data?: any }) => {
      expect(res.errors).toBeUndefined();
      return (res.data.r.problems as { code: string }[]).map((p) => p.code).sort();
    };
    const appeal = await stack.query(
      `mutation($n: String!) { r: appeal${prefix}Application(acceptanceNumber: $n, reason: "诊断无误", idempotencyKey: "rn-appeal-${prefix}") { application { acceptanceNumber } problems { code message } } }`,
      { n: `${code}00000000000` },
      { token: unverified },
    );
    expect(codesOf(appeal)).toEqual(['REAL_NAME_REQUIRED']);
    expect(appeal.data.r.application).toBeNull();
    expect(appeal.data.r.problems[0].message).toContain(REGIONS[prefix].onlineChannel);
    const filing = await stack.query(
      `mutation($i: RemoteCareInput!) { r: file${prefix}RemoteCare(input: $i) { filing { residenceRegionCode } problems { code } } }`,
      { i: { residenceRegionCode: REGIONS[OTHER[prefix]].code, idempotencyKey: `rn-filing-${prefix}` } },
      { token: unverified },
    );
    expect(codesOf(filing)).toEqual(['REAL_NAME_REQUIRED']);
    expect(filing.data.r.filing).toBeNull();
    // Every problem at once, as a submission gives them.
    const feedback = await stack.query(
      `mutation($i: FeedbackInput!) { r: send${prefix}Feedback(input: $i) { feedback { trackingNumber } problems { code } } }`,
      { i: { category: 'CONSULTATION', subject: '', text: '请问进度', idempotencyKey: `rn-feedback-${prefix}` } },
      { token: unverified },
    );
    expect(codesOf(feedback)).toEqual(['FEEDBACK_SUBJECT_REQUIRED', 'REAL_NAME_REQUIRED']);
    expect(feedback.data.r.feedback).toBeNull();
    expect(await stored()).toEqual(before);
  });

  it('a clerk’s idempotency key equal to the applicant’s own: each gets their own application', async () => {
    const { personId, diseaseCode: taken } = people()[0]!;
    const { code: regionCode, policy } = REGIONS[prefix];
    const records = demoRecordsFor(regionCode);
    const [mine, theirs] = policy.diseases
      .filter((d) => !d.requiresPhoto && !d.requiresSpecialistHospital && d.code !== taken)
      .filter(
        (d) =>
          !records.applications.some((a) => a.personId === personId && a.diseaseCode === d.code) &&
          !records.certifications.some((c) => c.personId === personId && c.diseaseCode === d.code),
      )
      .map((d) => d.code);
    expect(theirs).toBeDefined();
    const applicant = await stack.token({ role: 'APPLICANT', personId });
    const clerk = await stack.token({ role: 'COUNTER_CLERK', regionCode, subject: `clerk-key-${prefix}` });
    const sha = await stack.upload(applicant, PNG(`${prefix}-same-key`), '材料.png');
    const key = `same-key-${prefix}`;
    const own = await mutate(
      prefix,
      'submit<P>Application(input: $input)',
      '$input: ApplicationInput!',
      { input: applicationInput(prefix, mine!, sha, key) },
      applicant,
    );
    expect(own.data.r.problems).toEqual([]);
    const atCounter = () =>
      mutate(
        prefix,
        'submit<P>ApplicationAtCounter(personId: $p, input: $input, originalsVerified: true)',
        '$p: ID!, $input: ApplicationInput!',
        { p: personId, input: applicationInput(prefix, theirs!, sha, key) },
        clerk,
      );
    const counter = await atCounter();
    expect(counter.data.r.problems).toEqual([]);
    // A new application of the clerk's request, not the applicant's earlier one handed back.
    expect(counter.data.r.application.acceptanceNumber).not.toBe(own.data.r.application.acceptanceNumber);
    expect(counter.data.r.application.counterActions.map((a: { action: string }) => a.action)).toEqual(['SUBMITTED']);
    const ds = stack.regions[subgraph]!.dataSource;
    expect(
      (await ds.getRepository(ApplicationEntity).findOneByOrFail({ id: counter.data.r.application.acceptanceNumber }))
        .diseaseCode,
    ).toBe(theirs);
    // Each key answers its own actor: the clerk's repeat, the applicant's repeat.
    expect((await atCounter()).data.r.application.acceptanceNumber).toBe(counter.data.r.application.acceptanceNumber);
    const again = await mutate(
      prefix,
      'submit<P>Application(input: $input)',
      '$input: ApplicationInput!',
      { input: applicationInput(prefix, mine!, sha, key) },
      applicant,
    );
    expect(again.data.r.application.acceptanceNumber).toBe(own.data.r.application.acceptanceNumber);
    // The clerk's key for another person is a different request: refused, not that person's application.
    const other = people()[1]!;
    const reused = await mutate(
      prefix,
      'submit<P>ApplicationAtCounter(personId: $p, input: $input, originalsVerified: true)',
      '$p: ID!, $input: ApplicationInput!',
      { p: other.personId, input: applicationInput(prefix, other.diseaseCode, sha, key) },
      clerk,
    );
    expect(reused.data.r.application).toBeNull();
    expect(reused.data.r.problems.map((p: { code: string }) => p.code)).toEqual(['IDEMPOTENCY_KEY_REUSED']);
  });

  it('counter: a clerk finds the person by ID number, uploads, submits and supplements for them, originals verified; audited', async () => {
    const { personId, idNumber, diseaseCode } = people()[1]!;
    const clerk = await stack.token({ role: 'COUNTER_CLERK', regionCode: code, subject: `clerk-${prefix}` });
    const clerkActor = `COUNTER_CLERK:${code}:clerk-${prefix}`;
    const reviewer = await stack.token({ role: 'REVIEWER', regionCode: code, subject: 'r1' });

    // 1. The person, by identity number, in the national person index (audited there).
    const found = await stack.query(
      'query($n: String!) { personByIdNumber(idNumber: $n) { id } }',
      { n: idNumber },
      { token: clerk },
    );
    expect(found.errors).toBeUndefined();
    expect(found.data.personByIdNumber).toEqual({ id: personId });
    // A clerk of the other region does not find them.
    const otherClerk = await stack.token({ role: 'COUNTER_CLERK', regionCode: REGIONS[OTHER[prefix]].code });
    const notFound = await stack.query(
      'query($n: String!) { personByIdNumber(idNumber: $n) { id } }',
      { n: idNumber },
      { token: otherClerk },
    );
    expect(notFound.data.personByIdNumber).toBeNull();

    // 2. Uploads at the window, for the person.
    const sha = await stack.upload(clerk, PNG(`${prefix}-counter`), '扫描件.png', personId);
    const input = applicationInput(prefix, diseaseCode, sha, `counter-${prefix}`);

    // Originals not verified: refused, nothing stored.
    const before = await counts(prefix, personId);
    const unverified = await mutate(
      prefix,
      'submit<P>ApplicationAtCounter(personId: $p, input: $input, originalsVerified: false)',
      '$p: ID!, $input: ApplicationInput!',
      { p: personId, input },
      clerk,
    );
    expect(unverified.data.r).toMatchObject({ application: null, problems: [{ code: 'ORIGINALS_NOT_VERIFIED' }] });
    expect(await counts(prefix, personId)).toEqual(before);

    // A clerk of another region and the applicant themself are refused by the region.
    for (const token of [otherClerk, await stack.token({ role: 'APPLICANT', personId })]) {
      const refused = await mutate(
        prefix,
        'submit<P>ApplicationAtCounter(personId: $p, input: $input, originalsVerified: true)',
        '$p: ID!, $input: ApplicationInput!',
        { p: personId, input },
        token,
      );
      expect(refused.errors?.map((e) => e.extensions?.code)).toEqual(['FORBIDDEN']);
    }
    expect(await counts(prefix, personId)).toEqual(before);

    // 3. Submitted at the counter: the person's application, the clerk as actor, the window recorded.
    const submit = () =>
      mutate(
        prefix,
        'submit<P>ApplicationAtCounter(personId: $p, input: $input, originalsVerified: true)',
        '$p: ID!, $input: ApplicationInput!',
        { p: personId, input },
        clerk,
      );
    const submitted = await submit();
    expect(submitted.errors).toBeUndefined();
    expect(submitted.data.r.problems).toEqual([]);
    const application = submitted.data.r.application;
    expect(application.status).toBe('ACCEPTED');
    expect(application.history).toEqual([{ status: 'ACCEPTED', actor: clerkActor, note: '已受理' }]);
    const place = prefix === 'Panzhihua' ? '攀枝花市政务中心医保窗口' : '云浮市政务服务中心医保窗口';
    expect(application.counterActions).toEqual([
      {
        action: 'SUBMITTED',
        clerk: clerkActor,
        channelKind: 'COUNTER',
        place,
        placeIllustrative: prefix === 'Yunfu',
        originalsVerified: true,
        note: '窗口代为提交申请，已核验原件',
      },
    ]);
    const n = application.acceptanceNumber;
    // The same key again: the same application, nothing new.
    expect((await submit()).data.r.application.acceptanceNumber).toBe(n);
    const ds = stack.regions[subgraph]!.dataSource;
    expect(await ds.getRepository(ApplicationEntity).countBy({ personId, diseaseCode })).toBe(1);
    expect((await ds.getRepository(ApplicationEntity).findOneByOrFail({ id: n })).personId).toBe(personId);
    // The applicant sees it as theirs.
    const mine = await stack.query(
      'query($n: String!) { application(acceptanceNumber: $n) { acceptanceNumber status } }',
      { n },
      { token: await stack.token({ role: 'APPLICANT', personId }) },
    );
    expect(mine.data.application).toEqual({ acceptanceNumber: n, status: 'ACCEPTED' });

    // 4. A supplement at the counter.
    const asked = await mutate(
      prefix,
      'review<P>Application(acceptanceNumber: $n, decision: REQUEST_SUPPLEMENT, reason: "请补充检查报告")',
      '$n: String!',
      { n },
      reviewer,
    );
    expect(asked.data.r.application.status).toBe('SUPPLEMENT_REQUESTED');
    const supplemented = await mutate(
      prefix,
      'supplement<P>MaterialsAtCounter(personId: $p, acceptanceNumber: $n, materials: $m, originalsVerified: true, idempotencyKey: $k)',
      '$p: ID!, $n: String!, $m: [MaterialInput!]!, $k: String',
      { p: personId, n, m: materials(prefix, sha, ['MEDICAL_RECORD']), k: `counter-supplement-${prefix}` },
      clerk,
    );
    expect(supplemented.data.r.problems).toEqual([]);
    expect(supplemented.data.r.application.status).toBe('ACCEPTED');
    expect(supplemented.data.r.application.counterActions.map((a: { action: string }) => a.action)).toEqual([
      'SUBMITTED',
      'SUPPLEMENTED',
    ]);
    expect(supplemented.data.r.application.history.at(-1).actor).toBe(clerkActor);

    // Every counter action is on record: actor the clerk, subject the person.
    const rows = await auditOf().findBy({ actor: clerkActor });
    expect(rows.map((r) => [r.action, r.subject, r.role]).sort()).toEqual([
      ['COUNTER_SUBMIT', personId, 'COUNTER_CLERK'],
      ['COUNTER_SUPPLEMENT', personId, 'COUNTER_CLERK'],
    ]);
    const national = await stack.national.dataSource.getRepository(AuditEntity).findBy({ actor: clerkActor });
    expect(national.map((r) => [r.action, r.subject])).toContainEqual(['READ_PERSON', personId]);
  });

  it('in-person verification: requested with a due date → notification → recorded by the clerk → approved', async () => {
    const { personId, diseaseCode } = people()[2]!;
    const applicant = await stack.token({ role: 'APPLICANT', personId });
    const clerk = await stack.token({ role: 'COUNTER_CLERK', regionCode: code, subject: 'window-2' });
    const reviewer = await stack.token({ role: 'REVIEWER', regionCode: code, subject: 'r2' });
    const sha = await stack.upload(applicant, PNG(`${prefix}-in-person`), '材料.png');
    const submitted = await mutate(
      prefix,
      'submit<P>Application(input: $input)',
      '$input: ApplicationInput!',
      { input: applicationInput(prefix, diseaseCode, sha) },
      applicant,
    );
    const n = submitted.data.r.application.acceptanceNumber;
    const review = (decision: string, reason?: string) =>
      mutate(
        prefix,
        'review<P>Application(acceptanceNumber: $n, decision: $d, reason: $r)',
        '$n: String!, $d: ReviewDecision!, $r: String',
        { n, d: decision, r: reason },
        reviewer,
      );

    expect((await review('REQUEST_IN_PERSON_VERIFICATION')).data.r.problems.map((p: any) => p.code)).toEqual([
      'REASON_REQUIRED',
    ]);
    const asked = await review('REQUEST_IN_PERSON_VERIFICATION', '请携带诊断证明原件到窗口核验');
    expect(asked.data.r.problems).toEqual([]);
    const awaiting = asked.data.r.application;
    const due = addWorkingDays(START, IN_PERSON_WORKING_DAYS);
    expect(due.date).toBe('2026-03-16'); // ten working days after Monday 2 March
    expect(awaiting.status).toBe('AWAITING_IN_PERSON');
    expect(awaiting.dueDate).toEqual({ date: due.date, workingDays: IN_PERSON_WORKING_DAYS });
    expect(awaiting.inPersonVerification).toMatchObject({
      status: 'REQUESTED',
      reason: '请携带诊断证明原件到窗口核验',
      requestedOn: START,
      dueDate: due.date,
      dueIllustrative: true,
      settledAt: null,
    });

    // The applicant is told by SMS and app message, with the due date and the place.
    const told = await delivered(
      subgraph,
      (m) => m.personId === personId && m.template === 'IN_PERSON_VERIFICATION_REQUESTED',
      2,
    );
    expect(told.map((m) => m.channel).sort()).toEqual(['APP', 'SMS']);
    expect(told[0]!.payload).toMatchObject({
      acceptanceNumber: n,
      dueDate: due.date,
      place: awaiting.inPersonVerification.place,
    });

    // No decision while waiting for the visit.
    expect((await review('APPROVE')).data.r.problems.map((p: any) => p.code)).toEqual([
      'IN_PERSON_VERIFICATION_PENDING',
    ]);
    // A clerk of another region cannot record it.
    const otherClerk = await stack.token({ role: 'COUNTER_CLERK', regionCode: REGIONS[OTHER[prefix]].code });
    const record = (token: string) =>
      mutate(
        prefix,
        'record<P>InPersonVerification(personId: $p, acceptanceNumber: $n, originalsVerified: true, note: "原件与上传件一致")',
        '$p: ID!, $n: String!',
        { p: personId, n },
        token,
      );
    expect((await record(otherClerk)).errors?.map((e) => e.extensions?.code)).toEqual(['FORBIDDEN']);

    // The visit, three days later: back to review, its time counted again from that day.
    stack.setNow(at('2026-03-05'));
    const recorded = await record(clerk);
    expect(recorded.data.r.problems).toEqual([]);
    const back = recorded.data.r.application;
    expect(back.status).toBe('ACCEPTED');
    const channel = REGIONS[prefix].policy.channels.find((c) => c.id === REGIONS[prefix].channel)!;
    expect(back.dueDate.date).toBe(addWorkingDays('2026-03-05', channel.reviewWorkingDays.max).date);
    expect(back.inPersonVerification.status).toBe('VERIFIED');
    expect(back.counterActions).toEqual([
      expect.objectContaining({
        action: 'IN_PERSON_VERIFIED',
        originalsVerified: true,
        clerk: `COUNTER_CLERK:${code}:window-2`,
      }),
    ]);

    const approved = await review('APPROVE');
    expect(approved.data.r.application.status).toBe('APPROVED');
    expect(approved.data.r.application.certification).not.toBeNull();
    expect(approved.data.r.application.history.map((h: { status: string }) => h.status)).toEqual([
      'ACCEPTED',
      'AWAITING_IN_PERSON',
      'ACCEPTED',
      'APPROVED',
    ]);
    const templates = (
      await delivered(
        subgraph,
        (m) =>
          m.personId === personId && ['IN_PERSON_VERIFICATION_RECORDED', 'APPLICATION_APPROVED'].includes(m.template),
        4,
      )
    ).map((m) => m.template);
    expect(templates).toEqual(expect.arrayContaining(['IN_PERSON_VERIFICATION_RECORDED', 'APPLICATION_APPROVED']));
    const audits = await auditOf().findBy({ actor: `COUNTER_CLERK:${code}:window-2` });
    expect(audits.map((r) => [r.action, r.subject])).toEqual([['COUNTER_IN_PERSON_VERIFIED', personId]]);
  });

  it('in-person verification not done by the due date: overdue in the queue, then rejected (LAPSED)', async () => {
    const { personId, diseaseCode } = people()[3] ?? people()[0]!;
    const applicant = await stack.token({ role: 'APPLICANT', personId });
    const reviewer = await stack.token({ role: 'REVIEWER', regionCode: code, subject: 'r3' });
    const sha = await stack.upload(applicant, PNG(`${prefix}-lapse`), '材料.png');
    const submitted = await mutate(
      prefix,
      'submit<P>Application(input: $input)',
      '$input: ApplicationInput!',
      { input: applicationInput(prefix, diseaseCode, sha) },
      applicant,
    );
    expect(submitted.data.r.problems).toEqual([]);
    const n = submitted.data.r.application.acceptanceNumber;
    const review = (decision: string, reason?: string) =>
      mutate(
        prefix,
        'review<P>Application(acceptanceNumber: $n, decision: $d, reason: $r)',
        '$n: String!, $d: ReviewDecision!, $r: String',
        { n, d: decision, r: reason },
        reviewer,
      );
    const due = (await review('REQUEST_IN_PERSON_VERIFICATION', '请本人携带身份证原件到窗口核验')).data.r.application
      .dueDate.date;
    // On the due date itself the applicant may still come: no rejection yet.
    stack.setNow(at(due));
    expect((await review('REJECT', '逾期未到窗口核验')).data.r.problems.map((p: any) => p.code)).toEqual([
      'IN_PERSON_NOT_DUE',
    ]);
    // The day after: overdue, listed for the region's reviewers.
    stack.setNow(at(addDays(due, 1)));
    const field = `${prefix.charAt(0).toLowerCase()}${prefix.slice(1)}ReviewQueue`;
    const queue = await stack.query(
      `{ q: ${field}(status: AWAITING_IN_PERSON, overdueOnly: true) { acceptanceNumber overdue } }`,
      {},
      { token: reviewer },
    );
    expect(queue.errors).toBeUndefined();
    expect(queue.data.q).toContainEqual({ acceptanceNumber: n, overdue: true });
    const rejected = await review('REJECT', '逾期未到窗口核验');
    expect(rejected.data.r.problems).toEqual([]);
    expect(rejected.data.r.application.status).toBe('REJECTED');
    expect(rejected.data.r.application.inPersonVerification.status).toBe('LAPSED');
    expect(rejected.data.r.application.history.at(-1).note).toContain('申请人未到场');
  });

  it('an applicant awaiting in-person verification may withdraw: the request is closed with the application', async () => {
    const { personId, diseaseCode } = people()[4] ?? people()[1]!;
    const applicant = await stack.token({ role: 'APPLICANT', personId });
    const reviewer = await stack.token({ role: 'REVIEWER', regionCode: code, subject: 'r4' });
    const sha = await stack.upload(applicant, PNG(`${prefix}-withdraw`), '材料.png');
    const submitted = await mutate(
      prefix,
      'submit<P>Application(input: $input)',
      '$input: ApplicationInput!',
      { input: applicationInput(prefix, diseaseCode, sha) },
      applicant,
    );
    expect(submitted.data.r.problems).toEqual([]);
    const n = submitted.data.r.application.acceptanceNumber;
    await mutate(
      prefix,
      'review<P>Application(acceptanceNumber: $n, decision: REQUEST_IN_PERSON_VERIFICATION, reason: "请到窗口核验原件")',
      '$n: String!',
      { n },
      reviewer,
    );
    const withdrawn = await mutate(
      prefix,
      'withdraw<P>Application(acceptanceNumber: $n)',
      '$n: String!',
      { n },
      applicant,
    );
    expect(withdrawn.data.r.problems).toEqual([]);
    expect(withdrawn.data.r.application.status).toBe('WITHDRAWN');
    expect(withdrawn.data.r.application.inPersonVerification.status).toBe('WITHDRAWN');
  });
});

it('the token CLI mints counter clerks per region', async () => {
  const token = await stack.token({ role: 'COUNTER_CLERK', regionCode: '510400' });
  const claims = JSON.parse(Buffer.from(token.split('.')[1]!, 'base64url').toString());
  expect(claims).toMatchObject({ role: 'COUNTER_CLERK', regionCode: '510400', sub: 'clerk-510400' });
  expect(claims).not.toHaveProperty('realNameVerified');
});
