// The Store port: what must be shared between nodes or survive a restart. Each method is atomic
// on its own. Implementations: in-memory (src/store/memory-store.ts) and Redis (src/store/redis-store.ts).

import type { StoredEvent } from '../../generated/events/models';

/** An event of the events API as stored and answered (specs/events.asyncapi.yaml `StoredEvent`). */
export type { StoredEvent };

export type NewEvent = Omit<StoredEvent, 'id'>;

/** How long a shared store keeps a presence entry that is not refreshed with presenceUp. */
export const PRESENCE_TTL_MS = 60_000;

export interface TicketGrant {
  user_uuid: string;
  store_id: string | number;
  username?: string;
}

/** A webhook delivery (messenger): what is POSTed, to whom, under which `webhook-id`. */
export interface WebhookJob {
  /** `webhook-id`: the bus record id, stable across retries. */
  id: string;
  user: string;
  /** Message name, for logs and metrics. */
  message: string;
  /** The serialized JSON body, signed and sent byte for byte on every attempt. */
  body: string;
  /**
   * A fixed target (callback_deprecated goes to the retired URL). Without it every attempt goes to
   * the user's current callback, so retries follow a re-registration to the new URL.
   */
  url?: string;
}

/** A webhook job as its holder sees it: the store's key for it and the attempts that failed so far. */
export interface HeldWebhookJob {
  key: string;
  job: WebhookJob;
  attempts: number;
}

export interface WindowCount {
  count: number;
  resetInMs: number;
}

export interface Store {
  // events API: per-channel ids from 1, in order
  /**
   * With a `key` (the bus record id), appending again with the same key returns the event stored
   * the first time instead of a second copy, so a redelivered record is stored once.
   */
  appendEvent(channel: string, event: NewEvent, key?: string): Promise<StoredEvent>;
  /** Events with id > after, oldest first, at most limit. */
  readEvents(channel: string, after: number, limit: number): Promise<StoredEvent[]>;
  /** The newest `limit` events of the channel, oldest first. */
  latestEvents(channel: string, limit: number): Promise<StoredEvent[]>;
  getCursor(clientId: string, channel: string): Promise<number | undefined>;
  setCursor(clientId: string, channel: string, after: number): Promise<void>;

  // messenger: per-user FIFO queues (polling) and webhook registrations
  /** With a `key`, an item enqueued again under the same key is not queued twice. */
  enqueue(user: string, item: string, key?: string): Promise<void>;
  /** Removes and returns the oldest item, or undefined when the queue is empty. */
  dequeue(user: string): Promise<string | undefined>;
  /** Stores the callback URL and returns the one it replaced, if any. */
  setCallback(user: string, url: string): Promise<string | undefined>;
  getCallback(user: string): Promise<string | undefined>;

  // messenger: pending webhook deliveries, so that they outlive the node that accepted them. A job
  // is held by one owner (a node) at a time under a lease that the store's own clock times; once a
  // lease runs out, any owner may claim the job, so a crashed node's deliveries resume elsewhere.
  // Every change but a claim is made only by the current holder.
  /**
   * Stores a job held by `owner` for `leaseMs`. Undefined when a job with this id was added before
   * (kept as long as idempotency keys are), so a redelivered record is delivered once.
   */
  addWebhookJob(job: WebhookJob, owner: string, leaseMs: number): Promise<HeldWebhookJob | undefined>;
  /**
   * Claims jobs whose lease has run out, at most `limit`: the earliest expiry first, jobs that expire
   * together in the order they were added. Each is then held by `owner` for `leaseMs`.
   */
  claimWebhookJobs(owner: string, leaseMs: number, limit: number): Promise<HeldWebhookJob[]>;
  /**
   * Keeps holding a job for `leaseMs` from now and records its failed `attempts`. False when
   * `owner` does not hold it (another owner claimed it, or it is finished).
   */
  holdWebhookJob(key: string, owner: string, leaseMs: number, attempts: number): Promise<boolean>;
  /** Deletes a job that `owner` holds (delivered, or handed to polling); false when it does not. */
  finishWebhookJob(key: string, owner: string): Promise<boolean>;

  // pizza: one-off tickets
  putTicket(ticket: string, grant: TicketGrant, ttlMs: number): Promise<void>;
  /** Returns the grant and deletes the ticket in one step: of two racing takers exactly one wins. */
  takeTicket(ticket: string): Promise<TicketGrant | undefined>;

  // games: latest snapshot per game
  getSnapshot<T>(pk: string): Promise<T | undefined>;
  /** Every stored snapshot with its key, in no particular order (the games API's `list`). */
  listSnapshots<T>(): Promise<Array<{ pk: string; snapshot: T }>>;
  putSnapshot<T>(pk: string, snapshot: T): Promise<void>;
  /**
   * Atomic read-modify-write: `change` gets the current snapshot and returns the new one, or
   * undefined to leave it as it is. Returns what is stored afterwards. `change` may run more than
   * once (optimistic retries), so it must be pure.
   */
  updateSnapshot<T>(pk: string, change: (current: T | undefined) => T | undefined): Promise<T | undefined>;

  // workspace presence: a user is online while they have at least one live socket anywhere.
  // A shared store may forget a socket not counted up again within PRESENCE_TTL_MS, so that a
  // crashed node's sockets expire: holders of live sockets call presenceUp again meanwhile.
  /** Counts one more socket of the user; returns the count after. */
  presenceUp(workspaceId: string, userId: string, socketId: string): Promise<number>;
  /** Counts one socket fewer; returns the count after. */
  presenceDown(workspaceId: string, userId: string, socketId: string): Promise<number>;

  // workspace channels: a channel belongs to the workspace whose channel-created announced it
  setChannelWorkspace(channelId: string, workspaceId: string): Promise<void>;
  /** Forgets the channel (channel-deleted). */
  deleteChannel(channelId: string): Promise<void>;
  getChannelWorkspace(channelId: string): Promise<string | undefined>;

  // rate limits: fixed windows, shared by every node
  /**
   * Counts one more hit on `key` in its current window, which opens at the window's first hit and
   * lasts `windowMs`. Returns the hits so far in this window and the milliseconds until it closes.
   */
  hit(key: string, windowMs: number): Promise<WindowCount>;

  // change notification, so that a long poll on one node wakes when another node writes
  notify(topic: string): Promise<void>;
  onNotify(topic: string, listener: () => void): () => void;

  ready(): Promise<boolean>;
  close(): Promise<void>;
}
