import { DEMO_PEOPLE, demoRecordsFor } from '../scripts/seed-data/people';
import { addDays, addMonths } from '../subgraphs/kit/domain/calendar';
import type { RegionPolicy } from '../subgraphs/kit/domain/policy';
import { loadRegion } from '../subgraphs/kit/domain/region-file';
import type { OutboundNotification } from '../subgraphs/kit/persistence/outbox';
import { confirmAtHospital, type Stack, startStack } from './harness';

// 申诉 and 意见反馈 through the gateway, in both regions, on a pinned clock: reject → appeal → a
// different reviewer upholds → approved with a certification; the reviewer who rejected is
// refused; an appeal after the period, on an application that is not rejected, or a second one is
// refused with nothing stored; a dismissed appeal leaves the application rejected; feedback gets
// a tracking number, a reply, appears in the person's records and the reply is notified.

const REGIONS = {
  Panzhihua: {
    code: '510400',
    subgraph: 'sichuan-panzhihua',
    def: loadRegion('sichuan-panzhihua'),
    channel: 'sichuan-medical-insurance-app',
    base: ['ID_CARD', 'DIAGNOSIS_CERTIFICATE', 'SOCIAL_SECURITY_CARD', 'APPLICATION_FORM', 'MEDICAL_RECORD'],
  },
  Yunfu: {
    code: '445300',
    subgraph: 'guangdong-yunfu',
    def: loadRegion('guangdong-yunfu'),
    channel: 'guangdong-government-portal',
    // 广东政务服务网 asks for the 门特申请表.
    base: ['ID_CARD', 'DIAGNOSIS_CERTIFICATE', 'MEDICAL_RECORD', 'APPLICATION_FORM'],
  },
} as const;
type Prefix = keyof typeof REGIONS;

const START = '2026-03-02'; // a Monday
const at = (date: string) => new Date(`${date}T10:00:00+08:00`);
let stack: Stack;
let sha: string;
let clockDate = START;

beforeAll(async () => {
  stack = await startStack({ now: at(START) });
  sha = await stack.uploadForEveryone('appeals', '材料.png');
});
afterAll(async () => {
  await stack?.close();
});

function setDate(date: string) {
  clockDate = date;
  stack.setNow(at(date));
}

/** People in good standing with a disease they never applied for: a different person each call. */
const used = new Set<string>();
function candidate(prefix: Prefix) {
  const { code, def } = REGIONS[prefix];
  const records = demoRecordsFor(code);
  const diseases = def.policy.diseases.filter(
    (d) => d.validityMonths !== null && !d.requiresPhoto && !d.requiresSpecialistHospital,
  );
  for (const p of DEMO_PEOPLE) {
    if (used.has(p.id)) continue;
    if (p.insuredRegionCode !== code || p.status !== 'NORMAL' || p.inArrears || p.residenceRegionCode) continue;
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
  throw new Error(`no candidate left in ${prefix}`);
}

function materials(prefix: Prefix, kinds: readonly string[]) {
  const policy: RegionPolicy = REGIONS[prefix].def.policy;
  const hospitalCode = policy.hospitals.find((h) => h.level === 'LEVEL_3' && h.qualifiedForSpecialDiseases)!.code;
  return kinds.map((kind) => ({
    kind,
    fileName: `${kind}.png`,
    sha256: sha,
    ...(kind === 'DIAGNOSIS_CERTIFICATE' || kind === 'MEDICAL_RECORD'
      ? { issuedOn: addDays(clockDate, -20), hospitalCode, stamped: true }
      : { stamped: false }),
  }));
}

const APPLICATION = `application {
  acceptanceNumber status decisionReason
  history { status actor note }
  certification { validFrom validUntil }
  appeal { status reason filedAt dueDate { date workingDays } decidedAt decisionReason }
} problems { code field message }`;

/** The history before the region's review: Yunfu's designated hospital confirms first. */
const beforeReview = (prefix: Prefix) =>
  REGIONS[prefix].def.rules.hospitalReview ? ['AWAITING_HOSPITAL', 'ACCEPTED'] : ['ACCEPTED'];

async function mutate(prefix: Prefix, op: string, args: string, vars: Record<string, unknown>, token: string) {
  const res = await stack.query(`mutation(${args}) { r: ${op.replace('<P>', prefix)} { ${APPLICATION} } }`, vars, {
    token,
  });
  expect(res.errors).toBeUndefined();
  return res.data.r;
}

const reviewerToken = (prefix: Prefix, subject: string) =>
  stack.token({ role: 'REVIEWER', regionCode: REGIONS[prefix].code, subject });

/** A fresh application of a fresh person, rejected by reviewer `r-reject`. */
async function rejected(prefix: Prefix) {
  const { code, def, channel, base } = REGIONS[prefix];
  const { personId, disease } = candidate(prefix);
  const applicant = await stack.token({ role: 'APPLICANT', personId });
  const hospitalCode = def.policy.hospitals.find((h) => h.level === 'LEVEL_3' && h.qualifiedForSpecialDiseases)!.code;
  const input = {
    type: 'NEW',
    diseaseCode: disease.code,
    channelId: channel,
    hospitalCode,
    insuredRegionCode: code,
    materials: materials(prefix, base),
  };
  const submitted = await mutate(
    prefix,
    'submit<P>Application(input: $input)',
    '$input: ApplicationInput!',
    { input },
    applicant,
  );
  expect(submitted.problems).toEqual([]);
  const n: string = submitted.application.acceptanceNumber;
  await confirmAtHospital(stack, code, n); // Yunfu: 经定点医疗机构审核备案 first
  const rejecter = await reviewerToken(prefix, 'r-reject');
  const decided = await mutate(
    prefix,
    'review<P>Application(acceptanceNumber: $n, decision: REJECT, reason: $r)',
    '$n: String!, $r: String',
    { n, r: '诊断证明与病历记载不一致' },
    rejecter,
  );
  expect(decided.application.status).toBe('REJECTED');
  return { personId, disease, applicant, rejecter, n };
}

const appeal = (prefix: Prefix, token: string, vars: Record<string, unknown>) =>
  mutate(
    prefix,
    'appeal<P>Application(acceptanceNumber: $n, reason: $reason, materials: $m, idempotencyKey: $k)',
    '$n: String!, $reason: String!, $m: [MaterialInput!], $k: String',
    vars,
    token,
  );

const reviewAppeal = (prefix: Prefix, token: string, vars: Record<string, unknown>) =>
  mutate(
    prefix,
    'review<P>Appeal(acceptanceNumber: $n, decision: $d, reason: $r, idempotencyKey: $k)',
    '$n: String!, $d: AppealDecision!, $r: String, $k: String',
    vars,
    token,
  );

const codes = (payload: { problems: { code: string }[] }) => payload.problems.map((p) => p.code).sort();

/** What was sent to the person once `template` went out by SMS and in the app. */
async function delivered(prefix: Prefix, personId: string, template: string): Promise<string[]> {
  const mine = (sent: OutboundNotification[]) =>
    sent.filter((m) => m.personId === personId).map((m) => `${m.channel}:${m.template}`);
  return mine(
    await stack.deliver(
      REGIONS[prefix].subgraph,
      (sent) => mine(sent).filter((s) => s.endsWith(`:${template}`)).length >= 2,
    ),
  );
}

async function outboxRows(prefix: Prefix, personId: string, template: string): Promise<number> {
  const ds = stack.regions[REGIONS[prefix].subgraph]!.dataSource;
  const rows: { n: number | string }[] = await ds.query(
    'SELECT COUNT(*) AS n FROM notification_outbox WHERE person_id = ? AND template = ?',
    [personId, template],
  );
  return Number(rows[0]!.n);
}

describe.each(['Panzhihua', 'Yunfu'] as const)('%s: 申诉', (prefix) => {
  const region = REGIONS[prefix];

  it('serves the appeal period and review time with their sources, flagged illustrative', async () => {
    const res = await stack.query(
      `{ region(code: "${region.code}") { ... on ${prefix}Region { appealPolicy {
        periodDays periodSource periodIllustrative reviewWorkingDays reviewSource reviewIllustrative illustrative } } } }`,
    );
    expect(res.errors).toBeUndefined();
    expect(res.data.region.appealPolicy).toMatchObject({
      periodDays: region.def.rules.appeal.periodDays,
      reviewWorkingDays: region.def.rules.appeal.reviewWorkingDays,
      periodIllustrative: true,
      reviewIllustrative: true,
      illustrative: true,
    });
    expect(res.data.region.appealPolicy.periodSource).toMatch(/illustrative/);
  });

  it('reject → appeal → the rejecting reviewer is refused → another reviewer upholds → approved and certified', async () => {
    setDate(START);
    const { personId, disease, applicant, rejecter, n } = await rejected(prefix);

    const filed = await appeal(prefix, applicant, {
      n,
      reason: '病历记载有误，已由医院更正，附更正后的病历',
      m: materials(prefix, ['MEDICAL_RECORD']),
      k: `appeal-${n}`,
    });
    expect(filed.problems).toEqual([]);
    const due = filed.application.appeal.dueDate;
    expect(filed.application.appeal).toMatchObject({ status: 'PENDING', decidedAt: null });
    expect(due.workingDays).toBe(region.def.rules.appeal.reviewWorkingDays);
    // 15 working days from the day after 2026-03-02 (no holiday in between): three weeks later.
    expect(due.date).toBe('2026-03-23');
    expect(filed.application.status).toBe('REJECTED');
    expect(filed.application.history.at(-1).note).toContain('已提出申诉');
    // The same key again answers the first result and files nothing more.
    const again = await appeal(prefix, applicant, {
      n,
      reason: '病历记载有误，已由医院更正，附更正后的病历',
      m: materials(prefix, ['MEDICAL_RECORD']),
      k: `appeal-${n}`,
    });
    expect(again.problems).toEqual([]);
    // Another appeal while one is pending: refused.
    const second = await appeal(prefix, applicant, { n, reason: '再次申诉' });
    expect(codes(second)).toEqual(['APPEAL_ALREADY_OPEN']);

    // The reviewer who rejected may not decide the appeal.
    const same = await reviewAppeal(prefix, rejecter, { n, d: 'UPHOLD' });
    expect(codes(same)).toEqual(['APPEAL_SAME_REVIEWER']);
    expect(same.problems[0].message).toMatch(/原审核决定以外/);
    expect(same.application).toBeNull();

    setDate('2026-03-05');
    const other = await reviewerToken(prefix, 'r-appeal');
    const upheld = await reviewAppeal(prefix, other, { n, d: 'UPHOLD', r: '更正后的病历支持诊断', k: `decide-${n}` });
    expect(upheld.problems).toEqual([]);
    expect(upheld.application.status).toBe('APPROVED');
    expect(upheld.application.appeal).toMatchObject({
      status: 'UPHELD',
      decisionReason: '更正后的病历支持诊断',
    });
    expect(upheld.application.appeal.decidedAt).toMatch(/^2026-03-05T/);
    expect(upheld.application.certification).toEqual({
      validFrom: '2026-03-05',
      validUntil: addDays(addMonths('2026-03-05', disease.validityMonths!), -1),
    });
    expect(upheld.application.history.map((h: { status: string }) => h.status)).toEqual([
      ...beforeReview(prefix),
      'REJECTED',
      'REJECTED',
      'APPROVED',
    ]);
    expect(upheld.application.history.at(-1).actor).toBe(`REVIEWER:${region.code}:r-appeal`);

    // Decided once: a second decision finds no pending appeal, and the approved application cannot be appealed.
    expect(codes(await reviewAppeal(prefix, other, { n, d: 'DISMISS', r: 'x' }))).toEqual(['APPEAL_NOT_FOUND']);
    expect(codes(await appeal(prefix, applicant, { n, reason: '再次申诉' }))).toEqual([
      'APPEAL_ALREADY_DECIDED',
      'APPEAL_NOT_REJECTED',
    ]);

    // On the record, and notified: received and decided, by SMS and in the app, once each.
    const record = await stack.query(
      '{ me { records { regionCode appeals { acceptanceNumber status } certifications { validFrom } } } }',
      undefined,
      { token: applicant },
    );
    const mine = record.data.me.records.find((r: { regionCode: string }) => r.regionCode === region.code);
    expect(mine.appeals).toEqual([{ acceptanceNumber: n, status: 'UPHELD' }]);
    expect(mine.certifications).toContainEqual({ validFrom: '2026-03-05' });
    const sent = await delivered(prefix, personId, 'APPEAL_DECIDED');
    for (const t of ['APPEAL_RECEIVED', 'APPEAL_DECIDED'])
      expect(sent.filter((s) => s.endsWith(`:${t}`)).sort()).toEqual([`APP:${t}`, `SMS:${t}`]);
    const decidedMessage = stack.notifications.find((m) => m.personId === personId && m.template === 'APPEAL_DECIDED');
    expect(decidedMessage?.payload).toMatchObject({ acceptanceNumber: n, outcome: 'UPHELD' });
  });

  it('a dismissed appeal leaves the application rejected, with the reason', async () => {
    setDate(START);
    const { personId, applicant, n } = await rejected(prefix);
    expect((await appeal(prefix, applicant, { n, reason: '我认为材料齐全' })).problems).toEqual([]);
    const other = await reviewerToken(prefix, 'r-appeal');
    // A dismissal without a reason is refused, nothing decided.
    const bare = await reviewAppeal(prefix, other, { n, d: 'DISMISS' });
    expect(codes(bare)).toEqual(['REASON_REQUIRED']);
    const dismissed = await reviewAppeal(prefix, other, { n, d: 'DISMISS', r: '病历仍不支持诊断' });
    expect(dismissed.problems).toEqual([]);
    expect(dismissed.application.status).toBe('REJECTED');
    expect(dismissed.application.certification).toBeNull();
    expect(dismissed.application.appeal).toMatchObject({ status: 'DISMISSED', decisionReason: '病历仍不支持诊断' });
    expect(dismissed.application.history.at(-1)).toMatchObject({
      status: 'REJECTED',
      note: '申诉不成立：病历仍不支持诊断',
    });
    // One appeal per rejection.
    expect(codes(await appeal(prefix, applicant, { n, reason: '再次申诉' }))).toEqual(['APPEAL_ALREADY_DECIDED']);
    await delivered(prefix, personId, 'APPEAL_DECIDED');
    const message = stack.notifications.find((m) => m.personId === personId && m.template === 'APPEAL_DECIDED');
    expect(message?.payload).toMatchObject({ outcome: 'DISMISSED', reason: '病历仍不支持诊断' });
  });

  it('refuses an appeal after the period, all problems at once, and stores nothing', async () => {
    setDate(START);
    const { personId, applicant, n } = await rejected(prefix);
    const period = region.def.rules.appeal.periodDays;
    // The last day of the period is still in time for the check (it fails for other reasons only).
    setDate(addDays(START, period - 1));
    expect(codes(await appeal(prefix, applicant, { n, reason: '' }))).toEqual(['APPEAL_REASON_REQUIRED']);
    setDate(addDays(START, period));
    const late = await appeal(prefix, applicant, {
      n,
      reason: '',
      m: [{ kind: 'MEDICAL_RECORD', fileName: 'x.png', sha256: 'f'.repeat(64), stamped: true }],
    });
    expect(codes(late)).toEqual(
      [
        'APPEAL_PERIOD_EXPIRED',
        'APPEAL_REASON_REQUIRED',
        'FILE_NOT_UPLOADED',
        'MATERIAL_DATE_REQUIRED',
        'MATERIAL_HOSPITAL_REQUIRED',
      ].sort(),
    );
    const expired = late.problems.find((p: { code: string }) => p.code === 'APPEAL_PERIOD_EXPIRED');
    expect(expired.message).toContain(`${period}日内`);
    expect(expired.message).toContain(addDays(START, period - 1));
    // Nothing stored: no appeal, no history entry, no notification.
    const read = await stack.query(
      `query($n: String!) { application(acceptanceNumber: $n) { status history { status } appeal { status } } }`,
      { n },
      { token: applicant },
    );
    expect(read.data.application).toEqual({
      status: 'REJECTED',
      history: [...beforeReview(prefix), 'REJECTED'].map((status) => ({ status })),
      appeal: null,
    });
    expect(await outboxRows(prefix, personId, 'APPEAL_RECEIVED')).toBe(0);
  });

  it('parallel appeals file one; a retried decision with its key answers the first; a new application supersedes', async () => {
    setDate(START);
    const { personId, disease, applicant, n } = await rejected(prefix);
    const results = await Promise.all(
      [1, 2, 3, 4].map((i) => appeal(prefix, applicant, { n, reason: `并发申诉${i}`, k: `parallel-${i}-${n}` })),
    );
    expect(results.filter((r) => r.problems.length === 0)).toHaveLength(1);
    for (const r of results.filter((x) => x.problems.length > 0)) expect(codes(r)).toEqual(['APPEAL_ALREADY_OPEN']);
    expect(await outboxRows(prefix, personId, 'APPEAL_RECEIVED')).toBe(2); // SMS and app, once

    // The applicant applies again for the same disease while the appeal is pending: upholding
    // would certify twice, so only a dismissal is possible.
    const { code, def, channel, base } = region;
    const hospitalCode = def.policy.hospitals.find((h) => h.level === 'LEVEL_3' && h.qualifiedForSpecialDiseases)!.code;
    const resubmitted = await mutate(
      prefix,
      'submit<P>Application(input: $input)',
      '$input: ApplicationInput!',
      {
        input: {
          type: 'NEW',
          diseaseCode: disease.code,
          channelId: channel,
          hospitalCode,
          insuredRegionCode: code,
          materials: materials(prefix, base),
        },
      },
      applicant,
    );
    expect(resubmitted.problems).toEqual([]);
    const other = await reviewerToken(prefix, 'r-appeal');
    expect(codes(await reviewAppeal(prefix, other, { n, d: 'UPHOLD' }))).toEqual(['APPEAL_SUPERSEDED']);
    const vars = { n, d: 'DISMISS', r: '已重新申请，按新申请审核', k: `dismiss-${n}` };
    const first = await reviewAppeal(prefix, other, vars);
    expect(first.application.appeal.status).toBe('DISMISSED');
    const retried = await reviewAppeal(prefix, other, vars);
    expect(retried.problems).toEqual([]);
    expect(retried.application.appeal).toEqual(first.application.appeal);
    expect(await outboxRows(prefix, personId, 'APPEAL_DECIDED')).toBe(2);
  });

  it('refuses an appeal on an application that is not rejected, and another person’s', async () => {
    setDate(START);
    const { applicant, n } = await rejected(prefix);
    const { personId: otherPerson } = candidate(prefix);
    const stranger = await stack.token({ role: 'APPLICANT', personId: otherPerson });
    expect(codes(await appeal(prefix, stranger, { n, reason: '申诉' }))).toEqual(['APPLICATION_NOT_FOUND']);
    // An open application of the same person: not rejected.
    const open = demoRecordsFor(region.code).applications.find(
      (a) => a.status === 'ACCEPTED' || a.status === 'SUPPLEMENT_REQUESTED',
    );
    expect(open).toBeDefined();
    const owner = await stack.token({ role: 'APPLICANT', personId: open!.personId });
    expect(codes(await appeal(prefix, owner, { n: open!.id, reason: '申诉' }))).toEqual(['APPEAL_NOT_REJECTED']);
    // A reviewer of another region cannot decide this region's appeals (the access table).
    expect((await appeal(prefix, applicant, { n, reason: '申诉理由' })).problems).toEqual([]);
    const elsewhere = await stack.token({
      role: 'REVIEWER',
      regionCode: Object.values(REGIONS).find((r) => r.code !== region.code)!.code,
      subject: 'r-elsewhere',
    });
    const res = await stack.query(
      `mutation($n: String!) { r: review${prefix}Appeal(acceptanceNumber: $n, decision: UPHOLD) { problems { code } } }`,
      { n },
      { token: elsewhere },
    );
    expect(res.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
  });
});

const FEEDBACK =
  'feedback { trackingNumber category subject text acceptanceNumber status submittedAt reply repliedAt } problems { code field message }';

describe.each(['Panzhihua', 'Yunfu'] as const)('%s: 意见反馈', (prefix) => {
  const region = REGIONS[prefix];

  it('feedback → tracking number → reply → in the records → the reply is notified', async () => {
    setDate(START);
    const { personId, applicant, n } = await rejected(prefix);
    const send = (input: Record<string, unknown>) =>
      stack.query(
        `mutation($i: FeedbackInput!) { r: send${prefix}Feedback(input: $i) { ${FEEDBACK} } }`,
        { i: input },
        {
          token: applicant,
        },
      );

    // Bounds and cleaning: every problem at once, nothing stored.
    const bad = await send({ category: 'COMPLAINT', subject: '长'.repeat(51), text: '\u0000\u202e ' });
    expect(bad.errors).toBeUndefined();
    expect(codes(bad.data.r)).toEqual(['FEEDBACK_TEXT_REQUIRED', 'INPUT_TOO_LONG']);
    expect(bad.data.r.feedback).toBeNull();

    const input = {
      category: 'COMPLAINT',
      subject: '审核\u202e结果有疑问',
      text: '我的申请被驳回，想了解具体原因。\u0000',
      acceptanceNumber: n.toLowerCase(),
      idempotencyKey: `feedback-${n}`,
    };
    const sent = await send(input);
    expect(sent.errors).toBeUndefined();
    const feedback = sent.data.r.feedback;
    expect(sent.data.r.problems).toEqual([]);
    expect(feedback).toMatchObject({
      category: 'COMPLAINT',
      subject: '审核结果有疑问',
      text: '我的申请被驳回，想了解具体原因。',
      acceptanceNumber: n,
      status: 'OPEN',
      reply: null,
    });
    expect(feedback.trackingNumber).toMatch(new RegExp(`^F${region.code}20260302\\d{6}[\\dX]$`));
    // The same key: the same tracking number, no second feedback.
    const repeat = await send(input);
    expect(repeat.data.r.feedback.trackingNumber).toBe(feedback.trackingNumber);

    // The region's reviewers see it in their queue and reply.
    const reviewer = await reviewerToken(prefix, 'r-feedback');
    const queue = await stack.query(
      `{ q: ${prefix.charAt(0).toLowerCase()}${prefix.slice(1)}FeedbackQueue { trackingNumber } }`,
      undefined,
      { token: reviewer },
    );
    expect(
      queue.data.q.filter((f: { trackingNumber: string }) => f.trackingNumber === feedback.trackingNumber),
    ).toHaveLength(1);
    setDate('2026-03-03');
    const reply = (text: string) =>
      stack.query(
        `mutation($t: String!, $r: String!) { r: reply${prefix}Feedback(trackingNumber: $t, reply: $r) { ${FEEDBACK} } }`,
        { t: feedback.trackingNumber, r: text },
        { token: reviewer },
      );
    const replied = await reply('驳回原因为诊断证明与病历不一致，可在申诉期内提出申诉，或致电咨询。');
    expect(replied.errors).toBeUndefined();
    expect(replied.data.r.problems).toEqual([]);
    expect(replied.data.r.feedback).toMatchObject({ status: 'REPLIED' });
    expect(replied.data.r.feedback.repliedAt).toMatch(/^2026-03-03T/);
    expect(codes((await reply('再次答复')).data.r)).toEqual(['FEEDBACK_ALREADY_REPLIED']);

    // In the person's records.
    const records = await stack.query(
      '{ me { records { regionCode feedback { trackingNumber status reply } } } }',
      undefined,
      {
        token: applicant,
      },
    );
    const mine = records.data.me.records.find((r: { regionCode: string }) => r.regionCode === region.code);
    expect(mine.feedback).toEqual([
      {
        trackingNumber: feedback.trackingNumber,
        status: 'REPLIED',
        reply: '驳回原因为诊断证明与病历不一致，可在申诉期内提出申诉，或致电咨询。',
      },
    ]);
    // The hotline stays where it was.
    const hotline = await stack.query(`{ region(code: "${region.code}") { hotline } }`);
    expect(hotline.data.region.hotline).toBe(region.def.policy.hotline);

    // Notified of the reply, by SMS and in the app.
    const sentMessages = await delivered(prefix, personId, 'FEEDBACK_REPLIED');
    expect(sentMessages.filter((s) => s.endsWith(':FEEDBACK_REPLIED')).sort()).toEqual([
      'APP:FEEDBACK_REPLIED',
      'SMS:FEEDBACK_REPLIED',
    ]);
    const message = stack.notifications.find((m) => m.personId === personId && m.template === 'FEEDBACK_REPLIED');
    expect(message?.payload).toMatchObject({ trackingNumber: feedback.trackingNumber });
  });

  it('feedback about another person’s application is refused and not stored', async () => {
    setDate(START);
    const { n } = await rejected(prefix);
    const { personId } = candidate(prefix);
    const other = await stack.token({ role: 'APPLICANT', personId });
    const res = await stack.query(
      `mutation($i: FeedbackInput!) { r: send${prefix}Feedback(input: $i) { ${FEEDBACK} } }`,
      { i: { category: 'CONSULTATION', subject: '咨询', text: '请问进度', acceptanceNumber: n } },
      { token: other },
    );
    expect(codes(res.data.r)).toEqual(['APPLICATION_NOT_FOUND']);
    const records = await stack.query('{ me { records { feedback { trackingNumber } } } }', undefined, {
      token: other,
    });
    expect(records.data.me.records.flatMap((r: { feedback: unknown[] }) => r.feedback)).toEqual([]);
  });
});
