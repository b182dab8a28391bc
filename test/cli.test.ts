// The `switchyard` command line as a user types it: help everywhere, --version, no server unless
// `serve` is asked for, usage errors with exit code 2.
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { runCli, USAGE } from '../src/cli/cli';
import { packageVersion } from '../src/version';
import { CLI, ROOT, cleanEnv } from './helpers/process';
import { describeWithKafka } from './services/services';

const VERSION = (JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { version: string }).version;

async function cli(...argv: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  let stdout = '';
  let stderr = '';
  const code = await runCli(argv, { write: (s: string) => (stdout += s) }, { write: (s: string) => (stderr += s) });
  return { code, stdout, stderr };
}

// As a process: a command that started a server instead of answering would be killed by the timeout.
function process(...args: string[]) {
  return spawnSync(globalThis.process.execPath, [...CLI, ...args], { cwd: ROOT, env: { ...cleanEnv(), PORT: '0' }, encoding: 'utf8', timeout: 15_000 });
}

describe('switchyard as a process', () => {
  it('prints help and exits 0 without a command instead of serving', () => {
    const r = process();
    expect(r.status).toBe(0);
    expect(r.stdout).toBe(`${USAGE}\n`);
  });

  it('serve --help prints the usage and exits rather than serving', () => {
    const r = process('serve', '--help');
    expect(r.status).toBe(0);
    expect(r.stdout).toMatch(/^usage: switchyard serve/);
  });

  it('--version prints the package version; a usage error exits 2', () => {
    expect(process('--version').stdout).toBe(`${VERSION}\n`);
    const bad = process('token', '--help-me');
    expect(bad.status).toBe(2);
    expect(bad.stderr).toContain("Unknown option '--help-me'");
  });
});

describeWithKafka('switchyard doctor against real Kafka', (brokers) => {
  // kafkajs re-arms a negative timeout on an idle connection (src/bus/kafkajs-idle-loop.ts): Node >= 24
  // prints a TimeoutNegativeWarning for it unless doctor patches kafkajs too (CI runs this on Node 24).
  it('writes no warning of the runtime into its report', () => {
    const r = spawnSync(globalThis.process.execPath, [...CLI, 'doctor'], {
      cwd: ROOT, env: { ...cleanEnv(), KAFKA_BROKERS: brokers.join(','), KAFKA_TOPIC_PREFIX: 'cli-doctor.' }, encoding: 'utf8', timeout: 60_000,
    });
    expect(r.stdout).toContain('kafka');
    expect(r.stderr).not.toMatch(/Warning/);
  }, 90_000);
});

describe('runCli', () => {
  it('lists every command in the help', () => {
    for (const command of ['serve', 'token', 'doctor']) expect(USAGE).toMatch(new RegExp(`^  ${command} `, 'm'));
  });

  it.each([[[]], [['--help']], [['-h']], [['help']]])('%j prints the help', async (argv) => {
    expect(await cli(...argv)).toEqual({ code: 0, stdout: `${USAGE}\n`, stderr: '' });
  });

  it.each(['serve', 'token', 'doctor'])("%s --help prints that command's usage and does nothing else", async (command) => {
    for (const argv of [[command, '--help'], [command, '-h'], ['help', command]]) {
      const r = await cli(...argv);
      expect(r).toEqual({ code: 0, stdout: expect.stringMatching(new RegExp(`^usage: switchyard ${command}`)), stderr: '' });
    }
  });

  it('answers --help after other options, but not after --', async () => {
    expect((await cli('token', '--sub', 'alice', '--help')).stdout).toMatch(/^usage: switchyard token/);
    expect((await cli('token', '--sub', 'alice', '--', '--help')).code).toBe(2);
  });

  it.each([['--version'], ['-v']])('%s prints the package version', async (flag) => {
    expect(await cli(flag)).toEqual({ code: 0, stdout: `${VERSION}\n`, stderr: '' });
  });

  it('finds the version from the sources and from a nested folder like dist/src/cli', () => {
    expect(packageVersion()).toBe(VERSION);
    expect(packageVersion(join(ROOT, 'dist', 'src', 'cli'))).toBe(VERSION);
  });

  it.each([
    [['bogus'], 'unknown command "bogus"', 'usage: switchyard <command>'],
    [['constructor'], 'unknown command "constructor"', 'usage: switchyard <command>'],
    [['help', 'bogus'], 'unknown command "bogus"', 'usage: switchyard <command>'],
    [['serve', '--port', '1'], "Unknown option '--port'", 'usage: switchyard serve'],
    [['token', '--bogus'], "Unknown option '--bogus'", 'usage: switchyard token'],
    [['doctor', 'now'], "Unexpected argument 'now'", 'usage: switchyard doctor'],
  ])('%j is a usage error: exit 2, the problem and the usage on stderr', async (argv, problem, usage) => {
    const r = await cli(...argv);
    expect(r.code).toBe(2);
    expect(r.stdout).toBe('');
    expect(r.stderr).toContain(problem);
    expect(r.stderr).toContain(usage);
  });
});
