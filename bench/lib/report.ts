// Summaries of repeated runs: one JSON line per scenario (switchyard, with the bare baseline beside
// it and the ratio), a table for people, and the result files under bench/results/.
import { mkdirSync, writeFileSync } from 'node:fs';
import { cpus } from 'node:os';
import { join } from 'node:path';
import type { FanoutOptions, Scenario } from './options';
import type { Target } from './protocol';
import type { RunResult } from './run';
import { spread, type Spread } from './stats';

export const TARGET_RATIO = 0.9;

const round = (n: number, digits = 0): number => Number(n.toFixed(digits));
type Range = [number, number];
const range = (s: Spread, digits = 0): Range => [round(s.min, digits), round(s.max, digits)];

export interface TargetSummary {
  target: Target;
  runs: number;
  frameBytes: number;
  /** Median over runs; the matching `...Range` is [min, max]. */
  deliveriesPerSec: number;
  deliveriesPerSecRange: Range;
  throughputElapsedMs: number;
  latencyMs: { p50: number; p99: number; p999: number; max: number };
  latencyMsRange: { p50: Range; p99: Range; p999: Range; max: Range };
  latencySamples: number;
  /** Throughput phase, medians over runs; null where /proc is not available. */
  cpu: {
    /** Cores busy (1.0 = one core for the whole phase). */
    server: number;
    load: number;
    /** Other processes and unattributed kernel work: above ~0.3 the machine was shared and figures are noisy. */
    other: number;
    /** Server CPU time per delivery: unlike deliveries/s, barely moved by other load on the machine. */
    serverUsPerDelivery: number;
  } | null;
  /** Runs during which other processes used more than CONTENDED_CORES. */
  contendedRuns: number;
  connectMs: number;
}

export const CONTENDED_CORES = 0.3;

export function summarize(target: Target, runs: RunResult[]): TargetSummary {
  const of = (pick: (r: RunResult) => number): Spread => spread(runs.map(pick));
  const dps = of((r) => r.throughput.deliveriesPerSec);
  const p50 = of((r) => r.latency.p50);
  const p99 = of((r) => r.latency.p99);
  const p999 = of((r) => r.latency.p999);
  const max = of((r) => r.latency.max);
  const measured = runs.every((r) => r.cpu !== undefined);
  const cpu = measured
    ? {
        server: round(of((r) => r.cpu!.server).median, 2),
        load: round(of((r) => r.cpu!.load).median, 2),
        other: round(of((r) => r.cpu!.other).median, 2),
        serverUsPerDelivery: round(of((r) => (r.cpu!.serverSeconds * 1e6) / r.throughput.deliveries).median, 2),
      }
    : null;
  return {
    target,
    runs: runs.length,
    frameBytes: runs[0].frameBytes,
    deliveriesPerSec: round(dps.median),
    deliveriesPerSecRange: range(dps),
    throughputElapsedMs: round(of((r) => r.throughput.elapsedMs).median, 1),
    latencyMs: { p50: round(p50.median, 2), p99: round(p99.median, 2), p999: round(p999.median, 2), max: round(max.median, 2) },
    latencyMsRange: { p50: range(p50, 2), p99: range(p99, 2), p999: range(p999, 2), max: range(max, 2) },
    latencySamples: runs[0].latency.count,
    cpu,
    contendedRuns: runs.filter((r) => (r.cpu?.other ?? 0) > CONTENDED_CORES).length,
    connectMs: round(of((r) => r.connectMs).median),
  };
}

export interface ScenarioLine extends TargetSummary {
  scenario: string;
  n: number;
  m: number;
  rate: number;
  latencySeconds: number;
  concurrency: number;
  warmup: number;
  repeat: number;
  baseline: TargetSummary;
  /** switchyard deliveries/s over the bare baseline's, medians. */
  ratio: number;
  /** Baseline server CPU per delivery over switchyard's (1.0 = as cheap as bare ws); null without /proc. */
  cpuEfficiencyRatio: number | null;
  targetRatio: number;
  meetsTarget: boolean;
  quick: boolean;
  env: { node: string; platform: string; cpus: number; cpuModel: string };
  at: string;
}

export function scenarioLine(scenario: Scenario, options: FanoutOptions, switchyard: TargetSummary, baseline: TargetSummary): ScenarioLine {
  const ratio = round(switchyard.deliveriesPerSec / baseline.deliveriesPerSec, 3);
  return {
    scenario: `fanout-${scenario}`,
    ...switchyard,
    n: options.clients,
    m: options.events,
    rate: options.rate,
    latencySeconds: options.latencySeconds,
    concurrency: options.concurrency,
    warmup: options.warmup,
    repeat: options.repeat,
    baseline,
    ratio,
    cpuEfficiencyRatio:
      switchyard.cpu && baseline.cpu ? round(baseline.cpu.serverUsPerDelivery / switchyard.cpu.serverUsPerDelivery, 3) : null,
    targetRatio: TARGET_RATIO,
    meetsTarget: ratio >= TARGET_RATIO,
    quick: options.quick,
    env: { node: process.version, platform: `${process.platform}-${process.arch}`, cpus: cpus().length, cpuModel: cpus()[0]?.model ?? '' },
    at: new Date().toISOString(),
  };
}

/** Writes `fanout-<timestamp>.jsonl` and the `latest-` copy; quick runs get their own names so a smoke run never replaces the committed figures. */
export function writeResults(dir: string, lines: ScenarioLine[], quick: boolean): string[] {
  mkdirSync(dir, { recursive: true });
  const name = quick ? 'fanout-quick' : 'fanout';
  const stamp = new Date().toISOString().replace(/[:.]/g, '-');
  const text = lines.map((l) => JSON.stringify(l)).join('\n') + '\n';
  const files = [join(dir, `${name}-${stamp}.jsonl`), join(dir, `latest-${name}.jsonl`)];
  for (const file of files) writeFileSync(file, text);
  return files;
}

const fmtInt = (n: number): string => Math.round(n).toLocaleString('en-US');
const fmtMs = (n: number): string => n.toFixed(n < 10 ? 2 : 1);

export function table(lines: ScenarioLine[]): string {
  const header = ['scenario', 'target', 'clients', 'events', 'frame B', 'deliveries/s', '(min-max)', 'p50 ms', 'p99 ms', 'p99.9 ms', 'max ms', 'srv µs/dlv', 'cpu srv/load/other', 'ratio', 'cpu ratio'];
  const rows: string[][] = [];
  for (const line of lines) {
    for (const s of [line as TargetSummary, line.baseline]) {
      const isSwitchyard = s.target === 'switchyard';
      rows.push([
        line.scenario,
        s.target,
        String(line.n),
        String(line.m),
        String(s.frameBytes),
        fmtInt(s.deliveriesPerSec),
        `${fmtInt(s.deliveriesPerSecRange[0])}-${fmtInt(s.deliveriesPerSecRange[1])}`,
        fmtMs(s.latencyMs.p50),
        fmtMs(s.latencyMs.p99),
        fmtMs(s.latencyMs.p999),
        fmtMs(s.latencyMs.max),
        s.cpu ? s.cpu.serverUsPerDelivery.toFixed(2) : 'n/a',
        s.cpu ? `${s.cpu.server.toFixed(2)}/${s.cpu.load.toFixed(2)}/${s.cpu.other.toFixed(2)}` : 'n/a',
        isSwitchyard ? `${line.ratio.toFixed(2)}x ${line.meetsTarget ? 'ok' : `< ${TARGET_RATIO}x`}` : '1.00x',
        line.cpuEfficiencyRatio === null ? 'n/a' : isSwitchyard ? `${line.cpuEfficiencyRatio.toFixed(2)}x` : '1.00x',
      ]);
    }
  }
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
  const numeric = (i: number): boolean => i >= 2;
  const fmt = (cells: string[]): string => cells.map((c, i) => (numeric(i) ? c.padStart(widths[i]) : c.padEnd(widths[i]))).join('  ');
  return [fmt(header), widths.map((w) => '-'.repeat(w)).join('  '), ...rows.map(fmt)].join('\n');
}
