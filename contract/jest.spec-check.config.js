// Stage 3: every pact interaction (and the must-fail fixtures) checked against the specs.
module.exports = require('./jest.base')('spec-check', {
  testMatch: ['<rootDir>/contract/spec-check/**/*.test.ts'],
});
