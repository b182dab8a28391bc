// How many realtime connections (WebSocket and socket.io, of every API) this node holds, in total and per client
// address. A connection is counted in when its handshake is accepted and out when it closes; one
// over a limit is refused before it is upgraded, so it never holds more than its handshake.
import type { IncomingMessage } from 'node:http';
import type { ApiName } from '../../generated';
import type { Metrics } from '../metrics';
import { ClientAddress, limitKey } from './client-address';

/** Any API on the bus may have sockets (its spec says which). */
export type RealtimeApi = ApiName;

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

/** The open connections of one client address. */
interface AddressCount {
  readonly address: string;
  open: number;
}

export class ConnectionLimits {
  private readonly addresses: ClientAddress;
  private total = 0;
  private readonly perAddress = new Map<string, AddressCount>();
  /**
   * The count each open connection (a socket, or an engine.io connection) is held under: shared by
   * every connection of that address, so a connection costs one map entry and no string of its own.
   */
  private readonly held = new Map<object, AddressCount>();

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

  /** The client `req` is counted under: its address (behind trusted proxies, the forwarded one), an IPv6 one by its /64. */
  addressOf(req: IncomingMessage): string {
    return limitKey(this.addresses.of(req));
  }

  /** Why a new connection from `address` would be refused now (counted as a hit), or undefined. */
  refusal(api: RealtimeApi, address: string): Refusal | undefined {
    let refusal: Refusal | undefined;
    if (this.total >= this.settings.maxConnections) {
      refusal = { status: 503, limit: 'connections', message: 'Too many connections, try again later' };
    } else if ((this.perAddress.get(address)?.open ?? 0) >= this.settings.maxConnectionsPerIp) {
      refusal = { status: 429, limit: 'connections_per_ip', message: 'Too many connections from this address' };
    }
    if (refusal) this.metrics.limitsHitTotal.inc({ api, limit: refusal.limit });
    return refusal;
  }

  /** Counts `conn` in under `address` (after `refusal` said yes). */
  hold(conn: object, address: string): void {
    if (this.held.has(conn)) return;
    let count = this.perAddress.get(address);
    if (!count) this.perAddress.set(address, (count = { address, open: 0 }));
    count.open += 1;
    this.held.set(conn, count);
    this.total += 1;
  }

  /** Counts `conn` out; call once it has closed (a second call does nothing). */
  release(conn: object): void {
    const count = this.held.get(conn);
    if (count === undefined) return;
    this.held.delete(conn);
    this.total -= 1;
    if (--count.open === 0) this.perAddress.delete(count.address);
  }
}
