// Text a person typed, made safe to store and show: control characters (NUL, ESC, …) and format
// characters — bidirectional overrides and isolates (U+202A–U+202E, U+2066–U+2069), LRM/RLM
// (U+200E/F), the Arabic letter mark (U+061C), zero-width characters — are removed, and so are
// lone surrogates, which no database column can hold. One place for POST /uploads and every
// mutation, so a file name is cleaned the same way wherever it arrives.

const UNSAFE = /[\p{Cc}\p{Cf}\p{Cs}]/gu;

const MAX_FILE_NAME_LENGTH = 255;

/** The text without control, format (bidi) and lone-surrogate characters; trimmed. */
export function stripUnsafeCharacters(text: string): string {
  return text.replace(UNSAFE, '').trim();
}

/** Length in characters (code points), as a utf8mb4 column counts it. */
export function characterLength(text: string): number {
  let n = 0;
  for (const _ of text) n++;
  return n;
}

/** At most `max` characters (code points, so a surrogate pair is never split). */
function truncateCharacters(text: string, max: number): string {
  return characterLength(text) <= max ? text : Array.from(text).slice(0, max).join('');
}

/**
 * A client's file name for display: the last path part, unsafe characters removed, at most 255
 * characters; '' when nothing usable is left (callers choose the fallback).
 */
export function cleanFileName(raw: string | null | undefined): string {
  const base = (raw ?? '').split(/[\\/]/).pop() ?? '';
  const cleaned = truncateCharacters(stripUnsafeCharacters(base), MAX_FILE_NAME_LENGTH).trim();
  return cleaned === '.' || cleaned === '..' ? '' : cleaned;
}
