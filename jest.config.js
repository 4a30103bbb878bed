// Jest runs TypeScript through SWC (TypeScript 7 has no JS API for ts-jest). Sources are ESM with
// NodeNext-style `.js` import suffixes; SWC compiles them to CommonJS for Jest, and ESM-only
// dependencies (middy) are transformed too.
const swc = [
  '@swc/jest',
  {
    jsc: { parser: { syntax: 'typescript' }, target: 'es2022' },
    module: { type: 'commonjs' },
    sourceMaps: 'inline',
  },
];

const base = {
  testEnvironment: 'node',
  transform: { '^.+\\.(t|j|mj)s$': swc },
  transformIgnorePatterns: ['/node_modules/(?!(@middy)/)'],
  moduleNameMapper: { '^(\\.{1,2}/.*)\\.js$': '$1' },
  moduleFileExtensions: ['ts', 'js', 'mjs', 'json'],
  setupFiles: ['<rootDir>/tests/support/env.ts'],
};

export default {
  // DynamoDB Local and the local runtime share 2 cores with whatever else runs (CI, other test
  // files): 5 s per test is too tight for a test that starts a pipeline. Speed is measured by
  // `npm run bench`, not by timeouts.
  testTimeout: 60_000,
  projects: [
    { ...base, displayName: 'unit', testMatch: ['<rootDir>/tests/unit/**/*.test.ts'] },
    { ...base, displayName: 'integration', testMatch: ['<rootDir>/tests/integration/**/*.test.ts'] },
    { ...base, displayName: 'infra', testMatch: ['<rootDir>/tests/infra/**/*.test.ts'] },
    { ...base, displayName: 'e2e', testMatch: ['<rootDir>/tests/e2e/**/*.test.ts'] },
  ],
};
