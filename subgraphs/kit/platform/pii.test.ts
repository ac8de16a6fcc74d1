import { createHmac, randomBytes } from 'node:crypto';
import { inspect } from 'node:util';

import { todayInChina } from './clock';
import {
  type IdentityProblem,
  idNumberCheckChar,
  maskIdNumber,
  maskPhone,
  PiiVault,
  PROVINCE_CODES,
  redactPii,
  validateIdNumber,
  validatePhone,
} from './pii';

/**
 * Independent check character: ISO 7064 MOD 11-2 as written in the standard — weight of the
 * i-th digit is 2^(17-i) mod 11, check value (12 - sum mod 11) mod 11, 10 written as X.
 * Deliberately shares neither the weight table nor the "10X98765432" lookup of the implementation.
 */
function referenceCheckChar(first17: string): string {
  let sum = 0;
  for (let i = 0; i < 17; i++) {
    let weight = 1;
    for (let k = 0; k < 17 - i; k++) weight = (weight * 2) % 11;
    sum += Number(first17[i]) * weight;
  }
  const value = (12 - (sum % 11)) % 11;
  return value === 10 ? 'X' : String(value);
}

/** A syntactically complete number with the right check character. */
function withCheck(first17: string): string {
  if (!/^\d{17}$/.test(first17)) throw new Error('test data: need 17 digits');
  return first17 + referenceCheckChar(first17);
}

/** Same 17 digits, a check character that is certainly wrong. */
function withWrongCheck(first17: string): string {
  const right = referenceCheckChar(first17);
  return first17 + (right === '0' ? '1' : '0');
}

const TODAY = '2025-06-15';

function codes(result: ReturnType<typeof validateIdNumber>): string[] {
  return result.ok ? [] : result.problems.map((p) => p.code);
}

function expectNoDigitsLeak(problems: IdentityProblem[], raw: string): void {
  for (const p of problems) {
    expect(p.message).not.toMatch(/\d{4}/);
    if (raw.trim().length > 0) expect(p.message).not.toContain(raw.trim());
  }
  if (raw.trim().length >= 4) expect(JSON.stringify(problems)).not.toContain(raw.trim());
}

describe('reference check character (test helper)', () => {
  it('agrees with the two published examples', () => {
    expect(referenceCheckChar('11010519491231002')).toBe('X');
    expect(referenceCheckChar('36042619910101007')).toBe('1');
  });

  it('agrees with the implementation on many random inputs', () => {
    for (let n = 0; n < 500; n++) {
      const digits = Array.from(randomBytes(17), (b) => String(b % 10)).join('');
      expect(idNumberCheckChar(digits)).toBe(referenceCheckChar(digits));
    }
  });
});

describe('validateIdNumber', () => {
  it.each([
    ['11010519491231002X', '1949-12-31', 'FEMALE', '110105'],
    ['360426199101010071', '1991-01-01', 'MALE', '360426'],
  ] as const)('accepts %s', (raw, birthDate, sex, addressCode) => {
    expect(validateIdNumber(raw, 'idNumber', TODAY)).toEqual({ ok: true, idNumber: raw, birthDate, sex, addressCode });
  });

  it('trims and accepts a lower-case x, returning the normalised number', () => {
    expect(validateIdNumber('  11010519491231002x \t', 'idNumber', TODAY)).toMatchObject({
      ok: true,
      idNumber: '11010519491231002X',
    });
  });

  it('reads sex from the parity of the order code', () => {
    const male = validateIdNumber(withCheck('44030420000229123'), 'idNumber', TODAY);
    const female = validateIdNumber(withCheck('44030420000229124'), 'idNumber', TODAY);
    expect(male).toMatchObject({ ok: true, sex: 'MALE', birthDate: '2000-02-29', addressCode: '440304' });
    expect(female).toMatchObject({ ok: true, sex: 'FEMALE' });
  });

  it.each([
    [''],
    ['   '],
    ['11010519491231002'], // 17 chars
    ['11010519491231002X1'], // 19 chars
    ['1101051949123100XX'], // X not only at the end
    ['X10105194912310021'],
    ['11010519491231002Y'],
    ['110105-19491231-002X'],
    ['１１０１０５１９４９１２３１００２Ｘ'], // full-width digits
  ])('ID_NUMBER_FORMAT for %p, and nothing else', (raw) => {
    const result = validateIdNumber(raw, 'idNumber', TODAY);
    expect(result).toEqual({
      ok: false,
      problems: [
        { code: 'ID_NUMBER_FORMAT', field: 'idNumber', message: '身份证号码应为18位，前17位为数字，最后一位为数字或X' },
      ],
    });
    if (!result.ok) expectNoDigitsLeak(result.problems, raw);
  });

  it('ID_NUMBER_FORMAT for non-strings arriving at run time', () => {
    for (const raw of [null, undefined, 11010519491231, {}]) {
      expect(codes(validateIdNumber(raw as unknown as string, 'idNumber', TODAY))).toEqual(['ID_NUMBER_FORMAT']);
    }
  });

  it('a format problem stops further checks', () => {
    // 17 digits with a bad address and a future birth date: only the format is reported.
    expect(codes(validateIdNumber('99123420300101001', 'idNumber', TODAY))).toEqual(['ID_NUMBER_FORMAT']);
  });

  it('ID_NUMBER_CHECKSUM', () => {
    for (const raw of ['110105194912310020', '360426199101010072', withWrongCheck('44030420000229123')]) {
      const result = validateIdNumber(raw, 'idNumber', TODAY);
      expect(result).toEqual({
        ok: false,
        problems: [
          { code: 'ID_NUMBER_CHECKSUM', field: 'idNumber', message: '身份证号码校验位不正确，请核对后重新填写' },
        ],
      });
      if (!result.ok) expectNoDigitsLeak(result.problems, raw);
    }
  });

  it.each([
    ['19000229', 'not a leap year (century)'],
    ['20230229', 'not a leap year'],
    ['20240431', 'April has 30 days'],
    ['20241301', 'month 13'],
    ['20240001', 'month 00'],
    ['20240100', 'day 00'],
    ['18991231', 'before 1900-01-01'],
    ['00000000', 'all zeros'],
    ['20250616', 'the day after today'],
    ['20300101', 'future'],
  ])('ID_NUMBER_BIRTH_DATE for %s (%s)', (yyyymmdd) => {
    const raw = withCheck(`440304${yyyymmdd}123`);
    const result = validateIdNumber(raw, 'idNumber', TODAY);
    expect(result).toEqual({
      ok: false,
      problems: [{ code: 'ID_NUMBER_BIRTH_DATE', field: 'idNumber', message: '身份证号码中的出生日期无效' }],
    });
    if (!result.ok) expectNoDigitsLeak(result.problems, raw);
  });

  it.each([['19000101'], ['20240229'], ['20250615']])('accepts the boundary birth date %s', (yyyymmdd) => {
    expect(validateIdNumber(withCheck(`440304${yyyymmdd}123`), 'idNumber', TODAY).ok).toBe(true);
  });

  it('the future rule follows `today`', () => {
    const raw = withCheck('44030420250616123');
    expect(validateIdNumber(raw, 'idNumber', '2025-06-15').ok).toBe(false);
    expect(validateIdNumber(raw, 'idNumber', '2025-06-16').ok).toBe(true);
  });

  it('defaults `today` to the current date in China', () => {
    expect(codes(validateIdNumber(withCheck('44030429990101123')))).toEqual(['ID_NUMBER_BIRTH_DATE']);
    expect(validateIdNumber(withCheck('44030419900101123')).ok).toBe(true);
    expect(todayInChina(new Date(Date.UTC(2025, 0, 1, 15, 59, 59)))).toBe('2025-01-01');
    expect(todayInChina(new Date(Date.UTC(2025, 0, 1, 16, 0, 0)))).toBe('2025-01-02');
  });

  it('rejects a malformed `today` as a programming error', () => {
    expect(() => validateIdNumber('11010519491231002X', 'idNumber', '2025-02-30')).toThrow(RangeError);
    expect(() => validateIdNumber('11010519491231002X', 'idNumber', '20250615')).toThrow(RangeError);
  });

  it.each([
    ['00'],
    ['10'],
    ['16'],
    ['20'],
    ['24'],
    ['30'],
    ['38'],
    ['47'],
    ['55'],
    ['60'],
    ['66'],
    ['72'],
    ['83'],
    ['91'],
    ['99'],
  ])('ID_NUMBER_ADDRESS for province code %s', (province) => {
    const raw = withCheck(`${province}010519491231002`);
    const result = validateIdNumber(raw, 'idNumber', TODAY);
    expect(result).toEqual({
      ok: false,
      problems: [{ code: 'ID_NUMBER_ADDRESS', field: 'idNumber', message: '身份证号码中的地址码无效' }],
    });
    if (!result.ok) expectNoDigitsLeak(result.problems, raw);
  });

  it('accepts every province code in PROVINCE_CODES, and only the listed ones', () => {
    const expected = [
      ...[11, 12, 13, 14, 15, 21, 22, 23, 31, 32, 33, 34, 35, 36, 37],
      ...[41, 42, 43, 44, 45, 46, 50, 51, 52, 53, 54, 61, 62, 63, 64, 65, 71, 81, 82],
    ].map(String);
    expect(Object.keys(PROVINCE_CODES).sort()).toEqual(expected);
    expect(PROVINCE_CODES['11']).toBe('北京市');
    expect(PROVINCE_CODES['36']).toBe('江西省');
    for (const province of expected) {
      expect(validateIdNumber(withCheck(`${province}010519491231002`), 'idNumber', TODAY).ok).toBe(true);
    }
    for (let n = 0; n < 100; n++) {
      const province = String(n).padStart(2, '0');
      if (expected.includes(province)) continue;
      expect(codes(validateIdNumber(withCheck(`${province}010519491231002`), 'idNumber', TODAY))).toEqual([
        'ID_NUMBER_ADDRESS',
      ]);
    }
  });

  it('reports checksum, birth date and address problems together, in that order', () => {
    const raw = withWrongCheck('99123420300101001'); // bad province, future birth date, wrong check char
    const result = validateIdNumber(raw, 'insured.idNumber', TODAY);
    expect(result).toEqual({
      ok: false,
      problems: [
        { code: 'ID_NUMBER_CHECKSUM', field: 'insured.idNumber', message: '身份证号码校验位不正确，请核对后重新填写' },
        { code: 'ID_NUMBER_BIRTH_DATE', field: 'insured.idNumber', message: '身份证号码中的出生日期无效' },
        { code: 'ID_NUMBER_ADDRESS', field: 'insured.idNumber', message: '身份证号码中的地址码无效' },
      ],
    });
    if (!result.ok) expectNoDigitsLeak(result.problems, raw);
  });

  it('reports two problems when only two are present', () => {
    expect(codes(validateIdNumber(withCheck('99123420300101001'), 'idNumber', TODAY))).toEqual([
      'ID_NUMBER_BIRTH_DATE',
      'ID_NUMBER_ADDRESS',
    ]);
    expect(codes(validateIdNumber(withWrongCheck('11010518990101001'), 'idNumber', TODAY))).toEqual([
      'ID_NUMBER_CHECKSUM',
      'ID_NUMBER_BIRTH_DATE',
    ]);
  });
});

describe('validatePhone', () => {
  it.each([['13812345678'], ['19900001111'], ['  15012345678 ']])('accepts %p', (raw) => {
    expect(validatePhone(raw)).toEqual({ ok: true, phone: raw.trim() });
  });

  it.each([
    [''],
    ['12812345678'],
    ['10012345678'],
    ['1381234567'],
    ['138123456789'],
    ['+8613812345678'],
    ['138 1234 5678'],
    ['1381234567a'],
  ])('PHONE_FORMAT for %p', (raw) => {
    const result = validatePhone(raw, 'contact.phone');
    expect(result).toEqual({
      ok: false,
      problems: [{ code: 'PHONE_FORMAT', field: 'contact.phone', message: '手机号码应为11位中国大陆手机号' }],
    });
    if (!result.ok) expectNoDigitsLeak(result.problems, raw);
  });

  it('defaults the field name and survives non-strings', () => {
    expect(validatePhone(null as unknown as string)).toMatchObject({ ok: false, problems: [{ field: 'phone' }] });
  });
});

describe('masking', () => {
  it('maskIdNumber keeps the first 6 and last 4 around 8 stars', () => {
    expect(maskIdNumber('510402199001011234')).toBe('510402********1234');
    expect(maskIdNumber('11010519491231002X')).toBe('110105********002X');
    expect(maskIdNumber(' 11010519491231002x ')).toBe('110105********002X');
  });

  it('maskIdNumber never echoes a value of another length', () => {
    expect(maskIdNumber('110105194912310')).toBe('110**********10');
    expect(maskIdNumber('1234567')).toBe('*******');
    expect(maskIdNumber('')).toBe('');
  });

  it('maskPhone', () => {
    expect(maskPhone('13812345678')).toBe('138****5678');
    expect(maskPhone(' 13812345678 ')).toBe('138****5678');
    expect(maskPhone('02112345678')).toBe('021****5678');
    expect(maskPhone('075512345678')).toBe('075*******78');
    expect(maskPhone('12345678')).toBe('123***78');
    expect(maskPhone('1234567')).toBe('*******');
    expect(maskPhone('')).toBe('');
  });
});

describe('PiiVault', () => {
  const hashKey = Buffer.alloc(32, 0x11);
  const encryptionKey = Buffer.alloc(32, 0x22);
  const vault = new PiiVault({ hashKey, encryptionKey });
  const id = '11010519491231002X';

  function flipByte(sealed: string, index: number): string {
    const bytes = Buffer.from(sealed.slice(3), 'base64url');
    bytes[index < 0 ? bytes.length + index : index] ^= 0x01;
    return `v1:${bytes.toString('base64url')}`;
  }

  function decryptError(v: PiiVault, sealed: unknown): Error {
    try {
      v.decrypt(sealed as string);
    } catch (e) {
      return e as Error;
    }
    throw new Error('expected decrypt to throw');
  }

  it('round-trips, including non-ASCII and empty values', () => {
    for (const value of [id, '13812345678', '张三 11010519491231002X', '']) {
      expect(vault.decrypt(vault.encrypt(value))).toBe(value);
    }
  });

  it('seals as v1: + base64url(iv 12 | ciphertext | tag 16), never containing the plaintext', () => {
    const sealed = vault.encrypt(id);
    expect(sealed).toMatch(/^v1:[A-Za-z0-9_-]+$/);
    expect(Buffer.from(sealed.slice(3), 'base64url')).toHaveLength(12 + Buffer.byteLength(id) + 16);
    expect(sealed).not.toContain(id);
    expect(sealed).not.toContain('110105');
  });

  it('uses a fresh IV each call', () => {
    const a = vault.encrypt(id);
    const b = vault.encrypt(id);
    expect(a).not.toBe(b);
    expect(Buffer.from(a.slice(3), 'base64url').subarray(0, 12)).not.toEqual(
      Buffer.from(b.slice(3), 'base64url').subarray(0, 12),
    );
    expect(vault.decrypt(a)).toBe(id);
    expect(vault.decrypt(b)).toBe(id);
  });

  it('lookupHash: HMAC-SHA256 hex of the normalised value, stable per key', () => {
    const h = vault.lookupHash(id);
    expect(h).toMatch(/^[0-9a-f]{64}$/);
    expect(h).toBe(createHmac('sha256', hashKey).update(id).digest('hex'));
    expect(vault.lookupHash(id)).toBe(h);
    expect(new PiiVault({ hashKey, encryptionKey: Buffer.alloc(32, 0x33) }).lookupHash(id)).toBe(h);
    expect(vault.lookupHash(' 11010519491231002x ')).toBe(h);
    expect(vault.lookupHash('360426199101010071')).not.toBe(h);
    expect(new PiiVault({ hashKey: Buffer.alloc(32, 0x12), encryptionKey }).lookupHash(id)).not.toBe(h);
  });

  it('detects tampering anywhere: IV, ciphertext, tag, truncation', () => {
    const sealed = vault.encrypt(id);
    const length = Buffer.from(sealed.slice(3), 'base64url').length;
    for (const index of [0, 11, 12, 12 + 5, length - 16, length - 1]) {
      const err = decryptError(vault, flipByte(sealed, index));
      expect(err.message).toBe('PII decryption failed');
    }
    const truncated = `v1:${Buffer.from(sealed.slice(3), 'base64url')
      .subarray(0, length - 1)
      .toString('base64url')}`;
    expect(decryptError(vault, truncated).message).toBe('PII decryption failed');
  });

  it('fails with the wrong encryption key', () => {
    const other = new PiiVault({ hashKey, encryptionKey: randomBytes(32) });
    expect(decryptError(other, vault.encrypt(id)).message).toBe('PII decryption failed');
  });

  it('rejects wrong formats without echoing the input', () => {
    const sealed = vault.encrypt(id);
    for (const bad of [
      '',
      id,
      'v1:',
      'v2:' + sealed.slice(3),
      sealed.slice(3),
      'v1:' + id + '!',
      'v1:AAAA',
      `${sealed}=`,
      null,
      42,
    ]) {
      const err = decryptError(vault, bad);
      expect(err).toBeInstanceOf(Error);
      expect(err.message).toBe('PII decryption failed');
    }
  });

  it('requires 32-byte keys', () => {
    expect(() => new PiiVault({ hashKey: Buffer.alloc(31), encryptionKey })).toThrow('hashKey must be 32 bytes');
    expect(() => new PiiVault({ hashKey, encryptionKey: Buffer.alloc(33) })).toThrow('encryptionKey must be 32 bytes');
    expect(() => new PiiVault({ hashKey: 'x'.repeat(32) as unknown as Buffer, encryptionKey })).toThrow(
      'hashKey must be 32 bytes',
    );
  });

  it('fromBase64', () => {
    const v = PiiVault.fromBase64(hashKey.toString('base64'), encryptionKey.toString('base64'));
    expect(v.lookupHash(id)).toBe(vault.lookupHash(id));
    expect(v.decrypt(vault.encrypt(id))).toBe(id);
    expect(() => PiiVault.fromBase64(Buffer.alloc(16).toString('base64'), encryptionKey.toString('base64'))).toThrow(
      'hashKey must be 32 bytes',
    );
    expect(() => PiiVault.fromBase64(hashKey.toString('base64'), 'not base64!')).toThrow(
      'encryptionKey must be 32 bytes',
    );
  });

  it('does not expose its keys', () => {
    expect(JSON.stringify(vault)).toBe('{}');
    expect(inspect(vault, { showHidden: true, depth: 5 })).not.toContain('17, 17, 17');
    expect(inspect(vault, { showHidden: true, depth: 5 })).not.toContain('11 11 11');
  });

  it('copies the keys it is given', () => {
    const k = Buffer.alloc(32, 0x44);
    const v = new PiiVault({ hashKey: k, encryptionKey });
    const before = v.lookupHash(id);
    k.fill(0);
    expect(v.lookupHash(id)).toBe(before);
  });
});

describe('redactPii', () => {
  it('masks an ID number and a phone in a sentence, leaving a 20-digit number alone', () => {
    const text = '参保人 11010519491231002X 的手机号 13812345678 已更新，流水号 12345678901234567890';
    expect(redactPii(text)).toBe('参保人 110105********002X 的手机号 138****5678 已更新，流水号 12345678901234567890');
  });

  it('works without spaces around the numbers and with a lower-case x', () => {
    expect(redactPii('身份证号11010519491231002x，手机13812345678。')).toBe(
      '身份证号110105********002X，手机138****5678。',
    );
    expect(redactPii('id=360426199101010071&phone=19900001111')).toBe('id=360426********0071&phone=199****1111');
  });

  it('masks numbers that do not pass validation too (checksum is irrelevant in logs)', () => {
    expect(redactPii('bad 110105194912310020 end')).toBe('bad 110105********0020 end');
  });

  it('masks common groupings and country prefixes', () => {
    expect(redactPii('tel +86 138 1234 5678')).toBe('tel +86 138****5678');
    expect(redactPii('tel +8613812345678')).toBe('tel +86138****5678');
    expect(redactPii('tel 0086-138-1234-5678')).toBe('tel 0086-138****5678');
    expect(redactPii('id 110105 19491231 002X')).toBe('id 110105********002X');
  });

  it('masks every occurrence', () => {
    expect(redactPii('13812345678,13912345678;11010519491231002X')).toBe('138****5678,139****5678;110105********002X');
  });

  it('leaves other digit runs alone', () => {
    for (const text of [
      '12345678901234567890', // 20 digits
      '1234567890123456789', // 19 digits
      '11010519491231002', // 17 digits
      '138123456789', // 12 digits
      '0138123456789',
      '12812345678', // not a mobile prefix
      '金额 7820.00 元，日期 2025-06-15，订单 20250615123456',
      '',
    ]) {
      expect(redactPii(text)).toBe(text);
    }
  });

  it('never lets the raw values through', () => {
    const out = redactPii(`Error: duplicate key 11010519491231002X / 13812345678`);
    expect(out).not.toContain('11010519491231002X');
    expect(out).not.toContain('13812345678');
    expect(out).not.toMatch(/\d{9}/);
  });
});
