// The games API: a multiplexed WebSocket at `/` (socket.ts); no REST routes.
import type { ApiModule, GatewayContext } from '../context';
import { GamesSockets } from './socket';

export function gamesApi(ctx: GatewayContext): ApiModule {
  const sockets = new GamesSockets(ctx);
  return { name: 'games', start: (server) => sockets.start(server), stop: () => sockets.stop() };
}
