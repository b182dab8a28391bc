// Sockets grouped by audience key (a store, a game subscription): one prepared frame per broadcast,
// written to every member; a member whose send buffer outgrows the cap is cut off (1013).
import type WebSocket from 'ws';
import { PreparedFrame } from './prepared-frame';

export const CLOSE_TRY_AGAIN_LATER = 1013;
const TERMINATE_AFTER_CLOSE_MS = 1_000;

/** The members of one key; it knows its key, so a socket's membership can point at the shared group. */
class Group extends Set<WebSocket> {
  constructor(readonly key: string) {
    super();
  }
}

export class SocketGroups {
  private readonly groups = new Map<string, Group>();
  /**
   * The groups each socket is in, to leave them all on close: the group itself while a socket is in
   * one (the usual case: one store, one subscription), a Set from the second on. Kept lean because
   * it is per connection: nothing is allocated for a socket's first group.
   */
  private readonly memberships = new Map<WebSocket, Group | Set<Group>>();

  constructor(
    private readonly maxBufferedBytes: number,
    private readonly onSlowConsumer: (ws: WebSocket) => void,
  ) {}

  add(key: string, ws: WebSocket): void {
    let group = this.groups.get(key);
    if (!group) this.groups.set(key, (group = new Group(key)));
    group.add(ws);
    const joined = this.memberships.get(ws);
    if (joined === undefined) {
      this.memberships.set(ws, group);
    } else if (joined instanceof Group) {
      if (joined !== group) this.memberships.set(ws, new Set([joined, group]));
    } else {
      joined.add(group);
    }
  }

  has(key: string, ws: WebSocket): boolean {
    return this.groups.get(key)?.has(ws) ?? false;
  }

  size(key: string): number {
    return this.groups.get(key)?.size ?? 0;
  }

  /** Writes the frame to every member of the group; returns how many got it. */
  broadcast(key: string, frame: PreparedFrame): number {
    const group = this.groups.get(key);
    if (!group) return 0;
    let sent = 0;
    for (const ws of group) {
      frame.writeTo(ws);
      sent++;
      if (ws.bufferedAmount > this.maxBufferedBytes) this.cutOff(ws);
    }
    return sent;
  }

  /** A consumer that cannot keep up is closed rather than buffered without bound. */
  private cutOff(ws: WebSocket): void {
    this.remove(ws);
    this.onSlowConsumer(ws);
    ws.close(CLOSE_TRY_AGAIN_LATER, 'Slow consumer');
    // The close frame waits behind the unread backlog: don't wait for a handshake that may never come.
    setTimeout(() => ws.terminate(), TERMINATE_AFTER_CLOSE_MS).unref();
  }

  /**
   * Leaves every group. The owner calls it from the socket's 'close' listener: one listener per
   * socket for all its bookkeeping, since each further 'close' listener costs the socket an array.
   */
  remove(ws: WebSocket): void {
    const joined = this.memberships.get(ws);
    if (joined === undefined) return;
    this.memberships.delete(ws);
    for (const group of joined instanceof Group ? [joined] : joined) {
      group.delete(ws);
      if (group.size === 0) this.groups.delete(group.key);
    }
  }
}
