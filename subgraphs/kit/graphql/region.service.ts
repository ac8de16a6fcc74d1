import { pinyin } from 'pinyin-pro';

import { addWorkingDays, calendarSources } from '../domain/calendar';
import { formatFen, MoneyFormatError, parseMoney } from '../domain/money';
import {
  type CostSharingPolicy,
  isIllustrativeSource,
  type RateBandPolicy,
  type RemoteCarePolicy,
} from '../domain/policy';
import { ReimbursementError } from '../domain/reimbursement';
import { estimateWithRemoteCare } from '../domain/remote-care-reimbursement';
import { materialRulesFor, type RegionRules, requirementApplies } from '../domain/rules';
import type { ChannelRow, DiseaseRow, HospitalRow, MaterialRow } from '../persistence/db/policy.entities';
import type { PolicyLoaders } from '../persistence/policy.loader';
import { assertArgumentLength, badInput, type Problem, problem } from '../platform/errors';
import type {
  ApplicationRules,
  Channel,
  CostSharingRule,
  Disease,
  DueDate,
  Hospital,
  MaterialRequirement,
  ReimbursementEstimate,
  ReimbursementInput,
} from './policy.types';

// Region reads shared by every regional subgraph: rows from the per-request loaders, shaped for
// the API. Region-specific behaviour comes from the region's data, not from code branches here.

/** A stored source; rows seeded before sources were stored say so, and count as illustrative. */
export function sourceOf(source: string | null): { source: string; illustrative: boolean } {
  const text = source ?? 'not recorded (illustrative until the region policy is reloaded)';
  return { source: text, illustrative: isIllustrativeSource(text) };
}

export function toApplicationRules(rules: RegionRules): ApplicationRules {
  const review = rules.hospitalReview;
  // Every setting's source in one text, the hospital step's two included: flagged when any is invented.
  const source = review
    ? `${rules.source}; designated-hospital review: ${review.source}; its working days: ${review.workingDaysSource}`
    : rules.source;
  return {
    hospitalRequired: rules.hospitalRequired,
    hospitalMustBeQualified: rules.hospitalMustBeQualified,
    renewalWindowDays: rules.renewalWindowDays,
    changeHospitalPerYear: rules.changeHospitalPerYear,
    remoteCareFilingRequired: rules.remoteCareFilingRequired,
    designatedHospitalReview: review !== null,
    hospitalReviewWorkingDays: review?.workingDays ?? null,
    source,
    illustrative: isIllustrativeSource(source),
  };
}

export function toChannel(row: ChannelRow): Channel {
  const review = sourceOf(row.reviewSource);
  return {
    id: row.id,
    name: row.name,
    kind: row.kind,
    reviewWorkingDays: { min: row.reviewMin, max: row.reviewMax },
    reviewSource: review.source,
    reviewIllustrative: review.illustrative,
    functions: JSON.parse(row.functions) as string[],
    audience: row.audience,
    hours: row.hours,
    note: row.note,
  };
}

export function toDisease(row: DiseaseRow): Disease {
  const { regionCode: _r, position: _p, ...disease } = row;
  return { ...disease, deductibleExemptIllustrative: isIllustrativeSource(row.deductibleExemptSource) };
}

export function toHospital(row: HospitalRow): Hospital {
  const { regionCode: _r, position: _p, ...hospital } = row;
  return hospital;
}

/** Half a year is 6 calendar months; validityDays is the day figure for clients that read days. */
const DAYS_PER_MONTH = 30;

export function toMaterial(row: MaterialRow, required: boolean): MaterialRequirement {
  const w = row.requiredWhen;
  return {
    kind: row.kind,
    name: row.name,
    required,
    requiredWhen: w && {
      absentKinds: w.absentKinds ?? null,
      diseaseCodes: w.diseaseCodes ?? null,
      channelIds: w.channelIds ?? null,
      applicationTypes: w.applicationTypes ?? null,
    },
    issuerMustBeSpecialist: row.issuerMustBeSpecialist,
    condition: row.condition,
    validityDays: row.validityMonths === null ? null : row.validityMonths * DAYS_PER_MONTH,
    validityMonths: row.validityMonths,
    minHospitalLevel: row.minHospitalLevel,
    stampRequired: row.stampRequired,
    ...sourceOf(row.source),
  };
}

/** Longest catalogue search term and code argument accepted (a disease name is far shorter). */
const MAX_SEARCH_LENGTH = 50;
const MAX_CODE_LENGTH = 64;

/** How a disease matched a search, best first; results are ordered by it, then catalogue order. */
export type DiseaseMatch = 'CODE' | 'CODE_PREFIX' | 'NAME' | 'SYNONYM' | 'PINYIN' | 'PINYIN_INITIALS';
const MATCH_RANK: Record<DiseaseMatch, number> = {
  CODE: 0,
  CODE_PREFIX: 1,
  NAME: 2,
  SYNONYM: 3,
  PINYIN: 4,
  PINYIN_INITIALS: 5,
};

interface PinyinForms {
  full: string;
  initials: string;
}
// A catalogue is a few dozen names: their pinyin is worked out once per process.
const pinyinCache = new Map<string, PinyinForms>();
function pinyinOf(text: string): PinyinForms {
  let forms = pinyinCache.get(text);
  if (!forms) {
    const syllables = pinyin(text, { toneType: 'none', type: 'array', nonZh: 'consecutive' }).map((s) =>
      s.toLowerCase().replace(/[^a-z0-9]/g, ''),
    );
    forms = { full: syllables.join(''), initials: syllables.map((s) => s.charAt(0)).join('') };
    pinyinCache.set(text, forms);
  }
  return forms;
}

/** `term` occurs in `text`, but not only as part of a negation (透析 is not in 非透析). */
function containsAffirmed(text: string, term: string): boolean {
  for (let at = text.indexOf(term); at !== -1; at = text.indexOf(term, at + 1)) {
    if (text.charAt(at - 1) !== '非') return true;
  }
  return false;
}

/** Latin letters a term must have before it matches inside a longer name or synonym ("M" is not "DM"). */
const MIN_LATIN_LETTERS = 2;

function matchOf(d: DiseaseRow, term: string): DiseaseMatch | null {
  const upper = term.toUpperCase().replace(/\s+/g, '');
  if (d.code === upper) return 'CODE';
  if (/^M\d{1,4}$/.test(upper) && d.code.startsWith(upper)) return 'CODE_PREFIX';
  const lower = term.toLowerCase();
  const letters = lower.replace(/[^a-z0-9]/g, '');
  // A term of Latin letters and digits only (an abbreviation, pinyin) needs two letters to match
  // inside a longer name or synonym; an exact one always matches.
  const latinOnly = letters === lower.replace(/\s+/g, '');
  const inside = !latinOnly || letters.replace(/[0-9]/g, '').length >= MIN_LATIN_LETTERS;
  // The typed term in the name, or the whole name in the term (高血压病 finds 高血压), neither
  // only as part of a negation (非透析 does not find 透析, nor 透析 the 非透析 entry).
  if (d.name.toLowerCase() === lower) return 'NAME';
  if (inside && (containsAffirmed(d.name, term) || containsAffirmed(term, d.name))) return 'NAME';
  // A synonym equal to the term or containing it; a synonym is never found inside a longer term,
  // so a negated term (非透析) does not also bring the entries of its bare synonym (透析).
  if (d.synonyms.some((s) => s.toLowerCase() === lower || (inside && containsAffirmed(s.toLowerCase(), lower)))) {
    return 'SYNONYM';
  }
  if (!latinOnly || letters.length < 2) return null;
  const forms = [d.name, ...d.synonyms].map(pinyinOf);
  if (forms.some((f) => f.full.startsWith(letters))) return 'PINYIN';
  if (forms.some((f) => f.initials.startsWith(letters))) return 'PINYIN_INITIALS';
  return null;
}

/**
 * Catalogue search as applicants type: a code or code prefix, part of the official name, a
 * synonym (clinical name, abbreviation, folk name), full pinyin or pinyin initials of either; ranked
 * exact code, code prefix, name, synonym, pinyin, initials.
 */
export function searchDiseasesRanked(
  rows: DiseaseRow[],
  search: string | null | undefined,
): { row: DiseaseRow; match: DiseaseMatch | null }[] {
  assertArgumentLength(search, 'search', MAX_SEARCH_LENGTH);
  const term = search?.trim();
  if (!term) return rows.map((row) => ({ row, match: null }));
  return rows
    .map((row) => ({ row, match: matchOf(row, term) }))
    .filter((r): r is { row: DiseaseRow; match: DiseaseMatch } => r.match !== null)
    .sort((a, b) => MATCH_RANK[a.match] - MATCH_RANK[b.match] || a.row.position - b.row.position);
}

export function searchDiseases(rows: DiseaseRow[], search: string | null | undefined): DiseaseRow[] {
  return searchDiseasesRanked(rows, search).map((r) => r.row);
}

export async function findDisease(
  loaders: PolicyLoaders,
  regionCode: string,
  code: string,
): Promise<DiseaseRow | null> {
  assertArgumentLength(code, 'diseaseCode', MAX_CODE_LENGTH);
  const rows = await loaders.diseases.load(regionCode);
  return rows.find((d) => d.code === code.trim().toUpperCase()) ?? null;
}

function diseaseNotFound(code: string, field: string): Problem {
  return problem('DISEASE_NOT_IN_CATALOGUE', `病种“${code}”不在本地门特病种目录内`, field);
}

/**
 * Materials for an application: the region's list, with disease-dependent materials (photo,
 * specialist certificate) made required for a disease that needs them and kept as conditional
 * information when no disease is given.
 */
export async function materialRequirements(
  loaders: PolicyLoaders,
  regionCode: string,
  diseaseCode: string | null | undefined,
): Promise<MaterialRequirement[]> {
  const rows = await loaders.materials.load(regionCode);
  // `required` is the submission checks' own verdict, with nothing known about the other materials.
  const verdict = (m: MaterialRow, code: string | null) =>
    requirementApplies(m.requiredWhen, { kinds: null, diseaseCode: code, channelId: null, applicationType: null }) ===
    'REQUIRED';
  if (diseaseCode == null) return rows.map((m) => toMaterial(m, verdict(m, null)));
  const disease = await findDisease(loaders, regionCode, diseaseCode);
  if (!disease) throw badInput([diseaseNotFound(diseaseCode, 'diseaseCode')]);
  return materialRulesFor(rows, disease).map((m) => toMaterial(m, verdict(m, disease.code)));
}

export async function costSharingPolicies(loaders: PolicyLoaders, regionCode: string): Promise<CostSharingPolicy[]> {
  const [rules, bands] = await Promise.all([loaders.costSharing.load(regionCode), loaders.rateBands.load(regionCode)]);
  return rules.map((r) => ({
    insuranceType: r.insuranceType,
    deductibleFen: r.deductibleFen,
    deductibleSource: r.deductibleSource,
    annualCapFen: r.annualCapFen,
    annualCapSource: r.annualCapSource,
    coverage: r.coverage,
    coverageSource: r.coverageSource,
    bandBy: r.bandBy,
    source: r.source,
    bands: bands
      .filter((b) => b.insuranceType === r.insuranceType)
      .map((b): RateBandPolicy => ({
        description: b.description,
        rateBasisPoints: b.rateBasisPoints,
        rateSource: b.rateSource,
        minAge: b.minAge,
        maxAge: b.maxAge,
        contributionTier: b.contributionTier,
        source: b.source,
      })),
  }));
}

export function toCostSharingRule(p: CostSharingPolicy): CostSharingRule {
  const bands = p.bands.map((b) => ({
    description: b.description,
    rate: b.rateBasisPoints / 10000,
    minAge: b.minAge,
    maxAge: b.maxAge,
    contributionTier: b.contributionTier,
    source: b.source,
    illustrative: isIllustrativeSource(b.source),
    rateSource: b.rateSource,
    rateIllustrative: isIllustrativeSource(b.rateSource),
  }));
  return {
    insuranceType: p.insuranceType,
    deductible: formatFen(p.deductibleFen),
    annualCap: p.annualCapFen === null ? null : formatFen(p.annualCapFen),
    bands,
    source: p.source,
    deductibleSource: p.deductibleSource,
    deductibleIllustrative: isIllustrativeSource(p.deductibleSource),
    annualCapSource: p.annualCapSource,
    annualCapIllustrative: isIllustrativeSource(p.annualCapSource),
    coverage: p.coverage,
    illustrative: isIllustrativeSource(p.source) || bands.some((b) => b.illustrative),
  };
}

export async function dueDate(
  loaders: PolicyLoaders,
  regionCode: string,
  acceptedOn: string,
  channelId: string | null | undefined,
): Promise<DueDate> {
  let workingDays: number;
  if (channelId == null) {
    // No channel: the region's longest review time, the date by which any channel must decide.
    const region = await loaders.region.load(regionCode);
    if (!region) throw new Error(`region ${regionCode} has no policy data loaded`);
    workingDays = region.reviewMax;
  } else {
    assertArgumentLength(channelId, 'channelId', MAX_CODE_LENGTH);
    const channels = await loaders.channels.load(regionCode);
    const channel = channels.find((c) => c.id === channelId);
    if (!channel) {
      throw badInput([
        problem(
          'UNKNOWN_CHANNEL',
          `办理渠道“${channelId}”不存在。本地可用渠道：${channels.map((c) => `${c.id}（${c.name}）`).join('、')}`,
          'channelId',
        ),
      ]);
    }
    workingDays = channel.reviewMax;
  }
  const due = addWorkingDays(acceptedOn, workingDays);
  return { ...due, calendarSources: calendarSources(acceptedOn, due.date) };
}

export async function estimateReimbursement(
  loaders: PolicyLoaders,
  regionCode: string,
  input: ReimbursementInput,
  remoteCare?: RemoteCarePolicy | null,
): Promise<ReimbursementEstimate> {
  const problems: Problem[] = [];
  const money = (value: string | null | undefined, field: string): number | null => {
    if (value == null) return null;
    try {
      return parseMoney(value);
    } catch (e) {
      if (e instanceof MoneyFormatError) problems.push(problem(e.code, e.message, field));
      else throw e;
      return null;
    }
  };
  const amountFen = money(input.amount, 'amount');
  const paidFen = money(input.deductiblePaidThisYear, 'deductiblePaidThisYear');
  const fundPaidFen = money(input.fundPaidThisYear, 'fundPaidThisYear');
  const disease = await findDisease(loaders, regionCode, input.diseaseCode);
  if (!disease) problems.push(diseaseNotFound(input.diseaseCode, 'diseaseCode'));
  const rule = (await costSharingPolicies(loaders, regionCode)).find((r) => r.insuranceType === input.insuranceType);
  if (!rule) problems.push(problem('NO_COST_SHARING_RULE', '本地区未公布该参保类型的待遇标准', 'insuranceType'));
  if (problems.length > 0 || !disease || !rule || amountFen === null) throw badInput(problems);
  try {
    const result = estimateWithRemoteCare(
      rule,
      disease,
      {
        insuranceType: input.insuranceType,
        amountFen,
        age: input.age ?? null,
        contributionTier: input.contributionTier ?? null,
        deductiblePaidThisYearFen: paidFen,
        fundPaidThisYearFen: fundPaidFen,
      },
      remoteCare,
      input.remoteCare,
    );
    return {
      deductibleApplied: formatFen(result.deductibleAppliedFen),
      rate: result.rateBasisPoints / 10000,
      fundPays: formatFen(result.fundPaysFen),
      selfPays: formatFen(result.selfPaysFen),
      explanation: result.explanation,
      illustrative: result.illustrative,
      figures: result.figures,
      annualCap: rule.annualCapFen === null ? null : formatFen(rule.annualCapFen),
      capApplied: result.capApplied,
      coverage: result.coverage,
      remoteCare: result.remoteCare,
    };
  } catch (e) {
    if (e instanceof ReimbursementError) throw badInput([problem(e.code, e.message, e.field)]);
    throw e;
  }
}
