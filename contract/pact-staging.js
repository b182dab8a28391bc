// Where consumer tests write their pacts, and how a pact reaches pacts/. pact-js writes (merges) the
// file after every passing interaction, so a test file that fails half-way, or a worker that dies,
// would leave a pact with some interactions missing. Instead each test file writes into its own
// staging directory, and the reporter below moves the pact into pacts/ only when every test of that
// file passed, by rename (a reader sees the old file or the new one, never a part).
const { copyFileSync, existsSync, mkdtempSync, readdirSync, renameSync, rmSync } = require('node:fs');
const { tmpdir } = require('node:os');
const { basename, join } = require('node:path');

const STAGING_ENV = 'SWITCHYARD_PACT_STAGING';

/** A fresh staging root for one Jest run; set in the parent process so the workers inherit it. */
function startStaging(env = process.env) {
  env[STAGING_ENV] ||= mkdtempSync(join(tmpdir(), 'switchyard-pacts-'));
  return env[STAGING_ENV];
}

/** The staging directory of one consumer test file. */
function stagingDir(testPath, env = process.env) {
  const root = env[STAGING_ENV];
  if (!root) throw new Error(`${STAGING_ENV} is unset: run consumer tests with -c contract/jest.consumer.config.js`);
  return join(root, basename(testPath));
}

/**
 * Moves the pacts a test file staged into `pactsDir` when it `passed`; drops them otherwise. Returns
 * the file names moved.
 */
function promote(dir, pactsDir, passed) {
  const files = existsSync(dir) ? readdirSync(dir).filter((f) => f.endsWith('.json')) : [];
  if (passed) {
    for (const file of files) {
      // Copied next to the target first: the staging directory may be on another file system.
      const partial = join(pactsDir, `.${file}.${process.pid}.partial`);
      copyFileSync(join(dir, file), partial);
      renameSync(partial, join(pactsDir, file));
    }
  }
  rmSync(dir, { recursive: true, force: true });
  return passed ? files : [];
}

/** Jest reporter: promotes each consumer test file's pacts as the file finishes. */
class PactStagingReporter {
  constructor(globalConfig, options = {}) {
    this.pactsDir = options.pactsDir ?? process.env.SWITCHYARD_PACTS_DIR ?? join(__dirname, '..', 'pacts');
  }

  onTestFileResult(test, result) {
    const passed = result.numFailingTests === 0 && !result.testExecError && result.numPassingTests > 0;
    promote(stagingDir(test.path), this.pactsDir, passed);
  }

  onRunComplete() {
    rmSync(process.env[STAGING_ENV], { recursive: true, force: true });
  }
}

module.exports = PactStagingReporter;
Object.assign(module.exports, { STAGING_ENV, startStaging, stagingDir, promote });
