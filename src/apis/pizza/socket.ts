// `/ws?key=<ticket>` (pizza-ticket-websocket.md): upgrade first, then check the one-off ticket;
// sockets are grouped per store and hear only that store's CREATE_PIZZA / ACCEPT_PIZZA frames.
import type { IncomingMessage, Server } from 'node:http';
import WebSocket, { WebSocketServer } from 'ws';
import type { GatewayContext } from '../../gateway/context';
import type { Subscription } from '../../ports/bus';
import { buildFrame } from '../../routing/frame';
import { fanoutHandler, workHandler } from '../../routing/validated';
import { describeErrors } from '../../validation/describe-errors';
import { Heartbeat } from '../../ws/heartbeat';
import { PreparedFrame } from '../../ws/prepared-frame';
import { SocketGroups } from '../../ws/socket-groups';
import { SocketBookkeeping } from '../../ws/socket-bookkeeping';
import { routeUpgrades } from '../../ws/upgrade-router';
import { requestTarget } from '../../http/request-target';

export const CLOSE_BAD_KEY = 4001;
export const EMPTY_KEY = 'Connection key cannot be empty';
export const WRONG_KEY = 'Wrong connection key.';

const storeGroup = (storeId: string | number) => `store:${storeId}`;

export class PizzaSockets {
  private wss: WebSocketServer | undefined;
  private heartbeat: Heartbeat | undefined;
  private readonly subscriptions: Subscription[] = [];
  private readonly groups: SocketGroups;

  constructor(private readonly ctx: GatewayContext) {
    this.groups = new SocketGroups(ctx.config.wsMaxBufferedBytes, () =>
      ctx.metrics.slowConsumersClosedTotal.inc({ api: 'pizza' }),
    );
  }

  async start(server: Server): Promise<void> {
    const { config, bus, metrics } = this.ctx;
    this.wss = new WebSocketServer({ noServer: true, maxPayload: config.wsMaxFrameBytes, perMessageDeflate: false });
    this.heartbeat = new Heartbeat(config.wsPingIntervalMs, config.wsPongTimeoutMs);
    const bookkeeping = new SocketBookkeeping('pizza', metrics, this.heartbeat, this.groups);
    this.wss.on('connection', (ws, req) => {
      bookkeeping.opened(ws);
      // Client frames are ignored (the document defines none).
      void this.admit(ws, req);
    });
    routeUpgrades(server, '/ws', this.wss, metrics);
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
    const grant = await this.ctx.store.takeTicket(key).catch(() => undefined);
    if (!grant) return ws.close(CLOSE_BAD_KEY, WRONG_KEY);
    if (ws.readyState !== WebSocket.OPEN) return;
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
