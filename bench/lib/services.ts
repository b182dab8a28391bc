// Kafka and Redis for the scenarios that need them. A service given in the environment
// (KAFKA_BROKERS, REDIS_URL) is used as it is and left alone. Otherwise the bench starts a throwaway
// one with scripts/kafka.sh or scripts/redis.sh, in a state directory of its own (so it never
// touches a test run's instance), and stops it when done: explicitly at the end, synchronously on
// any other way out, and through the scripts' own watchdog (SWITCHYARD_OWNER_PID) if the bench is
// killed with SIGKILL.
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { onExit, REPO_ROOT } from './children';

export type ServiceName = 'kafka' | 'redis';

export interface Service {
  name: ServiceName;
  /** KAFKA_BROKERS or REDIS_URL value. */
  url: string;
  /** True when this bench started it (and will stop it). */
  started: boolean;
  /** Its process ids when known, so its CPU is reported apart from "other processes". */
  pids: number[];
  stop(): Promise<void>;
}

const SPEC: Record<ServiceName, { env: string; script: string; stateVar: string; pidFile: string; needs: string; startTimeoutMs: number }> = {
  kafka: { env: 'KAFKA_BROKERS', script: 'scripts/kafka.sh', stateVar: 'KAFKA_STATE_DIR', pidFile: 'kafka.pid', needs: 'java', startTimeoutMs: 240_000 },
  redis: { env: 'REDIS_URL', script: 'scripts/redis.sh', stateVar: 'REDIS_STATE_DIR', pidFile: 'redis.pid', needs: 'redis-server', startTimeoutMs: 120_000 },
};

const hasCommand = (cmd: string): boolean => spawnSync('sh', ['-c', `command -v ${cmd}`], { stdio: 'ignore' }).status === 0;

function run(args: string[], env: NodeJS.ProcessEnv, timeoutMs: number): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn('bash', args, { cwd: REPO_ROOT, env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.on('error', (err) => {
      clearTimeout(timer);
      resolve({ code: -1, stdout, stderr: `${stderr}\n${err.message}` });
    });
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}

/**
 * The service from the environment, or a throwaway one started now. Resolves to a string saying
 * why when it can be neither (e.g. no Java for Kafka), so the scenario can report itself skipped.
 */
export async function ensureService(name: ServiceName, log: (text: string) => void): Promise<Service | string> {
  const spec = SPEC[name];
  const given = process.env[spec.env]?.trim();
  if (given) {
    log(`${name}: using ${spec.env}=${given} (its CPU counts as "other")`);
    return { name, url: given, started: false, pids: [], stop: async () => undefined };
  }
  if (!hasCommand(spec.needs)) {
    // redis.sh can install redis-server; only when it could not do that either do we give up.
    if (name === 'kafka') return `${spec.env} is not set and ${spec.needs} is not installed, so the bench cannot start Kafka`;
  }
  const state = mkdtempSync(join(tmpdir(), `switchyard-bench-${name}-`));
  const env = { ...process.env, [spec.stateVar]: state, SWITCHYARD_OWNER_PID: String(process.pid) };
  const stopSync = (): void => void spawnSync('bash', [spec.script, 'stop'], { cwd: REPO_ROOT, env, stdio: 'ignore', timeout: 60_000 });
  const removeHook = onExit(stopSync);
  log(`${name}: starting a throwaway instance (${spec.script}, state ${state})`);
  const started = Date.now();
  const res = await run([spec.script, 'start'], env, spec.startTimeoutMs);
  const line = res.stdout.trim().split('\n').reverse().find((l) => l.startsWith(`${spec.env}=`));
  if (res.code !== 0 || !line) {
    stopSync();
    removeHook();
    const tail = res.stderr.trim().split('\n').slice(-10).join('\n');
    return `${spec.script} start failed (exit ${res.code}): ${tail}`;
  }
  const url = line.slice(spec.env.length + 1).trim();
  let pids: number[] = [];
  try {
    pids = [Number(readFileSync(join(state, spec.pidFile), 'utf8').trim())].filter((p) => p > 0);
  } catch {
    // no pid file: its CPU shows as "other"
  }
  log(`${name}: ${spec.env}=${url} ready in ${((Date.now() - started) / 1000).toFixed(1)} s`);
  let stopped = false;
  return {
    name,
    url,
    started: true,
    pids,
    stop: async () => {
      if (stopped) return;
      stopped = true;
      const out = await run([spec.script, 'stop'], env, 60_000);
      removeHook();
      if (out.code !== 0) log(`${name}: ${spec.script} stop exited ${out.code}: ${out.stderr.trim()}`);
      else log(`${name}: stopped`);
    },
  };
}
