// The in-memory store: the embedded default when REDIS_URL is not set. Each method runs without
// an await between its read and its write, so every method is atomic as the port requires.
// Values are copied in and out (structuredClone) so callers never share state with the store.
import {
  keyParts,
  Store,
  type HeldJob,
  type Key,
  type KeyValue,
  type Leases,
  type Log,
  type Logged,
  type Presence,
  type Queue,
  type StoreBackend,
  type WindowCount,
  type Windows,
} from '../ports/store';

export interface MemoryStoreOptions {
  /** Clock for expiry of values, rate-limit windows and leases (tests inject one). */
  now?: () => number;
  /** How often expired values and rate-limit windows are swept from memory (default 30 s). */
  sweepIntervalMs?: number;
  /** Called when an onNotify listener throws; the default logs it. */
  onListenerError?: (error: unknown, topic: string) => void;
}

/** Idempotency keys kept; a redelivery comes within seconds, so this is plenty. */
const MAX_REMEMBERED_KEYS = 100_000;

/** A collision-free map key for a key's parts. */
const mapKey = (...parts: string[]): string => JSON.stringify(parts);

/** What every capability of one backend shares: its clock, whether it is open, the idempotency keys. */
class Shared {
  closed = false;
  /** Idempotency keys of appends, enqueues and jobs seen lately (bounded: oldest forgotten first). */
  private readonly seen = new Map<string, unknown>();

  constructor(readonly now: () => number) {}

  assertOpen(): void {
    if (this.closed) throw new Error('MemoryStore is closed');
  }

  /** What was remembered under the key (true for a key without a value), or undefined. */
  recall(key: string): unknown {
    return this.seen.get(key);
  }

  remember(key: string, value: unknown = true): void {
    this.seen.set(key, value);
    if (this.seen.size > MAX_REMEMBERED_KEYS) this.seen.delete(this.seen.keys().next().value as string);
  }
}

/** Something holding entries that expire, swept now and then. */
interface Sweepable {
  sweep(now: number): void;
}

export class MemoryKeyValue<T> implements KeyValue<T>, Sweepable {
  private readonly values = new Map<string, { value: T; expiresAt?: number }>();

  constructor(private readonly shared: Shared) {}

  /** How many values are held in memory, expired or not (for tests). */
  get size(): number {
    return this.values.size;
  }

  /** The live entry under the key; an expired one is invisible (and dropped). */
  private live(k: string): { value: T; expiresAt?: number } | undefined {
    const found = this.values.get(k);
    if (found?.expiresAt !== undefined && found.expiresAt <= this.shared.now()) {
      this.values.delete(k);
      return undefined;
    }
    return found;
  }

  async get(key: Key): Promise<T | undefined> {
    this.shared.assertOpen();
    return structuredClone(this.live(mapKey(...keyParts(key)))?.value);
  }

  async set(key: Key, value: T, ttlMs?: number): Promise<T | undefined> {
    this.shared.assertOpen();
    const k = mapKey(...keyParts(key));
    const previous = this.live(k)?.value;
    this.values.set(k, { value: structuredClone(value), expiresAt: ttlMs === undefined ? undefined : this.shared.now() + ttlMs });
    return previous;
  }

  async delete(key: Key): Promise<void> {
    this.shared.assertOpen();
    this.values.delete(mapKey(...keyParts(key)));
  }

  async take(key: Key): Promise<T | undefined> {
    this.shared.assertOpen();
    const k = mapKey(...keyParts(key));
    const found = this.live(k);
    this.values.delete(k);
    return found?.value;
  }

  async update(key: Key, change: (current: T | undefined) => T | undefined): Promise<T | undefined> {
    this.shared.assertOpen();
    const k = mapKey(...keyParts(key));
    const found = this.live(k);
    // change gets a copy: mutating it and returning undefined must leave the stored one intact.
    const next = change(structuredClone(found?.value));
    if (next === undefined) return structuredClone(found?.value);
    this.values.set(k, { value: structuredClone(next), expiresAt: found?.expiresAt });
    return structuredClone(next);
  }

  async list(): Promise<Array<{ key: string[]; value: T }>> {
    this.shared.assertOpen();
    return [...this.values.keys()].flatMap((k) => {
      const found = this.live(k);
      return found ? [{ key: JSON.parse(k) as string[], value: structuredClone(found.value) }] : [];
    });
  }

  sweep(now: number): void {
    for (const [k, { expiresAt }] of this.values) if (expiresAt !== undefined && expiresAt <= now) this.values.delete(k);
  }
}

class MemoryLog<T extends object> implements Log<T> {
  private readonly streams = new Map<string, Array<Logged<T>>>();

  constructor(
    private readonly shared: Shared,
    private readonly name: string,
  ) {}

  async append(stream: string, entry: T, key?: string): Promise<Logged<T>> {
    this.shared.assertOpen();
    const seenKey = key === undefined ? undefined : mapKey('log', this.name, key);
    const earlier = seenKey === undefined ? undefined : (this.shared.recall(seenKey) as Logged<T> | undefined);
    if (earlier) return structuredClone(earlier);
    const list = this.streams.get(stream) ?? [];
    this.streams.set(stream, list);
    const stored: Logged<T> = { ...structuredClone(entry), id: list.length + 1 };
    list.push(stored);
    if (seenKey !== undefined) this.shared.remember(seenKey, stored);
    return structuredClone(stored);
  }

  async read(stream: string, after: number, limit: number): Promise<Array<Logged<T>>> {
    this.shared.assertOpen();
    if (!(limit > 0)) return [];
    // Ids are 1..n with entry id at index id - 1, so "id > after" starts at index after.
    const start = Math.max(0, Math.floor(after));
    return structuredClone((this.streams.get(stream) ?? []).slice(start, start + Math.floor(limit)));
  }

  async latest(stream: string, limit: number): Promise<Array<Logged<T>>> {
    this.shared.assertOpen();
    if (!(limit > 0)) return [];
    return structuredClone((this.streams.get(stream) ?? []).slice(-Math.floor(limit)));
  }
}

class MemoryQueue implements Queue {
  private readonly queues = new Map<string, string[]>();

  constructor(
    private readonly shared: Shared,
    private readonly name: string,
  ) {}

  async enqueue(queue: string, item: string, key?: string): Promise<void> {
    this.shared.assertOpen();
    if (key !== undefined) {
      const seenKey = mapKey('queue', this.name, key);
      if (this.shared.recall(seenKey) !== undefined) return;
      this.shared.remember(seenKey);
    }
    const items = this.queues.get(queue) ?? [];
    this.queues.set(queue, items);
    items.push(item);
  }

  async dequeue(queue: string): Promise<string | undefined> {
    this.shared.assertOpen();
    const items = this.queues.get(queue);
    if (!items || items.length === 0) return undefined;
    const item = items.shift();
    if (items.length === 0) this.queues.delete(queue);
    return item;
  }
}

class MemoryPresence implements Presence {
  /** Members per group: the member itself while there is one (the usual case), a Set from two on. */
  private readonly groups = new Map<string, string | Set<string>>();

  constructor(private readonly shared: Shared) {}

  async up(group: Key, member: string): Promise<number> {
    this.shared.assertOpen();
    const key = mapKey(...keyParts(group));
    const members = this.groups.get(key);
    if (members === undefined || members === member) {
      this.groups.set(key, member);
      return 1;
    }
    if (typeof members === 'string') {
      this.groups.set(key, new Set([members, member]));
      return 2;
    }
    return members.add(member).size;
  }

  async down(group: Key, member: string): Promise<number> {
    this.shared.assertOpen();
    const key = mapKey(...keyParts(group));
    const members = this.groups.get(key);
    if (members === undefined) return 0;
    if (typeof members === 'string') {
      if (members !== member) return 1;
      this.groups.delete(key);
      return 0;
    }
    members.delete(member);
    if (members.size === 1) this.groups.set(key, members.values().next().value as string);
    return members.size;
  }
}

export class MemoryWindows implements Windows, Sweepable {
  private readonly windows = new Map<string, { count: number; endsAt: number }>();

  constructor(private readonly shared: Shared) {}

  /** How many windows are held in memory, closed or not (for tests). */
  get size(): number {
    return this.windows.size;
  }

  async hit(key: string, windowMs: number): Promise<WindowCount> {
    this.shared.assertOpen();
    const now = this.shared.now();
    let window = this.windows.get(key);
    if (window === undefined || window.endsAt <= now) {
      window = { count: 0, endsAt: now + windowMs };
      this.windows.set(key, window);
    }
    window.count += 1;
    return { count: window.count, resetInMs: window.endsAt - now };
  }

  sweep(now: number): void {
    for (const [key, { endsAt }] of this.windows) if (endsAt <= now) this.windows.delete(key);
  }
}

interface LeasedJob<T> {
  job: T;
  owner: string;
  /** When the lease runs out (store clock, ms). */
  until: number;
  attempts: number;
}

class MemoryLeases<T extends { id: string }> implements Leases<T> {
  /** Pending jobs by key, in the order they were added (keys only grow). */
  private readonly jobs = new Map<string, LeasedJob<T>>();
  private seq = 0;

  constructor(
    private readonly shared: Shared,
    private readonly name: string,
  ) {}

  async add(job: T, owner: string, leaseMs: number): Promise<HeldJob<T> | undefined> {
    this.shared.assertOpen();
    const seenKey = mapKey('leases', this.name, job.id);
    if (this.shared.recall(seenKey) !== undefined) return undefined;
    this.shared.remember(seenKey);
    const key = String(++this.seq);
    this.jobs.set(key, { job: structuredClone(job), owner, until: this.shared.now() + leaseMs, attempts: 0 });
    return { key, job: structuredClone(job), attempts: 0 };
  }

  async claim(owner: string, leaseMs: number, limit: number): Promise<Array<HeldJob<T>>> {
    this.shared.assertOpen();
    const now = this.shared.now();
    // Map order is the order added, and sort is stable: ties stay in that order.
    const expired = [...this.jobs].filter(([, stored]) => stored.until <= now).sort(([, a], [, b]) => a.until - b.until);
    return expired.slice(0, Math.max(0, limit)).map(([key, stored]) => {
      stored.owner = owner;
      stored.until = now + leaseMs;
      return { key, job: structuredClone(stored.job), attempts: stored.attempts };
    });
  }

  async hold(key: string, owner: string, leaseMs: number, attempts: number): Promise<boolean> {
    this.shared.assertOpen();
    const stored = this.jobs.get(key);
    if (stored?.owner !== owner) return false;
    stored.until = this.shared.now() + leaseMs;
    stored.attempts = attempts;
    return true;
  }

  async finish(key: string, owner: string): Promise<boolean> {
    this.shared.assertOpen();
    if (this.jobs.get(key)?.owner !== owner) return false;
    return this.jobs.delete(key);
  }
}

export class MemoryBackend implements StoreBackend {
  private readonly shared: Shared;
  /** Capabilities made so far, by kind and name: the same name is the same state. */
  private readonly made = new Map<string, unknown>();
  private readonly listeners = new Map<string, Set<() => void>>();
  private readonly sweeper: NodeJS.Timeout;

  constructor(private readonly options: MemoryStoreOptions = {}) {
    this.shared = new Shared(options.now ?? Date.now);
    // Expired values and windows are already invisible on read; the sweep only keeps memory from
    // growing. unref: an idle store must not keep the process alive.
    this.sweeper = setInterval(() => this.sweep(), options.sweepIntervalMs ?? 30_000);
    this.sweeper.unref();
  }

  private once<C>(kind: string, name: string, make: () => C): C {
    const key = mapKey(kind, name);
    if (!this.made.has(key)) this.made.set(key, make());
    return this.made.get(key) as C;
  }

  keyValue<T>(name: string): MemoryKeyValue<T> {
    return this.once('keyValue', name, () => new MemoryKeyValue<T>(this.shared));
  }

  log<T extends object>(name: string): Log<T> {
    return this.once('log', name, () => new MemoryLog<T>(this.shared, name));
  }

  queue(name: string): Queue {
    return this.once('queue', name, () => new MemoryQueue(this.shared, name));
  }

  presence(name: string): Presence {
    return this.once('presence', name, () => new MemoryPresence(this.shared));
  }

  windows(name: string): MemoryWindows {
    return this.once('windows', name, () => new MemoryWindows(this.shared));
  }

  leases<T extends { id: string }>(name: string): Leases<T> {
    return this.once('leases', name, () => new MemoryLeases<T>(this.shared, name));
  }

  /** Calls the topic's listeners before resolving (one node: nothing to cross). */
  async notify(topic: string): Promise<void> {
    this.shared.assertOpen();
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
    return !this.shared.closed;
  }

  async close(): Promise<void> {
    this.shared.closed = true;
    clearInterval(this.sweeper);
    this.listeners.clear();
  }

  private sweep(): void {
    const now = this.shared.now();
    for (const made of this.made.values()) if (made instanceof MemoryKeyValue || made instanceof MemoryWindows) made.sweep(now);
  }

  private reportListenerError(error: unknown, topic: string): void {
    if (this.options.onListenerError) this.options.onListenerError(error, topic);
    else console.error(`[memory-store] notify listener for ${topic} failed:`, error);
  }
}

/** The Store on a fresh in-memory backend. */
export class MemoryStore extends Store {
  constructor(options: MemoryStoreOptions = {}) {
    super(new MemoryBackend(options));
  }
}
