import { operationNameFor } from './operation-name';

describe('operationNameFor', () => {
  it('replaces a stale name when the document has one operation', () => {
    expect(operationNameFor('query B { a }', 'A')).toBe('B');
    expect(operationNameFor('{ a }', 'A')).toBeUndefined();
    expect(operationNameFor('query B { a }', null)).toBe('B');
  });

  it('keeps a name the document has, and any name when there are several operations', () => {
    expect(operationNameFor('query A { a } query B { b }', 'B')).toBe('B');
    expect(operationNameFor('query A { a } query B { b }', 'C')).toBe('C');
  });

  it('leaves an unparseable document to the gateway', () => {
    expect(operationNameFor('query A {', 'A')).toBe('A');
    expect(operationNameFor('query A {', undefined)).toBeUndefined();
  });
});
