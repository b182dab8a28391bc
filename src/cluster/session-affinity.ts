// With several worker processes sharing one port, node:cluster hands each new TCP connection to the
// next worker, but an Engine.IO session (socket.io's polling transport, and the upgrade that follows
// it) lives in the worker that opened it. Each worker therefore names its sessions `w<index>.<id>`
// and passes a request for another worker's session, as is, to that worker over a Unix socket.
// Everything else (REST, publish, raw WebSockets, new socket.io handshakes) is served where it lands,
// with no hop: unlike a sticky primary (@socket.io/sticky), no request passes through one process
// (the primary only accepts connections) and HTTP keep-alive stays on.
import { request as httpRequest, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { connect, createServer as createNetServer } from 'node:net';
import type { Duplex } from 'node:stream';
import { randomBytes } from 'node:crypto';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const SESSION_OWNER = /[?&]sid=w(\d+)\./;

/** The Unix socket where worker `index` of the process group `group` takes forwarded sessions. */
export function workerSocketPath(group: string, index: number): string {
  return join(tmpdir(), `switchyard-${group}-w${index}.sock`);
}

/** Engine.IO session ids that say which worker owns them. */
export function workerSessionId(index: number): () => string {
  return () => `w${index}.${randomBytes(15).toString('base64url')}`;
}

/** The worker that owns the session a request names, if it names one. */
export function sessionOwner(url: string | undefined): number | undefined {
  const match = url === undefined ? null : SESSION_OWNER.exec(url);
  return match ? Number(match[1]) : undefined;
}

type Listener = (...args: unknown[]) => void;

/** What `routeSessionsToOwners` started; `close()` ends it (the worker is stopping). */
export interface SessionRouting {
  /** Stops taking other workers' requests and cuts the ones this worker is passing on. */
  close(): void;
}

export interface RoutingOptions {
  /**
   * A passed-on request or upgrade that carries nothing for this long is cut: its owner is gone
   * or stuck (an Engine.IO long poll is answered at every ping, so a live owner never idles this long).
   */
  idleTimeoutMs: number;
}

/**
 * Makes `server` (already listening, every API attached) pass requests and upgrades for other
 * workers' sessions to them, and take theirs on its own Unix socket. Resolves once that socket
 * listens.
 */
export async function routeSessionsToOwners(server: Server, group: string, index: number, { idleTimeoutMs }: RoutingOptions): Promise<SessionRouting> {
  // Every request or tunnel in flight to another worker, cut when this worker stops: a long poll
  // held by the owner would otherwise keep this worker's server open until its shutdown deadline.
  const inFlight = new Set<{ destroy(): void }>();
  const own = (req: IncomingMessage) => {
    const owner = sessionOwner(req.url);
    return owner === undefined || owner === index ? undefined : workerSocketPath(group, owner);
  };
  interpose(server, 'request', (served, req: IncomingMessage, res: ServerResponse) => {
    const path = own(req);
    if (path === undefined) return served();
    const forwarded = httpRequest({ socketPath: path, method: req.method, path: req.url, headers: req.headers }, (answer) => {
      res.writeHead(answer.statusCode ?? 502, answer.rawHeaders);
      answer.pipe(res);
      answer.on('error', () => res.destroy()); // the owner went away in the middle of its answer
    });
    const link = { destroy: () => forwarded.destroy(new Error('this worker is stopping')) };
    inFlight.add(link);
    res.on('close', () => {
      inFlight.delete(link);
      if (!res.writableFinished) forwarded.destroy(); // the client is gone: stop waiting for its answer
    });
    forwarded.setTimeout(idleTimeoutMs, () => forwarded.destroy(new Error('the owner did not answer')));
    forwarded.on('error', () => {
      if (!res.headersSent) res.writeHead(400, { 'content-type': 'application/json' }).end('{"code":1,"message":"Session ID unknown"}');
      else res.destroy();
    });
    req.pipe(forwarded);
  });
  interpose(server, 'upgrade', (served, req: IncomingMessage, socket: Duplex, head: Buffer) => {
    const path = own(req);
    if (path === undefined) return served();
    const owner = connect(path, () => {
      const lines = [`${req.method} ${req.url} HTTP/1.1`];
      for (let i = 0; i < req.rawHeaders.length; i += 2) lines.push(`${req.rawHeaders[i]}: ${req.rawHeaders[i + 1]}`);
      owner.write(`${lines.join('\r\n')}\r\n\r\n`);
      if (head.length > 0) owner.write(head);
      owner.pipe(socket).pipe(owner);
    });
    const drop = () => {
      owner.destroy();
      socket.destroy();
    };
    const link = { destroy: drop };
    inFlight.add(link);
    socket.on('close', () => inFlight.delete(link));
    owner.setTimeout(idleTimeoutMs, drop);
    owner.on('error', drop);
    socket.on('error', drop);
    socket.on('close', () => owner.destroy());
    owner.on('close', () => socket.destroy());
  });
  // Forwarded connections are served by the same HTTP server, as if they had arrived on the port.
  const inbound = createNetServer((connection) => server.emit('connection', connection));
  const path = workerSocketPath(group, index);
  await new Promise<void>((resolve, reject) => {
    inbound.once('error', reject);
    inbound.listen(path, () => resolve());
  });
  return {
    close() {
      inbound.close();
      for (const link of inFlight) link.destroy();
      inFlight.clear();
    },
  };
}

/**
 * Puts `decide` in front of every `event` listener the server has (engine.io's, Koa's, the
 * WebSocket APIs'): it calls `served()` to let them handle the event, or handles it itself.
 */
function interpose<A extends unknown[]>(server: Server, event: 'request' | 'upgrade', decide: (served: () => void, ...args: A) => void): void {
  const listeners = server.listeners(event) as Listener[];
  server.removeAllListeners(event);
  server.on(event, (...args: unknown[]) => decide(() => listeners.forEach((l) => l.apply(server, args)), ...(args as A)));
}
