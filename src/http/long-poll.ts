// Waiting for a store notification with a timeout, cut short by gateway shutdown or by the client
// going away. Long polls of every API wait through this.
import type { ParameterizedContext } from 'koa';
import type { Store } from '../ports/store';

export type WaitOutcome = 'notified' | 'timeout' | 'shutdown' | 'gone';

export function waitForNotify(
  store: Store,
  topic: string,
  timeoutMs: number,
  shutdown: AbortSignal,
  request: ParameterizedContext,
): Promise<WaitOutcome> {
  if (shutdown.aborted) return Promise.resolve('shutdown');
  return new Promise((resolve) => {
    const finish = (outcome: WaitOutcome) => {
      clearTimeout(timer);
      unsubscribe();
      shutdown.removeEventListener('abort', onShutdown);
      request.req.off('close', onGone);
      resolve(outcome);
    };
    const onShutdown = () => finish('shutdown');
    // 'close' on the request fires when the client disconnects before we answer.
    const onGone = () => {
      if (!request.res.writableEnded) finish('gone');
    };
    const unsubscribe = store.onNotify(topic, () => finish('notified'));
    const timer = setTimeout(() => finish('timeout'), timeoutMs);
    shutdown.addEventListener('abort', onShutdown, { once: true });
    request.req.on('close', onGone);
  });
}
