// How both Kafka buses notice an outage: one metadata request without retries every `reconnectMs`
// (an idle node notices too); its answer or failure moves the Availability, which publish and
// readiness read without a request of their own.
import type { Availability } from '../ports/availability';

export interface BrokerProbeOptions {
  /** One request that succeeds only when a broker answers now. */
  check: () => Promise<void>;
  availability: Availability;
  reconnectMs: number;
  /** After each success (e.g. to warm the producer). */
  onUp?: () => void;
  /** After each failure (e.g. to drop the probe's connection, so the next one connects afresh); may describe the error better. */
  onDown?: (err: unknown) => Promise<unknown> | unknown;
}

export class BrokerProbe {
  private probing: Promise<boolean> | undefined;
  private timer: NodeJS.Timeout | undefined;
  private stopped = false;

  constructor(private readonly options: BrokerProbeOptions) {}

  /** Is a broker answering right now? Concurrent calls share one request. */
  probe(): Promise<boolean> {
    const { check, availability, onUp, onDown } = this.options;
    this.probing ??= (async () => {
      try {
        await check();
        availability.succeeded();
        onUp?.();
        return true;
      } catch (err) {
        availability.failed(err);
        await onDown?.(err);
        return false;
      } finally {
        this.probing = undefined;
      }
    })();
    return this.probing;
  }

  /** Probes at once, then every reconnectMs until stop(). */
  start(delayMs = 0): void {
    if (this.stopped) return;
    this.timer = setTimeout(() => void this.probe().finally(() => this.start(this.options.reconnectMs)), delayMs);
    this.timer.unref();
  }

  stop(): void {
    this.stopped = true;
    clearTimeout(this.timer);
  }
}
