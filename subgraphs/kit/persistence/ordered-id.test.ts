import { timeOrderedId } from './ordered-id';

describe('timeOrderedId', () => {
  it('is a version-7, variant-10 UUID carrying the milliseconds it was made at', () => {
    const at = Date.UTC(2026, 11, 3, 13, 30, 0, 123);
    const id = timeOrderedId(at + 10_000_000); // later than any id made before in this process
    expect(id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    expect(parseInt(id.replace(/-/g, '').slice(0, 12), 16)).toBe(at + 10_000_000);
  });

  it('increases strictly within one millisecond, past the counter, and when the clock steps back', () => {
    const base = Date.now() + 20_000_000;
    const ids: string[] = [];
    for (let i = 0; i < 5000; i++) ids.push(timeOrderedId(base)); // more than the 4,096 a counter holds
    for (let i = 0; i < 10; i++) ids.push(timeOrderedId(base - 1000)); // a clock set back a second
    ids.push(timeOrderedId(base + 1));
    for (let i = 1; i < ids.length; i++) expect(ids[i]! > ids[i - 1]!).toBe(true);
    expect(new Set(ids).size).toBe(ids.length);
  });
});
