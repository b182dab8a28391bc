// The Kafka Bus (kafkajs): one topic per API (its spec's, under the configured prefix: topics.ts), record key = audience value,
// value = the envelope JSON, headers for message name and id. Fanout subscribers get a consumer
// group of their own per node, starting at the latest offset; work subscribers of an API share one
// group, so each record is handled by exactly one node and committed only after its handler
// succeeded. Records a work handler dead-letters go to `<topic>.dlq` with the reason in headers.
//
// Outages: a probe asks the broker for metadata every `reconnectMs`; while it gets no answer the bus
// is down, publish fails at once with DependencyUnavailableError (nothing is sent) and readiness is
// false. A publish that gets no acknowledgement within `timeoutMs` fails the same way, but may still
// reach Kafka (kafkajs may be retrying it): publishers make such a retry harmless with an idempotency
// key (see src/http/idempotency.ts).
import { randomUUID } from 'node:crypto';
import { logLevel, type Admin, type Consumer, type EachBatchPayload, type Kafka, type KafkaMessage, type Producer, type RetryOptions } from 'kafkajs';
import { endWhenSettled, injectInto, startProduce } from '../tracing/spans';
import { Availability, causes, DependencyUnavailableError, isUnavailable, type AvailabilityListener } from '../ports/availability';
import { kafkajsClient } from './kafkajs-idle-loop';
import { kafkaTopic } from './topics';
import { API_NAMES, type ApiName, type Bus, type Envelope, type EnvelopeHandler, type Subscription, type SubscriptionMode } from '../ports/bus';
import { BrokerProbe } from './kafka-probe';
import { PublishBatch } from './kafka-publish';
import { audienceKey, handleRecord, markHandled, release, untilHandled } from './kafka-records';

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
  /** Longest wait for a publish to be acknowledged (default 3 s). */
  timeoutMs?: number;
  /** Pause between probes while the broker is unreachable, and longest pause between kafkajs retries (default 500 ms). */
  reconnectMs?: number;
  /** Told once when the broker becomes unreachable and once when it is back. */
  availability?: AvailabilityListener;
}

interface Outgoing {
  topic: string;
  message: { key: string | null; value: string; headers: Record<string, string> };
}

interface Member {
  api: ApiName;
  mode: SubscriptionMode;
  groupId: string;
  consumer: Consumer;
  /** Fanout: its group's offsets are set (to the topic's end when it first started). */
  positioned: boolean;
  /** Joined its group once: consuming, or rejoining after a broker outage. */
  joined: boolean;
  /**
   * Fanout: per partition, the offset after the last record handled (from the topic's end when the
   * consumer first fetched); unset until then. For settled().
   */
  handled?: Map<number, bigint>;
  /** settled() checks, run whenever `handled` moves. */
  waiters: Set<() => void>;
}

/** How often a fanout consumer commits the offset it delivered up to (see deliverBatch). */
const FANOUT_COMMIT_INTERVAL_MS = 1_000;

/** Record errors that no retry cures: the publish fails as a gateway error, not as an outage. */
const BAD_RECORD = new Set(['MESSAGE_TOO_LARGE', 'RECORD_LIST_TOO_LARGE', 'INVALID_RECORD', 'CORRUPT_MESSAGE']);

export class KafkaBus implements Bus {
  /** Back-ends produce to the topics too. */
  readonly foreignRecords = true;
  private readonly kafka: Kafka;
  private producer: Producer;
  /** Makes a producer: a new one after a send that failed (see renewProducer). */
  private readonly makeProducer: () => Producer;
  private readonly prefix: string;
  private readonly partitions: number;
  private readonly maxJsonDepth: number;
  private readonly clientId: string;
  private readonly nodeId = randomUUID().slice(0, 8);
  private readonly members = new Set<Member>();
  private readonly batch: PublishBatch<Outgoing>;
  private producerReady: Promise<Producer> | undefined;
  private topicsReady: Promise<void> | undefined;
  private closed = false;
  private readonly timeoutMs: number;
  private readonly reconnectMs: number;
  /** Retries of consumers and admin requests: quick, and never further apart than reconnectMs. */
  private readonly retry: RetryOptions;
  private readonly availability: Availability;
  /** Metadata requests without retries, on a client of its own (retries are a client-wide setting). */
  private readonly prober: Admin;
  private readonly probe: BrokerProbe;
  private admin: Promise<Admin> | undefined;

  constructor(private readonly options: KafkaBusOptions) {
    this.clientId = options.clientId ?? 'switchyard';
    this.prefix = options.topicPrefix ?? 'switchyard.';
    this.partitions = options.partitions ?? 3;
    this.maxJsonDepth = options.maxJsonDepth ?? 64;
    this.timeoutMs = options.timeoutMs ?? 3_000;
    this.reconnectMs = options.reconnectMs ?? 500;
    this.retry = { initialRetryTime: Math.min(100, this.reconnectMs), maxRetryTime: this.reconnectMs, retries: 10 };
    this.availability = new Availability(options.availability);
    const client = { clientId: this.clientId, brokers: options.brokers, logLevel: logLevel.NOTHING };
    this.kafka = kafkajsClient({ ...client, retry: this.retry });
    // Idempotent: a retried send is written once (kafkajs needs one request in flight for it). Its
    // retries end before timeoutMs when the broker refuses connections, so a publish answered 503
    // is then not sent later; a request left unanswered is given up after timeoutMs.
    const producerClient = kafkajsClient({ ...client, requestTimeout: this.timeoutMs, retry: { ...this.retry, retries: 3 } });
    this.makeProducer = () => producerClient.producer({ idempotent: true, maxInFlightRequests: 1, allowAutoTopicCreation: false });
    this.producer = this.makeProducer();
    this.prober = kafkajsClient({ ...client, clientId: `${this.clientId}-probe`, requestTimeout: this.timeoutMs, retry: { retries: 0 } }).admin();
    this.probe = new BrokerProbe({
      check: async () => {
        await this.prober.connect();
        await this.prober.describeCluster();
      },
      availability: this.availability,
      reconnectMs: this.reconnectMs,
      onUp: () => this.connectProducer().catch(() => undefined), // warm: the first publish need not connect
      onDown: () => this.prober.disconnect().catch(() => undefined), // connect afresh next time
    });
    this.batch = new PublishBatch<Outgoing>({
      send: async (outgoing) => {
        const byTopic = new Map<string, Outgoing['message'][]>();
        for (const o of outgoing) (byTopic.get(o.topic) ?? byTopic.set(o.topic, []).get(o.topic)!).push(o.message);
        const producer = await this.connectProducer();
        await producer.sendBatch({ topicMessages: [...byTopic].map(([topic, messages]) => ({ topic, messages })) });
      },
      timeoutMs: this.timeoutMs,
      isBadRecord,
      onUnavailable: () => {
        this.renewProducer();
        void this.probe.probe(); // down now? then the next publishes fail at once
      },
    });
    this.probe.start();
  }

  topic(api: ApiName): string {
    return kafkaTopic(api, this.prefix);
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

  private connectProducer(): Promise<Producer> {
    const producer = this.producer;
    this.producerReady ??= (async () => {
      await this.ensureTopics();
      await producer.connect();
      return producer;
    })().catch((err: unknown) => {
      this.producerReady = undefined;
      throw err;
    });
    return this.producerReady;
  }

  /**
   * After a send that failed or went unacknowledged, later sends use a new producer (a new producer
   * id). kafkajs gives a failed request's sequence numbers back and reuses them for the next send,
   * but a broker that was only slow (frozen, overloaded) may still write the failed request; the
   * next send then carries the same sequence numbers, the broker takes it for a retry of the
   * written one and acknowledges it without writing it: an acknowledged publish lost. A new producer
   * id starts sequences of its own. The old producer is let go: what it still sends is a repeat the
   * publishers' idempotency keys make harmless.
   */
  private renewProducer(): void {
    const old = this.producer;
    this.producer = this.makeProducer();
    this.producerReady = undefined;
    old.disconnect().catch(() => undefined);
  }

  /** Publishes go to Kafka in batches: one send in flight, the next carries all made meanwhile (see PublishBatch). */
  publish(api: ApiName, envelope: Envelope): Promise<void> {
    if (this.closed) return Promise.reject(new Error(`KafkaBus is closed: cannot publish to ${api}`));
    if (this.availability.down) return Promise.reject(new DependencyUnavailableError('bus', 'Kafka is unreachable'));
    const message = {
      key: audienceKey(envelope),
      value: JSON.stringify(envelope),
      headers: { message: String(envelope.message), id: String(envelope.id) },
    };
    const span = startProduce('kafka', this.topic(api), String(envelope.id));
    if (span) injectInto(span, message.headers); // traceparent: the consumer's span continues this one
    const sent = this.batch.add({ topic: this.topic(api), message });
    return span ? endWhenSettled(span, sent) : sent;
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
      retry: this.retry,
    });
    const member: Member = { api, mode, groupId, consumer, positioned: mode === 'work', joined: false, waiters: new Set() };
    this.members.add(member);
    const started = this.startConsumer(member, handler);
    // With the broker up, the subscription counts from the moment the consumer has joined and
    // fetched once (so a fanout consumer's "latest" offset is fixed). With it down, the consumer
    // keeps trying in the background and readiness stays false meanwhile: the node still starts.
    if (await this.probe.probe()) await Promise.race([started, new Promise((r) => setTimeout(r, 30_000).unref())]);
    return {
      close: async () => {
        this.members.delete(member);
        release(member);
        await consumer.disconnect().catch(() => undefined);
      },
    };
  }

  private async startConsumer(member: Member, handler: EnvelopeHandler): Promise<void> {
    const { consumer, api, mode } = member;
    const fetched = new Promise<void>((resolve) => {
      const off = consumer.on(consumer.events.FETCH, () => {
        off();
        resolve();
      });
    });
    consumer.on(consumer.events.CRASH, (e) => {
      const context = { api, mode, event: 'consumer crash', restart: e.payload.restart };
      this.reportError(e.payload.error, context);
      // kafkajs gives up on errors it deems final, some of which a broker outage causes (no group
      // coordinator while the broker shuts down): start the consumer again, as at subscribe.
      if (!e.payload.restart) void this.runConsumer(member, handler, this.reconnectMs);
    });
    consumer.on(consumer.events.GROUP_JOIN, () => (member.joined = true));
    if (!(await this.runConsumer(member, handler, 0))) return;
    await fetched;
    if (mode === 'fanout' && !member.handled) await this.startPositions(member);
  }

  /** Connects, subscribes and runs the consumer, trying again until it runs; false when the subscription closed first. */
  private async runConsumer(member: Member, handler: EnvelopeHandler, delayMs: number): Promise<boolean> {
    const { consumer, api, mode } = member;
    const commits = new Map<number, number>(); // fanout: partition -> when its offset was last committed
    for (let attempt = 0; !this.closed && this.members.has(member); attempt++) {
      await new Promise((r) => setTimeout(r, attempt === 0 ? delayMs : Math.min(this.reconnectMs, 100 * 2 ** attempt)).unref());
      try {
        await this.ensureTopics();
        if (!member.positioned) {
          await this.commitTopicEnd(member.groupId, this.topic(api));
          member.positioned = true;
        }
        await consumer.connect();
        await consumer.subscribe({ topic: this.topic(api), fromBeginning: mode === 'work' });
        await consumer.run(
          mode === 'fanout'
            ? {
                partitionsConsumedConcurrently: this.partitions,
                // A fanout group is this subscription's own and starts at the topic's end; its
                // offsets are read back only when it joins again after an outage. So no commit per
                // batch (deliverBatch commits once a second), and the batch is delivered with one
                // offset resolution and one heartbeat instead of kafkajs's per-record bookkeeping.
                autoCommit: false,
                eachBatchAutoResolve: false,
                eachBatch: (payload) => this.deliverBatch(member, payload, handler, commits),
              }
            : {
                partitionsConsumedConcurrently: this.partitions,
                // Work: a record's offset is resolved (and committed) only after its handler finished.
                eachMessage: async ({ message }) => this.deliver(api, mode, message, handler),
              },
        );
        return true;
      } catch (err) {
        this.reportError(err, { api, mode, event: 'consumer start failed', attempt });
        await consumer.disconnect().catch(() => undefined);
      }
    }
    return false;
  }

  /**
   * A new fanout group starts at the topic's end, as "latest" would, but committed: should it join
   * again (after a broker outage) before it delivered and committed anything, it goes on from there.
   */
  private async commitTopicEnd(groupId: string, topic: string): Promise<void> {
    const admin = this.kafka.admin();
    await admin.connect();
    try {
      const ends = await admin.fetchTopicOffsets(topic);
      await admin.setOffsets({ groupId, topic, partitions: ends.map(({ partition, offset }) => ({ partition, offset })) });
    } finally {
      await admin.disconnect();
    }
  }

  /** Fanout: the records of one fetched batch in order; stops early when the consumer stops or the batch went stale. */
  private async deliverBatch(member: Member, payload: EachBatchPayload, handler: EnvelopeHandler, commits: Map<number, number>): Promise<void> {
    const { api } = member;
    const { batch, resolveOffset, heartbeat, isRunning, isStale } = payload;
    let last: string | undefined;
    for (let i = 0; i < batch.messages.length; i++) {
      // Cheap enough every 64 records; a fanout group has one member and never seeks.
      if (i % 64 === 0 && (!isRunning() || isStale())) break;
      const message = batch.messages[i];
      await this.deliver(api, 'fanout', message, handler); // fanout: never throws
      last = message.offset;
      markHandled(member, batch.partition, BigInt(message.offset) + 1n);
    }
    if (last !== undefined) {
      resolveOffset(last);
      // At most once a second per partition, in the background: after a broker outage the group
      // is joined anew and goes on from here, rather than from the latest offset, which would skip
      // what was published meanwhile (a record may be delivered again instead: up to a second's).
      const now = Date.now();
      if (now - (commits.get(batch.partition) ?? 0) >= FANOUT_COMMIT_INTERVAL_MS) {
        commits.set(batch.partition, now);
        const offset = (BigInt(last) + 1n).toString();
        payload.commitOffsetsIfNecessary({ topics: [{ topic: batch.topic, partitions: [{ partition: batch.partition, offset }] }] }).catch(() => undefined);
      }
    }
    await heartbeat();
  }

  /** Returns when the record is done: kafkajs commits its offset only then. */
  private deliver(api: ApiName, mode: SubscriptionMode, message: KafkaMessage, handler: EnvelopeHandler): Promise<void> {
    const record = { api, mode, topic: this.topic(api), maxJsonDepth: this.maxJsonDepth, handler, onError: this.options.onError };
    return handleRecord(record, message.value?.toString(), message.headers, (reason) => this.deadLetter(api, message, reason));
  }

  private async deadLetter(api: ApiName, message: KafkaMessage, reason: string): Promise<void> {
    const producer = await this.connectProducer();
    await producer.send({
      topic: `${this.topic(api)}.dlq`,
      messages: [{ key: message.key, value: message.value, headers: { ...message.headers, 'dlq-reason': reason, 'dlq-offset': message.offset } }],
    });
    this.options.onDeadLetter?.(api, reason);
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
      this.reportError(err, { api: member.api, mode: member.mode, event: 'fetching start offsets failed' });
    }
  }

  /** One admin connection for settled(), opened on first use. */
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
    const positions = ends.map((o) => [o.partition, BigInt(o.high)] as const);
    await Promise.all(members.map((m) => untilHandled(m, positions, () => !this.members.has(m))));
  }

  /**
   * Errors of an outage (the broker's, or the store's in a work handler) are the Availability's to
   * report, once: consumers crash and restart during one, and again on the broker's transient
   * errors (its group coordinator loading) right after it.
   */
  private reportError(err: unknown, context: Record<string, unknown>): void {
    if (this.availability.down || isUnavailable(err) || isTransientBrokerError(err)) return;
    this.options.onError?.(err, context);
  }

  /**
   * Answers at once from the last probe: no request per call. A consumer that joined its group once
   * counts while it rejoins after an outage: publishing works, and its records wait for it.
   */
  async ready(): Promise<boolean> {
    if (this.closed || !this.availability.up) return false;
    return [...this.members].every((m) => m.joined);
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.probe.stop();
    this.availability.close();
    const members = [...this.members];
    this.members.clear();
    await this.batch.flush(); // what was published before close still goes out
    await Promise.allSettled(members.map((m) => m.consumer.disconnect()));
    await Promise.allSettled([this.producer.disconnect(), this.prober.disconnect()]);
    const admin = this.admin;
    this.admin = undefined;
    if (admin) await admin.then((a) => a.disconnect()).catch(() => undefined);
  }
}

/**
 * The innermost cause is kafkajs's own and passes: a connection, a timeout, a broker not ready yet,
 * no group coordinator (kafkajs calls that final; a broker shutting down causes it).
 */
function isTransientBrokerError(err: unknown): boolean {
  const root = causes(err).pop();
  if (!root?.name.startsWith('KafkaJS')) return false;
  return (root as { retriable?: unknown }).retriable === true || root.name === 'KafkaJSGroupCoordinatorNotFound';
}

/** A record the broker refuses as such (too large, corrupt): retrying cannot help. */
function isBadRecord(err: unknown): boolean {
  return causes(err).some((e) => BAD_RECORD.has(String((e as { type?: unknown }).type)));
}
