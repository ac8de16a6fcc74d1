// Money: integer fen (分) in storage and computation; `Money` strings ("7820.00", yuan with exactly
// two decimal places) at the API boundary. No floating point ever touches an amount.

const MONEY_PATTERN = /^(\d{1,12})(?:\.(\d{1,2}))?$/;

/** Thrown by parseMoney for anything that is not a plain non-negative yuan amount. */
export class MoneyFormatError extends Error {
  readonly code = 'INVALID_MONEY';

  constructor(readonly input: string) {
    super(`金额格式不正确："${input}"。请填写以元为单位、最多两位小数的非负金额，如 "7820.00"`);
    this.name = 'MoneyFormatError';
  }
}

/** 782000 → "7820.00"; -5 → "-0.05". Numbers must be safe integers (fen). */
export function formatFen(fen: number | bigint): string {
  if (typeof fen === 'number' && !Number.isSafeInteger(fen)) {
    throw new RangeError(`formatFen: ${fen} is not a whole number of fen`);
  }
  const value = BigInt(fen);
  const negative = value < 0n;
  const abs = negative ? -value : value;
  const yuan = abs / 100n;
  const cents = (abs % 100n).toString().padStart(2, '0');
  return `${negative ? '-' : ''}${yuan.toString()}.${cents}`;
}

/**
 * "7820.00" / "7820" / "7820.5" → fen. Accepts only `^\d{1,12}(\.\d{1,2})?$`: no sign, exponent,
 * spaces or thousands separators. The digits are read as integers, never via parseFloat × 100.
 */
export function parseMoney(input: string): number {
  const match = typeof input === 'string' ? MONEY_PATTERN.exec(input) : null;
  if (!match) throw new MoneyFormatError(String(input));
  const yuan = Number(match[1]); // ≤ 12 digits: exact
  const cents = Number((match[2] ?? '').padEnd(2, '0'));
  return yuan * 100 + cents; // ≤ 99 999 999 999 999 < 2^53: exact
}

/**
 * fen × basisPoints / 10000, rounded half-up to the fen (half away from zero for negative fen).
 * Computed with BigInt: fen up to 1e14 × 10000 exceeds the exact range of doubles.
 */
export function applyRate(fen: number, basisPoints: number): number {
  if (!Number.isSafeInteger(fen)) throw new RangeError(`applyRate: ${fen} is not a whole number of fen`);
  if (!Number.isSafeInteger(basisPoints) || basisPoints < 0) {
    throw new RangeError(`applyRate: ${basisPoints} is not a non-negative whole number of basis points`);
  }
  const product = BigInt(fen) * BigInt(basisPoints);
  const negative = product < 0n;
  const abs = negative ? -product : product;
  const rounded = (abs + 5000n) / 10000n;
  return Number(negative ? -rounded : rounded);
}
