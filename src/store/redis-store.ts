// The Redis store (ioredis): what must be shared between gateway nodes or outlive one. Every method
// is a single atomic command or Lua script; notifications travel over Redis pub/sub.
import Redis from 'ioredis';
import { Availability, type AvailabilityListener } from '../ports/availability';
import {
  keyParts,
  PRESENCE_TTL_MS,
  Store,
  type HeldJob,
  type Key,
  type KeyValue,
  type Leases,
  type Log,
  type Logged,
  type LogKeys,
  type Presence,
  type Queue,
  type StoreBackend,
  type WindowCount,
  type Windows,
} from '../ports/store';
import { reconnectOptions, StoreConnection, type ConnectionTimings } from './redis-connection';
import { migrateLegacyLayout } from './redis-migration';
import {
  ADD_LEASED_JOB,
  APPEND_TO_LOG,
  CLAIM_LEASED_JOBS,
  COMPARE_AND_SET,
  ENQUEUE,
  FINISH_LEASED_JOB,
  HIT,
  HOLD_LEASED_JOB,
  PRESENCE,
} from './redis-scripts';

export interface RedisStoreOptions {
  /** Prefix of every key (default `switchyard:`): several deployments can share one Redis. */
  prefix?: string;
  /** How long a presence entry lives unless refreshed (default 60 s): a crashed node's sockets expire. */
  presenceTtlMs?: number;
  /** How long idempotency keys are remembered (default 1 day). */
  dedupeTtlSeconds?: number;
  /** Longest wait for a reply or a connection (default 3 s): a command waiting longer fails as unavailable. */
  timeoutMs?: number;
  /** Longest pause between reconnect attempts while Redis is unreachable (default 500 ms). */
  reconnectMs?: number;
  /** Told once when Redis becomes unreachable and once when it is back. */
  availability?: AvailabilityListener;
  /** Errors that are no outage (a notification listener that threw). */
  onError?: (error: unknown) => void;
  /** Where the start-up migration of the old key layout says what it moved (pino's signature). */
  log?: { info(details: object, message: string): void; warn(details: object, message: string): void };
}

/** Redis commands defined from our Lua scripts. */
interface Scripts {
  appendToLog(seq: string, log: string, dedupe: string, entryHead: string, ttl: number): Promise<string>;
  enqueueOnce(queue: string, dedupe: string, item: string, ttl: number): Promise<number>;
  compareAndSet(key: string, expected: string, next: string): Promise<number>;
  presence(key: string, member: string, now: number, expiry: string, ttl: number): Promise<number>;
  addLeasedJob(...keysThenArgs: [...LeaseKeys, string, string, string, string, number, number]): Promise<string | null>;
  claimLeasedJobs(...keysThenArgs: [...LeaseKeys, string, number, number]): Promise<string[]>;
  holdLeasedJob(...keysThenArgs: [...LeaseKeys, string, string, number, number]): Promise<number>;
  finishLeasedJob(...keysThenArgs: [...LeaseKeys, string, string]): Promise<number>;
  hit(key: string, windowMs: number): Promise<[number, number]>;
}

/** The keys every lease script starts with (redis-scripts.ts): due, jobs, owners, attempts. */
type LeaseKeys = [string, string, string, string];

const MAX_CAS_ATTEMPTS = 50;

/** A duration as the whole milliseconds the scripts add to the server clock. */
const wholeMs = (ms: number): number => Math.max(0, Math.round(ms));

/** What every capability of one backend shares: the connection, the key scheme, the settings. */
interface Shared {
  redis: Redis & Scripts;
  /** The Redis key of a name and parts: prefix, then each part URI-encoded, joined by ':'. */
  key(...parts: string[]): string;
  dedupeTtl: number;
  presenceTtlMs: number;
}

/** A value's text in Redis: JSON, or the string itself. */
interface Codec<T> {
  encode(value: T): string;
  decode(text: string): T;
}
const JSON_CODEC: Codec<unknown> = { encode: (v) => JSON.stringify(v), decode: (t) => JSON.parse(t) as unknown };
const TEXT_CODEC: Codec<unknown> = { encode: (v) => v as string, decode: (t) => t };

class RedisKeyValue<T> implements KeyValue<T> {
  constructor(
    private readonly s: Shared,
    private readonly name: string,
    private readonly codec: Codec<T>,
  ) {}

  private key(key: Key): string {
    return this.s.key(this.name, ...keyParts(key));
  }

  private decode(text: string | null): T | undefined {
    return text === null ? undefined : this.codec.decode(text);
  }

  async get(key: Key): Promise<T | undefined> {
    return this.decode(await this.s.redis.get(this.key(key)));
  }

  async set(key: Key, value: T, ttlMs?: number): Promise<T | undefined> {
    const text = this.codec.encode(value);
    const previous = ttlMs === undefined
      ? await this.s.redis.set(this.key(key), text, 'GET')
      : await this.s.redis.set(this.key(key), text, 'PX', Math.max(1, Math.round(ttlMs)), 'GET');
    return this.decode(previous);
  }

  async delete(key: Key): Promise<void> {
    await this.s.redis.del(this.key(key));
  }

  async take(key: Key): Promise<T | undefined> {
    return this.decode(await this.s.redis.getdel(this.key(key)));
  }

  async update(key: Key, change: (current: T | undefined) => T | undefined): Promise<T | undefined> {
    const k = this.key(key);
    for (let attempt = 0; attempt < MAX_CAS_ATTEMPTS; attempt++) {
      const raw = await this.s.redis.get(k);
      const current = this.decode(raw);
      const next = change(current === undefined ? undefined : structuredClone(current));
      if (next === undefined) return current;
      const text = this.codec.encode(next);
      if (await this.s.redis.compareAndSet(k, raw ?? '', text)) return this.codec.decode(text);
    }
    throw new Error(`update(${this.name}, ${keyParts(key).join(':')}): too much contention, gave up after ${MAX_CAS_ATTEMPTS} attempts`);
  }

  async list(): Promise<Array<{ key: string[]; value: T }>> {
    const prefix = this.s.key(this.name, '');
    const keys: string[] = [];
    // SCAN, not KEYS: it does not block Redis while it walks a large keyspace.
    for await (const batch of this.s.redis.scanStream({ match: `${prefix.replace(/[*?[\]\\]/g, '\\$&')}*`, count: 500 })) keys.push(...(batch as string[]));
    const unique = [...new Set(keys)];
    if (unique.length === 0) return [];
    const values = await this.s.redis.mget(...unique);
    return unique.flatMap((k, i) => {
      const v = values[i];
      return v === null ? [] : [{ key: k.slice(prefix.length).split(':').map(decodeURIComponent), value: this.codec.decode(v) }];
    });
  }
}

class RedisLog<T extends object> implements Log<T> {
  constructor(
    private readonly s: Shared,
    private readonly name: string,
    private readonly keys: Required<LogKeys>,
  ) {}

  async append(stream: string, entry: T, key?: string): Promise<Logged<T>> {
    const dedupe = key === undefined ? '' : this.s.key(this.keys.dedupe, key);
    // Without the closing brace: the script appends the id as the last member (the JSON text itself
    // is never decoded in Lua). An entry always has members, so the id follows a comma.
    const head = JSON.stringify(entry).slice(0, -1);
    const stored = await this.s.redis.appendToLog(this.s.key(this.keys.seq, stream), this.s.key(this.name, stream), dedupe, head, this.s.dedupeTtl);
    return JSON.parse(stored) as Logged<T>;
  }

  async read(stream: string, after: number, limit: number): Promise<Array<Logged<T>>> {
    if (!(limit > 0)) return [];
    // Ids are 1..n and entry id sits at list index id - 1.
    const start = Math.max(0, Math.floor(after));
    const items = await this.s.redis.lrange(this.s.key(this.name, stream), start, start + Math.floor(limit) - 1);
    return items.map((s) => JSON.parse(s) as Logged<T>);
  }

  async latest(stream: string, limit: number): Promise<Array<Logged<T>>> {
    if (!(limit > 0)) return [];
    const items = await this.s.redis.lrange(this.s.key(this.name, stream), -Math.floor(limit), -1);
    return items.map((s) => JSON.parse(s) as Logged<T>);
  }
}

class RedisQueue implements Queue {
  constructor(
    private readonly s: Shared,
    private readonly name: string,
  ) {}

  async enqueue(queue: string, item: string, key?: string): Promise<void> {
    await this.s.redis.enqueueOnce(this.s.key(this.name, queue), key === undefined ? '' : this.s.key(`${this.name}-key`, key), item, this.s.dedupeTtl);
  }

  async dequeue(queue: string): Promise<string | undefined> {
    return (await this.s.redis.lpop(this.s.key(this.name, queue))) ?? undefined;
  }
}

class RedisPresence implements Presence {
  constructor(
    private readonly s: Shared,
    private readonly name: string,
  ) {}

  async up(group: Key, member: string): Promise<number> {
    const now = Date.now();
    return this.s.redis.presence(this.s.key(this.name, ...keyParts(group)), member, now, String(now + this.s.presenceTtlMs), this.s.presenceTtlMs);
  }

  async down(group: Key, member: string): Promise<number> {
    return this.s.redis.presence(this.s.key(this.name, ...keyParts(group)), member, Date.now(), '', this.s.presenceTtlMs);
  }
}

class RedisWindows implements Windows {
  constructor(
    private readonly s: Shared,
    private readonly name: string,
  ) {}

  async hit(key: string, windowMs: number): Promise<WindowCount> {
    const [count, resetInMs] = await this.s.redis.hit(this.s.key(this.name, key), Math.max(1, Math.round(windowMs)));
    return { count, resetInMs };
  }
}

class RedisLeases<T extends { id: string }> implements Leases<T> {
  private readonly keys: LeaseKeys;

  constructor(
    private readonly s: Shared,
    private readonly name: string,
  ) {
    this.keys = [s.key(name, 'due'), s.key(name, 'jobs'), s.key(name, 'owners'), s.key(name, 'attempts')];
  }

  async add(job: T, owner: string, leaseMs: number): Promise<HeldJob<T> | undefined> {
    // The job is kept as the JSON text written here (the scripts never decode it).
    const text = JSON.stringify(job);
    const key = await this.s.redis.addLeasedJob(
      ...this.keys, this.s.key(this.name, 'seq'), this.s.key(`${this.name}-id`, job.id), text, owner, wholeMs(leaseMs), this.s.dedupeTtl,
    );
    return key === null ? undefined : { key, job: JSON.parse(text) as T, attempts: 0 };
  }

  async claim(owner: string, leaseMs: number, limit: number): Promise<Array<HeldJob<T>>> {
    if (!(limit >= 1)) return [];
    const flat = await this.s.redis.claimLeasedJobs(...this.keys, owner, wholeMs(leaseMs), Math.floor(limit));
    const claimed: Array<HeldJob<T>> = [];
    for (let i = 0; i < flat.length; i += 3) claimed.push({ key: flat[i], job: JSON.parse(flat[i + 1]) as T, attempts: Number(flat[i + 2]) });
    return claimed;
  }

  async hold(key: string, owner: string, leaseMs: number, attempts: number): Promise<boolean> {
    return (await this.s.redis.holdLeasedJob(...this.keys, key, owner, wholeMs(leaseMs), attempts)) === 1;
  }

  async finish(key: string, owner: string): Promise<boolean> {
    return (await this.s.redis.finishLeasedJob(...this.keys, key, owner)) === 1;
  }
}

export class RedisBackend implements StoreBackend {
  private readonly shared: Shared;
  /** Pub/sub needs a connection of its own. */
  private readonly subscriber: Redis;
  private readonly listeners = new Map<string, Set<() => void>>();
  private readonly prefix: string;
  private readonly subscribed: Promise<unknown>;
  private readonly availability: Availability;
  /** Settles once the old key layout is moved (redis-migration.ts); not ready before. */
  private readonly migrated: Promise<void>;
  private migrationDone = false;
  private closed = false;

  constructor(url: string, options: RedisStoreOptions = {}) {
    const prefix = (this.prefix = options.prefix ?? 'switchyard:');
    const onError = options.onError ?? (() => undefined);
    const timings: ConnectionTimings = { timeoutMs: options.timeoutMs ?? 3_000, reconnectMs: options.reconnectMs ?? 500 };
    this.availability = new Availability(options.availability);
    const redis = new StoreConnection(url, timings, this.availability) as StoreConnection & Scripts;
    this.shared = {
      redis,
      key: (...parts) => prefix + parts.map((p) => encodeURIComponent(p)).join(':'),
      dedupeTtl: options.dedupeTtlSeconds ?? 86_400,
      presenceTtlMs: options.presenceTtlMs ?? PRESENCE_TTL_MS,
    };
    // The subscription waits out an outage and is renewed on reconnect; a long poll that misses a
    // notification meanwhile still reads the store when its timeout comes.
    this.subscriber = new Redis(url, { ...reconnectOptions(timings), maxRetriesPerRequest: null });
    // Its connection errors are the same outage, reported by the command connection.
    this.subscriber.on('error', () => undefined);
    redis.defineCommand('appendToLog', { numberOfKeys: 3, lua: APPEND_TO_LOG });
    redis.defineCommand('enqueueOnce', { numberOfKeys: 2, lua: ENQUEUE });
    redis.defineCommand('compareAndSet', { numberOfKeys: 1, lua: COMPARE_AND_SET });
    redis.defineCommand('presence', { numberOfKeys: 1, lua: PRESENCE });
    redis.defineCommand('addLeasedJob', { numberOfKeys: 6, lua: ADD_LEASED_JOB });
    redis.defineCommand('claimLeasedJobs', { numberOfKeys: 4, lua: CLAIM_LEASED_JOBS });
    redis.defineCommand('holdLeasedJob', { numberOfKeys: 4, lua: HOLD_LEASED_JOB });
    redis.defineCommand('finishLeasedJob', { numberOfKeys: 4, lua: FINISH_LEASED_JOB });
    redis.defineCommand('hit', { numberOfKeys: 1, lua: HIT });
    this.migrated = this.migrate(prefix, timings.reconnectMs, options.log);
    // One pattern subscription for every topic: onNotify stays synchronous and cannot miss a
    // notify sent right after it returns (once this subscription is live).
    this.subscribed = this.subscriber.psubscribe(`${prefix}notify:*`);
    this.subscribed.catch(onError); // still rejects for whoever awaits connected()
    this.subscriber.on('pmessage', (_pattern, channel: string) => {
      const topic = channel.slice(`${prefix}notify:`.length);
      for (const listener of [...(this.listeners.get(topic) ?? [])]) {
        try {
          listener();
        } catch (err) {
          onError(err);
        }
      }
    });
  }

  /** Moves the old layout, retrying while Redis is unreachable, until it succeeds or the store closes. */
  private async migrate(prefix: string, retryMs: number, log: RedisStoreOptions['log']): Promise<void> {
    for (let attempt = 0; !this.closed; attempt++) {
      try {
        const { cursors, channels } = await migrateLegacyLayout(this.shared.redis, prefix);
        if (cursors.moved + cursors.superseded + channels.moved + channels.superseded > 0) {
          log?.info({ cursors, channels }, 'redis: moved the pre-split key layout (superseded: a newer value was already there)');
        }
        this.migrationDone = true;
        return;
      } catch (err) {
        // Once: while Redis is down this fails every retryMs, and the outage is reported already.
        if (attempt === 0) log?.warn({ err }, 'redis: moving the pre-split key layout failed; retrying until it succeeds');
        await new Promise((r) => setTimeout(r, retryMs));
      }
    }
  }

  /** Resolves once the notification subscription is live and the old key layout is moved. */
  async connected(): Promise<void> {
    await Promise.all([this.subscribed, this.migrated]);
  }

  keyValue<T>(name: string, options: { text?: boolean } = {}): KeyValue<T> {
    return new RedisKeyValue<T>(this.shared, name, (options.text ? TEXT_CODEC : JSON_CODEC) as Codec<T>);
  }

  log<T extends object>(name: string, keys: LogKeys = {}): Log<T> {
    return new RedisLog<T>(this.shared, name, { seq: keys.seq ?? `${name}-seq`, dedupe: keys.dedupe ?? `${name}-key` });
  }

  queue(name: string): Queue {
    return new RedisQueue(this.shared, name);
  }

  presence(name: string): Presence {
    return new RedisPresence(this.shared, name);
  }

  windows(name: string): Windows {
    return new RedisWindows(this.shared, name);
  }

  leases<T extends { id: string }>(name: string): Leases<T> {
    return new RedisLeases<T>(this.shared, name);
  }

  async notify(topic: string): Promise<void> {
    await this.shared.redis.publish(`${this.prefix}notify:${topic}`, '');
  }

  onNotify(topic: string, listener: () => void): () => void {
    let set = this.listeners.get(topic);
    if (!set) this.listeners.set(topic, (set = new Set()));
    set.add(listener);
    return () => {
      set!.delete(listener);
      if (set!.size === 0) this.listeners.delete(topic);
    };
  }

  async ready(): Promise<boolean> {
    const { redis } = this.shared;
    try {
      return this.migrationDone && this.subscriber.status === 'ready' && redis.status === 'ready' && (await redis.ping()) === 'PONG';
    } catch {
      return false;
    }
  }

  async close(): Promise<void> {
    this.closed = true;
    this.availability.close();
    this.listeners.clear();
    // quit() waits for pending replies; a connection that is down has none to wait for.
    const end = (c: Redis) => (c.status === 'ready' ? c.quit() : Promise.resolve(c.disconnect()));
    await Promise.allSettled([end(this.shared.redis), end(this.subscriber)]);
  }
}

/** The Store on Redis. */
export class RedisStore extends Store {
  private readonly redisBackend: RedisBackend;

  constructor(url: string, options: RedisStoreOptions = {}) {
    const backend = new RedisBackend(url, options);
    super(backend);
    this.redisBackend = backend;
  }

  /** Resolves once the notification subscription is live and the old key layout is moved. */
  connected(): Promise<void> {
    return this.redisBackend.connected();
  }
}
