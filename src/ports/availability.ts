// Outages of the bus and the store, as their callers see them: an operation the dependency cannot
// take now fails fast with DependencyUnavailableError (HTTP answers 503 with Retry-After), and each
// implementation tracks its dependency in an Availability that reports transitions, not attempts.

export type DependencyName = 'bus' | 'store';

/**
 * The bus or store cannot take this call now: it is unreachable, or did not answer within the
 * timeout. A call that fails this way before it was sent changed nothing; one that timed out after
 * it was sent may still take effect (see the README's "Limits and failure behaviour").
 */
export class DependencyUnavailableError extends Error {
  constructor(
    readonly dependency: DependencyName,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = 'DependencyUnavailableError';
  }
}

/** The error and its `cause`s, outermost first (at most 10: a cycle ends too). */
export function causes(error: unknown): Error[] {
  const chain: Error[] = [];
  for (let e = error; e instanceof Error && chain.length < 10; e = e.cause) chain.push(e);
  return chain;
}

/** True when the error or one of its causes is a DependencyUnavailableError. */
export function isUnavailable(error: unknown): boolean {
  return causes(error).some((e) => e instanceof DependencyUnavailableError);
}

/** Told at the first connection, then once per outage and once per recovery. */
export interface AvailabilityListener {
  down(reason: string): void;
  /** `downForMs` is undefined for the first connection. */
  up(downForMs: number | undefined): void;
}

/**
 * One dependency's state: unknown until the first success or failure, then up or down. Only changes
 * are reported: failures while down (every reconnect attempt) and successes while up say nothing.
 */
export class Availability {
  private state: 'unknown' | 'up' | 'down' | 'closed' = 'unknown';
  private downSince = 0;

  constructor(private readonly listener?: AvailabilityListener) {}

  get up(): boolean {
    return this.state === 'up';
  }

  get down(): boolean {
    return this.state === 'down';
  }

  failed(reason: unknown): void {
    if (this.state === 'down' || this.state === 'closed') return;
    this.state = 'down';
    this.downSince = Date.now();
    this.listener?.down(describe(reason));
  }

  succeeded(): void {
    if (this.state === 'up' || this.state === 'closed') return;
    const wasDown = this.state === 'down';
    this.state = 'up';
    this.listener?.up(wasDown ? Date.now() - this.downSince : undefined);
  }

  /** Our own shutdown is no outage: nothing is reported after this. */
  close(): void {
    this.state = 'closed';
  }
}

/** A one-line reason, without a stack. */
function describe(reason: unknown): string {
  return reason instanceof Error ? reason.message || reason.name : String(reason);
}
