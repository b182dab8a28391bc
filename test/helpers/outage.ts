// Fault tests (Kafka or Redis stopped under traffic): what every request was answered and how long it
// took, when /readyz turned, when the dependency itself answered again, and what the gateway logged.
import { sleep } from './wait';

export interface Answer {
  what: string;
  status: number; // 0: no HTTP answer (connection error)
  retryAfter: string | null;
  startedAt: number;
  endedAt: number;
}

/** Every answer of a test, timed. */
export class Answers {
  readonly all: Answer[] = [];

  /** Sends one request through `send` and records its answer. */
  async time<T extends { status: number; headers: Headers }>(what: string, send: () => Promise<T>): Promise<T | undefined> {
    const startedAt = Date.now();
    let result: T | undefined;
    try {
      result = await send();
    } catch {
      result = undefined;
    }
    this.all.push({ what, status: result?.status ?? 0, retryAfter: result?.headers.get('retry-after') ?? null, startedAt, endedAt: Date.now() });
    return result;
  }

  of(what: string): Answer[] {
    return this.all.filter((a) => a.what === what);
  }
}

/** An answer during an outage may only be a success or a 503 that says when to retry. */
export function unexpected(answers: Answer[], success: number): Answer[] {
  return answers.filter((a) => a.status !== success && !(a.status === 503 && Number(a.retryAfter) >= 1));
}

export const longest = (answers: Answer[]): number => Math.max(0, ...answers.map((a) => a.endedAt - a.startedAt));

/** Polls `check` every `everyMs` until `stop()`; records each change of its value with the time. */
export function watch<T>(check: () => Promise<T>, everyMs: number): { changes: Array<{ at: number; value: T }>; stop(): Promise<void> } {
  const changes: Array<{ at: number; value: T }> = [];
  let stopped = false;
  const loop = (async () => {
    while (!stopped) {
      const value = await check();
      if (changes.length === 0 || changes[changes.length - 1].value !== value) changes.push({ at: Date.now(), value });
      await sleep(everyMs);
    }
  })();
  return {
    changes,
    stop: async () => {
      stopped = true;
      await loop;
    },
  };
}

/** The time `check` first holds, polling every `everyMs` (no limit of its own: the test's timeout is). */
export async function firstTime(check: () => Promise<boolean>, everyMs = 50): Promise<number> {
  for (;;) {
    if (await check()) return Date.now();
    await sleep(everyMs);
  }
}

/** The outage as /readyz told it: when it first turned `bad` after `from`, and when `good` again after that. */
export function outageSeen<T>(changes: Array<{ at: number; value: T }>, good: T, from: number): { downAt?: number; upAt?: number } {
  const down = changes.find((c) => c.at >= from && c.value !== good);
  const up = down && changes.find((c) => c.at > down.at && c.value === good);
  return { downAt: down?.at, upAt: up?.at };
}

/** The gateway's JSON log lines (pino) from a child process's output. */
export function logLines(output: string): Array<{ level: number; time: number; msg: string; err?: unknown; [k: string]: unknown }> {
  return output
    .split('\n')
    .filter((l) => l.startsWith('{'))
    .map((l) => JSON.parse(l));
}

export interface Figures {
  scenario: string;
  requests: number;
  ok: number;
  unavailable: number;
  other: number;
  acknowledgedAndLost: number;
  maxAnswerMs: number;
  readyzRecoveryMs: number | undefined;
  [more: string]: unknown;
}

/** One line per scenario in the test output: the figures the issue asks for. */
export function printFigures(f: Figures): void {
  const rest = Object.entries(f)
    .filter(([k]) => !['scenario', 'requests', 'ok', 'unavailable', 'other', 'acknowledgedAndLost', 'maxAnswerMs', 'readyzRecoveryMs'].includes(k))
    .map(([k, v]) => `, ${k} ${v}`)
    .join('');
  // eslint-disable-next-line no-console
  console.log(
    `[fault] ${f.scenario}: requests ${f.requests}, 2xx ${f.ok}, 503 ${f.unavailable}, other ${f.other}, acknowledged-and-lost ${f.acknowledgedAndLost}, ` +
      `max answer ${f.maxAnswerMs} ms, readyz recovery ${f.readyzRecoveryMs ?? 'never'} ms${rest}`,
  );
}
