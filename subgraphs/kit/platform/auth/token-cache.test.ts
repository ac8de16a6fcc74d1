import { VerifiedTokenCache } from './token-cache';

describe('VerifiedTokenCache (caller tokens at the gateway)', () => {
  it('forgets the oldest token when full, and caps an entry’s age', () => {
    const cache = new VerifiedTokenCache<number>(2, 60);
    cache.set('a', 1, 0, 100);
    cache.set('b', 2, 0, 100);
    cache.set('c', 3, 0, 100);
    expect([cache.get('a', 1), cache.get('b', 1), cache.get('c', 1)]).toEqual([undefined, 2, 3]);
    expect(cache.get('b', 60)).toBeUndefined(); // capped at 60 s even though exp is later
  });
});
