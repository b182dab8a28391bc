// The Bus port: carries publish envelopes between producers and gateway nodes.
// Implementations: in-process (src/bus/memory-bus.ts) and Kafka (later).

export type ApiName = 'games' | 'messenger' | 'pizza' | 'workspace' | 'events';
export const API_NAMES: readonly ApiName[] = ['games', 'messenger', 'pizza', 'workspace', 'events'];

/** Audience keys match as strings: `2` and `"2"` are the same user. */
export type Audience = Record<string, string | number>;

/** The value of every bus record (DESIGN.md): `{message, to, data}` plus the id given on publish. */
export interface Envelope {
  id: string;
  message: string;
  to: Audience;
  data: unknown;
}

/**
 * Thrown by a `work` handler for a record that can never be handled (not JSON, unknown message,
 * invalid data): the bus does not retry it but dead-letters it (Kafka: `<topic>.dlq`).
 */
export class DeadLetterError extends Error {
  constructor(readonly reason: string) {
    super(reason);
    this.name = 'DeadLetterError';
  }
}

export type EnvelopeHandler = (envelope: Envelope) => Promise<void> | void;

/**
 * `fanout`: every node sees every record (live delivery to its own sockets), from now on.
 * `work`: each record is handled by exactly one node of the group (durable work: webhooks, queues);
 * a record counts as done only when the handler's promise resolves.
 */
export type SubscriptionMode = 'fanout' | 'work';

export interface Subscription {
  close(): Promise<void>;
}

export interface Bus {
  publish(api: ApiName, envelope: Envelope): Promise<void>;
  subscribe(api: ApiName, mode: SubscriptionMode, handler: EnvelopeHandler): Promise<Subscription>;
  /**
   * Resolves once this node's fanout subscribers of `api` have handled every record whose publish
   * was acknowledged before the call: a forwarded request's reply waits for it, so broadcasts its
   * back-end published before answering reach their sockets first. (Kafka: resolves at once, see
   * KafkaBus.settled.)
   */
  settled(api: ApiName): Promise<void>;
  /** True when the bus can publish and deliver now. */
  ready(): Promise<boolean>;
  /** Flushes what was published and stops every subscription. */
  close(): Promise<void>;
}
