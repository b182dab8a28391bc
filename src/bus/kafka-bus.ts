// The Kafka Bus (kafkajs): one topic per API (`<prefix><api>`), record key = audience value,
// value = the envelope JSON, headers for message name and id. Fanout subscribers get a consumer
// group of their own per node, starting at the latest offset; work subscribers of an API share one
// group, so each record is handled by exactly one node and committed only after its handler
// succeeded. Records a work handler dead-letters go to `<topic>.dlq` with the reason in headers.
import { randomUUID } from 'node:crypto';
import { Kafka, logLevel, type Admin, type Consumer, type EachBatchPayload, type KafkaMessage, type Producer } from 'kafkajs';
import { deeperThan, tooDeep } from '../validation/json-depth';
import { API_NAMES, DeadLetterError, type ApiName, type Bus, type Envelope, type EnvelopeHandler, type Subscription, type SubscriptionMode } from '../ports/bus';

export interface KafkaBusOptions {
  brokers: string[];
  clientId?: string;
  topicPrefix?: string;
  partitions?: number;
  /** Called for dead letters, dropped records and connection trouble. */
  onError?: (error: unknown, context: Record<string, unknown>) => void;
  onDeadLetter?: (api: ApiName, reason: string) => void;
  /** Records whose JSON nests deeper are dead-lettered unread (default 64, like JSON_MAX_DEPTH). */
  maxJsonDepth?: number;
}

interface Pending {
  topic: string;
  message: { key: string | null; value: string; headers: Record<string, string> };
  resolve: () => void;
  reject: (err: unknown) => void;
}

interface Member {
  api: ApiName;
  mode: SubscriptionMode;
  consumer: Consumer;
  running: boolean;
  /**
   * Fanout: per partition, the offset after the last record handled (from the topic's end when the
   * consumer first fetched: it starts at the latest offset); unset until then. For settled().
   */
  handled?: Map<number, bigint>;
  /** settled() checks, run whenever `handled` moves. */
  waiters: Set<() => void>;
}

export class KafkaBus implements Bus {
  private readonly kafka: Kafka;
  private readonly producer: Producer;
  private readonly prefix: string;
  private readonly partitions: number;
  private readonly maxJsonDepth: number;
  private readonly clientId: string;
  private readonly nodeId = randomUUID().slice(0, 8);
  private readonly members = new Set<Member>();
  private batch: Pending[] = [];
  private probe: Kafka | undefined;
  private admin: Promise<Admin> | undefined;
  private producerReady: Promise<void> | undefined;
  private topicsReady: Promise<void> | undefined;
  private producerConnected = false;
  private closed = false;

  constructor(private readonly options: KafkaBusOptions) {
    this.clientId = options.clientId ?? 'switchyard';
    this.prefix = options.topicPrefix ?? 'switchyard.';
    this.partitions = options.partitions ?? 3;
    this.maxJsonDepth = options.maxJsonDepth ?? 64;
    this.kafka = new Kafka({
      clientId: this.clientId,
      brokers: options.brokers,
      logLevel: logLevel.NOTHING,
      // Keep trying while a broker restarts; readiness reports the outage meanwhile.
      retry: { initialRetryTime: 200, retries: 10, maxRetryTime: 5_000 },
    });
    // Idempotent: a retried send is written once (kafkajs needs one request in flight for it).
    this.producer = this.kafka.producer({ idempotent: true, maxInFlightRequests: 1, allowAutoTopicCreation: false });
    this.producer.on(this.producer.events.CONNECT, () => (this.producerConnected = true));
    this.producer.on(this.producer.events.DISCONNECT, () => (this.producerConnected = false));
  }

  topic(api: ApiName): string {
    return this.prefix + api;
  }

  /** Creates every API topic and its DLQ when missing (idempotent). */
  ensureTopics(): Promise<void> {
    this.topicsReady ??= (async () => {
      const admin = this.kafka.admin();
      await admin.connect();
      try {
        const existing = new Set(await admin.listTopics());
        const wanted = API_NAMES.flatMap((api) => [this.topic(api), `${this.topic(api)}.dlq`]).filter((t) => !existing.has(t));
        if (wanted.length) {
          await admin.createTopics({ waitForLeaders: true, topics: wanted.map((topic) => ({ topic, numPartitions: this.partitions })) });
        }
      } finally {
        await admin.disconnect();
      }
    })().catch((err: unknown) => {
      this.topicsReady = undefined; // try again next time
      throw err;
    });
    return this.topicsReady;
  }

  private connectProducer(): Promise<void> {
    this.producerReady ??= (async () => {
      await this.ensureTopics();
      await this.producer.connect();
    })().catch((err: unknown) => {
      this.producerReady = undefined;
      throw err;
    });
    return this.producerReady;
  }

  /**
   * Publishes made in the same tick go to Kafka as one batch (one request for all topics): with
   * the idempotent producer's single request in flight, batching is what keeps throughput up.
   */
  publish(api: ApiName, envelope: Envelope): Promise<void> {
    if (this.closed) return Promise.reject(new Error(`KafkaBus is closed: cannot publish to ${api}`));
    const message = {
      key: audienceKey(envelope),
      value: JSON.stringify(envelope),
      headers: { message: String(envelope.message), id: String(envelope.id) },
    };
    return new Promise((resolve, reject) => {
      this.batch.push({ topic: this.topic(api), message, resolve, reject });
      if (this.batch.length === 1) setImmediate(() => void this.flush());
    });
  }

  private async flush(): Promise<void> {
    const batch = this.batch.splice(0);
    const byTopic = new Map<string, Pending['message'][]>();
    for (const p of batch) (byTopic.get(p.topic) ?? byTopic.set(p.topic, []).get(p.topic)!).push(p.message);
    try {
      await this.connectProducer();
      await this.producer.sendBatch({ topicMessages: [...byTopic].map(([topic, messages]) => ({ topic, messages })) });
      for (const p of batch) p.resolve();
    } catch (err) {
      for (const p of batch) p.reject(err);
    }
  }

  async subscribe(api: ApiName, mode: SubscriptionMode, handler: EnvelopeHandler): Promise<Subscription> {
    if (this.closed) throw new Error('KafkaBus is closed');
    const groupId = mode === 'work' ? `${this.clientId}.work.${api}` : `${this.clientId}.fanout.${api}.${this.nodeId}.${randomUUID().slice(0, 8)}`;
    const consumer = this.kafka.consumer({
      groupId,
      allowAutoTopicCreation: false,
      sessionTimeout: 10_000,
      heartbeatInterval: 1_000,
      // Short fetch waits keep idle-to-first-record latency low.
      maxWaitTimeInMs: mode === 'fanout' ? 100 : 250,
      retry: { initialRetryTime: 200, retries: 10, maxRetryTime: 5_000 },
    });
    const member: Member = { api, mode, consumer, running: false, waiters: new Set() };
    this.members.add(member);
    const started = this.startConsumer(member, handler);
    // With the broker up, the subscription counts from the moment the consumer has joined and
    // fetched once (so a fanout consumer's "latest" offset is fixed). With it down, the consumer
    // keeps trying in the background and readiness stays false meanwhile: the node still starts.
    if (await this.reachable()) await Promise.race([started, new Promise((r) => setTimeout(r, 30_000).unref())]);
    return {
      close: async () => {
        this.members.delete(member);
        release(member);
        await consumer.disconnect().catch(() => undefined);
      },
    };
  }

  /** One quick metadata request, no retries: is a broker answering right now? */
  private async reachable(): Promise<boolean> {
    // A client of its own: connection retries are a client-wide setting in kafkajs.
    this.probe ??= new Kafka({ clientId: `${this.clientId}-probe`, brokers: this.options.brokers, logLevel: logLevel.NOTHING, retry: { retries: 0 } });
    const admin = this.probe.admin();
    try {
      await admin.connect();
      await admin.listTopics();
      return true;
    } catch {
      return false;
    } finally {
      await admin.disconnect().catch(() => undefined);
    }
  }

  private async startConsumer(member: Member, handler: EnvelopeHandler): Promise<void> {
    const { consumer, api, mode } = member;
    consumer.on(consumer.events.CRASH, (e) => {
      member.running = false;
      this.options.onError?.(e.payload.error, { api, mode, event: 'consumer crash', restart: e.payload.restart });
      // kafkajs restarts a crashed consumer itself only after a retriable error; after any other
      // (its retries ran out during a broker outage) the consumer stays stopped: run it again.
      if (!e.payload.restart) void this.rerunConsumer(member, handler);
    });
    consumer.on(consumer.events.GROUP_JOIN, () => (member.running = true));
    await this.runConsumer(member, handler);
  }

  private async rerunConsumer(member: Member, handler: EnvelopeHandler): Promise<void> {
    await member.consumer.disconnect().catch(() => undefined);
    await new Promise((r) => setTimeout(r, 1_000).unref());
    if (!this.closed && this.members.has(member)) await this.runConsumer(member, handler);
  }

  /** Connects, subscribes and runs the consumer, retrying until it has fetched once (or the bus closes). */
  private async runConsumer(member: Member, handler: EnvelopeHandler): Promise<void> {
    const { consumer, api, mode } = member;
    const fetched = new Promise<void>((resolve) => {
      const off = consumer.on(consumer.events.FETCH, () => {
        off();
        resolve();
      });
    });
    for (let attempt = 0; !this.closed && this.members.has(member); attempt++) {
      try {
        await this.ensureTopics();
        await consumer.connect();
        await consumer.subscribe({ topic: this.topic(api), fromBeginning: mode === 'work' });
        await consumer.run(
          mode === 'fanout'
            ? {
                partitionsConsumedConcurrently: this.partitions,
                // A fanout group is this subscription's own and starts at the latest offset, so its
                // offsets are never read back: no commits, and the batch is delivered with one offset
                // resolution and one heartbeat instead of kafkajs's per-record bookkeeping.
                autoCommit: false,
                eachBatchAutoResolve: false,
                eachBatch: (payload) => this.deliverBatch(member, payload, handler),
              }
            : {
                partitionsConsumedConcurrently: this.partitions,
                // Work: a record's offset is resolved (and committed) only after its handler finished.
                eachMessage: async ({ message }) => this.deliver(api, mode, message, handler),
              },
        );
        await fetched;
        if (mode === 'fanout' && !member.handled) await this.startPositions(member);
        return;
      } catch (err) {
        this.options.onError?.(err, { api, mode, event: 'consumer start failed', attempt });
        await consumer.disconnect().catch(() => undefined);
        await new Promise((r) => setTimeout(r, Math.min(5_000, 250 * 2 ** attempt)).unref());
      }
    }
  }

  /** The topic's end offsets, where a fanout consumer that has just fetched for the first time stands. */
  private async startPositions(member: Member): Promise<void> {
    try {
      const offsets = await (await this.adminClient()).fetchTopicOffsets(this.topic(member.api));
      const handled = member.handled ?? new Map<number, bigint>();
      for (const o of offsets) if ((handled.get(o.partition) ?? -1n) < BigInt(o.high)) handled.set(o.partition, BigInt(o.high));
      member.handled = handled;
    } catch (err) {
      // Without them settled() does not wait for this consumer; delivery is unaffected.
      this.options.onError?.(err, { api: member.api, mode: member.mode, event: 'fetching start offsets failed' });
    }
  }

  private adminClient(): Promise<Admin> {
    this.admin ??= (async () => {
      const admin = this.kafka.admin();
      await admin.connect();
      return admin;
    })().catch((err: unknown) => {
      this.admin = undefined;
      throw err;
    });
    return this.admin;
  }

  /** Fanout: the records of one fetched batch in order; stops early when the consumer stops or the batch went stale. */
  private async deliverBatch(member: Member, payload: EachBatchPayload, handler: EnvelopeHandler): Promise<void> {
    const { batch, resolveOffset, heartbeat, isRunning, isStale } = payload;
    let last: string | undefined;
    for (let i = 0; i < batch.messages.length; i++) {
      // Cheap enough every 64 records; a fanout group has one member and never seeks.
      if (i % 64 === 0 && (!isRunning() || isStale())) break;
      const message = batch.messages[i];
      await this.deliver(member.api, 'fanout', message, handler); // fanout: never throws
      last = message.offset;
      if (member.handled) {
        member.handled.set(batch.partition, BigInt(message.offset) + 1n);
        if (member.waiters.size) for (const check of [...member.waiters]) check();
      }
    }
    if (last !== undefined) resolveOffset(last);
    await heartbeat();
  }

  /** Returns when the record is done: kafkajs commits its offset only then. */
  private async deliver(api: ApiName, mode: SubscriptionMode, message: KafkaMessage, handler: EnvelopeHandler): Promise<void> {
    let envelope: Envelope;
    try {
      envelope = JSON.parse(message.value?.toString() ?? '') as Envelope;
    } catch {
      if (mode === 'work') await this.deadLetter(api, message, 'value is not valid JSON');
      return;
    }
    // Checked before any handler reads it: handlers may assume an object, and validators, encoders
    // and the store recurse into it.
    const unfit = typeof envelope !== 'object' || envelope === null || Array.isArray(envelope)
      ? 'not a publish envelope {message, to, data}'
      : deeperThan(envelope, this.maxJsonDepth) ? tooDeep(this.maxJsonDepth) : undefined;
    if (unfit !== undefined) {
      if (mode === 'work') await this.deadLetter(api, message, unfit);
      return;
    }
    try {
      await handler(envelope);
    } catch (err) {
      if (err instanceof DeadLetterError && mode === 'work') return this.deadLetter(api, message, err.reason);
      if (mode === 'fanout') {
        this.options.onError?.(err, { api, mode, id: envelope.id, event: 'fanout handler failed' });
        return;
      }
      throw err; // work: kafkajs retries from this offset, nothing is committed past it
    }
  }

  private async deadLetter(api: ApiName, message: KafkaMessage, reason: string): Promise<void> {
    await this.connectProducer();
    await this.producer.send({
      topic: `${this.topic(api)}.dlq`,
      messages: [{ key: message.key, value: message.value, headers: { ...message.headers, 'dlq-reason': reason, 'dlq-offset': message.offset } }],
    });
    this.options.onDeadLetter?.(api, reason);
  }

  /**
   * The topic's end offsets now, then a wait until each of this node's fanout consumers of `api`
   * has handled its records up to them: a record acknowledged before the call is below them.
   * Bounded by the caller (a stuck consumer would hold it): the games API waits at most
   * ACTION_TIMEOUT_MS. Resolves when the consumer leaves or the bus closes.
   */
  async settled(api: ApiName): Promise<void> {
    const members = [...this.members].filter((m) => m.api === api && m.mode === 'fanout' && m.handled);
    if (members.length === 0) return;
    const ends = await (await this.adminClient()).fetchTopicOffsets(this.topic(api));
    await Promise.all(
      members.map(
        (m) =>
          new Promise<void>((resolve) => {
            const done = () => !this.members.has(m) || ends.every((o) => (m.handled!.get(o.partition) ?? -1n) >= BigInt(o.high));
            const check = () => {
              if (!done()) return;
              m.waiters.delete(check);
              resolve();
            };
            m.waiters.add(check);
            check();
          }),
      ),
    );
  }

  /** Answers at once: a broker that is down is being retried in the background meanwhile. */
  async ready(): Promise<boolean> {
    if (this.closed) return false;
    if (!this.producerConnected) {
      this.connectProducer().catch((err: unknown) => this.options.onError?.(err, { event: 'producer connect failed' }));
      return false;
    }
    return [...this.members].every((m) => m.running);
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    const members = [...this.members];
    this.members.clear();
    members.forEach(release);
    if (this.batch.length) await this.flush(); // what was published before close still goes out
    await Promise.allSettled(members.map((m) => m.consumer.disconnect()));
    await this.producer.disconnect().catch(() => undefined);
    const admin = this.admin;
    this.admin = undefined;
    if (admin) await admin.then((a) => a.disconnect()).catch(() => undefined);
  }
}

/** Ends every settled() wait on a member that is gone (their checks see it is no longer a member). */
function release(member: Member): void {
  for (const check of [...member.waiters]) check();
}

/** Record key: the audience value, so one audience's records stay in order on one partition. */
function audienceKey(envelope: Envelope): string | null {
  const values = Object.values(envelope.to ?? {});
  return values.length ? String(values[0]) : null;
}
