// Resident identity numbers (居民身份证号, GB 11643-1999) and mainland mobile numbers: validation
// and masking. Validation problems never contain the value itself (messages are fixed Chinese
// strings); values are served and logged only masked (maskIdNumber / maskPhone).

import { isLeapYear, todayInChina } from '../clock';

export interface IdentityProblem {
  code: string;
  field: string;
  /** Chinese, fixed text: never contains the submitted value. */
  message: string;
}

const ID_NUMBER_MESSAGES = {
  ID_NUMBER_FORMAT: '身份证号码应为18位，前17位为数字，最后一位为数字或X',
  ID_NUMBER_CHECKSUM: '身份证号码校验位不正确，请核对后重新填写',
  ID_NUMBER_BIRTH_DATE: '身份证号码中的出生日期无效',
  ID_NUMBER_ADDRESS: '身份证号码中的地址码无效',
} as const;

const PHONE_MESSAGES = {
  PHONE_FORMAT: '手机号码应为11位中国大陆手机号',
} as const;

/** Province-level address codes (first two digits of the 6-digit address code). */
export const PROVINCE_CODES: Readonly<Record<string, string>> = Object.freeze({
  '11': '北京市',
  '12': '天津市',
  '13': '河北省',
  '14': '山西省',
  '15': '内蒙古自治区',
  '21': '辽宁省',
  '22': '吉林省',
  '23': '黑龙江省',
  '31': '上海市',
  '32': '江苏省',
  '33': '浙江省',
  '34': '安徽省',
  '35': '福建省',
  '36': '江西省',
  '37': '山东省',
  '41': '河南省',
  '42': '湖北省',
  '43': '湖南省',
  '44': '广东省',
  '45': '广西壮族自治区',
  '46': '海南省',
  '50': '重庆市',
  '51': '四川省',
  '52': '贵州省',
  '53': '云南省',
  '54': '西藏自治区',
  '61': '陕西省',
  '62': '甘肃省',
  '63': '青海省',
  '64': '宁夏回族自治区',
  '65': '新疆维吾尔自治区',
  '71': '台湾省',
  '81': '香港特别行政区',
  '82': '澳门特别行政区',
});

const ID_WEIGHTS = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2];
const ID_CHECK_CHARS = '10X98765432';
const ID_FORMAT = /^\d{17}[\dX]$/;
const MOBILE_FORMAT = /^1[3-9]\d{9}$/;
const ISO_DATE = /^(\d{4})-(\d{2})-(\d{2})$/;
const EARLIEST_BIRTH_DATE = '1900-01-01';

export type IdNumberValidation =
  | { ok: true; idNumber: string; birthDate: string; sex: 'MALE' | 'FEMALE'; addressCode: string }
  | { ok: false; problems: IdentityProblem[] };

export type PhoneValidation = { ok: true; phone: string } | { ok: false; problems: IdentityProblem[] };

/** Trim; upper-case a trailing x. Non-strings become ''. */
function normaliseIdNumber(raw: string): string {
  if (typeof raw !== 'string') return '';
  const s = raw.trim();
  return s.endsWith('x') ? `${s.slice(0, -1)}X` : s;
}

/** The GB 11643-1999 check character for the first 17 digits (which must be digits). */
export function idNumberCheckChar(first17: string): string {
  if (!/^\d{17}$/.test(first17)) throw new RangeError('idNumberCheckChar needs exactly 17 digits');
  let sum = 0;
  for (let i = 0; i < 17; i++) sum += Number(first17[i]) * ID_WEIGHTS[i];
  return ID_CHECK_CHARS[sum % 11];
}

function isCalendarDate(year: number, month: number, day: number): boolean {
  if (month < 1 || month > 12 || day < 1) return false;
  const lengths = [31, isLeapYear(year) ? 29 : 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];
  return day <= lengths[month - 1];
}

function problem(code: keyof typeof ID_NUMBER_MESSAGES, field: string): IdentityProblem {
  return { code, field, message: ID_NUMBER_MESSAGES[code] };
}

/**
 * GB 11643-1999: 6-digit address code, 8-digit birth date YYYYMMDD, 3-digit order (odd = male),
 * check character. Reports every problem found: a format problem stops further checks; otherwise
 * checksum, birth date and address code are checked independently.
 * @param today YYYY-MM-DD; default: today in China (UTC+8). Birth dates after it are rejected.
 */
export function validateIdNumber(raw: string, field = 'idNumber', today?: string): IdNumberValidation {
  const reference = today ?? todayInChina();
  const t = ISO_DATE.exec(reference);
  if (!t || !isCalendarDate(Number(t[1]), Number(t[2]), Number(t[3]))) {
    throw new RangeError('validateIdNumber: today must be a YYYY-MM-DD calendar date');
  }

  const idNumber = normaliseIdNumber(raw);
  if (!ID_FORMAT.test(idNumber)) return { ok: false, problems: [problem('ID_NUMBER_FORMAT', field)] };

  const problems: IdentityProblem[] = [];

  if (idNumberCheckChar(idNumber.slice(0, 17)) !== idNumber[17]) {
    problems.push(problem('ID_NUMBER_CHECKSUM', field));
  }

  const year = Number(idNumber.slice(6, 10));
  const month = Number(idNumber.slice(10, 12));
  const day = Number(idNumber.slice(12, 14));
  const birthDate = `${idNumber.slice(6, 10)}-${idNumber.slice(10, 12)}-${idNumber.slice(12, 14)}`;
  // ISO dates of equal length compare correctly as strings.
  if (!isCalendarDate(year, month, day) || birthDate < EARLIEST_BIRTH_DATE || birthDate > reference) {
    problems.push(problem('ID_NUMBER_BIRTH_DATE', field));
  }

  if (!Object.prototype.hasOwnProperty.call(PROVINCE_CODES, idNumber.slice(0, 2))) {
    problems.push(problem('ID_NUMBER_ADDRESS', field));
  }

  if (problems.length > 0) return { ok: false, problems };
  return {
    ok: true,
    idNumber,
    birthDate,
    sex: Number(idNumber.slice(14, 17)) % 2 === 1 ? 'MALE' : 'FEMALE',
    addressCode: idNumber.slice(0, 6),
  };
}

/** Mainland mobile number: trimmed, ^1[3-9]\d{9}$. */
export function validatePhone(raw: string, field = 'phone'): PhoneValidation {
  const phone = typeof raw === 'string' ? raw.trim() : '';
  if (MOBILE_FORMAT.test(phone)) return { ok: true, phone };
  return { ok: false, problems: [{ code: 'PHONE_FORMAT', field, message: PHONE_MESSAGES.PHONE_FORMAT }] };
}

/** Keep `start` leading and `end` trailing chars; if that would hide fewer than 3 chars, hide all. */
function maskMiddle(s: string, start: number, end: number, stars = s.length - start - end): string {
  if (s.length - start - end < 3) return '*'.repeat(s.length);
  return s.slice(0, start) + '*'.repeat(stars) + s.slice(s.length - end);
}

/**
 * "510402********1234": first 6, 8 stars, last 4 of the normalised number. Anything that is not
 * 18 characters keeps only its first 3 and last 2 (all stars if shorter than 8): never echoed whole.
 */
export function maskIdNumber(idNumber: string): string {
  const s = normaliseIdNumber(idNumber);
  return s.length === 18 ? maskMiddle(s, 6, 4, 8) : maskMiddle(s, 3, 2);
}

/** "138****5678" for 11 characters; otherwise first 3 and last 2 kept (all stars if shorter than 8). */
export function maskPhone(phone: string): string {
  const s = typeof phone === 'string' ? phone.trim() : '';
  return s.length === 11 ? maskMiddle(s, 3, 4) : maskMiddle(s, 3, 2);
}

/** The form lookupHash hashes: trimmed, upper-cased (so a trailing x of an ID number equals X). */
export function normalisePii(value: string): string {
  return value.trim().toUpperCase();
}
