// Runs `switchyard serve` as a real child process, as `npm start` would.
import { spawn, type ChildProcess } from 'node:child_process';
import { createServer } from 'node:net';
import { join } from 'node:path';

const ROOT = join(__dirname, '..', '..');
/** The CLI of the project at `root` from its TypeScript sources (a built dist/ might be stale). */
export const cliOf = (root: string) => ['--require', 'tsx/cjs', join(root, 'src', 'cli', 'main.ts')];
export const CLI = cliOf(ROOT);
export { ROOT };

/**
 * The test process's environment without what would reconfigure the gateway: the services the test
 * run started (KAFKA_BROKERS, REDIS_URL) and the test harness's own SWITCHYARD_* switches, which
 * the gateway rejects as unknown settings.
 */
export function cleanEnv(): NodeJS.ProcessEnv {
  return Object.fromEntries(
    Object.entries(process.env).filter(([k]) => !k.startsWith('SWITCHYARD_') && k !== 'KAFKA_BROKERS' && k !== 'REDIS_URL'),
  );
}

export async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise((resolve) => server.close(resolve));
  return port;
}

export interface ServeProcess {
  child: ChildProcess;
  url: string;
  output: () => string;
  exited: Promise<number | null>;
}

/**
 * `env.PORT` picks the port (e.g. to restart a node where it was); otherwise a free one. A node on
 * Kafka joins every consumer group before it listens: `upWithinMs` allows for a slow machine.
 * `root`: the project to serve (a copy of it, in the spec proofs).
 */
export async function startServeProcess(env: Record<string, string> = {}, upWithinMs = 30_000, root = ROOT): Promise<ServeProcess> {
  const port = env.PORT ? Number(env.PORT) : await freePort();
  const child = spawn(process.execPath, [...cliOf(root), 'serve'], {
    cwd: root,
    // One process unless a test asks for workers (WORKERS=auto would fork one per core with Kafka and Redis).
    env: { ...cleanEnv(), HOST: '127.0.0.1', LOG_LEVEL: 'info', WORKERS: '1', ...env, PORT: String(port) },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout!.on('data', (d) => (output += d));
  child.stderr!.on('data', (d) => (output += d));
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  const url = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + upWithinMs;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`serve exited early:\n${output}`);
    try {
      if ((await fetch(`${url}/healthz`)).ok) break;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) {
      child.kill('SIGKILL'); // not left running behind a failed test
      throw new Error(`serve did not come up:\n${output}`);
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  return { child, url, output: () => output, exited };
}
