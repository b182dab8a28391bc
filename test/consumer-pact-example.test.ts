// examples/consumer-pact as a consumer team runs it: its own Pact consumer test (node --test) writes
// its pact, and `switchyard verify --pact <dir>` verifies it against a throwaway Switchyard (exit 0);
// the deliberately wrong copy in wrong/ fails, naming the interaction and the field.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runCli } from '../src/cli/cli';

const EXAMPLE = join(__dirname, '..', 'examples', 'consumer-pact');

async function verify(...pacts: string[]): Promise<{ code: number; out: string; err: string }> {
  let out = '';
  let err = '';
  const code = await runCli(['verify', ...pacts.flatMap((p) => ['--pact', p])], { write: (t: string) => (out += t) }, { write: (t: string) => (err += t) });
  return { code, out, err };
}

describe('examples/consumer-pact', () => {
  const pacts = mkdtempSync(join(tmpdir(), 'consumer-pacts-'));
  afterAll(() => rmSync(pacts, { recursive: true, force: true }));

  it('its consumer test writes its pact', () => {
    // No path argument: Node >= 22 reads `--test` arguments as globs, and `test/` then names no file.
    const run = spawnSync(process.execPath, ['--test'], { cwd: EXAMPLE, env: { ...process.env, PACT_DIR: pacts }, encoding: 'utf8' });
    expect(run.status).toBe(0);
    expect(readdirSync(pacts)).toEqual(['pizza-dashboard-switchyard.json']);
  }, 60000);

  it('verifies with the one command: every interaction passes, exit 0', async () => {
    const { code, out, err } = await verify(pacts);
    expect({ code, err }).toEqual({ code: 0, err: '' });
    expect(out).toBe(
      [
        'Verified 1 pact from pizza-dashboard-switchyard.json against a throwaway Switchyard:',
        '  pizza-dashboard (pizza-dashboard-switchyard.json): 4 interactions',
        '',
        'OK: all 4 interactions pass.',
        '',
      ].join('\n'),
    );
  }, 120000);

  it('fails the wrong copy, naming the interaction and the field, exit 1', async () => {
    const { code, out } = await verify(join(EXAMPLE, 'wrong'));
    expect(code).toBe(1);
    expect(out).toContain(
      [
        'FAILED pizza-dashboard "a socket ticket that says when it expires"',
        '  spec: response 200 body: (root): unexpected property "expires_in"',
        '  provider: $: Actual map is missing the following keys: expires_in',
        '',
        'FAILED: 1 of 4 interactions fail.',
      ].join('\n'),
    );
  }, 120000);
});
