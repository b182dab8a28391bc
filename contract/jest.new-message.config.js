// Issue 12's proof that a new message keeps CI green: contract/new-message/ runs generate and the
// three contract stages on a temp copy of the project (minutes), so it is a stage of its own.
module.exports = require('./jest.base')('new-message', {
  testMatch: ['<rootDir>/contract/new-message/**/*.test.ts'],
  testTimeout: 1_800_000,
});
