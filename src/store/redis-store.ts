// The Redis Store (ioredis): what must be shared between gateway nodes or outlive one. Every method
// is a single atomic command or Lua script; notifications travel over Redis pub/sub.
import Redis from 'ioredis';
import { Availability, type AvailabilityListener } from '../ports/availability';
import { PRESENCE_TTL_MS, type HeldWebhookJob, type NewEvent, type Store, type StoredEvent, type TicketGrant, type WebhookJob, type WindowCount } from '../ports/store';
import { reconnectOptions, StoreConnection, type ConnectionTimings } from './redis-connection';
import {
  ADD_WEBHOOK_JOB,
  APPEND_EVENT,
  CLAIM_WEBHOOK_JOBS,
  COMPARE_AND_SET,
  ENQUEUE,
  FINISH_WEBHOOK_JOB,
  HIT,
  HOLD_WEBHOOK_JOB,
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
}

/** Redis commands defined from our Lua scripts. */
interface Scripts {
  appendEvent(seq: string, log: string, dedupe: string, event: string, ttl: number): Promise<string>;
  enqueueOnce(queue: string, dedupe: string, item: string, ttl: number): Promise<number>;
  compareAndSet(key: string, expected: string, next: string): Promise<number>;
  presence(key: string, member: string, now: number, expiry: string, ttl: number): Promise<number>;
  addWebhookJob(...keysThenArgs: [...WebhookKeys, string, string, string, string, number, number]): Promise<string | null>;
  claimWebhookJobs(...keysThenArgs: [...WebhookKeys, string, number, number]): Promise<string[]>;
  holdWebhookJob(...keysThenArgs: [...WebhookKeys, string, string, number, number]): Promise<number>;
  finishWebhookJob(...keysThenArgs: [...WebhookKeys, string, string]): Promise<number>;
  hit(key: string, windowMs: number): Promise<[number, number]>;
}

/** The keys every webhook job script starts with (redis-scripts.ts): due, jobs, owners, attempts. */
type WebhookKeys = [string, string, string, string];

const MAX_CAS_ATTEMPTS = 50;

/** A duration as the whole milliseconds the scripts add to the server clock. */
const wholeMs = (ms: number): number => Math.max(0, Math.round(ms));

export class RedisStore implements Store {
  private readonly redis: Redis & Scripts;
  /** Pub/sub needs a connection of its own. */
  private readonly subscriber: Redis;
  private readonly listeners = new Map<string, Set<() => void>>();
  private readonly prefix: string;
  private readonly presenceTtlMs: number;
  private readonly dedupeTtl: number;
  private readonly subscribed: Promise<unknown>;
  private readonly availability: Availability;

  constructor(url: string, options: RedisStoreOptions = {}) {
    this.prefix = options.prefix ?? 'switchyard:';
    this.presenceTtlMs = options.presenceTtlMs ?? PRESENCE_TTL_MS;
    this.dedupeTtl = options.dedupeTtlSeconds ?? 86_400;
    const onError = options.onError ?? (() => undefined);
    const timings: ConnectionTimings = { timeoutMs: options.timeoutMs ?? 3_000, reconnectMs: options.reconnectMs ?? 500 };
    this.availability = new Availability(options.availability);
    this.redis = new StoreConnection(url, timings, this.availability) as StoreConnection & Scripts;
    // The subscription waits out an outage and is renewed on reconnect; a long poll that misses a
    // notification meanwhile still reads the store when its timeout comes.
    this.subscriber = new Redis(url, { ...reconnectOptions(timings), maxRetriesPerRequest: null });
    // Its connection errors are the same outage, reported by this.redis.
    this.subscriber.on('error', () => undefined);
    this.redis.defineCommand('appendEvent', { numberOfKeys: 3, lua: APPEND_EVENT });
    this.redis.defineCommand('enqueueOnce', { numberOfKeys: 2, lua: ENQUEUE });
    this.redis.defineCommand('compareAndSet', { numberOfKeys: 1, lua: COMPARE_AND_SET });
    this.redis.defineCommand('presence', { numberOfKeys: 1, lua: PRESENCE });
    this.redis.defineCommand('addWebhookJob', { numberOfKeys: 6, lua: ADD_WEBHOOK_JOB });
    this.redis.defineCommand('claimWebhookJobs', { numberOfKeys: 4, lua: CLAIM_WEBHOOK_JOBS });
    this.redis.defineCommand('holdWebhookJob', { numberOfKeys: 4, lua: HOLD_WEBHOOK_JOB });
    this.redis.defineCommand('finishWebhookJob', { numberOfKeys: 4, lua: FINISH_WEBHOOK_JOB });
    this.redis.defineCommand('hit', { numberOfKeys: 1, lua: HIT });
    // One pattern subscription for every topic: onNotify stays synchronous and cannot miss a
    // notify sent right after it returns (once this subscription is live).
    this.subscribed = this.subscriber.psubscribe(`${this.prefix}notify:*`);
    this.subscribed.catch(onError); // still rejects for whoever awaits connected()
    this.subscriber.on('pmessage', (_pattern, channel: string) => {
      const topic = channel.slice(`${this.prefix}notify:`.length);
      for (const listener of [...(this.listeners.get(topic) ?? [])]) {
        try {
          listener();
        } catch (err) {
          onError(err);
        }
      }
    });
  }

  /** Resolves once the notification subscription is live. */
  async connected(): Promise<void> {
    await this.subscribed;
  }

  private key(...parts: string[]): string {
    return this.prefix + parts.map((p) => encodeURIComponent(p)).join(':');
  }

  async appendEvent(channel: string, event: NewEvent, key?: string): Promise<StoredEvent> {
    const dedupe = key === undefined ? '' : this.key('event-key', key);
    // Without the closing brace: the script appends the id as the last member (the JSON text itself
    // is never decoded in Lua). NewEvent always has members, so the id follows a comma.
    const head = JSON.stringify(event).slice(0, -1);
    const stored = await this.redis.appendEvent(this.key('seq', channel), this.key('events', channel), dedupe, head, this.dedupeTtl);
    return JSON.parse(stored) as StoredEvent;
  }

  async readEvents(channel: string, after: number, limit: number): Promise<StoredEvent[]> {
    if (!(limit > 0)) return [];
    // Ids are 1..n and event id sits at list index id - 1.
    const start = Math.max(0, Math.floor(after));
    const items = await this.redis.lrange(this.key('events', channel), start, start + Math.floor(limit) - 1);
    return items.map((s) => JSON.parse(s) as StoredEvent);
  }

  async latestEvents(channel: string, limit: number): Promise<StoredEvent[]> {
    if (!(limit > 0)) return [];
    const items = await this.redis.lrange(this.key('events', channel), -Math.floor(limit), -1);
    return items.map((s) => JSON.parse(s) as StoredEvent);
  }

  async getCursor(clientId: string, channel: string): Promise<number | undefined> {
    const v = await this.redis.hget(this.key('cursors', channel), clientId);
    return v === null ? undefined : Number(v);
  }

  async setCursor(clientId: string, channel: string, after: number): Promise<void> {
    await this.redis.hset(this.key('cursors', channel), clientId, String(after));
  }

  async enqueue(user: string, item: string, key?: string): Promise<void> {
    await this.redis.enqueueOnce(this.key('queue', user), key === undefined ? '' : this.key('queue-key', key), item, this.dedupeTtl);
  }

  async dequeue(user: string): Promise<string | undefined> {
    return (await this.redis.lpop(this.key('queue', user))) ?? undefined;
  }

  private webhookKeys(): WebhookKeys {
    return [this.key('webhook', 'due'), this.key('webhook', 'jobs'), this.key('webhook', 'owners'), this.key('webhook', 'attempts')];
  }

  async addWebhookJob(job: WebhookJob, owner: string, leaseMs: number): Promise<HeldWebhookJob | undefined> {
    // The job is kept as the JSON text written here (the scripts never decode it).
    const text = JSON.stringify(job);
    const key = await this.redis.addWebhookJob(
      ...this.webhookKeys(), this.key('webhook', 'seq'), this.key('webhook-id', job.id), text, owner, wholeMs(leaseMs), this.dedupeTtl,
    );
    return key === null ? undefined : { key, job: JSON.parse(text) as WebhookJob, attempts: 0 };
  }

  async claimWebhookJobs(owner: string, leaseMs: number, limit: number): Promise<HeldWebhookJob[]> {
    if (!(limit >= 1)) return [];
    const flat = await this.redis.claimWebhookJobs(...this.webhookKeys(), owner, wholeMs(leaseMs), Math.floor(limit));
    const claimed: HeldWebhookJob[] = [];
    for (let i = 0; i < flat.length; i += 3) claimed.push({ key: flat[i], job: JSON.parse(flat[i + 1]) as WebhookJob, attempts: Number(flat[i + 2]) });
    return claimed;
  }

  async holdWebhookJob(key: string, owner: string, leaseMs: number, attempts: number): Promise<boolean> {
    return (await this.redis.holdWebhookJob(...this.webhookKeys(), key, owner, wholeMs(leaseMs), attempts)) === 1;
  }

  async finishWebhookJob(key: string, owner: string): Promise<boolean> {
    return (await this.redis.finishWebhookJob(...this.webhookKeys(), key, owner)) === 1;
  }

  async setCallback(user: string, url: string): Promise<string | undefined> {
    const previous = await this.redis.set(this.key('callback', user), url, 'GET');
    return previous ?? undefined;
  }

  async getCallback(user: string): Promise<string | undefined> {
    return (await this.redis.get(this.key('callback', user))) ?? undefined;
  }

  async putTicket(ticket: string, grant: TicketGrant, ttlMs: number): Promise<void> {
    await this.redis.set(this.key('ticket', ticket), JSON.stringify(grant), 'PX', Math.max(1, Math.round(ttlMs)));
  }

  async takeTicket(ticket: string): Promise<TicketGrant | undefined> {
    const v = await this.redis.getdel(this.key('ticket', ticket));
    return v === null ? undefined : (JSON.parse(v) as TicketGrant);
  }

  async getSnapshot<T>(pk: string): Promise<T | undefined> {
    const v = await this.redis.get(this.key('snapshot', pk));
    return v === null ? undefined : (JSON.parse(v) as T);
  }

  async listSnapshots<T>(): Promise<Array<{ pk: string; snapshot: T }>> {
    const prefix = this.key('snapshot', '');
    const keys: string[] = [];
    // SCAN, not KEYS: it does not block Redis while it walks a large keyspace.
    for await (const batch of this.redis.scanStream({ match: `${prefix.replace(/[*?[\]\\]/g, '\\$&')}*`, count: 500 })) keys.push(...(batch as string[]));
    const unique = [...new Set(keys)];
    if (unique.length === 0) return [];
    const values = await this.redis.mget(...unique);
    return unique.flatMap((key, i) => {
      const v = values[i];
      return v === null ? [] : [{ pk: decodeURIComponent(key.slice(prefix.length)), snapshot: JSON.parse(v) as T }];
    });
  }

  async putSnapshot<T>(pk: string, snapshot: T): Promise<void> {
    await this.redis.set(this.key('snapshot', pk), JSON.stringify(snapshot));
  }

  async updateSnapshot<T>(pk: string, change: (current: T | undefined) => T | undefined): Promise<T | undefined> {
    const key = this.key('snapshot', pk);
    for (let attempt = 0; attempt < MAX_CAS_ATTEMPTS; attempt++) {
      const raw = await this.redis.get(key);
      const current = raw === null ? undefined : (JSON.parse(raw) as T);
      const next = change(current === undefined ? undefined : structuredClone(current));
      if (next === undefined) return current;
      const text = JSON.stringify(next);
      if (await this.redis.compareAndSet(key, raw ?? '', text)) return JSON.parse(text) as T;
    }
    throw new Error(`updateSnapshot(${pk}): too much contention, gave up after ${MAX_CAS_ATTEMPTS} attempts`);
  }

  async presenceUp(workspaceId: string, userId: string, socketId: string): Promise<number> {
    const now = Date.now();
    return this.redis.presence(this.key('presence', workspaceId, userId), socketId, now, String(now + this.presenceTtlMs), this.presenceTtlMs);
  }

  async presenceDown(workspaceId: string, userId: string, socketId: string): Promise<number> {
    return this.redis.presence(this.key('presence', workspaceId, userId), socketId, Date.now(), '', this.presenceTtlMs);
  }

  async setChannelWorkspace(channelId: string, workspaceId: string): Promise<void> {
    await this.redis.hset(this.key('channels'), channelId, workspaceId);
  }

  async deleteChannel(channelId: string): Promise<void> {
    await this.redis.hdel(this.key('channels'), channelId);
  }

  async getChannelWorkspace(channelId: string): Promise<string | undefined> {
    return (await this.redis.hget(this.key('channels'), channelId)) ?? undefined;
  }

  async hit(key: string, windowMs: number): Promise<WindowCount> {
    const [count, resetInMs] = await this.redis.hit(this.key('window', key), Math.max(1, Math.round(windowMs)));
    return { count, resetInMs };
  }

  async notify(topic: string): Promise<void> {
    await this.redis.publish(`${this.prefix}notify:${topic}`, '');
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
    try {
      return this.subscriber.status === 'ready' && this.redis.status === 'ready' && (await this.redis.ping()) === 'PONG';
    } catch {
      return false;
    }
  }

  async close(): Promise<void> {
    this.availability.close();
    this.listeners.clear();
    // quit() waits for pending replies; a connection that is down has none to wait for.
    const end = (c: Redis) => (c.status === 'ready' ? c.quit() : Promise.resolve(c.disconnect()));
    await Promise.allSettled([end(this.redis), end(this.subscriber)]);
  }
}
