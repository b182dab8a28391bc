// Command-line options of bench/fanout. Every knob has a default so `npx tsx bench/fanout.ts` is the
// documented full run, and `--quick` is a smoke run small enough for any machine.

export type Scenario = 'games' | 'pizza';
export const SCENARIOS: readonly Scenario[] = ['games', 'pizza'];

export interface FanoutOptions {
  scenarios: Scenario[];
  /** WebSocket clients per run, all in the one audience (game 1 / store 1). */
  clients: number;
  /** Events published back to back in the throughput phase. */
  events: number;
  /** Events per second in the latency phase (below saturation on purpose). */
  rate: number;
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
  /** Writes a CPU profile of each server's throughput phase under bench/results/profiles/. */
  profile: boolean;
  quick: boolean;
}

const DEFAULTS: FanoutOptions = {
  scenarios: [...SCENARIOS],
  clients: 2000,
  events: 200,
  rate: 20,
  latencySeconds: 5,
  warmup: 5,
  concurrency: 4,
  repeat: 3,
  stallSeconds: 60,
  retries: 2,
  profile: false,
  quick: false,
};

// Quick phases last milliseconds, below /proc's 10 ms CPU accounting: contention cannot be judged, so no retries.
const QUICK: Partial<FanoutOptions> = { clients: 50, events: 20, repeat: 1, latencySeconds: 2, warmup: 3, retries: 0 };

export const USAGE = `Usage: npx tsx bench/fanout.ts [options]
  --clients N          WebSocket clients per run (default ${DEFAULTS.clients})
  --events M           events in the throughput phase (default ${DEFAULTS.events})
  --rate R             events/s in the latency phase (default ${DEFAULTS.rate})
  --latency-seconds S  length of the latency phase (default ${DEFAULTS.latencySeconds})
  --warmup W           discarded warm-up events (default ${DEFAULTS.warmup})
  --concurrency C      POSTs in flight in the throughput phase (default ${DEFAULTS.concurrency})
  --repeat K           runs per scenario and target; median and min-max reported (default ${DEFAULTS.repeat})
  --scenario S         games | pizza | all (default all)
  --stall-seconds T    abort when a phase makes no progress for T seconds (default ${DEFAULTS.stallSeconds})
  --retries N          rerun a run disturbed by other processes up to N times, keep the quietest;
                       0 also skips waiting for a quiet machine (default ${DEFAULTS.retries}; --quick: 0)
  --profile            CPU-profile each server's throughput phase (bench/results/profiles/)
  --quick              smoke run: ${QUICK.clients} clients, ${QUICK.events} events, ${QUICK.repeat} repeat (explicit flags still win)
  --help`;

const NUMERIC: Record<string, keyof FanoutOptions> = {
  '--clients': 'clients',
  '--events': 'events',
  '--rate': 'rate',
  '--latency-seconds': 'latencySeconds',
  '--warmup': 'warmup',
  '--concurrency': 'concurrency',
  '--repeat': 'repeat',
  '--stall-seconds': 'stallSeconds',
  '--retries': 'retries',
};

export class UsageError extends Error {}

export function parseOptions(argv: string[]): FanoutOptions | 'help' {
  // Explicit flags are applied after --quick, wherever they appear on the line.
  const explicit: Partial<FanoutOptions> = {};
  let quick = false;
  let profile = false;
  for (let i = 0; i < argv.length; i++) {
    const [flag, inline] = argv[i].split('=', 2) as [string, string | undefined];
    const value = (): string => {
      const v = inline ?? argv[++i];
      if (v === undefined) throw new UsageError(`${flag} needs a value`);
      return v;
    };
    if (flag === '--help' || flag === '-h') return 'help';
    else if (flag === '--quick') quick = true;
    else if (flag === '--profile') profile = true;
    else if (flag === '--scenario') explicit.scenarios = parseScenario(value());
    else if (flag in NUMERIC) (explicit as Record<string, number>)[NUMERIC[flag]] = nonNegativeNumber(flag, value());
    else throw new UsageError(`unknown option ${argv[i]}`);
  }
  const options: FanoutOptions = { ...DEFAULTS, ...(quick ? QUICK : {}), ...explicit, quick, profile };
  for (const key of ['clients', 'events', 'repeat', 'concurrency'] as const) {
    if (!Number.isInteger(options[key]) || options[key] < 1) throw new UsageError(`--${key} must be a whole number >= 1`);
  }
  if (!Number.isInteger(options.retries)) throw new UsageError('--retries must be a whole number');
  for (const key of ['rate', 'latencySeconds', 'stallSeconds'] as const) {
    if (options[key] <= 0) throw new UsageError(`--${key.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)} must be positive`);
  }
  if (!Number.isInteger(options.warmup) || options.warmup < 1) throw new UsageError('--warmup must be a whole number >= 1');
  return options;
}

function parseScenario(value: string): Scenario[] {
  if (value === 'all') return [...SCENARIOS];
  if ((SCENARIOS as readonly string[]).includes(value)) return [value as Scenario];
  throw new UsageError(`--scenario must be one of ${SCENARIOS.join(', ')}, all (got "${value}")`);
}

function nonNegativeNumber(flag: string, value: string): number {
  const n = Number(value);
  if (value.trim() === '' || !Number.isFinite(n) || n < 0) throw new UsageError(`${flag} must be a number >= 0 (got "${value}")`);
  return n;
}
