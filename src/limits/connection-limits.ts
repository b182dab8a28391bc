// How many realtime connections (games, pizza, workspace) this node holds, in total and per client
// address. A connection is counted in when its handshake is accepted and out when it closes; one
// over a limit is refused before it is upgraded, so it never holds more than its handshake.
import type { IncomingMessage } from 'node:http';
import type { Metrics } from '../metrics';
import { ClientAddress } from './client-address';

export type RealtimeApi = 'games' | 'pizza' | 'workspace';

export interface Refusal {
  /** What a WebSocket upgrade is answered with: 503 when the node is full, 429 for one address. */
  status: 429 | 503;
  limit: 'connections' | 'connections_per_ip';
  message: string;
}

export interface ConnectionLimitSettings {
  maxConnections: number;
  maxConnectionsPerIp: number;
  trustedProxies: readonly string[];
}

export class ConnectionLimits {
  private readonly addresses: ClientAddress;
  private total = 0;
  private readonly perAddress = new Map<string, number>();
  /** The address each open connection was counted under (a socket, or an engine.io connection). */
  private readonly held = new Map<object, string>();

  constructor(
    private readonly settings: ConnectionLimitSettings,
    private readonly metrics: Metrics,
  ) {
    this.addresses = new ClientAddress(settings.trustedProxies);
  }

  get open(): number {
    return this.total;
  }

  /** The node's limit in force (WS_MAX_CONNECTIONS, or its default for this process). */
  get max(): number {
    return this.settings.maxConnections;
  }

  addressOf(req: IncomingMessage): string {
    return this.addresses.of(req);
  }

  /** Why a new connection from `address` would be refused now (counted as a hit), or undefined. */
  refusal(api: RealtimeApi, address: string): Refusal | undefined {
    let refusal: Refusal | undefined;
    if (this.total >= this.settings.maxConnections) {
      refusal = { status: 503, limit: 'connections', message: 'Too many connections, try again later' };
    } else if ((this.perAddress.get(address) ?? 0) >= this.settings.maxConnectionsPerIp) {
      refusal = { status: 429, limit: 'connections_per_ip', message: 'Too many connections from this address' };
    }
    if (refusal) this.metrics.limitsHitTotal.inc({ api, limit: refusal.limit });
    return refusal;
  }

  /** Counts `conn` in under `address` (after `refusal` said yes). */
  hold(conn: object, address: string): void {
    if (this.held.has(conn)) return;
    this.held.set(conn, address);
    this.total += 1;
    this.perAddress.set(address, (this.perAddress.get(address) ?? 0) + 1);
  }

  /** Counts `conn` out; call once it has closed (a second call does nothing). */
  release(conn: object): void {
    const address = this.held.get(conn);
    if (address === undefined) return;
    this.held.delete(conn);
    this.total -= 1;
    const left = (this.perAddress.get(address) ?? 1) - 1;
    if (left === 0) this.perAddress.delete(address);
    else this.perAddress.set(address, left);
  }
}
