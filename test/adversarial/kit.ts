// Shared by the adversarial suites: one seed per run (printed, FUZZ_SEED reproduces it), the cases
// a surface tried and the 5xx it saw, the summary line CI prints, and a check that nothing polluted
// the built-in prototypes.
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

/**
 * One fuzzed surface: the cases it tried and the 5xx answers it saw. The gateway runs in this Jest
 * worker, and Jest fails the running test on an uncaught exception or unhandled rejection, so a
 * crash can never pass unnoticed; a surface counts as crash-free when every one of its fuzz tests
 * reached its end (`finished()`) and the gateway still answers /healthz.
 */
export class Surface {
  cases = 0;
  fiveXx = 0;
  private finishedTests = 0;

  constructor(
    readonly name: string,
    /** How many fuzz tests feed this surface. */
    private readonly tests = 1,
  ) {}

  /** Call as the last statement of each fuzz test of the surface. */
  finished(): void {
    this.finishedTests += 1;
  }

  /** Prints `<surface>: N cases, 0 crashes, F 5xx (seed S)`, or says the run failed. */
  report(healthy: boolean): { clean: boolean; cases: number; fiveXx: number } {
    const clean = healthy && this.finishedTests === this.tests;
    const crashes = clean ? '0 crashes' : 'FAILED (a test failed or the gateway stopped answering: see above)';
    process.stdout.write(`${this.name}: ${this.cases} cases, ${crashes}, ${this.fiveXx} 5xx (seed ${SEED}; FUZZ_SEED=${SEED} replays it)\n`);
    return { clean, cases: this.cases, fiveXx: this.fiveXx };
  }
}

/** Own property names of the built-in prototypes, to compare before and after a run. */
export function prototypeSnapshot(): Record<string, string[]> {
  const of = (o: object) => Reflect.ownKeys(o).map(String).sort();
  return { object: of(Object.prototype), array: of(Array.prototype), function: of(Function.prototype), string: of(String.prototype) };
}

/**
 * The end of every suite: the gateway answers /healthz, each surface finished its tests and saw no
 * 5xx (its line is printed either way), and the built-in prototypes are as they were before.
 */
export async function expectSurvived(url: string, surfaces: Surface[], prototypesBefore: Record<string, string[]>): Promise<void> {
  const healthy = await fetch(`${url}/healthz`).then((r) => r.status === 200, () => false);
  const outcomes = surfaces.map((s) => ({ surface: s.name, ...s.report(healthy) }));
  expect(outcomes).toEqual(surfaces.map((s) => ({ surface: s.name, clean: true, cases: expect.any(Number), fiveXx: 0 })));
  expect(outcomes.every((o) => o.cases > 0)).toBe(true);
  expect(prototypeSnapshot()).toEqual(prototypesBefore);
  expect(({} as Record<string, unknown>).polluted).toBeUndefined();
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
