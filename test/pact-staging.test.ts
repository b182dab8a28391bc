// The consumer stage moves a test file's pact into pacts/ only when every test of the file passed
// (contract/pact-staging.js): a file failing half-way leaves the committed pact as it was, whole.
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { spawnSync } from 'node:child_process';

const ROOT = join(__dirname, '..');
let pacts: string;
beforeEach(() => {
  pacts = mkdtempSync(join(tmpdir(), 'pacts-'));
});
afterEach(() => rmSync(pacts, { recursive: true, force: true }));

/** The consumer stage on the fixture, writing into `pacts`; resolves with its exit code. */
const runFixture = (fail: boolean): number | null =>
  spawnSync('npx', ['jest', '-c', 'contract/jest.consumer.config.js', '--testMatch', '<rootDir>/contract/fixtures/half-failing.consumer.fixture.ts'], {
    cwd: ROOT,
    env: { ...process.env, SWITCHYARD_PACTS_DIR: pacts, FIXTURE_FAIL: fail ? '1' : '0', SWITCHYARD_PACT_STAGING: '' },
    stdio: 'ignore',
  }).status;

const interactions = () => (JSON.parse(readFileSync(join(pacts, 'publisher-switchyard.json'), 'utf8')) as { interactions: Array<{ description: string }> }).interactions.map((i) => i.description);

it('writes the whole pact of a test file that passed', () => {
  expect(runFixture(false)).toBe(0);
  expect(interactions().sort()).toEqual(['a health check', 'another health check']);
  expect(readdirSync(pacts)).toEqual(['publisher-switchyard.json']);
}, 60000);

it('leaves the committed pact untouched when a test of the file fails', () => {
  writeFileSync(join(pacts, 'publisher-switchyard.json'), '{"committed": true}');
  expect(runFixture(true)).toBe(1);
  expect(readFileSync(join(pacts, 'publisher-switchyard.json'), 'utf8')).toBe('{"committed": true}');
  expect(readdirSync(pacts)).toEqual(['publisher-switchyard.json']);
}, 60000);
