// What every scenario prints: one JSON line per measured case, in one shape for all scenarios
// (switchyard's figures, the baseline's, their ratio, and where it stands against the issue's
// targets), a table for people, and the result files under bench/results/. Also the fan-out
// scenarios' summaries of repeated runs.
import { mkdirSync, writeFileSync } from 'node:fs';
import { cpus } from 'node:os';
import { join } from 'node:path';
import { REPO_ROOT } from './children';
import type { FanoutOptions, Scenario, Size } from './options';
import type { Target } from './protocol';
import type { RunResult } from './run';
import { spread, type Spread } from './stats';

/** Other processes using more than this many cores during a measured phase make it "contended". */
export const CONTENDED_CORES = 0.3;

export const round = (n: number, digits = 0): number => Number(n.toFixed(digits));
export type Range = [number, number];
export const range = (s: Spread, digits = 0): Range => [round(s.min, digits), round(s.max, digits)];

/** One of the issue's targets, evaluated on this line's figures. */
export interface TargetCheck {
  name: string;
  /** What `value` is, e.g. "deliveries/s ratio to bare ws". */
  metric: string;
  value: number | null;
  op: '>=' | '<=';
  threshold: number;
  /** null when the figure could not be measured (the line says why in `note`). */
  met: boolean | null;
  note?: string;
}

export function check(name: string, metric: string, value: number | null, op: '>=' | '<=', threshold: number, note?: string): TargetCheck {
  const met = value === null || !Number.isFinite(value) ? null : op === '>=' ? value >= threshold : value <= threshold;
  return note === undefined ? { name, metric, value, op, threshold, met } : { name, metric, value, op, threshold, met, note };
}

/** The JSON line every scenario prints for every case it measured (plus `env` and `at`). */
export interface BenchFields {
  /** e.g. fanout-games, fanout-workspace, events-api-memory, kafka-latency, connections-games, validators. */
  scenario: string;
  size: Size;
  params: Record<string, unknown>;
  /** Switchyard's figures (median and spread over repeats where repeated). */
  figures: Record<string, unknown>;
  /** What the baseline is, e.g. "bare-ws". */
  baselineName: string | null;
  baseline: Record<string, unknown> | null;
  /** The headline comparison: switchyard / baseline on `ratioOf` (for memory: lower is better). */
  ratio: number | null;
  ratioOf: string | null;
  targets: TargetCheck[];
  /** Runs during which other processes used more than CONTENDED_CORES. */
  contendedRuns: number;
}

export type BenchLine = BenchFields & {
  env: { node: string; platform: string; cpus: number; cpuModel: string };
  at: string;
  [extra: string]: unknown;
};

/** The keys every line has (the smoke test checks them). */
export const LINE_KEYS = ['scenario', 'size', 'params', 'figures', 'baselineName', 'baseline', 'ratio', 'ratioOf', 'targets', 'contendedRuns', 'env', 'at'] as const;

export function benchLine(fields: BenchFields & Record<string, unknown>): BenchLine {
  // Tiny runs show that a scenario works; their figures say nothing about the targets.
  const targets = fields.size === 'tiny' ? fields.targets.map((t) => ({ ...t, met: null, note: 'tiny run: not a measurement' })) : fields.targets;
  return {
    ...fields,
    targets,
    env: { node: process.version, platform: `${process.platform}-${process.arch}`, cpus: cpus().length, cpuModel: cpus()[0]?.model ?? '' },
    at: new Date().toISOString(),
  };
}

/** bench/results, or BENCH_RESULTS_DIR (the smoke test writes to a temporary directory). */
export function resultsDir(): string {
  return process.env.BENCH_RESULTS_DIR || join(REPO_ROOT, 'bench', 'results');
}

/**
 * Writes `<name>-<timestamp>.jsonl` and `latest-<name>.jsonl` (full) or `latest-<name>-quick.jsonl`
 * (quick); only the latest-* files are committed. Tiny runs write `tiny-<name>.jsonl` only, so a
 * smoke run never replaces real figures.
 */
export function writeResults(name: string, lines: BenchLine[], size: Size): string[] {
  const dir = resultsDir();
  mkdirSync(dir, { recursive: true });
  const text = lines.map((l) => JSON.stringify(l)).join('\n') + '\n';
  const stamp = new Date().toISOString().replace(/[:.]/g, '-');
  const files =
    size === 'tiny'
      ? [join(dir, `tiny-${name}.jsonl`)]
      : size === 'quick'
        ? [join(dir, `${name}-quick-${stamp}.jsonl`), join(dir, `latest-${name}-quick.jsonl`)]
        : [join(dir, `${name}-${stamp}.jsonl`), join(dir, `latest-${name}.jsonl`)];
  for (const file of files) writeFileSync(file, text);
  return files;
}

export const fmtInt = (n: number): string => Math.round(n).toLocaleString('en-US');
export const fmtMs = (n: number): string => (Number.isFinite(n) ? n.toFixed(n < 10 ? 2 : 1) : 'n/a');
export const fmtRatio = (n: number | null): string => (n === null || !Number.isFinite(n) ? 'n/a' : `${n.toFixed(2)}x`);
/** Cores of several processes, e.g. each worker's: `0.62 + 0.53`. */
/** The load generator's collections in a run's latency phase, for its log line ('' when not counted). */
export function loadGcText(r: RunResult): string {
  const gc = r.latency.loadGc;
  return gc ? ` (load generator GC: ${gc.full} full ${gc.fullMs.toFixed(1)} ms, ${gc.other} other ${gc.otherMs.toFixed(1)} ms)` : '';
}

export const fmtCores = (cores: number[]): string => cores.map((c) => c.toFixed(2)).join(' + ');

/** A plain text table; columns from `numericFrom` on are right-aligned. */
export function renderTable(header: string[], rows: string[][], numericFrom = 2): string {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const fmt = (cells: string[]): string =>
    cells.map((c, i) => (i >= numericFrom ? (c ?? '').padStart(widths[i]) : (c ?? '').padEnd(widths[i]))).join('  ').trimEnd();
  return [fmt(header), widths.map((w) => '-'.repeat(w)).join('  '), ...rows.map(fmt)].join('\n');
}

/** "name: value op threshold -> met" lines for the targets of some lines. */
export function targetLines(lines: BenchLine[]): string[] {
  return lines.flatMap((l) =>
    l.targets.map((t) => {
      const verdict = t.met === null ? 'not measured' : t.met ? 'met' : 'MISSED';
      const value = t.value === null ? 'n/a' : String(t.value);
      return `target ${t.name} [${l.scenario}${l.params.clients !== undefined ? ` n=${l.params.clients}` : ''}]: ${t.metric} ${value} (${t.op} ${t.threshold}) -> ${verdict}${t.note ? ` (${t.note})` : ''}`;
    }),
  );
}

// ---------------------------------------------------------------------------------------------
// Fan-out: summaries of repeated runs of one target.

export const TARGET_RATIO = 0.9;

export interface CpuSummary {
  /** Cores busy (1.0 = one core for the whole phase). */
  server: number;
  load: number;
  /** Other processes and unattributed kernel work: above ~0.3 the machine was shared and figures are noisy. */
  other: number;
  /** Server CPU time per delivery: unlike deliveries/s, barely moved by other load on the machine. */
  serverUsPerDelivery: number;
  /** Server write system calls per delivery (below 1: frames to a socket coalesced into one writev). */
  serverWritesPerDelivery: number | null;
}

export interface TargetSummary {
  target: Target;
  runs: number;
  frameBytes: number;
  /** Median over runs; the matching `...Range` is [min, max]. */
  deliveriesPerSec: number;
  deliveriesPerSecRange: Range;
  throughputElapsedMs: number;
  /** `first`: each event's first delivery (LatencySummary.first), median over the events. */
  latencyMs: { p50: number; p99: number; p999: number; max: number; first: number };
  latencyMsRange: { p50: Range; p99: Range; p999: Range; max: Range; first: Range };
  latencySamples: number;
  /** Publish to receive in the throughput phase (saturated), sampled clients; medians over runs. */
  saturatedMs: { p50: number; p99: number };
  saturatedMsRange: { p50: Range; p99: Range };
  /** Throughput phase, medians over runs; null where /proc is not available. */
  cpu: CpuSummary | null;
  /** Latency phase (fixed rate below saturation): server CPU per delivery, µs, median; null without /proc. */
  latencyServerUsPerDelivery: number | null;
  contendedRuns: number;
  connectMs: number;
}

export function summarize(target: Target, runs: RunResult[]): TargetSummary {
  // A run without a latency phase has no latency figures: NaN, which crossed the IPC channel as null.
  const of = (pick: (r: RunResult) => number | null): Spread => spread(runs.map((r) => pick(r) ?? NaN));
  const dps = of((r) => r.throughput.deliveriesPerSec);
  const p50 = of((r) => r.latency.p50);
  const p99 = of((r) => r.latency.p99);
  const p999 = of((r) => r.latency.p999);
  const max = of((r) => r.latency.max);
  const first = of((r) => r.latency.first ?? null);
  const satP50 = of((r) => r.throughput.latency.p50);
  const satP99 = of((r) => r.throughput.latency.p99);
  const measured = runs.every((r) => r.cpu !== undefined);
  const cpu = measured
    ? {
        server: round(of((r) => r.cpu!.server).median, 2),
        load: round(of((r) => r.cpu!.load).median, 2),
        other: round(of((r) => r.cpu!.other).median, 2),
        serverUsPerDelivery: round(of((r) => (r.cpu!.serverSeconds * 1e6) / r.throughput.deliveries).median, 2),
        serverWritesPerDelivery: runs.every((r) => r.cpu!.serverWrites !== undefined)
          ? round(of((r) => r.cpu!.serverWrites! / r.throughput.deliveries).median, 3)
          : null,
      }
    : null;
  return {
    target,
    runs: runs.length,
    frameBytes: runs[0].frameBytes,
    deliveriesPerSec: round(dps.median),
    deliveriesPerSecRange: range(dps),
    throughputElapsedMs: round(of((r) => r.throughput.elapsedMs).median, 1),
    latencyMs: { p50: round(p50.median, 2), p99: round(p99.median, 2), p999: round(p999.median, 2), max: round(max.median, 2), first: round(first.median, 2) },
    latencyMsRange: { p50: range(p50, 2), p99: range(p99, 2), p999: range(p999, 2), max: range(max, 2), first: range(first, 2) },
    latencySamples: runs[0].latency.count,
    saturatedMs: { p50: round(satP50.median, 2), p99: round(satP99.median, 2) },
    saturatedMsRange: { p50: range(satP50, 2), p99: range(satP99, 2) },
    cpu,
    latencyServerUsPerDelivery: runs.every((r) => r.latencyCpu !== undefined)
      ? round(of((r) => (r.latencyCpu!.serverSeconds * 1e6) / r.latency.count).median, 2)
      : null,
    contendedRuns: runs.filter((r) => (r.cpu?.other ?? 0) > CONTENDED_CORES).length,
    connectMs: round(of((r) => r.connectMs).median),
  };
}

export interface FanoutCase {
  scenario: Scenario;
  clients: number;
  events: number;
  rate: number;
}

/** The line of one fan-out case: switchyard vs its bare baseline at one client count. */
export function fanoutLine(c: FanoutCase, options: FanoutOptions, switchyard: TargetSummary, baseline: TargetSummary): BenchLine {
  const ratio = round(switchyard.deliveriesPerSec / baseline.deliveriesPerSec, 3);
  const cpuEfficiencyRatio = switchyard.cpu && baseline.cpu ? round(baseline.cpu.serverUsPerDelivery / switchyard.cpu.serverUsPerDelivery, 3) : null;
  const transport = c.scenario === 'workspace' ? 'socket.io' : 'ws';
  return benchLine({
    scenario: `fanout-${c.scenario}`,
    size: options.size,
    params: {
      clients: c.clients,
      events: c.events,
      rate: c.rate,
      latencyDeliveriesPerSec: Math.round(c.rate * c.clients),
      latencySeconds: options.latencySeconds,
      concurrency: options.concurrency,
      warmup: options.warmup,
      repeat: options.repeat,
      pinned: options.pin,
    },
    figures: { ...switchyard },
    baselineName: baseline.target,
    baseline: { ...baseline },
    ratio,
    ratioOf: 'deliveriesPerSec',
    cpuEfficiencyRatio,
    targets: [check(`${transport} fan-out >= ${TARGET_RATIO}x bare ${transport}`, `deliveries/s ratio to ${baseline.target}`, ratio, '>=', TARGET_RATIO)],
    contendedRuns: switchyard.contendedRuns + baseline.contendedRuns,
  });
}

export function fanoutTable(lines: BenchLine[]): string {
  const header = ['scenario', 'target', 'clients', 'events', 'frame B', 'deliveries/s', '(min-max)', 'p50 ms', 'p99 ms', 'p99.9 ms', 'max ms', 'srv µs/dlv', 'at rate', 'writes/dlv', 'cpu srv/load/other', 'ratio', 'cpu ratio'];
  const rows: string[][] = [];
  for (const line of lines) {
    for (const s of [line.figures, line.baseline] as unknown as TargetSummary[]) {
      const isSwitchyard = s.target === 'switchyard';
      const cpuRatio = line.cpuEfficiencyRatio as number | null;
      rows.push([
        line.scenario,
        s.target,
        String(line.params.clients),
        String(line.params.events),
        String(s.frameBytes),
        fmtInt(s.deliveriesPerSec),
        `${fmtInt(s.deliveriesPerSecRange[0])}-${fmtInt(s.deliveriesPerSecRange[1])}`,
        fmtMs(s.latencyMs.p50),
        fmtMs(s.latencyMs.p99),
        fmtMs(s.latencyMs.p999),
        fmtMs(s.latencyMs.max),
        s.cpu ? s.cpu.serverUsPerDelivery.toFixed(2) : 'n/a',
        s.latencyServerUsPerDelivery === null || s.latencyServerUsPerDelivery === undefined ? 'n/a' : s.latencyServerUsPerDelivery.toFixed(2),
        s.cpu?.serverWritesPerDelivery == null ? 'n/a' : s.cpu.serverWritesPerDelivery.toFixed(2),
        s.cpu ? `${s.cpu.server.toFixed(2)}/${s.cpu.load.toFixed(2)}/${s.cpu.other.toFixed(2)}` : 'n/a',
        isSwitchyard ? `${fmtRatio(line.ratio)} ${line.targets[0].met ? 'ok' : `< ${TARGET_RATIO}x`}` : '1.00x',
        cpuRatio === null ? 'n/a' : isSwitchyard ? fmtRatio(cpuRatio) : '1.00x',
      ]);
    }
  }
  return renderTable(header, rows);
}
