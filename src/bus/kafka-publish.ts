// How both Kafka buses publish: what is published in one tick goes to Kafka as one send (one request
// for all topics: with an idempotent producer's single request in flight, batching is what keeps
// throughput up), and each publish is answered within `timeoutMs`.
import { DependencyUnavailableError } from '../ports/availability';

interface Pending<M> {
  message: M;
  resolve: () => void;
  reject: (err: unknown) => void;
}

export interface TickBatchOptions<M> {
  /** Sends one tick's messages; resolves once Kafka acknowledged them all. */
  send: (messages: M[]) => Promise<unknown>;
  timeoutMs: number;
  /** A record the broker refuses as such (too large, corrupt): the publish fails as it is, not as an outage. */
  isBadRecord: (err: unknown) => boolean;
  /** Any other failure: Kafka may be down (the bus probes it, so that the next publishes fail at once). */
  onUnavailable: () => void;
}

export class TickBatch<M> {
  private pending: Array<Pending<M>> = [];

  constructor(private readonly options: TickBatchOptions<M>) {}

  get size(): number {
    return this.pending.length;
  }

  add(message: M): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      this.pending.push({ message, resolve, reject });
      if (this.pending.length === 1) setImmediate(() => void this.flush());
    });
  }

  /**
   * Sends what is pending. Unacknowledged within timeoutMs, or failed: every publish of the batch
   * fails with DependencyUnavailableError (a 503), though a late send may still reach Kafka; its
   * publishers make such a retry harmless with an idempotency key (src/http/idempotency.ts).
   */
  async flush(): Promise<void> {
    const batch = this.pending.splice(0);
    if (batch.length === 0) return;
    const { send, timeoutMs, isBadRecord, onUnavailable } = this.options;
    let timer: NodeJS.Timeout | undefined;
    const deadline = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`no acknowledgement within ${timeoutMs} ms`)), timeoutMs);
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
