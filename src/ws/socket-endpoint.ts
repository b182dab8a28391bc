// One raw WebSocket endpoint of an API (games, pizza, the spec-only APIs), written once: the ws
// server on the shared HTTP port, its upgrade route, the heartbeat, the socket groups with their
// send budget, the per-socket bookkeeping, the auth deadline, and an orderly stop. The API adds only
// what is its own: how a socket authenticates, which groups it joins, what its frames mean.
import type { IncomingMessage, Server } from 'node:http';
import WebSocket, { WebSocketServer } from 'ws';
import type { Config } from '../config';
import type { ConnectionLimits, RealtimeApi } from '../limits/connection-limits';
import { FULL_BUCKET, RateLimit, REFUSED } from '../limits/token-bucket';
import type { Metrics } from '../metrics';
import { AuthDeadline, CLOSE_POLICY_VIOLATION } from './auth-deadline';
import { Heartbeat } from './heartbeat';
import { SendBudget } from './send-budget';
import { SocketBookkeeping } from './socket-bookkeeping';
import { SocketGroups } from './socket-groups';
import { routeUpgrades } from './upgrade-router';

export type EndpointSettings = Pick<
  Config,
  'wsMaxFrameBytes' | 'wsMaxBufferedBytes' | 'wsPingIntervalMs' | 'wsPongTimeoutMs' | 'wsAuthTimeoutMs' | 'wsMessageRate' | 'wsMessageBurst'
>;

/** What an endpoint needs of the gateway node (a GatewayContext is one). */
export interface EndpointDeps {
  readonly config: EndpointSettings;
  readonly metrics: Metrics;
  readonly connections: ConnectionLimits;
}

/** Past the message rate on an API whose clients send nothing: it has no error frame, so the socket closes 1008. */
export const TOO_MANY_MESSAGES = 'Too many messages';

export class SocketEndpoint {
  readonly budget: SendBudget;
  readonly groups: SocketGroups;
  readonly heartbeat: Heartbeat;
  readonly authDeadline: AuthDeadline;
  private wss: WebSocketServer | undefined;
  private readonly bookkeeping: SocketBookkeeping;

  constructor(
    private readonly deps: EndpointDeps,
    readonly api: RealtimeApi,
    readonly path: string,
  ) {
    const { config, metrics } = deps;
    this.budget = new SendBudget(config.wsMaxBufferedBytes, () => metrics.slowConsumersClosedTotal.inc({ api }));
    this.groups = new SocketGroups(this.budget);
    this.heartbeat = new Heartbeat(config.wsPingIntervalMs, config.wsPongTimeoutMs);
    this.authDeadline = new AuthDeadline(config.wsAuthTimeoutMs, () => metrics.limitsHitTotal.inc({ api, limit: 'auth_timeout' }));
    this.bookkeeping = new SocketBookkeeping(api, metrics, deps.connections, this.heartbeat, this.groups, ['message']);
  }

  /**
   * Serves upgrades of `path`. Each socket is counted, watched by the heartbeat from its upgrade
   * on, then handed to `connected` (which adds its one 'message' listener). The heartbeat knows
   * every socket, so ws need not track them too: no `clients` entry and no second 'close' listener.
   */
  start(server: Server, connected: (ws: WebSocket, req: IncomingMessage) => void): void {
    const { config, metrics, connections } = this.deps;
    this.wss = new WebSocketServer({ noServer: true, clientTracking: false, maxPayload: config.wsMaxFrameBytes, perMessageDeflate: false });
    this.wss.on('connection', (ws, req) => {
      this.bookkeeping.opened(ws);
      this.heartbeat.watch(ws);
      connected(ws, req);
    });
    routeUpgrades(server, this.path, { api: this.api, wss: this.wss }, connections, metrics);
  }

  /**
   * The 'message' listener of an API whose clients send nothing: frames are ignored but still
   * count against the message rate. A socket gets its bucket at its first frame, and one listener
   * serves every socket (called with the socket as `this`).
   */
  ignoredFrames(): (this: WebSocket) => void {
    const { config, metrics } = this.deps;
    const api = this.api;
    const rateLimit = new RateLimit(config.wsMessageRate, config.wsMessageBurst);
    const buckets = new WeakMap<WebSocket, number>();
    return function (this: WebSocket) {
      const taken = rateLimit.take(buckets.get(this) ?? FULL_BUCKET);
      if (taken !== REFUSED) buckets.set(this, taken);
      if (taken !== REFUSED || this.readyState !== WebSocket.OPEN) return;
      metrics.limitsHitTotal.inc({ api, limit: 'message_rate' });
      this.close(CLOSE_POLICY_VIOLATION, TOO_MANY_MESSAGES);
    };
  }

  /** Answers every socket with 1001 and awaits its closing handshake (ws bounds the wait). */
  async stop(): Promise<void> {
    this.heartbeat.stop();
    const open = [...this.heartbeat.sockets()];
    const closed = open.map((ws) => new Promise<void>((resolve) => ws.once('close', () => resolve())));
    for (const ws of open) ws.close(1001, 'Server shutting down');
    await Promise.all(closed);
    await new Promise<void>((resolve) => (this.wss ? this.wss.close(() => resolve()) : resolve()));
  }
}
