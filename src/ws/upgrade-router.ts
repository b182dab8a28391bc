// Routes WebSocket upgrades on the shared HTTP server by path to one ws server each; socket.io
// handles its own `/socket.io/` upgrades; any other path is refused with 404 before upgrading. A
// connection over the connection limits is refused before upgrading too (503 when the node is
// full, 429 when its address holds too many), with Retry-After.
import { STATUS_CODES, type IncomingMessage, type Server } from 'node:http';
import type { Duplex } from 'node:stream';
import type WebSocket from 'ws';
import type { WebSocketServer } from 'ws';
import type { ConnectionLimits, RealtimeApi, Refusal } from '../limits/connection-limits';

export const RETRY_AFTER_SECONDS = 10;

interface Route {
  api: RealtimeApi;
  wss: WebSocketServer;
}

const routers = new WeakMap<Server, Map<string, Route>>();

export function routeUpgrades(server: Server, path: string, route: Route, limits: ConnectionLimits): void {
  let routes = routers.get(server);
  if (!routes) {
    routers.set(server, (routes = new Map()));
    const table = routes;
    server.on('upgrade', (req: IncomingMessage, socket: Duplex, head: Buffer) => {
      const pathname = new URL(req.url ?? '/', 'http://localhost').pathname;
      if (pathname.startsWith('/socket.io/')) return;
      const target = table.get(pathname);
      if (!target) {
        socket.end('HTTP/1.1 404 Not Found\r\nConnection: close\r\nContent-Length: 0\r\n\r\n');
        return;
      }
      const address = limits.addressOf(req);
      const refusal = limits.refusal(target.api, address);
      if (refusal) {
        socket.end(refusalResponse(refusal));
        return;
      }
      let accepted: WebSocket | undefined;
      // Without `verifyClient`, ws completes or refuses a handshake before handleUpgrade returns.
      target.wss.handleUpgrade(req, socket, head, (ws) => (accepted = ws));
      if (!accepted) return;
      limits.hold(accepted, address); // released by the socket's 'close' (SocketBookkeeping)
      target.wss.emit('connection', accepted, req);
    });
  }
  routes.set(path, route);
}

function refusalResponse(refusal: Refusal): string {
  const body = `${refusal.message}\n`;
  return (
    `HTTP/1.1 ${refusal.status} ${STATUS_CODES[refusal.status]}\r\nConnection: close\r\nRetry-After: ${RETRY_AFTER_SECONDS}\r\n` +
    `Content-Type: text/plain; charset=utf-8\r\nContent-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`
  );
}
