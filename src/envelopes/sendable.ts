// The one validate-before-send of every API: a frame the gateway is about to send (a broadcast, a
// reply, an error, a webhook body) is checked against its spec message. One that breaks the spec is
// the gateway's fault (or a handler's, a back-end's, stored data's), never the client's: it is not
// sent, and it is logged once and counted, so that a spec and the code that fills it cannot drift
// apart unnoticed.
import type { MessageEntry } from '../../generated';
import type { Logger } from '../log';
import type { Metrics } from '../metrics';
import { describeErrors } from '../validation/describe-errors';

export interface SendableDeps {
  readonly log: Logger;
  readonly metrics: Metrics;
}

/**
 * True when `frame` is a valid `entry` message and may be sent. Otherwise false, with one error log
 * line (api, message id, the described errors and `context`, e.g. the envelope id; never the frame,
 * which may hold a user's data) and `outgoing_invalid_total{api, message}` counted.
 */
export function sendable(deps: SendableDeps, api: string, entry: MessageEntry, frame: unknown, context: Readonly<Record<string, unknown>> = {}): boolean {
  if (entry.validate(frame)) return true;
  deps.metrics.outgoingInvalidTotal.inc({ api, message: entry.id });
  deps.log.error({ ...context, api, message: entry.id, errors: describeErrors(entry.validate.errors) }, 'refusing to send a frame that breaks the spec');
  return false;
}
