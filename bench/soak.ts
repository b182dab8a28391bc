// bench/soak: does a node hold steady under hours-like use? N connections across the three socket
// APIs (games, pizza, workspace) with a steady publish rate for a set time: the server's heap and RSS
// at the start, middle and end of the soak (after full GCs, under the same traffic each time) should
// be flat within 10%, and every event should reach exactly the clients of its audience, once.
//
// One run: a fresh switchyard (in-process bus, in-memory store), a load generator
// (clients/soak-clients.ts) that connects, warms up at the soak's rate, and publishes on a fixed
// schedule while the parent reads the server's memory at its checkpoints. No baseline: the figures
// are compared with themselves over time. No repeats or reruns: a soak is one long run; the CPU other
// processes took is reported so a disturbed run can be told apart.
import { Launcher } from './lib/children';
import { scriptMain } from './lib/main';
import { defineOptions, optionsOrExit, type Size } from './lib/options';
import type { MemorySample } from './lib/protocol';
import { log } from './lib/quiet';
import { benchLine, check, CONTENDED_CORES, fmtInt, renderTable, round, targetLines, writeResults, type BenchLine } from './lib/report';
import { LOAD_CPU, runChildren, SERVER_CPU, SERVER_SCRIPTS } from './lib/run';
import type { SoakPlan, SoakResult } from './clients/soak-clients';

/** Heap and RSS at the middle and end may differ from the start by at most this share. */
export const FLAT_WITHIN = 0.1;
const CHECKPOINTS = ['start', 'middle', 'end'] as const;

interface Options {
  size: Size;
  clients: number;
  audiences: number;
  rate: number;
  duration: number;
  warmup: number;
  connectInFlight: number;
  stallSeconds: number;
  pin: boolean;
}

const FULL: Options = { size: 'full', clients: 10_000, audiences: 10, rate: 50, duration: 300, warmup: 15, connectInFlight: 50, stallSeconds: 60, pin: false };
const OPTIONS = defineOptions<Options>(
  'npx tsx bench/soak.ts',
  [
    { flag: '--clients', key: 'clients', kind: 'int', min: 3, help: 'connections, split evenly over games, pizza and workspace' },
    { flag: '--audiences', key: 'audiences', kind: 'int', help: 'audiences per API (games, stores, channels); each client is in one' },
    { flag: '--rate', key: 'rate', kind: 'number', min: 0.1, help: 'events published per second, all APIs together' },
    { flag: '--duration', key: 'duration', kind: 'number', min: 1, help: 'seconds of soak after the warm-up (start/middle/end memory)' },
    { flag: '--warmup', key: 'warmup', kind: 'number', min: 0, help: 'seconds at the soak rate before the start reading' },
    { flag: '--in-flight', key: 'connectInFlight', kind: 'int', help: 'handshakes in flight while connecting' },
    { flag: '--stall-seconds', key: 'stallSeconds', kind: 'number', min: 1, help: 'abort when a phase makes no progress this long' },
    { flag: '--pin', key: 'pin', kind: 'boolean', help: 'pin the server to one core and the load generator to the other' },
  ],
  {
    full: FULL,
    quick: { ...FULL, size: 'quick', clients: 2_000, duration: 20, warmup: 5 },
    tiny: { ...FULL, size: 'tiny', clients: 60, audiences: 3, rate: 30, duration: 3, warmup: 1, stallSeconds: 30 },
  },
);

interface MemoryFigures {
  rssBytes: number;
  heapUsedBytes: number;
}

/** Largest relative distance of the middle and end readings from the start. */
function drift(memory: Record<string, MemoryFigures>, key: keyof MemoryFigures): number {
  const start = memory.start[key];
  return round(Math.max(...(['middle', 'end'] as const).map((c) => Math.abs(memory[c][key] / start - 1))), 4);
}

const mb = (bytes: number): string => (bytes / 1024 / 1024).toFixed(1);
const pct = (share: number): string => `${(share * 100).toFixed(1)}%`;

function table(line: BenchLine): string {
  const f = line.figures as { memory: Record<string, MemoryFigures> };
  const start = f.memory.start;
  const rows = CHECKPOINTS.map((c) => {
    const m = f.memory[c];
    return [c, mb(m.heapUsedBytes), pct(m.heapUsedBytes / start.heapUsedBytes - 1), mb(m.rssBytes), pct(m.rssBytes / start.rssBytes - 1)];
  });
  return renderTable(['checkpoint', 'heap MB', 'vs start', 'RSS MB', 'vs start'], rows, 1);
}

async function main(): Promise<void> {
  const options = optionsOrExit(OPTIONS, process.argv.slice(2), 'soak');
  const launcher = new Launcher(options.clients);
  const plan: Omit<SoakPlan, 'port'> = {
    clients: options.clients,
    audiences: options.audiences,
    rate: options.rate,
    warmupSeconds: options.warmup,
    durationSeconds: options.duration,
    connectInFlight: options.connectInFlight,
  };
  log(`[soak] ${options.clients} connections (games, pizza, workspace), ${options.audiences} audiences each, ${options.rate} events/s, ${options.warmup} s warm-up + ${options.duration} s`);
  const outcome = await runChildren<typeof plan, SoakResult>(launcher, {
    label: 'soak',
    server: { script: SERVER_SCRIPTS.switchyard, cpu: options.pin ? SERVER_CPU : undefined },
    load: { script: 'bench/clients/soak-clients.ts', cpu: options.pin ? LOAD_CPU : undefined },
    plan,
    stallMs: options.stallSeconds * 1000,
    cpuPhases: ['soak'],
    capMs: (options.warmup + options.duration) * 1000 + 15 * 60_000,
    onPhase: (text) => log(`  ${text}`),
  });
  const r = outcome.result;
  const memory = Object.fromEntries(
    CHECKPOINTS.map((c) => {
      const m: MemorySample = outcome.memory[c];
      return [c, { rssBytes: m.rss, heapUsedBytes: m.heapUsed }];
    }),
  ) as Record<string, MemoryFigures>;
  const heapDrift = drift(memory, 'heapUsedBytes');
  const rssDrift = drift(memory, 'rssBytes');
  const cpu = outcome.cpu.soak;
  const deliveryErrors = r.missing + r.extra;
  const line = benchLine({
    scenario: 'soak',
    size: options.size,
    params: { clients: options.clients, audiences: options.audiences, rate: options.rate, durationSeconds: options.duration, warmupSeconds: options.warmup, pinned: options.pin },
    figures: {
      clients: r.clients,
      connectMs: round(r.connectMs),
      memory,
      heapDrift,
      rssDrift,
      events: r.events,
      expectedDeliveries: r.expectedDeliveries,
      receivedDeliveries: r.receivedDeliveries,
      missing: r.missing,
      extra: r.extra,
      eventsShort: r.eventsShort,
      eventsOver: r.eventsOver,
      publishFailures: r.publishFailures,
      publishErrors: r.publishErrors,
      closedByServer: r.closedByServer,
      closeCodes: r.closeCodes,
      latePublishes: r.latePublishes,
      latencyMs: r.latencyMs,
      checkpointMs: r.checkpointMs,
      cpu: cpu ? { server: round(cpu.server, 2), load: round(cpu.load, 2), other: round(cpu.other, 2) } : null,
    },
    baselineName: null,
    baseline: null,
    ratio: null,
    ratioOf: null,
    targets: [
      check(`heap flat within ${pct(FLAT_WITHIN)} (start, middle, end)`, 'largest heap change from the start', heapDrift, '<=', FLAT_WITHIN),
      check(`RSS flat within ${pct(FLAT_WITHIN)} (start, middle, end)`, 'largest RSS change from the start', rssDrift, '<=', FLAT_WITHIN),
      check('every delivery exactly once', 'missing + extra deliveries', deliveryErrors, '<=', 0),
    ],
    contendedRuns: cpu && cpu.other > CONTENDED_CORES ? 1 : 0,
  });
  console.log(JSON.stringify(line));
  const files = writeResults('soak', [line], options.size);
  console.log(`\n${table(line)}\n`);
  console.log(
    `deliveries: expected ${fmtInt(r.expectedDeliveries)}, received ${fmtInt(r.receivedDeliveries)} (missing ${fmtInt(r.missing)}, extra ${fmtInt(r.extra)}) ` +
      `over ${fmtInt(r.events)} events; latency p50 ${r.latencyMs.p50} ms, p99 ${r.latencyMs.p99} ms, max ${r.latencyMs.max} ms ` +
      `(memory readings paused the server ${CHECKPOINTS.map((c) => `${r.checkpointMs[c]}`).join(' / ')} ms)`,
  );
  console.log(
    `clients: games ${r.clients.games}, pizza ${r.clients.pizza}, workspace ${r.clients.workspace} (connected in ${(r.connectMs / 1000).toFixed(1)} s); ` +
      `closed by the server: ${r.closedByServer}; publishes failed: ${r.publishFailures}, late: ${r.latePublishes}` +
      (cpu ? `; cores: server ${cpu.server.toFixed(2)}, load ${cpu.load.toFixed(2)}, other ${cpu.other.toFixed(2)}` : ''),
  );
  if (r.publishErrors.length > 0) console.log(`publish errors: ${r.publishErrors.join('; ')}`);
  if (cpu && cpu.other > CONTENDED_CORES) console.log(`BUSY MACHINE: other processes used ${cpu.other.toFixed(2)} cores during the soak`);
  for (const t of targetLines([line])) console.log(t);
  if (options.size === 'tiny') console.log('tiny run: figures only show that the bench works');
  console.log(`written: ${files.join(', ')}`);
}

scriptMain('soak', main);
