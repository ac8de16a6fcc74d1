import Module from 'node:module';

import { resolveBuiltinsFirst } from './builtin-require';

describe('resolveBuiltinsFirst', () => {
  const loader = Module as unknown as { _resolveFilename(request: string, parent?: unknown): string };

  it('resolves built-in names to themselves, as Node does, and everything else as before', () => {
    const before = loader._resolveFilename('graphql', module);
    resolveBuiltinsFirst();
    resolveBuiltinsFirst(); // idempotent
    expect(loader._resolveFilename('crypto', module)).toBe('crypto');
    expect(loader._resolveFilename('node:crypto', module)).toBe('node:crypto');
    expect(loader._resolveFilename('node:test', module)).toBe('node:test');
    expect(loader._resolveFilename('graphql', module)).toBe(before);
    expect(() => loader._resolveFilename('./no-such-module', module)).toThrow(/Cannot find module/);
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    expect(require('crypto')).toBe(require('node:crypto'));
  });
});
