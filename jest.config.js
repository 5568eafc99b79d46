// ESM throughout: @swc/jest emits ES modules, `.js` specifiers map back to the `.ts` sources, and
// `npm test` sets --experimental-vm-modules (the Prisma 7 client loads its wasm via import()).
/** @type {import('jest').Config} */
export default {
  testEnvironment: 'node',
  extensionsToTreatAsEsm: ['.ts'],
  transform: {
    '^.+\\.ts$': ['@swc/jest', { jsc: { target: 'es2022', parser: { syntax: 'typescript' } }, module: { type: 'es6' } }],
  },
  moduleNameMapper: { '^(\\.{1,2}/.*)\\.js$': '$1' },
  testMatch: ['<rootDir>/{lib,subgraphs,router,scripts,test}/**/*.test.ts'],
  globalSetup: '<rootDir>/test/global-setup.mjs',
  globalTeardown: '<rootDir>/test/global-teardown.mjs',
  reporters: ['default', '<rootDir>/test/summary-reporter.mjs'],
  testTimeout: 30000,
  maxWorkers: 2,
};
