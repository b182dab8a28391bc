// What `switchyard doctor` reports: one finding per thing it looked at.
export type Status = 'ok' | 'warn' | 'fail';

export interface Finding {
  /** What was checked: `config`, `secret`, `kafka`, `topic`, `group`, `redis`, ... */
  check: string;
  status: Status;
  detail: string;
  /** Machine-readable facts behind the detail (printed by `--json`). */
  data?: Record<string, unknown>;
}

export const ok = (check: string, detail: string, data?: Record<string, unknown>): Finding => ({ check, status: 'ok', detail, data });
export const warn = (check: string, detail: string, data?: Record<string, unknown>): Finding => ({ check, status: 'warn', detail, data });
export const fail = (check: string, detail: string, data?: Record<string, unknown>): Finding => ({ check, status: 'fail', detail, data });

/** Rejects with a clear message when `work` has not settled within `ms` (a dependency that hangs). */
export async function within<T>(ms: number, what: string, work: Promise<T>): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what}: no answer within ${ms} ms`)), ms);
  });
  try {
    return await Promise.race([work, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

export function errorText(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
