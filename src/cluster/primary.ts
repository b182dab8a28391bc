// `switchyard serve` with WORKERS > 1: this process forks that many workers, each a whole gateway
// node (node:cluster shares the port between them), and only supervises: it replaces a worker that
// dies, answers their /metrics with the sum over all of them, and stops them on SIGTERM/SIGINT.
// Workers share state through Kafka and Redis, which config.ts requires for more than one worker.
//
// The first workers listen together, once every one of them has started: node:cluster hands a new
// connection to a worker that listens, so the first one up would otherwise take every connection
// made until the others listen (clients reconnecting after a restart come at once, and WebSocket
// connections stay where they land). A replacement for a dead worker listens as soon as it starts.
import cluster, { type Worker } from 'node:cluster';
import { AggregatorRegistry } from 'prom-client';
import type { Logger } from '../log';
import {
  LISTEN_GRANT, LISTEN_REQUEST, METRICS_REPLY, METRICS_REQUEST, WORKER_GROUP, WORKER_INDEX, type ListenMessage, type MetricsReply, type MetricsRequest,
} from './worker-messages';

/** A worker that dies is replaced after this long (a crash loop costs one fork a second). */
const RESTART_DELAY_MS = 1_000;

export interface PrimaryOptions {
  workers: number;
  log: Logger;
  /** Stops the workers if they are not gone by then (they have SHUTDOWN_TIMEOUT_MS themselves). */
  stopTimeoutMs: number;
}

/** Forks the workers and resolves once every one of them listens on the port. */
export async function runPrimary({ workers, log, stopTimeoutMs }: PrimaryOptions): Promise<void> {
  const group = String(process.pid);
  const aggregator = new AggregatorRegistry();
  const indexOf = new Map<Worker, number>();
  let stopping = false;
  /** Started workers waiting to listen until all of the first ones have started; undefined after. */
  let waiting: Worker[] | undefined = [];
  const grant = (worker: Worker) => worker.send({ type: LISTEN_GRANT } satisfies ListenMessage);

  const fork = (index: number): Worker => {
    const worker = cluster.fork({ [WORKER_INDEX]: String(index), [WORKER_GROUP]: group });
    indexOf.set(worker, index);
    worker.on('message', (message: MetricsRequest | ListenMessage) => {
      if (message?.type === LISTEN_REQUEST) {
        if (!waiting) return grant(worker);
        if (waiting.push(worker) < workers) return;
        waiting.forEach(grant);
        waiting = undefined;
        return;
      }
      if (message?.type !== METRICS_REQUEST) return;
      aggregator.clusterMetrics().then(
        (text) => worker.send({ type: METRICS_REPLY, id: message.id, text } satisfies MetricsReply),
        (err: unknown) => worker.send({ type: METRICS_REPLY, id: message.id, error: String(err) } satisfies MetricsReply),
      );
    });
    return worker;
  };

  cluster.on('exit', (worker, code, signal) => {
    const index = indexOf.get(worker);
    indexOf.delete(worker);
    if (stopping || index === undefined) return;
    log.error({ worker: index, code, signal }, 'worker died: starting another');
    setTimeout(() => fork(index), RESTART_DELAY_MS).unref();
  });

  const listening = new Promise<void>((resolve, reject) => {
    const up = new Set<Worker>();
    const onListening = (worker: Worker, address: { addressType: number | string }) => {
      if (address.addressType === -1) return; // a worker's own Unix socket (session-affinity.ts), not the port
      if (up.add(worker).size < workers) return;
      cluster.off('listening', onListening);
      cluster.off('exit', onEarlyExit);
      resolve();
    };
    const onEarlyExit = (_worker: Worker, code: number | null) => reject(new Error(`a worker exited (code ${code}) before every worker was serving`));
    cluster.on('listening', onListening);
    cluster.on('exit', onEarlyExit);
  });
  for (let index = 0; index < workers; index++) fork(index);
  try {
    await listening;
  } catch (err) {
    stopping = true;
    for (const worker of indexOf.keys()) worker.process.kill('SIGKILL');
    throw err;
  }

  const stop = (signal: NodeJS.Signals) => {
    if (stopping) return;
    stopping = true;
    log.info({ signal, workers: indexOf.size }, 'shutting down the workers');
    const hardStop = setTimeout(() => {
      log.error('the workers took too long to stop: killing them');
      for (const worker of indexOf.keys()) worker.process.kill('SIGKILL');
    }, stopTimeoutMs);
    hardStop.unref();
    let failed = false;
    let left = indexOf.size;
    if (left === 0) process.exit(0);
    cluster.on('exit', (_worker, code, signal) => {
      // Killed by this SIGTERM itself: a worker still starting, before its own handler was in place.
      failed ||= code !== 0 && signal !== 'SIGTERM';
      if (--left === 0) {
        log.info('stopped');
        process.exit(failed ? 1 : 0);
      }
    });
    for (const worker of indexOf.keys()) worker.process.kill('SIGTERM');
  };
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);
}
