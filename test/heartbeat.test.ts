// The heartbeat against a real client in another process: a server whose event loop was busy past
// the pong timeout does not drop a client whose pong arrived meanwhile (it waits in the socket,
// unread, when the heartbeat's timer fires). The rounds themselves: test/ws-bookkeeping.test.ts.
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { AddressInfo } from 'node:net';
import WebSocket, { WebSocketServer } from 'ws';
import { Heartbeat } from '../src/ws/heartbeat';

jest.setTimeout(40_000);

/**
 * Bytes waiting unread in the receive queue of the loopback TCP socket `localPort` <-> `remotePort`
 * (Linux's /proc/net/tcp); undefined where there is no such file. A pong the client has sent may sit
 * in the kernel's backlog a while on a loaded machine before it reaches that queue.
 */
function unreadBytes(localPort: number, remotePort: number): number | undefined {
  if (!existsSync('/proc/net/tcp')) return undefined;
  const hex = (port: number) => port.toString(16).toUpperCase().padStart(4, '0');
  for (const line of readFileSync('/proc/net/tcp', 'utf8').split('\n').slice(1)) {
    const [, local, remote, , queues] = line.trim().split(/\s+/);
    if (local?.endsWith(`:${hex(localPort)}`) && remote?.endsWith(`:${hex(remotePort)}`)) return parseInt(queues.split(':')[1], 16);
  }
  return 0;
}

/** A turn that lasts at least `ms`, and on until `done()` (at most 20 s); whether `done()` came true. */
const busyUntil = (done: () => boolean, ms: number): boolean => {
  const start = Date.now();
  while (Date.now() - start < ms || (!done() && Date.now() - start < 20_000));
  return done();
};

it('keeps a client whose pong arrived while the server was busy past the timeout', async () => {
  const server = new WebSocketServer({ port: 0, host: '127.0.0.1' });
  await once(server, 'listening');
  const heartbeat = new Heartbeat(1_000, 1_500);
  let client: ChildProcess | undefined;
  try {
    const connected = once(server, 'connection') as Promise<[WebSocket]>;
    // A client in its own process (ws answers pings by itself), so the server's busy loop does not
    // stop it from answering.
    const { port } = server.address() as AddressInfo;
    // It answers a ping before it emits 'ping' (ws' autoPong), then marks a file: the busy turn below
    // lasts until the pong is sent, however slowly a loaded machine schedules the client, and (where
    // /proc/net/tcp tells) until it waits in the server socket's receive queue.
    const ponged = join(mkdtempSync(join(tmpdir(), 'heartbeat-')), 'ponged');
    client = spawn(process.execPath, ['-e', `const WS = require('ws'); new WS('ws://127.0.0.1:${port}').on('ping', () => require('fs').writeFileSync(${JSON.stringify(ponged)}, '')); setInterval(() => {}, 1000);`], { cwd: __dirname, stdio: 'ignore' });
    const [ws] = await connected;
    heartbeat.watch(ws);
    // The first ping is written in a setImmediate callback that then runs a turn of at least 4 s
    // (past the 1.5 s timeout), and on until the client has answered, so the loop cannot read the
    // pong before the heartbeat's timer has fired again. Written at once instead, the loop could poll
    // for I/O before the busy turn and read a fast pong early: the turn then waited 20 s for a pong
    // that was no longer unread, and the client, silent for 20 s by then, was rightly dropped.
    const ping = ws.ping.bind(ws);
    let pongWaiting = false;
    const pinged = new Promise<void>((resolve) => {
      ws.ping = (...args: Parameters<WebSocket['ping']>) => {
        ws.ping = ping;
        setImmediate(() => {
          ping(...args);
          const socket = (ws as unknown as { _socket: { localPort: number; remotePort: number } })._socket;
          pongWaiting = busyUntil(() => existsSync(ponged) && (unreadBytes(socket.localPort, socket.remotePort) ?? 1) > 0, 4_000);
          resolve();
        });
      };
    });
    await pinged;
    expect(pongWaiting).toBe(true); // the pong waited unread in the socket when the busy turn ended
    await new Promise((r) => setTimeout(r, 300));
    expect(ws.readyState).toBe(WebSocket.OPEN);
  } finally {
    heartbeat.stop();
    client?.kill();
    for (const ws of server.clients) ws.terminate();
    await new Promise((r) => server.close(r));
  }
});
