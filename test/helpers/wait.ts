// Waiting in tests: poll a condition with a generous limit; nothing asserts on timing.
export const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/** Resolves with the first truthy value of `check`; fails naming what it waited for. */
export async function waitFor<T>(check: () => T | Promise<T>, what: string, limitMs = 10_000): Promise<NonNullable<T>> {
  const deadline = Date.now() + limitMs;
  for (;;) {
    const value = await check();
    if (value) return value as NonNullable<T>;
    if (Date.now() > deadline) throw new Error(`timed out after ${limitMs} ms waiting for ${what}`);
    await sleep(10);
  }
}

/**
 * Resolves with what `probe` finds, checked now and each time the owner runs its `waiters` (on every
 * event it receives); rejects with `timeoutMessage()` after `ms`. For clients that record events.
 */
export function whenSeen<T>(waiters: Set<() => void>, probe: () => T | undefined, timeoutMessage: () => string, ms: number): Promise<T> {
  return new Promise((resolve, reject) => {
    const check = () => {
      const found = probe();
      if (found === undefined) return;
      clearTimeout(timer);
      waiters.delete(check);
      resolve(found);
    };
    const timer = setTimeout(() => {
      waiters.delete(check);
      reject(new Error(timeoutMessage()));
    }, ms);
    waiters.add(check);
    check();
  });
}
