// bench/kafka-latency: records produced straight to the pizza topic with a plain kafkajs producer,
// delivered by the gateway (KAFKA_BROKERS set: the Kafka bus, in-memory store) to a WebSocket client
// of store 1. A ladder of fixed rates (`--rates`), each held for `--step-seconds`: p50/p99/p99.9
// produce-to-receive latency per rate, until a rate is not held (p99 > 50 ms, < 95% delivered, or
// the producer could not keep up); reported: the highest rate held. Baseline: a bare kafkajs
// consumer forwarding the topic to ws clients (servers/bare-kafka-ws-server.ts), same ladder.
//
// Kafka: KAFKA_BROKERS when set (left alone), otherwise a throwaway broker (scripts/kafka.sh, own
// state dir) stopped at the end; the broker's CPU is reported as `service` cores. Each run uses
// topics of its own (KAFKA_TOPIC_PREFIX switchyard-bench-<id>.), deleted after the run.
//
// `--client both` (Node >= 22.22, e.g. `bash scripts/node-lts.sh -- npx tsx bench/kafka-latency.ts
// --client both`): the gateway with KAFKA_CLIENT=kafkajs and with KAFKA_CLIENT=platformatic, their
// ladders interleaved in one run on the same broker, written as scenario `kafka-clients`
// (platformatic against the kafkajs baseline). `--sockets N`: N clients of the store (fan-out;
// with both clients: scenario `kafka-clients-fanout`).
import { randomUUID } from 'node:crypto';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { Kafka, logLevel } from 'kafkajs';
import { Launcher } from './lib/children';
import { scriptMain } from './lib/main';
import { defineOptions, optionsOrExit, type Size } from './lib/options';
import type { CpuUse } from './lib/proc-cpu';
import { log, quietest } from './lib/quiet';
import { benchLine, check, CONTENDED_CORES, fmtInt, fmtMs, fmtRatio, range, renderTable, resultsDir, round, targetLines, writeResults, type BenchLine } from './lib/report';
import { LOAD_CPU, runChildren, SERVER_CPU } from './lib/run';
import { ensureService, type Service } from './lib/services';
import { platformaticSupports } from '../src/config';
import { median, spread } from './lib/stats';
import type { KafkaLoadSettings, KafkaPlan, KafkaResult, KafkaStep } from './clients/kafka-load';

export const TARGET_RATE = 20_000;
export const P99_LIMIT_MS = 50;
const PARTITIONS = 3;

type KafkaClient = 'kafkajs' | 'platformatic';
/** `switchyard` runs KAFKA_CLIENT=kafkajs; `switchyard-<client>` names the client when both run. */
type Variant = 'switchyard' | `switchyard-${KafkaClient}` | 'bare-kafka';

interface Options extends KafkaLoadSettings {
  size: Size;
  baseline: boolean;
  repeat: number;
  retries: number;
  stallSeconds: number;
  pin: boolean;
  /** CPU-profile the server over the step at this rate (0: none). */
  profileRate: number;
  client: KafkaClient | 'both';
}

const FULL: Options = {
  size: 'full',
  rates: [1000, 2000, 5000, 10_000, 20_000, 30_000, 40_000],
  stepSeconds: 10,
  warmupSeconds: 5,
  drainSeconds: 5,
  p99LimitMs: P99_LIMIT_MS,
  minDelivered: 0.95,
  baseline: true,
  repeat: 2,
  retries: 1,
  stallSeconds: 60,
  pin: false,
  profileRate: 0,
  client: 'kafkajs',
  sockets: 1,
};
const OPTIONS = defineOptions<Options>(
  'npx tsx bench/kafka-latency.ts',
  [
    { flag: '--rates', key: 'rates', kind: 'numbers', help: 'events/s ladder, climbed until a rate is not held' },
    { flag: '--step-seconds', key: 'stepSeconds', kind: 'number', min: 0.5, help: 'time at each rate' },
    { flag: '--warmup-seconds', key: 'warmupSeconds', kind: 'number', help: 'discarded time at the first rate' },
    { flag: '--drain-seconds', key: 'drainSeconds', kind: 'number', help: 'wait for stragglers after each rate' },
    { flag: '--p99-limit', key: 'p99LimitMs', kind: 'number', min: 1, help: 'a rate is held with p99 (ms) at most this' },
    { flag: '--baseline', key: 'baseline', kind: 'boolean', help: 'also run the bare kafkajs -> ws baseline (--baseline=false to skip)' },
    { flag: '--repeat', key: 'repeat', kind: 'int', help: 'ladders per target; median and min-max' },
    { flag: '--retries', key: 'retries', kind: 'int', min: 0, help: 'reruns of a ladder disturbed by other processes' },
    { flag: '--stall-seconds', key: 'stallSeconds', kind: 'number', min: 1, help: 'abort when a phase makes no progress this long' },
    { flag: '--pin', key: 'pin', kind: 'boolean', help: 'pin the server to one core and the load generator to the other' },
    { flag: '--profile-rate', key: 'profileRate', kind: 'int', min: 0, help: 'CPU-profile each server over the step at this rate (bench/results/profiles/)' },
    { flag: '--client', key: 'client', kind: 'string', choices: ['kafkajs', 'platformatic', 'both'], help: "the gateway's KAFKA_CLIENT; both: side by side, interleaved (needs Node >= 22.22)" },
    { flag: '--sockets', key: 'sockets', kind: 'int', min: 1, help: 'WebSocket clients of the store: each record fans out to all' },
  ],
  {
    full: FULL,
    quick: { ...FULL, size: 'quick', rates: [1000, 5000], stepSeconds: 5, warmupSeconds: 2, drainSeconds: 3, baseline: false, repeat: 1, retries: 0 },
    tiny: { ...FULL, size: 'tiny', rates: [100, 200], stepSeconds: 1, warmupSeconds: 0.5, drainSeconds: 2, baseline: false, repeat: 1, retries: 0, stallSeconds: 90 },
  },
  'Kafka: KAFKA_BROKERS if set, else a throwaway broker started and stopped by the bench (needs Java 17+).',
);

interface Run extends KafkaResult {
  cpu: Record<string, CpuUse | undefined>;
}

function profileFile(variant: Variant, rate: number): string {
  const dir = join(resultsDir(), 'profiles');
  mkdirSync(dir, { recursive: true });
  return join(dir, `kafka-${variant}-${rate}.cpuprofile`);
}

async function deleteTopics(brokers: string, prefix: string): Promise<void> {
  const admin = new Kafka({ clientId: 'bench-admin', brokers: brokers.split(','), logLevel: logLevel.NOTHING }).admin();
  const timeout = new Promise((resolve) => setTimeout(resolve, 20_000).unref());
  await Promise.race([
    (async () => {
      await admin.connect();
      const topics = (await admin.listTopics()).filter((t) => t.startsWith(prefix));
      if (topics.length) await admin.deleteTopics({ topics, timeout: 15_000 });
    })().catch((err: unknown) => log(`  could not delete the run's topics: ${err instanceof Error ? err.message : String(err)}`)),
    timeout,
  ]);
  await admin.disconnect().catch(() => undefined);
}

async function runVariant(launcher: Launcher, variant: Variant, kafka: Service, options: Options): Promise<Run> {
  return quietest(
    options.retries,
    async () => {
      const id = randomUUID().slice(0, 8);
      const prefix = `switchyard-bench-${id}.`;
      const topic = `${prefix}pizza`;
      const client: KafkaClient = variant === 'switchyard-platformatic' ? 'platformatic' : 'kafkajs';
      const server =
        variant !== 'bare-kafka'
          ? {
              script: 'bench/servers/switchyard-server.ts',
              args: [JSON.stringify({ KAFKA_BROKERS: kafka.url, KAFKA_TOPIC_PREFIX: prefix, KAFKA_CLIENT_ID: `switchyard-bench-${id}`, KAFKA_PARTITIONS: String(PARTITIONS), KAFKA_CLIENT: client })],
            }
          : { script: 'bench/servers/bare-kafka-ws-server.ts', args: [JSON.stringify({ brokers: kafka.url, topic, partitions: PARTITIONS })] };
      // The options carry the load's settings (the child ignores the rest).
      const plan: Omit<KafkaPlan, 'port'> = { ...options, target: variant === 'bare-kafka' ? 'bare-kafka' : 'switchyard', brokers: kafka.url, topic };
      try {
        const outcome = await runChildren<typeof plan, KafkaResult>(launcher, {
          label: `kafka ${variant}`,
          server: { ...server, cpu: options.pin ? SERVER_CPU : undefined },
          load: { script: 'bench/clients/kafka-load.ts', cpu: options.pin ? LOAD_CPU : undefined },
          plan,
          stallMs: options.stallSeconds * 1000,
          cpuPhases: options.rates.map((r) => `step-${r}`),
          servicePids: kafka.pids,
          profile: options.profileRate > 0 ? { phase: `step-${options.profileRate}`, file: profileFile(variant, options.profileRate), tool: 'v8' } : undefined,
          onPhase: (text) => (/step-\d+ start/.test(text) ? log(`  ${text}`) : undefined),
        });
        return { ...outcome.result, cpu: outcome.cpu };
      } finally {
        await deleteTopics(kafka.url, prefix);
      }
    },
    (r) => Math.max(0, ...Object.values(r.cpu).map((c) => c?.other ?? 0)),
    (r) =>
      r.steps
        .map((s) => {
          const c = r.cpu[`step-${s.rate}`];
          return (
            `${fmtInt(s.rate)}/s: p50 ${fmtMs(s.latency.p50)} p99 ${fmtMs(s.latency.p99)} ms, ${(s.deliveredRatio * 100).toFixed(1)}% delivered` +
            (c ? ` (server ${c.server.toFixed(2)}, kafka ${c.service.toFixed(2)}, load ${c.load.toFixed(2)}, other ${c.other.toFixed(2)} cores)` : '') +
            (s.held ? '' : ' NOT HELD')
          );
        })
        .join('\n  '),
  );
}

interface StepSummary {
  rate: number;
  runs: number;
  p50: number;
  p99: number;
  p999: number;
  max: number;
  p99Range: [number, number];
  deliveredRatio: number;
  sentPerSec: number;
  held: boolean;
  cpu: { server: number; service: number; load: number; other: number } | null;
}

function summary(target: Variant, runs: Run[], options: Options): Record<string, unknown> {
  const highest = spread(runs.map((r) => r.highestHeld));
  const steps: StepSummary[] = [];
  for (const rate of options.rates) {
    const at = runs.map((r) => ({ step: r.steps.find((s) => s.rate === rate), cpu: r.cpu[`step-${rate}`] })).filter((x): x is { step: KafkaStep; cpu: CpuUse | undefined } => !!x.step);
    if (at.length === 0) continue;
    const of = (pick: (s: KafkaStep) => number) => spread(at.map((x) => pick(x.step)));
    const cpus = at.map((x) => x.cpu).filter((c): c is CpuUse => !!c);
    steps.push({
      rate,
      runs: at.length,
      p50: round(of((s) => s.latency.p50).median, 2),
      p99: round(of((s) => s.latency.p99).median, 2),
      p999: round(of((s) => s.latency.p999).median, 2),
      max: round(of((s) => s.latency.max).median, 2),
      p99Range: range(of((s) => s.latency.p99), 2),
      deliveredRatio: round(of((s) => s.deliveredRatio).median, 4),
      sentPerSec: round(of((s) => s.sentPerSec).median),
      held: at.filter((x) => x.step.held).length * 2 > at.length,
      cpu: cpus.length === at.length
        ? {
            server: round(median(cpus.map((c) => c.server)), 2),
            service: round(median(cpus.map((c) => c.service)), 2),
            load: round(median(cpus.map((c) => c.load)), 2),
            other: round(median(cpus.map((c) => c.other)), 2),
          }
        : null,
    });
  }
  return {
    target,
    runs: runs.length,
    frameBytes: runs[0].frameBytes,
    highestRateHeld: highest.median,
    highestRateHeldRange: [highest.min, highest.max],
    steps,
    contendedRuns: runs.filter((r) => Object.values(r.cpu).some((c) => (c?.other ?? 0) > CONTENDED_CORES)).length,
  };
}

function table(line: BenchLine): string {
  const header = ['target', 'rate/s', 'p50 ms', 'p99 ms', '(min-max)', 'p99.9 ms', 'max ms', 'delivered', 'sent/s', 'cpu srv/kafka/load/other', 'held'];
  const rows: string[][] = [];
  for (const s of [line.figures, line.baseline].filter((x) => x) as Array<Record<string, any>>) {
    for (const step of s.steps as StepSummary[]) {
      rows.push([
        s.target,
        fmtInt(step.rate),
        fmtMs(step.p50),
        fmtMs(step.p99),
        `${fmtMs(step.p99Range[0])}-${fmtMs(step.p99Range[1])}`,
        fmtMs(step.p999),
        fmtMs(step.max),
        `${(step.deliveredRatio * 100).toFixed(1)}%`,
        fmtInt(step.sentPerSec),
        step.cpu ? `${step.cpu.server.toFixed(2)}/${step.cpu.service.toFixed(2)}/${step.cpu.load.toFixed(2)}/${step.cpu.other.toFixed(2)}` : 'n/a',
        step.held ? 'yes' : 'NO',
      ]);
    }
  }
  return renderTable(header, rows, 1);
}

function params(options: Options, kafka: Service | undefined): Record<string, unknown> {
  return {
    api: 'pizza',
    message: 'CREATE_PIZZA',
    clients: options.sockets,
    kafkaClient: options.client,
    rates: options.rates,
    stepSeconds: options.stepSeconds,
    warmupSeconds: options.warmupSeconds,
    p99LimitMs: options.p99LimitMs,
    minDelivered: options.minDelivered,
    partitions: PARTITIONS,
    repeat: options.repeat,
    pinned: options.pin,
    kafka: kafka ? (kafka.started ? 'throwaway broker (scripts/kafka.sh)' : 'KAFKA_BROKERS') : null,
  };
}

async function main(): Promise<void> {
  const options = optionsOrExit(OPTIONS, process.argv.slice(2), 'kafka-latency');
  if (options.client !== 'kafkajs' && !platformaticSupports(process.versions.node)) {
    throw new Error(`--client ${options.client} needs Node >= 22.22 (@platformatic/kafka); this is Node ${process.versions.node}: run it with bash scripts/node-lts.sh -- npx tsx bench/kafka-latency.ts --client ${options.client}`);
  }
  const both = options.client === 'both';
  // Both clients: platformatic measured against kafkajs as the baseline, in a results file of its own.
  const scenario = both ? (options.sockets > 1 ? 'kafka-clients-fanout' : 'kafka-clients') : 'kafka-latency';
  const main_: Variant = both ? 'switchyard-platformatic' : options.client === 'platformatic' ? 'switchyard-platformatic' : 'switchyard';
  const base: Variant | null = both ? 'switchyard-kafkajs' : options.baseline ? 'bare-kafka' : null;
  const targetName = `Kafka ${fmtInt(TARGET_RATE)} events/s with p99 < ${options.p99LimitMs} ms`;
  const got = await ensureService('kafka', log);
  if (typeof got === 'string') {
    const line = benchLine({
      scenario,
      size: options.size,
      params: params(options, undefined),
      figures: { skipped: got },
      baselineName: null,
      baseline: null,
      ratio: null,
      ratioOf: null,
      skipped: got,
      targets: [check(targetName, 'highest rate held (events/s)', null, '>=', TARGET_RATE, `not measured: ${got}`)],
      contendedRuns: 0,
    });
    console.log(JSON.stringify(line));
    writeResults(scenario, [line], options.size);
    console.log(`\n${scenario} skipped: ${got}`);
    return;
  }
  const kafka = got;
  try {
    const launcher = new Launcher(64);
    const variants: Variant[] = base ? [main_, base] : [main_];
    const runs = new Map<Variant, Run[]>();
    for (let rep = 1; rep <= options.repeat; rep++) {
      for (const variant of rep % 2 === 1 ? variants : [...variants].reverse()) {
        log(`[${scenario} ${rep}/${options.repeat}] ${variant}: rates ${options.rates.join(', ')} events/s, ${options.stepSeconds} s each`);
        runs.set(variant, [...(runs.get(variant) ?? []), await runVariant(launcher, variant, kafka, options)]);
      }
    }
    const sw = summary(main_, runs.get(main_)!, options);
    const bare = base ? summary(base, runs.get(base)!, options) : null;
    const highest = sw.highestRateHeld as number;
    const ladderTop = Math.max(...options.rates);
    const line = benchLine({
      scenario,
      size: options.size,
      params: params(options, kafka),
      figures: sw,
      baselineName: base,
      baseline: bare,
      ratio: bare && (bare.highestRateHeld as number) > 0 ? round(highest / (bare.highestRateHeld as number), 3) : null,
      ratioOf: bare ? 'highestRateHeld' : null,
      targets: [
        ladderTop < TARGET_RATE && highest === ladderTop
          ? { ...check(targetName, 'highest rate held (events/s)', highest, '>=', TARGET_RATE), met: null, note: `not reached: this size's ladder stops at ${fmtInt(ladderTop)}/s (every rate held)` }
          : check(targetName, 'highest rate held (events/s)', highest, '>=', TARGET_RATE),
      ],
      contendedRuns: (sw.contendedRuns as number) + ((bare?.contendedRuns as number | undefined) ?? 0),
    });
    console.log(JSON.stringify(line));
    const files = writeResults(scenario, [line], options.size);
    console.log(`\n${table(line)}\n`);
    console.log(`highest rate held: ${main_} ${fmtInt(highest)}/s${bare ? `, ${base} ${fmtInt(bare.highestRateHeld as number)}/s (ratio ${fmtRatio(line.ratio)})` : ''}`);
    for (const t of targetLines([line])) console.log(t);
    if (options.size === 'tiny') console.log('tiny run: figures only show that the bench works');
    console.log(`written: ${files.join(', ')}`);
  } finally {
    await kafka.stop();
  }
}

scriptMain('kafka-latency', main);
