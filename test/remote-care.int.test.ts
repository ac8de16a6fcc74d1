import { DEMO_PEOPLE, demoRecordsFor } from '../scripts/seed-data/people';
import { addDays } from '../subgraphs/kit/domain/calendar';
import type { RegionPolicy } from '../subgraphs/kit/domain/policy';
import { loadRegion } from '../subgraphs/kit/domain/region-file';
import { ApplicationEntity } from '../subgraphs/kit/persistence/db/record.entities';
import { todayInChina } from '../subgraphs/kit/platform/clock';
import { type Stack, startStack } from './harness';

// 异地 (living elsewhere) through the gateway, in both regions: residence comes from the national
// index and the region's filings, not the applicant's word; medical proof from any level-2-or-higher
// hospital in the country (national hospital directory); estimates follow the insured region's
// remote-care rules; a national subgraph out of reach is a clear problem with nothing stored.

const PZH = {
  code: '510400',
  prefix: 'Panzhihua',
  name: '攀枝花市',
  policy: loadRegion('sichuan-panzhihua').policy,
  // The status a new application starts in: the region reviews it itself.
  submitted: 'ACCEPTED',
  // Lives in Yunfu: without a filing (P000006), with one (P000015, 2026-03-02 … 2027-03-01).
  unfiled: 'P000006',
  filed: 'P000015',
};
const YF = {
  code: '445300',
  prefix: 'Yunfu',
  name: '云浮市',
  policy: loadRegion('guangdong-yunfu').policy,
  // 经定点医疗机构审核备案: a new application waits for its designated hospital first.
  submitted: 'AWAITING_HOSPITAL',
  // Lives in Panzhihua: without a filing (P000033), with one (P000040, 2026-02-02 … 2028-02-01).
  unfiled: 'P000033',
  filed: 'P000040',
};
type Region = typeof PZH;
const other = (r: Region) => (r === PZH ? YF : PZH);

/** National directory entries (subgraphs/national/data/hospitals.yaml), none in either region. */
const BEIJING_LEVEL_3 = 'H11010100001'; // 北京协和医院, 三级
const BEIJING_SPECIALIST = 'H11010800001'; // 北京大学第六医院, 三级专科
const CHENGDU_LEVEL_1 = 'H51010700003'; // 成都市武侯区玉林社区卫生服务中心, 一级
const UNKNOWN = 'H99999900001';

let stack: Stack;
let sha: string;
const today = todayInChina();
const recent = addDays(today, -30);

beforeAll(async () => {
  stack = await startStack();
  sha = await stack.uploadFor(
    DEMO_PEOPLE.map((p) => p.id),
    Buffer.concat([Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]), Buffer.from('remote care')]),
    '诊断证明.png',
  );
});
afterAll(async () => {
  await stack?.close();
});

const used = new Set<string>();
/** A disease `personId` has no application or certification for in `region` (and no test used). */
function diseaseFor(region: Region, personId: string, filter: (d: RegionPolicy['diseases'][number]) => boolean) {
  const records = demoRecordsFor(region.code);
  const disease = region.policy.diseases.find(
    (d) =>
      filter(d) &&
      !used.has(`${personId}|${d.code}`) &&
      !records.applications.some((a) => a.personId === personId && a.diseaseCode === d.code) &&
      !records.certifications.some((c) => c.personId === personId && c.diseaseCode === d.code),
  );
  if (!disease) throw new Error(`no disease left for ${personId} in ${region.code}`);
  used.add(`${personId}|${disease.code}`);
  return disease;
}

/** People insured in `region`, in good standing, living there (index), in order. */
const residents = (region: Region) =>
  DEMO_PEOPLE.filter(
    (p) => p.insuredRegionCode === region.code && p.status === 'NORMAL' && !p.inArrears && !p.residenceRegionCode,
  ).map((p) => p.id);

const treatingHospital = (region: Region) =>
  region.policy.hospitals.find((h) => h.level === 'LEVEL_3' && h.qualifiedForSpecialDiseases)!.code;

function input(region: Region, disease: RegionPolicy['diseases'][number], proofHospital: string, extra = {}) {
  const file = (kind: string, more: Record<string, unknown> = {}) => ({
    kind,
    stamped: false,
    fileName: `${kind}.png`,
    sha256: sha,
    ...more,
  });
  const dated = { issuedOn: recent, hospitalCode: proofHospital, stamped: true };
  const materials = [file('ID_CARD'), file('DIAGNOSIS_CERTIFICATE', dated), file('MEDICAL_RECORD', dated)];
  if (region === PZH) materials.push(file('SOCIAL_SECURITY_CARD'), file('APPLICATION_FORM'));
  if (region === PZH && disease.requiresPhoto) materials.push(file('PHOTO'));
  if (region === YF && disease.requiresSpecialistHospital) {
    materials.push(file('SPECIALIST_CERTIFICATE', { hospitalCode: BEIJING_SPECIALIST, stamped: true }));
  }
  return {
    type: 'NEW',
    diseaseCode: disease.code,
    channelId: region.policy.channels[0]!.id,
    hospitalCode: treatingHospital(region),
    insuredRegionCode: region.code,
    materials,
    ...extra,
  };
}

async function submit(region: Region, personId: string, body: Record<string, unknown>) {
  const token = await stack.token({ role: 'APPLICANT', personId });
  const res = await stack.query(
    `mutation($input: ApplicationInput!) { r: submit${region.prefix}Application(input: $input) {
      application { acceptanceNumber status } problems { code field message } } }`,
    { input: body },
    { token },
  );
  expect(res.errors).toBeUndefined();
  return res.data!.r as {
    application: { acceptanceNumber: string; status: string } | null;
    problems: { code: string; field: string | null; message: string }[];
  };
}

const stored = (region: Region, personId: string) =>
  stack.regions[region === PZH ? 'sichuan-panzhihua' : 'guangdong-yunfu']!.dataSource.getRepository(
    ApplicationEntity,
  ).countBy({ regionCode: region.code, personId });

const codes = (r: { problems: { code: string }[] }) => r.problems.map((p) => p.code);

describe('the national index and directory, through the gateway', () => {
  it('records where each person lives (常住地) and serves the hospital directory to anyone', async () => {
    const token = await stack.token({ role: 'APPLICANT', personId: PZH.unfiled });
    const me = await stack.query(
      '{ me { id residenceRegionCode residenceRegionName insuredRegion { code } } }',
      {},
      { token },
    );
    expect(me.data.me).toEqual({
      id: PZH.unfiled,
      residenceRegionCode: YF.code,
      residenceRegionName: '广东省云浮市',
      insuredRegion: { code: PZH.code },
    });
    const local = await stack.query(
      '{ me { residenceRegionCode } }',
      {},
      { token: await stack.token({ role: 'APPLICANT', personId: residents(PZH)[0]! }) },
    );
    expect(local.data.me.residenceRegionCode).toBeNull();

    const anonymous = await stack.query(
      `query($c: ID!) { hospital(code: $c) { code name province regionName level specialist illustrative }
        chengdu3: hospitals(search: "成都", level: LEVEL_3) { code level regionName }
        designated: hospital(code: "H44530200001") { name level } }`,
      { c: BEIJING_LEVEL_3 },
    );
    expect(anonymous.errors).toBeUndefined();
    expect(anonymous.data.hospital).toEqual({
      code: BEIJING_LEVEL_3,
      name: '北京协和医院',
      province: '北京市',
      regionName: '北京市',
      level: 'LEVEL_3',
      specialist: false,
      illustrative: true,
    });
    expect(anonymous.data.chengdu3.length).toBeGreaterThanOrEqual(2);
    for (const h of anonymous.data.chengdu3) expect(h).toMatchObject({ level: 'LEVEL_3', regionName: '成都市' });
    expect(anonymous.data.designated).toEqual({ name: '云浮市人民医院', level: 'LEVEL_3' });
    const bad = await stack.query('{ hospitals(first: 1000) { code } }');
    expect(bad.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
  });
});

describe.each([PZH, YF])('remote care in $name', (region) => {
  it('living elsewhere (national index) without a filing: REMOTE_CARE_FILING_REQUIRED, declared or not, nothing stored', async () => {
    const disease = diseaseFor(region, region.unfiled, () => true);
    const before = await stored(region, region.unfiled);
    // Not declaring the residence changes nothing: the index says where the person lives.
    const silent = await submit(region, region.unfiled, input(region, disease, treatingHospital(region)));
    expect(silent.application).toBeNull();
    expect(codes(silent)).toEqual(['REMOTE_CARE_FILING_REQUIRED']);
    expect(silent.problems[0]!.message).toContain(other(region).name);
    // Declaring the insured region as residence contradicts the index as well.
    const declaredHome = await submit(
      region,
      region.unfiled,
      input(region, disease, treatingHospital(region), { residenceRegionCode: region.code }),
    );
    expect(codes(declaredHome).sort()).toEqual(['REMOTE_CARE_FILING_REQUIRED', 'RESIDENCE_MISMATCH']);
    expect(await stored(region, region.unfiled)).toBe(before);

    // Filing 异地就医备案 with the insured region, then applying, is accepted.
    const token = await stack.token({ role: 'APPLICANT', personId: region.unfiled });
    const filed = await stack.query(
      `mutation($i: RemoteCareInput!) { r: file${region.prefix}RemoteCare(input: $i) { filing { residenceRegionCode } problems { code } } }`,
      { i: { residenceRegionCode: other(region).code, idempotencyKey: `rc-${region.code}` } },
      { token },
    );
    expect(filed.data.r).toEqual({ filing: { residenceRegionCode: other(region).code }, problems: [] });
    const after = await submit(region, region.unfiled, input(region, disease, treatingHospital(region)));
    expect(after.problems).toEqual([]);
    expect(after.application?.status).toBe(region.submitted);
    expect(await stored(region, region.unfiled)).toBe(before + 1);
  });

  it('living elsewhere with a valid filing: accepted, residence declared or not', async () => {
    const first = await submit(
      region,
      region.filed,
      input(
        region,
        diseaseFor(region, region.filed, () => true),
        treatingHospital(region),
      ),
    );
    expect(first.problems).toEqual([]);
    expect(first.application?.status).toBe(region.submitted);
    const declared = await submit(
      region,
      region.filed,
      input(
        region,
        diseaseFor(region, region.filed, () => true),
        treatingHospital(region),
        { residenceRegionCode: other(region).code },
      ),
    );
    expect(declared.problems).toEqual([]);
  });

  it('a declared residence the index contradicts is RESIDENCE_MISMATCH, nothing stored', async () => {
    const personId = residents(region)[1]!;
    const before = await stored(region, personId);
    const res = await submit(
      region,
      personId,
      input(
        region,
        diseaseFor(region, personId, () => true),
        treatingHospital(region),
        {
          residenceRegionCode: other(region).code,
        },
      ),
    );
    expect(codes(res)).toEqual(['RESIDENCE_MISMATCH']);
    expect(res.problems[0]).toMatchObject({ field: 'residenceRegionCode' });
    expect(res.problems[0]!.message).toContain(region.name);
    expect(await stored(region, personId)).toBe(before);
  });

  it('accepts medical proof from a level-3 hospital in another province (national directory)', async () => {
    const personId = residents(region)[2]!;
    // Yunfu: a disease that needs a specialist certificate, from a specialist hospital in Beijing.
    const disease = diseaseFor(region, personId, (d) => region === PZH || d.requiresSpecialistHospital);
    const res = await submit(region, personId, input(region, disease, BEIJING_LEVEL_3));
    expect(res.problems).toEqual([]);
    expect(res.application?.status).toBe(region.submitted);
  });

  it('refuses proof from a level-1 hospital or one the directory does not list, with messages that say so', async () => {
    const personId = residents(region)[3]!;
    const before = await stored(region, personId);
    const disease = diseaseFor(region, personId, (d) => !d.requiresSpecialistHospital);
    const body = input(region, disease, CHENGDU_LEVEL_1);
    (body.materials[2] as unknown as { hospitalCode: string }).hospitalCode = UNKNOWN;
    const res = await submit(region, personId, body);
    expect(codes(res)).toEqual(['MATERIAL_HOSPITAL_LEVEL', 'MATERIAL_HOSPITAL_UNKNOWN']);
    expect(res.problems[0]!.message).toContain('成都市武侯区玉林社区卫生服务中心为一级');
    expect(res.problems[1]!.message).toContain('全国医疗机构名录');
    for (const p of res.problems) expect(p.message).not.toContain('不在本地定点医疗机构名单内');
    expect(await stored(region, personId)).toBe(before);
  });

  it('keeps its own designated hospitals for treatment: a hospital elsewhere cannot be the 定点医院', async () => {
    const personId = residents(region)[3]!;
    const disease = diseaseFor(region, personId, (d) => !d.requiresSpecialistHospital);
    const res = await submit(
      region,
      personId,
      input(region, disease, treatingHospital(region), { hospitalCode: BEIJING_LEVEL_3 }),
    );
    expect(codes(res)).toEqual(['UNKNOWN_HOSPITAL']);
  });

  it('estimates follow the insured region’s remote-care rules and say whether direct settlement applies', async () => {
    const ask = async (diseaseCode: string, remoteCare: string | null) => {
      const res = await stack.query(
        `query($c: ID!, $i: ReimbursementInput!) { region(code: $c) { estimateReimbursement(input: $i) {
          rate fundPays illustrative figures { kind value illustrative }
          remoteCare { situation directSettlement settlementNote illustrative } } } }`,
        { c: region.code, i: { insuranceType: 'EMPLOYEE', diseaseCode, amount: '10000.00', age: 40, remoteCare } },
      );
      expect(res.errors).toBeUndefined();
      return res.data.region.estimateReimbursement;
    };
    const local = await ask('M03900', null);
    expect(local.remoteCare).toBeNull();
    const filed = await ask('M03900', 'FILED');
    expect(filed.rate).toBe(local.rate); // 按参保地政策执行
    expect(filed.fundPays).toBe(local.fundPays);
    expect(filed.remoteCare).toMatchObject({ situation: 'FILED', directSettlement: true });
    const adjustment = filed.figures.find((f: { kind: string }) => f.kind === 'REMOTE_CARE_ADJUSTMENT');
    // Panzhihua's document gives 按参保地政策执行; Yunfu's says nothing, so its figure is a placeholder.
    expect(adjustment.illustrative).toBe(region === YF);
    expect(filed.figures.find((f: { kind: string }) => f.kind === 'DIRECT_SETTLEMENT')).toMatchObject({
      value: '支持异地直接结算',
      illustrative: true, // which diseases: no regional document lists them
    });

    const unfiled = await ask('M03900', 'NOT_FILED');
    expect(unfiled.rate).toBeCloseTo(local.rate - 0.1, 10);
    expect(Number(unfiled.fundPays)).toBeLessThan(Number(local.fundPays));
    expect(unfiled.remoteCare).toMatchObject({ situation: 'NOT_FILED', directSettlement: false, illustrative: true });
    expect(unfiled.remoteCare.settlementNote).toContain('先行垫付');

    // 冠心病 is not on the direct-settlement list: filed, but paid first and claimed back.
    const notListed = await ask('M04600', 'FILED');
    expect(notListed.remoteCare.directSettlement).toBe(false);
    expect(notListed.remoteCare.settlementNote).toContain('暂不在异地直接结算范围内');
  });
});

describe('the national subgraph out of reach', () => {
  it('a submission gets NATIONAL_SERVICE_UNAVAILABLE with its other problems, nothing stored, never a 500', async () => {
    await stack.stopNational();
    for (const region of [PZH, YF]) {
      // People whose residence no earlier test looked up (the regions cache look-ups for a minute).
      const personId = residents(region).at(-1)!;
      const before = await stored(region, personId);
      const body = input(
        region,
        diseaseFor(region, personId, () => true),
        BEIJING_LEVEL_3,
        {
          channelId: 'no-such-channel',
        },
      );
      const token = await stack.token({ role: 'APPLICANT', personId });
      const res = await stack.query(
        `mutation($input: ApplicationInput!) { r: submit${region.prefix}Application(input: $input) {
          application { acceptanceNumber } problems { code message } } }`,
        { input: body },
        { token },
      );
      expect(res.status).toBe(200);
      expect(res.errors).toBeUndefined();
      expect(res.data.r.application).toBeNull();
      expect(res.data.r.problems.map((p: { code: string }) => p.code)).toEqual([
        'NATIONAL_SERVICE_UNAVAILABLE',
        'UNKNOWN_CHANNEL',
      ]);
      expect(res.data.r.problems[0].message).toContain('全国医保信息平台');
      expect(await stored(region, personId)).toBe(before);
    }
  });
});
