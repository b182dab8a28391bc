// Command-line options of the bench scripts. Every script has three sizes: the default is the full
// run at the issue's sizes, `--quick` is what `npm run bench` runs (real figures, a few minutes for
// the whole set), `--tiny` is a smoke run that only shows the script works (the smoke test uses it).
// Explicit flags win over the size's defaults, wherever they appear on the line.

import type { ApiName } from '../../generated';

export type Size = 'full' | 'quick' | 'tiny';

export class UsageError extends Error {}

type Kind = 'number' | 'int' | 'numbers' | 'string' | 'strings' | 'boolean';

export interface FlagSpec<O> {
  flag: string;
  key: keyof O & string;
  kind: Kind;
  help: string;
  /** Allowed values of a string or of each list item. */
  choices?: readonly string[];
  /** Smallest allowed number (default 0 for numbers, 1 for ints and lists). */
  min?: number;
}

export interface OptionSet<O extends { size: Size }> {
  parse(argv: string[]): O | 'help';
  usage(): string;
}

function show(value: unknown): string {
  if (Array.isArray(value)) return value.join(',');
  return String(value);
}

/**
 * A script's options: its flags, and its defaults per size. `--quick`, `--tiny`, `--full` and
 * `--help` are added to every script.
 */
export function defineOptions<O extends { size: Size }>(
  command: string,
  flags: FlagSpec<O>[],
  defaults: Record<Size, O>,
  notes = '',
): OptionSet<O> {
  const usage = (): string => {
    const rows = flags.map((f) => {
      const d = (s: Size): string => show(defaults[s][f.key]);
      const values = d('full') === d('quick') && d('quick') === d('tiny') ? d('full') : `${d('full')}; quick ${d('quick')}; tiny ${d('tiny')}`;
      return `  ${`${f.flag}${f.kind === 'boolean' ? '' : ' V'}`.padEnd(24)}${f.help} (default ${values})`;
    });
    return [
      `Usage: ${command} [--quick | --tiny] [options]`,
      '  (no size flag)          full run at the documented sizes',
      "  --quick                 the size `npm run bench` uses: real figures, minutes for the whole set",
      '  --tiny                  smoke run: shows the script works, figures mean nothing',
      ...rows,
      '  --help',
      notes,
    ]
      .filter((l) => l !== '')
      .join('\n');
  };

  const parse = (argv: string[]): O | 'help' => {
    let size: Size = 'full';
    const explicit: Partial<Record<string, unknown>> = {};
    const byFlag = new Map(flags.map((f) => [f.flag, f]));
    for (let i = 0; i < argv.length; i++) {
      const [flag, inline] = argv[i].split(/=(.*)/s, 2) as [string, string | undefined];
      if (flag === '--help' || flag === '-h') return 'help';
      if (flag === '--quick' || flag === '--tiny' || flag === '--full') {
        size = flag.slice(2) as Size;
        continue;
      }
      const spec = byFlag.get(flag);
      if (!spec) throw new UsageError(`unknown option ${argv[i]}`);
      if (spec.kind === 'boolean') {
        explicit[spec.key] = inline === undefined ? true : !/^(0|false|no)$/i.test(inline);
        continue;
      }
      const raw = inline ?? argv[++i];
      if (raw === undefined) throw new UsageError(`${flag} needs a value`);
      explicit[spec.key] = convert(spec, raw);
    }
    return { ...defaults[size], ...explicit, size } as O;
  };
  return { parse, usage };
}

function convert<O>(spec: FlagSpec<O>, raw: string): unknown {
  const { flag, kind } = spec;
  const number = (text: string, integer: boolean): number => {
    const n = Number(text);
    const min = spec.min ?? (integer ? 1 : 0);
    if (text.trim() === '' || !Number.isFinite(n) || (integer && !Number.isInteger(n)) || n < min) {
      throw new UsageError(`${flag} must be ${integer ? 'a whole number' : 'a number'} >= ${min} (got "${text}")`);
    }
    return n;
  };
  const choice = (text: string): string => {
    if (spec.choices && !spec.choices.includes(text)) throw new UsageError(`${flag} must be one of ${spec.choices.join(', ')} (got "${text}")`);
    return text;
  };
  switch (kind) {
    case 'number':
      return number(raw, false);
    case 'int':
      return number(raw, true);
    case 'numbers':
      return raw.split(',').map((s) => number(s.replace(/_/g, '').replace(/k$/i, '000'), true));
    case 'string':
      return choice(raw);
    case 'strings':
      return raw === 'all' && spec.choices ? [...spec.choices] : raw.split(',').map(choice);
    default:
      throw new UsageError(`${flag}: unsupported option kind ${kind}`);
  }
}

/** Prints usage or a usage error and exits; returns the options otherwise. */
export function optionsOrExit<O extends { size: Size }>(set: OptionSet<O>, argv: string[], name: string): O {
  try {
    const options = set.parse(argv);
    if (options !== 'help') return options;
    console.log(set.usage());
    process.exit(0);
  } catch (err) {
    if (!(err instanceof UsageError)) throw err;
    process.stderr.write(`${name}: ${err.message}\n\n${set.usage()}\n`);
    process.exit(2);
  }
}

// ---------------------------------------------------------------------------------------------
// Fan-out (bench/fanout.ts: games and pizza vs bare ws; bench/socketio-fanout.ts: workspace vs
// bare socket.io). Both share the load generator and these options.

/**
 * The socket APIs the bench has load clients for (bench/clients/): a subset of the generated API
 * names, so a renamed or removed API fails the type check here instead of the bench at run time.
 */
export type Scenario = Extract<ApiName, 'games' | 'pizza' | 'workspace'>;
export const SCENARIOS = ['games', 'pizza', 'workspace'] as const satisfies readonly Scenario[];

export const PROFILE_PHASES = ['throughput', 'latency'] as const;
export type ProfilePhase = (typeof PROFILE_PHASES)[number];

export interface FanoutOptions {
  size: Size;
  scenarios: Scenario[];
  /** WebSocket clients per run, all in the one audience; one line per scenario and count. */
  clients: number[];
  /** Events published back to back in the throughput phase; 0: enough for `throughputDeliveries`. */
  events: number;
  /** Deliveries the throughput phase aims at when `events` is 0 (events = deliveries / clients). */
  throughputDeliveries: number;
  /** Events per second in the latency phase; 0: `latencyDeliveries` / clients. */
  rate: number;
  /** Deliveries per second in the latency phase when `rate` is 0 (well below saturation). */
  latencyDeliveries: number;
  latencySeconds: number;
  /** Discarded events that also prove every client is subscribed before anything is measured. */
  warmup: number;
  /** POSTs in flight during the throughput phase. */
  concurrency: number;
  repeat: number;
  /** A phase whose delivery count does not move for this long aborts the whole run. */
  stallSeconds: number;
  /** Reruns of a run during which other processes took more than CONTENDED_CORES (the quietest is kept). */
  retries: number;
  /** Writes a V8 CPU profile of each server's profiled phase under bench/results/profiles/. */
  profile: boolean;
  /** Records each server's profiled phase with Linux perf instead (kernel time included). */
  perf: boolean;
  /** The phase --profile and --perf cover. */
  profilePhase: ProfilePhase;
  /** Pins the server to one core and the load generator to the other (taskset). */
  pin: boolean;
}

const FANOUT_FULL: Omit<FanoutOptions, 'scenarios'> = {
  size: 'full',
  clients: [1000, 5000, 10000],
  events: 0,
  throughputDeliveries: 400_000,
  rate: 0,
  latencyDeliveries: 40_000,
  latencySeconds: 5,
  warmup: 5,
  concurrency: 4,
  repeat: 3,
  stallSeconds: 60,
  retries: 2,
  profile: false,
  perf: false,
  profilePhase: 'throughput',
  pin: false,
};

export function fanoutOptions(command: string, scenarios: readonly Scenario[], notes = ''): OptionSet<FanoutOptions> {
  const full: FanoutOptions = { ...FANOUT_FULL, scenarios: [...scenarios] };
  const flags: FlagSpec<FanoutOptions>[] = [
    { flag: '--clients', key: 'clients', kind: 'numbers', help: 'clients per run, a list: one line per count' },
    { flag: '--events', key: 'events', kind: 'int', min: 0, help: 'events in the throughput phase; 0: deliveries/clients' },
    { flag: '--deliveries', key: 'throughputDeliveries', kind: 'int', help: 'deliveries the throughput phase aims at' },
    { flag: '--rate', key: 'rate', kind: 'number', help: 'events/s in the latency phase; 0: latency-deliveries/clients' },
    { flag: '--latency-deliveries', key: 'latencyDeliveries', kind: 'int', help: 'deliveries/s in the latency phase' },
    { flag: '--latency-seconds', key: 'latencySeconds', kind: 'number', min: 0.1, help: 'length of the latency phase' },
    { flag: '--warmup', key: 'warmup', kind: 'int', help: 'discarded warm-up events' },
    { flag: '--concurrency', key: 'concurrency', kind: 'int', help: 'POSTs in flight in the throughput phase' },
    { flag: '--repeat', key: 'repeat', kind: 'int', help: 'runs per scenario and target; median and min-max' },
    { flag: '--retries', key: 'retries', kind: 'int', min: 0, help: 'reruns of a run disturbed by other processes; 0 also skips waiting for a quiet machine' },
    { flag: '--stall-seconds', key: 'stallSeconds', kind: 'number', min: 1, help: 'abort when a phase makes no progress this long' },
    { flag: '--profile', key: 'profile', kind: 'boolean', help: "V8 CPU profile of each server's profiled phase (bench/results/profiles/)" },
    { flag: '--perf', key: 'perf', kind: 'boolean', help: 'the same with Linux `perf record`: kernel time too (needs perf)' },
    {
      flag: '--profile-phase', key: 'profilePhase', kind: 'string', choices: PROFILE_PHASES,
      help: 'throughput (saturated), or latency: a fixed rate, so two servers do the same work and their samples compare directly',
    },
    { flag: '--pin', key: 'pin', kind: 'boolean', help: 'pin the server to one core and the load generator to the other (taskset)' },
  ];
  if (scenarios.length > 1) {
    flags.unshift({ flag: '--scenario', key: 'scenarios', kind: 'strings', choices: scenarios, help: `${scenarios.join(' | ')} | all, or a list` });
  }
  return defineOptions(
    command,
    flags,
    {
      full,
      quick: { ...full, size: 'quick', clients: [1000], latencySeconds: 3, repeat: 1, retries: 1 },
      // Tiny phases last milliseconds, below /proc's 10 ms CPU accounting: contention cannot be judged, so no retries.
      tiny: { ...full, size: 'tiny', clients: [50], events: 20, latencySeconds: 1, rate: 20, warmup: 3, repeat: 1, retries: 0, stallSeconds: 30 },
    },
    notes,
  );
}

/** Events in the throughput phase, and events/s in the latency phase, for `clients` clients. */
export function phaseSizes(options: FanoutOptions, clients: number): { events: number; rate: number } {
  const events = options.events > 0 ? options.events : Math.max(20, Math.ceil(options.throughputDeliveries / clients));
  const rate = options.rate > 0 ? options.rate : Math.max(1, options.latencyDeliveries / clients);
  return { events, rate: Number(rate.toFixed(2)) };
}
