// Shared Jest setup of the three contract stages: the root ts-jest transform (pact-js pulls ESM-only
// packages), none of the root's Kafka/Redis global setup (contract tests use the in-process bus and
// the in-memory store).
const root = require('../jest.config.js');

// Pact's native core reports anonymous usage over the network unless told not to. Set here, in the
// process that forks the workers: Jest gives test code its own copy of process.env.
process.env.PACT_DO_NOT_TRACK ??= 'true';

module.exports = (stage, overrides) => ({
  displayName: `contract:${stage}`,
  rootDir: '..',
  preset: root.preset,
  testEnvironment: 'node',
  transform: root.transform,
  transformIgnorePatterns: root.transformIgnorePatterns,
  roots: ['<rootDir>/contract'],
  testTimeout: 60000,
  ...overrides,
});
