// Long polls: watch a store topic BEFORE reading, so a write that lands between the read and the
// wait still wakes the poll. A wait ends on notify, timeout, or any of the given abort signals
// (gateway shutdown, the client going away).
import type { ParameterizedContext } from 'koa';
import type { Notifier } from '../ports/store';

export type WaitOutcome = 'notified' | 'elapsed' | 'aborted';

export interface TopicWatch {
  /** Resolves on the first notify since the watch began (at once if one came already). */
  wait(ms: number, signals: AbortSignal[]): Promise<WaitOutcome>;
  close(): void;
}

export function watchTopic(notifier: Notifier, topic: string): TopicWatch {
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
