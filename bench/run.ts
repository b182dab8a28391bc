// bench/run: every scenario, one after another, each as its own child process (so one's sockets,
// timers and JIT state cannot disturb the next), then one table of where Switchyard stands against
// the issue's targets.
//
//   npm run bench                 quick set: real figures at smaller sizes, under 3 minutes
//   npm run bench -- --full       every scenario at the issue's sizes (tens of minutes)
//   npm run bench -- --tiny       smoke sizes: shows every scenario runs
//   npm run bench -- --only fanout,kafka-latency     --skip connections
//
// Each scenario prints its JSON lines and table as it goes and writes bench/results/latest-<name>
// [-quick].jsonl; this runner adds latest-summary[-quick].jsonl: one line per target checked. A
// scenario that fails is reported and the rest still run; the exit code is then 1. Missing a target
// is a figure, not a failure.
import { spawn } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { installCleanup, onExit, REPO_ROOT } from './lib/children';
import { UsageError, type Size } from './lib/options';
import { fmtCores, fmtRatio, renderTable, resultsDir, type BenchLine } from './lib/report';

export const SCENARIOS = ['validators', 'fanout', 'socketio-fanout', 'centrifugo', 'events-api', 'connections', 'kafka-latency', 'workers', 'soak'] as const;
type ScenarioName = (typeof SCENARIOS)[number];

/** No scenario may run longer than this (its own watchdogs normally stop it far earlier). */
const SCENARIO_CAP_MS: Record<Size, number> = { tiny: 5 * 60_000, quick: 6 * 60_000, full: 90 * 60_000 };

const USAGE = `Usage: npm run bench [-- --full | --quick | --tiny] [--only a,b] [--skip a,b]
  (default) --quick   the quick set: every scenario at smaller sizes, under 3 minutes on 2 cores
  --full              every scenario at the issue's sizes
  --tiny              smoke sizes: only shows that every scenario runs
  --only LIST         scenarios to run: ${SCENARIOS.join(', ')}
  --skip LIST         scenarios to leave out
Each scenario is also a script of its own: npx tsx bench/<scenario>.ts --help`;

interface RunnerOptions {
  size: Size;
  only: ScenarioName[];
}

function parse(argv: string[]): RunnerOptions | 'help' {
  let size: Size = 'quick';
  let only: ScenarioName[] = [...SCENARIOS];
  const list = (value: string | undefined, flag: string): ScenarioName[] => {
    if (!value) throw new UsageError(`${flag} needs a list`);
    const names = value.split(',');
    for (const n of names) if (!(SCENARIOS as readonly string[]).includes(n)) throw new UsageError(`${flag}: unknown scenario "${n}"`);
    return names as ScenarioName[];
  };
  for (let i = 0; i < argv.length; i++) {
    const [flag, inline] = argv[i].split(/=(.*)/s, 2);
    if (flag === '--help' || flag === '-h') return 'help';
    else if (flag === '--full' || flag === '--quick' || flag === '--tiny') size = flag.slice(2) as Size;
    else if (flag === '--only') only = list(inline ?? argv[++i], flag);
    else if (flag === '--skip') {
      const skip = list(inline ?? argv[++i], flag);
      only = only.filter((s) => !skip.includes(s));
    } else throw new UsageError(`unknown option ${argv[i]}`);
  }
  return { size, only };
}

interface Outcome {
  scenario: ScenarioName;
  code: number | null;
  seconds: number;
  lines: BenchLine[];
}

function runScenario(scenario: ScenarioName, size: Size): Promise<Outcome> {
  const started = Date.now();
  const args = ['--require', 'tsx/cjs', join(REPO_ROOT, 'bench', `${scenario}.ts`), ...(size === 'full' ? [] : [`--${size}`])];
  const child = spawn(process.execPath, args, { cwd: REPO_ROOT, stdio: ['ignore', 'pipe', 'inherit'] });
  const removeHook = onExit(() => child.kill('SIGTERM'));
  const lines: BenchLine[] = [];
  let partial = '';
  child.stdout.setEncoding('utf8');
  child.stdout.on('data', (chunk: string) => {
    process.stdout.write(chunk);
    partial += chunk;
    const parts = partial.split('\n');
    partial = parts.pop() ?? '';
    for (const text of parts) {
      if (!text.startsWith('{')) continue;
      try {
        lines.push(JSON.parse(text) as BenchLine);
      } catch {
        // not a result line
      }
    }
  });
  const cap = setTimeout(() => {
    process.stderr.write(`\nbench/run: ${scenario} exceeded ${SCENARIO_CAP_MS[size] / 60_000} min; stopping it\n`);
    child.kill('SIGTERM'); // its own cleanup stops its children and services
    setTimeout(() => child.kill('SIGKILL'), 30_000).unref();
  }, SCENARIO_CAP_MS[size]);
  return new Promise((resolve) => {
    child.on('exit', (code) => {
      clearTimeout(cap);
      removeHook();
      resolve({ scenario, code, seconds: (Date.now() - started) / 1000, lines });
    });
  });
}

/** The headline figure of a line, for the summary table. */
function headline(line: BenchLine): string {
  const f = line.figures as Record<string, any>;
  if (line.skipped) return `skipped: ${String(line.skipped).slice(0, 60)}`;
  if (line.scenario.startsWith('centrifugo-')) {
    const p = line.params;
    const what = line.scenario.startsWith('centrifugo-publish') ? 'publishes/s (1 subscriber)' : 'deliveries/s';
    const perCore = f.deliveriesPerCoreSec == null ? 'n/a' : Math.round(f.deliveriesPerCoreSec).toLocaleString('en-US');
    const r = line.ratios as Record<string, number | null>;
    return (
      `${p.publish}${p.publish === 'batch' ? ` of ${p.batch}` : ''}: ${Math.round(f.deliveriesPerSec).toLocaleString('en-US')} ${what}, ${perCore} per core-s` +
      (p.latencySeconds ? `, p99 ${f.latencyMs.p99} ms at ${Number(p.latencyDeliveriesPerSec).toLocaleString('en-US')}/s` : '') +
      `; per core ${fmtRatio(r.perCoreToBareWs)} bare ws (n=${p.clients})`
    );
  }
  if (line.scenario.startsWith('connections') && line.centrifugo !== undefined) {
    const c = line.centrifugo as Record<string, number> | null;
    return `${(f.rssBytesPerConn / 1024).toFixed(1)} KB RSS/conn (bare ${((line.baseline as any).rssBytesPerConn / 1024).toFixed(1)}, Centrifugo ${c ? (c.rssBytesPerConn / 1024).toFixed(1) : 'n/a'}); ${line.params.clients} in ${f.acceptMs} ms`;
  }
  if (line.scenario.startsWith('fanout-')) return `${Math.round(f.deliveriesPerSec).toLocaleString('en-US')} deliveries/s, p99 ${f.latencyMs.p99} ms (n=${line.params.clients})`;
  if (line.scenario.startsWith('events-api')) return `${Math.round(f.postsPerSec).toLocaleString('en-US')} POST/s, long-poll p99 ${f.pollLatencyMs.p99} ms (${line.params.pollers} pollers)`;
  if (line.scenario.startsWith('connections')) return `${(f.rssBytesPerConn / 1024).toFixed(1)} KB RSS, ${(f.heapBytesPerConn / 1024).toFixed(1)} KB heap per conn; ${line.params.clients} in ${f.acceptMs} ms`;
  if (line.scenario.startsWith('validators')) return `${Math.round(f.validationsPerSec).toLocaleString('en-US')} validations/s`;
  if (line.scenario === 'soak') {
    return `heap ${(f.heapDrift * 100).toFixed(1)}%, RSS ${(f.rssDrift * 100).toFixed(1)}% from start; ${f.missing + f.extra} of ${f.expectedDeliveries.toLocaleString('en-US')} deliveries off (n=${line.params.clients}, ${line.params.durationSeconds} s)`;
  }
  if (line.scenario === 'workers') {
    const cpu = (f.cpuUsPerPublish / (line.baseline as any).cpuUsPerPublish).toFixed(2);
    return `${Math.round(f.publishesPerSec).toLocaleString('en-US')} publishes/s with ${f.workers} workers, ${line.ratio}x one worker's; worker cores ${fmtCores(f.workerCores)}, ${cpu}x the CPU per publish`;
  }
  if (line.scenario === 'kafka-latency') return `highest rate held ${Number(f.highestRateHeld).toLocaleString('en-US')}/s (p99 <= ${line.params.p99LimitMs} ms)`;
  return '';
}

async function main(): Promise<void> {
  let options: RunnerOptions | 'help';
  try {
    options = parse(process.argv.slice(2));
  } catch (err) {
    if (!(err instanceof UsageError)) throw err;
    process.stderr.write(`bench/run: ${err.message}\n\n${USAGE}\n`);
    process.exit(2);
  }
  if (options === 'help') {
    console.log(USAGE);
    return;
  }
  installCleanup();
  const started = Date.now();
  const outcomes: Outcome[] = [];
  for (const scenario of options.only) {
    process.stderr.write(`\n=== bench/${scenario}.ts (${options.size}) ===\n`);
    outcomes.push(await runScenario(scenario, options.size));
  }

  const lines = outcomes.flatMap((o) => o.lines);
  const rows = lines.map((l) => [l.scenario, headline(l), l.baselineName ?? '', l.ratioOf ? `${fmtRatio(l.ratio)} ${l.ratioOf}` : '']);
  console.log(`\n=== summary (${options.size}, ${((Date.now() - started) / 1000).toFixed(0)} s) ===\n`);
  console.log(renderTable(['scenario', 'switchyard', 'baseline', 'ratio'], rows, 99));
  const checks = lines.flatMap((l) => l.targets.map((t) => ({ scenario: l.scenario, clients: l.params.clients, ...t })));
  if (checks.length > 0) {
    console.log('');
    console.log(
      renderTable(
        ['target', 'scenario', 'value', 'needed', 'verdict'],
        checks.map((c) => [
          c.name,
          `${c.scenario}${c.clients !== undefined && c.scenario !== 'kafka-latency' ? ` n=${c.clients}` : ''}`,
          c.value === null ? 'n/a' : String(c.value),
          `${c.op} ${c.threshold}`,
          c.met === null ? `not measured${c.note ? `: ${c.note}` : ''}` : c.met ? 'met' : 'MISSED',
        ]),
        99,
      ),
    );
  }
  const failed = outcomes.filter((o) => o.code !== 0);
  for (const o of outcomes) console.log(`${o.scenario}: ${o.code === 0 ? 'ok' : `FAILED (exit ${o.code})`} in ${o.seconds.toFixed(0)} s, ${o.lines.length} line(s)`);
  if (options.size !== 'tiny') {
    const dir = resultsDir();
    mkdirSync(dir, { recursive: true });
    const file = join(dir, `latest-summary${options.size === 'quick' ? '-quick' : ''}.jsonl`);
    const at = new Date().toISOString();
    writeFileSync(file, checks.map((c) => JSON.stringify({ ...c, size: options.size, at })).join('\n') + (checks.length ? '\n' : ''));
    console.log(`written: ${file}`);
  }
  if (options.size === 'quick' && (Date.now() - started) / 1000 > 180) console.log('note: the quick set took over 3 minutes (a busy machine makes the scenarios wait and rerun)');
  if (failed.length > 0) process.exit(1);
}

main().catch((err: unknown) => {
  process.stderr.write(`bench/run failed: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exit(1);
});
