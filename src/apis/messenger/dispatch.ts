// The bus `work` handler: each messenger record is handled by exactly one node. The record is checked
// against the catalogue (publishable message, `to: {user_id}`, data valid), framed generically as
// `{type, event}`, and then either stored as a webhook job (the user registered a callback) or
// queued for polling, under the record id either way (a redelivered record is taken once).
import { randomUUID } from 'node:crypto';
import type { ApiCatalogue } from '../../../generated';
import { DeadLetterError, type Envelope } from '../../ports/bus';
import { checkEnvelope } from '../../envelopes/check-envelope';
import type { SendableDeps } from '../../envelopes/sendable';
import { sendableEvent } from './framing';
import type { PollingQueues } from './polling';
import type { WebhookDeliverer } from './webhooks';

export interface DispatchDeps extends SendableDeps {
  catalogue: ApiCatalogue;
  currentUrl(user: string): Promise<string | undefined>;
  queues: PollingQueues;
  deliverer: WebhookDeliverer;
}

export function dispatcher(deps: DispatchDeps): (envelope: Envelope) => Promise<void> {
  const { catalogue, queues, deliverer } = deps;
  return async (envelope) => {
    const to = typeof envelope.to === 'object' && envelope.to !== null ? envelope.to : {};
    const check = checkEnvelope(catalogue, envelope.message, to, envelope.data);
    // Records published over HTTP were checked already; this is a bad record from Kafka.
    if (!check.ok) throw new DeadLetterError(check.error);
    const user = check.value;
    // Its data passed the publish schema: only a spec whose frame disagrees with it gets here.
    const framed = sendableEvent(deps, check.entry, envelope.data, { id: envelope.id, user });
    if (!framed) return;
    // Every record published through the gateway has an id; a hand-made Kafka record may not. It
    // then gets a fresh one (its redelivery is not recognised as such).
    const id = typeof envelope.id === 'string' && envelope.id !== '' ? envelope.id : randomUUID();
    const job = { id, user, message: check.entry.name, body: framed.serialized };
    // Store errors reject, so the bus retries the record; the record counts as handled only once
    // the webhook job is stored (a redelivered record is stored once, under its id).
    if ((await deps.currentUrl(user)) !== undefined) await deliverer.deliver(job);
    else await queues.enqueue(user, framed.serialized, id);
  };
}
