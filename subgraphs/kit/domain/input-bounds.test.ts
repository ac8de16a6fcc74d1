import fc from 'fast-check';

import { problem } from '../platform/errors';
import { redactPii } from '../platform/pii';
import { cleanFileName, stripUnsafeCharacters } from '../platform/text';
import {
  boundAcceptanceNumber,
  boundApplicationInput,
  boundIdempotencyKey,
  boundMaterials,
  boundPersonalText,
  boundReason,
  boundRemoteCareInput,
  maskPiiInText,
  MAX_MATERIALS,
  MAX_REASON_LENGTH,
} from './input-bounds';
import type { ApplicationInput, MaterialInput } from './inputs';

const material = (extra: Partial<MaterialInput> = {}): MaterialInput => ({
  kind: 'ID_CARD',
  stamped: false,
  fileName: '身份证.png',
  sha256: 'a'.repeat(64),
  ...extra,
});

const application = (extra: Partial<ApplicationInput> = {}): ApplicationInput => ({
  type: 'NEW',
  diseaseCode: 'M03900',
  channelId: 'panzhihua-counter',
  hospitalCode: null,
  insuredRegionCode: '510400',
  materials: [material()],
  ...extra,
});

const codes = (problems: { code: string }[]) => problems.map((p) => p.code);

describe('text', () => {
  it('strips control, bidi override/isolate/mark characters and lone surrogates, as /uploads does', () => {
    expect(stripUnsafeCharacters('a\u0000b\u202Ec\u202Cd\u2066e\u2069f\u200E\u200Fg\u061Ch\u001bi\uD800')).toBe(
      'abcdefghi',
    );
    expect(cleanFileName('C:\\docs\\\u202Egpj.exe')).toBe('gpj.exe');
    expect(cleanFileName('../..')).toBe('');
    expect(Array.from(cleanFileName('诊'.repeat(300)))).toHaveLength(255);
  });

  it('never leaves an unsafe character, whatever the input (property)', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'binary' }), (s) => {
        expect(/[\p{Cc}\p{Cf}\p{Cs}]/u.test(stripUnsafeCharacters(s))).toBe(false);
      }),
    );
  });
});

describe('materials', () => {
  it(`refuses more than ${MAX_MATERIALS} materials with one problem, without looking at each`, () => {
    const many = Array.from({ length: 1000 }, () => material({ fileName: '' }));
    const { value, problems } = boundMaterials(many);
    expect(codes(problems)).toEqual(['TOO_MANY_MATERIALS']);
    expect(problems[0]!.message).toContain('30');
    expect(value).toEqual([]);
    expect(boundMaterials(Array.from({ length: MAX_MATERIALS }, () => material())).problems).toEqual([]);
  });

  it('cleans file names, and reports an empty or too long one at its index', () => {
    const { value, problems } = boundMaterials([
      material({ fileName: 'evil\u202Egnp.exe\u0000' }),
      material({ fileName: '\u0000\u202E' }),
      material({ fileName: 'x'.repeat(256) }),
      material({ hospitalCode: 'H'.repeat(33) }),
    ]);
    expect(value[0]!.fileName).toBe('evilgnp.exe');
    expect(problems).toEqual([
      expect.objectContaining({ code: 'FILE_NAME_REQUIRED', field: 'materials[1].fileName' }),
      expect.objectContaining({ code: 'INPUT_TOO_LONG', field: 'materials[2].fileName' }),
      expect.objectContaining({ code: 'INPUT_TOO_LONG', field: 'materials[3].hospitalCode' }),
    ]);
  });
});

describe('idempotency keys', () => {
  it.each(['abcdefgh', 'key-0001', '2f1c:9a.b_c-d', 'k'.repeat(128)])('accepts %s', (key) => {
    expect(boundIdempotencyKey(key)).toEqual({ value: key, problems: [] });
  });

  it.each(['short', 'k'.repeat(129), 'k'.repeat(50_000), 'has space!', '键键键键键键键键', 'abc\u0000defgh'])(
    'refuses %s',
    (key) => {
      const { value, problems } = boundIdempotencyKey(key);
      expect(value).toBeNull();
      expect(problems).toEqual([expect.objectContaining({ code: 'INVALID_IDEMPOTENCY_KEY', field: 'idempotencyKey' })]);
      expect(problems[0]!.message).toMatch(/[\u4e00-\u9fff]/);
    },
  );

  it('treats a missing or blank key as none', () => {
    expect(boundIdempotencyKey(null).value).toBeNull();
    expect(boundIdempotencyKey('  ').problems).toEqual([]);
  });
});

describe('application input', () => {
  it('reports every bound at once', () => {
    const { problems } = boundApplicationInput(
      application({
        diseaseCode: 'D'.repeat(17),
        channelId: 'c'.repeat(65),
        idempotencyKey: 'x'.repeat(50_000),
        materials: Array.from({ length: 31 }, () => material()),
      }),
    );
    expect(codes(problems).sort()).toEqual(
      ['INPUT_TOO_LONG', 'INPUT_TOO_LONG', 'INVALID_IDEMPOTENCY_KEY', 'TOO_MANY_MATERIALS'].sort(),
    );
  });

  it('passes a good input through cleaned', () => {
    const { value, problems } = boundApplicationInput(application({ diseaseCode: ' M03900\u200F ' }));
    expect(problems).toEqual([]);
    expect(value.diseaseCode).toBe('M03900');
  });

  it('bounds remote-care names and acceptance numbers', () => {
    expect(codes(boundRemoteCareInput({ residenceRegionName: '省'.repeat(101) }).problems)).toEqual(['INPUT_TOO_LONG']);
    expect(boundRemoteCareInput({ residenceRegionName: '广东省\u202E云浮市' }).value.residenceRegionName).toBe(
      '广东省云浮市',
    );
    expect(codes(boundAcceptanceNumber('5'.repeat(33)).problems)).toEqual(['INPUT_TOO_LONG']);
  });
});

describe('review reasons', () => {
  it(`refuses more than ${MAX_REASON_LENGTH} characters`, () => {
    const { value, problems } = boundReason('长'.repeat(2000));
    expect(value).toBeNull();
    expect(problems).toEqual([expect.objectContaining({ code: 'REASON_TOO_LONG', field: 'reason' })]);
    expect(boundReason('长'.repeat(MAX_REASON_LENGTH)).problems).toEqual([]);
  });

  it('masks phone and identity numbers in the reason', () => {
    expect(boundReason('请联系13812345678补充').value).toBe('请联系138****5678补充');
    expect(boundReason('身份证510402198001011234有误').value).toBe('身份证510402********1234有误');
  });

  it('leaves nothing the outbox would refuse, and never grows past the bound (property)', () => {
    const digits = fc.string({ unit: fc.constantFrom(...'0123456789 -+X'), maxLength: 60 });
    fc.assert(
      fc.property(fc.array(fc.oneof(digits, fc.string({ maxLength: 10 })), { maxLength: 10 }), (parts) => {
        const { value, problems } = boundReason(parts.join(''));
        if (problems.length > 0) return;
        expect(value === null || redactPii(value) === value).toBe(true);
        expect(Array.from(value ?? '').length).toBeLessThanOrEqual(MAX_REASON_LENGTH);
      }),
    );
  });
});

describe('feedback texts and replies', () => {
  const missing = problem('FEEDBACK_TEXT_REQUIRED', '请填写反馈内容', 'text');

  it('are cleaned, required and bounded, every problem with its field', () => {
    expect(boundPersonalText(' \u202E\u0000 ', 'text', 10, missing).problems).toEqual([missing]);
    expect(boundPersonalText(null, 'text', 10, missing).problems).toEqual([missing]);
    expect(boundPersonalText('长'.repeat(11), 'reply', 10, missing).problems).toEqual([
      expect.objectContaining({ code: 'INPUT_TOO_LONG', field: 'reply' }),
    ]);
    expect(boundPersonalText('a\u202Eb', 'text', 10, missing)).toEqual({ value: 'ab', problems: [] });
  });

  it('mask phone and identity numbers, grouped ones too', () => {
    expect(boundPersonalText('请回电13812345678', 'reply', 100, missing).value).toBe('请回电138****5678');
    expect(boundPersonalText('身份证 510402-19800101-1234 有误', 'text', 100, missing).value).toBe(
      '身份证 510402********1234 有误',
    );
  });

  it('are masked with the function review reasons use: the same text, whatever the input (property)', () => {
    const digits = fc.string({ unit: fc.constantFrom(...'0123456789 -+X'), maxLength: 60 });
    fc.assert(
      fc.property(fc.array(fc.oneof(digits, fc.string({ maxLength: 10 })), { maxLength: 10 }), (parts) => {
        const raw = parts.join('');
        const { value, problems } = boundPersonalText(raw, 'reply', MAX_REASON_LENGTH, missing);
        if (problems.length > 0) return;
        expect(value).toBe(maskPiiInText(stripUnsafeCharacters(raw)));
        expect(value).toBe(boundReason(raw).value);
        expect(redactPii(value)).toBe(value); // nothing left the outbox's own check would find
      }),
    );
  });
});
