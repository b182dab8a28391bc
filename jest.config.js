/** @type {import('jest').Config} */
module.exports = {
  preset: 'ts-jest',
  testEnvironment: 'node',
  roots: ['<rootDir>/test'],
  testMatch: ['**/*.test.ts'],
  // pact-js pulls ESM-only packages; let ts-jest transform them.
  transformIgnorePatterns: ['/node_modules/(?!(https-proxy-agent|agent-base)/)'],
  transform: { '^.+\\.[tj]s$': ['ts-jest', { tsconfig: 'tsconfig.json', diagnostics: { warnOnly: false } }] },
  testTimeout: 20000,
};
