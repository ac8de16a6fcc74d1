import { EXAMPLE_OPERATIONS } from '../gateway/examples';
import { type Stack, startStack } from './harness';

// Every Region field of the contract, for both regions, through the real gateway over HTTP.

let stack: Stack;
beforeAll(async () => {
  stack = await startStack();
});
afterAll(async () => {
  await stack?.close();
});

const PZH = '510400';
const YF = '445300';

async function region<T = any>(code: string, selection: string, variables?: Record<string, unknown>, vars = '') {
  const res = await stack.query(`query${vars} { region(code: "${code}") { ${selection} } }`, variables);
  return res as { data?: { region: T }; errors?: any[] };
}

describe('regions and routing', () => {
  it('lists both regions with the seed facts (the issue’s “done when” query)', async () => {
    const res = await stack.query(`{
      regions { code name province channels { name reviewWorkingDays { min max } }
        reviewDeadline { workingDays { min max } } diseases { code name } costSharing { insuranceType deductible source } }
    }`);
    expect(res.errors).toBeUndefined();
    const [pzh, yf] = res.data.regions;
    expect(pzh).toMatchObject({
      code: PZH,
      name: '攀枝花市',
      province: '四川省',
      reviewDeadline: { workingDays: { max: 15 } },
    });
    expect(yf).toMatchObject({
      code: YF,
      name: '云浮市',
      province: '广东省',
      reviewDeadline: { workingDays: { min: 1, max: 5 } },
    });
    expect(pzh.channels.map((c: any) => c.name)).toEqual([
      '四川医保APP',
      '攀枝花智慧医保小程序',
      '国家医保服务平台APP',
      '攀枝花市政务中心医保窗口',
    ]);
    expect(pzh.channels.every((c: any) => c.reviewWorkingDays.max === 15)).toBe(true);
    expect(yf.channels.map((c: any) => [c.name, c.reviewWorkingDays])).toEqual([
      ['粤医保小程序', { min: 1, max: 3 }],
      ['粤省事小程序', { min: 1, max: 3 }],
      ['广东政务服务网', { min: 3, max: 5 }],
    ]);
    for (const r of [pzh, yf]) {
      expect(r.diseases.length).toBeGreaterThanOrEqual(12);
      expect(r.diseases.map((d: any) => d.code)).toEqual(
        expect.arrayContaining(['M03900', 'M01600', 'M07803', 'M08300']),
      );
    }
    expect(pzh.costSharing).toEqual([
      expect.objectContaining({ insuranceType: 'EMPLOYEE', deductible: '800.00' }),
      expect.objectContaining({ insuranceType: 'RESIDENT', deductible: '500.00' }),
    ]);
    expect(yf.costSharing.every((r: any) => /illustrative/.test(r.source))).toBe(true);
  });

  it('routes region(code) to the owning subgraph and answers null for an unknown code', async () => {
    const res = await stack.query(`{ a: region(code: "510400") { __typename name hotline }
      b: region(code: "445300") { __typename name hotline } c: region(code: "999999") { name } }`);
    expect(res.errors).toBeUndefined();
    expect(res.data).toEqual({
      a: { __typename: 'PanzhihuaRegion', name: '攀枝花市', hotline: '0812-3323000' },
      b: { __typename: 'YunfuRegion', name: '云浮市', hotline: null },
      c: null,
    });
  });

  it('serves each regional subgraph on its own too', async () => {
    const url = stack.regions['guangdong-yunfu'].graphqlUrl;
    const res = await stack.query('{ yunfuRegion { code name } }', undefined, { url });
    expect(res.data).toEqual({ yunfuRegion: { code: YF, name: '云浮市' } });
  });
});

describe('catalogue', () => {
  it('searches by part of the Chinese name and by code, case-insensitively', async () => {
    const byName = await region(PZH, 'diseases(search: "透析") { code name }');
    // 慢性肾功能不全（非透析） names 透析 only to exclude it: not a match (issue 16).
    expect(byName.data!.region.diseases.map((d: any) => d.code).sort()).toEqual(['M07803', 'M07804']);
    const byCode = await region(YF, 'diseases(search: "m0780") { code }');
    expect(byCode.data!.region.diseases.map((d: any) => d.code)).toEqual(['M07800', 'M07803', 'M07804']);
    const none = await region(YF, 'diseases(search: "不存在的病") { code }');
    expect(none.data!.region.diseases).toEqual([]);
  });

  it('finds one disease by code with its flags, and null for an unknown one', async () => {
    const res = await stack.query(`{
      p: region(code: "510400") { disease(code: "M07803") { name requiresPhoto deductibleExempt requiresSpecialistHospital source } }
      y: region(code: "445300") { disease(code: "M02101") { requiresSpecialistHospital validityMonths } missing: disease(code: "M99999") { code } }
    }`);
    expect(res.errors).toBeUndefined();
    expect(res.data.p.disease).toMatchObject({ requiresPhoto: true, requiresSpecialistHospital: false });
    expect(res.data.y.disease.requiresSpecialistHospital).toBe(true);
    expect([12, 24, 36]).toContain(res.data.y.disease.validityMonths);
    expect(res.data.y.missing).toBeNull();
  });

  it('lists designated hospitals with level and 门特 qualification', async () => {
    const res = await region(YF, 'hospitals { code name level qualifiedForSpecialDiseases specialist source }');
    const hospitals = res.data!.region.hospitals;
    expect(hospitals.length).toBeGreaterThanOrEqual(6);
    expect(hospitals.some((h: any) => h.level === 'LEVEL_3' && h.qualifiedForSpecialDiseases)).toBe(true);
    expect(hospitals.some((h: any) => !h.qualifiedForSpecialDiseases)).toBe(true);
    expect(hospitals.every((h: any) => /illustrative/.test(h.source))).toBe(true);
  });
});

describe('materials', () => {
  const selection = (arg: string) =>
    `materialRequirements${arg} { kind required condition validityDays validityMonths minHospitalLevel stampRequired }`;

  it('lists the general materials, disease-dependent ones as conditional', async () => {
    const res = await region(PZH, selection(''));
    const byKind = Object.fromEntries(res.data!.region.materialRequirements.map((m: any) => [m.kind, m]));
    expect(byKind.DIAGNOSIS_CERTIFICATE).toMatchObject({
      required: true,
      minHospitalLevel: 'LEVEL_2',
      stampRequired: true,
      validityMonths: 6,
    });
    expect(byKind.SOCIAL_SECURITY_CARD).toMatchObject({ required: false, condition: '无医保电子凭证时需提供' });
    expect(byKind.PHOTO).toMatchObject({ required: false });
  });

  it("includes the disease's own materials: photo for dialysis (Panzhihua), specialist certificate (Yunfu)", async () => {
    const dialysis = await region(PZH, selection('(diseaseCode: "M07803")'));
    expect(dialysis.data!.region.materialRequirements.find((m: any) => m.kind === 'PHOTO')).toMatchObject({
      required: true,
    });
    const hypertension = await region(PZH, selection('(diseaseCode: "M03900")'));
    expect(hypertension.data!.region.materialRequirements.some((m: any) => m.kind === 'PHOTO')).toBe(false);
    const schizophrenia = await region(YF, selection('(diseaseCode: "M02101")'));
    expect(
      schizophrenia.data!.region.materialRequirements.find((m: any) => m.kind === 'SPECIALIST_CERTIFICATE'),
    ).toMatchObject({ required: true });
    const diabetes = await region(YF, selection('(diseaseCode: "M01600")'));
    expect(diabetes.data!.region.materialRequirements.some((m: any) => m.kind === 'SPECIALIST_CERTIFICATE')).toBe(
      false,
    );
  });

  it('answers an unknown disease with a clear error', async () => {
    const res = await region(PZH, selection('(diseaseCode: "X1")'));
    expect(res.data?.region).toBeNull();
    expect(res.errors![0].extensions).toMatchObject({ code: 'BAD_USER_INPUT', reason: 'DISEASE_NOT_IN_CATALOGUE' });
    expect(res.errors![0].message).toContain('不在本地门特病种目录内');
  });
});

describe('cost sharing and review deadline', () => {
  it('serves Panzhihua’s deductibles and rates, with illustrative bands marked', async () => {
    const res = await region(
      PZH,
      'costSharing { insuranceType deductible annualCap illustrative bands { description rate minAge maxAge contributionTier illustrative source } } reviewDeadline { workingDays { min max } description }',
    );
    const [employee, resident] = res.data!.region.costSharing;
    expect(employee.bands[0].rate).toBe(0.85);
    expect(employee.bands[0].source).toContain('85%');
    expect(employee.bands.slice(1).every((b: any) => b.illustrative)).toBe(true);
    expect(resident.bands.map((b: any) => [b.contributionTier, b.rate])).toEqual([
      [1, 0.53],
      [2, 0.6],
      [3, 0.68],
    ]);
    expect(resident.bands[1].illustrative).toBe(true);
    expect(employee.annualCap).toBe('150000.00'); // an illustrative cap: no document gives one
    expect(res.data!.region.reviewDeadline.description).toContain('15个工作日');
  });
});

describe('dueDate', () => {
  const due = (code: string, args: string) => region(code, `dueDate(${args}) { date workingDays provisional }`);

  it('counts 15 working days across 春节 with make-up days (Panzhihua: 15 working days to review)', async () => {
    const res = await due(PZH, 'acceptedOn: "2026-02-12", channelId: "sichuan-medical-insurance-app"');
    expect(res.data!.region.dueDate).toEqual({ date: '2026-03-11', workingDays: 15, provisional: false });
  });

  it("applies the channel's maximum: Yunfu mini programs 3, web portal 5, default 5", async () => {
    // Accepted Friday 2026-09-25 (中秋); 9/28–9/30 work, 10/1–10/7 off (国庆), 10/8 Thu, 10/9 Fri.
    const mini = await due(YF, 'acceptedOn: "2026-09-25", channelId: "yueyibao-mini"');
    expect(mini.data!.region.dueDate).toEqual({ date: '2026-09-30', workingDays: 3, provisional: false });
    const web = await due(YF, 'acceptedOn: "2026-09-25", channelId: "guangdong-government-portal"');
    expect(web.data!.region.dueDate).toEqual({ date: '2026-10-09', workingDays: 5, provisional: false });
    const none = await due(YF, 'acceptedOn: "2026-09-25"');
    expect(none.data!.region.dueDate.date).toBe('2026-10-09');
  });

  it('is provisional past the published calendar', async () => {
    const res = await due(PZH, 'acceptedOn: "2026-12-25"');
    expect(res.data!.region.dueDate.provisional).toBe(true);
  });

  it('rejects an unknown channel and an impossible date clearly', async () => {
    const channel = await due(YF, 'acceptedOn: "2026-03-02", channelId: "sichuan-medical-insurance-app"');
    expect(channel.errors![0].extensions).toMatchObject({ reason: 'UNKNOWN_CHANNEL' });
    expect(channel.errors![0].message).toContain('yueyibao-mini');
    const date = await due(YF, 'acceptedOn: "2026-02-30"');
    expect(date.errors![0].message).toContain('日期格式不正确');
    expect(date.errors![0].extensions?.stacktrace).toBeUndefined();
  });
});

describe('estimateReimbursement', () => {
  const ESTIMATE =
    'query($input: ReimbursementInput!) { region(code: "CODE") { estimateReimbursement(input: $input) { deductibleApplied rate fundPays selfPays explanation illustrative } } }';
  const estimate = (code: string, input: Record<string, unknown>) =>
    stack.query(ESTIMATE.replace('CODE', code), { input });

  it('applies the remaining deductible and the age band, in exact fen', async () => {
    // 800 − 200 paid = 600 deductible; 7820 − 600 = 7220 × 88% (45–59, illustrative) = 6353.60.
    const res = await estimate(PZH, {
      insuranceType: 'EMPLOYEE',
      diseaseCode: 'M03900',
      amount: '7820.00',
      age: 52,
      deductiblePaidThisYear: '200.00',
    });
    expect(res.errors).toBeUndefined();
    expect(res.data.region.estimateReimbursement).toMatchObject({
      deductibleApplied: '600.00',
      rate: 0.88,
      fundPays: '6353.60',
      selfPays: '1466.40',
      illustrative: true,
    });
    expect(res.data.region.estimateReimbursement.explanation.join('\n')).toContain('7220.00 × 88% = 6353.60');
  });

  it('skips the deductible for an exempt disease and uses the contribution tier for residents', async () => {
    const res = await estimate(PZH, {
      insuranceType: 'RESIDENT',
      diseaseCode: 'M07803',
      amount: '1000.00',
      contributionTier: 3,
    });
    expect(res.data.region.estimateReimbursement).toMatchObject({
      deductibleApplied: '0.00',
      rate: 0.68,
      fundPays: '680.00',
      selfPays: '320.00',
    });
  });

  it('reports every problem of the input at once', async () => {
    const res = await estimate(YF, { insuranceType: 'RESIDENT', diseaseCode: 'NOPE', amount: '-5' });
    expect(res.data?.region).toBeNull();
    const problems = res.errors![0].extensions!.problems.map((p: any) => p.code).sort();
    expect(problems).toEqual(['DISEASE_NOT_IN_CATALOGUE', 'INVALID_MONEY']);
  });

  it('asks a resident for the contribution tier', async () => {
    const res = await estimate(PZH, { insuranceType: 'RESIDENT', diseaseCode: 'M03900', amount: '100.00' });
    expect(res.errors![0].extensions).toMatchObject({ reason: 'CONTRIBUTION_TIER_REQUIRED' });
    expect(res.errors![0].extensions!.problems[0].field).toBe('contributionTier');
  });

  it('rejects malformed amounts', async () => {
    for (const amount of ['1.234', '1e3', 'abc', '']) {
      const res = await estimate(YF, { insuranceType: 'EMPLOYEE', diseaseCode: 'M03900', amount, age: 40 });
      expect(res.errors![0].extensions!.problems.map((p: any) => p.code)).toContain('INVALID_MONEY');
    }
  });
});

describe('gateway', () => {
  it('runs every example operation shown in Sandbox without errors', async () => {
    for (const operation of EXAMPLE_OPERATIONS) {
      const res = await stack.query(operation);
      expect(res.errors).toBeUndefined();
    }
  });

  it('runs the signed-in examples with a token: problems at most, never an error', async () => {
    const { MY_RECORDS, SUBMIT_APPLICATION } = await import('../gateway/examples');
    const token = await stack.token({ role: 'APPLICANT', personId: 'P000003' });
    for (const operation of [MY_RECORDS, SUBMIT_APPLICATION]) {
      const res = await stack.query(operation, undefined, { token });
      expect(res.errors).toBeUndefined();
    }
  });

  it('runs the operator example across regions', async () => {
    const { PERSON_ACROSS_REGIONS } = await import('../gateway/examples');
    const res = await stack.query(PERSON_ACROSS_REGIONS, undefined, {
      token: await stack.token({ role: 'NATIONAL_OPERATOR' }),
    });
    expect(res.errors).toBeUndefined();
    expect(res.data.person.records.length).toBeGreaterThanOrEqual(2);
  });

  it('serves Apollo Sandbox on the root for a browser', async () => {
    const res = await fetch(`${stack.gateway.url}/`, { headers: { accept: 'text/html' } });
    expect(res.status).toBe(200);
    const html = await res.text();
    expect(html).toContain('embeddable-sandbox');
  });

  it('reports health with each subgraph and its database', async () => {
    expect((await fetch(`${stack.gateway.url}/health`)).status).toBe(200);
    const res = await fetch(`${stack.gateway.metricsUrl}/health/subgraphs`);
    expect(res.status).toBe(200);
    const body = (await res.json()) as { subgraphs: unknown[] };
    expect(body.subgraphs).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ name: 'sichuan-panzhihua', status: 'ok', database: 'up' }),
        expect.objectContaining({ name: 'guangdong-yunfu', status: 'ok', database: 'up' }),
      ]),
    );
    const regional = await fetch(`${stack.regions['sichuan-panzhihua'].url}/health`);
    expect(await regional.json()).toMatchObject({ status: 'ok', database: 'up', region: PZH });
  });
});
