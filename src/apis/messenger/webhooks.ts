// Webhook delivery: POSTs an event to a callback URL, at least once, with Standard Webhooks headers.
//
// - An attempt succeeds on any 2xx answer. Any other status, a connection error, or no answer within
//   `timeoutMs` (AbortSignal.timeout) is a failed attempt. Redirects are not followed (a 3xx fails).
// - After failed attempt n the next one is scheduled `retryScheduleMs[n-1]` later (±10 % jitter, so
//   receivers coming back up are not hit by every retry at once); after the last delay is used up the
//   deliverer gives up. `webhook-id` is the same on every attempt; `webhook-timestamp` and the
//   signature are those of the attempt.
// - Durable (issue 10): deliver() resolves once the job is in the Store (so before the bus counts its
//   record as handled), and the job stays there with its failed attempts until it is delivered or
//   queued for polling. A node holds each job it works on under a lease (`leaseMs`, longer than an
//   attempt can take): renewed before every attempt and, by the sweep, while it waits in its lane;
//   while a retry is pending it is held until the retry is due plus one lease. A node that dies renews nothing; once a lease runs out, the sweep of
//   any node (every `sweepIntervalMs`, and at start) claims the job and carries on from its recorded
//   attempts. A node attempts only what it holds and renews its hold first, so two nodes never
//   attempt one job at once unless an attempt outlives its lease; a node that finds a job taken over
//   drops it. Store trouble never loses a job either: whatever this node cannot renew or remove comes
//   back when its lease runs out (at worst an event is POSTed again, with the same webhook-id).
// - Nothing waits on a receiver except that receiver's own user: the bus handler only stores a job,
//   retries are unref'd timers, and attempts of one user run one after another in that user's lane
//   (so without retries a user's events arrive in order, as the spec promises), while other users'
//   lanes run independently. Jobs resumed from a lease run in the order their leases ran out.
// - Fallback (our decision): an event the deliverer stops trying to POST (it gave up, or the gateway
//   stopped with the delivery pending) is handed to `fallback`, which queues it for polling under the
//   same id, and then removed. Nothing acknowledged is dropped: a user whose receiver stays down can
//   still fetch the events with POST /events/polling. The cost: a user who never polls accumulates
//   such events.
// - stop() stops the sweep, cancels pending retry timers, aborts attempts in flight, logs what was
//   abandoned, and hands it to the fallback.
import { randomUUID } from 'node:crypto';
import type { Logger } from '../../log';
import type { Metrics } from '../../metrics';
import { isUnavailable } from '../../ports/availability';
import type { HeldJob, Leases, WebhookJob } from '../../ports/store';
import { webhookHeaders } from './signature';

export type { WebhookJob };

/** Where pending webhook jobs are kept (the Store's webhookJobs). */
export type WebhookJobStore = Leases<WebhookJob>;
type HeldWebhookJob = HeldJob<WebhookJob>;

export interface WebhookDelivererOptions {
  key: Buffer;
  retryScheduleMs: readonly number[];
  timeoutMs: number;
  /** How long a job stays this node's without renewal: longer than an attempt takes (`timeoutMs`). */
  leaseMs: number;
  /** How often to look for jobs whose lease ran out (default: a quarter of the lease, at most 5 s). */
  sweepIntervalMs?: number;
  jobs: WebhookJobStore;
  log: Logger;
  metrics: Metrics;
  /** The user's current callback URL (for jobs without a fixed url). */
  currentUrl(user: string): Promise<string | undefined>;
  /** Where a job goes when the deliverer stops trying: queued for polling. */
  fallback(job: WebhookJob): Promise<void>;
  fetch?: typeof fetch;
  /** Clock for `webhook-timestamp`, and for when this node's holds run out. */
  now?: () => number;
  random?: () => number;
}

type Attempt =
  | { outcome: 'success'; status: number }
  | { outcome: 'failure'; status?: number; error?: string }
  | { outcome: 'timeout' }
  | { outcome: 'aborted' }
  | { outcome: 'no_callback' };

/** Jobs claimed per sweep at most, and the held jobs beyond which a node claims no more. */
const CLAIM_BATCH = 100;
const MAX_HELD = 10_000;

interface Local {
  held: HeldWebhookJob;
  /** When this node's hold runs out at the latest (this node's clock, taken before the store call). */
  until: number;
  attempting: boolean;
  /** Set while a retry is pending. */
  timer?: NodeJS.Timeout;
}

export class WebhookDeliverer {
  /** This node as the holder of jobs (a restarted node is a new holder). */
  readonly owner = randomUUID();
  /** Tail of each user's lane of attempts. */
  private readonly lanes = new Map<string, Promise<void>>();
  /** Jobs this node holds (in a lane or waiting for a retry), by store key. */
  private readonly held = new Map<string, Local>();
  private readonly running = new Set<Promise<void>>();
  private readonly abandoned: Array<{ held: HeldWebhookJob; attempts: number }> = [];
  private readonly stopController = new AbortController();
  private stopped = false;
  private sweeper: NodeJS.Timeout | undefined;
  private sweeping: Promise<void> | undefined;
  private sweepFailing = false;
  private readonly fetch: typeof fetch;
  private readonly now: () => number;
  private readonly random: () => number;

  constructor(private readonly options: WebhookDelivererOptions) {
    this.fetch = options.fetch ?? fetch;
    this.now = options.now ?? Date.now;
    this.random = options.random ?? Math.random;
  }

  /** Starts sweeping for jobs whose lease ran out (a crashed node's): now, then every sweepIntervalMs. */
  start(): void {
    if (this.stopped || this.sweeper) return;
    const every = this.options.sweepIntervalMs ?? Math.min(5_000, Math.max(50, Math.round(this.options.leaseMs / 4)));
    this.sweeper = setInterval(() => void this.sweep(), every);
    this.sweeper.unref(); // a sweep must not keep the process alive
    void this.sweep();
  }

  /**
   * Stores the job and starts delivering it; resolves once it is stored, so it outlives this node.
   * False when a job with this id was accepted before. Rejects when the store does.
   */
  async deliver(job: WebhookJob): Promise<boolean> {
    if (this.stopped) {
      // A record handled while the gateway stops: no more POSTs, straight to polling.
      this.options.log.warn({ id: job.id, user: job.user, message: job.message }, 'webhook not sent: the gateway is stopping; queued for polling');
      await this.options.fallback(job);
      return true;
    }
    const since = this.now();
    const held = await this.options.jobs.add(job, this.owner, this.options.leaseMs);
    if (!held) return false;
    this.take(held, since);
    return true;
  }

  /** Jobs this node holds right now (in a lane or waiting for a retry). */
  get size(): number {
    return this.held.size;
  }

  /** Stops sweeping, cancels retries, aborts attempts in flight, logs what was abandoned and queues it for polling. */
  async stop(): Promise<void> {
    this.stopped = true;
    clearInterval(this.sweeper);
    await this.sweeping;
    for (const local of this.held.values()) {
      if (local.timer === undefined) continue;
      clearTimeout(local.timer);
      this.abandon(local.held, local.held.attempts);
    }
    this.stopController.abort();
    while (this.running.size > 0) await Promise.allSettled([...this.running]);
    const abandoned = this.abandoned.splice(0);
    if (abandoned.length === 0) return;
    this.options.log.warn(
      { abandoned: abandoned.map(({ held: { job }, attempts }) => ({ id: job.id, user: job.user, message: job.message, attempts })) },
      `${abandoned.length} webhook deliveries abandoned at shutdown; queued for polling instead`,
    );
    await Promise.allSettled(abandoned.map(({ held }) => this.release(held)));
  }

  /** Starts working on a job this node holds since `since` (for a lease). */
  private take(held: HeldWebhookJob, since: number): void {
    if (this.held.has(held.key)) return; // ours already: our own sweep re-claimed one waiting in a lane
    this.held.set(held.key, { held, until: since + this.options.leaseMs, attempting: false });
    // Stored while the gateway stopped: queued for polling like the jobs stop() abandoned.
    if (this.stopped) return void this.track(this.release(held));
    this.schedule(held);
  }

  /** Appends the next attempt of a held job to its user's lane. */
  private schedule(held: HeldWebhookJob): void {
    const { user } = held.job;
    const previous = this.lanes.get(user) ?? Promise.resolve();
    // attempt() handles its own failures; the catch only keeps a bug from breaking the lane.
    const run = previous
      .then(() => this.attempt(held))
      .catch((err: unknown) => this.options.log.error({ err, id: held.job.id, user }, 'webhook attempt crashed'));
    this.lanes.set(user, run);
    this.track(run).finally(() => {
      if (this.lanes.get(user) === run) this.lanes.delete(user);
    });
  }

  private async attempt(held: HeldWebhookJob): Promise<void> {
    const { job } = held;
    const attempt = held.attempts + 1;
    if (this.stopped) return this.abandon(held, held.attempts);
    const local = this.held.get(held.key);
    if (!local) return; // dropped while it waited (see keep())
    local.attempting = true;
    // Renewed first: a job another node claimed while it waited in this lane is theirs now.
    if (!(await this.keep(held, this.options.leaseMs, held.attempts))) return;
    const result = await this.post(job);
    const { log, metrics, retryScheduleMs, leaseMs } = this.options;
    const where = { id: job.id, user: job.user, message: job.message, attempt };
    if (result.outcome === 'aborted') return this.abandon(held, attempt);
    if (result.outcome === 'no_callback') {
      // Cannot happen with today's API (a registration is never removed); keep the event anyway.
      log.warn(where, 'webhook not sent: the user has no callback any more; queued for polling');
      return this.release(held);
    }
    metrics.webhookAttemptsTotal.inc({ outcome: result.outcome });
    if (result.outcome === 'success') {
      metrics.eventsDeliveredTotal.inc({ api: 'messenger', message: job.message });
      log.debug({ ...where, status: result.status }, 'webhook delivered');
      return this.finish(held);
    }
    const failure = result.outcome === 'timeout' ? { timeout: true } : { status: result.status, error: result.error };
    if (this.stopped) return this.abandon(held, attempt);
    if (attempt > retryScheduleMs.length) {
      metrics.webhookAttemptsTotal.inc({ outcome: 'gave_up' });
      log.warn({ ...where, ...failure }, 'webhook delivery gave up after the last retry; queued for polling');
      return this.release(held);
    }
    const delay = this.jitter(retryScheduleMs[attempt - 1]);
    log.info({ ...where, ...failure, retryInMs: delay }, 'webhook attempt failed; will retry');
    // Held until the retry is due and a lease beyond: another node takes over only if this one died.
    if (!(await this.keep(held, delay + leaseMs, attempt))) return;
    if (this.stopped) return this.abandon(held, attempt); // stop() began while the store was written
    local.attempting = false;
    local.timer = setTimeout(() => {
      local.timer = undefined;
      this.schedule(held);
    }, delay);
    local.timer.unref(); // a pending retry must not keep the process alive
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

  /**
   * Renews this node's hold for `ms` and records the failed attempts. False when the job is not this
   * node's any more, or the store failed; the job is then dropped here (its lease brings it back).
   */
  private async keep(held: HeldWebhookJob, ms: number, attempts: number): Promise<boolean> {
    const where = { id: held.job.id, user: held.job.user, message: held.job.message };
    const since = this.now();
    try {
      if (await this.options.jobs.hold(held.key, this.owner, ms, attempts)) {
        held.attempts = attempts;
        const local = this.held.get(held.key);
        if (local) local.until = since + ms;
        return true;
      }
      this.options.log.info(where, 'webhook job taken over by another node after its lease ran out; dropped here');
    } catch (err) {
      this.options.log.warn({ ...where, err }, 'renewing a webhook job in the store failed; it resumes once its lease runs out');
    }
    this.held.delete(held.key);
    return false;
  }

  /** Removes a job that is done with (delivered, or queued for polling). */
  private async finish(held: HeldWebhookJob): Promise<void> {
    this.held.delete(held.key);
    try {
      await this.options.jobs.finish(held.key, this.owner);
    } catch (err) {
      this.options.log.warn({ err, id: held.job.id, user: held.job.user }, 'removing a finished webhook job failed; it may be sent again once its lease runs out');
    }
  }

  /**
   * Queues the job for polling, then removes it: only while this node still holds it (another node
   * that took it over delivers it). One that cannot be queued stays stored and resumes after its lease.
   */
  private async release(held: HeldWebhookJob): Promise<void> {
    if (!(await this.keep(held, this.options.leaseMs, held.attempts))) return;
    this.held.delete(held.key);
    try {
      await this.options.fallback(held.job);
    } catch (err) {
      const { id, user, message } = held.job;
      this.options.log.error({ err, id, user, message }, 'queueing an undelivered webhook for polling failed; it stays pending and resumes once its lease runs out');
      return;
    }
    await this.finish(held);
  }

  private abandon(held: HeldWebhookJob, attempts: number): void {
    this.held.delete(held.key);
    this.abandoned.push({ held, attempts });
  }

  /**
   * Renews the holds of this node's jobs that wait in a lane (behind a slow receiver) before they run
   * out, then claims jobs whose lease ran out (their node died or stalled) and delivers them here.
   */
  private async sweep(): Promise<void> {
    if (this.sweeping || this.stopped) return;
    this.sweeping = this.renewWaiting()
      .then(() => this.claimExpired())
      .finally(() => (this.sweeping = undefined));
    await this.sweeping;
  }

  /** A sweep comes at least every quarter lease, so a hold with half a lease left is renewed in time. */
  private async renewWaiting(): Promise<void> {
    const soon = this.now() + this.options.leaseMs / 2;
    for (const local of [...this.held.values()]) {
      if (this.stopped) return;
      if (local.attempting || local.timer !== undefined || local.until > soon) continue;
      await this.keep(local.held, this.options.leaseMs, local.held.attempts);
    }
  }

  private async claimExpired(): Promise<void> {
    const { jobs, leaseMs, log, metrics } = this.options;
    const room = Math.min(CLAIM_BATCH, MAX_HELD - this.held.size);
    if (room <= 0) return;
    const since = this.now();
    let claimed: HeldWebhookJob[];
    try {
      claimed = await jobs.claim(this.owner, leaseMs, room);
    } catch (err) {
      // One line per failure, not one per sweep; a store outage is the store's to report (once).
      if (!this.sweepFailing && !isUnavailable(err)) {
        log.warn({ err }, 'looking for webhook jobs to resume failed; will keep trying');
        this.sweepFailing = true;
      }
      return;
    }
    if (this.sweepFailing) log.info('looking for webhook jobs to resume works again');
    this.sweepFailing = false;
    const resumed = claimed.filter((held) => !this.held.has(held.key));
    if (resumed.length === 0) return;
    metrics.webhookJobsResumedTotal.inc(resumed.length);
    log.warn(
      { jobs: resumed.map(({ job, attempts }) => ({ id: job.id, user: job.user, message: job.message, attempts })) },
      `resuming ${resumed.length} webhook deliveries whose lease ran out (their node stopped or stalled)`,
    );
    for (const held of resumed) this.take(held, since);
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
