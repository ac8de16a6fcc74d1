import { type Problem, problem } from '../platform/errors';
import { redactPii } from '../platform/pii';
import { characterLength, cleanFileName, stripUnsafeCharacters } from '../platform/text';
import type { ApplicationInput, MaterialInput, RemoteCareInput } from './inputs';

// Bounds on what a mutation accepts, checked before anything is read or stored: how many
// materials, how long each string, which idempotency keys. Every string is cleaned first
// (control and bidi characters removed, subgraphs/kit/platform/text.ts) and every problem is reported at
// once; a bounded input is what the workflow then validates and stores. Lengths never exceed the
// database columns (persistence/db/record.entities.ts), so no input can fail at the database.

export const MAX_MATERIALS = 30;
export const MAX_REASON_LENGTH = 500;
const IDEMPOTENCY_KEY = /^[A-Za-z0-9_\-:.]{8,128}$/;

/** Longest accepted value per string field (characters), at most the column it is stored in. */
const MAX_LENGTH = {
  diseaseCode: 16,
  channelId: 64,
  hospitalCode: 32,
  insuredRegionCode: 12,
  residenceRegionCode: 12,
  residenceRegionName: 100,
  acceptanceNumber: 32,
  fileName: 255,
  sha256: 64,
} as const;

export interface Bounded<T> {
  value: T;
  problems: Problem[];
}

function tooLong(field: string, max: number): Problem {
  return problem('INPUT_TOO_LONG', `填写内容过长：最多${max}个字符`, field);
}

/** Cleans one string and checks its length; null stays null. */
function text<T extends string | null | undefined>(
  value: T,
  field: string,
  max: number,
  problems: Problem[],
): T extends string ? string : string | null {
  if (value === null || value === undefined) return null as never;
  const cleaned = stripUnsafeCharacters(value);
  if (characterLength(cleaned) > max) problems.push(tooLong(field, max));
  return cleaned as never;
}

/** The materials of a submission or supplement: at most 30, each string cleaned and bounded. */
export function boundMaterials(materials: MaterialInput[], field = 'materials'): Bounded<MaterialInput[]> {
  const problems: Problem[] = [];
  if (materials.length > MAX_MATERIALS) {
    problems.push(
      problem('TOO_MANY_MATERIALS', `每次最多提交${MAX_MATERIALS}份材料，本次提交了${materials.length}份`, field),
    );
    // Nothing more is looked at: a thousand entries are not checked one by one.
    return { value: [], problems };
  }
  const value = materials.map((m, i) => {
    const at = `${field}[${i}]`;
    const fileName = cleanFileName(m.fileName);
    // Only the last path part is kept (as POST /uploads does); that part must fit.
    if (characterLength(stripUnsafeCharacters((m.fileName ?? '').split(/[\\/]/).pop() ?? '')) > MAX_LENGTH.fileName) {
      problems.push(tooLong(`${at}.fileName`, MAX_LENGTH.fileName));
    } else if (fileName === '') {
      problems.push(problem('FILE_NAME_REQUIRED', '请填写材料的文件名', `${at}.fileName`));
    }
    return {
      ...m,
      fileName,
      hospitalCode: text(m.hospitalCode, `${at}.hospitalCode`, MAX_LENGTH.hospitalCode, problems),
      sha256: text(m.sha256, `${at}.sha256`, MAX_LENGTH.sha256, problems),
    };
  });
  return { value, problems };
}

/** The idempotency key: absent, or 8–128 characters of A–Z a–z 0–9 _ - : . */
export function boundIdempotencyKey(key: string | null | undefined): Bounded<string | null> {
  const trimmed = key?.trim() || null;
  if (trimmed === null || IDEMPOTENCY_KEY.test(trimmed)) return { value: trimmed, problems: [] };
  return {
    value: null,
    problems: [
      problem(
        'INVALID_IDEMPOTENCY_KEY',
        '幂等键须为8到128个字符，只能包含英文字母、数字及 _ - : . 符号',
        'idempotencyKey',
      ),
    ],
  };
}

export function boundApplicationInput(input: ApplicationInput): Bounded<ApplicationInput> {
  const problems: Problem[] = [];
  const key = boundIdempotencyKey(input.idempotencyKey);
  const materials = boundMaterials(input.materials ?? []);
  const value: ApplicationInput = {
    ...input,
    diseaseCode: text(input.diseaseCode, 'diseaseCode', MAX_LENGTH.diseaseCode, problems),
    channelId: text(input.channelId, 'channelId', MAX_LENGTH.channelId, problems),
    hospitalCode: text(input.hospitalCode, 'hospitalCode', MAX_LENGTH.hospitalCode, problems),
    insuredRegionCode: text(input.insuredRegionCode, 'insuredRegionCode', MAX_LENGTH.insuredRegionCode, problems),
    residenceRegionCode: text(
      input.residenceRegionCode,
      'residenceRegionCode',
      MAX_LENGTH.residenceRegionCode,
      problems,
    ),
    materials: materials.value,
    idempotencyKey: key.value,
  };
  return { value, problems: [...problems, ...materials.problems, ...key.problems] };
}

export function boundRemoteCareInput(input: RemoteCareInput): Bounded<RemoteCareInput> {
  const problems: Problem[] = [];
  const value: RemoteCareInput = {
    ...input,
    residenceRegionCode: text(
      input.residenceRegionCode,
      'residenceRegionCode',
      MAX_LENGTH.residenceRegionCode,
      problems,
    ),
    residenceRegionName: text(
      input.residenceRegionName,
      'residenceRegionName',
      MAX_LENGTH.residenceRegionName,
      problems,
    ),
  };
  return { value, problems };
}

export function boundAcceptanceNumber(acceptanceNumber: string): Bounded<string> {
  const problems: Problem[] = [];
  const value = text(acceptanceNumber, 'acceptanceNumber', MAX_LENGTH.acceptanceNumber, problems);
  return { value, problems };
}

/**
 * Masks every identity or phone number in a text, until nothing is left to mask (masking is
 * applied again on its own result, so the outbox's own check never finds one). The one masking of
 * free texts people write to each other: review reasons and feedback (boundPersonalText).
 */
export function maskPiiInText(text: string): string {
  let current = text;
  for (let i = 0; i < 3; i++) {
    const next = redactPii(current);
    if (next === current) return current;
    current = next;
  }
  return current;
}

/**
 * A reviewer's reason: cleaned, at most 500 characters, identity and phone numbers masked — it is
 * stored in the history and sent to the applicant, and must never carry someone's number.
 */
export function boundReason(reason: string | null | undefined): Bounded<string | null> {
  if (reason === null || reason === undefined) return { value: null, problems: [] };
  const cleaned = stripUnsafeCharacters(reason);
  if (characterLength(cleaned) > MAX_REASON_LENGTH) {
    return {
      value: null,
      problems: [
        problem(
          'REASON_TOO_LONG',
          `审核意见最多${MAX_REASON_LENGTH}个字，当前${characterLength(cleaned)}个字，请精简后重试`,
          'reason',
        ),
      ],
    };
  }
  return { value: maskPiiInText(cleaned) || null, problems: [] };
}

/**
 * A required free text one person writes to another (a feedback's subject and text, a reviewer's
 * reply): cleaned, not empty (`missing` otherwise), at most `max` characters, and identity and
 * phone numbers masked with maskPiiInText, as in review reasons. Masking never lengthens a text.
 */
export function boundPersonalText(
  raw: string | null | undefined,
  field: string,
  max: number,
  missing: Problem,
): Bounded<string> {
  const cleaned = stripUnsafeCharacters(raw ?? '');
  if (!cleaned) return { value: cleaned, problems: [missing] };
  if (characterLength(cleaned) > max) {
    return {
      value: cleaned,
      problems: [
        problem('INPUT_TOO_LONG', `填写内容过长：最多${max}个字符，当前${characterLength(cleaned)}个字符`, field),
      ],
    };
  }
  return { value: maskPiiInText(cleaned), problems: [] };
}
