// Webhook delivery: POSTs an event to a callback URL, at least once, with Standard Webhooks headers.
//
// - An attempt succeeds on any 2xx answer. Any other status, a connection error, or no answer within
//   `timeoutMs` (AbortSignal.timeout) is a failed attempt. Redirects are not followed (a 3xx fails).
// - After failed attempt n the next one is scheduled `retryScheduleMs[n-1]` later (±10 % jitter, so
//   receivers coming back up are not hit by every retry at once); after the last delay is used up the
//   deliverer gives up. `webhook-id` is the same on every attempt; `webhook-timestamp` and the
//   signature are those of the attempt.
// - Nothing waits on a receiver except that receiver's own user: the bus handler only hands a job
//   over (deliver() returns at once), retries are unref'd timers, and attempts of one user run one
//   after another in that user's lane (so without retries a user's events arrive in order, as the
//   spec promises), while other users' lanes run independently.
// - Fallback (our decision): an event the deliverer stops trying to POST (it gave up, or the gateway
//   stopped with the delivery pending) is handed to `fallback`, which queues it for polling under the
//   same id. Nothing acknowledged is dropped: a user whose receiver stays down can still fetch the
//   events with POST /events/polling. The cost: a user who never polls accumulates such events.
// - stop() cancels pending retry timers, aborts attempts in flight, logs what was abandoned, and
//   hands it to the fallback. Until the first attempt these jobs live only in this node's memory: a
//   crash (not a stop) between the bus acknowledging a record and its delivery loses it.
import type { Logger } from '../../log';
import type { Metrics } from '../../metrics';
import { webhookHeaders } from './signature';

export interface WebhookJob {
  /** `webhook-id`: the bus record id, stable across retries. */
  id: string;
  user: string;
  /** Message name, for logs and metrics. */
  message: string;
  /** The serialized JSON body, signed and sent byte for byte on every attempt. */
  body: string;
  /**
   * A fixed target (callback_deprecated goes to the retired URL). Without it every attempt goes to
   * the user's current callback, so retries follow a re-registration to the new URL.
   */
  url?: string;
}

export interface WebhookDelivererOptions {
  key: Buffer;
  retryScheduleMs: readonly number[];
  timeoutMs: number;
  log: Logger;
  metrics: Metrics;
  /** The user's current callback URL (for jobs without a fixed url). */
  currentUrl(user: string): Promise<string | undefined>;
  /** Where a job goes when the deliverer stops trying: queued for polling. */
  fallback(job: WebhookJob): Promise<void>;
  fetch?: typeof fetch;
  now?: () => number;
  random?: () => number;
}

type Attempt =
  | { outcome: 'success'; status: number }
  | { outcome: 'failure'; status?: number; error?: string }
  | { outcome: 'timeout' }
  | { outcome: 'aborted' }
  | { outcome: 'no_callback' };

interface Abandoned {
  job: WebhookJob;
  attempts: number;
}

export class WebhookDeliverer {
  /** Tail of each user's lane of attempts. */
  private readonly lanes = new Map<string, Promise<void>>();
  /** Ids of jobs being delivered (in a lane or waiting for a retry), to ignore a redelivered record. */
  private readonly pending = new Set<string>();
  private readonly retries = new Map<string, { timer: NodeJS.Timeout; job: WebhookJob; attempts: number }>();
  private readonly running = new Set<Promise<void>>();
  private readonly abandoned: Abandoned[] = [];
  private readonly stopController = new AbortController();
  private stopped = false;
  private readonly fetch: typeof fetch;
  private readonly now: () => number;
  private readonly random: () => number;

  constructor(private readonly options: WebhookDelivererOptions) {
    this.fetch = options.fetch ?? fetch;
    this.now = options.now ?? Date.now;
    this.random = options.random ?? Math.random;
  }

  /** Starts delivering; returns at once. False when a job with this id is already being delivered. */
  deliver(job: WebhookJob): boolean {
    if (this.pending.has(job.id)) return false;
    if (this.stopped) {
      // A request that was in flight while the gateway stopped: no more POSTs, straight to polling.
      this.options.log.warn({ id: job.id, user: job.user, message: job.message }, 'webhook not sent: the gateway is stopping; queued for polling');
      this.track(this.handOver(job));
      return true;
    }
    this.pending.add(job.id);
    this.schedule(job, 1);
    return true;
  }

  /** Jobs being delivered right now (in a lane or waiting for a retry). */
  get size(): number {
    return this.pending.size;
  }

  /** Cancels retries, aborts attempts in flight, logs what was abandoned and queues it for polling. */
  async stop(): Promise<void> {
    this.stopped = true;
    for (const [id, retry] of this.retries) {
      clearTimeout(retry.timer);
      this.retries.delete(id);
      this.abandon(retry.job, retry.attempts);
    }
    this.stopController.abort();
    while (this.running.size > 0) await Promise.allSettled([...this.running]);
    const abandoned = this.abandoned.splice(0);
    if (abandoned.length === 0) return;
    this.options.log.warn(
      { abandoned: abandoned.map(({ job, attempts }) => ({ id: job.id, user: job.user, message: job.message, attempts })) },
      `${abandoned.length} webhook deliveries abandoned at shutdown; queued for polling instead`,
    );
    await Promise.allSettled(abandoned.map(({ job }) => this.handOver(job)));
  }

  /** Appends attempt number `attempt` of `job` to its user's lane. */
  private schedule(job: WebhookJob, attempt: number): void {
    const previous = this.lanes.get(job.user) ?? Promise.resolve();
    // attempt() handles its own failures; the catch only keeps a bug from breaking the lane.
    const run = previous
      .then(() => this.attempt(job, attempt))
      .catch((err: unknown) => this.options.log.error({ err, id: job.id, user: job.user }, 'webhook attempt crashed'));
    this.lanes.set(job.user, run);
    this.track(run).finally(() => {
      if (this.lanes.get(job.user) === run) this.lanes.delete(job.user);
    });
  }

  private async attempt(job: WebhookJob, attempt: number): Promise<void> {
    if (this.stopped) return this.abandon(job, attempt - 1);
    const result = await this.post(job);
    const { log, metrics, retryScheduleMs } = this.options;
    const where = { id: job.id, user: job.user, message: job.message, attempt };
    if (result.outcome === 'aborted') return this.abandon(job, attempt);
    if (result.outcome === 'no_callback') {
      // Cannot happen with today's API (a registration is never removed); keep the event anyway.
      this.pending.delete(job.id);
      log.warn(where, 'webhook not sent: the user has no callback any more; queued for polling');
      return this.handOver(job);
    }
    metrics.webhookAttemptsTotal.inc({ outcome: result.outcome });
    if (result.outcome === 'success') {
      this.pending.delete(job.id);
      metrics.eventsDeliveredTotal.inc({ api: 'messenger', message: job.message });
      log.debug({ ...where, status: result.status }, 'webhook delivered');
      return;
    }
    const failure = result.outcome === 'timeout' ? { timeout: true } : { status: result.status, error: result.error };
    if (this.stopped) return this.abandon(job, attempt);
    if (attempt > retryScheduleMs.length) {
      this.pending.delete(job.id);
      metrics.webhookAttemptsTotal.inc({ outcome: 'gave_up' });
      log.warn({ ...where, ...failure }, 'webhook delivery gave up after the last retry; queued for polling');
      return this.handOver(job);
    }
    const delay = this.jitter(retryScheduleMs[attempt - 1]);
    log.info({ ...where, ...failure, retryInMs: delay }, 'webhook attempt failed; will retry');
    const timer = setTimeout(() => {
      this.retries.delete(job.id);
      this.schedule(job, attempt + 1);
    }, delay);
    timer.unref(); // a pending retry must not keep the process alive
    this.retries.set(job.id, { timer, job, attempts: attempt });
  }

  private async post(job: WebhookJob): Promise<Attempt> {
    let url = job.url;
    if (url === undefined) {
      try {
        url = await this.options.currentUrl(job.user);
      } catch (err) {
        return { outcome: 'failure', error: `reading the callback failed: ${(err as Error).message}` };
      }
      if (url === undefined) return { outcome: 'no_callback' };
    }
    const timestamp = Math.floor(this.now() / 1000);
    const timeout = AbortSignal.timeout(this.options.timeoutMs);
    try {
      const res = await this.fetch(url, {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...webhookHeaders(this.options.key, job.id, timestamp, job.body) },
        body: job.body,
        redirect: 'manual',
        signal: AbortSignal.any([timeout, this.stopController.signal]),
      });
      // The answer's body is of no interest; dropping it frees the connection.
      await res.body?.cancel().catch(() => undefined);
      return res.status >= 200 && res.status < 300 ? { outcome: 'success', status: res.status } : { outcome: 'failure', status: res.status };
    } catch (err) {
      if (this.stopController.signal.aborted) return { outcome: 'aborted' };
      if (timeout.aborted) return { outcome: 'timeout' };
      const cause = (err as { cause?: { code?: string; message?: string } }).cause;
      return { outcome: 'failure', error: cause?.code ?? cause?.message ?? (err as Error).message };
    }
  }

  private abandon(job: WebhookJob, attempts: number): void {
    this.pending.delete(job.id);
    this.abandoned.push({ job, attempts });
  }

  private async handOver(job: WebhookJob): Promise<void> {
    try {
      await this.options.fallback(job);
    } catch (err) {
      this.options.log.error({ err, id: job.id, user: job.user, message: job.message }, 'queueing an undelivered webhook for polling failed; the event is lost');
    }
  }

  private jitter(ms: number): number {
    return Math.max(0, Math.round(ms * (0.9 + 0.2 * this.random())));
  }

  private track(promise: Promise<void>): Promise<void> {
    const tracked = promise.finally(() => this.running.delete(tracked));
    this.running.add(tracked);
    return tracked;
  }
}
