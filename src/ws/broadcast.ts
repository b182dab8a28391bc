// The one broadcast path of the raw WebSocket APIs: a published envelope the spec accepts -> the
// group its audience names -> the frame the spec describes -> validated once -> serialized once
// (PreparedFrame) -> written to every socket of the group -> counted. Nothing is built for a group
// no socket of this node is in.
import type { ApiCatalogue } from '../../generated';
import type { EnvelopeHandler } from '../ports/bus';
import type { AcceptedEnvelope } from '../envelopes/check-envelope';
import { buildFrame } from '../envelopes/frame';
import { sendable, type SendableDeps } from '../envelopes/sendable';
import { fanoutHandler } from '../envelopes/validated';
import { PreparedFrame } from './prepared-frame';
import type { SocketGroups } from './socket-groups';

/** Where an accepted envelope goes: the group, and values the API's framing adds (by JSON pointer). */
export interface BroadcastTarget {
  group: string;
  extra?: Readonly<Record<string, unknown>>;
}

/**
 * The bus `fanout` handler of an API: `target` names the group of an accepted envelope (undefined:
 * nobody on any node can be in it, e.g. an audience value the spec's type excludes).
 */
export function broadcastHandler(
  deps: SendableDeps,
  api: string,
  catalogue: ApiCatalogue,
  groups: SocketGroups,
  target: (accepted: AcceptedEnvelope) => BroadcastTarget | undefined,
): EnvelopeHandler {
  return fanoutHandler(catalogue, (envelope, accepted) => {
    const to = target(accepted);
    if (!to || groups.size(to.group) === 0) return;
    const frame = buildFrame(accepted.entry, envelope.data, to.extra);
    if (!sendable(deps, api, accepted.entry, frame, { id: envelope.id })) return;
    const sent = groups.broadcast(to.group, new PreparedFrame(JSON.stringify(frame)));
    deps.metrics.eventsDeliveredTotal.inc({ api, message: envelope.message }, sent);
  });
}
