// The messenger framing rule, driven by the catalogue: an event is `{type: <message name>, event:
// <data>}` (messenger.asyncapi.yaml, channel `callback`): the `const` values of the message's payload
// schema (its `type`), and the data at the message's x-switchyard `data` pointer (`/event` for
// messages the gateway produces itself, like callback_deprecated).
// Nothing here knows a particular message; a new publishable message in the spec just works.
import type { ApiCatalogue, MessageEntry } from '../../../generated';
import { describeErrors } from '../../validation/describe-errors';
import { buildFrame } from '../../envelopes/frame';

/** Where a messenger event's data goes when the catalogue names no pointer. */
export const EVENT_POINTER = '/event';

export type Framed =
  | { ok: true; body: Record<string, unknown>; /** What is POSTed and queued: serialized once. */ serialized: string }
  | { ok: false; errors: string[] };

/** Builds a message's frame around `data` and validates it with the message's generated validator. */
export function frameEvent(entry: MessageEntry, data: unknown): Framed {
  const frame = buildFrame(entry, data, {}, entry.publish?.dataPointer ?? EVENT_POINTER);
  if (!entry.validate(frame)) return { ok: false, errors: describeErrors(entry.validate.errors) };
  return { ok: true, body: frame as Record<string, unknown>, serialized: JSON.stringify(frame) };
}

/** The message a gateway-produced event uses, by name; throws at start-up when the spec lacks it. */
export function messageNamed(catalogue: ApiCatalogue, name: string): MessageEntry {
  const entry = Object.values(catalogue.messages).find((m) => m.name === name && m.direction === 'send');
  if (!entry) throw new Error(`the ${catalogue.api} spec has no "${name}" message to send`);
  return entry;
}
