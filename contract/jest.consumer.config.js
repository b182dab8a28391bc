// Stage 1: consumer tests. Each documented client's tests run its real client code against the Pact
// mock server (HTTP) or on the message Pact hands it, and write pacts/<consumer>-switchyard.json.
module.exports = require('./jest.base')('consumer', {
  testMatch: ['<rootDir>/contract/consumers/**/*.consumer.test.ts'],
});
