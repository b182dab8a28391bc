// The Store port: what must be shared between nodes or survive a restart. Each method is atomic
// on its own. Implementations: in-memory (src/store/memory-store.ts) and Redis (later).

/** An event of the events API as stored and answered (specs/events.asyncapi.yaml `Event`). */
export interface StoredEvent {
  id: number;
  timestamp: number;
  type: string;
  from: string;
  data?: Record<string, unknown>;
}

export type NewEvent = Omit<StoredEvent, 'id'>;

/** How long a shared store keeps a presence entry that is not refreshed with presenceUp. */
export const PRESENCE_TTL_MS = 60_000;

export interface TicketGrant {
  user_uuid: string;
  store_id: string | number;
  username?: string;
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

  // pizza: one-off tickets
  putTicket(ticket: string, grant: TicketGrant, ttlMs: number): Promise<void>;
  /** Returns the grant and deletes the ticket in one step: of two racing takers exactly one wins. */
  takeTicket(ticket: string): Promise<TicketGrant | undefined>;

  // games: latest snapshot per game
  getSnapshot<T>(pk: string): Promise<T | undefined>;
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
