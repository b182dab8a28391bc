// bench/connections: memory per idle connection and time to accept N connections, for switchyard's
// WebSocket APIs (games: session key + subscribe; pizza: ticket) vs a bare `ws` server, and for the
// workspace socket.io API (auth) vs a bare socket.io server (join a room); the WebSocket APIs also
// against Centrifugo (connect with a token, subscribe to one channel), when it is built
// (scripts/centrifugo.sh; the full size builds it, the others only use it when already built).
//
// Each run: a fresh server (with --expose-gc), a load generator that opens `base` connections (so
// one-off costs such as JIT and lazily built tables are paid), a checkpoint at which the parent reads
// the server's memory after full GCs, then N more connections (timed: time to accept N), a second
// checkpoint. Memory per connection = growth between the checkpoints / N: RSS, V8 heap used, and
// memory outside the heap (`external`: Buffers, sockets' native state shows in RSS only).
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { Launcher } from './lib/children';
import { locateCentrifugo } from './lib/centrifugo';
import { scriptMain } from './lib/main';
import { defineOptions, optionsOrExit, SCENARIOS, type Scenario, type Size } from './lib/options';
import type { LoadPlan, MemorySample, Target } from './lib/protocol';
import { log, quietest } from './lib/quiet';
import { benchLine, check, CONTENDED_CORES, fmtInt, fmtRatio, range, renderTable, resultsDir, round, targetLines, writeResults, type BenchLine } from './lib/report';
import { LOAD_CPU, runChildren, SERVER_CPU, SERVER_SCRIPTS, serverArgs, type RunOutcome } from './lib/run';
import { spread } from './lib/stats';
import type { ConnectResult } from './clients/fanout-clients';

type Kind = Scenario;
const KINDS = SCENARIOS;
const BASELINE: Record<Kind, Target> = { games: 'bare-ws', pizza: 'bare-ws', workspace: 'bare-socketio' };
export const MEMORY_TARGET = 1.2;

interface Options {
  size: Size;
  kinds: Kind[];
  clients: number;
  baseClients: number;
  connectInFlight: number;
  repeat: number;
  retries: number;
  stallSeconds: number;
  pin: boolean;
  heapSnapshot: boolean;
  /** Measure Centrifugo too; `build`: build it when it is not built yet (minutes, once). */
  centrifugo: boolean;
  build: boolean;
}

const FULL: Options = {
  size: 'full', kinds: [...KINDS], clients: 10_000, baseClients: 500, connectInFlight: 50, repeat: 3, retries: 2, stallSeconds: 60, pin: false, heapSnapshot: false,
  centrifugo: true, build: true,
};
const OPTIONS = defineOptions<Options>(
  'npx tsx bench/connections.ts',
  [
    { flag: '--scenario', key: 'kinds', kind: 'strings', choices: KINDS, help: 'games | pizza | workspace | all, or a list' },
    { flag: '--clients', key: 'clients', kind: 'int', help: 'connections measured (N)' },
    { flag: '--base', key: 'baseClients', kind: 'int', min: 0, help: 'connections opened before the first memory reading' },
    { flag: '--in-flight', key: 'connectInFlight', kind: 'int', help: 'handshakes in flight while connecting' },
    { flag: '--repeat', key: 'repeat', kind: 'int', help: 'runs per target; median and min-max' },
    { flag: '--retries', key: 'retries', kind: 'int', min: 0, help: 'reruns of a run disturbed by other processes' },
    { flag: '--stall-seconds', key: 'stallSeconds', kind: 'number', min: 1, help: 'abort when connecting makes no progress this long' },
    { flag: '--pin', key: 'pin', kind: 'boolean', help: 'pin the server to one core and the load generator to the other' },
    { flag: '--heap-snapshot', key: 'heapSnapshot', kind: 'boolean', help: 'write server heap snapshots at both checkpoints (bench/results/profiles/); compare with bench/heap-diff.ts' },
    { flag: '--centrifugo', key: 'centrifugo', kind: 'boolean', help: 'measure Centrifugo too, next to the WebSocket APIs (--centrifugo=false: leave it out)' },
    { flag: '--build', key: 'build', kind: 'boolean', help: 'build Centrifugo (scripts/centrifugo.sh) when it is not built yet' },
  ],
  {
    full: FULL,
    quick: { ...FULL, size: 'quick', clients: 2000, baseClients: 200, repeat: 1, retries: 1, build: false },
    tiny: { ...FULL, size: 'tiny', clients: 50, baseClients: 5, repeat: 1, retries: 0, stallSeconds: 30, build: false },
  },
);

interface Measured {
  rssPerConn: number;
  heapPerConn: number;
  externalPerConn: number;
  connectMs: number;
  connectionsPerSec: number;
  /** Server CPU per accepted connection, µs; undefined without /proc or when too short. */
  serverUsPerConn: number | undefined;
  other: number | undefined;
}

function measured(outcome: RunOutcome<ConnectResult>): Measured {
  const { base, connected } = outcome.memory as Record<'base' | 'connected', MemorySample>;
  const n = outcome.result.clients;
  const cpu = outcome.cpu.accept;
  return {
    rssPerConn: (connected.rss - base.rss) / n,
    heapPerConn: (connected.heapUsed - base.heapUsed) / n,
    externalPerConn: (connected.external - base.external) / n,
    connectMs: outcome.result.connectMs,
    connectionsPerSec: outcome.result.connectionsPerSec,
    serverUsPerConn: cpu ? (cpu.serverSeconds * 1e6) / n : undefined,
    other: cpu?.other,
  };
}

async function runTarget(launcher: Launcher, target: Target, scenario: Scenario, options: Options, centrifugoBinary: string | undefined): Promise<Measured> {
  const plan: Omit<LoadPlan, 'port'> = {
    target,
    scenario,
    mode: 'connect',
    clients: options.clients,
    baseClients: options.baseClients,
    connectInFlight: options.connectInFlight,
    events: 1,
    rate: 1,
    latencySeconds: 1,
    warmup: 1,
    concurrency: 1,
  };
  return quietest(
    options.retries,
    async () =>
      measured(
        await runChildren<typeof plan, ConnectResult>(launcher, {
          label: `connections ${scenario}/${target}`,
          server: { script: SERVER_SCRIPTS[target], args: serverArgs(target, { centrifugoBinary }), cpu: options.pin ? SERVER_CPU : undefined },
          load: { script: 'bench/clients/fanout-clients.ts', cpu: options.pin ? LOAD_CPU : undefined },
          plan,
          stallMs: options.stallSeconds * 1000,
          cpuPhases: ['accept'],
          heapSnapshotPrefix: options.heapSnapshot ? snapshotPrefix(target, scenario) : undefined,
        }),
      ),
    (m) => m.other,
    (m) =>
      `${kb(m.rssPerConn)} KB RSS, ${kb(m.heapPerConn)} KB heap, ${kb(m.externalPerConn)} KB external per connection; ` +
      `${options.clients} accepted in ${m.connectMs.toFixed(0)} ms (${fmtInt(m.connectionsPerSec)}/s)` +
      (m.serverUsPerConn === undefined ? '' : `, server ${m.serverUsPerConn.toFixed(0)} µs CPU per connection`) +
      (m.other !== undefined && m.other > CONTENDED_CORES ? ` -- BUSY MACHINE: other ${m.other.toFixed(2)} cores` : ''),
  );
}

const kb = (bytes: number): string => (bytes / 1024).toFixed(2);

function snapshotPrefix(target: Target, scenario: Scenario): string {
  const dir = join(resultsDir(), 'profiles');
  mkdirSync(dir, { recursive: true });
  return join(dir, `connections-${target === 'switchyard' ? scenario : target}`);
}

function summary(target: Target, runs: Measured[]): Record<string, unknown> {
  const of = (pick: (m: Measured) => number) => spread(runs.map(pick));
  const rss = of((m) => m.rssPerConn);
  const heap = of((m) => m.heapPerConn);
  const ext = of((m) => m.externalPerConn);
  const ms = of((m) => m.connectMs);
  const rate = of((m) => m.connectionsPerSec);
  const cpu = runs.every((m) => m.serverUsPerConn !== undefined) ? of((m) => m.serverUsPerConn!) : undefined;
  return {
    target,
    runs: runs.length,
    rssBytesPerConn: round(rss.median),
    rssBytesPerConnRange: range(rss),
    heapBytesPerConn: round(heap.median),
    heapBytesPerConnRange: range(heap),
    externalBytesPerConn: round(ext.median),
    externalBytesPerConnRange: range(ext),
    acceptMs: round(ms.median),
    acceptMsRange: range(ms),
    connectionsPerSec: round(rate.median),
    serverUsPerConn: cpu ? round(cpu.median, 1) : null,
    contendedRuns: runs.filter((m) => (m.other ?? 0) > CONTENDED_CORES).length,
  };
}

function table(lines: BenchLine[]): string {
  const header = ['scenario', 'target', 'conns', 'RSS KB/conn', '(min-max)', 'heap KB/conn', 'ext KB/conn', 'accept ms', 'conns/s', 'srv µs/conn', 'RSS ratio', 'heap ratio', 'RSS x cf'];
  const rows: string[][] = [];
  for (const line of lines) {
    const peer = line.centrifugo as Record<string, any> | null | undefined;
    for (const s of [line.figures, line.baseline!, ...(peer ? [peer] : [])] as Array<Record<string, any>>) {
      const sw = s.target === 'switchyard';
      const toBare = (key: string): string => fmtRatio(round(s[key] / (line.baseline as Record<string, any>)[key], 3));
      rows.push([
        line.scenario,
        s.target,
        String(line.params.clients),
        kb(s.rssBytesPerConn),
        `${kb(s.rssBytesPerConnRange[0])}-${kb(s.rssBytesPerConnRange[1])}`,
        kb(s.heapBytesPerConn),
        kb(s.externalBytesPerConn),
        fmtInt(s.acceptMs),
        fmtInt(s.connectionsPerSec),
        s.serverUsPerConn === null ? 'n/a' : String(s.serverUsPerConn),
        toBare('rssBytesPerConn'),
        toBare('heapBytesPerConn'),
        peer ? fmtRatio(round(s.rssBytesPerConn / peer.rssBytesPerConn, 3)) : '',
      ]);
    }
  }
  return renderTable(header, rows);
}

async function main(): Promise<void> {
  const options = optionsOrExit(OPTIONS, process.argv.slice(2), 'connections');
  const launcher = new Launcher(options.clients + options.baseClients);
  const baselines = [...new Set(options.kinds.map((k) => BASELINE[k]))];
  // Centrifugo next to the WebSocket APIs (it has no socket.io counterpart).
  const wantCentrifugo = options.centrifugo && options.kinds.some((k) => BASELINE[k] === 'bare-ws');
  const found = wantCentrifugo ? locateCentrifugo(options.build) : undefined;
  const centrifugoBinary = found && 'binary' in found ? found.binary : undefined;
  const missing = found && 'missing' in found ? found.missing : undefined;
  if (missing) log(`centrifugo: skipped, the other targets still run: ${missing}`);
  const runs = new Map<string, Measured[]>();
  const add = (key: string, m: Measured) => runs.set(key, [...(runs.get(key) ?? []), m]);
  for (let rep = 1; rep <= options.repeat; rep++) {
    const cases: Array<[Target, Scenario]> = [
      ...options.kinds.map((k): [Target, Scenario] => ['switchyard', k]),
      ...baselines.map((b): [Target, Scenario] => [b, b === 'bare-ws' ? 'games' : 'workspace']),
      ...(centrifugoBinary ? [['centrifugo', 'pizza'] satisfies [Target, Scenario]] : []),
    ];
    if (rep % 2 === 0) cases.reverse(); // alternate the order so drift favours no one
    for (const [target, scenario] of cases) {
      log(`[connections ${rep}/${options.repeat}] ${target === 'switchyard' ? `switchyard ${scenario}` : target}: ${options.baseClients} + ${options.clients} connections`);
      add(target === 'switchyard' ? scenario : target, await runTarget(launcher, target, scenario, options, centrifugoBinary));
    }
  }
  const lines = options.kinds.map((kind) => {
    const sw = summary('switchyard', runs.get(kind)!);
    const bare = summary(BASELINE[kind], runs.get(BASELINE[kind])!);
    const ratio = round((sw.rssBytesPerConn as number) / (bare.rssBytesPerConn as number), 3);
    const heapRatio = round((sw.heapBytesPerConn as number) / (bare.heapBytesPerConn as number), 3);
    const transport = kind === 'workspace' ? 'socket.io' : 'ws';
    // The issue's goal: idle memory per connection no worse than Centrifugo's.
    const peer = transport === 'ws' && wantCentrifugo ? (runs.has('centrifugo') ? summary('centrifugo', runs.get('centrifugo')!) : null) : undefined;
    const ratioToCentrifugo = peer ? round((sw.rssBytesPerConn as number) / (peer.rssBytesPerConn as number), 3) : null;
    return benchLine({
      scenario: `connections-${kind}`,
      size: options.size,
      params: { clients: options.clients, baseClients: options.baseClients, connectInFlight: options.connectInFlight, repeat: options.repeat, pinned: options.pin },
      figures: sw,
      baselineName: BASELINE[kind],
      baseline: bare,
      ratio,
      ratioOf: 'rssBytesPerConn',
      heapRatio,
      acceptTimeRatio: round((sw.acceptMs as number) / (bare.acceptMs as number), 3),
      ...(peer === undefined ? {} : { centrifugo: peer, ratioToCentrifugo }),
      targets: [
        check(`idle ${transport} connection RSS <= ${MEMORY_TARGET}x bare`, `RSS per connection ratio to ${BASELINE[kind]}`, ratio, '<=', MEMORY_TARGET),
        check(`idle ${transport} connection heap <= ${MEMORY_TARGET}x bare`, `heap per connection ratio to ${BASELINE[kind]}`, heapRatio, '<=', MEMORY_TARGET),
        ...(peer === undefined
          ? []
          : [check(`idle ${transport} connection RSS <= Centrifugo`, 'RSS per connection ratio to centrifugo', ratioToCentrifugo, '<=', 1, peer ? undefined : `no Centrifugo: ${missing}`)]),
      ],
      contendedRuns: (sw.contendedRuns as number) + (bare.contendedRuns as number) + ((peer?.contendedRuns as number | undefined) ?? 0),
    });
  });
  for (const line of lines) console.log(JSON.stringify(line));
  const files = writeResults('connections', lines, options.size);
  console.log(`\n${table(lines)}\n`);
  for (const t of targetLines(lines)) console.log(t);
  console.log('accept: time to open and join N connections, 50 handshakes in flight, including the client side of each handshake');
  if (centrifugoBinary) console.log("centrifugo: RSS of the Go process; heap: Go's HeapAlloc after a full GC (/debug/pprof/heap?gc=1); RSS x cf: the row's RSS per connection / Centrifugo's");
  if (missing) console.log(`centrifugo: not measured: ${missing}`);
  if (options.size === 'tiny') console.log('tiny run: figures only show that the bench works');
  console.log(`written: ${files.join(', ')}`);
}

scriptMain('connections', main);
