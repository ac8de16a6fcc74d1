import { applyRate, formatFen, MoneyFormatError, parseMoney } from './money';

describe('formatFen', () => {
  it.each<[number | bigint, string]>([
    [782000, '7820.00'],
    [0, '0.00'],
    [5, '0.05'],
    [10, '0.10'],
    [99, '0.99'],
    [100, '1.00'],
    [782050, '7820.50'],
    [-5, '-0.05'],
    [-782000, '-7820.00'],
    // 12-digit yuan amount, the largest parseMoney accepts.
    [99999999999999, '999999999999.99'],
    // bigint beyond the safe-integer range: 1234567890123456.78 yuan.
    [123456789012345678n, '1234567890123456.78'],
    [-1n, '-0.01'],
  ])('formatFen(%p) = %p', (fen, expected) => {
    expect(formatFen(fen)).toBe(expected);
  });

  it('rejects non-integer or unsafe numbers', () => {
    expect(() => formatFen(1.5)).toThrow(RangeError);
    expect(() => formatFen(Number.NaN)).toThrow(RangeError);
    expect(() => formatFen(2 ** 53)).toThrow(RangeError);
  });
});

describe('parseMoney', () => {
  it.each<[string, number]>([
    ['7820.00', 782000],
    ['7820', 782000],
    ['7820.5', 782050], // one decimal = tenths of a yuan (5 jiao = 50 fen)
    ['7820.05', 782005],
    ['0.10', 10],
    ['0.1', 10],
    ['0.01', 1],
    ['0', 0],
    ['0.00', 0],
    ['007.50', 750], // leading zeros are digits, allowed by the pattern
    // parseFloat × 100 would give 28.999999999999996 and 114.99999999999999 here:
    ['0.29', 29],
    ['1.15', 115],
    ['4.35', 435],
    // 12 integer digits.
    ['123456789012.34', 12345678901234],
    ['999999999999.99', 99999999999999],
  ])('parseMoney(%p) = %p fen', (input, fen) => {
    expect(parseMoney(input)).toBe(fen);
  });

  it('round-trips with formatFen', () => {
    for (const s of ['0.00', '0.01', '0.29', '1.15', '7820.00', '999999999999.99']) {
      expect(formatFen(parseMoney(s))).toBe(s);
    }
  });

  it.each([
    '-5',
    '+5',
    '1.234',
    '1e3',
    '1E3',
    '',
    ' 5',
    '5 ',
    '1,000',
    '1.',
    '.5',
    '1..5',
    'abc',
    'NaN',
    'Infinity',
    '0x10',
    '５', // full-width digit
    '1000000000000', // 13 integer digits
    '¥5',
    '5元',
  ])('rejects %p with MoneyFormatError', (input) => {
    let caught: unknown;
    try {
      parseMoney(input);
    } catch (e) {
      caught = e;
    }
    expect(caught).toBeInstanceOf(MoneyFormatError);
    expect(caught).toBeInstanceOf(Error);
    const err = caught as MoneyFormatError;
    expect(err.code).toBe('INVALID_MONEY');
    expect(err.message).toContain(`"${input}"`);
    expect(err.message).toMatch(/金额格式不正确/);
  });

  it('gives the documented Chinese message', () => {
    expect(() => parseMoney('abc')).toThrow(
      '金额格式不正确："abc"。请填写以元为单位、最多两位小数的非负金额，如 "7820.00"',
    );
  });

  it('rejects non-string input at runtime', () => {
    expect(() => parseMoney(5 as unknown as string)).toThrow(MoneyFormatError);
    expect(() => parseMoney(null as unknown as string)).toThrow(MoneyFormatError);
  });
});

describe('applyRate', () => {
  it.each<[number, number, number]>([
    // 722000 × 0.85 = 613700 exactly.
    [722000, 8500, 613700],
    // 10 × 0.85 = 8.5 → half-up → 9.
    [10, 8500, 9],
    // 1 × 0.5 = 0.5 → 1.
    [1, 5000, 1],
    // 3 × 0.5 = 1.5 → 2.
    [3, 5000, 2],
    // 1 × 0.4999 = 0.4999 → 0.
    [1, 4999, 0],
    // 1 × 0.5001 = 0.5001 → 1.
    [1, 5001, 1],
    // 10 × 0.535 = 5.35 → 5.
    [10, 5350, 5],
    // 100 × 0.535 = 53.5 → 54.
    [100, 5350, 54],
    // 30 × 0.535 = 16.05 → 16.
    [30, 5350, 16],
    [0, 8500, 0],
    [782000, 10000, 782000],
    [782000, 0, 0],
    // 99999999999999 × 8500 = 849999999999991500; / 10000 = 84999999999999.15 → 84999999999999.
    [99999999999999, 8500, 84999999999999],
    // 99999999999999 × 5000 = 499999999999995000; / 10000 = 49999999999999.5 → 50000000000000.
    [99999999999999, 5000, 50000000000000],
    // 99999999999999 × 5350 = 534999999999994650; / 10000 = 53499999999999.465 → 53499999999999.
    [99999999999999, 5350, 53499999999999],
    // 99999999999999 × 6800 = 679999999999993200; / 10000 = 67999999999999.32 → 67999999999999.
    [99999999999999, 6800, 67999999999999],
  ])('applyRate(%p, %p) = %p', (fen, bp, expected) => {
    expect(applyRate(fen, bp)).toBe(expected);
  });

  it('rounds negative halves away from zero', () => {
    // -3 × 0.5 = -1.5 → -2; -1 × 0.4999 → 0.
    expect(applyRate(-3, 5000)).toBe(-2);
    expect(applyRate(-1, 4999) === 0).toBe(true);
  });

  it('rejects non-integer inputs', () => {
    expect(() => applyRate(1.5, 8500)).toThrow(RangeError);
    expect(() => applyRate(100, 85.5)).toThrow(RangeError);
    expect(() => applyRate(100, -1)).toThrow(RangeError);
    expect(() => applyRate(Number.NaN, 8500)).toThrow(RangeError);
  });
});
