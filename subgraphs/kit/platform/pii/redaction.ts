// Log redaction: identity and mobile numbers inside free text are masked before a line is written.

import { maskIdNumber, maskPhone } from './id-numbers';

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
