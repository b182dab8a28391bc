// bench/fanout: N WebSocket clients in one audience (game 1 / store 1), M events published over HTTP;
// deliveries/s and publish-to-receive latency for switchyard and for a bare `ws` broadcast server
// under the same load, and their ratio. See bench/README.md for the method.
//
// Process tree: this parent only orchestrates and prints; each run has a server child (switchyard or
// bare) and a load-generator child (clients + publisher), so server and load each get a core.
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { installCleanup, Launcher, REPO_ROOT } from './lib/children';
import { parseOptions, UsageError, USAGE, type FanoutOptions, type Scenario } from './lib/options';
import { CONTENDED_CORES, scenarioLine, summarize, table, writeResults, type ScenarioLine } from './lib/report';
import { machineBusyCores } from './lib/proc-cpu';
import type { LoadPlan, Target } from './lib/protocol';
import { runOnce, type RunResult } from './lib/run';

const RESULTS_DIR = join(REPO_ROOT, 'bench', 'results');
const PROFILES_DIR = join(RESULTS_DIR, 'profiles');

const log = (text: string): void => void process.stderr.write(`${text}\n`);

function runText(result: RunResult): string {
  const t = result.throughput;
  const head = `${Math.round(t.deliveriesPerSec).toLocaleString('en-US')} deliveries/s (${t.elapsedMs.toFixed(0)} ms), ` +
    `latency p50 ${result.latency.p50.toFixed(2)} ms p99 ${result.latency.p99.toFixed(2)} ms, `;
  const c = result.cpu;
  if (!c) return `${head}cpu n/a`;
  const perDelivery = (c.serverSeconds * 1e6) / result.throughput.deliveries;
  const busy = c.other > CONTENDED_CORES ? ` -- BUSY MACHINE: other processes used ${c.other.toFixed(2)} cores, figures are noisy` : '';
  return `${head}server ${c.server.toFixed(2)} cores (${perDelivery.toFixed(2)} µs/delivery), load ${c.load.toFixed(2)}, other ${c.other.toFixed(2)}${busy}`;
}

const QUIET_WAIT_MS = 30_000;

/** Waits (a bounded time) until other processes leave the machine's cores alone, so runs start even. */
async function waitForQuiet(): Promise<void> {
  const deadline = Date.now() + QUIET_WAIT_MS;
  for (let said = false; ; said = true) {
    const busy = await machineBusyCores(500);
    if (busy === undefined || busy <= CONTENDED_CORES) return;
    if (Date.now() > deadline) return log(`  the machine stays busy (${busy.toFixed(2)} cores used by other processes); going ahead`);
    if (!said) log(`  waiting for a quiet machine (${busy.toFixed(2)} cores used by other processes)`);
  }
}

/** One run, rerun up to `options.retries` times while other processes disturb it; keeps the quietest. */
async function measuredRun(launcher: Launcher, plan: Omit<LoadPlan, 'port'>, options: FanoutOptions, profileFile: string | undefined): Promise<RunResult> {
  let best: RunResult | undefined;
  for (let attempt = 0; attempt <= options.retries; attempt++) {
    if (options.retries > 0) await waitForQuiet(); // --retries 0 (and --quick): contention is not a concern
    const result = await runOnce(launcher, plan, { stallMs: options.stallSeconds * 1000, profileFile });
    log(`  ${runText(result)}`);
    const other = result.cpu?.other ?? 0;
    if (!best || other < (best.cpu?.other ?? 0)) best = result;
    if (other <= CONTENDED_CORES) break;
    if (attempt < options.retries) log(`  rerunning: other processes used ${other.toFixed(2)} cores during the throughput phase`);
  }
  return best!;
}

async function runScenario(launcher: Launcher, scenario: Scenario, options: FanoutOptions): Promise<ScenarioLine> {
  const runs: Record<Target, RunResult[]> = { switchyard: [], 'bare-ws': [] };
  for (let rep = 1; rep <= options.repeat; rep++) {
    // Alternate which target goes first, so slow drift of the machine does not favour one of them.
    const order: Target[] = rep % 2 === 1 ? ['switchyard', 'bare-ws'] : ['bare-ws', 'switchyard'];
    for (const target of order) {
      log(`[${scenario} ${rep}/${options.repeat}] ${target}: ${options.clients} clients, ${options.events} events`);
      const profileFile = options.profile ? join(PROFILES_DIR, `${scenario}-${target}-${rep}.cpuprofile`) : undefined;
      const plan = {
        target,
        scenario,
        clients: options.clients,
        events: options.events,
        rate: options.rate,
        latencySeconds: options.latencySeconds,
        warmup: options.warmup,
        concurrency: options.concurrency,
      };
      runs[target].push(await measuredRun(launcher, plan, options, profileFile));
    }
  }
  return scenarioLine(scenario, options, summarize('switchyard', runs.switchyard), summarize('bare-ws', runs['bare-ws']));
}

async function main(): Promise<void> {
  let options: FanoutOptions | 'help';
  try {
    options = parseOptions(process.argv.slice(2));
  } catch (err) {
    if (!(err instanceof UsageError)) throw err;
    log(`bench/fanout: ${err.message}\n\n${USAGE}`);
    process.exit(2);
  }
  if (options === 'help') {
    console.log(USAGE);
    return;
  }
  installCleanup();
  const launcher = new Launcher(options.clients);
  if (options.profile) mkdirSync(PROFILES_DIR, { recursive: true });

  const lines: ScenarioLine[] = [];
  for (const scenario of options.scenarios) {
    const line = await runScenario(launcher, scenario, options);
    lines.push(line);
    console.log(JSON.stringify(line));
  }
  const files = writeResults(RESULTS_DIR, lines, options.quick);
  console.log(`\n${table(lines)}\n`);
  console.log(`target: switchyard >= ${lines[0].targetRatio}x the bare ws baseline in deliveries/s ('ratio')`);
  console.log(`cpu ratio: bare server CPU per delivery / switchyard's, the figure least moved by other load`);
  if (options.quick) console.log('quick run: the phases last milliseconds, so these figures only show that the bench works');
  const contended = lines.flatMap((l) => [l, l.baseline]).reduce((n, s) => n + s.contendedRuns, 0);
  if (contended > 0) {
    console.log(`WARNING: in ${contended} run(s) other processes used > ${CONTENDED_CORES} cores; deliveries/s and latency are noisy, rerun on a quiet machine`);
  }
  console.log(`written: ${files.map((f) => f.slice(REPO_ROOT.length + 1)).join(', ')}`);
}

main().catch((err: unknown) => {
  log(`\nbench/fanout failed: ${err instanceof Error ? err.message : String(err)}`);
  process.exit(1);
});
