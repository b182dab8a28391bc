// Smoke test of bench/: every scenario script runs at its tiny size as a child process, exits 0 and
// prints well-formed JSON lines in the common shape (bench/lib/report.ts). No timing assertions: the
// figures of a tiny run mean nothing. Results go to a temporary directory, never bench/results/.
// kafka-latency and workers need KAFKA_BROKERS (and workers REDIS_URL; the Jest global setup sets
// them when it started the services): skipped without them on a developer machine, failing on CI,
// like every suite that needs Kafka.
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { LINE_KEYS } from '../bench/lib/report';
import { ROOT } from './helpers/process';
import { describeWithKafka, kafkaBrokers } from './services/services';

interface Run {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

/** Scenario script -> the prefix of the `scenario` of each line it prints. */
const SCENARIOS: Record<string, string> = {
  validators: 'validators-',
  fanout: 'fanout-',
  'socketio-fanout': 'fanout-workspace',
  // Centrifugo only when scripts/centrifugo.sh already built it (tiny never builds); the rest runs either way.
  centrifugo: 'centrifugo-',
  'events-api': 'events-api-',
  connections: 'connections-',
  'kafka-latency': 'kafka-latency',
  soak: 'soak',
  workers: 'workers',
};
const WITH_SERVICES = ['kafka-latency', 'workers'];
const withKafka = kafkaBrokers() !== undefined;
const scripts = Object.keys(SCENARIOS).filter((s) => !WITH_SERVICES.includes(s) || withKafka);
/** Two at a time: the whole set stays well under a minute on two cores. */
const LANES = 2;
const PER_SCRIPT_MS = 120_000;

const resultsDir = mkdtempSync(join(tmpdir(), 'switchyard-bench-smoke-'));

function run(script: string): Promise<Run> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, ['--require', 'tsx/cjs', join(ROOT, 'bench', `${script}.ts`), '--tiny'], {
      cwd: ROOT,
      env: { ...process.env, BENCH_RESULTS_DIR: resultsDir },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    // Bounded: a hung scenario is stopped (SIGTERM lets it stop its own children and services).
    const timer = setTimeout(() => child.kill('SIGTERM'), PER_SCRIPT_MS);
    child.on('exit', (code, signal) => {
      clearTimeout(timer);
      resolve({ code, signal, stdout, stderr });
    });
  });
}

const runs = new Map<string, Promise<Run>>();

beforeAll(() => {
  // Started here, awaited by each test: LANES children at a time, in the order above.
  const queue = [...scripts];
  const settled = new Map<string, (r: Run) => void>();
  for (const s of scripts) runs.set(s, new Promise((resolve) => settled.set(s, resolve)));
  const lane = async (): Promise<void> => {
    for (let s = queue.shift(); s !== undefined; s = queue.shift()) settled.get(s)!(await run(s));
  };
  for (let i = 0; i < LANES; i++) void lane();
});

afterAll(() => rmSync(resultsDir, { recursive: true, force: true }));

function jsonLines(stdout: string): Array<Record<string, unknown>> {
  return stdout
    .split('\n')
    .filter((l) => l.startsWith('{'))
    .map((l) => JSON.parse(l) as Record<string, unknown>);
}

/** The script ran to exit 0 and printed (and wrote) well-formed result lines. */
async function expectWellFormedRun(script: string): Promise<void> {
  const result = await runs.get(script)!;
  if (result.code !== 0) throw new Error(`bench/${script}.ts exited ${result.code ?? result.signal}\n${result.stderr.slice(-3000)}`);
  const lines = jsonLines(result.stdout);
  expect(lines.length).toBeGreaterThan(0);
  for (const line of lines) {
    for (const key of LINE_KEYS) expect(line).toHaveProperty(key);
    expect(String(line.scenario).startsWith(SCENARIOS[script])).toBe(true);
    expect(line.size).toBe('tiny');
    expect(typeof line.params).toBe('object');
    expect(typeof line.figures).toBe('object');
    expect(Array.isArray(line.targets)).toBe(true);
    for (const t of line.targets as Array<Record<string, unknown>>) {
      expect(t).toEqual(expect.objectContaining({ name: expect.any(String), op: expect.stringMatching(/^(>=|<=)$/), threshold: expect.any(Number) }));
    }
    if (line.baseline !== null) {
      expect(typeof line.baselineName).toBe('string');
      expect(typeof line.ratio === 'number' || line.ratio === null).toBe(true);
    }
  }
  // The same lines went to the results directory (tiny runs: tiny-<script>.jsonl).
  const written = readFileSync(join(resultsDir, `tiny-${script}.jsonl`), 'utf8').trim().split('\n').map((l) => JSON.parse(l) as { scenario: string });
  expect(written.map((l) => l.scenario)).toEqual(lines.map((l) => l.scenario));
}

describe('bench smoke (tiny sizes)', () => {
  it.each(scripts.filter((s) => !WITH_SERVICES.includes(s)))('bench/%s.ts runs and prints well-formed JSON lines', expectWellFormedRun, PER_SCRIPT_MS * 2);
});

/** Scripts whose lines carry a fan-out's figures, the throughput phase's sampled latency among them. */
const FANOUT_SCRIPTS = ['fanout', 'socketio-fanout', 'centrifugo'];

describe('bench smoke: the saturated latency of a fan-out', () => {
  it.each(FANOUT_SCRIPTS)('bench/%s.ts times the throughput phase at its sampled clients', async (script) => {
    const lines = jsonLines((await runs.get(script)!).stdout);
    expect(lines.length).toBeGreaterThan(0);
    for (const line of lines) {
      // A missing baseline (Centrifugo not built) is null: the other targets' figures still count.
      const measured = [line.figures, line.baseline].filter((f) => f !== null) as Array<{ saturatedMs: { p50: number; p99: number } }>;
      for (const figures of measured) {
        expect(figures.saturatedMs.p50).toBeGreaterThan(0);
        expect(figures.saturatedMs.p99).toBeGreaterThanOrEqual(figures.saturatedMs.p50);
      }
    }
  }, PER_SCRIPT_MS * 2);
});

describeWithKafka('bench smoke with Kafka and Redis (tiny sizes)', () => {
  it.each(WITH_SERVICES)('bench/%s.ts runs and prints well-formed JSON lines', expectWellFormedRun, PER_SCRIPT_MS * 2);
});
