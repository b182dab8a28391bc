// Shared by the adversarial suites: one seed per run (printed, FUZZ_SEED reproduces it), a count
// of the cases a surface tried, the crashes (uncaught exceptions, unhandled rejections) and 5xx
// answers seen meanwhile, the summary line CI prints, and a check that nothing polluted the
// built-in prototypes.
import fc from 'fast-check';

/** FUZZ_SEED=<n> replays a run; otherwise a fresh seed each run. */
export const SEED = process.env.FUZZ_SEED ? Number(process.env.FUZZ_SEED) : Date.now() ^ (Math.random() * 0x7fffffff);

/** How many runs a property gets: FUZZ_SCALE multiplies every surface's runs (1, the CI default). */
export const scale = (runs: number): number => Math.max(1, Math.round(runs * Number(process.env.FUZZ_SCALE ?? 1)));

/**
 * fast-check parameters of a surface: the run's seed; a failing case is reported as found (no
 * shrinking: each case is a network exchange with a server whose state it changed); a surface
 * stops after a minute even if the machine is slow.
 */
export function params(numRuns: number): fc.Parameters<unknown> {
  return { seed: SEED, numRuns: scale(numRuns), interruptAfterTimeLimit: 60_000, endOnFailure: true };
}

export class Surface {
  cases = 0;
  fiveXx = 0;
  private crashes = 0;
  private readonly onCrash = () => void (this.crashes += 1);

  constructor(readonly name: string) {}

  /** Counts uncaught exceptions and unhandled rejections (the gateway runs in this process). */
  watch(): void {
    process.on('uncaughtException', this.onCrash);
    process.on('unhandledRejection', this.onCrash);
  }

  /** Prints `<surface>: N cases, C crashes, F 5xx (seed S)` and stops watching. */
  report(): { cases: number; crashes: number; fiveXx: number } {
    process.off('uncaughtException', this.onCrash);
    process.off('unhandledRejection', this.onCrash);
    process.stdout.write(`${this.name}: ${this.cases} cases, ${this.crashes} crashes, ${this.fiveXx} 5xx (seed ${SEED}; FUZZ_SEED=${SEED} replays it)\n`);
    return { cases: this.cases, crashes: this.crashes, fiveXx: this.fiveXx };
  }
}

/** Own property names of the built-in prototypes, to compare before and after a run. */
export function prototypeSnapshot(): Record<string, string[]> {
  const of = (o: object) => Reflect.ownKeys(o).map(String).sort();
  return { object: of(Object.prototype), array: of(Array.prototype), function: of(Function.prototype), string: of(String.prototype) };
}

/** Keys a prototype-pollution attempt uses, as object keys in generated JSON. */
export const POLLUTING_KEYS = ['__proto__', 'constructor', 'prototype', 'toString', 'valueOf', 'hasOwnProperty'];

/** JSON texts a client might send to hurt a parser: deep, prototype keys, odd numbers, broken. */
export const hostileJson: fc.Arbitrary<string> = fc.oneof(
  fc.integer({ min: 65, max: 3000 }).map((n) => `${'{"a":'.repeat(n)}1${'}'.repeat(n)}`),
  fc.integer({ min: 65, max: 3000 }).map((n) => `${'['.repeat(n)}${']'.repeat(n)}`),
  fc.constantFrom(...POLLUTING_KEYS).map((k) => `{"${k}": {"polluted": true, "toString": 1}}`),
  fc.constantFrom(...POLLUTING_KEYS).map((k) => `{"payload": {"${k}": {"polluted": true}}, "stream": "games", "${k}": []}`),
  fc.constantFrom('1e999', '-0', '9007199254740993', '"\\ud800"', '{"a":1,"a":2}', '[', '{"a":', 'nul', '\u0000', '\ufeff{}', '{}garbage'),
);

/** Any JSON-ish text: valid JSON values, hostile ones, and plain strings. */
export const anyText: fc.Arbitrary<string> = fc.oneof(
  fc.jsonValue({ maxDepth: 4 }).map((v) => JSON.stringify(v)),
  hostileJson,
  fc.string({ maxLength: 200 }),
  fc.fullUnicodeString({ maxLength: 50 }),
);
