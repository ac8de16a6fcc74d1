// Plain calendar-day arithmetic on ISO `YYYY-MM-DD` strings, on UTC day numbers only, so the host's
// time zone can never shift a day. Shared by the gateway (quotas, file sweeps) and the domain's
// working-day calendar (domain/calendar.ts), which adds China's official holidays on top.

import { isLeapYear } from './clock';

const MS_PER_DAY = 86_400_000;
const ISO_DATE = /^(\d{4})-(\d{2})-(\d{2})$/;

const MONTH_LENGTHS = [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];

function daysInMonth(year: number, month: number): number {
  return month === 2 && isLeapYear(year) ? 29 : MONTH_LENGTHS[month - 1];
}

export function isValidIsoDate(s: string): boolean {
  const m = ISO_DATE.exec(s);
  if (!m) return false;
  const [year, month, day] = [Number(m[1]), Number(m[2]), Number(m[3])];
  return month >= 1 && month <= 12 && day >= 1 && day <= daysInMonth(year, month);
}

export function parseIsoDate(date: string): [number, number, number] {
  if (typeof date !== 'string' || !isValidIsoDate(date)) {
    throw new RangeError(`Invalid date "${String(date)}": expected a real calendar date as YYYY-MM-DD`);
  }
  return [Number(date.slice(0, 4)), Number(date.slice(5, 7)), Number(date.slice(8, 10))];
}

/** Days since 1970-01-01 for a validated date. */
export function toDayNumber(date: string): number {
  const [year, month, day] = parseIsoDate(date);
  const ms = Date.UTC(year, month - 1, day);
  // Date.UTC maps years 0–99 to 1900–1999, so set the real year explicitly for those.
  return (year < 100 ? new Date(ms).setUTCFullYear(year) : ms) / MS_PER_DAY;
}

export function fromDayNumber(dayNumber: number): string {
  return formatUtc(new Date(dayNumber * MS_PER_DAY));
}

function formatYmd(year: number, month: number, day: number): string {
  // Results must stay representable as YYYY-MM-DD, or they would fail our own validation.
  if (year < 0 || year > 9999) throw new RangeError(`Date out of range: year ${year} is not 0000–9999`);
  return `${String(year).padStart(4, '0')}-${String(month).padStart(2, '0')}-${String(day).padStart(2, '0')}`;
}

function formatUtc(d: Date): string {
  return formatYmd(d.getUTCFullYear(), d.getUTCMonth() + 1, d.getUTCDate());
}

function requireInteger(value: number, what: string): void {
  if (!Number.isInteger(value)) throw new RangeError(`${what} must be an integer, got ${value}`);
}

export function addDays(date: string, days: number): string {
  requireInteger(days, 'days');
  return fromDayNumber(toDayNumber(date) + days);
}

export function addMonths(date: string, months: number): string {
  requireInteger(months, 'months');
  const [year, month, day] = parseIsoDate(date);
  const monthIndex = year * 12 + (month - 1) + months;
  const y = Math.floor(monthIndex / 12);
  const m = monthIndex - y * 12 + 1;
  // Clamp so that e.g. Aug 31 + 6 months lands on the last day of February, not in March.
  const d = Math.min(day, daysInMonth(y, m));
  return formatYmd(y, m, d);
}

export function dayOfWeek(date: string): number {
  // 1970-01-01 was a Thursday (4); the modulo is kept non-negative for earlier dates.
  return (((toDayNumber(date) + 4) % 7) + 7) % 7;
}
