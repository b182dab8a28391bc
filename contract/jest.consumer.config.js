// Stage 1: consumer tests. Each documented client's tests run its real client code against the Pact
// mock server (HTTP) or on the message Pact hands it; a test file's pact reaches pacts/ only when all
// its tests passed (pact-staging.js).
require('./pact-staging').startStaging();

module.exports = require('./jest.base')('consumer', {
  testMatch: ['<rootDir>/contract/consumers/**/*.consumer.test.ts'],
  reporters: ['default', '<rootDir>/contract/pact-staging.js'],
});
