// The heartbeat against a real client in another process: a server whose event loop was busy past
// the pong timeout does not drop a client whose pong arrived meanwhile (it waits in the socket,
// unread, when the heartbeat's timer fires). The rounds themselves: test/ws-bookkeeping.test.ts.
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import type { AddressInfo } from 'node:net';
import WebSocket, { WebSocketServer } from 'ws';
import { Heartbeat } from '../src/ws/heartbeat';

jest.setTimeout(20_000);

const busyFor = (ms: number): void => {
  for (const end = Date.now() + ms; Date.now() < end; );
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
    client = spawn(process.execPath, ['-e', `const WS = require('ws'); new WS('ws://127.0.0.1:${port}'); setInterval(() => {}, 1000);`], { cwd: __dirname, stdio: 'ignore' });
    const [ws] = await connected;
    heartbeat.watch(ws);
    // Right after the first ping is written, a turn of 4 s (past the 1.5 s timeout; time for the client to answer on a loaded machine) keeps the
    // loop from reading the pong until the heartbeat's timer has fired again.
    const ping = ws.ping.bind(ws);
    const pinged = new Promise<void>((resolve) => {
      ws.ping = (...args: Parameters<WebSocket['ping']>) => {
        ping(...args);
        ws.ping = ping;
        setImmediate(() => {
          busyFor(4_000);
          resolve();
        });
      };
    });
    await pinged;
    await new Promise((r) => setTimeout(r, 300));
    expect(ws.readyState).toBe(WebSocket.OPEN);
  } finally {
    heartbeat.stop();
    client?.kill();
    for (const ws of server.clients) ws.terminate();
    await new Promise((r) => server.close(r));
  }
});
