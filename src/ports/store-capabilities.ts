// The store's capabilities: small, generic kinds of shared state, each atomic method by method.
// A backend (src/store/memory-store.ts, src/store/redis-store.ts) makes any number of each, one per
// name; src/ports/store.ts names the ones the APIs use. New state of a kind that exists is one line
// there: no new method, script or test here or in the backends.

/** A key: one string, or parts kept apart (['a:b'] and ['a', 'b'] are different keys). */
export type Key = string | readonly string[];

/** The parts of a key (a single string is one part). */
export const keyParts = (key: Key): string[] => (typeof key === 'string' ? [key] : [...key]);

/** Values by key, each kept until deleted or, when set with a ttl, until it expires. */
export interface KeyValue<T> {
  get(key: Key): Promise<T | undefined>;
  /** Stores the value (for `ttlMs` when given); returns the one it replaced, if any. */
  set(key: Key, value: T, ttlMs?: number): Promise<T | undefined>;
  delete(key: Key): Promise<void>;
  /** Returns the value and deletes it in one step: of two racing takers exactly one gets it. */
  take(key: Key): Promise<T | undefined>;
  /**
   * Atomic read-modify-write: `change` gets the current value and returns the new one, or undefined
   * to leave it as it is. Returns what is stored afterwards. `change` may run more than once
   * (optimistic retries), so it must be pure.
   */
  update(key: Key, change: (current: T | undefined) => T | undefined): Promise<T | undefined>;
  /** Every value with its key's parts, in no particular order. */
  list(): Promise<Array<{ key: string[]; value: T }>>;
}

/** An entry as a log keeps it: numbered per stream from 1, in order. */
export type Logged<T> = T & { id: number };

/** Append-only logs, one per stream. Entries are JSON objects with at least one member. */
export interface Log<T extends object> {
  /**
   * With a `key` (e.g. a bus record id), appending again with the same key returns the entry stored
   * the first time instead of a second copy, so a redelivered record is stored once.
   */
  append(stream: string, entry: T, key?: string): Promise<Logged<T>>;
  /** Entries with id > after, oldest first, at most limit. */
  read(stream: string, after: number, limit: number): Promise<Array<Logged<T>>>;
  /** The newest `limit` entries, oldest first. */
  latest(stream: string, limit: number): Promise<Array<Logged<T>>>;
}

/** FIFO queues of strings, one per name. */
export interface Queue {
  /** With a `key`, an item enqueued again under the same key is not queued twice. */
  enqueue(queue: string, item: string, key?: string): Promise<void>;
  /** Removes and returns the oldest item, or undefined when the queue is empty. */
  dequeue(queue: string): Promise<string | undefined>;
}

/** How long a shared store keeps a presence member that is not counted up again. */
export const PRESENCE_TTL_MS = 60_000;

/**
 * Members present per group (sockets per user). A shared store may forget a member not counted up
 * again within PRESENCE_TTL_MS, so that a crashed node's members expire: holders of live members
 * call `up` again meanwhile.
 */
export interface Presence {
  /** Counts the member in (again); returns the group's count after. */
  up(group: Key, member: string): Promise<number>;
  /** Counts the member out; returns the group's count after. */
  down(group: Key, member: string): Promise<number>;
}

export interface WindowCount {
  count: number;
  resetInMs: number;
}

/** Fixed-window counters (rate limits), shared by every node. */
export interface Windows {
  /**
   * Counts one more hit on `key` in its current window, which opens at the window's first hit and
   * lasts `windowMs`. Returns the hits so far in this window and the milliseconds until it closes.
   */
  hit(key: string, windowMs: number): Promise<WindowCount>;
}

/** A leased job as its holder sees it: the store's key for it and the attempts that failed so far. */
export interface HeldJob<T> {
  key: string;
  job: T;
  attempts: number;
}

/**
 * Pending jobs that outlive the node that accepted them. A job is held by one owner (a node) at a
 * time under a lease that the store's own clock times; once a lease runs out, any owner may claim
 * the job, so a crashed node's jobs resume elsewhere. Every change but a claim is made only by the
 * current holder.
 */
export interface Leases<T extends { id: string }> {
  /**
   * Stores a job held by `owner` for `leaseMs`. Undefined when a job with this id was added before
   * (kept as long as idempotency keys are), so a redelivered record is handled once.
   */
  add(job: T, owner: string, leaseMs: number): Promise<HeldJob<T> | undefined>;
  /**
   * Claims jobs whose lease has run out, at most `limit`: the earliest expiry first, jobs that expire
   * together in the order they were added. Each is then held by `owner` for `leaseMs`.
   */
  claim(owner: string, leaseMs: number, limit: number): Promise<Array<HeldJob<T>>>;
  /**
   * Keeps holding a job for `leaseMs` from now and records its failed `attempts`. False when
   * `owner` does not hold it (another owner claimed it, or it is finished).
   */
  hold(key: string, owner: string, leaseMs: number, attempts: number): Promise<boolean>;
  /** Deletes a job that `owner` holds (done, or handed elsewhere); false when it does not. */
  finish(key: string, owner: string): Promise<boolean>;
}

/** Change notification, so that a long poll on one node wakes when another node writes. */
export interface Notifier {
  notify(topic: string): Promise<void>;
  /** Listens from now on; returns the unsubscribe. */
  onNotify(topic: string, listener: () => void): () => void;
}

export interface Lifecycle {
  ready(): Promise<boolean>;
  close(): Promise<void>;
}

/** Where a log keeps its own bookkeeping; by default `<name>-seq` and `<name>-key`. */
export interface LogKeys {
  seq?: string;
  dedupe?: string;
}

/**
 * A store implementation: makes each capability under a name (the same name, the same state). Names
 * are unique within a store across kinds; the Redis backend also uses `<name>-key`, `<name>-seq` and
 * `<name>-id` for bookkeeping, so no name should be another's plus one of those.
 */
export interface StoreBackend extends Notifier, Lifecycle {
  /** JSON values by default; `text` keeps string values as they are (no quotes in Redis). */
  keyValue<T>(name: string, options?: { text?: boolean }): KeyValue<T>;
  log<T extends object>(name: string, keys?: LogKeys): Log<T>;
  queue(name: string): Queue;
  presence(name: string): Presence;
  windows(name: string): Windows;
  leases<T extends { id: string }>(name: string): Leases<T>;
}
