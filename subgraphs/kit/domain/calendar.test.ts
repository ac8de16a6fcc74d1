import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';

import { todayInChina } from '../platform/clock';
import {
  addDays,
  addMonths,
  addWorkingDays,
  CALENDAR_YEARS,
  calendarSources,
  dayOfWeek,
  isPublished,
  isValidIsoDate,
  isWorkingDay,
  loadCalendarYears,
  OFFICIAL_SCHEDULE,
  PUBLISHED_FROM,
  PUBLISHED_UNTIL,
  workingDaysBetween,
} from './calendar';

describe('calendar: date primitives', () => {
  it('validates strict ISO calendar dates', () => {
    expect(isValidIsoDate('2026-02-28')).toBe(true);
    expect(isValidIsoDate('2024-02-29')).toBe(true);
    expect(isValidIsoDate('2000-02-29')).toBe(true);
    expect(isValidIsoDate('2025-02-29')).toBe(false);
    expect(isValidIsoDate('1900-02-29')).toBe(false);
    expect(isValidIsoDate('2026-02-30')).toBe(false);
    expect(isValidIsoDate('2026-04-31')).toBe(false);
    expect(isValidIsoDate('2026-13-01')).toBe(false);
    expect(isValidIsoDate('2026-00-10')).toBe(false);
    expect(isValidIsoDate('2026-01-00')).toBe(false);
    expect(isValidIsoDate('2026-2-3')).toBe(false);
    expect(isValidIsoDate('2026-02-03T00:00:00Z')).toBe(false);
    expect(isValidIsoDate(' 2026-02-03')).toBe(false);
    expect(isValidIsoDate('')).toBe(false);
  });

  it('adds days across month, year and leap boundaries, including negative', () => {
    expect(addDays('2026-02-28', 1)).toBe('2026-03-01');
    expect(addDays('2024-02-28', 1)).toBe('2024-02-29');
    expect(addDays('2026-12-31', 1)).toBe('2027-01-01');
    expect(addDays('2026-01-01', -1)).toBe('2025-12-31');
    expect(addDays('2026-03-11', 0)).toBe('2026-03-11');
    expect(addDays('0050-01-01', 1)).toBe('0050-01-02');
  });

  it('adds calendar months, clamping to month end', () => {
    expect(addMonths('2026-08-31', 6)).toBe('2027-02-28');
    expect(addMonths('2027-08-31', 6)).toBe('2028-02-29');
    expect(addMonths('2026-01-31', 1)).toBe('2026-02-28');
    expect(addMonths('2026-03-31', 1)).toBe('2026-04-30');
    expect(addMonths('2026-03-15', 12)).toBe('2027-03-15');
    expect(addMonths('2026-03-31', -1)).toBe('2026-02-28');
    expect(addMonths('2026-01-15', -1)).toBe('2025-12-15');
  });

  it('gives the day of week with 0 = Sunday', () => {
    expect(dayOfWeek('2026-01-01')).toBe(4); // Thursday
    expect(dayOfWeek('2026-02-12')).toBe(4); // Thursday
    expect(dayOfWeek('2025-01-26')).toBe(0); // Sunday
    expect(dayOfWeek('2026-10-10')).toBe(6); // Saturday
    expect(dayOfWeek('1969-12-31')).toBe(3); // Wednesday, before the epoch
  });

  it('knows the published range', () => {
    expect(isPublished(PUBLISHED_FROM)).toBe(true);
    expect(isPublished(PUBLISHED_UNTIL)).toBe(true);
    expect(isPublished('2024-12-31')).toBe(true);
    expect(isPublished('2023-12-31')).toBe(false);
    expect(isPublished('2027-01-01')).toBe(false);
  });
});

describe('calendar: official schedule data', () => {
  it('has every make-up working day on a weekend and every period inside its year', () => {
    for (const p of OFFICIAL_SCHEDULE) {
      expect(p.daysOff[0] <= p.daysOff[1]).toBe(true);
      expect(p.daysOff[0].startsWith(`${p.year}-`)).toBe(true);
      for (const d of p.makeUpWorkingDays) expect([0, 6]).toContain(dayOfWeek(d));
    }
  });

  it('marks days off, make-up days and ordinary days', () => {
    expect(isWorkingDay('2026-01-04')).toEqual({ working: true, provisional: false }); // 元旦 make-up Sunday
    expect(isWorkingDay('2026-01-02')).toEqual({ working: false, provisional: false }); // 元旦 off, a Friday
    expect(isWorkingDay('2026-02-16')).toEqual({ working: false, provisional: false }); // 春节 Monday
    expect(isWorkingDay('2026-03-07')).toEqual({ working: false, provisional: false }); // ordinary Saturday
    expect(isWorkingDay('2026-03-09')).toEqual({ working: true, provisional: false }); // ordinary Monday
  });

  it('judges dates outside the published range by weekends only, provisionally', () => {
    expect(isWorkingDay('2027-01-01')).toEqual({ working: true, provisional: true }); // a Friday; 2027 not published
    expect(isWorkingDay('2027-01-02')).toEqual({ working: false, provisional: true });
    expect(isWorkingDay('2023-12-29')).toEqual({ working: true, provisional: true });
  });
});

describe('calendar: one file per year (calendar/<year>.json), the check for adding a year', () => {
  it('has contiguous years, each naming its notice, issued before the year starts', () => {
    const years = CALENDAR_YEARS.map((y) => y.year);
    expect(years[0]).toBeLessThanOrEqual(2024);
    years.forEach((y, i) => i > 0 && expect(y).toBe(years[i - 1]! + 1));
    for (const y of CALENDAR_YEARS) {
      expect(y.notice.title).toBe(`国务院办公厅关于${y.year}年部分节假日安排的通知`);
      if (y.notice.number !== null) expect(y.notice.number).toMatch(/^国办发明电〔\d{4}〕\d+号$/);
      expect(isValidIsoDate(y.notice.issuedOn)).toBe(true);
      expect(y.notice.issuedOn < `${y.year}-01-01`).toBe(true);
      expect(y.holidays.length).toBeGreaterThanOrEqual(6);
    }
  });

  it('keeps every day of a year file inside that year, days off never on make-up days', () => {
    for (const y of CALENDAR_YEARS) {
      for (const h of y.holidays) {
        const days = [...h.daysOff, ...h.makeUpWorkingDays];
        for (const d of days) {
          expect(isValidIsoDate(d)).toBe(true);
          expect(d.startsWith(`${y.year}-`)).toBe(true);
        }
        for (const d of h.makeUpWorkingDays) expect(d < h.daysOff[0] || d > h.daysOff[1]).toBe(true);
      }
    }
  });

  it('reads a folder with a new year added the same way', () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'calendar-'));
    writeFileSync(
      path.join(dir, '2030.json'),
      JSON.stringify({ year: 2030, notice: { title: 't', number: null, issuedOn: '2029-11-01' }, holidays: [] }),
    );
    writeFileSync(path.join(dir, 'README.txt'), 'not a year');
    expect(loadCalendarYears(dir).map((y) => y.year)).toEqual([2030]);
  });

  it('2024: 国办发明电〔2023〕7号 — 春节 2/10–2/17 off, 2/4 and 2/18 worked; 国庆 make-up 9/29 and 10/12', () => {
    expect(CALENDAR_YEARS.find((y) => y.year === 2024)?.notice).toEqual({
      title: '国务院办公厅关于2024年部分节假日安排的通知',
      number: '国办发明电〔2023〕7号',
      issuedOn: '2023-10-25',
    });
    expect(isWorkingDay('2024-02-04')).toEqual({ working: true, provisional: false });
    expect(isWorkingDay('2024-02-16')).toEqual({ working: false, provisional: false });
    expect(isWorkingDay('2024-02-18')).toEqual({ working: true, provisional: false });
    expect(isWorkingDay('2024-05-11')).toEqual({ working: true, provisional: false });
    expect(isWorkingDay('2024-09-16')).toEqual({ working: false, provisional: false });
    expect(isWorkingDay('2024-10-12')).toEqual({ working: true, provisional: false });
    // Accepted Fri 2024-02-02: 2/4 (Sun, worked), 2/5–2/9 (除夕 2/9 is a working day), then 2/18 (Sun, worked).
    expect(addWorkingDays('2024-02-02', 7)).toEqual({ date: '2024-02-18', workingDays: 7, provisional: false });
  });

  it('names the notice of every year a count touches, and marks unpublished years', () => {
    expect(calendarSources('2024-12-20', '2025-01-10').map((s) => [s.year, s.notice?.number, s.provisional])).toEqual([
      [2024, '国办发明电〔2023〕7号', false],
      [2025, '国办发明电〔2024〕12号', false],
    ]);
    const last = CALENDAR_YEARS.at(-1)!.year;
    expect(calendarSources(`${last}-12-20`, `${last + 1}-01-10`).at(-1)).toEqual({
      year: last + 1,
      provisional: true,
      notice: null,
    });
  });
});

describe('calendar: addWorkingDays', () => {
  it('POLICY example: accepted Thu 2026-02-12, 15 working days → 2026-03-11', () => {
    // 2/13, 2/14 (make-up Sat), 2/24–2/27, 2/28 (make-up Sat), 3/2–3/6, 3/9–3/11.
    expect(addWorkingDays('2026-02-12', 15)).toEqual({ date: '2026-03-11', workingDays: 15, provisional: false });
  });

  it('counts from the day after acceptance', () => {
    expect(addWorkingDays('2026-03-09', 1).date).toBe('2026-03-10');
    expect(addWorkingDays('2026-03-13', 1).date).toBe('2026-03-16'); // Fri → Mon
    expect(addWorkingDays('2026-03-14', 1).date).toBe('2026-03-16'); // accepted on a Saturday
    expect(addWorkingDays('2026-03-11', 0)).toEqual({ date: '2026-03-11', workingDays: 0, provisional: false });
  });

  it('handles 2025 春节 with its make-up days', () => {
    expect(addWorkingDays('2025-01-24', 1).date).toBe('2025-01-26'); // Sun make-up day
    expect(addWorkingDays('2025-01-27', 1).date).toBe('2025-02-05'); // 1/28–2/4 off
    expect(addWorkingDays('2025-02-07', 1).date).toBe('2025-02-08'); // Sat make-up day
  });

  it('handles 国庆 2025', () => {
    expect(addWorkingDays('2025-09-26', 1).date).toBe('2025-09-28'); // Sun make-up day
    expect(addWorkingDays('2025-09-30', 1).date).toBe('2025-10-09'); // 10/1–10/8 off
    expect(addWorkingDays('2025-10-10', 1).date).toBe('2025-10-11'); // Sat make-up day
  });

  it('handles 国庆 2026', () => {
    expect(addWorkingDays('2026-09-30', 1).date).toBe('2026-10-08'); // 10/1–10/7 off
    expect(addWorkingDays('2026-10-09', 1).date).toBe('2026-10-10'); // Sat make-up day
    expect(addWorkingDays('2026-09-18', 1).date).toBe('2026-09-20'); // Sun make-up day
  });

  it('handles 2026 元旦 and its make-up day 1/4', () => {
    expect(addWorkingDays('2025-12-31', 1)).toEqual({ date: '2026-01-04', workingDays: 1, provisional: false });
    expect(addWorkingDays('2025-12-31', 2).date).toBe('2026-01-05');
  });

  it('is not provisional when the count ends exactly on 2026-12-31', () => {
    expect(addWorkingDays('2026-12-30', 1)).toEqual({ date: '2026-12-31', workingDays: 1, provisional: false });
  });

  it('is provisional and weekends-only past 2026-12-31', () => {
    // 12/31 Thu, 1/1 Fri (2027 holidays unknown), 1/4 Mon, 1/5 Tue, 1/6 Wed.
    expect(addWorkingDays('2026-12-30', 5)).toEqual({ date: '2027-01-06', workingDays: 5, provisional: true });
  });

  it('is provisional when the count touches dates before the first published year (2024)', () => {
    // 2023-12-29 Fri (unpublished), 2024-01-01 off, 01-02 Tue.
    expect(addWorkingDays('2023-12-28', 2)).toEqual({ date: '2024-01-02', workingDays: 2, provisional: true });
    // Acceptance day itself is never judged, so accepting on 2023-12-31 alone does not make it provisional.
    expect(addWorkingDays('2023-12-31', 1)).toEqual({ date: '2024-01-02', workingDays: 1, provisional: false });
    // 2024 is published now: the same count across new year is exact.
    expect(addWorkingDays('2024-12-27', 3)).toEqual({ date: '2025-01-02', workingDays: 3, provisional: false });
  });

  it('throws RangeError on invalid input', () => {
    expect(() => addWorkingDays('2026-02-30', 1)).toThrow(RangeError);
    expect(() => addWorkingDays('2026/02/12', 1)).toThrow(RangeError);
    expect(() => addWorkingDays('2026-02-12', -1)).toThrow(RangeError);
    expect(() => addWorkingDays('2026-02-12', 1.5)).toThrow(RangeError);
    expect(() => addWorkingDays('2026-02-12', Number.NaN)).toThrow(RangeError);
    expect(() => addDays('2025-02-29', 1)).toThrow(RangeError);
    expect(() => addMonths('2026-1-01', 1)).toThrow(RangeError);
    expect(() => dayOfWeek('not a date')).toThrow(RangeError);
    expect(() => isWorkingDay('2026-02-30')).toThrow(RangeError);
    expect(() => workingDaysBetween('2026-02-12', '2026-02-30')).toThrow(RangeError);
  });
});

describe('calendar: workingDaysBetween', () => {
  it('counts working days in (acceptedOn, until]', () => {
    expect(workingDaysBetween('2026-02-12', '2026-03-11')).toEqual({ workingDays: 15, provisional: false });
    expect(workingDaysBetween('2025-01-27', '2025-02-05')).toEqual({ workingDays: 1, provisional: false });
    expect(workingDaysBetween('2026-12-30', '2027-01-06')).toEqual({ workingDays: 5, provisional: true });
  });

  it('is 0 when until is on or before acceptedOn', () => {
    expect(workingDaysBetween('2026-03-11', '2026-03-11')).toEqual({ workingDays: 0, provisional: false });
    expect(workingDaysBetween('2026-03-11', '2026-02-12')).toEqual({ workingDays: 0, provisional: false });
  });

  it('agrees with addWorkingDays', () => {
    const cases: Array<[string, number]> = [
      ['2026-02-12', 15],
      ['2025-01-24', 10],
      ['2025-09-26', 20],
      ['2026-09-15', 30],
      ['2026-12-01', 40],
    ];
    for (const [acceptedOn, n] of cases) {
      const due = addWorkingDays(acceptedOn, n);
      expect(workingDaysBetween(acceptedOn, due.date)).toEqual({ workingDays: n, provisional: due.provisional });
      // The day before the due date is one working day short.
      expect(workingDaysBetween(acceptedOn, addDays(due.date, -1)).workingDays).toBe(n - 1);
    }
  });
});

describe('calendar: todayInChina', () => {
  it('returns the Asia/Shanghai calendar date for an instant', () => {
    expect(todayInChina(new Date('2026-03-10T17:00:00Z'))).toBe('2026-03-11');
    expect(todayInChina(new Date('2026-03-10T15:59:59Z'))).toBe('2026-03-10');
    expect(todayInChina(new Date('2026-03-10T16:00:00Z'))).toBe('2026-03-11');
    expect(todayInChina(new Date('2026-12-31T16:00:00Z'))).toBe('2027-01-01');
  });

  it('returns a valid ISO date by default', () => {
    expect(isValidIsoDate(todayInChina())).toBe(true);
  });
});
