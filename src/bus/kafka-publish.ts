// How both Kafka buses publish: one send at a time (one request for all topics), carrying every
// publish made since the previous send went out, and each publish answered within `timeoutMs` of
// being made. An idempotent producer has one request in flight anyway; a send per tick would queue
// behind it one small batch after another, so a node's publishes/s were its ticks per produce
// round trip. Waiting for the send in flight makes the next batch as large as the load is.
import { DependencyUnavailableError } from '../ports/availability';

interface Pending<M> {
  message: M;
  resolve: () => void;
  reject: (err: unknown) => void;
  /** performance.now() when it was published: its answer is due timeoutMs later. */
  at: number;
}

export interface PublishBatchOptions<M> {
  /** Sends one batch's messages; resolves once Kafka acknowledged them all. */
  send: (messages: M[]) => Promise<unknown>;
  timeoutMs: number;
  /** A record the broker refuses as such (too large, corrupt): the publish fails as it is, not as an outage. */
  isBadRecord: (err: unknown) => boolean;
  /** Any other failure: Kafka may be down (the bus probes it, so that the next publishes fail at once). */
  onUnavailable: () => void;
}

export class PublishBatch<M> {
  private pending: Array<Pending<M>> = [];
  private inFlight: Promise<void> | undefined;

  constructor(private readonly options: PublishBatchOptions<M>) {}

  get size(): number {
    return this.pending.length;
  }

  add(message: M): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      this.pending.push({ message, resolve, reject, at: performance.now() });
      // With a send in flight, its end sends this one too.
      if (this.pending.length === 1 && !this.inFlight) setImmediate(() => void this.flush());
    });
  }

  /** Sends what is pending once the send in flight is done; resolves when that send has its outcome. */
  async flush(): Promise<void> {
    while (this.inFlight) await this.inFlight;
    const batch = this.pending.splice(0);
    if (batch.length === 0) return;
    this.inFlight = this.send(batch);
    try {
      await this.inFlight;
    } finally {
      this.inFlight = undefined;
    }
    if (this.pending.length > 0) void this.flush(); // what was published meanwhile
  }

  /**
   * Unacknowledged by the first publish's deadline, or failed: every publish of the batch fails with
   * DependencyUnavailableError (a 503), though a late send may still reach Kafka; its publishers make
   * such a retry harmless with an idempotency key (src/http/idempotency.ts).
   */
  private async send(batch: Array<Pending<M>>): Promise<void> {
    const { send, timeoutMs, isBadRecord, onUnavailable } = this.options;
    let timer: NodeJS.Timeout | undefined;
    const deadline = new Promise<never>((_, reject) => {
      const left = Math.max(0, timeoutMs - (performance.now() - batch[0].at));
      timer = setTimeout(() => reject(new Error(`no acknowledgement within ${timeoutMs} ms`)), left);
    });
    try {
      const sent = send(batch.map((p) => p.message));
      sent.catch(() => undefined); // when the deadline won, the client's own failure comes later and goes nowhere
      await Promise.race([sent, deadline]);
      for (const p of batch) p.resolve();
    } catch (err) {
      const error = isBadRecord(err) ? err : new DependencyUnavailableError('bus', `Kafka: ${(err as Error).message}`, { cause: err });
      if (error !== err) onUnavailable();
      for (const p of batch) p.reject(error);
    } finally {
      clearTimeout(timer);
    }
  }
}
