import { isValidIsoDate } from './calendar';

// 受理号: region code (6) + acceptance date YYYYMMDD (8) + daily sequence (6) + check character,
// e.g. 510400 20260212 000123 7. The region code lets the national subgraph route a number to
// its region with no lookup table; the check character (ISO 7064 MOD 11-2, as in identity
// numbers) turns a mistyped number into "not found" instead of somebody else's application.

const PATTERN = /^(\d{6})(\d{4})(\d{2})(\d{2})(\d{6})([\dX])$/;
const CHECK_CHARS = '10X98765432';
const WEIGHTS = Array.from({ length: 20 }, (_, i) => 2 ** (20 - i) % 11);

function checkChar(body: string): string {
  const sum = [...body].reduce((acc, digit, i) => acc + Number(digit) * WEIGHTS[i]!, 0);
  return CHECK_CHARS[sum % 11]!;
}

export interface AcceptanceNumber {
  regionCode: string;
  acceptedOn: string;
  sequence: number;
}

export function formatAcceptanceNumber(regionCode: string, acceptedOn: string, sequence: number): string {
  if (!/^\d{6}$/.test(regionCode)) throw new RangeError(`region code must be 6 digits: ${regionCode}`);
  if (!isValidIsoDate(acceptedOn)) throw new RangeError(`invalid acceptance date: ${acceptedOn}`);
  if (!Number.isInteger(sequence) || sequence < 1 || sequence > 999_999)
    throw new RangeError(`sequence out of range: ${sequence}`);
  const body = `${regionCode}${acceptedOn.replace(/-/g, '')}${String(sequence).padStart(6, '0')}`;
  return body + checkChar(body);
}

/** The parts of a well-formed number, or null (wrong shape, impossible date, wrong check character). */
export function parseAcceptanceNumber(raw: string): AcceptanceNumber | null {
  const value = raw.trim().toUpperCase();
  const m = PATTERN.exec(value);
  if (!m) return null;
  const [, regionCode, y, mo, d, seq, check] = m;
  const acceptedOn = `${y}-${mo}-${d}`;
  if (!isValidIsoDate(acceptedOn) || checkChar(value.slice(0, 20)) !== check) return null;
  return { regionCode: regionCode!, acceptedOn, sequence: Number(seq) };
}
