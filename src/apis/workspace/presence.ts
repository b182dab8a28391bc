// Presence: a user is online in a workspace while at least one authenticated socket of theirs is
// connected, on any node. Counts live in the store (per workspace, user and socket id); changes are
// published on the bus as `online-status-updated` to the workspace, so every node's sockets hear
// them through the same fanout delivery as any published event.
import { randomUUID } from 'node:crypto';
import type { ApiCatalogue } from '../../../generated';
import type { Metrics } from '../../metrics';
import type { Bus, Envelope } from '../../ports/bus';
import { PRESENCE_TTL_MS, type Presence as PresenceCounts } from '../../ports/store';
import { checkEnvelope } from '../../envelopes/check-envelope';
import type { OnlineStatus } from './auth';

export const ONLINE_STATUS_UPDATED = 'online-status-updated';

export interface PresenceMember {
  workspaceId: string;
  userId: string;
}

export class Presence {
  /** This node's counted sockets, refreshed in the store well within PRESENCE_TTL_MS. */
  private readonly live = new Map<string, PresenceMember>();
  private readonly refresher: NodeJS.Timeout;

  constructor(
    private readonly deps: { presence: PresenceCounts; bus: Bus; catalogue: ApiCatalogue; metrics: Metrics; onError?: (err: unknown) => void },
  ) {
    this.refresher = setInterval(() => void this.refresh(), PRESENCE_TTL_MS / 3);
    this.refresher.unref();
  }

  /** Counts the socket in; returns the user's socket count in the workspace. */
  up(member: PresenceMember, socketId: string): Promise<number> {
    this.live.set(socketId, member);
    return this.deps.presence.up([member.workspaceId, member.userId], socketId);
  }

  private async refresh(): Promise<void> {
    for (const [socketId, member] of this.live) {
      await this.deps.presence.up([member.workspaceId, member.userId], socketId).catch((err: unknown) => this.deps.onError?.(err));
    }
  }

  stop(): void {
    clearInterval(this.refresher);
  }

  /** Counts the socket out; when it was the user's last one, announces them offline. */
  async down(member: PresenceMember, socketId: string): Promise<void> {
    this.live.delete(socketId);
    const left = await this.deps.presence.down([member.workspaceId, member.userId], socketId);
    if (left === 0) await this.announce(member, 'offline');
  }

  /**
   * The socket takes the place of the user's earlier socket `previousId` (a reconnect): counts that
   * one out. True when it was still counted, i.e. the gateway had not yet seen it close. `count` is
   * the user's count with the new socket in it (what `up` returned).
   */
  async takeOver(member: PresenceMember, previousId: string, count: number): Promise<boolean> {
    this.live.delete(previousId);
    const left = await this.deps.presence.down([member.workspaceId, member.userId], previousId);
    return left === count - 1;
  }

  /** Publishes `online-status-updated {userId, onlineStatus}` to the workspace as record `id`. */
  announce(member: PresenceMember, onlineStatus: OnlineStatus, id: string = randomUUID()): Promise<void> {
    const data = { userId: member.userId, onlineStatus };
    return publishEvent(this.deps, ONLINE_STATUS_UPDATED, { workspaceId: member.workspaceId }, data, id);
  }
}

/** Publishes an event the gateway itself produces, checked like any publish. */
export async function publishEvent(
  deps: { bus: Bus; catalogue: ApiCatalogue; metrics: Metrics },
  message: string,
  to: Record<string, string>,
  data: unknown,
  id: string = randomUUID(),
): Promise<void> {
  const check = checkEnvelope(deps.catalogue, message, to, data);
  if (!check.ok) throw new Error(`workspace: ${message} envelope refused: ${check.error}`);
  const envelope: Envelope = { id, message, to, data };
  await deps.bus.publish('workspace', envelope);
  deps.metrics.eventsPublishedTotal.inc({ api: 'workspace', message });
}
