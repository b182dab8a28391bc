// Stage 2: provider verification of every pact (pacts/ or the broker) against a real gateway and the
// runtime's own message builders.
module.exports = require('./jest.base')('provider', {
  testMatch: ['<rootDir>/contract/provider/**/*.test.ts'],
  testTimeout: 180000,
});
