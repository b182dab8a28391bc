// The Store: what must be shared between nodes or survive a restart, as named state of the generic
// capabilities in store-capabilities.ts. New state of a kind that exists is one line below. The
// backends: in-memory (src/store/memory-store.ts) and Redis (src/store/redis-store.ts).

import type { StoredEvent } from '../../generated/events/models';
import type { GameSnapshot } from '../../generated/games/models';
import type { KeyValue, Leases, Log, Notifier, Presence, Queue, StoreBackend, Windows } from './store-capabilities';

export * from './store-capabilities';

/** An event of the events API as stored and answered (specs/events.asyncapi.yaml `StoredEvent`). */
export type { StoredEvent };

export type NewEvent = Omit<StoredEvent, 'id'>;

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

export class Store implements Notifier {
  /** events API: one log per channel (the names are those of the Redis keys before the split). */
  readonly events: Log<NewEvent>;
  /** events API: where each client is in a channel, by [channel, clientId]. */
  readonly cursors: KeyValue<number>;
  /** messenger: per-user FIFO queues of serialized events (polling). */
  readonly polling: Queue;
  /** messenger: each user's webhook callback URL. */
  readonly callbacks: KeyValue<string>;
  /** messenger: pending webhook deliveries, so that they outlive the node that accepted them. */
  readonly webhookJobs: Leases<WebhookJob>;
  /** pizza: one-off tickets, taken once before they expire. */
  readonly tickets: KeyValue<TicketGrant>;
  /** games: the latest snapshot per game. */
  readonly snapshots: KeyValue<GameSnapshot>;
  /** workspace: a user's sockets per [workspaceId, userId]; online while at least one is live. */
  readonly presence: Presence;
  /** workspace: the workspace whose channel-created announced each channel. */
  readonly channels: KeyValue<string>;
  /** rate limits: fixed windows, shared by every node. */
  readonly windows: Windows;

  constructor(private readonly backend: StoreBackend) {
    this.events = backend.log('events', { seq: 'seq', dedupe: 'event-key' });
    this.cursors = backend.keyValue('cursor');
    this.polling = backend.queue('queue');
    this.callbacks = backend.keyValue('callback', { text: true });
    this.webhookJobs = backend.leases('webhook');
    this.tickets = backend.keyValue('ticket');
    this.snapshots = backend.keyValue('snapshot');
    this.presence = backend.presence('presence');
    this.channels = backend.keyValue('channel', { text: true });
    this.windows = backend.windows('window');
  }

  notify(topic: string): Promise<void> {
    return this.backend.notify(topic);
  }

  onNotify(topic: string, listener: () => void): () => void {
    return this.backend.onNotify(topic, listener);
  }

  ready(): Promise<boolean> {
    return this.backend.ready();
  }

  close(): Promise<void> {
    return this.backend.close();
  }
}
