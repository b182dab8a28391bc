// A shared machine: wait (a bounded time) for other processes to leave the cores alone before a run,
// and rerun a run they disturbed, keeping the quietest attempt.
import { CONTENDED_CORES } from './report';
import { machineBusyCores } from './proc-cpu';

const QUIET_WAIT_MS = 30_000;

export const log = (text: string): void => void process.stderr.write(`${text}\n`);

/** Waits (at most 30 s) until other processes use at most CONTENDED_CORES, so runs start even. */
export async function waitForQuiet(): Promise<void> {
  const deadline = Date.now() + QUIET_WAIT_MS;
  for (let said = false; ; said = true) {
    const busy = await machineBusyCores(500);
    if (busy === undefined || busy <= CONTENDED_CORES) return;
    if (Date.now() > deadline) return log(`  the machine stays busy (${busy.toFixed(2)} cores used by other processes); going ahead`);
    if (!said) log(`  waiting for a quiet machine (${busy.toFixed(2)} cores used by other processes)`);
  }
}

/**
 * Runs `attempt` up to 1 + `retries` times while other processes disturb it (`other(result)` cores
 * above CONTENDED_CORES) and keeps the quietest. `retries` 0 also skips waiting for a quiet machine.
 */
export async function quietest<T>(retries: number, attempt: () => Promise<T>, other: (result: T) => number | undefined, describe?: (result: T) => string): Promise<T> {
  let best: T | undefined;
  let bestOther = Infinity;
  for (let i = 0; i <= retries; i++) {
    if (retries > 0) await waitForQuiet();
    const result = await attempt();
    if (describe) log(`  ${describe(result)}`);
    const o = other(result) ?? 0;
    if (best === undefined || o < bestOther) {
      best = result;
      bestOther = o;
    }
    if (o <= CONTENDED_CORES) break;
    if (i < retries) log(`  rerunning: other processes used ${o.toFixed(2)} cores during the measured phase`);
  }
  return best as T;
}
