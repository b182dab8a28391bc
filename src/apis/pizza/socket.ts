// `/ws?key=<ticket>` (pizza-ticket-websocket.md): upgrade first, then check the one-off ticket;
// sockets are grouped per store and hear only that store's CREATE_PIZZA / ACCEPT_PIZZA frames.
import type { IncomingMessage, Server } from 'node:http';
import WebSocket, { WebSocketServer } from 'ws';
import type { GatewayContext } from '../../gateway/context';
import type { Subscription } from '../../ports/bus';
import { buildFrame } from '../../routing/frame';
import { fanoutHandler, workHandler } from '../../routing/validated';
import { describeErrors } from '../../validation/describe-errors';
import { FULL_BUCKET, RateLimit, REFUSED } from '../../limits/token-bucket';
import { AuthDeadline, CLOSE_POLICY_VIOLATION } from '../../ws/auth-deadline';
import { Heartbeat } from '../../ws/heartbeat';
import { PreparedFrame } from '../../ws/prepared-frame';
import { SendBudget } from '../../ws/send-budget';
import { SocketGroups } from '../../ws/socket-groups';
import { SocketBookkeeping } from '../../ws/socket-bookkeeping';
import { routeUpgrades } from '../../ws/upgrade-router';
import { requestTarget } from '../../http/request-target';

export const CLOSE_BAD_KEY = 4001;
export const EMPTY_KEY = 'Connection key cannot be empty';
export const WRONG_KEY = 'Wrong connection key.';
/** Past the message rate (a limit of this gateway): the API has no error frame, so the socket closes 1008. */
export const TOO_MANY_MESSAGES = 'Too many messages';

const storeGroup = (storeId: string | number) => `store:${storeId}`;

export class PizzaSockets {
  private wss: WebSocketServer | undefined;
  private heartbeat: Heartbeat | undefined;
  private readonly subscriptions: Subscription[] = [];
  private readonly groups: SocketGroups;
  private readonly authDeadline: AuthDeadline;

  /**
   * Client frames carry nothing (the document defines none) but still count against the message
   * rate. Clients are not expected to send any, so a socket gets its bucket at its first frame, and
   * one shared listener serves every socket (called with the socket as `this`).
   */
  private readonly onMessage: (this: WebSocket) => void;

  constructor(private readonly ctx: GatewayContext) {
    const { config, metrics } = ctx;
    this.groups = new SocketGroups(new SendBudget(config.wsMaxBufferedBytes, () => metrics.slowConsumersClosedTotal.inc({ api: 'pizza' })));
    ctx.audiences.register('pizza', 'sockets', () => this.groups.sizes());
    this.authDeadline = new AuthDeadline(config.wsAuthTimeoutMs, () => metrics.limitsHitTotal.inc({ api: 'pizza', limit: 'auth_timeout' }));
    const rateLimit = new RateLimit(config.wsMessageRate, config.wsMessageBurst);
    const buckets = new WeakMap<WebSocket, number>();
    this.onMessage = function (this: WebSocket) {
      const taken = rateLimit.take(buckets.get(this) ?? FULL_BUCKET);
      if (taken !== REFUSED) buckets.set(this, taken);
      if (taken !== REFUSED || this.readyState !== WebSocket.OPEN) return;
      metrics.limitsHitTotal.inc({ api: 'pizza', limit: 'message_rate' });
      this.close(CLOSE_POLICY_VIOLATION, TOO_MANY_MESSAGES);
    };
  }

  async start(server: Server): Promise<void> {
    const { config, bus, metrics } = this.ctx;
    this.wss = new WebSocketServer({ noServer: true, maxPayload: config.wsMaxFrameBytes, perMessageDeflate: false });
    this.heartbeat = new Heartbeat(config.wsPingIntervalMs, config.wsPongTimeoutMs);
    const bookkeeping = new SocketBookkeeping('pizza', metrics, this.ctx.connections, this.heartbeat, this.groups, ['message']);
    this.wss.on('connection', (ws, req) => {
      bookkeeping.opened(ws);
      ws.on('message', this.onMessage);
      void this.admit(ws, req);
    });
    routeUpgrades(server, '/ws', { api: 'pizza', wss: this.wss }, this.ctx.connections, metrics);
    const catalogue = this.ctx.catalogues.pizza;
    this.subscriptions.push(
      await bus.subscribe('pizza', 'fanout', fanoutHandler(catalogue, (envelope, { entry, value }) => {
        if (this.groups.size(storeGroup(value)) === 0) return;
        const frame = buildFrame(entry, envelope.data);
        if (!entry.validate(frame)) {
          return this.ctx.log.error({ id: envelope.id, errors: describeErrors(entry.validate.errors) }, 'pizza: frame breaks the spec');
        }
        const sent = this.groups.broadcast(storeGroup(value), new PreparedFrame(JSON.stringify(frame)));
        metrics.eventsDeliveredTotal.inc({ api: 'pizza', message: envelope.message }, sent);
      })),
      // Pizza has no durable work, but one node must still dead-letter records the spec rejects.
      await bus.subscribe('pizza', 'work', workHandler(catalogue, () => undefined)),
    );
  }

  private async admit(ws: WebSocket, req: IncomingMessage): Promise<void> {
    const key = requestTarget(req.url).query.get('key');
    if (!key) return ws.close(CLOSE_BAD_KEY, EMPTY_KEY);
    // A ticket check that does not finish in time (a stalled store) does not hold the socket open.
    const deadline = this.authDeadline.start(ws);
    const grant = await this.ctx.store.takeTicket(key).catch(() => undefined);
    clearTimeout(deadline);
    if (ws.readyState !== WebSocket.OPEN) return;
    if (!grant) return ws.close(CLOSE_BAD_KEY, WRONG_KEY);
    this.groups.add(storeGroup(grant.store_id), ws);
    this.heartbeat!.watch(ws);
  }

  async stop(): Promise<void> {
    for (const s of this.subscriptions) await s.close();
    this.heartbeat?.stop();
    for (const ws of this.wss?.clients ?? []) ws.close(1001, 'Server shutting down');
    await new Promise<void>((resolve) => (this.wss ? this.wss.close(() => resolve()) : resolve()));
  }
}
