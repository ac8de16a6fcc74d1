import { createHash } from 'node:crypto';

import { badInput, problem } from '../errors';

// The one cursor codec of every paged list (review queues, the message centre, …): Relay-style
// connections, `first` + `after`, answering `edges { cursor node }` and `pageInfo { endCursor
// hasNextPage }`. A cursor is opaque to clients: base64url of `<version>.<kind>.<json>.<check>`,
// where kind names the list it belongs to (a queue cursor is refused by the message centre) and
// check is a digest of the rest. The check makes an edited or truncated cursor a clear problem
// (INVALID_CURSOR) instead of a wrong page or a 500; it is not a secret signature, and need not be:
// a cursor only says where a keyset page starts, and every page is authorized on its own.

const VERSION = 'c1';
const CHECK_LENGTH = 12;
/** Longest cursor accepted (characters): a cursor holds a few keys, never a page of data. */
export const MAX_CURSOR_LENGTH = 512;

export type CursorKey = readonly (string | number)[];

function check(body: string): string {
  return createHash('sha256').update(body).digest('base64url').slice(0, CHECK_LENGTH);
}

/** An opaque cursor for `kind` (e.g. 'queue:510400:ACCEPTED') positioned after `key`. */
export function encodeCursor(kind: string, key: CursorKey): string {
  const body = `${VERSION}.${kind}.${JSON.stringify(key)}`;
  return Buffer.from(`${body}.${check(body)}`, 'utf8').toString('base64url');
}

/** The problem every unusable cursor answers (Chinese message, stable code, the argument). */
export function invalidCursor(field = 'after') {
  return problem('INVALID_CURSOR', '分页游标无效或已过期，请从第一页重新查询', field);
}

/**
 * The key of a cursor made by encodeCursor for the same kind with `arity` elements of the types
 * given; null when absent. Anything else (garbage, another list's cursor, an edited one) throws
 * badInput with INVALID_CURSOR.
 */
export function decodeCursor(
  kind: string,
  cursor: string | null | undefined,
  types: readonly ('string' | 'number')[],
  field = 'after',
): (string | number)[] | null {
  if (cursor === null || cursor === undefined || cursor === '') return null;
  const key = tryDecode(kind, cursor, types);
  if (!key) throw badInput([invalidCursor(field)]);
  return key;
}

function tryDecode(kind: string, cursor: string, types: readonly ('string' | 'number')[]): (string | number)[] | null {
  if (typeof cursor !== 'string' || cursor.length > MAX_CURSOR_LENGTH || !/^[A-Za-z0-9_-]+$/.test(cursor)) return null;
  const text = Buffer.from(cursor, 'base64url').toString('utf8');
  const cut = text.lastIndexOf('.');
  if (cut < 0) return null;
  const body = text.slice(0, cut);
  if (text.slice(cut + 1) !== check(body)) return null;
  const prefix = `${VERSION}.${kind}.`;
  if (!body.startsWith(prefix)) return null;
  let key: unknown;
  try {
    key = JSON.parse(body.slice(prefix.length));
  } catch {
    return null;
  }
  if (!Array.isArray(key) || key.length !== types.length) return null;
  for (let i = 0; i < types.length; i += 1) {
    const value: unknown = key[i];
    if (types[i] === 'number' ? !Number.isSafeInteger(value) : typeof value !== 'string' || value.length > 128) {
      return null;
    }
  }
  return key as (string | number)[];
}

/** The kind named in a cursor (without checking it belongs anywhere), or null for garbage. */
export function cursorKind(cursor: string): string | null {
  if (cursor.length > MAX_CURSOR_LENGTH || !/^[A-Za-z0-9_-]+$/.test(cursor)) return null;
  const text = Buffer.from(cursor, 'base64url').toString('utf8');
  const cut = text.lastIndexOf('.');
  if (cut < 0 || text.slice(cut + 1) !== check(text.slice(0, cut))) return null;
  const parts = text.slice(0, cut).split('.');
  return parts[0] === VERSION && parts.length >= 3 ? parts[1]! : null;
}

/** Largest page any list serves; `first` outside 1…max is INVALID_PAGE. */
export const MAX_PAGE_SIZE = 1000;

/** `first` checked: 1…max, else badInput INVALID_PAGE. */
export function checkFirst(first: number, max = MAX_PAGE_SIZE): number {
  if (!Number.isInteger(first) || first < 1 || first > max) {
    throw badInput([problem('INVALID_PAGE', `每页条数须在1到${max}之间`, 'first')]);
  }
  return first;
}

/** OFFSET reads and skips every row before the page: the old offset lists stop here, cursors go deeper. */
export const MAX_OFFSET = 10_000;

/** `offset` checked: 0…MAX_OFFSET; negative is INVALID_PAGE, deeper is OFFSET_TOO_LARGE (use `after`). */
export function checkOffset(offset: number, max = MAX_OFFSET): number {
  if (!Number.isInteger(offset) || offset < 0) {
    throw badInput([problem('INVALID_PAGE', '偏移量不能为负', 'offset')]);
  }
  if (offset > max) {
    throw badInput([problem('OFFSET_TOO_LARGE', `偏移量最多为${max}，更多记录请使用游标（after）翻页`, 'offset')]);
  }
  return offset;
}

/** A page of rows fetched with LIMIT first + 1: the edges, and whether more follow. */
export function toConnection<R, N>(
  rows: R[],
  first: number,
  cursorOf: (row: R) => string,
  nodeOf: (row: R) => N,
): { edges: { cursor: string; node: N }[]; pageInfo: { endCursor: string | null; hasNextPage: boolean } } {
  const page = rows.slice(0, first);
  const edges = page.map((row) => ({ cursor: cursorOf(row), node: nodeOf(row) }));
  return {
    edges,
    pageInfo: { endCursor: edges.length ? edges[edges.length - 1]!.cursor : null, hasNextPage: rows.length > first },
  };
}
