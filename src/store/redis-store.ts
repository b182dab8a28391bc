// The Redis Store (ioredis): what must be shared between gateway nodes or outlive one. Every method
// is a single atomic command or Lua script; notifications travel over Redis pub/sub.
import Redis from 'ioredis';
import { Availability, type AvailabilityListener } from '../ports/availability';
import { PRESENCE_TTL_MS, type NewEvent, type Store, type StoredEvent, type TicketGrant } from '../ports/store';
import { reconnectOptions, StoreConnection, type ConnectionTimings } from './redis-connection';
import { APPEND_EVENT, COMPARE_AND_SET, ENQUEUE, PRESENCE } from './redis-scripts';

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
}

const MAX_CAS_ATTEMPTS = 50;

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
    const stored = await this.redis.appendEvent(this.key('seq', channel), this.key('events', channel), dedupe, JSON.stringify(event), this.dedupeTtl);
    return JSON.parse(stored) as StoredEvent;
  }

  async readEvents(channel: string, after: number, limit: number): Promise<StoredEvent[]> {
    if (!(limit > 0)) return [];
    // Ids are 1..n and event id sits at list index id - 1.
    const start = Math.max(0, Math.floor(after));
    const items = await this.redis.lrange(this.key('events', channel), start, start + Math.floor(limit) - 1);
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
