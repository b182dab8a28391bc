// The Kafka load generator, in its own process: `sockets` WebSocket clients of store 1 (pizza: a
// ticket, then /ws?key=; the bare baseline: any socket; more than one: the fan-out of each record) and a plain kafkajs producer writing publish
// envelopes `{id, message: "CREATE_PIZZA", to: {store_id: 1}, data}` straight to the topic.
//
// Warm-up: one record every 200 ms until the client hears one (the server's consumer has joined and
// sits at the latest offset), then `warmupSeconds` at the first rate, discarded. Then each rate of
// the ladder for `stepSeconds`: every 1 ms tick, the records due by then go out as one send. Each
// record carries its scheduled send time in the marker (so a producer falling behind counts against
// the latency, not for it); latency = receive time - scheduled time, one sample per socket. After a step, up to
// `drainSeconds` for stragglers. A step is held when p99 <= `p99LimitMs`, at least `minDelivered` of
// the records arrived and the producer kept up; the ladder stops at the first step not held.
import { randomUUID } from 'node:crypto';
import { Kafka, logLevel, type Message } from 'kafkajs';
import type WebSocket from 'ws';
import { EventFactory, marker, readMark } from '../lib/payloads';
import type { LoadMessage } from '../lib/protocol';
import { runLoadChild, sendResult } from '../lib/load-child';
import { latencyFigures, type LatencyFigures } from '../lib/stats';
import { createTarget } from './targets';

/** The load's own settings: the bench's options carry them (bench/kafka-latency.ts). */
export interface KafkaLoadSettings {
  rates: number[];
  stepSeconds: number;
  warmupSeconds: number;
  drainSeconds: number;
  p99LimitMs: number;
  minDelivered: number;
  /** WebSocket clients of the store: each record is delivered to every one (fan-out). */
  sockets: number;
}

export interface KafkaPlan extends KafkaLoadSettings {
  port: number;
  target: 'switchyard' | 'bare-kafka';
  brokers: string;
  topic: string;
}

export interface KafkaStep {
  rate: number;
  sent: number;
  received: number;
  deliveredRatio: number;
  /** Records the producer got out per second (below `rate` when the producer itself fell behind). */
  sentPerSec: number;
  latency: LatencyFigures;
  held: boolean;
}

export interface KafkaResult {
  frameBytes: number;
  steps: KafkaStep[];
  /** The highest rate held (0 when even the first was not). */
  highestHeld: number;
}

const send = (message: LoadMessage<KafkaResult>): void => void process.send?.(message);
const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/** Pre-serialized envelope halves around the marker: no JSON.stringify per record. */
function envelopeTemplate(): (mark: string) => string {
  const events = new EventFactory('pizza');
  const slot = '@@BENCH-MARK@@';
  const text = JSON.stringify({ id: 'bench', message: 'CREATE_PIZZA', to: { store_id: 1 }, data: events.data(slot) });
  const [before, after] = text.split(slot);
  return (mark) => `${before}${mark}${after}`;
}

class Receiver {
  /** Current step: records with seq in [base, base + records) are its own; up to `capacity` samples (records x sockets). */
  private base = 0;
  private samples = new Float64Array(0);
  count = 0;
  warmSeen = 0;
  frameBytes = 0;

  onFrame(data: Buffer): void {
    const mark = readMark(data);
    if (!mark) return;
    if (mark.phase === 'w') {
      this.warmSeen++;
      this.frameBytes = data.length;
      return;
    }
    const i = mark.seq - this.base;
    if (i >= 0 && i < this.records && this.count < this.samples.length) this.samples[this.count++] = performance.timeOrigin + performance.now() - mark.sentAtMs;
  }

  private records = 0;

  startStep(base: number, records: number, capacity: number): void {
    this.base = base;
    this.records = records;
    this.samples = new Float64Array(capacity);
    this.count = 0;
  }

  sorted(): Float64Array {
    return this.samples.subarray(0, this.count).sort();
  }
}

const MAX_SEND = 500;

async function main(): Promise<void> {
  const plan = JSON.parse(process.argv[2] ?? '') as KafkaPlan;
  const target = await createTarget({
    target: plan.target === 'switchyard' ? 'switchyard' : 'bare-ws',
    scenario: 'pizza',
    port: plan.port,
    clients: plan.sockets,
    events: 1,
    rate: 1,
    latencySeconds: 1,
    warmup: 1,
    concurrency: 1,
  });
  const receiver = new Receiver();
  const sockets: WebSocket[] = [];
  const kafka = new Kafka({ clientId: 'bench-producer', brokers: plan.brokers.split(','), logLevel: logLevel.NOTHING });
  const producer = kafka.producer({ allowAutoTopicCreation: false });
  let failure: Error | undefined;
  const check = (): void => {
    if (failure) throw failure;
  };
  try {
    for (let i = 0; i < plan.sockets; i++) {
      const ws = await target.connect(i);
      sockets.push(ws);
      ws.on('message', (data: Buffer) => receiver.onFrame(data));
      ws.once('close', (code) => (failure ??= new Error(`the WebSocket client was closed by the server (${code})`)));
    }
    await producer.connect();
    const value = envelopeTemplate();
    let seq = 0;
    const record = (phase: 'w' | 'l', at: number): Message => {
      const s = seq++;
      return { key: '1', value: value(marker(phase, s, at)), headers: { message: 'CREATE_PIZZA', id: randomUUID() } };
    };
    const produce = (messages: Message[]): void => {
      // A generator that fell behind catches up with one large batch; the broker refuses a request
      // over its message.max.bytes (1 MiB), so no send carries more than MAX_SEND messages (~0.2 MiB).
      for (let i = 0; i < messages.length; i += MAX_SEND) {
        producer.send({ topic: plan.topic, messages: messages.slice(i, i + MAX_SEND) }).catch((err: unknown) => (failure ??= err instanceof Error ? err : new Error(String(err))));
      }
    };
    const now = (): number => performance.timeOrigin + performance.now();

    // Warm-up 1: until the server's consumer delivers at all.
    send({ type: 'phase', phase: 'join', state: 'start' });
    for (let i = 0; receiver.warmSeen === 0; i++) {
      check();
      if (i > 600) throw new Error('warm-up: no record reached the client within 120 s');
      produce([record('w', now())]);
      send({ type: 'progress', phase: 'join', done: 0, total: 1 });
      await sleep(200);
    }
    send({ type: 'phase', phase: 'join', state: 'end' });

    /** Produces at `rate` for `seconds`: one send per 1 ms tick with the records due. Returns records sent. */
    const runAt = async (rate: number, seconds: number, phase: 'w' | 'l', onTick?: () => void): Promise<{ sent: number; elapsedMs: number }> => {
      const total = Math.round(rate * seconds);
      const startMs = now();
      let sent = 0;
      while (sent < total) {
        check();
        const due = Math.min(total, Math.floor(((now() - startMs) * rate) / 1000) + 1);
        if (due > sent) {
          const batch: Message[] = [];
          for (; sent < due; sent++) batch.push(record(phase, startMs + (sent * 1000) / rate));
          produce(batch);
        }
        onTick?.();
        await sleep(1);
      }
      return { sent, elapsedMs: now() - startMs };
    };

    // Warm-up 2: the first rate, discarded.
    send({ type: 'phase', phase: 'warmup', state: 'start' });
    await runAt(plan.rates[0], plan.warmupSeconds, 'w', () => send({ type: 'progress', phase: 'warmup', done: receiver.warmSeen, total: 0 }));
    send({ type: 'phase', phase: 'warmup', state: 'end' });
    await sleep(500);

    const steps: KafkaStep[] = [];
    for (const rate of plan.rates) {
      const phase = `step-${rate}`;
      const total = Math.round(rate * plan.stepSeconds);
      receiver.startStep(seq, total, total * plan.sockets);
      send({ type: 'phase', phase, state: 'start' });
      let lastReport = 0;
      const { sent, elapsedMs } = await runAt(rate, plan.stepSeconds, 'l', () => {
        if (performance.now() - lastReport < 250) return;
        lastReport = performance.now();
        send({ type: 'progress', phase, done: receiver.count, total: total * plan.sockets });
      });
      const drainUntil = performance.now() + plan.drainSeconds * 1000;
      while (receiver.count < sent * plan.sockets && performance.now() < drainUntil) {
        check();
        send({ type: 'progress', phase, done: receiver.count, total: total * plan.sockets });
        await sleep(20);
      }
      send({ type: 'phase', phase, state: 'end' });
      const latency = latencyFigures(receiver.sorted());
      const deliveredRatio = sent > 0 ? receiver.count / (sent * plan.sockets) : 0;
      const sentPerSec = sent / (elapsedMs / 1000);
      const held = latency.count > 0 && latency.p99 <= plan.p99LimitMs && deliveredRatio >= plan.minDelivered && sentPerSec >= rate * plan.minDelivered;
      steps.push({ rate, sent, received: receiver.count, deliveredRatio, sentPerSec, latency, held });
      if (!held) break;
      await sleep(500);
    }
    const highestHeld = steps.filter((s) => s.held).reduce((m, s) => Math.max(m, s.rate), 0);
    const result: KafkaResult = { frameBytes: receiver.frameBytes, steps, highestHeld };
    await sendResult(result);
  } finally {
    for (const ws of sockets) ws.terminate();
    target.close();
    await producer.disconnect().catch(() => undefined);
  }
}

runLoadChild(main);
