// The per-user polling queue: events for a user without a callback wait here (in the Store, so they
// are shared between nodes and survive a restart with Redis) until a long poll takes them.
//
// A poll takes (dequeues) one event: taking it is the acknowledgement. The Store's dequeue is atomic,
// so two concurrent polls of one user never get the same event; a poll that finds the queue empty
// waits for a notification on the user's topic (store.notify after every enqueue, which crosses
// nodes), for the poll timeout, for gateway shutdown, or for the client to go away.
import { longPoll } from '../../http/long-poll';
import type { Notifier, Store } from '../../ports/store';

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
    const { gone, shutdown } = opts;
    const result = await longPoll<string>(this.store, queueTopic(user), {
      // Once the client has gone, nothing more is taken.
      look: async () => (gone.aborted ? undefined : this.store.polling.dequeue(user)),
      timeoutMs: opts.timeoutMs,
      recheckMs: RECHECK_MS,
      signals: [shutdown, gone],
    });
    const item = result.found;
    if (item === undefined) return { reason: result.ended === 'timeout' ? 'timeout' : gone.aborted ? 'gone' : 'shutdown' };
    if (gone.aborted) {
      // The client left while we were taking it: put it back rather than lose it (it goes to the
      // end of the queue; order is traded for not losing an acknowledged event).
      await this.enqueue(user, item);
      return { reason: 'gone' };
    }
    return { item };
  }
}

export type PollResult = { item: string; reason?: undefined } | { item?: undefined; reason: 'timeout' | 'shutdown' | 'gone' };
