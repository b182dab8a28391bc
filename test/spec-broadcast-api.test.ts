// Issue 12's proof that a broadcast-only WebSocket API is served from its spec alone: in a copy of
// the project, add examples/notifications' spec, run `npm run generate`, start `switchyard serve`,
// and a socket hears what `POST /publish/v1/notifications` publishes, with no change under src/.
import { spawn, spawnSync, type SpawnSyncReturns } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, realpathSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { call } from './helpers/gateway';
import { cleanEnv, freePort, ROOT } from './helpers/process';
import { connect } from './helpers/ws';

const SPEC = join(ROOT, 'examples', 'notifications', 'notifications.asyncapi.yaml');
let copy: string;
let serve: ReturnType<typeof spawn> | undefined;
let output = '';
let url: string;

function run(cmd: string, args: string[]): SpawnSyncReturns<string> {
  const r = spawnSync(cmd, args, { cwd: copy, encoding: 'utf8', env: cleanEnv(), timeout: 120_000 });
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(' ')} failed:\n${r.stdout}\n${r.stderr}`);
  return r;
}
const git = (...args: string[]) => run('git', ['-c', 'user.name=test', '-c', 'user.email=test@example.com', ...args]).stdout;
const cli = (...args: string[]) => run(process.execPath, ['--require', 'tsx/cjs', join('src', 'cli', 'main.ts'), ...args]).stdout.trim();

beforeAll(async () => {
  // The project as a user's checkout has it (tracked and new files, no node_modules), committed.
  copy = mkdtempSync(join(tmpdir(), 'switchyard-broadcast-'));
  const files = spawnSync('git', ['ls-files', '-z', '--cached', '--others', '--exclude-standard'], { cwd: ROOT, encoding: 'utf8' }).stdout.split('\0');
  for (const file of files.filter((f) => f !== '')) {
    mkdirSync(dirname(join(copy, file)), { recursive: true });
    try {
      copyFileSync(join(ROOT, file), join(copy, file));
    } catch {
      // deleted in the working tree but not yet in git
    }
  }
  symlinkSync(realpathSync(join(ROOT, 'node_modules')), join(copy, 'node_modules'));
  git('init', '-q');
  git('add', '-A');
  git('commit', '-q', '-m', 'the project as it was');

  // What a user does: one spec file, then generate.
  copyFileSync(SPEC, join(copy, 'specs', 'notifications.asyncapi.yaml'));
  run('npm', ['run', 'generate', '--silent']);

  const port = await freePort();
  url = `http://127.0.0.1:${port}`;
  serve = spawn(process.execPath, ['--require', 'tsx/cjs', join('src', 'cli', 'main.ts'), 'serve'], {
    cwd: copy,
    env: { ...cleanEnv(), HOST: '127.0.0.1', PORT: String(port), LOG_LEVEL: 'warn' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  serve.stdout!.on('data', (d) => (output += d));
  serve.stderr!.on('data', (d) => (output += d));
  for (const deadline = Date.now() + 60_000; ; ) {
    if (serve.exitCode !== null) throw new Error(`serve exited:\n${output}`);
    if (await fetch(`${url}/healthz`).then((r) => r.ok, () => false)) break;
    if (Date.now() > deadline) throw new Error(`serve did not come up:\n${output}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}, 240_000);

afterAll(async () => {
  if (serve && serve.exitCode === null) {
    const exited = new Promise((resolve) => serve!.once('exit', resolve));
    serve.kill('SIGTERM');
    await exited;
  }
  rmSync(copy, { recursive: true, force: true });
});

it('serves a broadcast-only API written as one spec file: a published notification reaches its user only', async () => {
  const alice = cli('token', '--sub', 'alice', '--claim', 'user_id=u1');
  const bob = cli('token', '--sub', 'bob', '--claim', 'user_id=u2');
  const publisher = cli('token', '--sub', 'notifier', '--scope', 'publish');
  const ws = url.replace('http', 'ws');
  // The token as a header (a server-side client) and as ?token= (a browser).
  const a = await connect(`${ws}/notifications`, { headers: { authorization: `Bearer ${alice}` } });
  const b = await connect(`${ws}/notifications?token=${bob}`);
  // Admission (the token check) follows the upgrade: give it a moment before publishing.
  await new Promise((r) => setTimeout(r, 300));

  const publish = (to: string, title: string) =>
    call(`${url}/publish/v1/notifications`, {
      headers: { authorization: `Bearer ${publisher}` },
      body: { message: 'notification', to: { user_id: to }, data: { id: title, title, created_at: '2026-12-03T12:00:00Z' } },
    });
  expect((await publish('u1', 'for alice')).status).toBe(202);
  expect((await publish('u2', 'for bob')).status).toBe(202);

  expect(await a.next()).toEqual({ type: 'notification', notification: { id: 'for alice', title: 'for alice', created_at: '2026-12-03T12:00:00Z' } });
  expect(await b.next()).toEqual({ type: 'notification', notification: { id: 'for bob', title: 'for bob', created_at: '2026-12-03T12:00:00Z' } });
  // Bob's first frame was his own: alice's notifications never reach him.
  expect(b.frames).toHaveLength(1);
  a.ws.close();
  b.ws.close();

  // The spec is validated at the publish API: a notification that breaks it is refused.
  const bad = await call(`${url}/publish/v1/notifications`, {
    headers: { authorization: `Bearer ${publisher}` },
    body: { message: 'notification', to: { user_id: 'u1' }, data: { id: 'x' } },
  });
  expect(bad.status).toBe(422);

  // No source change: the spec and what generate wrote are the whole difference.
  expect(git('status', '--porcelain', '--', 'src/')).toBe('');
  expect(git('diff', '--stat', '--', 'src/')).toBe('');
  expect(git('status', '--porcelain').split('\n').filter(Boolean).sort()).toEqual(
    expect.arrayContaining(['?? generated/notifications/', '?? specs/notifications.asyncapi.yaml', ' M generated/socket-endpoints.ts']),
  );
}, 120_000);
