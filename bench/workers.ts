// bench/workers: what a second worker process buys (`serve --workers N`, src/cluster/). The same
// `switchyard serve` on real Kafka and Redis with WORKERS=1 and WORKERS=2, interleaved, each run a
// fresh process group: publish requests/s at saturation (`--concurrency` keep-alive connections
// posting pizza events, each answered 202 once on Kafka) and the answer latency. The baseline is
// the one-worker run; the ratio is 2 workers / 1. The load generator is this process, on the same
// cores: on a 2-core machine a perfect 2x is out of reach, the figure shows what a core more gives.
// So each run also reads /proc: how much of a core each worker used (one `serve` using every core)
// and the server's CPU per publish (2 workers costing what 1 does per publish is what scales on
// a machine with cores to spare), beside what the load generator and Kafka + Redis took.
import { spawn, type ChildProcess } from 'node:child_process';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { DEV_JWT_SECRET } from '../src/config';
import { signToken } from '../src/auth/token';
import { HttpClient } from './clients/http';
import { REPO_ROOT } from './lib/children';
import { scriptMain } from './lib/main';
import { shipped } from './lib/shipped';
import { defineOptions, optionsOrExit, type Size } from './lib/options';
import { EventFactory } from './lib/payloads';
import { log } from './lib/quiet';
import { childPids, CpuWindow, processCpuSeconds } from './lib/proc-cpu';
import { benchLine, fmtCores, fmtInt, fmtMs, fmtRatio, renderTable, round, writeResults } from './lib/report';
import { ensureService, type Service } from './lib/services';
import { latencyFigures, median } from './lib/stats';

interface Options {
  size: Size;
  seconds: number;
  concurrency: number;
  repeat: number;
}

const OPTIONS = defineOptions<Options>(
  'npx tsx bench/workers.ts',
  [
    { flag: '--seconds', key: 'seconds', kind: 'number', help: 'measured publishing time per run', min: 0.1 },
    { flag: '--concurrency', key: 'concurrency', kind: 'int', help: 'publish requests in flight (keep-alive connections)' },
    { flag: '--repeat', key: 'repeat', kind: 'int', help: 'runs per worker count, interleaved' },
  ],
  {
    full: { size: 'full', seconds: 20, concurrency: 64, repeat: 3 },
    quick: { size: 'quick', seconds: 8, concurrency: 64, repeat: 1 },
    tiny: { size: 'tiny', seconds: 0.5, concurrency: 4, repeat: 1 },
  },
  'Needs Kafka and Redis (KAFKA_BROKERS / REDIS_URL, or started with scripts/kafka.sh and scripts/redis.sh).',
);

interface Run {
  workers: number;
  publishesPerSec: number;
  p50: number;
  p99: number;
  /** Cores each worker kept busy (the one process when WORKERS=1), busiest first. */
  workerCores: number[];
  /** Server CPU (workers and primary) per publish, µs. */
  cpuUsPerPublish: number;
  /** The server's write system calls per publish (HTTP answers, Kafka produce and fetch requests). */
  writesPerPublish: number;
  /** Cores the load generator (this process) and Kafka + Redis used. */
  loadCores: number;
  serviceCores: number;
}

const freePort = (): Promise<number> =>
  new Promise((resolve) => {
    const s = createServer().listen(0, '127.0.0.1', () => {
      const { port } = s.address() as { port: number };
      s.close(() => resolve(port));
    });
  });

/** `switchyard serve` with WORKERS=`workers`, once /readyz answers 200. */
async function serve(workers: number, kafka: Service, redis: Service, run: string): Promise<{ child: ChildProcess; port: number }> {
  const port = await freePort();
  const env = {
    ...Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('SWITCHYARD_'))),
    PORT: String(port), HOST: '127.0.0.1', LOG_LEVEL: 'warn', REQUEST_LOG_LEVEL: 'silent', WORKERS: String(workers),
    KAFKA_BROKERS: kafka.url, REDIS_URL: redis.url, KAFKA_TOPIC_PREFIX: `bench-workers.${run}.`, KAFKA_CLIENT_ID: `bench-workers-${run}`,
  };
  const child = spawn(process.execPath, [shipped('src/cli/main.js'), 'serve'], { cwd: REPO_ROOT, env, stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr!.on('data', (d: Buffer) => (stderr = (stderr + d.toString()).slice(-2000)));
  const deadline = Date.now() + 120_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`serve (WORKERS=${workers}) exited with ${child.exitCode}: ${stderr}`);
    const ready = await fetch(`http://127.0.0.1:${port}/readyz`).then((r) => r.ok, () => false);
    if (ready) return { child, port };
    if (Date.now() > deadline) throw new Error(`serve (WORKERS=${workers}) was not ready within 120 s`);
    await new Promise((r) => setTimeout(r, 250));
  }
}

/** Publishes from `concurrency` loops for `seconds` (after a warm-up of a quarter of that). */
async function measure(node: { child: ChildProcess; port: number }, services: Service[], options: Options): Promise<Omit<Run, 'workers'>> {
  const { port } = node;
  const http = new HttpClient(port, options.concurrency);
  const events = new EventFactory('pizza');
  const headers = { authorization: `Bearer ${await signToken(DEV_JWT_SECRET, { sub: 'bench-publisher', scope: 'publish' })}` };
  const latencies: number[] = [];
  let seq = 0;
  const loop = async (until: number, record: boolean) => {
    while (performance.now() < until) {
      const started = performance.now();
      const res = await http.call('POST', '/publish/v1/pizza', headers, JSON.stringify(events.switchyardEnvelope(`bench|t|${seq++}|${Date.now()}`)));
      if (res.status !== 202) throw new Error(`publish answered ${res.status}: ${res.text.slice(0, 200)}`);
      if (record) latencies.push(performance.now() - started);
    }
  };
  const loops = (ms: number, record: boolean) => {
    const until = performance.now() + ms;
    return Promise.all(Array.from({ length: options.concurrency }, () => loop(until, record)));
  };
  await loops((options.seconds * 1000) / 4, false);
  // WORKERS=1 serves in the one process; otherwise the primary's children are the workers.
  const primary = node.child.pid!;
  const workers = childPids(primary);
  const serverPids = [primary, ...workers];
  const workerPids = workers.length ? workers : [primary];
  const window = new CpuWindow(serverPids, process.pid, services.flatMap((s) => s.pids));
  const workerStart = workerPids.map(processCpuSeconds);
  const started = performance.now();
  await loops(options.seconds * 1000, true);
  const elapsed = (performance.now() - started) / 1000;
  const cpu = window.end();
  const workerCores = workerPids.map((pid, i) => ((processCpuSeconds(pid) ?? NaN) - (workerStart[i] ?? NaN)) / elapsed).sort((a, b) => b - a);
  http.close();
  if (!cpu) throw new Error('cannot read CPU use from /proc: this bench needs Linux');
  const figures = latencyFigures(Float64Array.from(latencies).sort());
  return {
    publishesPerSec: latencies.length / elapsed, p50: figures.p50, p99: figures.p99,
    workerCores, cpuUsPerPublish: (cpu.serverSeconds * 1e6) / latencies.length, writesPerPublish: (cpu.serverWrites ?? NaN) / latencies.length, loadCores: cpu.load, serviceCores: cpu.service,
  };
}

async function stop(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null) return;
  const exited = new Promise((resolve) => child.once('exit', resolve));
  child.kill('SIGTERM');
  await exited;
}

function summary(runs: Run[]): Record<string, unknown> {
  const med = (of: (r: Run) => number, digits = 0) => round(median(runs.map(of)), digits);
  return {
    workers: runs[0].workers,
    publishesPerSec: med((r) => r.publishesPerSec),
    latencyMs: { p50: med((r) => r.p50, 2), p99: med((r) => r.p99, 2) },
    // The busiest worker's share, the next one's...: medians per rank over the runs.
    workerCores: runs[0].workerCores.map((_, i) => med((r) => r.workerCores[i], 2)),
    cpuUsPerPublish: med((r) => r.cpuUsPerPublish),
    writesPerPublish: med((r) => r.writesPerPublish, 2),
    loadCores: med((r) => r.loadCores, 2),
    serviceCores: med((r) => r.serviceCores, 2),
    runs: runs.length,
  };
}

scriptMain('workers', async () => {
  const options = optionsOrExit(OPTIONS, process.argv.slice(2), 'workers');
  const services: Service[] = [];
  try {
    for (const name of ['kafka', 'redis'] as const) {
      const got = await ensureService(name, log);
      if (typeof got === 'string') throw new Error(`${name}: ${got}`);
      services.push(got);
    }
    const [kafka, redis] = services;
    const runs: Record<1 | 2, Run[]> = { 1: [], 2: [] };
    for (let rep = 1; rep <= options.repeat; rep++) {
      for (const workers of rep % 2 === 1 ? ([1, 2] as const) : ([2, 1] as const)) {
        const node = await serve(workers, kafka, redis, `${process.pid}-${rep}-${workers}`);
        try {
          const result = { workers, ...(await measure(node, services, options)) };
          log(
            `[${rep}/${options.repeat}] WORKERS=${workers}: ${fmtInt(result.publishesPerSec)} publishes/s, p50 ${fmtMs(result.p50)} ms, p99 ${fmtMs(result.p99)} ms, ` +
              `worker cores ${fmtCores(result.workerCores)}, ${fmtInt(result.cpuUsPerPublish)} µs CPU and ${result.writesPerPublish.toFixed(2)} writes per publish`,
          );
          runs[workers].push(result);
        } finally {
          await stop(node.child);
        }
      }
    }
    const one = summary(runs[1]);
    const two = summary(runs[2]);
    const line = benchLine({
      scenario: 'workers', size: options.size,
      params: { seconds: options.seconds, concurrency: options.concurrency, repeat: options.repeat, message: 'pizza CREATE_PIZZA', bus: 'kafka', store: 'redis' },
      figures: two, baselineName: 'WORKERS=1', baseline: one,
      ratio: round((two.publishesPerSec as number) / (one.publishesPerSec as number), 2), ratioOf: 'publishes/s',
      targets: [], contendedRuns: 0,
    });
    console.log(JSON.stringify(line));
    const row = (s: Record<string, unknown>) => {
      const l = s.latencyMs as { p50: number; p99: number };
      return [
        `WORKERS=${s.workers}`, '', fmtInt(s.publishesPerSec as number), fmtMs(l.p50), fmtMs(l.p99),
        fmtCores(s.workerCores as number[]), fmtInt(s.cpuUsPerPublish as number), (s.writesPerPublish as number).toFixed(2), (s.loadCores as number).toFixed(2), (s.serviceCores as number).toFixed(2),
      ];
    };
    const head = ['serve', '', 'publishes/s', 'p50 ms', 'p99 ms', 'worker cores', 'µs CPU/publish', 'writes/publish', 'load gen cores', 'Kafka+Redis cores'];
    console.log(`\n${renderTable(head, [row(one), row(two)])}\n2 workers / 1: ${fmtRatio(line.ratio)} publishes/s, ${fmtRatio(round((two.cpuUsPerPublish as number) / (one.cpuUsPerPublish as number), 2))} server CPU per publish`);
    console.log(`written: ${writeResults('workers', [line], options.size).map((f) => f.slice(REPO_ROOT.length + 1)).join(', ')}`);
  } finally {
    for (const s of services) await s.stop();
  }
});
