// The in-memory Store: the embedded default when REDIS_URL is not set. Each method runs without
// an await between its read and its write, so every method is atomic as the port requires.
// Values are copied in and out (structuredClone) so callers never share state with the store.
import type { HeldWebhookJob, NewEvent, Store, StoredEvent, TicketGrant, WebhookJob, WindowCount } from '../ports/store';

export interface MemoryStoreOptions {
  /** Clock for ticket and rate-limit window expiry (tests inject one). */
  now?: () => number;
  /** How often expired tickets and rate-limit windows are swept from memory (default 30 s). */
  sweepIntervalMs?: number;
  /** Called when an onNotify listener throws; the default logs it. */
  onListenerError?: (error: unknown, topic: string) => void;
}

interface StoredWebhookJob {
  job: WebhookJob;
  owner: string;
  /** When the lease runs out (store clock, ms). */
  until: number;
  attempts: number;
}

interface Ticket {
  grant: TicketGrant;
  expiresAt: number;
}

/** Idempotency keys kept; a redelivery comes within seconds, so this is plenty. */
const MAX_REMEMBERED_KEYS = 100_000;

/** A collision-free map key for a pair of strings. */
const pair = (a: string, b: string): string => JSON.stringify([a, b]);

export class MemoryStore implements Store {
  private readonly events = new Map<string, StoredEvent[]>();
  private readonly cursors = new Map<string, number>();
  private readonly queues = new Map<string, string[]>();
  private readonly callbacks = new Map<string, string>();
  private readonly tickets = new Map<string, Ticket>();
  private readonly snapshots = new Map<string, unknown>();
  private readonly windows = new Map<string, { count: number; endsAt: number }>();
  /** Sockets per (workspace, user): the id itself while there is one (the usual case), a Set from two on. */
  private readonly presence = new Map<string, string | Set<string>>();
  private readonly listeners = new Map<string, Set<() => void>>();
  private readonly channels = new Map<string, string>();
  /** Pending webhook jobs by key, in the order they were added (keys only grow). */
  private readonly webhookJobs = new Map<string, StoredWebhookJob>();
  private webhookSeq = 0;
  /** Idempotency keys of appends, enqueues and webhook jobs seen lately (bounded: oldest forgotten first). */
  private readonly seen = new Map<string, StoredEvent | true>();
  private readonly now: () => number;
  private readonly sweeper: NodeJS.Timeout;
  private closed = false;

  constructor(private readonly options: MemoryStoreOptions = {}) {
    this.now = options.now ?? Date.now;
    // Expired tickets and windows are already invisible on read; the sweep only keeps memory from
    // growing. unref: an idle store must not keep the process alive.
    this.sweeper = setInterval(() => this.sweep(), options.sweepIntervalMs ?? 30_000);
    this.sweeper.unref();
  }

  async appendEvent(channel: string, event: NewEvent, key?: string): Promise<StoredEvent> {
    this.assertOpen();
    const seenKey = key === undefined ? undefined : pair('event', key);
    const earlier = seenKey === undefined ? undefined : this.seen.get(seenKey);
    if (earlier && earlier !== true) return structuredClone(earlier);
    const list = this.events.get(channel) ?? [];
    this.events.set(channel, list);
    const stored: StoredEvent = { ...structuredClone(event), id: list.length + 1 };
    list.push(stored);
    if (seenKey !== undefined) this.remember(seenKey, stored);
    return structuredClone(stored);
  }

  async readEvents(channel: string, after: number, limit: number): Promise<StoredEvent[]> {
    this.assertOpen();
    if (!(limit > 0)) return [];
    // Ids are 1..n with event id at index id - 1, so "id > after" starts at index after.
    const start = Math.max(0, Math.floor(after));
    return structuredClone((this.events.get(channel) ?? []).slice(start, start + Math.floor(limit)));
  }

  async latestEvents(channel: string, limit: number): Promise<StoredEvent[]> {
    this.assertOpen();
    if (!(limit > 0)) return [];
    return structuredClone((this.events.get(channel) ?? []).slice(-Math.floor(limit)));
  }

  async getCursor(clientId: string, channel: string): Promise<number | undefined> {
    this.assertOpen();
    return this.cursors.get(pair(clientId, channel));
  }

  async setCursor(clientId: string, channel: string, after: number): Promise<void> {
    this.assertOpen();
    this.cursors.set(pair(clientId, channel), after);
  }

  async enqueue(user: string, item: string, key?: string): Promise<void> {
    this.assertOpen();
    if (key !== undefined) {
      const seenKey = pair('queue', key);
      if (this.seen.has(seenKey)) return;
      this.remember(seenKey, true);
    }
    const queue = this.queues.get(user) ?? [];
    this.queues.set(user, queue);
    queue.push(item);
  }

  /** Remembers an idempotency key (of an append, an enqueue or a webhook job). */
  private remember(key: string, value: StoredEvent | true): void {
    this.seen.set(key, value);
    if (this.seen.size > MAX_REMEMBERED_KEYS) this.seen.delete(this.seen.keys().next().value as string);
  }

  async dequeue(user: string): Promise<string | undefined> {
    this.assertOpen();
    const queue = this.queues.get(user);
    if (!queue || queue.length === 0) return undefined;
    const item = queue.shift();
    if (queue.length === 0) this.queues.delete(user);
    return item;
  }

  async addWebhookJob(job: WebhookJob, owner: string, leaseMs: number): Promise<HeldWebhookJob | undefined> {
    this.assertOpen();
    const seenKey = pair('webhook', job.id);
    if (this.seen.has(seenKey)) return undefined;
    this.remember(seenKey, true);
    const key = String(++this.webhookSeq);
    this.webhookJobs.set(key, { job: structuredClone(job), owner, until: this.now() + leaseMs, attempts: 0 });
    return { key, job: structuredClone(job), attempts: 0 };
  }

  async claimWebhookJobs(owner: string, leaseMs: number, limit: number): Promise<HeldWebhookJob[]> {
    this.assertOpen();
    const now = this.now();
    // Map order is the order added, and sort is stable: ties stay in that order.
    const expired = [...this.webhookJobs].filter(([, stored]) => stored.until <= now).sort(([, a], [, b]) => a.until - b.until);
    return expired.slice(0, Math.max(0, limit)).map(([key, stored]) => {
      stored.owner = owner;
      stored.until = now + leaseMs;
      return { key, job: structuredClone(stored.job), attempts: stored.attempts };
    });
  }

  async holdWebhookJob(key: string, owner: string, leaseMs: number, attempts: number): Promise<boolean> {
    this.assertOpen();
    const stored = this.webhookJobs.get(key);
    if (stored?.owner !== owner) return false;
    stored.until = this.now() + leaseMs;
    stored.attempts = attempts;
    return true;
  }

  async finishWebhookJob(key: string, owner: string): Promise<boolean> {
    this.assertOpen();
    if (this.webhookJobs.get(key)?.owner !== owner) return false;
    return this.webhookJobs.delete(key);
  }

  async setCallback(user: string, url: string): Promise<string | undefined> {
    this.assertOpen();
    const previous = this.callbacks.get(user);
    this.callbacks.set(user, url);
    return previous;
  }

  async getCallback(user: string): Promise<string | undefined> {
    this.assertOpen();
    return this.callbacks.get(user);
  }

  async putTicket(ticket: string, grant: TicketGrant, ttlMs: number): Promise<void> {
    this.assertOpen();
    this.tickets.set(ticket, { grant: structuredClone(grant), expiresAt: this.now() + ttlMs });
  }

  async takeTicket(ticket: string): Promise<TicketGrant | undefined> {
    this.assertOpen();
    const found = this.tickets.get(ticket);
    if (!found) return undefined;
    this.tickets.delete(ticket);
    return found.expiresAt > this.now() ? found.grant : undefined;
  }

  async getSnapshot<T>(pk: string): Promise<T | undefined> {
    this.assertOpen();
    return structuredClone(this.snapshots.get(pk)) as T | undefined;
  }

  async listSnapshots<T>(): Promise<Array<{ pk: string; snapshot: T }>> {
    this.assertOpen();
    return [...this.snapshots].map(([pk, snapshot]) => ({ pk, snapshot: structuredClone(snapshot) as T }));
  }

  async putSnapshot<T>(pk: string, snapshot: T): Promise<void> {
    this.assertOpen();
    this.snapshots.set(pk, structuredClone(snapshot));
  }

  async updateSnapshot<T>(pk: string, change: (current: T | undefined) => T | undefined): Promise<T | undefined> {
    this.assertOpen();
    // change gets a copy: mutating it and returning undefined must leave the stored one intact.
    const next = change(structuredClone(this.snapshots.get(pk)) as T | undefined);
    if (next !== undefined) this.snapshots.set(pk, structuredClone(next));
    return structuredClone(this.snapshots.get(pk)) as T | undefined;
  }

  async presenceUp(workspaceId: string, userId: string, socketId: string): Promise<number> {
    this.assertOpen();
    const key = pair(workspaceId, userId);
    const sockets = this.presence.get(key);
    if (sockets === undefined || sockets === socketId) {
      this.presence.set(key, socketId);
      return 1;
    }
    if (typeof sockets === 'string') {
      this.presence.set(key, new Set([sockets, socketId]));
      return 2;
    }
    return sockets.add(socketId).size;
  }

  async presenceDown(workspaceId: string, userId: string, socketId: string): Promise<number> {
    this.assertOpen();
    const key = pair(workspaceId, userId);
    const sockets = this.presence.get(key);
    if (sockets === undefined) return 0;
    if (typeof sockets === 'string') {
      if (sockets !== socketId) return 1;
      this.presence.delete(key);
      return 0;
    }
    sockets.delete(socketId);
    if (sockets.size === 1) this.presence.set(key, sockets.values().next().value as string);
    return sockets.size;
  }

  /** Calls the topic's listeners before resolving (one node: nothing to cross). */
  async setChannelWorkspace(channelId: string, workspaceId: string): Promise<void> {
    this.assertOpen();
    this.channels.set(channelId, workspaceId);
  }

  async deleteChannel(channelId: string): Promise<void> {
    this.assertOpen();
    this.channels.delete(channelId);
  }

  async getChannelWorkspace(channelId: string): Promise<string | undefined> {
    this.assertOpen();
    return this.channels.get(channelId);
  }

  async hit(key: string, windowMs: number): Promise<WindowCount> {
    this.assertOpen();
    const now = this.now();
    let window = this.windows.get(key);
    if (window === undefined || window.endsAt <= now) {
      window = { count: 0, endsAt: now + windowMs };
      this.windows.set(key, window);
    }
    window.count += 1;
    return { count: window.count, resetInMs: window.endsAt - now };
  }

  async notify(topic: string): Promise<void> {
    this.assertOpen();
    // Copy first: a listener may unsubscribe itself (a woken long poll usually does).
    for (const listener of [...(this.listeners.get(topic) ?? [])]) {
      try {
        listener();
      } catch (error) {
        this.reportListenerError(error, topic); // one faulty listener must not fail the writer
      }
    }
  }

  onNotify(topic: string, listener: () => void): () => void {
    // A fresh entry per call: the same function registered twice is two subscriptions.
    const entry = (): void => listener();
    const set = this.listeners.get(topic) ?? new Set<() => void>();
    this.listeners.set(topic, set.add(entry));
    return () => {
      set.delete(entry);
      if (set.size === 0 && this.listeners.get(topic) === set) this.listeners.delete(topic);
    };
  }

  async ready(): Promise<boolean> {
    return !this.closed;
  }

  async close(): Promise<void> {
    this.closed = true;
    clearInterval(this.sweeper);
    this.listeners.clear();
  }

  /** How many tickets are held in memory, expired or not (for tests and metrics). */
  ticketCount(): number {
    return this.tickets.size;
  }

  /** How many rate-limit windows are held in memory, closed or not (for tests). */
  windowCount(): number {
    return this.windows.size;
  }

  private sweep(): void {
    const now = this.now();
    for (const [ticket, { expiresAt }] of this.tickets) if (expiresAt <= now) this.tickets.delete(ticket);
    for (const [key, { endsAt }] of this.windows) if (endsAt <= now) this.windows.delete(key);
  }

  private assertOpen(): void {
    if (this.closed) throw new Error('MemoryStore is closed');
  }

  private reportListenerError(error: unknown, topic: string): void {
    if (this.options.onListenerError) this.options.onListenerError(error, topic);
    else console.error(`[memory-store] notify listener for ${topic} failed:`, error);
  }
}
