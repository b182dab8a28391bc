// The worker side of `serve --workers N` (src/cluster/primary.ts): it listens when the primary says
// so, its metrics registry joins the primary's sum, and its /metrics answer is that sum, asked of
// the primary.
import { AggregatorRegistry } from 'prom-client';
import { Metrics } from '../metrics';
import { LISTEN_GRANT, LISTEN_REQUEST, METRICS_REPLY, METRICS_REQUEST, type ListenMessage, type MetricsReply, type MetricsRequest } from './worker-messages';

/** A /metrics answer that does not come back by then fails (the primary is stuck or gone). */
const METRICS_TIMEOUT_MS = 5_000;

let nextId = 0;

/** Tells the primary this worker has started; resolves when it may listen (primary.ts says when). */
export function listenGranted(): Promise<void> {
  return new Promise((resolve, reject) => {
    const done = () => {
      process.off('message', onMessage);
      process.off('disconnect', onGone);
    };
    const onMessage = (message: ListenMessage) => {
      if (message?.type !== LISTEN_GRANT) return;
      done();
      resolve();
    };
    const onGone = () => {
      done();
      reject(new Error('the primary went away before this worker could listen'));
    };
    process.on('message', onMessage);
    process.on('disconnect', onGone);
    process.send!({ type: LISTEN_REQUEST } satisfies ListenMessage);
  });
}

/** A worker's metrics: its registry is what it reports when the primary asks, /metrics the sum. */
export function workerMetrics(): Metrics {
  const metrics = new Metrics({ exposition: askPrimary });
  AggregatorRegistry.setRegistries([metrics.registry]);
  new AggregatorRegistry(); // in a worker, its constructor is what starts answering the primary
  return metrics;
}

function askPrimary(): Promise<string> {
  return new Promise((resolve, reject) => {
    const id = ++nextId;
    const done = () => {
      clearTimeout(timer);
      process.off('message', onMessage);
    };
    const onMessage = (message: MetricsReply) => {
      if (message?.type !== METRICS_REPLY || message.id !== id) return;
      done();
      if (message.text !== undefined) resolve(message.text);
      else reject(new Error(`the primary could not collect the workers' metrics: ${message.error}`));
    };
    const timer = setTimeout(() => {
      done();
      reject(new Error('the primary did not answer for the workers\' metrics'));
    }, METRICS_TIMEOUT_MS);
    process.on('message', onMessage);
    process.send!({ type: METRICS_REQUEST, id } satisfies MetricsRequest);
  });
}
