import { checkFirst, cursorKind, decodeCursor, encodeCursor, toConnection } from './cursor';

const problemCode = (fn: () => unknown) => {
  try {
    fn();
  } catch (e) {
    return (e as { extensions?: { reason?: string } }).extensions?.reason;
  }
  return 'no error';
};

describe('the cursor codec', () => {
  it('round-trips a key for its own list', () => {
    const c = encodeCursor('queue:510400:ACCEPTED:all', ['2026-12-01', '5104002026120100001X']);
    expect(c).toMatch(/^[A-Za-z0-9_-]+$/);
    expect(decodeCursor('queue:510400:ACCEPTED:all', c, ['string', 'string'])).toEqual([
      '2026-12-01',
      '5104002026120100001X',
    ]);
    expect(cursorKind(c)).toBe('queue:510400:ACCEPTED:all');
    expect(decodeCursor('x', null, ['string'])).toBeNull();
    expect(decodeCursor('x', '', ['string'])).toBeNull();
  });

  it('refuses garbage, another list’s cursor, an edited one and the wrong shape with INVALID_CURSOR', () => {
    const c = encodeCursor('messages:510400', ['2026-12-01T09:00:00+08:00', 'id-1']);
    const edited = Buffer.from(Buffer.from(c, 'base64url').toString('utf8').replace('id-1', 'id-2')).toString(
      'base64url',
    );
    for (const bad of ['%%%', 'bm90IGEgY3Vyc29y', edited, 'a'.repeat(600)]) {
      expect(problemCode(() => decodeCursor('messages:510400', bad, ['string', 'string']))).toBe('INVALID_CURSOR');
    }
    expect(problemCode(() => decodeCursor('messages:445300', c, ['string', 'string']))).toBe('INVALID_CURSOR');
    expect(problemCode(() => decodeCursor('messages:510400', c, ['string']))).toBe('INVALID_CURSOR');
    expect(problemCode(() => decodeCursor('messages:510400', c, ['number', 'string']))).toBe('INVALID_CURSOR');
    expect(cursorKind('garbage')).toBeNull();
  });

  it('checks first and builds a page from first + 1 rows', () => {
    expect(problemCode(() => checkFirst(0))).toBe('INVALID_PAGE');
    expect(problemCode(() => checkFirst(1001))).toBe('INVALID_PAGE');
    expect(problemCode(() => checkFirst(101, 100))).toBe('INVALID_PAGE');
    expect(checkFirst(50)).toBe(50);
    const page = toConnection(
      [1, 2, 3],
      2,
      (n) => `c${n}`,
      (n) => n * 10,
    );
    expect(page).toEqual({
      edges: [
        { cursor: 'c1', node: 10 },
        { cursor: 'c2', node: 20 },
      ],
      pageInfo: { endCursor: 'c2', hasNextPage: true },
    });
    expect(toConnection([], 2, String, String).pageInfo).toEqual({ endCursor: null, hasNextPage: false });
  });
});
