// Delivery of published workspace events, driven by the catalogue: the socket.io event is the
// message `name`, the payload is `data` at the message's data pointer, the rooms follow from the
// envelope's audience key. Two bus consumers:
// - fanout (every node): validate, route to rooms, emit once per broadcast to this node's sockets;
// - work (one node per record): the shared channel bookkeeping in the store, written exactly once.
import type { Server } from 'socket.io';
import type { ApiCatalogue } from '../../../generated';
import type { Logger } from '../../log';
import type { Metrics } from '../../metrics';
import type { Envelope, EnvelopeHandler } from '../../ports/bus';
import type { KeyValue } from '../../ports/store';
import { checkEnvelope } from '../../envelopes/check-envelope';
import { workHandler as validatedWorkHandler } from '../../envelopes/validated';
import { buildFrame } from '../../envelopes/frame';
import { sendable } from '../../envelopes/sendable';
import { audienceRooms, type ChannelDirectory } from './rooms';
import { endDeliver, startDeliver } from '../../tracing/spans';

export const CHANNEL_CREATED = 'channel-created';
export const CHANNEL_DELETED = 'channel-deleted';

/** The channel id a bookkeeping message carries (its schema requires it). */
const channelIdOf = (data: unknown): string => String((data as { channelId: string }).channelId);

export interface FanoutDeps {
  catalogue: ApiCatalogue;
  io: Server;
  channels: ChannelDirectory;
  metrics: Metrics;
  log: Logger;
  /** Called after each broadcast with the byte size of its frame (flow control, flow.ts). */
  broadcast(frameBytes: number): void;
  /** Called when this node is done with a record (deliveries.ts). */
  delivered(id: string): void;
  /**
   * A channel selection of socket `socketId` of user `userId` (`user-selected-channel`: channelId;
   * `user-unselected-channel`: undefined, and the channel it left).
   */
  selection(socketId: string, userId: string, channelId: string | undefined, unselected?: string): void;
}

export const USER_SELECTED_CHANNEL = 'user-selected-channel';
export const USER_UNSELECTED_CHANNEL = 'user-unselected-channel';

/** A selection event's socket, user and channel, when it names a socket (`socketId` is optional). */
function selectionOf(data: unknown): { socketId: string; userId: string; channelId: string } | undefined {
  const { socketId, userId, channelId } = data as { socketId?: string; userId: string; channelId: string };
  return socketId === undefined ? undefined : { socketId, userId, channelId };
}

/**
 * How many sockets of this node are in the union of `rooms`. The largest room is counted by its
 * size, so a broadcast to one room costs nothing per recipient; only the other rooms are walked.
 */
export function countRecipients(rooms: ReadonlyMap<string, ReadonlySet<string>>, names: readonly string[]): number {
  const sets = names
    .map((name) => rooms.get(name))
    .filter((s): s is ReadonlySet<string> => s !== undefined)
    .sort((a, b) => b.size - a.size);
  let count = sets[0]?.size ?? 0;
  for (let i = 1; i < sets.length; i++) {
    for (const id of sets[i]) {
      let seen = false;
      for (let j = 0; j < i && !seen; j++) seen = sets[j].has(id);
      if (!seen) count += 1;
    }
  }
  return count;
}

export function fanoutHandler(deps: FanoutDeps): EnvelopeHandler {
  const deliver = fanout(deps);
  return async (envelope: Envelope) => {
    try {
      await deliver(envelope);
    } finally {
      deps.delivered(envelope.id);
    }
  };
}

function fanout(deps: FanoutDeps): EnvelopeHandler {
  const { catalogue, io, channels, metrics, log, broadcast } = deps;
  return async (envelope: Envelope) => {
    const check = checkEnvelope(catalogue, envelope.message, envelope.to ?? {}, envelope.data);
    if (!check.ok) {
      log.warn({ id: envelope.id, message: envelope.message, error: check.error }, 'workspace: dropping an invalid record');
      return;
    }
    const { entry, key, value } = check;
    // This node's view of channel ownership, in stream order (see ChannelDirectory).
    if (key === 'workspaceId' && entry.name === CHANNEL_CREATED) channels.created(channelIdOf(envelope.data), value);
    if (key === 'workspaceId' && entry.name === CHANNEL_DELETED) channels.deleted(channelIdOf(envelope.data), value);
    // Which channel a socket of this node has selected (its `conversation-broadcast` goes there).
    const selected = entry.name === USER_SELECTED_CHANNEL || entry.name === USER_UNSELECTED_CHANNEL ? selectionOf(envelope.data) : undefined;
    if (selected) {
      const { socketId, userId, channelId } = selected;
      if (entry.name === USER_SELECTED_CHANNEL) deps.selection(socketId, userId, channelId);
      else deps.selection(socketId, userId, undefined, channelId);
    }

    const frame = buildFrame(entry, envelope.data);
    if (!sendable(deps, 'workspace', entry, frame, { id: envelope.id })) return; // once per broadcast, never per recipient
    const rooms = await audienceRooms(key, value, channels);
    const adapterRooms = io.of('/').adapter.rooms;
    if (!rooms.some((room) => adapterRooms.has(room))) return;
    // One broadcast: socket.io encodes the packet once and writes it to every socket of the union.
    const span = startDeliver(rooms);
    io.local.to(rooms).emit(entry.name, frame);
    // An estimate (socket.io adds the event name and a few bytes of framing): close enough to pace sweeps.
    broadcast(Buffer.byteLength(JSON.stringify(frame) ?? ''));
    metrics.eventsDeliveredTotal.inc({ api: 'workspace', message: entry.name }, countRecipients(adapterRooms, rooms));
    if (span) endDeliver(span, countRecipients(adapterRooms, rooms));
  };
}

/** Channel bookkeeping in the shared store: one write per record, whichever node handles it. */
export function channelBookkeeping(deps: { catalogue: ApiCatalogue; channels: KeyValue<string> }): EnvelopeHandler {
  const { catalogue, channels } = deps;
  // Every record is checked (a rejected one is dead-lettered); only channel events change anything.
  return validatedWorkHandler(catalogue, async (envelope, check) => {
    if (envelope.message !== CHANNEL_CREATED && envelope.message !== CHANNEL_DELETED) return;
    if (check.key !== 'workspaceId') return;
    const channelId = channelIdOf(envelope.data);
    if (envelope.message === CHANNEL_CREATED) {
      await channels.set(channelId, check.value);
    } else if ((await channels.get(channelId)) === check.value) {
      // Only the owning workspace deletes its channel (not atomic: a concurrent re-create of the
      // same id by another workspace could be lost; channel ids are unique in practice).
      await channels.delete(channelId);
    }
  });
}
