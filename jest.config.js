/** @type {import('jest').Config} */
module.exports = {
  preset: 'ts-jest',
  testEnvironment: 'node',
  roots: ['<rootDir>/test'],
  testMatch: ['**/*.test.ts'],
  // The browser tests run on their own, after this suite (jest.browser.config.js, npm run test:browser).
  testPathIgnorePatterns: ['/node_modules/', '/test/browser/'],
  // pact-js pulls ESM-only packages; let ts-jest transform them.
  transformIgnorePatterns: ['/node_modules/(?!(@pact-foundation/pact/node_modules/)?(https-proxy-agent|agent-base|proxy-agent-negotiate)/)'],
  transform: { '^.+\\.[tj]s$': ['ts-jest', { tsconfig: 'tsconfig.jest.json', diagnostics: { warnOnly: false } }] },
  testTimeout: 20000,
  // Two workers: suites spend much of their time waiting on child processes, brokers and timers.
  maxWorkers: 2,
  // Real Kafka + Redis for the integration suites (scripts/kafka.sh, scripts/redis.sh);
  // SWITCHYARD_NO_SERVICES=1 skips starting them (those suites then skip, or fail under CI=true).
  globalSetup: '<rootDir>/test/services/global-setup.ts',
  globalTeardown: '<rootDir>/test/services/global-teardown.ts',
};
