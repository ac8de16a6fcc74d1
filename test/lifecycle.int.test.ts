import { DEMO_PEOPLE, demoRecordsFor } from '../scripts/seed-data/people';
import { addDays, addMonths } from '../subgraphs/kit/domain/calendar';
import type { RegionPolicy } from '../subgraphs/kit/domain/policy';
import { loadRegion } from '../subgraphs/kit/domain/region-file';
import { confirmAtHospital, type Stack, startStack } from './harness';

const panzhihuaPolicy = loadRegion('sichuan-panzhihua').policy;
const yunfuPolicy = loadRegion('guangdong-yunfu').policy;

// The full happy path in each region, on a pinned clock so due dates cross known holidays and a
// certification can reach its renewal window: submit → supplement → approve → certification →
// renewal → approve.

const REGIONS = {
  Panzhihua: { code: '510400', policy: panzhihuaPolicy, channel: 'sichuan-medical-insurance-app' },
  Yunfu: { code: '445300', policy: yunfuPolicy, channel: 'guangdong-government-portal' },
} as const;
type Prefix = keyof typeof REGIONS;

const at = (date: string) => new Date(`${date}T10:00:00+08:00`);
let stack: Stack;
let sha: string;
let clockDate = '2026-02-12'; // a Thursday just before 春节

beforeAll(async () => {
  stack = await startStack({ now: at(clockDate) });
  // Each candidate owns the file (uploaded for them at the window); one blob, one ownership record each.
  sha = await stack.uploadForEveryone('lifecycle', '材料.png');
});
afterAll(async () => {
  await stack?.close();
});

function setDate(date: string) {
  clockDate = date;
  stack.setNow(at(date));
}

/** A person in good standing in the region with no history for a disease that has a fixed term. */
function candidate(prefix: Prefix) {
  const { code, policy } = REGIONS[prefix];
  const records = demoRecordsFor(code);
  const diseases = policy.diseases.filter(
    (d) => d.validityMonths !== null && !d.requiresPhoto && !d.requiresSpecialistHospital,
  );
  for (const p of DEMO_PEOPLE) {
    if (p.insuredRegionCode !== code || p.status !== 'NORMAL' || p.inArrears || p.residenceRegionCode) continue;
    const disease = diseases.find(
      (d) =>
        !records.applications.some((a) => a.personId === p.id && a.diseaseCode === d.code) &&
        !records.certifications.some((c) => c.personId === p.id && c.diseaseCode === d.code),
    );
    if (disease) return { personId: p.id, disease };
  }
  throw new Error(`no candidate in ${prefix}`);
}

function materials(prefix: Prefix, kinds: string[]) {
  const policy: RegionPolicy = REGIONS[prefix].policy;
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

const FIELDS =
  'application { acceptanceNumber status dueDate { date workingDays provisional } history { status } certification { validFrom validUntil renewableFrom } } problems { code message }';

async function mutate(prefix: Prefix, op: string, args: string, vars: Record<string, unknown>, token: string) {
  const res = await stack.query(`mutation(${args}) { r: ${op.replace('<P>', prefix)} { ${FIELDS} } }`, vars, { token });
  expect(res.errors).toBeUndefined();
  return res.data.r;
}

for (const prefix of ['Panzhihua', 'Yunfu'] as const) {
  it(`${prefix}: submit → supplement → approve → certification → renewal → approve`, async () => {
    setDate('2026-02-12');
    const { code, policy, channel } = REGIONS[prefix];
    const { personId, disease } = candidate(prefix);
    const applicant = await stack.token({ role: 'APPLICANT', personId });
    const reviewer = await stack.token({ role: 'REVIEWER', regionCode: code, subject: 'r1' });
    const hospitalCode = policy.hospitals.find((h) => h.level === 'LEVEL_3' && h.qualifiedForSpecialDiseases)!.code;
    const base = [
      'ID_CARD',
      'DIAGNOSIS_CERTIFICATE',
      // Both channels here ask for the form (Yunfu's 广东政务服务网 does, its mini programs do not).
      'APPLICATION_FORM',
      ...(prefix === 'Panzhihua' ? ['SOCIAL_SECURITY_CARD'] : []),
    ];
    const input = {
      type: 'NEW',
      diseaseCode: disease.code,
      channelId: channel,
      hospitalCode,
      insuredRegionCode: code,
      materials: materials(prefix, [...base, 'MEDICAL_RECORD']),
    };

    const submitted = await mutate(
      prefix,
      'submit<P>Application(input: $input)',
      '$input: ApplicationInput!',
      { input },
      applicant,
    );
    expect(submitted.problems).toEqual([]);
    const n = submitted.application.acceptanceNumber;
    // Counted from the day after acceptance over 春节 2026 (2/15–2/23 off, 2/14 and 2/28 worked).
    if (prefix === 'Panzhihua') {
      expect(submitted.application.dueDate).toEqual({ date: '2026-03-11', workingDays: 15, provisional: false });
    } else {
      // Yunfu: first the designated hospital (经定点医疗机构审核备案; 3 working days, illustrative) …
      expect(submitted.application.status).toBe('AWAITING_HOSPITAL');
      expect(submitted.application.dueDate).toEqual({ date: '2026-02-24', workingDays: 3, provisional: false });
      // … then the region's review time runs from the day it confirms.
      expect((await confirmAtHospital(stack, code, n))!.application.dueDate).toEqual({
        date: '2026-02-26',
        workingDays: 5,
        provisional: false,
      });
    }

    const review = (decision: string, reason?: string) =>
      mutate(
        prefix,
        'review<P>Application(acceptanceNumber: $n, decision: $d, reason: $r)',
        '$n: String!, $d: ReviewDecision!, $r: String',
        { n, d: decision, r: reason },
        reviewer,
      );
    expect((await review('REQUEST_SUPPLEMENT', '请补充出院小结')).application.status).toBe('SUPPLEMENT_REQUESTED');
    setDate('2026-02-26');
    const supplemented = await mutate(
      prefix,
      'supplement<P>Materials(acceptanceNumber: $n, materials: $m)',
      '$n: String!, $m: [MaterialInput!]!',
      { n, m: materials(prefix, ['MEDICAL_RECORD']) },
      applicant,
    );
    expect(supplemented.application.status).toBe('ACCEPTED');
    const approved = await review('APPROVE');
    const cert = approved.application.certification;
    expect(cert.validFrom).toBe('2026-02-26');
    expect(cert.validUntil).toBe(addDays(addMonths('2026-02-26', disease.validityMonths!), -1));
    expect(cert.renewableFrom).toBe(prefix === 'Yunfu' ? addDays(cert.validUntil, -30) : null);

    // Renewal: Yunfu only inside the 30 days before expiry.
    setDate(addDays(cert.validUntil, -40));
    const renewal = { ...input, type: 'RENEWAL', materials: materials(prefix, [...base, 'MEDICAL_RECORD']) };
    const early = await mutate(
      prefix,
      'submit<P>Application(input: $input)',
      '$input: ApplicationInput!',
      { input: renewal },
      applicant,
    );
    if (prefix === 'Yunfu') {
      expect(early.problems.map((p: any) => p.code)).toEqual(['RENEWAL_NOT_DUE']);
      setDate(addDays(cert.validUntil, -10));
    } else {
      expect(early.problems).toEqual([]);
      await mutate(
        prefix,
        'withdraw<P>Application(acceptanceNumber: $n)',
        '$n: String!',
        { n: early.application.acceptanceNumber },
        applicant,
      );
    }
    const renewed = await mutate(
      prefix,
      'submit<P>Application(input: $input)',
      '$input: ApplicationInput!',
      { input: { ...renewal, materials: materials(prefix, [...base, 'MEDICAL_RECORD']) } },
      applicant,
    );
    expect(renewed.problems).toEqual([]);
    expect(renewed.application.dueDate.provisional).toBe(true); // past the published 2026 calendar
    const m = renewed.application.acceptanceNumber;
    await confirmAtHospital(stack, code, m);
    const renewedApproval = await stack.query(
      `mutation($n: String!) { r: review${prefix}Application(acceptanceNumber: $n, decision: APPROVE) { ${FIELDS} } }`,
      { n: m },
      { token: reviewer },
    );
    const next = renewedApproval.data.r.application.certification;
    expect(next.validFrom).toBe(addDays(cert.validUntil, 1)); // continuous cover, no gap and no overlap
    expect(next.validUntil).toBe(addDays(addMonths(next.validFrom, disease.validityMonths!), -1));
  });
}
