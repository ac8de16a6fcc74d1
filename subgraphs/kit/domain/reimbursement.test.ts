import { type CostSharingPolicy, type DiseasePolicy, ILLUSTRATIVE, type RateBandPolicy } from './policy';
import {
  estimateReimbursement,
  formatRate,
  ILLUSTRATIVE_NOTE,
  ReimbursementError,
  type ReimbursementRequest,
} from './reimbursement';

// Fixtures: shaped like Panzhihua (employee deductible 800 yuan, 85 % base rate; resident deductible
// 500 yuan, 53 %–68 % by tier) but built here; the age/tier boundaries are made up for the tests.
/** A figure's source citing a document, as region files' sources are served. */
const DOC = '《2025年四川攀枝花门诊特殊疾病（门特）手机申请办理指南》（not named in the document，2025）';
const under45: RateBandPolicy = {
  description: '在职（45岁以下）',
  rateBasisPoints: 8500,
  rateSource: DOC,
  minAge: null,
  maxAge: 44,
  contributionTier: null,
  source: DOC,
};
const from45: RateBandPolicy = {
  description: '在职（45至59岁）',
  rateBasisPoints: 8800,
  rateSource: ILLUSTRATIVE,
  minAge: 45,
  maxAge: 59,
  contributionTier: null,
  source: ILLUSTRATIVE,
};
const from60: RateBandPolicy = {
  description: '60岁及以上',
  rateBasisPoints: 9000,
  rateSource: ILLUSTRATIVE,
  minAge: 60,
  maxAge: null,
  contributionTier: null,
  source: ILLUSTRATIVE,
};
const employee: CostSharingPolicy = {
  insuranceType: 'EMPLOYEE',
  deductibleFen: 80000, // 800.00 yuan
  deductibleSource: DOC,
  // A rule without a cap (region files must give one; the estimate still says there is none).
  annualCapFen: null,
  annualCapSource: DOC,
  coverage: '医保目录内',
  coverageSource: ILLUSTRATIVE,
  bandBy: 'AGE',
  bands: [under45, from45, from60],
  source: DOC,
};

const tier = (t: number, bp: number, description: string, source: string): RateBandPolicy => ({
  description,
  rateBasisPoints: bp,
  rateSource: source,
  minAge: null,
  maxAge: null,
  contributionTier: t,
  source,
});
const resident: CostSharingPolicy = {
  insuranceType: 'RESIDENT',
  deductibleFen: 50000, // 500.00 yuan
  deductibleSource: DOC,
  annualCapFen: 10000000, // 100000.00 yuan
  annualCapSource: DOC,
  coverage: '医保目录内',
  coverageSource: ILLUSTRATIVE,
  bandBy: 'CONTRIBUTION_TIER',
  bands: [tier(1, 5300, '一档', DOC), tier(2, 5350, '二档', ILLUSTRATIVE), tier(3, 6800, '三档', DOC)],
  source: DOC,
};

const hypertension: Pick<DiseasePolicy, 'code' | 'name' | 'deductibleExempt' | 'deductibleExemptSource'> = {
  code: 'M03900',
  name: '高血压',
  deductibleExempt: false,
  deductibleExemptSource: DOC,
};
const cancer: Pick<DiseasePolicy, 'code' | 'name' | 'deductibleExempt' | 'deductibleExemptSource'> = {
  code: 'M00500',
  name: '恶性肿瘤门诊治疗',
  deductibleExempt: true,
  deductibleExemptSource: DOC,
};

const emp = (over: Partial<ReimbursementRequest>): ReimbursementRequest => ({
  insuranceType: 'EMPLOYEE',
  amountFen: 782000,
  age: 30,
  contributionTier: null,
  deductiblePaidThisYearFen: null,
  ...over,
});
const res = (over: Partial<ReimbursementRequest>): ReimbursementRequest => ({
  insuranceType: 'RESIDENT',
  amountFen: 100000,
  age: null,
  contributionTier: 1,
  deductiblePaidThisYearFen: null,
  ...over,
});

function errorOf(fn: () => unknown): ReimbursementError {
  try {
    fn();
  } catch (e) {
    expect(e).toBeInstanceOf(ReimbursementError);
    const err = e as ReimbursementError;
    expect(err.message).toMatch(/[\u4e00-\u9fff]/); // Chinese message
    return err;
  }
  throw new Error('expected a ReimbursementError');
}

describe('formatRate', () => {
  it.each<[number, string]>([
    [8500, '85%'],
    [5350, '53.5%'],
    [5325, '53.25%'],
    [10000, '100%'],
    [0, '0%'],
    [1, '0.01%'],
    [6810, '68.1%'],
  ])('%p bp → %p', (bp, s) => expect(formatRate(bp)).toBe(s));
});

describe('estimateReimbursement: deductible', () => {
  it('deductible partly paid (the worked example)', () => {
    // remaining = 80000 − 20000 = 60000; applied = min(782000, 60000) = 60000
    // eligible = 782000 − 60000 = 722000; fund = 722000 × 0.85 = 613700; self = 782000 − 613700 = 168300
    const r = estimateReimbursement(employee, hypertension, emp({ deductiblePaidThisYearFen: 20000 }));
    expect(r).toMatchObject({
      deductibleAppliedFen: 60000,
      rateBasisPoints: 8500,
      fundPaysFen: 613700,
      selfPaysFen: 168300,
      band: under45,
      illustrative: false,
      explanation: [
        '起付标准：800.00元/年，本年度已付200.00元，本次计入起付线600.00元',
        '可报销金额：7820.00 − 600.00 = 7220.00元',
        '报销比例：85%（在职（45岁以下））',
        '统筹基金支付：7220.00 × 85% = 6137.00元',
        '年度最高支付限额：无年度最高支付限额',
        '个人自付：7820.00 − 6137.00 = 1683.00元',
        '支付范围：医保目录内',
      ],
    });
  });

  it('nothing paid yet (null = 0)', () => {
    // remaining 80000; amount 100000 → applied 80000; eligible 20000; fund 20000 × 0.85 = 17000; self 83000
    const r = estimateReimbursement(employee, hypertension, emp({ amountFen: 100000 }));
    expect(r.deductibleAppliedFen).toBe(80000);
    expect(r.fundPaysFen).toBe(17000);
    expect(r.selfPaysFen).toBe(83000);
    expect(r.explanation[0]).toBe('起付标准：800.00元/年，本年度已付0.00元，本次计入起付线800.00元');
    expect(r.explanation[1]).toBe('可报销金额：1000.00 − 800.00 = 200.00元');
  });

  it('paid beyond the deductible: nothing more is applied', () => {
    // remaining = max(0, 80000 − 100000) = 0; eligible 782000; fund 782000 × 0.85 = 664700; self 117300
    const r = estimateReimbursement(employee, hypertension, emp({ deductiblePaidThisYearFen: 100000 }));
    expect(r.deductibleAppliedFen).toBe(0);
    expect(r.fundPaysFen).toBe(664700);
    expect(r.selfPaysFen).toBe(117300);
    expect(r.explanation[0]).toBe('起付标准：800.00元/年，本年度已付1000.00元，本次计入起付线0.00元');
  });

  it('paid exactly the deductible', () => {
    // remaining 0 → same figures as above
    const r = estimateReimbursement(employee, hypertension, emp({ deductiblePaidThisYearFen: 80000 }));
    expect([r.deductibleAppliedFen, r.fundPaysFen, r.selfPaysFen]).toEqual([0, 664700, 117300]);
  });

  it('exempt disease skips the deductible', () => {
    // remaining 0 (exempt); eligible 782000; fund 664700; self 117300
    const r = estimateReimbursement(employee, cancer, emp({ deductiblePaidThisYearFen: null }));
    expect([r.deductibleAppliedFen, r.fundPaysFen, r.selfPaysFen]).toEqual([0, 664700, 117300]);
    expect(r.explanation).toEqual([
      '「恶性肿瘤门诊治疗」免起付线，本次计入起付线0.00元',
      '可报销金额：7820.00 − 0.00 = 7820.00元',
      '报销比例：85%（在职（45岁以下））',
      '统筹基金支付：7820.00 × 85% = 6647.00元',
      '年度最高支付限额：无年度最高支付限额',
      '个人自付：7820.00 − 6647.00 = 1173.00元',
      '支付范围：医保目录内',
    ]);
  });

  it('amount below the deductible: the fund pays nothing', () => {
    // remaining 80000; amount 50000 → applied 50000; eligible 0; fund 0; self 50000
    const r = estimateReimbursement(employee, hypertension, emp({ amountFen: 50000 }));
    expect([r.deductibleAppliedFen, r.fundPaysFen, r.selfPaysFen]).toEqual([50000, 0, 50000]);
    expect(r.explanation).toContain('可报销金额：500.00 − 500.00 = 0.00元');
    expect(r.explanation).toContain('统筹基金支付：0.00 × 85% = 0.00元');
  });

  it('zero amount', () => {
    const r = estimateReimbursement(employee, hypertension, emp({ amountFen: 0 }));
    expect([r.deductibleAppliedFen, r.fundPaysFen, r.selfPaysFen]).toEqual([0, 0, 0]);
  });
});

describe('estimateReimbursement: exact fen arithmetic', () => {
  it('"0.10" at 85% rounds the half fen up', () => {
    // exempt: eligible 10 fen; 10 × 0.85 = 8.5 → 9; self 10 − 9 = 1
    const r = estimateReimbursement(employee, cancer, emp({ amountFen: 10 }));
    expect(r.fundPaysFen).toBe(9);
    expect(r.selfPaysFen).toBe(1);
    expect(r.explanation).toContain('统筹基金支付：0.10 × 85% = 0.09元');
    expect(r.explanation).toContain('个人自付：0.10 − 0.09 = 0.01元');
  });

  it('53.5% on 1.00 yuan above the deductible rounds 53.5 fen up to 54', () => {
    // amount 50100, remaining 50000 → applied 50000; eligible 100; 100 × 0.535 = 53.5 → 54; self 50100 − 54 = 50046
    const r = estimateReimbursement(resident, hypertension, res({ amountFen: 50100, contributionTier: 2 }));
    expect([r.deductibleAppliedFen, r.rateBasisPoints, r.fundPaysFen, r.selfPaysFen]).toEqual([50000, 5350, 54, 50046]);
    expect(r.explanation).toContain('报销比例：53.5%（二档）');
    expect(r.explanation).toContain('统筹基金支付：1.00 × 53.5% = 0.54元');
    expect(r.explanation).toContain('个人自付：501.00 − 0.54 = 500.46元');
  });

  it('12-digit yuan amount stays exact', () => {
    // amount 99999999999999 fen (999999999999.99 yuan), deductible already met → eligible = amount
    // 99999999999999 × 8500 = 849999999999991500 → / 10000 = 84999999999999.15 → 84999999999999
    // self = 99999999999999 − 84999999999999 = 15000000000000
    const r = estimateReimbursement(
      employee,
      hypertension,
      emp({ amountFen: 99999999999999, deductiblePaidThisYearFen: 80000 }),
    );
    expect(r.fundPaysFen).toBe(84999999999999);
    expect(r.selfPaysFen).toBe(15000000000000);
    expect(r.explanation).toContain('统筹基金支付：999999999999.99 × 85% = 849999999999.99元');
    expect(r.explanation).toContain('个人自付：999999999999.99 − 849999999999.99 = 150000000000.00元');
  });
});

describe('estimateReimbursement: age bands', () => {
  // deductible met → eligible = amount = 100000 fen
  it.each<[number, number, number, RateBandPolicy]>([
    [0, 8500, 85000, under45],
    [44, 8500, 85000, under45], // 100000 × 0.85
    [45, 8800, 88000, from45], // 100000 × 0.88
    [59, 8800, 88000, from45],
    [60, 9000, 90000, from60], // 100000 × 0.90
    [150, 9000, 90000, from60],
  ])('age %p → %p bp, fund %p', (age, bp, fund, band) => {
    const r = estimateReimbursement(
      employee,
      hypertension,
      emp({ age, amountFen: 100000, deductiblePaidThisYearFen: 80000 }),
    );
    expect(r.rateBasisPoints).toBe(bp);
    expect(r.fundPaysFen).toBe(fund);
    expect(r.selfPaysFen).toBe(100000 - fund);
    expect(r.band).toBe(band);
  });

  it('illustrative band → flag and last line', () => {
    const r = estimateReimbursement(employee, hypertension, emp({ age: 45 }));
    expect(r.illustrative).toBe(true);
    expect(r.explanation.at(-1)!.startsWith(ILLUSTRATIVE_NOTE)).toBe(true);
    expect(ILLUSTRATIVE_NOTE).toBe('注意：本估算所用的部分比例或分档为示例数据，正式标准以医保部门公布为准');
    expect(r.explanation).toContain('报销比例：88%（在职（45至59岁））');
  });

  it('flags per figure: an illustrative deductible or exemption sets the flag, the rule-wide source does not', () => {
    expect(
      estimateReimbursement({ ...employee, source: ILLUSTRATIVE }, hypertension, emp({ age: 30 })).illustrative,
    ).toBe(false);
    const r = estimateReimbursement({ ...employee, deductibleSource: ILLUSTRATIVE }, hypertension, emp({ age: 30 }));
    expect(r.illustrative).toBe(true);
    expect(r.figures.filter((f) => f.illustrative).map((f) => f.kind)).toEqual(['DEDUCTIBLE']);
    const exempt = estimateReimbursement(
      employee,
      { ...cancer, deductibleExemptSource: ILLUSTRATIVE },
      emp({ age: 30 }),
    );
    expect(exempt.illustrative).toBe(true);
    expect(exempt.figures.map((f) => [f.kind, f.value, f.illustrative])).toEqual([
      ['DEDUCTIBLE_EXEMPTION', '免起付线', true],
      ['RATE_BAND', '在职（45岁以下）', false],
      ['RATE', '85%', false],
      ['ANNUAL_CAP', '无年度最高支付限额', false],
    ]);
    expect(exempt.explanation.at(-1)).toBe(`${ILLUSTRATIVE_NOTE}（示例：是否免起付线）`);
  });

  it('flags the band that chose a documented rate when its boundaries are invented (Panzhihua: 85% below an illustrative 45)', () => {
    const invented = { ...under45, source: `${DOC}: 85%; age boundary: ${ILLUSTRATIVE}` };
    const r = estimateReimbursement({ ...employee, bands: [invented, from45, from60] }, hypertension, emp({ age: 30 }));
    const flags = Object.fromEntries(r.figures.map((f) => [f.kind, f.illustrative]));
    expect(flags).toEqual({
      DEDUCTIBLE_EXEMPTION: false,
      DEDUCTIBLE: false,
      RATE_BAND: true,
      RATE: false,
      ANNUAL_CAP: false,
    });
    expect(r.figures.find((f) => f.kind === 'RATE_BAND')).toMatchObject({
      value: '在职（45岁以下）',
      source: invented.source,
    });
    expect(r.illustrative).toBe(true);
    expect(r.explanation.at(-1)).toBe(`${ILLUSTRATIVE_NOTE}（示例：报销比例分档）`);
  });

  it('a contribution tier is a band too', () => {
    const r = estimateReimbursement(resident, hypertension, res({ contributionTier: 2 }));
    expect(r.figures.find((f) => f.kind === 'RATE_BAND')).toMatchObject({ value: '二档', illustrative: true });
  });

  it('states the coverage (支付范围) in every explanation', () => {
    const r = estimateReimbursement(employee, hypertension, emp({ age: 30 }));
    expect(r.coverage).toBe('医保目录内');
    expect(r.explanation).toContain('支付范围：医保目录内');
  });

  it('contribution tier is ignored when bands go by age', () => {
    const r = estimateReimbursement(employee, hypertension, emp({ contributionTier: 99 }));
    expect(r.band).toBe(under45);
  });
});

describe('estimateReimbursement: contribution tiers and cap', () => {
  it('tier 1: 53%', () => {
    // amount 100000, deductible met; fund 100000 × 0.53 = 53000; self 47000
    const r = estimateReimbursement(
      resident,
      hypertension,
      res({ contributionTier: 1, deductiblePaidThisYearFen: 50000 }),
    );
    expect([r.rateBasisPoints, r.fundPaysFen, r.selfPaysFen]).toEqual([5300, 53000, 47000]);
    expect(r.illustrative).toBe(false);
    expect(r.explanation[0]).toBe('起付标准：500.00元/年，本年度已付500.00元，本次计入起付线0.00元');
    expect(r.explanation).toContain('报销比例：53%（一档）');
  });

  it('tier 2 (illustrative band) sets the flag', () => {
    const r = estimateReimbursement(resident, hypertension, res({ contributionTier: 2 }));
    expect(r.illustrative).toBe(true);
    expect(r.explanation.at(-1)!.startsWith(ILLUSTRATIVE_NOTE)).toBe(true);
  });

  it('age is ignored when bands go by tier', () => {
    const r = estimateReimbursement(resident, hypertension, res({ contributionTier: 3, age: null }));
    expect(r.rateBasisPoints).toBe(6800);
  });

  it('below the cap: not capped', () => {
    // eligible 10000000 (100000.00 yuan); 10000000 × 0.68 = 6800000 < cap 10000000
    const r = estimateReimbursement(
      resident,
      hypertension,
      res({ contributionTier: 3, amountFen: 10000000, deductiblePaidThisYearFen: 50000 }),
    );
    expect(r.fundPaysFen).toBe(6800000);
    expect(r.capApplied).toBe(false);
    expect(r.explanation.some((l) => l.startsWith('超过年度最高支付限额'))).toBe(false);
  });

  it('above the cap: fund limited to the annual cap', () => {
    // eligible 20000000; 20000000 × 0.68 = 13600000 > cap 10000000 → fund 10000000; self 20000000 − 10000000 = 10000000
    const r = estimateReimbursement(
      resident,
      hypertension,
      res({ contributionTier: 3, amountFen: 20000000, deductiblePaidThisYearFen: 50000 }),
    );
    expect(r.fundPaysFen).toBe(10000000);
    expect(r.selfPaysFen).toBe(10000000);
    expect(r.explanation).toEqual([
      '起付标准：500.00元/年，本年度已付500.00元，本次计入起付线0.00元',
      '可报销金额：200000.00 − 0.00 = 200000.00元',
      '报销比例：68%（三档）',
      '统筹基金支付：200000.00 × 68% = 136000.00元',
      '年度最高支付限额：100000.00元，本年度统筹基金已支付0.00元，尚余100000.00元',
      '超过年度最高支付限额，统筹基金支付按限额计为100000.00元',
      '个人自付：200000.00 − 100000.00 = 100000.00元',
      '支付范围：医保目录内',
    ]);
  });

  it('exactly at the cap: not reported as capped', () => {
    // cap 6800000; eligible 10000000 × 0.68 = 6800000 = cap
    const r = estimateReimbursement(
      { ...resident, annualCapFen: 6800000 },
      hypertension,
      res({ contributionTier: 3, amountFen: 10000000, deductiblePaidThisYearFen: 50000 }),
    );
    expect(r.fundPaysFen).toBe(6800000);
    expect(r.capApplied).toBe(false);
    expect(r.explanation.some((l) => l.startsWith('超过年度最高支付限额'))).toBe(false);
  });
});

describe('estimateReimbursement: errors', () => {
  it('AGE_REQUIRED', () => {
    const err = errorOf(() => estimateReimbursement(employee, hypertension, emp({ age: null })));
    expect(err.code).toBe('AGE_REQUIRED');
    expect(err.field).toBe('age');
  });

  it.each([-1, 30.5, 151, Number.NaN])('INVALID_AGE for %p', (age) => {
    const err = errorOf(() => estimateReimbursement(employee, hypertension, emp({ age })));
    expect(err.code).toBe('INVALID_AGE');
    expect(err.field).toBe('age');
  });

  it('CONTRIBUTION_TIER_REQUIRED', () => {
    const err = errorOf(() => estimateReimbursement(resident, hypertension, res({ contributionTier: null })));
    expect(err.code).toBe('CONTRIBUTION_TIER_REQUIRED');
    expect(err.field).toBe('contributionTier');
  });

  it('UNKNOWN_CONTRIBUTION_TIER lists the valid tiers', () => {
    const err = errorOf(() => estimateReimbursement(resident, hypertension, res({ contributionTier: 4 })));
    expect(err.code).toBe('UNKNOWN_CONTRIBUTION_TIER');
    expect(err.field).toBe('contributionTier');
    expect(err.message).toContain('1、2、3');
  });

  it('NO_RATE_BAND when no band covers the age', () => {
    const adultsOnly: CostSharingPolicy = { ...employee, bands: [{ ...from45, minAge: 18, maxAge: 59 }] };
    const err = errorOf(() => estimateReimbursement(adultsOnly, hypertension, emp({ age: 10 })));
    expect(err.code).toBe('NO_RATE_BAND');
    expect(err.message).toContain('10');
  });

  it('INSURANCE_TYPE_MISMATCH', () => {
    const err = errorOf(() => estimateReimbursement(resident, hypertension, emp({})));
    expect(err.code).toBe('INSURANCE_TYPE_MISMATCH');
    expect(err.field).toBe('insuranceType');
  });

  it.each([-1, 1.5, Number.NaN])('INVALID_MONEY for amountFen %p', (amountFen) => {
    const err = errorOf(() => estimateReimbursement(employee, hypertension, emp({ amountFen })));
    expect(err.code).toBe('INVALID_MONEY');
    expect(err.field).toBe('amount');
  });

  it('INVALID_MONEY for a negative deductible already paid', () => {
    const err = errorOf(() => estimateReimbursement(employee, hypertension, emp({ deductiblePaidThisYearFen: -1 })));
    expect(err.code).toBe('INVALID_MONEY');
    expect(err.field).toBe('deductiblePaidThisYear');
  });
});
