// Rooms of the workspace API and the audience -> rooms mapping (DESIGN.md "Workspace channel rooms").
// A socket joins `workspace:<id>`, `user:<sub>` and `channel:<id>` for each id of its `channels`
// claim. An event published `to: {channelId}` reaches that channel's room plus the workspace room of
// the workspace that owns the channel (the one whose `channel-created` announced it).
import type { Claims } from '../../auth/authenticator';
import type { KeyValue } from '../../ports/store';

export const workspaceRoom = (workspaceId: string): string => `workspace:${workspaceId}`;
export const userRoom = (userId: string): string => `user:${userId}`;
export const channelRoom = (channelId: string): string => `channel:${channelId}`;

/** The rooms a socket authenticated as `claims` in `workspaceId` joins. */
export function roomsOf(claims: Claims, workspaceId: string): string[] {
  const rooms = new Set([workspaceRoom(workspaceId), userRoom(claims.sub)]);
  for (const channelId of claims.channels ?? []) rooms.add(channelRoom(channelId));
  return [...rooms];
}

type Known = { live: string } | { dead: string };

/**
 * Which workspace owns a channel. The shared truth is the store, written exactly once per record by
 * the bus `work` consumer (deliver.ts). That write races with live delivery (fanout and work are
 * separate consumers), so each node also remembers what it has itself seen on its fanout stream, in
 * stream order: a channel event published right after its `channel-created` is then routed to the
 * workspace even if the store write has not landed yet. Bounded; an evicted entry falls back to
 * the store.
 */
export class ChannelDirectory {
  private readonly seen = new Map<string, Known>();

  constructor(
    private readonly store: Pick<KeyValue<string>, 'get'>,
    private readonly capacity = 10_000,
  ) {}

  /** `channel-created` seen on this node's stream. */
  created(channelId: string, workspaceId: string): void {
    this.remember(channelId, { live: workspaceId });
  }

  /** `channel-deleted` seen on this node's stream (published to `workspaceId`). */
  deleted(channelId: string, workspaceId: string): void {
    const known = this.seen.get(channelId);
    if (known && 'live' in known && known.live !== workspaceId) return; // not that workspace's channel
    this.remember(channelId, { dead: workspaceId });
  }

  async owner(channelId: string): Promise<string | undefined> {
    const known = this.seen.get(channelId);
    if (known && 'live' in known) return known.live;
    const stored = await this.store.get(channelId);
    // A deletion this node saw beats a store that has not caught up with it yet.
    if (known && 'dead' in known && stored === known.dead) return undefined;
    return stored;
  }

  private remember(channelId: string, known: Known): void {
    this.seen.delete(channelId); // re-insert: Map order is the eviction order
    this.seen.set(channelId, known);
    if (this.seen.size > this.capacity) this.seen.delete(this.seen.keys().next().value as string);
  }
}

/** The rooms an envelope's audience key reaches. Keys come from the catalogue's `publish.audience`. */
export async function audienceRooms(key: string, value: string, channels: ChannelDirectory): Promise<string[]> {
  switch (key) {
    case 'workspaceId':
      return [workspaceRoom(value)];
    case 'userId':
      return [userRoom(value)];
    case 'channelId': {
      const owner = await channels.owner(value);
      return owner === undefined ? [channelRoom(value)] : [channelRoom(value), workspaceRoom(owner)];
    }
    default:
      throw new Error(`workspace: no room for audience key "${key}"`);
  }
}
