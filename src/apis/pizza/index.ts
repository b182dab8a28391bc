// The pizza API: `GET /api/v1/ws/ticket` hands out one-off tickets for the `/ws` WebSocket
// (socket.ts), where each store's sockets hear that store's events.
import type { ApiModule, GatewayContext } from '../context';
import type { ErrorFormat } from '../../http/errors';
import { bearerClaims, bearerRequired } from '../../http/bearer';
import { mount } from '../../http/mount';
import { respond } from '../../http/respond';
import { newTicket } from './ticket';
import { PizzaSockets } from './socket';

const WRONG_AUTH = 'Wrong authorization data';

/** The document's failure body; every error of this API is an authorization failure. */
const pizzaError: ErrorFormat = (_status, message) => ({ success: false, error: message });

export function pizzaApi(ctx: GatewayContext): ApiModule {
  const { store, config } = ctx;
  const { getWsTicket: getTicket } = ctx.catalogues.pizza.operations;
  const ttlSeconds = Math.round(config.ticketTtlMs / 1000);
  const sockets = new PizzaSockets(ctx);
  return {
    name: 'pizza',
    errorFormat: pizzaError,
    routes(router) {
      mount(router, getTicket, async (k) => {
        const claims = await bearerClaims(k, ctx.auth);
        const storeId = claims?.store_id;
        if (!claims || storeId === undefined || storeId === '') throw bearerRequired(k, WRONG_AUTH);
        const ticket = newTicket();
        await store.tickets.set(ticket, { user_uuid: claims.uuid || claims.sub, store_id: storeId, username: claims.username }, config.ticketTtlMs);
        respond(k, getTicket, 200, { success: true, info: `Your ws connection token is valid for ${ttlSeconds}s`, token: ticket });
      });
    },
    start: (server) => sockets.start(server),
    stop: () => sockets.stop(),
  };
}
