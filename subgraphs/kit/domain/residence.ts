import { REGIONS } from '../../../schema/registry';
import { type Problem, problem } from '../platform/errors';
import type { RemoteCareFilingRow } from './record-rows';

// Where an applicant lives is what the national index (常住地) and the region's own filings
// (异地就医备案) say, never only what the applicant types:
//   - living outside the insured region (index) without an active filing for that residence, in a
//     region that requires one → REMOTE_CARE_FILING_REQUIRED, declared or not;
//   - a declared residence must be one of the known ones (the index's, an active filing's, or the
//     insured region when nothing else is known) → otherwise RESIDENCE_MISMATCH: the applicant is
//     told what is on record and how to correct it, and the record wins (nothing is stored).
// A person the index does not list is taken as living in the insured region (the region's own
// insured_person row decides insurance; scripts/bench seeds regions only).

/** What the national index says about one person (persistence/national-client.ts asks it). */
export interface NationalPerson {
  id: string;
  insuredRegionCode: string;
  /** 常住地 when outside the insured region; null = lives there (or the index records nothing). */
  residenceRegionCode: string | null;
  residenceRegionName: string | null;
}

export interface ResidenceFacts {
  regionCode: string;
  regionName: string;
  today: string;
  /** What the applicant typed, if anything. */
  declaredResidenceCode: string | null | undefined;
  /** The national index entry (null: not listed). */
  nationalPerson: NationalPerson | null;
  /** The person's filings with this region. */
  filings: RemoteCareFilingRow[];
  /** The region requires 异地就医备案 before applying (region file: rules.remoteCareFilingRequired). */
  filingRequired: boolean;
}

const active = (f: RemoteCareFilingRow, today: string) =>
  f.validFrom <= today && (f.validUntil === null || f.validUntil >= today);

function nameOf(code: string, fallback: string | null): string {
  const known = REGIONS.find((r) => r.code === code);
  return known ? `${known.province}${known.name}` : (fallback ?? code);
}

export function residenceProblems(f: ResidenceFacts): Problem[] {
  const problems: Problem[] = [];
  const indexed = f.nationalPerson?.residenceRegionCode?.trim() || null;
  const elsewhere = indexed && indexed !== f.regionCode ? indexed : null;
  const filings = f.filings.filter((x) => active(x, f.today));
  const declared = f.declaredResidenceCode?.trim() || null;

  if (declared) {
    const known = new Set<string>(filings.map((x) => x.residenceRegionCode).filter((c): c is string => !!c));
    known.add(elsewhere ?? f.regionCode);
    if (!known.has(declared)) {
      const recorded = elsewhere ? nameOf(elsewhere, f.nationalPerson?.residenceRegionName ?? null) : f.regionName;
      problems.push(
        problem(
          'RESIDENCE_MISMATCH',
          `您填写的居住地（${nameOf(declared, declared)}）与全国医保信息平台登记的常住地（${recorded}）不一致，请按登记信息填写；如已长期居住他处，请先办理异地就医备案或到参保地医保经办机构更新常住地`,
          'residenceRegionCode',
        ),
      );
    }
  }
  if (elsewhere && f.filingRequired) {
    const covered = filings.some((x) => x.residenceRegionCode === null || x.residenceRegionCode === elsewhere);
    if (!covered) {
      problems.push(
        problem(
          'REMOTE_CARE_FILING_REQUIRED',
          `全国医保信息平台登记您长期居住在${nameOf(elsewhere, f.nationalPerson?.residenceRegionName ?? null)}（参保地${f.regionName}以外）：长期异地居住人员须先办理异地就医备案，再申请门特认定`,
          declared ? 'residenceRegionCode' : null,
        ),
      );
    }
  }
  return problems;
}

/** The one problem for a national subgraph that cannot be reached: retry later, nothing stored. */
export const NATIONAL_UNAVAILABLE = problem(
  'NATIONAL_SERVICE_UNAVAILABLE',
  '暂时无法连接全国医保信息平台核实您的常住地和就诊医疗机构信息，申请未提交，请稍后重试',
  null,
);
