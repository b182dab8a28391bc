// src/cluster/session-affinity.ts: a request or upgrade naming another worker's Engine.IO session
// goes, as is, to that worker's Unix socket; everything else stays where it landed.
import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type RequestListener, type Server } from 'node:http';
import WebSocket, { WebSocketServer } from 'ws';
import { routeSessionsToOwners, sessionOwner, workerSessionId, type SessionRouting } from '../src/cluster/session-affinity';
import { waitFor } from './helpers/wait';

describe('session ids', () => {
  it('name their worker, and only a sid query parameter counts', () => {
    const id = workerSessionId(3)();
    expect(id).toMatch(/^w3\.[\w-]{20}$/);
    expect(workerSessionId(3)()).not.toBe(id);
    expect(sessionOwner(`/socket.io/?EIO=4&transport=polling&sid=${id}`)).toBe(3);
    expect(sessionOwner(`/socket.io/?sid=w12.abc&EIO=3`)).toBe(12);
    expect(sessionOwner('/socket.io/?EIO=4&transport=polling')).toBeUndefined();
    expect(sessionOwner('/publish/v1/pizza?xsid=w1.abc')).toBeUndefined();
    expect(sessionOwner(undefined)).toBeUndefined();
  });
});

describe('routeSessionsToOwners', () => {
  const group = `test-${randomUUID().slice(0, 8)}`;
  const workers: Array<{ server: Server; routing: SessionRouting; url: string }> = [];

  /** A worker: answers who served a request, echoes WebSocket messages with its index. */
  async function worker(index: number) {
    const server = createServer((req, res) => {
      let body = '';
      req.on('data', (c) => (body += c));
      req.on('end', () => res.end(JSON.stringify({ worker: index, url: req.url, body })));
    });
    const wss = new WebSocketServer({ noServer: true });
    server.on('upgrade', (req: IncomingMessage, socket, head) =>
      wss.handleUpgrade(req, socket, head, (ws) => ws.on('message', (m) => ws.send(`${index}:${m}`))),
    );
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const routing = await routeSessionsToOwners(server, group, index, { idleTimeoutMs: 60_000 });
    const { port } = server.address() as { port: number };
    workers[index] = { server, routing, url: `http://127.0.0.1:${port}` };
  }

  beforeAll(async () => {
    await worker(0);
    await worker(1);
  });
  afterAll(async () => {
    for (const w of workers) {
      w.routing.close();
      w.server.closeAllConnections();
      await new Promise((resolve) => w.server.close(resolve));
    }
  });

  const served = async (url: string, init?: RequestInit) => (await (await fetch(url, init)).json()) as { worker: number; url: string; body: string };

  it('serves requests without a session, or with its own, where they land', async () => {
    expect((await served(`${workers[0].url}/healthz`)).worker).toBe(0);
    expect((await served(`${workers[0].url}/socket.io/?EIO=4&transport=polling`)).worker).toBe(0);
    expect((await served(`${workers[1].url}/socket.io/?EIO=4&transport=polling&sid=w1.x`)).worker).toBe(1);
  });

  it('passes a request for another worker\'s session to it, body and all', async () => {
    const answer = await served(`${workers[0].url}/socket.io/?EIO=4&transport=polling&sid=w1.abc`, { method: 'POST', body: '42["auth",{}]' });
    expect(answer).toEqual({ worker: 1, url: '/socket.io/?EIO=4&transport=polling&sid=w1.abc', body: '42["auth",{}]' });
  });

  it('passes an upgrade for another worker\'s session to it', async () => {
    const ws = new WebSocket(`${workers[0].url.replace('http', 'ws')}/socket.io/?EIO=4&transport=websocket&sid=w1.abc`);
    await new Promise((resolve, reject) => ws.once('open', resolve).once('error', reject));
    ws.send('ping');
    const reply = await new Promise<WebSocket.RawData>((resolve) => ws.once('message', (data) => resolve(data)));
    expect(String(reply)).toBe('1:ping');
    ws.close();
  });

  it('answers 400 "Session ID unknown" (Engine.IO\'s own answer) when the owner is gone', async () => {
    const res = await fetch(`${workers[0].url}/socket.io/?EIO=4&transport=polling&sid=w7.gone`);
    expect(res.status).toBe(400);
    expect(await res.json()).toEqual({ code: 1, message: 'Session ID unknown' });
  });
});

describe('routeSessionsToOwners: requests in flight to another worker', () => {
  const group = `test-${randomUUID().slice(0, 8)}`;
  const IDLE_MS = 500;
  let owner: { server: Server; routing: SessionRouting; held: IncomingMessage[] };
  let front: { server: Server; routing: SessionRouting; url: string };

  async function listen(index: number, handler: RequestListener) {
    const server = createServer(handler);
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const routing = await routeSessionsToOwners(server, group, index, { idleTimeoutMs: IDLE_MS });
    return { server, routing, url: `http://127.0.0.1:${(server.address() as { port: number }).port}` };
  }

  beforeEach(async () => {
    const held: IncomingMessage[] = [];
    owner = { ...(await listen(1, (req) => void held.push(req))), held }; // a long poll that is never answered
    front = await listen(0, (_req, res) => res.end('front'));
  });
  afterEach(async () => {
    for (const w of [front, owner]) {
      w.routing.close();
      w.server.closeAllConnections();
      await new Promise((resolve) => w.server.close(resolve));
    }
  });

  const poll = () => fetch(`${front.url}/socket.io/?EIO=4&transport=polling&sid=w1.held`);

  it('a request the owner holds past the idle timeout is cut and answered "Session ID unknown"', async () => {
    const started = Date.now();
    const res = await poll();
    expect(res.status).toBe(400);
    expect(await res.json()).toEqual({ code: 1, message: 'Session ID unknown' });
    expect(Date.now() - started).toBeGreaterThanOrEqual(IDLE_MS - 50);
    await waitFor(() => owner.held[0]?.destroyed === true, 'the owner to see the request go', 2_000);
  });

  it('close() cuts the requests being passed on, so the stopping worker\'s server can close', async () => {
    const answer = poll();
    await waitFor(() => owner.held.length === 1, 'the owner to hold the request', 2_000);
    front.routing.close();
    const res = await answer;
    expect(res.status).toBe(400);
    await res.arrayBuffer();
    front.server.closeIdleConnections();
    const closedIn = Date.now();
    await new Promise((resolve) => front.server.close(resolve));
    expect(Date.now() - closedIn).toBeLessThan(IDLE_MS); // the cut, not the idle timeout, let it close
    await waitFor(() => owner.held[0].destroyed, 'the owner to see the request go', 2_000);
  });

  it('a client that goes away cuts its request to the owner', async () => {
    const aborted = new AbortController();
    const answer = fetch(`${front.url}/socket.io/?EIO=4&transport=polling&sid=w1.held`, { signal: aborted.signal }).catch(() => 'aborted');
    await waitFor(() => owner.held.length === 1, 'the owner to hold the request', 2_000);
    aborted.abort();
    expect(await answer).toBe('aborted');
    await waitFor(() => owner.held[0].destroyed, 'the owner to see the request go', IDLE_MS / 2);
  });
});
