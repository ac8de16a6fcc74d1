// Personal identifiers (PII): resident identity numbers (居民身份证号, GB 11643-1999) and mainland
// mobile numbers. Rules of this module:
//   - validation problems never contain the value itself (messages are fixed Chinese strings);
//   - values are stored only as a keyed lookup hash (HMAC-SHA256) plus AES-256-GCM ciphertext;
//   - values are served and logged only in masked form (maskIdNumber / maskPhone / redactPii).
// Only node:crypto is used.

import { createCipheriv, createDecipheriv, createHmac, randomBytes } from 'node:crypto';

export interface IdentityProblem {
  code: string;
  field: string;
  /** Chinese, fixed text: never contains the submitted value. */
  message: string;
}

export const ID_NUMBER_MESSAGES = {
  ID_NUMBER_FORMAT: '身份证号码应为18位，前17位为数字，最后一位为数字或X',
  ID_NUMBER_CHECKSUM: '身份证号码校验位不正确，请核对后重新填写',
  ID_NUMBER_BIRTH_DATE: '身份证号码中的出生日期无效',
  ID_NUMBER_ADDRESS: '身份证号码中的地址码无效',
} as const;

export const PHONE_MESSAGES = {
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
const CHINA_OFFSET_MS = 8 * 3_600_000; // Asia/Shanghai: UTC+8 all year, no DST.

export type IdNumberValidation =
  | { ok: true; idNumber: string; birthDate: string; sex: 'MALE' | 'FEMALE'; addressCode: string }
  | { ok: false; problems: IdentityProblem[] };

export type PhoneValidation = { ok: true; phone: string } | { ok: false; problems: IdentityProblem[] };

/** Trim; upper-case a trailing x. Non-strings become ''. */
export function normaliseIdNumber(raw: string): string {
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

function isLeapYear(year: number): boolean {
  return (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0;
}

function isCalendarDate(year: number, month: number, day: number): boolean {
  if (month < 1 || month > 12 || day < 1) return false;
  const lengths = [31, isLeapYear(year) ? 29 : 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];
  return day <= lengths[month - 1];
}

/** Today's date in China (UTC+8) as YYYY-MM-DD, independent of the host's time zone. */
export function chinaToday(now: number = Date.now()): string {
  return new Date(now + CHINA_OFFSET_MS).toISOString().slice(0, 10);
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
  const reference = today ?? chinaToday();
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

const SEALED_PREFIX = 'v1:';
const IV_BYTES = 12;
const TAG_BYTES = 16;
const KEY_BYTES = 32;
const BASE64URL = /^[A-Za-z0-9_-]+$/;
const BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;

function copyKey(name: string, key: unknown): Buffer {
  if (!Buffer.isBuffer(key) || key.length !== KEY_BYTES) throw new Error(`${name} must be 32 bytes`);
  return Buffer.from(key); // a private copy: later changes to the caller's buffer do not reach us
}

function decodeKey(name: string, b64: string): Buffer {
  const s = typeof b64 === 'string' ? b64.trim() : '';
  if (!BASE64.test(s)) throw new Error(`${name} must be 32 bytes, base64-encoded`);
  return copyKey(name, Buffer.from(s, 'base64'));
}

/**
 * Keyed hash for lookup (unique index) + AES-256-GCM encryption at rest.
 * Keys live in private fields: they do not show in JSON.stringify or util.inspect.
 */
export class PiiVault {
  readonly #hashKey: Buffer;
  readonly #encryptionKey: Buffer;

  constructor(keys: { hashKey: Buffer; encryptionKey: Buffer }) {
    this.#hashKey = copyKey('hashKey', keys?.hashKey);
    this.#encryptionKey = copyKey('encryptionKey', keys?.encryptionKey);
  }

  static fromBase64(hashKeyB64: string, encryptionKeyB64: string): PiiVault {
    return new PiiVault({
      hashKey: decodeKey('hashKey', hashKeyB64),
      encryptionKey: decodeKey('encryptionKey', encryptionKeyB64),
    });
  }

  /** HMAC-SHA256 (hex) of normalisePii(value): equal inputs give equal hashes under one key. */
  lookupHash(value: string): string {
    if (typeof value !== 'string') throw new TypeError('lookupHash needs a string');
    return createHmac('sha256', this.#hashKey).update(normalisePii(value), 'utf8').digest('hex');
  }

  /** "v1:" + base64url(iv(12) | ciphertext | tag(16)), fresh random IV each call. Stores the value as given. */
  encrypt(value: string): string {
    if (typeof value !== 'string') throw new TypeError('encrypt needs a string');
    const iv = randomBytes(IV_BYTES);
    const cipher = createCipheriv('aes-256-gcm', this.#encryptionKey, iv, { authTagLength: TAG_BYTES });
    const ciphertext = Buffer.concat([cipher.update(value, 'utf8'), cipher.final()]);
    return SEALED_PREFIX + Buffer.concat([iv, ciphertext, cipher.getAuthTag()]).toString('base64url');
  }

  /** Throws Error('PII decryption failed') on any tamper, wrong key or wrong format; never echoes the input. */
  decrypt(sealed: string): string {
    const failed = new Error('PII decryption failed');
    if (typeof sealed !== 'string' || !sealed.startsWith(SEALED_PREFIX)) throw failed;
    const body = sealed.slice(SEALED_PREFIX.length);
    if (!BASE64URL.test(body)) throw failed;
    const bytes = Buffer.from(body, 'base64url');
    // Reject non-canonical encodings (e.g. altered padding bits) and anything too short to hold iv + tag.
    if (bytes.toString('base64url') !== body || bytes.length < IV_BYTES + TAG_BYTES) throw failed;
    try {
      const iv = bytes.subarray(0, IV_BYTES);
      const tag = bytes.subarray(bytes.length - TAG_BYTES);
      const decipher = createDecipheriv('aes-256-gcm', this.#encryptionKey, iv, { authTagLength: TAG_BYTES });
      decipher.setAuthTag(tag);
      return Buffer.concat([
        decipher.update(bytes.subarray(IV_BYTES, bytes.length - TAG_BYTES)),
        decipher.final(),
      ]).toString('utf8');
    } catch {
      throw failed;
    }
  }

  toJSON(): Record<string, never> {
    return {};
  }
}

// ID number: 18 chars (17 digits + digit/X), optionally grouped 6-8-4 with single spaces or hyphens.
// Mobile: 11 digits, optionally grouped 3-4-4, optionally after a +86 / 0086 country prefix (kept).
// Neither may be part of a longer digit run (lookbehind / lookahead on \d).
const PII_IN_TEXT =
  /(?<!\d)(?:(\d{6}[- ]?\d{8}[- ]?\d{3}(?:\d(?!\d)|[Xx]))|((?:\+86|0086)[- ]?)?(1[3-9]\d[- ]?\d{4}[- ]?\d{4})(?!\d))/g;

/**
 * Masks every ID-number-looking run and every mainland mobile number that is not inside a longer
 * digit run — for log lines and error messages. Errs towards over-masking.
 */
export function redactPii(text: string): string {
  if (typeof text !== 'string') return text;
  return text.replace(
    PII_IN_TEXT,
    (_m, id: string | undefined, prefix: string | undefined, mobile: string | undefined) =>
      id !== undefined
        ? maskIdNumber(id.replace(/[- ]/g, ''))
        : (prefix ?? '') + maskPhone((mobile ?? '').replace(/[- ]/g, '')),
  );
}
