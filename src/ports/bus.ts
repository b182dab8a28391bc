// The Bus port: carries publish envelopes between producers and gateway nodes.
// Implementations: in-process (src/bus/memory-bus.ts) and Kafka (src/bus/kafka-bus.ts).

import type { ApiEnvelope, ApiName } from '../../generated';

// The APIs on the bus are those whose spec has a Kafka topic (generated from specs/).
export { API_NAMES, type ApiName } from '../../generated';

/** Audience keys match as strings: `2` and `"2"` are the same user. */
export type Audience = Record<string, string | number>;

/**
 * The value of every bus record (DESIGN.md): `{message, to, data}` plus the id given on publish.
 * A record read back is not trusted yet, so the port carries this erased shape; every API's
 * generated envelope (ApiEnvelope) is one, which PublishedEnvelope makes the compiler hold.
 */
export interface Envelope {
  id: string;
  message: string;
  to: Audience;
  data: unknown;
}
type Fits<E extends Envelope> = E;
/** A well-typed envelope of one API, as a publisher builds it from the generated types. */
export type PublishedEnvelope<A extends ApiName = ApiName> = Fits<ApiEnvelope<A>>;

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

/**
 * Envelopes a publisher in this process has checked against the spec (checkEnvelope), by the
 * catalogue it checked them with. The in-process bus keeps the mark on the copies its handlers get,
 * so their data is not validated again against the same catalogue; a record read from Kafka never
 * has it and is checked in full.
 */
const checked = new WeakMap<Envelope, object>();

export function markChecked(envelope: Envelope, catalogue: object): void {
  checked.set(envelope, catalogue);
}

export function checkedAgainst(envelope: Envelope): object | undefined {
  return checked.get(envelope);
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
  /**
   * Records can reach subscribers without this process's publish (Kafka: back-ends produce to the
   * topics). Only then can one the spec rejects arrive, for a work subscriber to dead-letter: the
   * gateway's own publishers send what the spec accepts (the publish API and the console check
   * each envelope; the APIs build theirs from the spec's types).
   */
  readonly foreignRecords: boolean;
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
