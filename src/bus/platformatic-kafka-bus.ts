// The Kafka Bus on @platformatic/kafka (KAFKA_CLIENT=platformatic; Node >= 22.22), with the same
// semantics as the kafkajs one (kafka-bus.ts): one topic per API (`<prefix><api>`), record key =
// audience value, value = the envelope JSON, headers for message name and id; fanout subscribers
// get a consumer group of their own, started at the topic's end and committed so that a rejoin
// after an outage goes on from there; work subscribers of an API share one group, and a record is
// committed only after its handler succeeded (a failing handler is given the record again); records
// a work handler dead-letters go to `<topic>.dlq` with the reason in headers.
//
// Outages: a probe asks the broker for metadata every `reconnectMs`; while it gets no answer the bus
// is down, publish fails at once with DependencyUnavailableError and readiness is false. A publish
// unacknowledged within `timeoutMs` fails the same way. A consumer whose stream fails (the broker
// went away) is started again every reconnectMs until it runs.
import { randomUUID } from 'node:crypto';
import type { Admin, Consumer, Message, MessagesStream, Producer } from '@platformatic/kafka';
import { endWhenSettled, injectInto, startProduce } from '../tracing/spans';
import { Availability, DependencyUnavailableError, isUnavailable } from '../ports/availability';
import { kafkaTopic } from './topics';
import { API_NAMES, type ApiName, type Bus, type Envelope, type EnvelopeHandler, type Subscription, type SubscriptionMode } from '../ports/bus';
import { BrokerProbe } from './kafka-probe';
import { PublishBatch } from './kafka-publish';
import { audienceKey, handleRecord, markHandled, release, untilHandled, type HandledPositions, type RecordTarget } from './kafka-records';
import { loadPlatformaticKafka, type PlatformaticKafka } from './platformatic-kafka';
import type { KafkaBusOptions } from './kafka-bus';

type Record_ = Message<string, string, string, string>;
type StringConsumer = Consumer<string, string, string, string>;
type StringStream = MessagesStream<string, string, string, string>;

interface Outgoing {
  topic: string;
  key: string | undefined;
  value: string;
  headers: Record<string, string>;
}

interface Member extends HandledPositions {
  api: ApiName;
  mode: SubscriptionMode;
  groupId: string;
  /** What its records are handed to. */
  target: RecordTarget;
  consumer?: StringConsumer;
  stream?: StringStream;
  /** Per partition, the record being handled and those queued behind it: handled in order. */
  chains: Map<number, Promise<void>>;
  /** Consuming once: counts as ready while it restarts after an outage (its records wait for it). */
  joined: boolean;
  stopped: boolean;
  /** Fanout: partition -> when its offset was last committed. */
  commits: Map<number, number>;
  /** The group generation whose partition assignment the consumer holds (set once it has synced). */
  synced: number;
}

/** How often a fanout consumer commits the offset it delivered up to. */
const FANOUT_COMMIT_INTERVAL_MS = 1_000;
/** Records fetched but not yet handled per consumer before it stops reading. */
const MAX_QUEUED = 1_024;
const BAD_RECORD = new Set(['MESSAGE_TOO_LARGE', 'RECORD_LIST_TOO_LARGE', 'INVALID_RECORD', 'CORRUPT_MESSAGE']);

export class PlatformaticKafkaBus implements Bus {
  /** Back-ends produce to the topics too. */
  readonly foreignRecords = true;
  private readonly kafka: PlatformaticKafka;
  private readonly base: { clientId: string; bootstrapBrokers: string[]; connectTimeout: number; timeout: number; retryDelay: number };
  private readonly producer: Producer<string, string, string, string>;
  private readonly admin: Admin;
  /** Metadata requests without retries: is a broker answering right now? */
  private readonly prober: Admin;
  private readonly probe: BrokerProbe;
  private readonly batch: PublishBatch<Outgoing>;
  private readonly prefix: string;
  private readonly partitions: number;
  private readonly maxJsonDepth: number;
  private readonly clientId: string;
  private readonly nodeId = randomUUID().slice(0, 8);
  private readonly members = new Set<Member>();
  private readonly timeoutMs: number;
  private readonly reconnectMs: number;
  private readonly availability: Availability;
  private topicsReady: Promise<void> | undefined;
  private closed = false;

  constructor(private readonly options: KafkaBusOptions) {
    this.kafka = loadPlatformaticKafka();
    this.clientId = options.clientId ?? 'switchyard';
    this.prefix = options.topicPrefix ?? 'switchyard.';
    this.partitions = options.partitions ?? 3;
    this.maxJsonDepth = options.maxJsonDepth ?? 64;
    this.timeoutMs = options.timeoutMs ?? 3_000;
    this.reconnectMs = options.reconnectMs ?? 500;
    this.availability = new Availability(options.availability);
    this.base = { clientId: this.clientId, bootstrapBrokers: options.brokers, connectTimeout: this.timeoutMs, timeout: this.timeoutMs, retryDelay: Math.min(100, this.reconnectMs) };
    const { Admin, Producer, stringSerializers, compatibilityPartitioner } = this.kafka;
    // Idempotent: a retried send is written once. The Java-compatible partitioner puts a key on the
    // partition kafkajs and Java producers put it on, so nodes of either client keep one key's order.
    this.producer = new Producer({ ...this.base, retries: 3, idempotent: true, autocreateTopics: false, serializers: stringSerializers, partitioner: compatibilityPartitioner });
    this.admin = new Admin({ ...this.base, retries: 10 });
    this.prober = new Admin({ ...this.base, clientId: `${this.clientId}-probe`, retries: 0 });
    for (const client of [this.producer, this.admin, this.prober]) client.on('error', (err: unknown) => this.reportError(err, { event: 'client error' }));
    this.probe = new BrokerProbe({
      check: async () => {
        try {
          await this.prober.metadata({ topics: [], forceUpdate: true });
        } catch (err) {
          throw new Error(reasonOf(err), { cause: err }); // the reason the outage is logged with
        }
      },
      availability: this.availability,
      reconnectMs: this.reconnectMs,
      onUp: () => this.ensureTopics().catch(() => undefined), // warm: the first publish need not create them
    });
    this.batch = new PublishBatch<Outgoing>({
      send: async (messages) => {
        await this.ensureTopics();
        await this.producer.send({ messages });
      },
      timeoutMs: this.timeoutMs,
      isBadRecord,
      onUnavailable: () => void this.probe.probe(),
    });
    this.probe.start();
  }

  topic(api: ApiName): string {
    return kafkaTopic(api, this.prefix);
  }

  /** Creates every API topic and its DLQ when missing (idempotent). */
  ensureTopics(): Promise<void> {
    this.topicsReady ??= (async () => {
      const existing = new Set(await this.admin.listTopics());
      const wanted = API_NAMES.flatMap((api) => [this.topic(api), `${this.topic(api)}.dlq`]).filter((t) => !existing.has(t));
      // replicas -1: the broker's default replication factor, as kafkajs creates them.
      if (wanted.length) await this.admin.createTopics({ topics: wanted, partitions: this.partitions, replicas: -1 });
    })().catch((err: unknown) => {
      this.topicsReady = undefined; // try again next time
      throw err;
    });
    return this.topicsReady;
  }

  /** Publishes go to Kafka in batches: one request in flight, the next carries all made meanwhile (see PublishBatch). */
  publish(api: ApiName, envelope: Envelope): Promise<void> {
    if (this.closed) return Promise.reject(new Error(`PlatformaticKafkaBus is closed: cannot publish to ${api}`));
    if (this.availability.down) return Promise.reject(new DependencyUnavailableError('bus', 'Kafka is unreachable'));
    const headers: Record<string, string> = { message: String(envelope.message), id: String(envelope.id) };
    const span = startProduce('kafka', this.topic(api), String(envelope.id));
    if (span) injectInto(span, headers);
    const sent = this.batch.add({ topic: this.topic(api), key: audienceKey(envelope) ?? undefined, value: JSON.stringify(envelope), headers });
    return span ? endWhenSettled(span, sent) : sent;
  }

  async subscribe(api: ApiName, mode: SubscriptionMode, handler: EnvelopeHandler): Promise<Subscription> {
    if (this.closed) throw new Error('PlatformaticKafkaBus is closed');
    const groupId = mode === 'work' ? `${this.clientId}.work.${api}` : `${this.clientId}.fanout.${api}.${this.nodeId}.${randomUUID().slice(0, 8)}`;
    const target = { api, mode, topic: this.topic(api), maxJsonDepth: this.maxJsonDepth, handler, onError: this.options.onError };
    const member: Member = { api, mode, groupId, target, chains: new Map(), joined: false, stopped: false, commits: new Map(), synced: -1, waiters: new Set() };
    this.members.add(member);
    const started = this.runConsumer(member, 0);
    // As kafkajs's: with the broker up the subscription counts once consuming (a fanout group's
    // start is fixed); with it down the consumer keeps trying in the background.
    if (await this.probe.probe()) await Promise.race([started, new Promise((r) => setTimeout(r, 30_000).unref())]);
    return {
      close: async () => {
        this.members.delete(member);
        release(member);
        await this.stop(member);
      },
    };
  }

  /** Starts the consumer, again and again until it runs; false when the subscription closed first. */
  private async runConsumer(member: Member, delayMs: number): Promise<boolean> {
    const { api, mode, groupId } = member;
    const topic = this.topic(api);
    for (let attempt = 0; !this.closed && !member.stopped; attempt++) {
      await new Promise((r) => setTimeout(r, attempt === 0 ? delayMs : Math.min(this.reconnectMs, 100 * 2 ** attempt)).unref());
      const consumer = new this.kafka.Consumer({
        ...this.base,
        retries: 10,
        groupId,
        autocommit: false,
        sessionTimeout: 10_000,
        heartbeatInterval: 1_000,
        // Short fetch waits keep idle-to-first-record latency low.
        maxWaitTime: mode === 'fanout' ? 100 : 250,
        deserializers: this.kafka.stringDeserializers,
      });
      consumer.on('error', (err: unknown) => this.reportError(err, { api, mode, event: 'consumer error' }));
      // generationId changes at JoinGroup, the assignment only at SyncGroup, which emits this.
      consumer.on('consumer:group:join', (event: { generationId: number }) => (member.synced = event.generationId));
      try {
        await this.ensureTopics();
        if (mode === 'fanout' && !member.handled) {
          // A new fanout group starts at the topic's end, committed: should it join again (after an
          // outage) before it committed anything, it goes on from there, not from the newest record.
          const ends = (await consumer.listOffsets({ topics: [topic] })).get(topic) ?? [];
          await this.admin.alterConsumerGroupOffsets({ groupId, topics: [{ name: topic, partitionOffsets: ends.map((offset, partition) => ({ partition, offset })) }] });
          member.handled = new Map(ends.map((offset, partition) => [partition, offset]));
        }
        if (this.closed || member.stopped) throw new Error('closed');
        const stream = await consumer.consume({ topics: [topic], mode: 'committed', fallbackMode: mode === 'work' ? 'earliest' : 'latest', autocommit: false });
        member.consumer = consumer;
        member.stream = stream;
        member.synced = Math.max(member.synced, consumer.generationId);
        member.joined = true;
        this.read(member, stream);
        if (mode === 'work') await this.othersRejoined(member, consumer.generationId);
        return true;
      } catch (err) {
        if (!this.closed && !member.stopped) this.reportError(err, { api, mode, event: 'consumer start failed', attempt });
        await consumer.close(true).catch(() => undefined);
      }
    }
    return false;
  }

  /**
   * Our join made this node's other members of the group rebalance: wait (at most a session timeout)
   * until they hold their assignment of the new generation, so that no record is handled under the
   * old assignment and then again by the member it moved to.
   */
  private async othersRejoined(member: Member, generation: number): Promise<void> {
    const others = () => [...this.members].filter((m) => m !== member && m.groupId === member.groupId && m.consumer);
    for (const deadline = Date.now() + 10_000; Date.now() < deadline && !this.closed; ) {
      if (others().every((m) => m.synced >= generation)) return;
      await new Promise((r) => setTimeout(r, 50));
    }
  }

  /** Hands each record to its partition's chain; stops reading while too many wait; restarts the consumer when the stream fails. */
  private read(member: Member, stream: StringStream): void {
    let queued = 0;
    stream.on('data', (message: Record_) => {
      if (++queued >= MAX_QUEUED) stream.pause();
      const previous = member.chains.get(message.partition) ?? Promise.resolve();
      const next = previous.then(() => this.handle(member, stream.consumer, message));
      member.chains.set(message.partition, next);
      void next.finally(() => {
        if (--queued < MAX_QUEUED / 2 && stream.isPaused() && !stream.destroyed) stream.resume();
        if (member.chains.get(message.partition) === next) member.chains.delete(message.partition);
      });
    });
    stream.once('error', (err: unknown) => {
      if (this.closed || member.stopped) return;
      this.reportError(err, { api: member.api, mode: member.mode, event: 'consumer stream failed' });
      void this.probe.probe();
      const consumer = member.consumer;
      member.stream = undefined;
      member.consumer = undefined;
      void (async () => {
        await Promise.allSettled(member.chains.values()); // what was fetched is handled first: nothing overtakes it
        await consumer?.close(true).catch(() => undefined);
        await this.runConsumer(member, this.reconnectMs);
      })();
    });
  }

  /** Handles one record; never rejects (a work record is tried again until it is done or the consumer stops). */
  private async handle(member: Member, consumer: StringConsumer, message: Record_): Promise<void> {
    const { api, mode } = member;
    // A fetch sent before a rebalance can answer after it with records of a partition that moved to
    // another member (the client does not drop them): that member handles them, not this one.
    if (mode === 'work' && !owns(consumer, message)) return;
    for (let attempt = 0; ; attempt++) {
      if (member.stopped && mode === 'work') return; // not committed: another member gets it
      try {
        await this.deliver(member, message);
        break;
      } catch (err) {
        if (mode === 'fanout') break; // deliver reported it
        this.reportError(err, { api, mode, event: 'work handler failed', attempt });
        await new Promise((r) => setTimeout(r, Math.min(this.reconnectMs, 100 * 2 ** attempt)));
      }
    }
    markHandled(member, message.partition, message.offset + 1n);
    const now = Date.now();
    // Work: committed once done (the client coalesces commits). Fanout: at most once a second per
    // partition, so a rejoin after an outage goes on from about here (up to a second's records again).
    if (mode === 'work' || now - (member.commits.get(message.partition) ?? 0) >= FANOUT_COMMIT_INTERVAL_MS) {
      member.commits.set(message.partition, now);
      void Promise.resolve(message.commit()).catch(() => undefined); // a rebalance or outage: the record may come again
    }
  }

  /** Rejects only for a work record to be tried again. */
  private deliver(member: Member, message: Record_): Promise<void> {
    return handleRecord(member.target, message.value ?? undefined, Object.fromEntries(message.headers), (reason) => this.deadLetter(member.api, message, reason));
  }

  private async deadLetter(api: ApiName, message: Record_, reason: string): Promise<void> {
    await this.producer.send({
      messages: [{ topic: `${this.topic(api)}.dlq`, key: message.key ?? undefined, value: message.value, headers: { ...Object.fromEntries(message.headers), 'dlq-reason': reason, 'dlq-offset': String(message.offset) } }],
    });
    this.options.onDeadLetter?.(api, reason);
  }

  /** Stops reading, lets the records being handled finish, and leaves the group. */
  private async stop(member: Member): Promise<void> {
    member.stopped = true;
    member.stream?.pause();
    await Promise.allSettled(member.chains.values());
    await member.stream?.close().catch(() => undefined);
    await member.consumer?.close(true).catch(() => undefined);
  }

  /** The topic's end offsets, then a wait until each of this node's fanout consumers of `api` has handled up to them. */
  async settled(api: ApiName): Promise<void> {
    const members = [...this.members].filter((m) => m.api === api && m.mode === 'fanout' && m.handled && m.consumer);
    if (members.length === 0) return;
    const topic = this.topic(api);
    const ends = (await members[0].consumer!.listOffsets({ topics: [topic] })).get(topic) ?? [];
    const positions = ends.map((end, partition) => [partition, end] as const);
    await Promise.all(members.map((m) => untilHandled(m, positions, () => !this.members.has(m))));
  }

  /** An outage's errors are the Availability's to report, once. */
  private reportError(err: unknown, context: Record<string, unknown>): void {
    if (this.availability.down || isUnavailable(err) || isTransient(err)) return;
    this.options.onError?.(err, context);
  }

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
    for (const m of members) release(m);
    await this.batch.flush(); // what was published before close still goes out
    await Promise.allSettled(members.map((m) => this.stop(m)));
    await Promise.allSettled([this.producer.close(), this.admin.close(), this.prober.close()]);
  }
}

/** Whether the record's partition is assigned to the consumer now. */
function owns(consumer: StringConsumer, message: Record_): boolean {
  return consumer.assignments?.some((a) => a.topic === message.topic && a.partitions.includes(message.partition)) ?? false;
}

/** Every error inside a @platformatic/kafka error (it nests them in `errors` and `cause`). */
function nested(err: unknown, depth = 0): Array<Record<string, unknown>> {
  if (typeof err !== 'object' || err === null || depth > 5) return [];
  const e = err as { errors?: unknown; cause?: unknown };
  return [err as Record<string, unknown>, ...(Array.isArray(e.errors) ? e.errors.flatMap((x) => nested(x, depth + 1)) : []), ...nested(e.cause, depth + 1)];
}

/** The first error of each level, as one line: "Cannot connect to any broker: Connection to ... failed: connect ECONNREFUSED ...". */
function reasonOf(err: unknown): string {
  const messages: string[] = [];
  for (let e = err as { message?: unknown; errors?: unknown[]; cause?: unknown } | undefined; e && messages.length < 6; e = (e.errors?.[0] ?? e.cause) as typeof e) {
    messages.push(String(e.message ?? e).replace(/\.$/, ''));
  }
  return messages.join(': ');
}

/** A record the broker refuses as such (too large, corrupt): retrying cannot help. */
function isBadRecord(err: unknown): boolean {
  return nested(err).some((e) => BAD_RECORD.has(String(e.apiId)));
}

/** Connections, timeouts, a broker or coordinator not ready, a rebalance: they pass. */
function isTransient(err: unknown): boolean {
  return nested(err).some((e) => e.code === 'PLT_KFK_NETWORK' || e.code === 'PLT_KFK_TIMEOUT' || e.canRetry === true || e.needsRejoin === true);
}
