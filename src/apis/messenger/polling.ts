// The per-user polling queue: events for a user without a callback wait here (in the Store, so they
// are shared between nodes and survive a restart with Redis) until a long poll takes them.
//
// A poll takes (dequeues) one event: taking it is the acknowledgement. The Store's dequeue is atomic,
// so two concurrent polls of one user never get the same event; a poll that finds the queue empty
// waits for a notification on the user's topic (store.notify after every enqueue, which crosses
// nodes), for the poll timeout, for gateway shutdown, or for the client to go away.
import type { Notifier, Store } from '../../ports/store';
import { watchTopic } from '../../http/long-poll';

/** Store notification topic of a user's queue. */
export const queueTopic = (user: string): string => `messenger:queue:${user}`;

/**
 * A lost notification (e.g. a pub/sub reconnect between nodes) must not leave a poll sleeping for
 * its whole timeout while an event waits: a waiting poll looks at the queue at least this often.
 */
const RECHECK_MS = 5_000;

export class PollingQueues {
  constructor(private readonly store: Pick<Store, 'polling'> & Notifier) {}

  /**
   * Queues a serialized event for the user and wakes their waiting polls. The `key` (the bus record
   * id) makes a redelivered record a no-op, so an event is queued once.
   */
  async enqueue(user: string, serialized: string, key?: string): Promise<void> {
    await this.store.polling.enqueue(user, serialized, key);
    await this.store.notify(queueTopic(user));
  }

  /**
   * The user's oldest event, or waits up to `timeoutMs` for one. Resolves `{item}` with the taken
   * event, or `{reason}` when nothing was taken. Once `gone` is aborted (the client disconnected)
   * nothing more is taken from the queue.
   */
  async next(user: string, opts: { timeoutMs: number; shutdown: AbortSignal; gone: AbortSignal }): Promise<PollResult> {
    const deadline = Date.now() + opts.timeoutMs;
    for (;;) {
      if (opts.gone.aborted) return { reason: 'gone' };
      // Listen before looking, so an event queued between the look and the wait still wakes us.
      const wake = watchTopic(this.store, queueTopic(user));
      try {
        const item = await this.store.polling.dequeue(user);
        if (item !== undefined) {
          if (opts.gone.aborted) {
            // The client left while we were taking it: put it back rather than lose it (it goes to
            // the end of the queue; order is traded for not losing an acknowledged event).
            await this.enqueue(user, item);
            return { reason: 'gone' };
          }
          return { item };
        }
        if (opts.shutdown.aborted) return { reason: 'shutdown' };
        const remaining = deadline - Date.now();
        if (remaining <= 0) return { reason: 'timeout' };
        const why = await wake.wait(Math.min(remaining, RECHECK_MS), [opts.shutdown, opts.gone]);
        if (why === 'aborted') return { reason: opts.gone.aborted ? 'gone' : 'shutdown' };
        // notified or elapsed: look again (the loop ends on the deadline)
      } finally {
        wake.close();
      }
    }
  }
}

export type PollResult = { item: string; reason?: undefined } | { item?: undefined; reason: 'timeout' | 'shutdown' | 'gone' };
