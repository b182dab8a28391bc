// bench/centrifugo: Switchyard (games and pizza) side by side with the peer its users would pick
// instead, Centrifugo, and with the bare `ws` broadcast server, in one run, interleaved: one load
// generator (bench/clients/fanout-clients.ts) drives every target the same way.
//
//   fan-out   N clients in one audience (1k, 5k), events published one per request and in batches:
//             deliveries/s, and deliveries per second of server CPU (per core); publish-to-receive
//             p50/p99 at a fixed 20,000 deliveries/s (per-request runs)
//   publish   one subscriber, HTTP publishes back to back: publishes/s and µs of server CPU each
//
// Centrifugo is built by scripts/centrifugo.sh into ~/.cache/switchyard (the full size builds it when
// missing; quick and tiny only use it when already built). Without it the other targets still run
// and the lines say why Centrifugo is missing. Idle memory per connection is in bench/connections.ts.
import { Launcher } from './lib/children';
import { locateCentrifugo } from './lib/centrifugo';
import { scriptMain } from './lib/main';
import { defineOptions, optionsOrExit, type Scenario, type Size } from './lib/options';
import type { GamesEvent } from './lib/payloads';
import type { LoadPlan, Target } from './lib/protocol';
import { log, quietest } from './lib/quiet';
import {
  benchLine, check, CONTENDED_CORES, fmtInt, fmtMs, fmtRatio, loadGcText, renderTable, round, summarize, targetLines, writeResults,
  type BenchLine, type TargetSummary,
} from './lib/report';
import { runOnce, type RunResult } from './lib/run';

type Mode = 'request' | 'batch';
const MODES: readonly Mode[] = ['request', 'batch'];
type Case = 'fanout' | 'publish';
const CASES: readonly Case[] = ['fanout', 'publish'];
const APIS = ['games', 'pizza'] as const satisfies readonly Scenario[];
type Api = (typeof APIS)[number];

interface Options {
  size: Size;
  cases: Case[];
  modes: Mode[];
  apis: Api[];
  /** The games broadcast: `join` (the Player, a frame the size of the pizza one the peers carry) or `update`. */
  gamesEvent: GamesEvent;
  clients: number[];
  throughputDeliveries: number;
  /** Deliveries/s of the latency phase (per-request fan-out runs). */
  latencyDeliveries: number;
  latencySeconds: number;
  /** Events per batch publish request. */
  batch: number;
  /**
   * Batch runs publish this many times the events of per-request runs: batched, the fastest target
   * would otherwise finish within /proc's shortest meaningful CPU window (0.5 s) and show no CPU.
   */
  batchScale: number;
  concurrency: number;
  /** The publish case: events published to one subscriber, and requests in flight. */
  publishEvents: number;
  publishConcurrency: number;
  warmup: number;
  repeat: number;
  retries: number;
  stallSeconds: number;
  pin: boolean;
  /** Build Centrifugo when it is not in the cache (minutes, once). */
  build: boolean;
}

const FULL: Options = {
  size: 'full',
  cases: [...CASES],
  modes: [...MODES],
  apis: [...APIS],
  gamesEvent: 'join',
  clients: [1000, 5000],
  throughputDeliveries: 400_000,
  latencyDeliveries: 20_000,
  latencySeconds: 5,
  batch: 20,
  batchScale: 4,
  concurrency: 4,
  publishEvents: 20_000,
  publishConcurrency: 16,
  warmup: 5,
  repeat: 3,
  retries: 2,
  stallSeconds: 60,
  pin: true,
  build: true,
};

const OPTIONS = defineOptions<Options>(
  'npx tsx bench/centrifugo.ts',
  [
    { flag: '--case', key: 'cases', kind: 'strings', choices: CASES, help: 'fanout | publish | all, or a list' },
    { flag: '--mode', key: 'modes', kind: 'strings', choices: MODES, help: 'request (one event per publish) | batch | all' },
    { flag: '--api', key: 'apis', kind: 'strings', choices: APIS, help: 'switchyard APIs: games | pizza | all' },
    { flag: '--games-event', key: 'gamesEvent', kind: 'string', choices: ['join', 'update'], help: 'games broadcast: join (Player, ~300 B frames like the peers\' ~400 B) | update (GameSnapshot, ~1.4 KB)' },
    { flag: '--clients', key: 'clients', kind: 'numbers', help: 'fan-out clients per run, a list' },
    { flag: '--deliveries', key: 'throughputDeliveries', kind: 'int', help: 'deliveries the fan-out throughput phase aims at' },
    { flag: '--latency-deliveries', key: 'latencyDeliveries', kind: 'int', help: 'deliveries/s of the latency phase' },
    { flag: '--latency-seconds', key: 'latencySeconds', kind: 'number', min: 0.1, help: 'length of the latency phase' },
    { flag: '--batch', key: 'batch', kind: 'int', min: 2, help: 'events per batch publish request' },
    { flag: '--batch-scale', key: 'batchScale', kind: 'int', help: 'batch runs publish this many times the events of per-request runs (long enough for CPU accounting)' },
    { flag: '--concurrency', key: 'concurrency', kind: 'int', help: 'publish requests in flight in the fan-out throughput phase' },
    { flag: '--publish-events', key: 'publishEvents', kind: 'int', help: 'events of the publish case (one subscriber)' },
    { flag: '--publish-concurrency', key: 'publishConcurrency', kind: 'int', help: 'publish requests in flight in the publish case' },
    { flag: '--warmup', key: 'warmup', kind: 'int', help: 'discarded warm-up events' },
    { flag: '--repeat', key: 'repeat', kind: 'int', help: 'runs per case and target; median and min-max' },
    { flag: '--retries', key: 'retries', kind: 'int', min: 0, help: 'reruns of a run disturbed by other processes' },
    { flag: '--stall-seconds', key: 'stallSeconds', kind: 'number', min: 1, help: 'abort when a phase makes no progress this long' },
    { flag: '--pin', key: 'pin', kind: 'boolean', help: 'server on one core, load generator on the other (taskset; --pin=false to leave them free)' },
    { flag: '--build', key: 'build', kind: 'boolean', help: 'build Centrifugo with scripts/centrifugo.sh when it is not built (--build=false: skip it then)' },
  ],
  {
    full: FULL,
    // The quick set's share: pizza only (games is in fanout.ts), 1k clients, one repeat.
    quick: { ...FULL, size: 'quick', apis: ['pizza'], clients: [1000], throughputDeliveries: 200_000, latencySeconds: 2, publishEvents: 5_000, repeat: 1, retries: 1, build: false },
    tiny: {
      // Smoke size: the fan-out path of each target, per request and batched; games is fanout.ts's to smoke.
      ...FULL, size: 'tiny', cases: ['fanout'], apis: ['pizza'], clients: [50], throughputDeliveries: 1_000, latencyDeliveries: 1_000, latencySeconds: 1, batch: 5, batchScale: 1, publishEvents: 40,
      warmup: 3, repeat: 1, retries: 0, stallSeconds: 30, build: false,
    },
  },
  'Idle memory per connection, Centrifugo included, is measured by bench/connections.ts.',
);

/** One server under test; bare ws and Centrifugo carry the pizza frame (Centrifugo inside its push envelope). */
interface Peer {
  label: string;
  target: Target;
  scenario: Scenario;
}

const peersOf = (options: Options, centrifugo: boolean): Peer[] => [
  ...options.apis.map((api): Peer => ({ label: `switchyard-${api}`, target: 'switchyard', scenario: api })),
  { label: 'bare-ws', target: 'bare-ws', scenario: 'pizza' },
  ...(centrifugo ? [{ label: 'centrifugo', target: 'centrifugo', scenario: 'pizza' } satisfies Peer] : []),
];

export interface PeerSummary extends TargetSummary {
  label: string;
  /** Deliveries per second of server CPU (deliveries / server CPU seconds); null without /proc. */
  deliveriesPerCoreSec: number | null;
}

function peerSummary(peer: Peer, runs: RunResult[]): PeerSummary {
  const s = summarize(peer.target, runs);
  return { label: peer.label, ...s, deliveriesPerCoreSec: s.cpu ? round(1e6 / s.cpu.serverUsPerDelivery) : null };
}

interface CaseSpec {
  kind: Case;
  mode: Mode;
  clients: number;
  events: number;
  rate: number;
  latencySeconds: number;
  concurrency: number;
}

function caseSpecs(options: Options): CaseSpec[] {
  const specs: CaseSpec[] = [];
  for (const mode of options.modes) {
    // Latency is measured once per fan-out size, in the per-request runs.
    const latencySeconds = (mode: Mode): number => (mode === 'request' ? options.latencySeconds : 0);
    const scale = mode === 'batch' ? options.batchScale : 1;
    if (options.cases.includes('fanout')) {
      for (const clients of options.clients) {
        const events = Math.max(20, Math.ceil((options.throughputDeliveries * scale) / clients));
        const rate = Number(Math.max(1, options.latencyDeliveries / clients).toFixed(2));
        specs.push({ kind: 'fanout', mode, clients, events, rate, latencySeconds: latencySeconds(mode), concurrency: options.concurrency });
      }
    }
    if (options.cases.includes('publish')) {
      specs.push({ kind: 'publish', mode, clients: 1, events: options.publishEvents * scale, rate: 1, latencySeconds: 0, concurrency: options.publishConcurrency });
    }
  }
  return specs;
}

const caseName = (c: CaseSpec): string => `${c.kind} ${c.mode}${c.kind === 'fanout' ? ` n=${c.clients}` : ''}`;

function runText(r: RunResult): string {
  const c = r.cpu;
  const head =
    `${fmtInt(r.throughput.deliveriesPerSec)} deliveries/s (saturated p99 ${fmtMs(r.throughput.latency.p99)} ms)` +
    (r.latency.count ? `, p99 ${fmtMs(r.latency.p99)} ms${loadGcText(r)}` : '');
  if (!c) return `${head}, cpu n/a`;
  const us = (c.serverSeconds * 1e6) / r.throughput.deliveries;
  const busy = c.other > CONTENDED_CORES ? ` -- BUSY MACHINE: other ${c.other.toFixed(2)} cores` : '';
  return `${head}, server ${c.server.toFixed(2)} cores (${us.toFixed(2)} µs/delivery, ${fmtInt(1e6 / us)}/core-s), load ${c.load.toFixed(2)}, other ${c.other.toFixed(2)}${busy}`;
}

async function runCase(launcher: Launcher, spec: CaseSpec, peers: Peer[], options: Options, binary: string | undefined): Promise<Map<string, PeerSummary>> {
  const runs = new Map<string, RunResult[]>(peers.map((p) => [p.label, []]));
  for (let rep = 1; rep <= options.repeat; rep++) {
    // Rotate the order every repeat, so drift of a shared machine favours no target.
    const order = peers.map((_, i) => peers[(i + rep - 1) % peers.length]);
    for (const peer of order) {
      log(`[${caseName(spec)} ${rep}/${options.repeat}] ${peer.label}: ${spec.clients} client(s), ${spec.events} events${spec.mode === 'batch' ? ` in batches of ${options.batch}` : ''}`);
      const plan: Omit<LoadPlan, 'port'> = {
        target: peer.target,
        scenario: peer.scenario,
        gamesEvent: options.gamesEvent,
        clients: spec.clients,
        events: spec.events,
        rate: spec.rate,
        latencySeconds: spec.latencySeconds,
        warmup: options.warmup,
        concurrency: spec.concurrency,
        batch: spec.mode === 'batch' ? options.batch : 1,
      };
      const result = await quietest(
        options.retries,
        () => runOnce(launcher, plan, { stallMs: options.stallSeconds * 1000, pin: options.pin, centrifugoBinary: binary }),
        (r) => r.cpu?.other,
        runText,
      );
      runs.get(peer.label)!.push(result);
    }
  }
  return new Map(peers.map((p) => [p.label, peerSummary(p, runs.get(p.label)!)]));
}

const ratioOf = (a: number | null | undefined, b: number | null | undefined): number | null =>
  a == null || b == null || !Number.isFinite(a) || !Number.isFinite(b) || b === 0 ? null : round(a / b, 3);

function caseLines(spec: CaseSpec, summaries: Map<string, PeerSummary>, options: Options, missing: string | undefined): BenchLine[] {
  const cf = summaries.get('centrifugo');
  const bare = summaries.get('bare-ws')!;
  return options.apis.map((api) => {
    const sw = summaries.get(`switchyard-${api}`)!;
    const ratios = {
      perCoreToCentrifugo: ratioOf(sw.deliveriesPerCoreSec, cf?.deliveriesPerCoreSec),
      rawToCentrifugo: ratioOf(sw.deliveriesPerSec, cf?.deliveriesPerSec),
      perCoreToBareWs: ratioOf(sw.deliveriesPerCoreSec, bare.deliveriesPerCoreSec),
      rawToBareWs: ratioOf(sw.deliveriesPerSec, bare.deliveriesPerSec),
      p99ToCentrifugo: spec.latencySeconds > 0 ? ratioOf(sw.latencyMs.p99, cf?.latencyMs.p99) : null,
      p99ToBareWs: spec.latencySeconds > 0 ? ratioOf(sw.latencyMs.p99, bare.latencyMs.p99) : null,
      // The same per-core comparison at the latency phase's fixed rate, where every target is sent the
      // same requests at the same times: what a delivery costs when no target is saturated.
      cpuAtRateToCentrifugo: ratioOf(sw.latencyServerUsPerDelivery, cf?.latencyServerUsPerDelivery),
    };
    const note = cf ? undefined : `no Centrifugo: ${missing}`;
    const targets =
      spec.kind === 'fanout'
        ? [
            check(`${api} fan-out (${spec.mode}) per core >= Centrifugo`, 'deliveries per server CPU second, ratio to centrifugo', ratios.perCoreToCentrifugo, '>=', 1, note),
            ...(spec.latencySeconds > 0
              ? [check(`${api} p99 at ${fmtInt(spec.rate * spec.clients)} deliveries/s <= Centrifugo`, 'p99 ratio to centrifugo', ratios.p99ToCentrifugo, '<=', 1, note)]
              : []),
          ]
        : [];
    return benchLine({
      scenario: `centrifugo-${spec.kind}-${api}`,
      size: options.size,
      params: {
        clients: spec.clients,
        publish: spec.mode,
        batch: spec.mode === 'batch' ? options.batch : 1,
        events: spec.events,
        concurrency: spec.concurrency,
        rate: spec.latencySeconds > 0 ? spec.rate : null,
        latencyDeliveriesPerSec: spec.latencySeconds > 0 ? Math.round(spec.rate * spec.clients) : null,
        latencySeconds: spec.latencySeconds,
        repeat: options.repeat,
        pinned: options.pin,
        centrifugo: cf ? 'v6.9.1' : `missing: ${missing}`,
      },
      figures: { ...sw },
      baselineName: 'centrifugo',
      baseline: cf ? { ...cf } : null,
      ratio: ratios.perCoreToCentrifugo,
      ratioOf: 'deliveriesPerCoreSec',
      bareWs: { ...bare },
      ratios,
      targets,
      contendedRuns: sw.contendedRuns + bare.contendedRuns + (cf?.contendedRuns ?? 0),
    });
  });
}

function table(specs: CaseSpec[], results: Array<Map<string, PeerSummary>>): string {
  const header = ['case', 'target', 'frame B', 'deliveries/s', '(min-max)', 'srv cores', 'srv µs/dlv', 'per core', 'µs/dlv at rate', '1st ms', 'p50 ms', 'p99 ms', 'sat p50', 'sat p99', 'x cf', 'x cf/core', 'x bare', 'x bare/core'];
  const rows: string[][] = [];
  specs.forEach((spec, i) => {
    const s = results[i];
    const cf = s.get('centrifugo');
    const bare = s.get('bare-ws')!;
    for (const p of s.values()) {
      const lat = spec.latencySeconds > 0;
      rows.push([
        caseName(spec),
        p.label,
        String(p.frameBytes),
        fmtInt(p.deliveriesPerSec),
        `${fmtInt(p.deliveriesPerSecRange[0])}-${fmtInt(p.deliveriesPerSecRange[1])}`,
        p.cpu ? p.cpu.server.toFixed(2) : 'n/a',
        p.cpu ? p.cpu.serverUsPerDelivery.toFixed(2) : 'n/a',
        p.deliveriesPerCoreSec === null ? 'n/a' : fmtInt(p.deliveriesPerCoreSec),
        lat ? (p.latencyServerUsPerDelivery?.toFixed(2) ?? 'n/a') : '',
        lat ? fmtMs(p.latencyMs.first) : '',
        lat ? fmtMs(p.latencyMs.p50) : '',
        lat ? fmtMs(p.latencyMs.p99) : '',
        spec.kind === 'fanout' ? fmtMs(p.saturatedMs.p50) : '',
        spec.kind === 'fanout' ? fmtMs(p.saturatedMs.p99) : '',
        fmtRatio(ratioOf(p.deliveriesPerSec, cf?.deliveriesPerSec)),
        fmtRatio(ratioOf(p.deliveriesPerCoreSec, cf?.deliveriesPerCoreSec)),
        fmtRatio(ratioOf(p.deliveriesPerSec, bare.deliveriesPerSec)),
        fmtRatio(ratioOf(p.deliveriesPerCoreSec, bare.deliveriesPerCoreSec)),
      ]);
    }
  });
  return renderTable(header, rows);
}

async function main(): Promise<void> {
  const options = optionsOrExit(OPTIONS, process.argv.slice(2), 'centrifugo');
  const found = locateCentrifugo(options.build);
  const binary = 'binary' in found ? found.binary : undefined;
  const missing = 'missing' in found ? found.missing : undefined;
  if (missing) log(`centrifugo: skipped, the other targets still run: ${missing}`);
  else log(`centrifugo: ${binary}`);
  const peers = peersOf(options, binary !== undefined);
  const specs = caseSpecs(options);
  const launcher = new Launcher(Math.max(...options.clients, 1));
  const results: Array<Map<string, PeerSummary>> = [];
  const done: CaseSpec[] = [];
  const failures: string[] = [];
  const lines: BenchLine[] = [];
  for (const spec of specs) {
    // A case that fails (a server closing clients under load, say) is reported; the others still run
    // and their figures are written.
    let summaries: Map<string, PeerSummary>;
    try {
      summaries = await runCase(launcher, spec, peers, options, binary);
    } catch (err) {
      failures.push(`${caseName(spec)}: ${err instanceof Error ? err.message.split('\n')[0] : String(err)}`);
      log(`case ${failures[failures.length - 1]}`);
      continue;
    }
    done.push(spec);
    results.push(summaries);
    for (const line of caseLines(spec, summaries, options, missing)) {
      lines.push(line);
      console.log(JSON.stringify(line));
    }
  }
  const files = writeResults('centrifugo', lines, options.size);
  console.log(`\n${table(done, results)}\n`);
  console.log('deliveries/s: throughput phase (publish case: one subscriber, so publishes/s); per core: deliveries per second of server CPU (srv µs/dlv: µs of server CPU per delivery, per publish in the publish case)');
  console.log('µs/dlv at rate: µs of server CPU per delivery in the latency phase, where every target is sent the same requests at the same times (none saturated, so no batching of its own)');
  console.log(`p50/p99: publish to receive at a fixed ${fmtInt(options.latencyDeliveries)} deliveries/s (per-request fan-out runs); 1st: each event's first delivery, median over the events (the server's part; the rest arrive as the load generator reads them); x cf, x bare: the row's figure / Centrifugo's, / bare ws's`);
  console.log('sat p50/p99: publish to receive in the throughput phase (the server saturated), timed at a sample of the clients: what a target\'s batching costs in delay');
  console.log(`frames: bare ws and Centrifugo carry the pizza frame (Centrifugo inside its push envelope); games frames are its ${options.gamesEvent} broadcast${options.pin ? '; server pinned to one core' : ''}`);
  for (const t of targetLines(lines)) console.log(t);
  if (missing) console.log(`centrifugo: not measured: ${missing}`);
  if (options.size === 'tiny') console.log('tiny run: the phases last milliseconds, so these figures only show that the bench works');
  const contended = lines.reduce((n, l) => n + l.contendedRuns, 0);
  if (contended > 0) console.log(`WARNING: in ${contended} run(s) other processes used > ${CONTENDED_CORES} cores; figures are noisy, rerun on a quiet machine`);
  console.log(`written: ${files.join(', ')}`);
  if (failures.length > 0) throw new Error(`${failures.length} case(s) failed:\n  ${failures.join('\n  ')}`);
}

scriptMain('centrifugo', main);
