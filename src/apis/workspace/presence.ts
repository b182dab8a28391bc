// Presence: a user is online in a workspace while at least one authenticated socket of theirs is
// connected, on any node. Counts live in the store (per workspace, user and socket id); changes are
// published on the bus as `online-status-updated` to the workspace, so every node's sockets hear
// them through the same fanout delivery as any published event.
import { randomUUID } from 'node:crypto';
import type { ApiCatalogue } from '../../../generated';
import type { Metrics } from '../../metrics';
import type { Bus, Envelope } from '../../ports/bus';
import { PRESENCE_TTL_MS, type Store } from '../../ports/store';
import { checkEnvelope } from '../../routing/check-envelope';
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
    private readonly deps: { store: Store; bus: Bus; catalogue: ApiCatalogue; metrics: Metrics; onError?: (err: unknown) => void },
  ) {
    this.refresher = setInterval(() => void this.refresh(), PRESENCE_TTL_MS / 3);
    this.refresher.unref();
  }

  /** Counts the socket in; returns the user's socket count in the workspace. */
  up(member: PresenceMember, socketId: string): Promise<number> {
    this.live.set(socketId, member);
    return this.deps.store.presenceUp(member.workspaceId, member.userId, socketId);
  }

  private async refresh(): Promise<void> {
    for (const [socketId, member] of this.live) {
      await this.deps.store.presenceUp(member.workspaceId, member.userId, socketId).catch((err: unknown) => this.deps.onError?.(err));
    }
  }

  stop(): void {
    clearInterval(this.refresher);
  }

  /** Counts the socket out; when it was the user's last one, announces them offline. */
  async down(member: PresenceMember, socketId: string): Promise<void> {
    this.live.delete(socketId);
    const left = await this.deps.store.presenceDown(member.workspaceId, member.userId, socketId);
    if (left === 0) await this.announce(member, 'offline');
  }

  /** Publishes `online-status-updated {userId, onlineStatus}` to the workspace. */
  async announce(member: PresenceMember, onlineStatus: OnlineStatus): Promise<void> {
    const { bus, catalogue, metrics } = this.deps;
    const to = { workspaceId: member.workspaceId };
    const data = { userId: member.userId, onlineStatus };
    const check = checkEnvelope(catalogue, ONLINE_STATUS_UPDATED, to, data);
    if (!check.ok) throw new Error(`workspace: presence envelope refused: ${check.error}`);
    const envelope: Envelope = { id: randomUUID(), message: ONLINE_STATUS_UPDATED, to, data };
    await bus.publish('workspace', envelope);
    metrics.eventsPublishedTotal.inc({ api: 'workspace', message: ONLINE_STATUS_UPDATED });
  }
}
