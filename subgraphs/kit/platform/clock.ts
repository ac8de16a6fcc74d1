// Time in China, in one place: Asia/Shanghai is UTC+8 all year (no DST), whatever the host's zone.

const CHINA_OFFSET_MS = 8 * 3_600_000;

/** Today's date in China as YYYY-MM-DD. */
export function todayInChina(now: Date = new Date()): string {
  if (Number.isNaN(now.getTime())) throw new RangeError('todayInChina: invalid Date');
  // Shift the instant by +8h and read it as UTC: that is the wall-clock date in Asia/Shanghai.
  return new Date(now.getTime() + CHINA_OFFSET_MS).toISOString().slice(0, 10);
}

export function isLeapYear(year: number): boolean {
  return (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0;
}

/** The current instant as ISO 8601 with China's offset, "2026-03-11T09:30:00+08:00". */
export function nowInChina(now: Date = new Date()): string {
  const shifted = new Date(now.getTime() + CHINA_OFFSET_MS);
  return `${shifted.toISOString().slice(0, 19)}+08:00`;
}
