// `/ws?key=<ticket>` (pizza-ticket-websocket.md): upgrade first, then check the one-off ticket;
// sockets are grouped per store and hear only that store's CREATE_PIZZA / ACCEPT_PIZZA frames.
import type { IncomingMessage, Server } from 'node:http';
import WebSocket from 'ws';
import type { GatewayContext } from '../context';
import type { Subscription } from '../../ports/bus';
import { deadLetterRejects } from '../../envelopes/validated';
import { broadcastHandler } from '../../ws/broadcast';
import { SocketEndpoint } from '../../ws/socket-endpoint';
import { requestTarget } from '../../http/request-target';

export const CLOSE_BAD_KEY = 4001;
export const EMPTY_KEY = 'Connection key cannot be empty';
export const WRONG_KEY = 'Wrong connection key.';

const storeGroup = (storeId: string | number) => `store:${storeId}`;

export class PizzaSockets {
  private readonly endpoint: SocketEndpoint;
  private readonly subscriptions: Subscription[] = [];

  constructor(private readonly ctx: GatewayContext) {
    this.endpoint = new SocketEndpoint(ctx, 'pizza', '/ws');
    ctx.audiences.register('pizza', 'sockets', () => this.endpoint.groups.sizes());
  }

  async start(server: Server): Promise<void> {
    // Client frames carry nothing (the document defines none) but still count against the message rate.
    const onMessage = this.endpoint.ignoredFrames();
    this.endpoint.start(server, (ws, req) => {
      ws.on('message', onMessage);
      void this.admit(ws, req);
    });
    const { bus, catalogues } = this.ctx;
    const [fanout, rejects] = await Promise.all([
      bus.subscribe('pizza', 'fanout', broadcastHandler(this.ctx, 'pizza', catalogues.pizza, this.endpoint.groups, (a) => ({ group: storeGroup(a.value) }))),
      // Pizza has no durable work, but one node must still dead-letter records the spec rejects.
      deadLetterRejects(bus, 'pizza', catalogues.pizza),
    ]);
    this.subscriptions.push(fanout, ...rejects);
  }

  private async admit(ws: WebSocket, req: IncomingMessage): Promise<void> {
    const key = requestTarget(req.url).query.get('key');
    if (!key) return ws.close(CLOSE_BAD_KEY, EMPTY_KEY);
    // A ticket check that does not finish in time (a stalled store) does not hold the socket open.
    const deadline = this.endpoint.authDeadline.start(ws);
    const grant = await this.ctx.store.tickets.take(key).catch(() => undefined);
    clearTimeout(deadline);
    if (ws.readyState !== WebSocket.OPEN) return;
    if (!grant) return ws.close(CLOSE_BAD_KEY, WRONG_KEY);
    this.endpoint.groups.add(storeGroup(grant.store_id), ws);
  }

  async stop(): Promise<void> {
    for (const s of this.subscriptions) await s.close();
    await this.endpoint.stop();
  }
}
