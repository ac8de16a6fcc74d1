// Estimates for a person living outside the insured region (异地就医): the insured region's rules
// (按参保地政策执行) adjusted by its remote-care terms — filed (异地就医备案) or not — and whether the
// disease is settled directly where the person lives (异地直接结算). Every figure carries its source
// and is flagged illustrative on its own, like the rest of the estimator (./reimbursement.ts).

import { formatFen } from './money';
import {
  type CostSharingPolicy,
  type DiseasePolicy,
  ILLUSTRATIVE,
  isIllustrativeSource,
  type RemoteCarePolicy,
  type RemoteCareTermsPolicy,
} from './policy';
import {
  estimateReimbursement,
  formatRate,
  type PolicyFigure,
  type ReimbursementRequest,
  type ReimbursementResult,
} from './reimbursement';

export type RemoteCareSituation = 'FILED' | 'NOT_FILED';

export interface RemoteCareOutcome {
  situation: RemoteCareSituation;
  /** 异地直接结算 applies to this estimate: filed, and the disease is on the region's list. */
  directSettlement: boolean;
  /** What the applicant is told about settlement, in Chinese. */
  settlementNote: string;
  source: string;
  illustrative: boolean;
}

/** When a region file has no remoteCare block: its own figures, said to be an assumption. */
const NO_TERMS = `${ILLUSTRATIVE}: 本地区未公布异地就医报销规则，按参保地政策估算`;

function adjust(rule: CostSharingPolicy, terms: RemoteCareTermsPolicy): CostSharingPolicy {
  const clamp = (bp: number) => Math.min(10_000, Math.max(0, bp));
  return {
    ...rule,
    ...(terms.deductibleFen === null
      ? {}
      : { deductibleFen: terms.deductibleFen, deductibleSource: `异地就医：${terms.source}` }),
    bands: rule.bands.map((b) =>
      terms.rateAdjustmentBasisPoints === 0
        ? b
        : {
            ...b,
            rateBasisPoints: clamp(b.rateBasisPoints + terms.rateAdjustmentBasisPoints),
            rateSource: `${b.rateSource}；异地就医：${terms.source}`,
          },
    ),
  };
}

function adjustmentText(terms: RemoteCareTermsPolicy): string {
  const bp = terms.rateAdjustmentBasisPoints;
  const rate =
    bp === 0
      ? '报销比例不调整'
      : `报销比例${bp < 0 ? '降低' : '提高'}${formatRate(Math.abs(bp)).replace('%', '')}个百分点`;
  const deductible =
    terms.deductibleFen === null ? '起付标准按参保地' : `起付标准${formatFen(terms.deductibleFen)}元/年`;
  return `${rate}，${deductible}`;
}

/** The estimate for `situation`, or the ordinary one when the person lives in the insured region (null). */
export function estimateWithRemoteCare(
  rule: CostSharingPolicy,
  disease: Pick<DiseasePolicy, 'code' | 'name' | 'deductibleExempt' | 'deductibleExemptSource'>,
  req: ReimbursementRequest,
  policy: RemoteCarePolicy | null | undefined,
  situation: RemoteCareSituation | null | undefined,
): ReimbursementResult & { remoteCare: RemoteCareOutcome | null } {
  if (!situation) return { ...estimateReimbursement(rule, disease, req), remoteCare: null };
  const terms: RemoteCareTermsPolicy = policy
    ? situation === 'FILED'
      ? policy.filed
      : policy.unfiled
    : { rateAdjustmentBasisPoints: 0, deductibleFen: null, source: NO_TERMS };
  const listed = policy?.directSettlement.diseaseCodes.includes(disease.code) ?? false;
  const direct = situation === 'FILED' && listed;
  const settlementSource = policy?.directSettlement.source ?? NO_TERMS;
  const settlementNote = direct
    ? `「${disease.name}」支持异地直接结算：在居住地开通异地结算的定点医疗机构就医，直接按参保地政策结算`
    : situation === 'NOT_FILED'
      ? '未办理异地就医备案，不能异地直接结算：须先行垫付，回参保地按规定报销（建议先办理异地就医备案）'
      : `「${disease.name}」暂不在异地直接结算范围内：须先行垫付，回参保地按规定报销`;
  const figure = (kind: PolicyFigure['kind'], value: string, source: string): PolicyFigure => ({
    kind,
    value,
    source,
    illustrative: isIllustrativeSource(source),
  });
  const label = situation === 'FILED' ? '异地就医（已备案）' : '异地就医（未备案）';
  const result = estimateReimbursement(adjust(rule, terms), disease, req, {
    figures: [
      figure('REMOTE_CARE_ADJUSTMENT', adjustmentText(terms), terms.source),
      figure('DIRECT_SETTLEMENT', direct ? '支持异地直接结算' : '不支持异地直接结算', settlementSource),
    ],
    explanation: [
      `${label}：${adjustmentText(terms)}`,
      settlementNote,
      ...(policy ? [`异地直接结算：${policy.directSettlement.description}`] : []),
    ],
  });
  const source = `${terms.source}；${settlementSource}`;
  return {
    ...result,
    remoteCare: {
      situation,
      directSettlement: direct,
      settlementNote,
      source,
      illustrative: isIllustrativeSource(source),
    },
  };
}
