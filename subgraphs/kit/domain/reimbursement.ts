// Estimate of what the pooled fund (统筹基金) pays for one outpatient special-disease bill:
// deductible (起付线) → eligible amount → rate band → fund share (capped) → self-pay.
// All amounts are integer fen; explanation lines show every step in yuan.

import { applyRate, formatFen } from './money';
import {
  type CostSharingPolicy,
  type DiseasePolicy,
  type InsuranceType,
  isIllustrativeSource,
  type RateBandPolicy,
} from './policy';

export interface ReimbursementRequest {
  insuranceType: InsuranceType;
  amountFen: number;
  age: number | null;
  contributionTier: number | null;
  deductiblePaidThisYearFen: number | null;
  /** What the fund already paid this year, counted against the annual cap. */
  fundPaidThisYearFen?: number | null;
}

export type PolicyFigureKind =
  | 'DEDUCTIBLE'
  | 'DEDUCTIBLE_EXEMPTION'
  | 'RATE_BAND'
  | 'RATE'
  | 'ANNUAL_CAP'
  | 'REMOTE_CARE_ADJUSTMENT'
  | 'DIRECT_SETTLEMENT';

/** One figure an estimate rests on, with where it comes from. */
export interface PolicyFigure {
  kind: PolicyFigureKind;
  value: string;
  source: string;
  illustrative: boolean;
}

export interface ReimbursementResult {
  deductibleAppliedFen: number;
  rateBasisPoints: number;
  fundPaysFen: number;
  selfPaysFen: number;
  explanation: string[];
  band: RateBandPolicy;
  /** True when any figure in `figures` is illustrative. */
  illustrative: boolean;
  figures: PolicyFigure[];
  capApplied: boolean;
  coverage: string;
}

export class ReimbursementError extends Error {
  constructor(
    readonly code: string,
    message: string,
    readonly field: string | null,
  ) {
    super(message);
    this.name = 'ReimbursementError';
  }
}

export const ILLUSTRATIVE_NOTE = '注意：本估算所用的部分比例或分档为示例数据，正式标准以医保部门公布为准';

/** Said (explanation and ANNUAL_CAP figure) for a rule without an annual cap. */
export const NO_ANNUAL_CAP = '无年度最高支付限额';

const MAX_AGE = 150;

const INSURANCE_TYPE_NAMES: Record<InsuranceType, string> = {
  EMPLOYEE: '职工医保',
  RESIDENT: '城乡居民医保',
};

/** 8500 → "85%", 5350 → "53.5%", 5325 → "53.25%". */
export function formatRate(basisPoints: number): string {
  const whole = Math.trunc(basisPoints / 100);
  const fraction = String(basisPoints % 100)
    .padStart(2, '0')
    .replace(/0+$/, '');
  return `${whole}${fraction ? `.${fraction}` : ''}%`;
}

function requireFen(value: number, field: string, label: string): void {
  if (!Number.isSafeInteger(value) || value < 0) {
    throw new ReimbursementError('INVALID_MONEY', `${label}金额不正确：应为非负的整数分值`, field);
  }
}

function chooseBand(rule: CostSharingPolicy, req: ReimbursementRequest): RateBandPolicy {
  if (rule.bandBy === 'AGE') {
    const age = req.age;
    if (age === null || age === undefined) {
      throw new ReimbursementError('AGE_REQUIRED', '请填写年龄：职工医保的报销比例按年龄分档', 'age');
    }
    if (!Number.isInteger(age) || age < 0 || age > MAX_AGE) {
      throw new ReimbursementError('INVALID_AGE', `年龄不正确：${age}。请填写 0 至 ${MAX_AGE} 之间的整数周岁`, 'age');
    }
    const band = rule.bands.find(
      (b) => age >= (b.minAge ?? Number.NEGATIVE_INFINITY) && age <= (b.maxAge ?? Number.POSITIVE_INFINITY),
    );
    if (!band) {
      throw new ReimbursementError('NO_RATE_BAND', `没有适用于 ${age} 岁的报销比例分档，请咨询当地医保部门`, 'age');
    }
    return band;
  }

  const tier = req.contributionTier;
  const validTiers = rule.bands
    .map((b) => b.contributionTier)
    .filter((t): t is number => t !== null)
    .sort((a, b) => a - b);
  if (tier === null || tier === undefined) {
    throw new ReimbursementError(
      'CONTRIBUTION_TIER_REQUIRED',
      `请选择缴费档次：城乡居民医保的报销比例按缴费档次确定（可选档次：${validTiers.join('、')}）`,
      'contributionTier',
    );
  }
  const band = rule.bands.find((b) => b.contributionTier !== null && b.contributionTier === tier);
  if (!band) {
    throw new ReimbursementError(
      'UNKNOWN_CONTRIBUTION_TIER',
      `缴费档次不正确：${tier}。可选档次为：${validTiers.join('、')}`,
      'contributionTier',
    );
  }
  return band;
}

export function estimateReimbursement(
  rule: CostSharingPolicy,
  disease: Pick<DiseasePolicy, 'code' | 'name' | 'deductibleExempt' | 'deductibleExemptSource'>,
  req: ReimbursementRequest,
  /** Remote care (./remote-care-reimbursement.ts): its own figures and lines, before the illustrative note. */
  extra: { figures: PolicyFigure[]; explanation: string[] } = { figures: [], explanation: [] },
): ReimbursementResult {
  if (req.insuranceType !== rule.insuranceType) {
    throw new ReimbursementError(
      'INSURANCE_TYPE_MISMATCH',
      `参保类型不一致：本规则适用于${INSURANCE_TYPE_NAMES[rule.insuranceType]}，申请为${INSURANCE_TYPE_NAMES[req.insuranceType] ?? req.insuranceType}`,
      'insuranceType',
    );
  }
  requireFen(req.amountFen, 'amount', '费用');
  const paid = req.deductiblePaidThisYearFen ?? 0;
  requireFen(paid, 'deductiblePaidThisYear', '本年度已付起付线');
  const fundPaid = req.fundPaidThisYearFen ?? 0;
  requireFen(fundPaid, 'fundPaidThisYear', '本年度统筹基金已支付');

  const band = chooseBand(rule, req);
  const amount = req.amountFen;
  const explanation: string[] = [];

  // 1. Deductible.
  const remaining = disease.deductibleExempt ? 0 : Math.max(0, rule.deductibleFen - paid);
  const applied = Math.min(amount, remaining);
  if (disease.deductibleExempt) {
    explanation.push(`「${disease.name}」免起付线，本次计入起付线${formatFen(applied)}元`);
  } else {
    explanation.push(
      `起付标准：${formatFen(rule.deductibleFen)}元/年，本年度已付${formatFen(paid)}元，本次计入起付线${formatFen(applied)}元`,
    );
  }

  // 2. Eligible amount.
  const eligible = amount - applied;
  explanation.push(`可报销金额：${formatFen(amount)} − ${formatFen(applied)} = ${formatFen(eligible)}元`);

  // 3. Rate band and fund share.
  const rate = formatRate(band.rateBasisPoints);
  explanation.push(`报销比例：${rate}（${band.description}）`);
  const computed = applyRate(eligible, band.rateBasisPoints);
  explanation.push(`统筹基金支付：${formatFen(eligible)} × ${rate} = ${formatFen(computed)}元`);
  let fund = computed;
  let capApplied = false;
  if (rule.annualCapFen === null) {
    // Region files must give a cap (region.schema.json); a rule without one still says so.
    explanation.push(`年度最高支付限额：${NO_ANNUAL_CAP}`);
  } else {
    const left = Math.max(0, rule.annualCapFen - fundPaid);
    explanation.push(
      `年度最高支付限额：${formatFen(rule.annualCapFen)}元，本年度统筹基金已支付${formatFen(fundPaid)}元，尚余${formatFen(left)}元`,
    );
    if (computed > left) {
      fund = left;
      capApplied = true;
      explanation.push(`超过年度最高支付限额，统筹基金支付按限额计为${formatFen(fund)}元`);
    }
  }

  // 4. Self-pay.
  const self = amount - fund;
  explanation.push(`个人自付：${formatFen(amount)} − ${formatFen(fund)} = ${formatFen(self)}元`);
  explanation.push(`支付范围：${rule.coverage}`);

  // The figures this estimate rests on, each flagged on its own source.
  const figure = (kind: PolicyFigureKind, value: string, source: string): PolicyFigure => ({
    kind,
    value,
    source,
    illustrative: isIllustrativeSource(source),
  });
  const figures = [
    figure(
      'DEDUCTIBLE_EXEMPTION',
      disease.deductibleExempt ? '免起付线' : '不免起付线',
      disease.deductibleExemptSource,
    ),
    ...(disease.deductibleExempt ? [] : [figure('DEDUCTIBLE', formatFen(rule.deductibleFen), rule.deductibleSource)]),
    // The band (age or contribution tier) that chose the rate: its boundaries may be invented even
    // where the rate itself is in a document (Panzhihua's 85% below an illustrative age 45).
    figure('RATE_BAND', band.description, band.source),
    figure('RATE', rate, band.rateSource),
    figure(
      'ANNUAL_CAP',
      rule.annualCapFen === null ? NO_ANNUAL_CAP : formatFen(rule.annualCapFen),
      rule.annualCapSource,
    ),
    ...extra.figures,
  ];
  explanation.push(...extra.explanation);
  const illustrative = figures.some((f) => f.illustrative);
  if (illustrative) {
    const names: Record<PolicyFigureKind, string> = {
      DEDUCTIBLE: '起付标准',
      DEDUCTIBLE_EXEMPTION: '是否免起付线',
      RATE_BAND: '报销比例分档',
      RATE: '报销比例',
      ANNUAL_CAP: '年度最高支付限额',
      REMOTE_CARE_ADJUSTMENT: '异地就医待遇调整',
      DIRECT_SETTLEMENT: '异地直接结算范围',
    };
    explanation.push(
      `${ILLUSTRATIVE_NOTE}（示例：${figures
        .filter((f) => f.illustrative)
        .map((f) => names[f.kind])
        .join('、')}）`,
    );
  }

  return {
    deductibleAppliedFen: applied,
    rateBasisPoints: band.rateBasisPoints,
    fundPaysFen: fund,
    selfPaysFen: self,
    explanation,
    band,
    illustrative,
    figures,
    capApplied,
    coverage: rule.coverage,
  };
}
