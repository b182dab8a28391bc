/**
 * Jest globalSetup: start a throwaway Redis and Kafka (in parallel) through scripts/redis.sh and
 * scripts/kafka.sh, and export REDIS_URL / KAFKA_BROKERS so the test workers inherit them.
 *
 * - A service whose env var is already set is used as is (nothing is started).
 * - SWITCHYARD_NO_SERVICES=1 starts nothing.
 * - Without java (Kafka) or without an installable redis-server (Redis) the service is left unset
 *   and the reason is exported; suites using describeWithKafka/describeWithRedis then skip on a
 *   developer machine and fail on CI (see ./services.ts).
 * - SWITCHYARD_SERVICES_VERBOSE=1 streams the scripts' progress output.
 *
 * Each run gets its own state dirs, so parallel Jest runs do not share instances, and the scripts
 * get SWITCHYARD_OWNER_PID so that a run killed before globalTeardown does not leave a JVM or a
 * redis-server behind. global-teardown.ts stops what was started here.
 */
import { spawn, spawnSync } from 'child_process';
import { mkdtempSync } from 'fs';
import { tmpdir } from 'os';
import path from 'path';

export type Service = 'kafka' | 'redis';

export interface StartedService {
  service: Service;
  script: string;
  env: NodeJS.ProcessEnv;
}

const ROOT = path.resolve(__dirname, '..', '..');

const SPEC: Record<Service, { envVar: string; script: string; stateVar: string; unavailableVar: string }> = {
  kafka: {
    envVar: 'KAFKA_BROKERS',
    script: path.join(ROOT, 'scripts', 'kafka.sh'),
    stateVar: 'KAFKA_STATE_DIR',
    unavailableVar: 'SWITCHYARD_KAFKA_UNAVAILABLE',
  },
  redis: {
    envVar: 'REDIS_URL',
    script: path.join(ROOT, 'scripts', 'redis.sh'),
    stateVar: 'REDIS_STATE_DIR',
    unavailableVar: 'SWITCHYARD_REDIS_UNAVAILABLE',
  },
};

/** Key on globalThis under which setup hands the started services to teardown (same process). */
export const STARTED_KEY = '__SWITCHYARD_STARTED_SERVICES__';

type Registry = { [STARTED_KEY]?: StartedService[] };

export function startedServices(): StartedService[] {
  const g = globalThis as Registry;
  const list = g[STARTED_KEY] ?? [];
  g[STARTED_KEY] = list;
  return list;
}

function say(msg: string): void {
  process.stderr.write(`[services] ${msg}\n`);
}

function hasCommand(cmd: string): boolean {
  return spawnSync('sh', ['-c', `command -v ${cmd}`], { stdio: 'ignore' }).status === 0;
}

function canInstallRedis(): boolean {
  if (!hasCommand('apt-get')) return false;
  if (process.getuid?.() === 0) return true;
  return hasCommand('sudo') && spawnSync('sudo', ['-n', 'true'], { stdio: 'ignore' }).status === 0;
}

interface RunResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

export function runScript(script: string, args: string[], env: NodeJS.ProcessEnv, tag: string): Promise<RunResult> {
  const verbose = process.env.SWITCHYARD_SERVICES_VERBOSE === '1';
  return new Promise((resolve) => {
    const child = spawn('bash', [script, ...args], { cwd: ROOT, env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    let partial = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => {
      const text = d.toString();
      stderr += text;
      partial += text;
      const lines = partial.split('\n');
      partial = lines.pop() ?? '';
      for (const line of lines) {
        // the slow first-time steps are always worth a line; the rest only when verbose
        if (verbose || /fetching|installing/.test(line)) say(`${tag}: ${line}`);
      }
    });
    child.on('error', (err) => resolve({ code: -1, stdout, stderr: `${stderr}\n${err.message}` }));
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

function lastAssignment(stdout: string, name: string): string | undefined {
  const lines = stdout.trim().split('\n').reverse();
  for (const line of lines) {
    if (line.startsWith(`${name}=`)) return line.slice(name.length + 1).trim() || undefined;
  }
  return undefined;
}

async function start(service: Service): Promise<void> {
  const spec = SPEC[service];
  const stateDir = mkdtempSync(path.join(tmpdir(), `switchyard-${service}-`));
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    [spec.stateVar]: stateDir,
    SWITCHYARD_OWNER_PID: String(process.pid),
  };
  const t0 = Date.now();
  say(`starting ${service} ...`);
  const res = await runScript(spec.script, ['start'], env, service);
  const value = res.code === 0 ? lastAssignment(res.stdout, spec.envVar) : undefined;
  if (!value) {
    const tail = res.stderr.trim().split('\n').slice(-25).join('\n');
    const reason = `${path.relative(ROOT, spec.script)} start failed (exit ${res.code})`;
    process.env[spec.unavailableVar] = reason;
    say(`WARNING: could not start ${service}: ${reason}; state/logs in ${stateDir}\n${tail}`);
    return;
  }
  startedServices().push({ service, script: spec.script, env });
  process.env[spec.envVar] = value;
  say(`${service} ready in ${((Date.now() - t0) / 1000).toFixed(1)}s: ${spec.envVar}=${value}`);
}

export default function globalSetup(): Promise<void> {
  return startServices(['redis', 'kafka']);
}

/** Starts the `wanted` services (the browser tests want only Kafka: test/browser/global-setup.ts). */
export async function startServices(wanted: readonly Service[]): Promise<void> {
  process.env.SWITCHYARD_SERVICES_SETUP = '1';
  if (process.env.SWITCHYARD_NO_SERVICES === '1') {
    say('SWITCHYARD_NO_SERVICES=1: not starting Kafka or Redis');
    return;
  }
  const jobs: Array<Promise<void>> = [];

  if (!wanted.includes('redis')) {
    process.env.SWITCHYARD_REDIS_UNAVAILABLE = 'this run starts no Redis';
  } else if (process.env.REDIS_URL) {
    say(`using REDIS_URL=${process.env.REDIS_URL}`);
  } else if (hasCommand('redis-server') || canInstallRedis()) {
    jobs.push(start('redis'));
  } else {
    process.env.SWITCHYARD_REDIS_UNAVAILABLE = 'redis-server is not installed and cannot be installed here (no apt-get, or not root and no passwordless sudo)';
    say(`not starting Redis: ${process.env.SWITCHYARD_REDIS_UNAVAILABLE}`);
  }

  if (!wanted.includes('kafka')) {
    process.env.SWITCHYARD_KAFKA_UNAVAILABLE = 'this run starts no Kafka';
  } else if (process.env.KAFKA_BROKERS) {
    say(`using KAFKA_BROKERS=${process.env.KAFKA_BROKERS}`);
  } else if (hasCommand('java')) {
    jobs.push(start('kafka'));
  } else {
    process.env.SWITCHYARD_KAFKA_UNAVAILABLE = 'java is not installed (Kafka needs Java 17+)';
    say(`not starting Kafka: ${process.env.SWITCHYARD_KAFKA_UNAVAILABLE}`);
  }

  await Promise.all(jobs);
}
