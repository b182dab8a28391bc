// bench/validators: validations per second of the generated (precompiled, standalone) validator for
// the largest message, GAME_SNAPSHOT (the GameSnapshot of the spec's `next_question` example, the
// largest example in specs/games.asyncapi.yaml), and of its whole frame, vs ajv compiling the same
// schema at runtime:
//   - ajv-runtime: Ajv2020 + ajv-formats with ajv's defaults (strict off for the AsyncAPI keywords),
//     what an application compiling its schemas at start-up ordinarily does: the baseline;
//   - ajv-runtime-same-options: the generator's own ajv instance (scripts/codegen/validators.ts:
//     allErrors, inlineRefs off), compiled at runtime: isolates "precompiled" from "options".
// Each measurement is a child process of its own (no JIT state shared between validators): warm-up,
// then `rounds` timed rounds; the median round counts. Repeated, alternating the order.
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import Ajv2020 from 'ajv/dist/2020';
import addFormats from 'ajv-formats';
import type { ValidateFunction } from 'ajv';
import { parse } from 'yaml';
import { Launcher, REPO_ROOT, stopChild, tail } from './lib/children';
import { scriptMain } from './lib/main';
import { defineOptions, optionsOrExit, type Size } from './lib/options';
import { examplePayload } from './lib/payloads';
import { log } from './lib/quiet';
import { benchLine, fmtInt, fmtRatio, range, renderTable, round, writeResults, type BenchLine } from './lib/report';
import { median, spread } from './lib/stats';
import { createAjv, specRef, SPEC_BASE } from '../scripts/codegen/validators';
import type { Spec } from '../scripts/codegen/specs';

const MESSAGE = 'next_question';
type Subject = 'game-snapshot' | 'frame';
type Impl = 'generated' | 'ajv-runtime' | 'ajv-runtime-same-options';
const IMPLS: readonly Impl[] = ['generated', 'ajv-runtime', 'ajv-runtime-same-options'];

interface Options {
  size: Size;
  warmupSeconds: number;
  roundMs: number;
  rounds: number;
  repeat: number;
}

const FULL: Options = { size: 'full', warmupSeconds: 1, roundMs: 250, rounds: 8, repeat: 3 };
const OPTIONS = defineOptions<Options>(
  'npx tsx bench/validators.ts',
  [
    { flag: '--warmup-seconds', key: 'warmupSeconds', kind: 'number', help: 'untimed validations first' },
    { flag: '--round-ms', key: 'roundMs', kind: 'int', help: 'length of one timed round' },
    { flag: '--rounds', key: 'rounds', kind: 'int', help: 'timed rounds per child; the median counts' },
    { flag: '--repeat', key: 'repeat', kind: 'int', help: 'children per validator; median and min-max' },
  ],
  {
    full: FULL,
    quick: { ...FULL, size: 'quick', warmupSeconds: 0.5, rounds: 5, repeat: 1 },
    tiny: { ...FULL, size: 'tiny', warmupSeconds: 0.05, roundMs: 20, rounds: 2, repeat: 1 },
  },
);

// ---------------------------------------------------------------------------------------------
// Child: one validator, timed.

function specs(): Spec[] {
  const dir = join(REPO_ROOT, 'specs');
  return readdirSync(dir)
    .filter((f) => /\.(asyncapi|openapi)\.ya?ml$/.test(f))
    .sort()
    .map((file) => {
      const [api, kind] = file.split('.');
      return { file, path: join(dir, file), api, kind: kind as Spec['kind'], raw: parse(readFileSync(join(dir, file), 'utf8')) as Spec['raw'] };
    });
}

function validator(impl: Impl, subject: Subject): ValidateFunction {
  if (impl === 'generated') {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const generated = require('../generated/games/validators.js') as Record<string, ValidateFunction>;
    return generated[subject === 'frame' ? `message_${MESSAGE}` : `data_${MESSAGE}`];
  }
  const all = specs();
  const games = all.find((s) => s.file === 'games.asyncapi.yaml')!;
  const pointer = subject === 'frame' ? `#/components/messages/${MESSAGE}/payload` : '#/components/schemas/GameSnapshot';
  if (impl === 'ajv-runtime-same-options') return createAjv(all).compile({ $ref: specRef(games, pointer) });
  const ajv = new Ajv2020({ strict: false });
  addFormats(ajv);
  for (const spec of all) ajv.addSchema({ ...spec.raw, $id: SPEC_BASE + spec.file });
  return ajv.compile({ $ref: specRef(games, pointer) });
}

function payload(subject: Subject): unknown {
  const frame = examplePayload('games', MESSAGE);
  return subject === 'frame' ? frame : (frame.payload as { data: unknown }).data;
}

interface ChildResult {
  opsPerSec: number;
  rounds: number[];
  bytes: number;
  compileMs: number;
}

function child(impl: Impl, subject: Subject, options: Options): ChildResult {
  const t0 = performance.now();
  const validate = validator(impl, subject);
  const compileMs = performance.now() - t0;
  const data = payload(subject);
  if (!validate(data)) throw new Error(`${impl} rejects the ${subject} example: ${JSON.stringify(validate.errors)}`);
  let sink = 0;
  const spin = (ms: number): number => {
    const end = performance.now() + ms;
    let n = 0;
    while (performance.now() < end) {
      for (let i = 0; i < 100; i++) if (validate(data)) sink++;
      n += 100;
    }
    return n;
  };
  spin(options.warmupSeconds * 1000);
  const rounds: number[] = [];
  for (let r = 0; r < options.rounds; r++) {
    const t = performance.now();
    const n = spin(options.roundMs);
    rounds.push(n / ((performance.now() - t) / 1000));
  }
  if (sink === 0) throw new Error('unreachable');
  return { opsPerSec: median(rounds), rounds, bytes: JSON.stringify(data).length, compileMs };
}

// ---------------------------------------------------------------------------------------------
// Parent.

async function measure(launcher: Launcher, impl: Impl, subject: Subject, options: Options): Promise<ChildResult> {
  const proc = launcher.start('bench/validators.ts', ['--child', impl, subject, JSON.stringify(options)]);
  const err = tail(proc.stderr);
  try {
    return await new Promise<ChildResult>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`${impl}/${subject}: no result within 120 s`)), 120_000);
      proc.once('message', (m: { result?: ChildResult; error?: string }) => {
        clearTimeout(timer);
        if (m.result) resolve(m.result);
        else reject(new Error(`${impl}/${subject}: ${m.error}`));
      });
      proc.once('exit', (code) => {
        clearTimeout(timer);
        reject(new Error(`${impl}/${subject}: the child exited (${code})\n${err()}`));
      });
    });
  } finally {
    await stopChild(proc);
  }
}

function summary(target: Impl, runs: ChildResult[]): Record<string, unknown> {
  const ops = spread(runs.map((r) => r.opsPerSec));
  return {
    target,
    runs: runs.length,
    validationsPerSec: round(ops.median),
    validationsPerSecRange: range(ops),
    nsPerValidation: round(1e9 / ops.median, 1),
    compileMs: round(median(runs.map((r) => r.compileMs)), 1),
  };
}

async function main(): Promise<void> {
  const options = optionsOrExit(OPTIONS, process.argv.slice(2), 'validators');
  const launcher = new Launcher(0);
  const lines: BenchLine[] = [];
  for (const subject of ['game-snapshot', 'frame'] as Subject[]) {
    const runs = new Map<Impl, ChildResult[]>();
    let bytes = 0;
    for (let rep = 1; rep <= options.repeat; rep++) {
      for (const impl of rep % 2 === 1 ? IMPLS : [...IMPLS].reverse()) {
        const r = await measure(launcher, impl, subject, options);
        bytes = r.bytes;
        log(`[validators ${subject} ${rep}/${options.repeat}] ${impl}: ${fmtInt(r.opsPerSec)} validations/s (${(1e9 / r.opsPerSec).toFixed(0)} ns each)`);
        runs.set(impl, [...(runs.get(impl) ?? []), r]);
      }
    }
    const generated = summary('generated', runs.get('generated')!);
    const runtime = summary('ajv-runtime', runs.get('ajv-runtime')!);
    const same = summary('ajv-runtime-same-options', runs.get('ajv-runtime-same-options')!);
    lines.push(
      benchLine({
        scenario: `validators-${subject}`,
        size: options.size,
        params: {
          schema: subject === 'frame' ? `games message ${MESSAGE} (frame)` : 'games GameSnapshot (GAME_SNAPSHOT)',
          example: `specs/games.asyncapi.yaml ${MESSAGE} example${subject === 'frame' ? '' : ' .payload.data'}`,
          payloadBytes: bytes,
          warmupSeconds: options.warmupSeconds,
          roundMs: options.roundMs,
          rounds: options.rounds,
          repeat: options.repeat,
        },
        figures: generated,
        baselineName: 'ajv-runtime',
        baseline: runtime,
        ratio: round((generated.validationsPerSec as number) / (runtime.validationsPerSec as number), 3),
        ratioOf: 'validationsPerSec',
        sameOptions: same,
        sameOptionsRatio: round((generated.validationsPerSec as number) / (same.validationsPerSec as number), 3),
        targets: [],
        contendedRuns: 0,
      }),
    );
  }
  for (const line of lines) console.log(JSON.stringify(line));
  const files = writeResults('validators', lines, options.size);
  const rows = lines.flatMap((l) =>
    [l.figures, l.baseline!, l.sameOptions as Record<string, unknown>].map((s: Record<string, any>) => [
      l.scenario,
      s.target,
      String(l.params.payloadBytes),
      fmtInt(s.validationsPerSec),
      `${fmtInt(s.validationsPerSecRange[0])}-${fmtInt(s.validationsPerSecRange[1])}`,
      String(s.nsPerValidation),
      String(s.compileMs),
      fmtRatio(s.validationsPerSec / (l.figures.validationsPerSec as number)),
    ]),
  );
  console.log(`\n${renderTable(['scenario', 'validator', 'bytes', 'validations/s', '(min-max)', 'ns each', 'load+compile ms', 'vs generated'], rows)}\n`);
  console.log('generated: generated/games/validators.js (precompiled by npm run generate); the issue sets no target here');
  if (options.size === 'tiny') console.log('tiny run: figures only show that the bench works');
  console.log(`written: ${files.join(', ')}`);
}

if (process.argv[2] === '--child') {
  const [, , , impl, subject, json] = process.argv;
  process.on('disconnect', () => process.exit(1));
  try {
    const result = child(impl as Impl, subject as Subject, JSON.parse(json) as Options);
    process.send!({ result }, () => process.exit(0));
  } catch (err) {
    process.send!({ error: err instanceof Error ? err.message : String(err) }, () => process.exit(1));
  }
} else {
  scriptMain('validators', main);
}
