// Routes WebSocket upgrades on the shared HTTP server by path to one ws server each; socket.io
// handles its own `/socket.io/` upgrades; any other path is refused with 404 before upgrading, a
// handshake ws rejects (bad key, version, method) with 400 (405 for a method other than GET). A
// connection over the connection limits is refused before upgrading too (503 when the node is
// full, 429 when its address holds too many), with Retry-After.
// Nothing a client sends can throw out of the 'upgrade' listener: a throw there ends the process.
// Every malformed upgrade is counted in `bad_input_total{api="http"}`.
import { STATUS_CODES, type IncomingMessage, type Server } from 'node:http';
import type { Duplex } from 'node:stream';
import type WebSocket from 'ws';
import type { WebSocketServer } from 'ws';
import type { ConnectionLimits, RealtimeApi } from '../limits/connection-limits';
import type { Metrics } from '../metrics';
import { requestTarget } from '../http/request-target';

/** engine.io claims upgrades whose raw target starts with this (it compares `req.url` as sent). */
const SOCKET_IO_PREFIX = '/socket.io/';
const API = 'http';
export const RETRY_AFTER_SECONDS = 10;

interface Route {
  api: RealtimeApi;
  wss: WebSocketServer;
}

const routers = new WeakMap<Server, Map<string, Route>>();

export function routeUpgrades(server: Server, path: string, route: Route, limits: ConnectionLimits, metrics: Metrics): void {
  // The handshake failures ws finds are answered here, so that they are counted too.
  route.wss.on('wsClientError', (err: Error, socket: Duplex, req: IncomingMessage) => {
    metrics.badInputTotal.inc({ api: API, kind: 'bad_handshake' });
    const status = req.method === 'GET' ? 400 : 405;
    refuse(socket, status, err.message, { 'Sec-WebSocket-Version': '13, 8' });
  });
  let routes = routers.get(server);
  if (!routes) {
    routers.set(server, (routes = new Map()));
    const table = routes;
    server.on('upgrade', (req: IncomingMessage, socket: Duplex, head: Buffer) => {
      try {
        if ((req.url ?? '').startsWith(SOCKET_IO_PREFIX)) return;
        const target = table.get(requestTarget(req.url).pathname);
        if (!target) {
          metrics.badInputTotal.inc({ api: API, kind: 'unknown_upgrade_path' });
          return refuse(socket, 404, 'Not Found');
        }
        const address = limits.addressOf(req);
        const refusal = limits.refusal(target.api, address);
        if (refusal) return refuse(socket, refusal.status, `${refusal.message}\n`, { 'Retry-After': String(RETRY_AFTER_SECONDS) });
        let accepted: WebSocket | undefined;
        // Without `verifyClient`, ws completes or refuses a handshake before handleUpgrade returns.
        target.wss.handleUpgrade(req, socket, head, (ws) => (accepted = ws));
        if (!accepted) return;
        limits.hold(accepted, address); // released by the socket's 'close' (SocketBookkeeping)
        target.wss.emit('connection', accepted, req);
      } catch {
        metrics.badInputTotal.inc({ api: API, kind: 'malformed_upgrade' });
        refuse(socket, 400, 'Bad Request');
      }
    });
  }
  routes.set(path, route);
}

/** Answers an upgrade with a plain HTTP error and closes the connection. */
function refuse(socket: Duplex, status: number, message: string, headers: Record<string, string> = {}): void {
  // Node removed its own 'error' listener when it handed the socket over: a reset from the client
  // would otherwise be an uncaught 'error' event.
  socket.on('error', () => socket.destroy());
  if (!socket.writable) return void socket.destroy();
  const lines = [
    `HTTP/1.1 ${status} ${STATUS_CODES[status] ?? 'Error'}`,
    'Connection: close',
    'Content-Type: text/plain; charset=utf-8',
    `Content-Length: ${Buffer.byteLength(message)}`,
    ...Object.entries(headers).map(([k, v]) => `${k}: ${v}`),
  ];
  // Destroyed once written (as ws does): a client that never closes its side holds nothing.
  socket.once('finish', () => socket.destroy());
  socket.end(`${lines.join('\r\n')}\r\n\r\n${message}`);
}
