// Long polls: watch a store topic BEFORE reading, so a write that lands between the read and the
// wait still wakes the poll; the wait ends on notify, timeout, gateway shutdown or client exit.
import type { ParameterizedContext } from 'koa';
import type { Store } from '../ports/store';

export type WaitOutcome = 'notified' | 'timeout' | 'shutdown' | 'gone';

export interface TopicWatch {
  /** Resolves on the first notify since the watch began (at once if one came already). */
  wait(timeoutMs: number, shutdown: AbortSignal, request: ParameterizedContext): Promise<WaitOutcome>;
  close(): void;
}

export function watchTopic(store: Store, topic: string): TopicWatch {
  let notified = false;
  let wake: (() => void) | undefined;
  const unsubscribe = store.onNotify(topic, () => {
    notified = true;
    wake?.();
  });
  return {
    close: unsubscribe,
    wait(timeoutMs, shutdown, request) {
      if (notified) return Promise.resolve('notified');
      if (shutdown.aborted) return Promise.resolve('shutdown');
      return new Promise((resolve) => {
        const finish = (outcome: WaitOutcome) => {
          clearTimeout(timer);
          wake = undefined;
          shutdown.removeEventListener('abort', onShutdown);
          request.req.off('close', onGone);
          resolve(outcome);
        };
        const onShutdown = () => finish('shutdown');
        // 'close' on the request before we answered: the client went away.
        const onGone = () => {
          if (!request.res.writableEnded) finish('gone');
        };
        wake = () => finish('notified');
        const timer = setTimeout(() => finish('timeout'), timeoutMs);
        shutdown.addEventListener('abort', onShutdown, { once: true });
        request.req.on('close', onGone);
      });
    },
  };
}
