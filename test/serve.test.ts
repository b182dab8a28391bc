// `switchyard serve` as a process: dev banner, production refusal, graceful shutdown.
import { spawnSync } from 'node:child_process';
import { CLI, ROOT, cleanEnv, startServeProcess } from './helpers/process';

it('prints a dev-secrets banner and serves every API', async () => {
  const p = await startServeProcess();
  try {
    expect(p.output()).toContain('DEVELOPMENT mode');
    const about = await fetch(`${p.url}/events/v1/about`);
    expect(about.status).toBe(200);
  } finally {
    p.child.kill('SIGTERM');
    await p.exited;
  }
});

it('refuses dev secrets in production with a clear message', () => {
  const r = spawnSync(process.execPath, [...CLI, 'serve'], { cwd: ROOT, env: { ...cleanEnv(), NODE_ENV: 'production', PORT: '0' }, encoding: 'utf8' });
  expect(r.status).toBe(1);
  expect(r.stderr).toMatch(/production/i);
  expect(r.stderr).toMatch(/AUTH_JWT_SECRET/);
});

it('fails fast on a malformed setting, naming it', () => {
  const r = spawnSync(process.execPath, [...CLI, 'serve'], { cwd: ROOT, env: { ...cleanEnv(), LOG_LEVEL: 'chatty' }, encoding: 'utf8' });
  expect(r.status).toBe(1);
  expect(r.stderr).toContain('LOG_LEVEL');
});

it('on SIGTERM answers the long poll in flight and exits 0', async () => {
  const secret = 'shutdown-secret';
  const p = await startServeProcess({ API_SECRET: secret, POLL_TIMEOUT_MS: '60000' });
  const poll = fetch(`${p.url}/events/v1/events?clientId=c&channel=quiet&secret=${secret}`);
  await new Promise((r) => setTimeout(r, 300)); // the poll is waiting now
  p.child.kill('SIGTERM');
  const res = await poll;
  expect(res.status).toBe(200);
  expect(await res.json()).toEqual([]);
  expect(await p.exited).toBe(0);
  expect(p.output()).toContain('stopped');
});
