// The messenger framing rule, driven by the catalogue: an event is `{type: <message name>, event:
// <data>}` (messenger.asyncapi.yaml, channel `callback`): the `const` values of the message's payload
// schema (its `type`), and the data at the message's x-switchyard `data` pointer (`/event` for
// messages the gateway produces itself, like callback_deprecated).
// Nothing here knows a particular message; a new publishable message in the spec just works.
import type { ApiCatalogue, MessageEntry } from '../../../generated';
import { buildFrame } from '../../envelopes/frame';
import { sendable, type SendableDeps } from '../../envelopes/sendable';

/** Where a messenger event's data goes when the catalogue names no pointer. */
export const EVENT_POINTER = '/event';

export interface Framed {
  body: Record<string, unknown>;
  /** What is POSTed and queued: serialized once. */
  serialized: string;
}

/** A message's frame around `data` (not validated: see sendableEvent). */
export function frameEvent(entry: MessageEntry, data: unknown): Framed {
  const body = buildFrame(entry, data, {}, entry.publish?.dataPointer ?? EVENT_POINTER) as Record<string, unknown>;
  return { body, serialized: JSON.stringify(body) };
}

/**
 * The frame the gateway POSTs or queues, if the spec accepts it; undefined when it breaks the
 * message schema (not sent; logged with `context` and counted by envelopes/sendable.ts).
 */
export function sendableEvent(deps: SendableDeps, entry: MessageEntry, data: unknown, context: Record<string, unknown>): Framed | undefined {
  const framed = frameEvent(entry, data);
  return sendable(deps, 'messenger', entry, framed.body, context) ? framed : undefined;
}

/** The message a gateway-produced event uses, by name; throws at start-up when the spec lacks it. */
export function messageNamed(catalogue: ApiCatalogue, name: string): MessageEntry {
  const entry = Object.values(catalogue.messages).find((m) => m.name === name && m.direction === 'send');
  if (!entry) throw new Error(`the ${catalogue.api} spec has no "${name}" message to send`);
  return entry;
}
