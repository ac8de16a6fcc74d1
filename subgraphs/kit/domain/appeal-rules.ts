import { isIllustrativeSource } from './policy';

// A region's appeal (申诉) figures, from the `rules.appeal` of its region file. Neither regional
// document gives an appeal period or a time for deciding an appeal, so both regions cite
// {illustrative}: placeholders, flagged in the API, until someone cites an official figure.

export interface AppealRules {
  /** An appeal may be filed until this many calendar days (自然日) after the rejection, that day included. */
  periodDays: number;
  periodSource: string;
  /** An appeal is decided within this many working days from the day after it was filed. */
  reviewWorkingDays: number;
  reviewSource: string;
}

/** As written in a region file: sources may be omitted (then {illustrative}). */
export interface AppealRulesFile {
  periodDays: number;
  periodSource?: string;
  reviewWorkingDays: number;
  reviewSource?: string;
}

/** What a file without `rules.appeal` gets: illustrative placeholders. */
export const DEFAULT_APPEAL_RULES: AppealRulesFile = {
  periodDays: 60,
  periodSource: '{illustrative}',
  reviewWorkingDays: 15,
  reviewSource: '{illustrative}',
};

/** The file's appeal rules with their sources expanded by `expand` (a document citation or the illustrative marker). */
export function normalizeAppealRules(
  file: AppealRulesFile | undefined,
  expand: (source: string, at: (string | number)[]) => string,
): AppealRules {
  const f = file ?? DEFAULT_APPEAL_RULES;
  return {
    periodDays: f.periodDays,
    periodSource: expand(f.periodSource ?? '{illustrative}', ['rules', 'appeal', 'periodSource']),
    reviewWorkingDays: f.reviewWorkingDays,
    reviewSource: expand(f.reviewSource ?? '{illustrative}', ['rules', 'appeal', 'reviewSource']),
  };
}

export const appealRulesIllustrative = (r: AppealRules) => ({
  period: isIllustrativeSource(r.periodSource),
  review: isIllustrativeSource(r.reviewSource),
});
