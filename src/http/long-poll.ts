// Long polls (events, messenger): look for something, and while there is nothing, wait for a store
// notification on the topic, the deadline, or an abort (gateway shutdown, the client going away).
// The topic is watched BEFORE each look, so a write that lands between the look and the wait still
// wakes the poll.
import type { ParameterizedContext } from 'koa';
import type { Notifier } from '../ports/store';

export interface LongPollOptions<T> {
  /** What the poll answers when found; undefined: nothing yet. Called again after every wake-up. */
  look(): Promise<T | undefined>;
  timeoutMs: number;
  /** Looks again at least this often even without a notification (one may be lost between nodes). */
  recheckMs?: number;
  /** Any of them aborted: the poll ends without looking again. */
  signals: AbortSignal[];
  /** Called before each wait (the poll is about to hold the request open). */
  onWait?(): void;
}

export type LongPollResult<T> = { found: T; ended?: undefined } | { found?: undefined; ended: 'timeout' | 'aborted' };

export async function longPoll<T>(notifier: Notifier, topic: string, options: LongPollOptions<T>): Promise<LongPollResult<T>> {
  const { look, signals } = options;
  const deadline = Date.now() + options.timeoutMs;
  for (;;) {
    const watch = watchTopic(notifier, topic);
    try {
      const found = await look();
      if (found !== undefined) return { found };
      if (signals.some((s) => s.aborted)) return { ended: 'aborted' };
      const remaining = deadline - Date.now();
      if (remaining <= 0) return { ended: 'timeout' };
      options.onWait?.();
      // notified or elapsed: look again (the loop ends on the deadline)
      if ((await watch.wait(Math.min(remaining, options.recheckMs ?? Infinity), signals)) === 'aborted') return { ended: 'aborted' };
    } finally {
      watch.close();
    }
  }
}

type WaitOutcome = 'notified' | 'elapsed' | 'aborted';

interface TopicWatch {
  /** Resolves on the first notify since the watch began (at once if one came already). */
  wait(ms: number, signals: AbortSignal[]): Promise<WaitOutcome>;
  close(): void;
}

function watchTopic(notifier: Notifier, topic: string): TopicWatch {
  let notified = false;
  let wake: (() => void) | undefined;
  const unsubscribe = notifier.onNotify(topic, () => {
    notified = true;
    wake?.();
  });
  return {
    close: unsubscribe,
    wait(ms, signals) {
      if (notified) return Promise.resolve('notified');
      if (signals.some((s) => s.aborted)) return Promise.resolve('aborted');
      return new Promise((resolve) => {
        const finish = (outcome: WaitOutcome) => {
          clearTimeout(timer);
          for (const s of signals) s.removeEventListener('abort', onAbort);
          wake = undefined;
          resolve(outcome);
        };
        const onAbort = () => finish('aborted');
        const timer = setTimeout(() => finish('elapsed'), ms);
        for (const s of signals) s.addEventListener('abort', onAbort, { once: true });
        wake = () => finish('notified');
      });
    },
  };
}

/** Aborted when the client disconnects before the response was written. */
export function clientGone(k: ParameterizedContext): AbortSignal {
  const gone = new AbortController();
  // The response's 'close' before it ended means the connection went away.
  k.res.once('close', () => {
    if (!k.res.writableEnded) gone.abort();
  });
  return gone.signal;
}
