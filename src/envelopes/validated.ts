// Bus handlers see only envelopes the spec accepts. A `work` handler dead-letters the rest (one
// node reports each bad record); a `fanout` handler skips them quietly (every node sees them).
import type { ApiCatalogue } from '../../generated';
import { checkedAgainst, DeadLetterError, type ApiName, type Bus, type Envelope, type EnvelopeHandler, type Subscription } from '../ports/bus';
import { checkEnvelope, type AcceptedEnvelope } from './check-envelope';

export type AcceptedHandler = (envelope: Envelope, accepted: AcceptedEnvelope) => Promise<void> | void;

function accept(catalogue: ApiCatalogue, envelope: Envelope): AcceptedEnvelope | string {
  if (typeof envelope !== 'object' || envelope === null || typeof envelope.message !== 'string' || typeof envelope.to !== 'object' || envelope.to === null) {
    return 'not a publish envelope {message, to, data}';
  }
  const check = checkEnvelope(catalogue, envelope.message, envelope.to, envelope.data, checkedAgainst(envelope) === catalogue);
  return check.ok ? check : `${check.error}${check.errors ? `: ${check.errors.map((e) => e.message).join('; ')}` : ''}`;
}

export function workHandler(catalogue: ApiCatalogue, handler: AcceptedHandler): EnvelopeHandler {
  return (envelope) => {
    const accepted = accept(catalogue, envelope);
    if (typeof accepted === 'string') throw new DeadLetterError(accepted);
    return handler(envelope, accepted);
  };
}

export function fanoutHandler(catalogue: ApiCatalogue, handler: AcceptedHandler): EnvelopeHandler {
  return (envelope) => {
    const accepted = accept(catalogue, envelope);
    if (typeof accepted !== 'string') return handler(envelope, accepted);
  };
}

/**
 * For an API with no durable work: the work subscription that dead-letters the records the spec
 * rejects (one node reports each), on a bus that carries records from outside this process
 * (Bus.foreignRecords). On the in-process bus there are none to reject: no subscription, and no
 * cost per publish.
 */
export async function deadLetterRejects(bus: Bus, api: ApiName, catalogue: ApiCatalogue): Promise<Subscription[]> {
  return bus.foreignRecords ? [await bus.subscribe(api, 'work', workHandler(catalogue, () => undefined))] : [];
}
