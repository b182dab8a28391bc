// Counts what the clients receive, per phase. Runs once per delivery, so it does as little as it can:
// throughput frames are counted, and only a sample of the clients (about SATURATED_CLIENTS) also times
// them (publish to receive while the server is saturated: what a server's batching costs); latency
// frames are timed against the marker's send time, and each event's first delivery is kept apart (how
// long the server took to start its fan-out).
import type WebSocket from 'ws';
import { nowMs, readMark, readPhase } from '../lib/payloads';
import { percentile } from '../lib/stats';

const NEWLINE = 0x0a;
/** Clients whose throughput frames are timed: every client's at 100 or fewer, a spread sample beyond. */
const SATURATED_CLIENTS = 100;

export class Deliveries {
  /** Highest warm-up sequence number each client has seen. */
  readonly lastWarm: Int32Array;
  throughput = 0;
  throughputTarget = Infinity;
  /** performance.now() of the delivery that completed the throughput phase. */
  throughputDoneAt = 0;
  /** Throughput frames of clients whose index is a multiple of this are timed: `sampledClients` of them. */
  private readonly saturatedEvery: number;
  private readonly sampledClients: number;
  private saturated = new Float64Array(0);
  private saturatedCount = 0;
  latencyCount = 0;
  private latencies = new Float64Array(0);
  /** Per latency event (its marker's seq): the lowest latency of its deliveries, ms. */
  private firsts = new Float64Array(0);
  frameBytes = 0;

  constructor(clients: number) {
    this.lastWarm = new Int32Array(clients);
    this.saturatedEvery = Math.max(1, Math.floor(clients / SATURATED_CLIENTS));
    this.sampledClients = Math.ceil(clients / this.saturatedEvery);
  }

  /** `multi`: a frame may hold several newline-delimited messages (Centrifugo), each counted. */
  listen(ws: WebSocket, index: number, multi = false): void {
    ws.on('message', multi ? (data: Buffer) => this.onMessages(index, data) : (data: Buffer) => this.onFrame(index, data));
  }

  expectThroughput(total: number, events: number): void {
    this.throughput = 0;
    this.throughputTarget = total;
    this.saturated = new Float64Array(this.sampledClients * events);
    this.saturatedCount = 0;
  }

  expectLatency(total: number, events: number): void {
    this.latencies = new Float64Array(total);
    this.latencyCount = 0;
    this.firsts = new Float64Array(events).fill(Infinity);
  }

  /** Median over the latency events of each one's first delivery, ms (null without any). */
  firstDeliveryMedian(): number | null {
    const seen = this.firsts.filter((ms) => ms !== Infinity).sort();
    return seen.length === 0 ? null : percentile(seen, 50);
  }

  /** Latency samples in ms, sorted. */
  sortedLatencies(): Float64Array {
    return this.latencies.subarray(0, this.latencyCount).sort();
  }

  /** The sampled clients' throughput-phase latencies in ms, sorted. */
  sortedSaturated(): Float64Array {
    return this.saturated.subarray(0, this.saturatedCount).sort();
  }

  private onMessages(index: number, data: Buffer): void {
    let from = 0;
    for (let nl = data.indexOf(NEWLINE); nl >= 0; nl = data.indexOf(NEWLINE, from)) {
      this.onFrame(index, data.subarray(from, nl));
      from = nl + 1;
    }
    this.onFrame(index, from === 0 ? data : data.subarray(from));
  }

  private onFrame(index: number, data: Buffer): void {
    const phase = readPhase(data);
    if (phase === 't') {
      if (++this.throughput === this.throughputTarget) this.throughputDoneAt = performance.now();
      if (index % this.saturatedEvery === 0) {
        const mark = readMark(data);
        if (mark && this.saturatedCount < this.saturated.length) this.saturated[this.saturatedCount++] = nowMs() - mark.sentAtMs;
      }
    } else if (phase === 'l') {
      const mark = readMark(data);
      if (mark && this.latencyCount < this.latencies.length) {
        const ms = nowMs() - mark.sentAtMs;
        this.latencies[this.latencyCount++] = ms;
        if (ms < this.firsts[mark.seq]) this.firsts[mark.seq] = ms;
      }
    } else if (phase === 'w') {
      this.frameBytes = data.length;
      const mark = readMark(data);
      if (mark && mark.seq > this.lastWarm[index]) this.lastWarm[index] = mark.seq;
    }
  }
}
