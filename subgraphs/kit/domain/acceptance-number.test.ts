import { parseAcceptanceNumber } from '../platform/routing';
import { formatAcceptanceNumber } from './acceptance-number';

describe('acceptance numbers', () => {
  it('round-trips region, date and sequence', () => {
    const n = formatAcceptanceNumber('510400', '2026-02-12', 123);
    expect(n).toMatch(/^51040020260212000123[\dX]$/);
    expect(parseAcceptanceNumber(n)).toEqual({ regionCode: '510400', acceptedOn: '2026-02-12', sequence: 123 });
    expect(parseAcceptanceNumber(` ${n.toLowerCase()} `)).not.toBeNull();
  });

  it('rejects a mistyped digit through the check character', () => {
    const n = formatAcceptanceNumber('445300', '2026-03-02', 7);
    for (let i = 0; i < 20; i++) {
      const digit = n[i] === '9' ? '0' : String(Number(n[i]) + 1);
      expect(parseAcceptanceNumber(n.slice(0, i) + digit + n.slice(i + 1))).toBeNull();
    }
  });

  it('rejects wrong shapes and impossible dates', () => {
    for (const raw of ['', 'abc', '5104002026021200012', '510400202602300001237', '5104002026021200012345']) {
      expect(parseAcceptanceNumber(raw)).toBeNull();
    }
  });

  it('refuses to format out-of-range parts', () => {
    expect(() => formatAcceptanceNumber('5104', '2026-02-12', 1)).toThrow(RangeError);
    expect(() => formatAcceptanceNumber('510400', '2026-02-30', 1)).toThrow(RangeError);
    expect(() => formatAcceptanceNumber('510400', '2026-02-12', 0)).toThrow(RangeError);
  });
});
