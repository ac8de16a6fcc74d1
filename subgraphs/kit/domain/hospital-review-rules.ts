import { isIllustrativeSource } from './policy';

// 经定点医疗机构审核备案 (Yunfu): an application names a designated hospital (定点医疗机构), which
// reviews it before the region does ("经定点医疗机构审核备案后，即可享受医保报销待遇"; "审核通过后
// 系统自动备案"). A region file turns the step on with `rules.hospitalReview`; without it (or
// null) the region reviews new applications straight away. The document gives no time for the
// hospital: the number of working days is a placeholder until one is cited.

export interface HospitalReviewRules {
  /** Where the step comes from: {<document id>} expanded to a citation. */
  source: string;
  /** Working days the hospital has, from the day after submission (the calendar's working days). */
  workingDays: number;
  workingDaysSource: string;
}

/** As written in a region file: the working days' source may be omitted (then {illustrative}). */
export interface HospitalReviewRulesFile {
  source: string;
  workingDays: number;
  workingDaysSource?: string;
}

/** The file's rule with its sources expanded by `expand`; null when the region has no hospital step. */
export function normalizeHospitalReview(
  file: HospitalReviewRulesFile | null | undefined,
  expand: (source: string, at: (string | number)[]) => string,
): HospitalReviewRules | null {
  if (!file) return null;
  return {
    source: expand(file.source, ['rules', 'hospitalReview', 'source']),
    workingDays: file.workingDays,
    workingDaysSource: expand(file.workingDaysSource ?? '{illustrative}', [
      'rules',
      'hospitalReview',
      'workingDaysSource',
    ]),
  };
}

export const hospitalReviewDaysIllustrative = (r: HospitalReviewRules): boolean =>
  isIllustrativeSource(r.workingDaysSource);
