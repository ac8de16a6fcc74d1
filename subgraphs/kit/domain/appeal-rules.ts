import { type Problem, problem } from '../platform/errors';
import { addDays, addWorkingDays } from './calendar';
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

/** As written in a region file: each figure with its source, {<document id>} or {illustrative}. */
export interface AppealRulesFile {
  periodDays: number;
  periodSource: string;
  reviewWorkingDays: number;
  reviewSource: string;
}

/** The file's appeal rules with their sources expanded by `expand` (a document citation or the illustrative marker). */
export function normalizeAppealRules(
  f: AppealRulesFile,
  expand: (source: string, at: (string | number)[]) => string,
): AppealRules {
  return {
    periodDays: f.periodDays,
    periodSource: expand(f.periodSource, ['rules', 'appeal', 'periodSource']),
    reviewWorkingDays: f.reviewWorkingDays,
    reviewSource: expand(f.reviewSource, ['rules', 'appeal', 'reviewSource']),
  };
}

export const appealRulesIllustrative = (r: AppealRules) => ({
  period: isIllustrativeSource(r.periodSource),
  review: isIllustrativeSource(r.reviewSource),
});

/** The last day an appeal against a rejection decided at `decidedAt` may be filed (the decision day is day 1). */
export function lastAppealDay(rules: AppealRules, decidedAt: string): string {
  return addDays(decidedAt.slice(0, 10), rules.periodDays - 1);
}

/** APPEAL_PERIOD_EXPIRED for an appeal filed `today` against a rejection decided at `decidedAt`; null in time. */
export function appealPeriodProblem(rules: AppealRules, decidedAt: string, today: string): Problem | null {
  const lastDay = lastAppealDay(rules, decidedAt);
  if (today <= lastDay) return null;
  return problem(
    'APPEAL_PERIOD_EXPIRED',
    `已超过申诉期限：须在未通过决定作出之日起${rules.periodDays}日内（${lastDay}前）提出申诉`,
    'acceptanceNumber',
  );
}

/** The day an appeal filed on `filedOn` is to be decided by: the review time in working days. */
export function appealDueDate(rules: AppealRules, filedOn: string): ReturnType<typeof addWorkingDays> {
  return addWorkingDays(filedOn, rules.reviewWorkingDays);
}
