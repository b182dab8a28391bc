// A ws server on loopback for tests of the raw socket plumbing (frames, corking): each pair() is a
// server-side socket and its client, without permessage-deflate; clients are cut after each test.
import { once } from 'node:events';
import type { AddressInfo } from 'node:net';
import WebSocket, { WebSocketServer } from 'ws';

export interface LoopbackPair {
  server: WebSocket;
  client: WebSocket;
}

/** Call at the top of a test file: starts the server before its tests and stops it after them. */
export function loopbackWs(): { pair(): Promise<LoopbackPair> } {
  let wss: WebSocketServer;
  const clients: WebSocket[] = [];
  beforeAll(async () => {
    wss = new WebSocketServer({ port: 0, host: '127.0.0.1', perMessageDeflate: false });
    await once(wss, 'listening');
  });
  afterEach(() => {
    for (const c of clients.splice(0)) c.terminate();
  });
  afterAll(async () => {
    await new Promise((resolve) => wss.close(resolve));
  });
  return {
    async pair() {
      const serverSide = once(wss, 'connection') as Promise<[WebSocket]>;
      const client = new WebSocket(`ws://127.0.0.1:${(wss.address() as AddressInfo).port}`, { perMessageDeflate: false });
      clients.push(client);
      const [[server]] = await Promise.all([serverSide, once(client, 'open')]);
      return { server, client };
    },
  };
}
