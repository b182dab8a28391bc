// Sockets grouped by audience key (a store, a game subscription): one prepared frame per broadcast,
// written to every member; a member whose send buffer outgrows its budget is cut off (send-budget.ts).
import type WebSocket from 'ws';
import type { PreparedFrame } from './prepared-frame';
import type { SendBudget } from './send-budget';
import { endDeliver, startDeliver } from '../tracing/spans';

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

  constructor(private readonly budget: SendBudget) {}

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

  /** How many groups `ws` is in. */
  countOf(ws: WebSocket): number {
    const joined = this.memberships.get(ws);
    if (joined === undefined) return 0;
    return joined instanceof Group ? 1 : joined.size;
  }

  size(key: string): number {
    return this.groups.get(key)?.size ?? 0;
  }

  /** Every group's key and member count, read live (the console's connections overview). */
  *sizes(): IterableIterator<[string, number]> {
    for (const [key, group] of this.groups) yield [key, group.size];
  }

  /** Writes the frame to every member of the group; returns how many got it. */
  broadcast(key: string, frame: PreparedFrame): number {
    const group = this.groups.get(key);
    if (!group) return 0;
    const span = startDeliver(key);
    let sent = 0;
    for (const ws of group) {
      frame.writeTo(ws);
      sent++;
      if (this.budget.check(ws)) this.remove(ws); // it hears nothing more while it closes
    }
    if (span) endDeliver(span, sent);
    return sent;
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
