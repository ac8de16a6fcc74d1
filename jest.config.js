/** @type {import('jest').Config} */
module.exports = {
  testEnvironment: 'node',
  roots: ['<rootDir>/gateway', '<rootDir>/subgraphs', '<rootDir>/scripts', '<rootDir>/test'],
  testMatch: ['**/*.test.ts'],
  transform: {
    // Transpile only: `npm run check` runs the type checker once for the whole tree.
    '^.+\\.ts$': ['ts-jest', { diagnostics: false }],
  },
  setupFiles: ['reflect-metadata'],
  testTimeout: 60000,
};
