// Routes WebSocket upgrades on the shared HTTP server by path to one ws server each; socket.io
// handles its own `/socket.io/` upgrades; any other path is refused with 404 before upgrading.
import type { IncomingMessage, Server } from 'node:http';
import type { Duplex } from 'node:stream';
import type { WebSocketServer } from 'ws';

const routers = new WeakMap<Server, Map<string, WebSocketServer>>();

export function routeUpgrades(server: Server, path: string, wss: WebSocketServer): void {
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
      target.handleUpgrade(req, socket, head, (ws) => target.emit('connection', ws, req));
    });
  }
  routes.set(path, wss);
}
