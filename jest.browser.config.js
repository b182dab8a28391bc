// The browser tests (test/browser/, Debian's chromium through playwright-core), run after the main
// suite and one file at a time: rendering the AsyncAPI documents is heavy, and on a small machine
// it would otherwise slow the timing-sensitive suites running beside it.
const base = require('./jest.config');

/** @type {import('jest').Config} */
module.exports = {
  ...base,
  testMatch: ['<rootDir>/test/browser/**/*.test.ts'],
  testPathIgnorePatterns: ['/node_modules/'],
  maxWorkers: 1,
  // Their gateways run on the in-process bus and memory store, but for the dead-letter page's, which
  // needs a real Kafka: that one is started (test/browser/global-setup.ts), Redis is not.
  globalSetup: '<rootDir>/test/browser/global-setup.ts',
  testTimeout: 60000,
};
