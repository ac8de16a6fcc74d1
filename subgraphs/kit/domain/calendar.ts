// China's official working-day calendar (工作日), for counting statutory review deadlines.
// Source: one file per year in ./calendar/<year>.json, each transcribing one State Council holiday
// notice (docs/calendar.md says how to add a year); outside those years only weekends are known.
// All dates are ISO `YYYY-MM-DD` calendar days in China time; arithmetic is on UTC day numbers only,
// so the host's time zone can never shift a day.

import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';

import { addDays, dayOfWeek, fromDayNumber, parseIsoDate, toDayNumber } from '../platform/dates';

// Date arithmetic lives in the platform (the gateway uses it too); re-exported for the domain.
export { addDays, addMonths, dayOfWeek, isValidIsoDate } from '../platform/dates';

export interface HolidayPeriod {
  year: number;
  name: string;
  /** Inclusive range of days off. */
  daysOff: [string, string];
  /** Weekend days that are working days (调休). */
  makeUpWorkingDays: string[];
}

/** The State Council notice a year's schedule comes from. */
export interface CalendarNotice {
  title: string;
  /** e.g. 国办发明电〔2024〕12号; null where the number has not been verified. */
  number: string | null;
  issuedOn: string;
}

export interface CalendarYear {
  year: number;
  notice: CalendarNotice;
  holidays: Omit<HolidayPeriod, 'year'>[];
}

const CALENDAR_DIR = path.resolve(__dirname, 'calendar');

/** Reads every <year>.json of a folder, sorted by year. */
export function loadCalendarYears(dir = CALENDAR_DIR): CalendarYear[] {
  return readdirSync(dir)
    .filter((f) => /^\d{4}\.json$/.test(f))
    .sort()
    .map((f) => JSON.parse(readFileSync(path.join(dir, f), 'utf8')) as CalendarYear);
}

export const CALENDAR_YEARS: readonly CalendarYear[] = loadCalendarYears();

export const OFFICIAL_SCHEDULE: readonly HolidayPeriod[] = CALENDAR_YEARS.flatMap((y) =>
  y.holidays.map((h) => ({ year: y.year, ...h })),
);

const PUBLISHED_YEARS: ReadonlyMap<number, CalendarNotice> = new Map(CALENDAR_YEARS.map((y) => [y.year, y.notice]));

export const PUBLISHED_FROM = `${CALENDAR_YEARS[0]!.year}-01-01`;
export const PUBLISHED_UNTIL = `${CALENDAR_YEARS.at(-1)!.year}-12-31`;

/** Where the working days of one year were taken from; provisional = weekends only. */
export interface CalendarSource {
  year: number;
  provisional: boolean;
  notice: CalendarNotice | null;
}

/** The source of every year a count (acceptedOn, until] touches. */
export function calendarSources(acceptedOn: string, until: string): CalendarSource[] {
  const from = Number(addDays(acceptedOn, 1).slice(0, 4));
  const to = Math.max(from, Number(until.slice(0, 4)));
  const sources: CalendarSource[] = [];
  for (let year = from; year <= to; year++) {
    const notice = PUBLISHED_YEARS.get(year) ?? null;
    sources.push({ year, provisional: notice === null, notice });
  }
  return sources;
}

export function isPublished(date: string): boolean {
  return PUBLISHED_YEARS.has(parseIsoDate(date)[0]);
}

function expandRange([from, to]: [string, string]): string[] {
  const days: string[] = [];
  for (let n = toDayNumber(from); n <= toDayNumber(to); n++) days.push(fromDayNumber(n));
  return days;
}

// Built once at module load so lookups are O(1) and never rebuilt per call.
const DAYS_OFF: ReadonlySet<string> = new Set(OFFICIAL_SCHEDULE.flatMap((p) => expandRange(p.daysOff)));
const MAKE_UP_WORKING_DAYS: ReadonlySet<string> = new Set(OFFICIAL_SCHEDULE.flatMap((p) => p.makeUpWorkingDays));

export function isWorkingDay(date: string): { working: boolean; provisional: boolean } {
  const weekday = dayOfWeek(date);
  const isWeekday = weekday !== 0 && weekday !== 6;
  // Outside the published range we only know weekends; say so rather than pretend.
  if (!isPublished(date)) return { working: isWeekday, provisional: true };
  if (MAKE_UP_WORKING_DAYS.has(date)) return { working: true, provisional: false };
  return { working: isWeekday && !DAYS_OFF.has(date), provisional: false };
}

export function addWorkingDays(
  acceptedOn: string,
  workingDays: number,
): { date: string; workingDays: number; provisional: boolean } {
  if (!Number.isInteger(workingDays) || workingDays < 0) {
    throw new RangeError(`workingDays must be a non-negative integer, got ${workingDays}`);
  }
  let dayNumber = toDayNumber(acceptedOn);
  let counted = 0;
  let provisional = false;
  // The acceptance day itself never counts, so counting starts on the next day.
  while (counted < workingDays) {
    dayNumber++;
    const judged = isWorkingDay(fromDayNumber(dayNumber));
    provisional ||= judged.provisional;
    if (judged.working) counted++;
  }
  return { date: fromDayNumber(dayNumber), workingDays, provisional };
}

export function workingDaysBetween(acceptedOn: string, until: string): { workingDays: number; provisional: boolean } {
  const start = toDayNumber(acceptedOn);
  const end = toDayNumber(until);
  let workingDays = 0;
  let provisional = false;
  // Half-open on the left: (acceptedOn, until], matching addWorkingDays.
  for (let n = start + 1; n <= end; n++) {
    const judged = isWorkingDay(fromDayNumber(n));
    provisional ||= judged.provisional;
    if (judged.working) workingDays++;
  }
  return { workingDays, provisional };
}
