// The load generator, in its own process: opens the clients, then publishes over HTTP and measures.
// Phases: connect -> warm-up (discarded; also proves every client is in the audience) -> throughput
// (M events, C POSTs in flight, first publish to last delivery) -> latency (fixed rate, per-delivery
// publish-to-receive time). Reports progress to the parent, which owns the stall watchdog.
//
// In `connect` mode (bench/connections.ts) it only connects: `baseClients` first, a checkpoint (the
// parent reads the server's memory), then `clients` more, timed, another checkpoint, and then it
// reports and stays connected until the parent stops it.
import { constants, PerformanceObserver, type PerformanceEntry } from 'node:perf_hooks';
import type WebSocket from 'ws';
import { marker, nowMs } from '../lib/payloads';
import type { LatencySummary, LoadCollections, LoadMessage, LoadPlan, LoadResult, Phase } from '../lib/protocol';
import { checkpoint, runLoadChild, sendResult } from '../lib/load-child';
import { latencyFigures } from '../lib/stats';
import { Deliveries } from './deliveries';
import { createTarget, type Target } from './targets';

const CONNECT_IN_FLIGHT = 50;
/** connect mode: time for the server to finish what connecting started (auth replies, presence writes). */
const SETTLE_MS = 1_000;
const PROGRESS_EVERY_MS = 250;
/** Warm-up events beyond `plan.warmup` before giving up on a client that never hears them. */
const WARMUP_EXTRA_LIMIT = 50;

const send = (message: LoadMessage): void => void process.send?.(message);
const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/** Resolves once `done()` reaches `total`, reporting progress meanwhile. */
async function until(phase: Phase, total: number, done: () => number): Promise<void> {
  let lastReport = 0;
  while (done() < total) {
    if (performance.now() - lastReport >= PROGRESS_EVERY_MS) {
      send({ type: 'progress', phase, done: done(), total });
      lastReport = performance.now();
    }
    await sleep(5);
  }
  send({ type: 'progress', phase, done: total, total });
}

export interface ConnectResult {
  clients: number;
  baseClients: number;
  /** Time to open and join `clients` connections, `connectInFlight` handshakes at a time. */
  connectMs: number;
  connectionsPerSec: number;
}

class LoadRun {
  private readonly sockets: WebSocket[] = [];
  private readonly deliveries: Deliveries;
  private closing = false;
  private failure: Error | undefined;

  constructor(private readonly plan: LoadPlan, private readonly target: Target) {
    this.deliveries = new Deliveries(plan.mode === 'connect' ? 0 : plan.clients);
  }

  async run(): Promise<LoadResult> {
    const connectMs = await this.connect(0, this.plan.clients);
    await this.warmUp();
    const throughput = await this.throughput();
    const latency = await this.latency();
    return { frameBytes: this.deliveries.frameBytes, connectMs, throughput, latency };
  }

  async runConnect(): Promise<ConnectResult> {
    const { clients } = this.plan;
    const base = this.plan.baseClients ?? 0;
    if (base > 0) await this.connect(0, base);
    await sleep(SETTLE_MS);
    await checkpoint('base');
    send({ type: 'phase', phase: 'accept', state: 'start' });
    const connectMs = await this.connect(base, base + clients);
    send({ type: 'phase', phase: 'accept', state: 'end' });
    await sleep(SETTLE_MS);
    this.check();
    await checkpoint('connected');
    this.check();
    return { clients, baseClients: base, connectMs, connectionsPerSec: clients / (connectMs / 1000) };
  }

  close(): void {
    this.closing = true;
    for (const ws of this.sockets) ws.terminate();
    this.target.close();
  }

  private check(): void {
    if (this.failure) throw this.failure;
  }

  /** Opens clients `from` .. `to` - 1; returns the time it took. */
  private async connect(from: number, to: number): Promise<number> {
    const started = performance.now();
    const listen = this.plan.mode !== 'connect';
    let next = from;
    const worker = async (): Promise<void> => {
      while (next < to) {
        const index = next++;
        const ws = await this.target.connect(index);
        this.sockets.push(ws);
        if (listen) this.deliveries.listen(ws, index, this.target.multiMessageFrames);
        // A client dropped mid-run (e.g. cut off as a slow consumer) would stall the count: say why now.
        ws.once('close', (code, reason) => {
          if (!this.closing) this.failure ??= new Error(`client ${index} was closed by the server: ${code} ${reason.toString()}`);
        });
      }
    };
    const workers = Array.from({ length: Math.min(this.plan.connectInFlight ?? CONNECT_IN_FLIGHT, to - from) }, worker);
    await Promise.all([Promise.all(workers), until('connect', to, () => this.sockets.length)]);
    return performance.now() - started;
  }

  private async warmUp(): Promise<void> {
    const { clients, warmup } = this.plan;
    const lastWarm = this.deliveries.lastWarm;
    send({ type: 'phase', phase: 'warmup', state: 'start' });
    for (let seq = 1; ; seq++) {
      this.check();
      await this.target.publish(marker('w', seq, nowMs()));
      const seen = (): number => lastWarm.reduce((n, s) => (s >= seq ? n + 1 : n), 0);
      const deadline = performance.now() + 2_000;
      while (seen() < clients && performance.now() < deadline) await sleep(5);
      send({ type: 'progress', phase: 'warmup', done: seen(), total: clients });
      if (seq >= warmup && seen() === clients) break;
      if (seq >= warmup + WARMUP_EXTRA_LIMIT) {
        throw new Error(`warm-up: ${clients - seen()} of ${clients} clients never received warm-up event ${seq}`);
      }
    }
    send({ type: 'phase', phase: 'warmup', state: 'end' });
  }

  private async throughput(): Promise<LoadResult['throughput']> {
    const { clients, events, concurrency } = this.plan;
    const batch = this.plan.batch ?? 1;
    const total = clients * events;
    this.deliveries.expectThroughput(total, events);
    send({ type: 'phase', phase: 'throughput', state: 'start' });
    const started = performance.now();
    let next = 0;
    const publisher = async (): Promise<void> => {
      while (next < events) {
        if (batch === 1) {
          const seq = next++;
          await this.target.publish(marker('t', seq, nowMs()));
          continue;
        }
        const first = next;
        next = Math.min(events, next + batch);
        const at = nowMs();
        await this.target.publishBatch(Array.from({ length: next - first }, (_, i) => marker('t', first + i, at)));
      }
    };
    const requests = Math.ceil(events / batch);
    const publishers = Promise.all(Array.from({ length: Math.min(concurrency, requests) }, publisher));
    await Promise.all([publishers, until('throughput', total, () => (this.check(), this.deliveries.throughput))]);
    const elapsedMs = this.deliveries.throughputDoneAt - started;
    send({ type: 'phase', phase: 'throughput', state: 'end' });
    return { deliveries: total, elapsedMs, deliveriesPerSec: total / (elapsedMs / 1000), latency: latencyFigures(this.deliveries.sortedSaturated()) };
  }

  private async latency(): Promise<LatencySummary> {
    const { clients, rate, latencySeconds } = this.plan;
    if (latencySeconds <= 0) return latencyFigures([]);
    const events = Math.max(1, Math.round(rate * latencySeconds));
    const total = clients * events;
    this.deliveries.expectLatency(total, events);
    // The phase starts with the garbage of the phases before collected (the load generator runs with
    // --expose-gc). A full collection of the load generator that falls in the phase stalls the one
    // event it lands on, and at 1k clients one event's deliveries are 1% of the samples: it would
    // decide the p99, and when it comes depends on what the target sent before, not on the target.
    (globalThis as { gc?: () => void }).gc?.();
    const collections = loadCollections();
    send({ type: 'phase', phase: 'latency', state: 'start' });
    // A fixed schedule (not "wait, then publish"), so a slow delivery does not lower the offered rate.
    const started = performance.now();
    const published: Promise<void>[] = [];
    for (let seq = 0; seq < events; seq++) {
      this.check();
      const due = started + (seq * 1000) / rate;
      const wait = due - performance.now();
      if (wait > 0) await sleep(wait);
      const publish = this.target.publish(marker('l', seq, nowMs()));
      publish.catch(() => undefined); // handled by the Promise.all below; not an unhandled rejection meanwhile
      published.push(publish);
      send({ type: 'progress', phase: 'latency', done: this.deliveries.latencyCount, total });
    }
    await Promise.all(published);
    await until('latency', total, () => (this.check(), this.deliveries.latencyCount));
    send({ type: 'phase', phase: 'latency', state: 'end' });
    return { ...latencyFigures(this.deliveries.sortedLatencies()), first: this.deliveries.firstDeliveryMedian(), loadGc: collections.stop() };
  }
}

/** Counts the load generator's own garbage collection pauses until `stop()`: what it did to the phase. */
function loadCollections(): { stop(): LoadCollections } {
  const seen: LoadCollections = { full: 0, fullMs: 0, other: 0, otherMs: 0 };
  const count = (entries: PerformanceEntry[]): void => {
    for (const entry of entries) {
      const kind = (entry as unknown as { detail?: { kind?: number } }).detail?.kind;
      if (kind === constants.NODE_PERFORMANCE_GC_MAJOR) {
        seen.full++;
        seen.fullMs += entry.duration;
      } else {
        seen.other++;
        seen.otherMs += entry.duration;
      }
    }
  };
  const observer = new PerformanceObserver((list) => count(list.getEntries()));
  observer.observe({ entryTypes: ['gc'] });
  return {
    stop: () => {
      count(observer.takeRecords()); // entries not yet handed to the callback
      observer.disconnect();
      return { ...seen, fullMs: Math.round(seen.fullMs * 10) / 10, otherMs: Math.round(seen.otherMs * 10) / 10 };
    },
  };
}

async function main(): Promise<void> {
  const plan = JSON.parse(process.argv[2] ?? '') as LoadPlan;
  const target = await createTarget(plan);
  const load = new LoadRun(plan, target);
  try {
    const result = plan.mode === 'connect' ? await load.runConnect() : await load.run();
    await sendResult(result);
    // connect mode: the connections stay open until the parent has read the server and stops us.
    if (plan.mode === 'connect' && process.send) await new Promise(() => undefined);
  } finally {
    load.close();
  }
}

runLoadChild(main);
