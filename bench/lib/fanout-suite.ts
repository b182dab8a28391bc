// The fan-out measurement shared by bench/fanout.ts (games, pizza vs bare ws) and
// bench/socketio-fanout.ts (workspace vs bare socket.io): for each scenario and client count,
// `repeat` runs of switchyard and of the baseline (alternating which goes first), each a fresh
// server child and a fresh load-generator child, summarized into one line.
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { Launcher, REPO_ROOT } from './children';
import { optionsOrExit, phaseSizes, type FanoutOptions, type OptionSet, type Scenario } from './options';
import type { ProfileTool, Target } from './protocol';
import { quietest, log } from './quiet';
import { CONTENDED_CORES, fanoutLine, fanoutTable, loadGcText, resultsDir, summarize, targetLines, writeResults, type BenchLine } from './report';
import { runOnce, type RunResult } from './run';

function runText(result: RunResult): string {
  const t = result.throughput;
  const head =
    `${Math.round(t.deliveriesPerSec).toLocaleString('en-US')} deliveries/s (${t.elapsedMs.toFixed(0)} ms), ` +
    `latency p50 ${result.latency.p50.toFixed(2)} ms p99 ${result.latency.p99.toFixed(2)} ms p99.9 ${result.latency.p999.toFixed(2)} ms${loadGcText(result)}, `;
  const c = result.cpu;
  if (!c) return `${head}cpu n/a`;
  const perDelivery = (c.serverSeconds * 1e6) / result.throughput.deliveries;
  const busy = c.other > CONTENDED_CORES ? ` -- BUSY MACHINE: other processes used ${c.other.toFixed(2)} cores, figures are noisy` : '';
  return `${head}server ${c.server.toFixed(2)} cores (${perDelivery.toFixed(2)} µs/delivery), load ${c.load.toFixed(2)}, other ${c.other.toFixed(2)}${busy}`;
}

async function runCase(launcher: Launcher, scenario: Scenario, clients: number, baseline: Target, options: FanoutOptions): Promise<BenchLine> {
  const { events, rate } = phaseSizes(options, clients);
  const runs: Partial<Record<Target, RunResult[]>> = { switchyard: [], [baseline]: [] };
  const profilesDir = join(resultsDir(), 'profiles');
  const tool: ProfileTool | undefined = options.perf ? 'perf' : options.profile ? 'v8' : undefined;
  if (tool) mkdirSync(profilesDir, { recursive: true });
  for (let rep = 1; rep <= options.repeat; rep++) {
    // Alternate which target goes first, so slow drift of the machine does not favour one of them.
    const order: Target[] = rep % 2 === 1 ? ['switchyard', baseline] : [baseline, 'switchyard'];
    for (const target of order) {
      log(`[${scenario} n=${clients} ${rep}/${options.repeat}] ${target}: ${clients} clients, ${events} events, latency at ${rate} events/s`);
      const file = join(profilesDir, `${scenario}-${clients}-${target}-${rep}-${options.profilePhase}${tool === 'perf' ? '.perf.data' : '.cpuprofile'}`);
      const profile = tool ? { phase: options.profilePhase, file, tool } : undefined;
      const plan = { target, scenario, clients, events, rate, latencySeconds: options.latencySeconds, warmup: options.warmup, concurrency: options.concurrency };
      const result = await quietest(
        options.retries,
        () => runOnce(launcher, plan, { stallMs: options.stallSeconds * 1000, profile, pin: options.pin }),
        (r) => r.cpu?.other,
        runText,
      );
      runs[target]!.push(result);
    }
  }
  return fanoutLine({ scenario, clients, events, rate }, options, summarize('switchyard', runs.switchyard!), summarize(baseline, runs[baseline]!));
}

/** Parses the options, runs every case, prints the JSON lines and the table, writes the results. */
export async function fanoutSuite(name: string, set: OptionSet<FanoutOptions>, baseline: Target): Promise<void> {
  const options = optionsOrExit(set, process.argv.slice(2), name);
  const launcher = new Launcher(Math.max(...options.clients));
  const lines: BenchLine[] = [];
  for (const scenario of options.scenarios) {
    for (const clients of options.clients) {
      const line = await runCase(launcher, scenario, clients, baseline, options);
      lines.push(line);
      console.log(JSON.stringify(line));
    }
  }
  const files = writeResults(name, lines, options.size);
  console.log(`\n${fanoutTable(lines)}\n`);
  for (const t of targetLines(lines)) console.log(t);
  console.log(`cpu ratio: ${baseline} server CPU per delivery / switchyard's, the figure least moved by other load`);
  if (options.size === 'tiny') console.log('tiny run: the phases last milliseconds, so these figures only show that the bench works');
  const contended = lines.reduce((n, l) => n + l.contendedRuns, 0);
  if (contended > 0) {
    console.log(`WARNING: in ${contended} run(s) other processes used > ${CONTENDED_CORES} cores; deliveries/s and latency are noisy, rerun on a quiet machine`);
  }
  console.log(`written: ${files.map((f) => (f.startsWith(REPO_ROOT) ? f.slice(REPO_ROOT.length + 1) : f)).join(', ')}`);
}
