// The Redis connection the RedisStore sends its commands on, set up for outages: while Redis is
// unreachable a command fails at once with DependencyUnavailableError; a command that failed is never
// sent later (ioredis would otherwise resend it, or send it from its offline queue, once Redis is back,
// after the caller has already answered 503); no command waits longer than the timeout.
import Redis, { ReplyError, type Command, type RedisOptions } from 'ioredis';
import { Availability, DependencyUnavailableError } from '../ports/availability';

export interface ConnectionTimings {
  /** Longest wait for a reply (and for a connection to open). */
  timeoutMs: number;
  /** Longest pause between reconnect attempts. */
  reconnectMs: number;
}

/** Reconnect quickly (50, 100, 200 ms ...) up to `reconnectMs`, for ever. */
export function reconnectOptions({ timeoutMs, reconnectMs }: ConnectionTimings): Pick<RedisOptions, 'connectTimeout' | 'retryStrategy'> {
  return { connectTimeout: timeoutMs, retryStrategy: (attempt) => Math.min(50 * 2 ** (attempt - 1), reconnectMs) };
}

/** Server answers that mean "not now" (loading, read-only replica, cannot persist, ...) rather than a bad command. */
const UNAVAILABLE_REPLY = /^(LOADING|BUSY|MASTERDOWN|READONLY|MISCONF|TRYAGAIN|CLUSTERDOWN|OOM)\b/;

export class StoreConnection extends Redis {
  constructor(
    url: string,
    timings: ConnectionTimings,
    private readonly availability: Availability,
  ) {
    super(url, {
      ...reconnectOptions(timings),
      commandTimeout: timings.timeoutMs,
      // Only until the first connection (a node starting next to its Redis), see below.
      enableOfflineQueue: true,
      // Commands unanswered when a connection drops fail then (flushed on every failed attempt),
      // and are not sent again on reconnect.
      maxRetriesPerRequest: 0,
      autoResendUnfulfilledCommands: false,
    });
    this.once('ready', () => {
      // From now on a command while disconnected fails at once: a queued one could be sent after
      // its caller timed out, and a client told 503 would find the write done.
      this.options.enableOfflineQueue = false;
    });
    this.on('ready', () => availability.succeeded());
    // Repeated on every reconnect attempt: the Availability reports the outage once.
    this.on('error', (err) => availability.failed(err));
    this.on('close', () => availability.failed(new Error('the connection to Redis closed')));
  }

  override sendCommand(command: Command, stream?: Parameters<Redis['sendCommand']>[1]): unknown {
    const sent = super.sendCommand(command, stream) as Promise<unknown>;
    const mapped = sent.then(
      (reply) => {
        // Handshake commands (the ready check while Redis loads its data) do not count as up.
        if (this.status === 'ready') this.availability.succeeded();
        return reply;
      },
      (err: unknown) => {
        if (err instanceof ReplyError && !UNAVAILABLE_REPLY.test((err as Error).message)) throw err; // a bad command, not an outage
        this.availability.failed(err);
        throw new DependencyUnavailableError('store', `Redis: ${(err as Error).message}`, { cause: err });
      },
    );
    // ioredis's own commands (the handshake) take their reply by callback and drop this promise.
    mapped.catch(() => undefined);
    return mapped;
  }
}
