// The connection, authentication, subscription and message limits and the one send budget per socket
// (issue 10, defects 2 and 7), end to end on every socket API. Each test sets the limit it exercises
// and leaves the others generous (test/helpers/gateway.ts).
import type { Socket as TcpSocket } from 'node:net';
import WebSocket from 'ws';
import { io } from 'socket.io-client';
import { MemoryStore } from '../src/store/memory-store';
import { call, startGateway, type TestGateway } from './helpers/gateway';
import { gameSnapshot } from './helpers/examples';
import { waitFor } from './helpers/wait';
import { connect, type TestSocket } from './helpers/ws';
import { connect as connectSocketIo, member, metricValue, type Client } from './helpers/workspace-client';

const wsUrl = (gw: TestGateway) => gw.url.replace('http', 'ws');
const hits = (gw: TestGateway, api: string, limit: string) => metricValue(gw.gateway.context.metrics.limitsHitTotal, { api, limit });
const games = async (gw: TestGateway, sub = 'alice', headers: Record<string, string> = {}) =>
  connect(`${wsUrl(gw)}/?session_key=${await gw.token(sub, {})}`, { headers });
const request = (s: TestSocket, payload: Record<string, unknown>) => s.send({ stream: 'games', payload });
const replyTo = (s: TestSocket, requestId: string) => s.next((f) => f.payload?.request_id === requestId);
async function pizza(gw: TestGateway, storeId: number): Promise<TestSocket> {
  const token = await gw.token('manager', { store_id: storeId });
  const ticket = (await call(`${gw.url}/api/v1/ws/ticket`, { headers: { authorization: `Bearer ${token}` } })).body.token;
  return connect(`${wsUrl(gw)}/ws?key=${ticket}`);
}
/** A socket.io handshake that is expected to fail: the connect_error's message. */
function refusedSocketIo(gw: TestGateway): Promise<string> {
  const socket = io(gw.url, { path: '/socket.io/', transports: ['websocket'], reconnection: false, forceNew: true });
  return new Promise((resolve, reject) => {
    socket.once('connect', () => reject(new Error('socket.io connected past the limit')));
    socket.once('connect_error', (err) => {
      socket.close();
      resolve(err.message);
    });
  });
}

let gw: TestGateway | undefined;
const open: Array<{ close(): void }> = [];
afterEach(async () => {
  for (const s of open.splice(0)) s.close();
  await gw?.stop();
  gw = undefined;
});
const keep = <T extends TestSocket | Client>(s: T): T => {
  open.push('ws' in s ? s.ws : s);
  return s;
};

describe('connections per client address', () => {
  it('refuses one address past WS_MAX_CONNECTIONS_PER_IP on every socket API (429 to an upgrade), and admits it again once one closes', async () => {
    gw = await startGateway({ WS_MAX_CONNECTIONS_PER_IP: '3' });
    const first = keep(await games(gw));
    keep(await pizza(gw, 1));
    keep(await connectSocketIo(gw.url));
    await expect(games(gw)).rejects.toThrow('HTTP 429');
    await expect(pizza(gw, 1)).rejects.toThrow('HTTP 429');
    expect(await refusedSocketIo(gw)).toBe('websocket error');
    expect(await hits(gw, 'games', 'connections_per_ip')).toBe(1);
    expect(await hits(gw, 'pizza', 'connections_per_ip')).toBe(1);
    expect(await hits(gw, 'workspace', 'connections_per_ip')).toBe(1);

    first.ws.close();
    await first.closed;
    const current = gw;
    await waitFor(() => current.gateway.context.connections.open === 2, 'the closed socket counted out');
    keep(await games(gw));
  });

  it('takes the client from X-Forwarded-For only when the peer is a trusted proxy', async () => {
    gw = await startGateway({ WS_MAX_CONNECTIONS_PER_IP: '1', TRUSTED_PROXIES: '127.0.0.1' });
    keep(await games(gw, 'a', { 'x-forwarded-for': '198.51.100.1' }));
    keep(await games(gw, 'b', { 'x-forwarded-for': '198.51.100.2' }));
    await expect(games(gw, 'c', { 'x-forwarded-for': '198.51.100.1' })).rejects.toThrow('HTTP 429');
    await gw.stop();

    gw = await startGateway({ WS_MAX_CONNECTIONS_PER_IP: '1' }); // no trusted proxy: the header means nothing
    keep(await games(gw, 'a', { 'x-forwarded-for': '198.51.100.1' }));
    await expect(games(gw, 'b', { 'x-forwarded-for': '198.51.100.2' })).rejects.toThrow('HTTP 429');
  });
});

describe('connections per node', () => {
  it('refuses past WS_MAX_CONNECTIONS with 503 and Retry-After, while HTTP keeps answering', async () => {
    gw = await startGateway({ WS_MAX_CONNECTIONS: '2' });
    keep(await games(gw));
    keep(await connectSocketIo(gw.url));
    const refused = new WebSocket(`${wsUrl(gw)}/?session_key=x`);
    const response = await new Promise<{ status?: number; retryAfter?: string }>((resolve) =>
      refused.once('unexpected-response', (_req, res) => resolve({ status: res.statusCode, retryAfter: res.headers['retry-after'] })),
    );
    expect(response).toEqual({ status: 503, retryAfter: '10' });
    expect(await refusedSocketIo(gw)).toBe('websocket error');
    expect((await call(`${gw.url}/healthz`)).status).toBe(200);
    expect(await hits(gw, 'games', 'connections')).toBe(1);
    expect(await hits(gw, 'workspace', 'connections')).toBe(1);
  });
});

describe('unauthenticated sockets', () => {
  it('closes a games socket without a valid session key with 1008 after WS_AUTH_TIMEOUT_MS; a valid one stays', async () => {
    gw = await startGateway({ WS_AUTH_TIMEOUT_MS: '300' });
    const anonymous = await connect(`${wsUrl(gw)}/?session_key=not-a-token`);
    const valid = keep(await games(gw));
    expect(await anonymous.closed).toEqual({ code: 1008, reason: 'Not authenticated' });
    request(valid, { action: 'subscribe', pk: 1, data: { action: 'update' }, request_id: 'still-here' });
    expect((await replyTo(valid, 'still-here')).payload.response_status).toBe(200);
    expect(await hits(gw, 'games', 'auth_timeout')).toBe(1);
  });

  it('closes a pizza socket whose ticket check does not finish in time with 1008', async () => {
    const stalled = new MemoryStore();
    stalled.tickets.take = () => new Promise(() => undefined);
    gw = await startGateway({ WS_AUTH_TIMEOUT_MS: '300' }, { store: stalled });
    const socket = await connect(`${wsUrl(gw)}/ws?key=some-ticket`);
    expect(await socket.closed).toEqual({ code: 1008, reason: 'Not authenticated' });
    expect(await hits(gw, 'pizza', 'auth_timeout')).toBe(1);
  });

  it('tells a socket.io socket that has not sent a successful `auth` in time, and disconnects it', async () => {
    gw = await startGateway({ WS_AUTH_TIMEOUT_MS: '300' });
    const anonymous = await connectSocketIo(gw.url);
    const authed = keep(await member(gw, 'bob', 'w-timeout'));
    expect(await anonymous.waitForDisconnect()).toBe('io server disconnect');
    expect(anonymous.of('socket-api-error')).toEqual([{ event: 'auth', message: 'Authentication timeout: send "auth" sooner after connecting' }]);
    expect(authed.socket.connected).toBe(true);
    expect(await hits(gw, 'workspace', 'auth_timeout')).toBe(1);
  });
});

describe('subscriptions per games socket', () => {
  it('refuses a new (event, pk) past WS_MAX_SUBSCRIPTIONS with the games 400 error reply; repeating one is free', async () => {
    gw = await startGateway({ WS_MAX_SUBSCRIPTIONS: '3' });
    const s = keep(await games(gw));
    const subscribe = async (event: string, pk: number, id: string) => {
      request(s, { action: 'subscribe', pk, data: { action: event }, request_id: id });
      return (await replyTo(s, id)).payload;
    };
    expect((await subscribe('update', 1, 's1')).response_status).toBe(200);
    expect((await subscribe('join', 1, 's2')).response_status).toBe(200);
    expect((await subscribe('update', 2, 's3')).response_status).toBe(200);
    expect((await subscribe('update', 1, 's4')).response_status).toBe(200); // already held
    expect(await subscribe('finish', 1, 's5')).toEqual({
      errors: ['Too many subscriptions: at most 3 per socket'],
      data: null,
      action: 'subscribe',
      response_status: 400,
      request_id: 's5',
    });
    expect(await hits(gw, 'games', 'subscriptions')).toBe(1);
  });
});

describe('inbound messages per socket', () => {
  const FLOOD = 30;

  it('games: requests past the burst get a 429 error reply and are not served', async () => {
    gw = await startGateway({ WS_MESSAGE_RATE: '1', WS_MESSAGE_BURST: '5' });
    const s = keep(await games(gw));
    for (let i = 0; i < FLOOD; i++) request(s, { action: 'subscribe', pk: i, data: { action: 'update' }, request_id: `f${i}` });
    const replies = await Promise.all(Array.from({ length: FLOOD }, (_, i) => replyTo(s, `f${i}`)));
    const statuses = replies.map((r) => r.payload.response_status);
    expect(statuses.slice(0, 5)).toEqual([200, 200, 200, 200, 200]);
    const refused = replies.filter((r) => r.payload.response_status === 429);
    expect(refused.length).toBeGreaterThan(0);
    expect(statuses.every((status) => status === 200 || status === 429)).toBe(true);
    expect(refused[0].payload).toMatchObject({
      errors: ['Too many requests: at most 1 per second (bursts of 5)'],
      data: null,
      action: 'subscribe',
    });
    expect(await hits(gw, 'games', 'message_rate')).toBe(refused.length);
  });

  it('workspace: events past the burst get socket-api-error and are dropped', async () => {
    gw = await startGateway({ WS_MESSAGE_RATE: '1', WS_MESSAGE_BURST: '5' });
    const client = keep(await connectSocketIo(gw.url));
    for (let i = 0; i < FLOOD; i++) client.emit('conversation-broadcast', { transaction: `t${i}` });
    await client.waitFor(`socket-api-error-t${FLOOD - 1}`);
    const errors = client.of('socket-api-error') as Array<{ event: string; message: string }>;
    expect(errors).toHaveLength(FLOOD);
    // The burst is served (each answered after its turn in the socket's queue, so possibly after
    // the refusals that follow it); the rest are refused at once.
    const served = errors.filter((e) => e.message === 'Unauthorized: send "auth" first');
    const limited = errors.filter((e) => e.message === 'Too many events: at most 1 per second (bursts of 5)');
    expect(served.length).toBeGreaterThanOrEqual(5);
    expect(limited.length).toBeGreaterThan(0);
    expect(served.length + limited.length).toBe(FLOOD);
    expect(await hits(gw, 'workspace', 'message_rate')).toBe(limited.length);
  });

  it('pizza: a socket flooding frames (the API defines none) is closed with 1008', async () => {
    gw = await startGateway({ WS_MESSAGE_RATE: '1', WS_MESSAGE_BURST: '5' });
    const s = await pizza(gw, 2);
    for (let i = 0; i < FLOOD; i++) s.send('hello');
    expect(await s.closed).toEqual({ code: 1008, reason: 'Too many messages' });
    expect(await hits(gw, 'pizza', 'message_rate')).toBe(1);
  });
});

describe('repeated auth', () => {
  it('does not announce presence again for the same user, workspace and status', async () => {
    gw = await startGateway();
    const W = 'w-reauth';
    const observer = keep(await member(gw, 'observer', W));
    const repeater = keep(await member(gw, 'repeater', W));
    const token = await gw.token('repeater', { workspaces: [W] });
    for (let i = 0; i < 5; i++) await repeater.auth(token, W);
    // A status change is news; the session's steps run in order, so once it is heard every earlier
    // announcement has been heard too.
    await repeater.auth(token, W, { onlineStatus: 'idle' });
    await observer.waitFor('online-status-updated', (d) => d.userId === 'repeater' && d.onlineStatus === 'idle');
    const announced = (observer.of('online-status-updated') as Array<{ userId: string; onlineStatus: string }>).filter((d) => d.userId === 'repeater');
    expect(announced).toEqual([
      { userId: 'repeater', onlineStatus: 'online' },
      { userId: 'repeater', onlineStatus: 'idle' },
    ]);
  });
});

describe('one send budget per games socket (replies count)', () => {
  it('closes a socket that sends requests and never reads their replies (1013, slow_consumers_closed_total)', async () => {
    gw = await startGateway({ WS_MAX_BUFFERED_BYTES: '262144' });
    const big = { ...gameSnapshot(7), label: 'x'.repeat(50_000) };
    await gw.gateway.context.store.snapshots.update('7', () => big);
    const s = await games(gw);
    (s.ws as unknown as { _socket: TcpSocket })._socket.pause(); // stop reading
    // ~50 KB per reply: 2,000 of them are far more than loopback socket buffers hold.
    for (let i = 0; i < 2_000 && s.ws.readyState === WebSocket.OPEN; i++) {
      request(s, { action: 'retrieve', pk: 7, request_id: `r${i}` });
      if (i % 100 === 99) await new Promise((resolve) => setImmediate(resolve));
    }
    const current = gw;
    await waitFor(async () => (await metricValue(current.gateway.context.metrics.slowConsumersClosedTotal, { api: 'games' })) === 1, 'the socket cut off');
    (s.ws as unknown as { _socket: TcpSocket })._socket.resume();
    expect([1013, 1006]).toContain((await s.closed).code); // 1006 when the server had to terminate it
  });

  it('stops reading a socket whose requests pile up unanswered, and serves them all in order once it can', async () => {
    let release!: () => void;
    const gate = new Promise<void>((resolve) => (release = resolve));
    // Snapshot reads wait at the gate, so the games API's requests pile up unanswered.
    const store = new MemoryStore();
    const get = store.snapshots.get.bind(store.snapshots);
    store.snapshots.get = async (key) => {
      await gate;
      return get(key);
    };
    const serverSockets: TcpSocket[] = [];
    gw = await startGateway({}, { store });
    gw.gateway.server.on('connection', (socket: TcpSocket) => serverSockets.push(socket));
    const s = keep(await games(gw));
    const [server] = serverSockets;
    const REQUESTS = 5_000; // ~350 KB of requests: several reads' worth
    let sent = 0;
    for (let i = 0; i < REQUESTS; i++) {
      const frame = JSON.stringify({ stream: 'games', payload: { action: 'retrieve', pk: 1, request_id: `q${i}` } });
      s.send(frame);
      sent += frame.length + 6; // a masked client frame's header
    }
    await waitFor(() => server.isPaused(), 'the server to stop reading the socket');
    expect(server.bytesRead).toBeLessThan(sent);
    release();
    const last = await s.next((f) => f.payload?.request_id === `q${REQUESTS - 1}`, 30_000);
    expect(last.payload.response_status).toBe(404);
    const ids = s.frames.map((f: any) => f.payload.request_id);
    expect(ids).toEqual(Array.from({ length: REQUESTS }, (_, i) => `q${i}`));
    expect(server.isPaused()).toBe(false);
  });
});

describe('one send budget per socket.io connection (whatever the client\'s packets make the server write)', () => {
  it('cuts off a client that sends packets and never reads the answers, even answers socket.io writes itself', async () => {
    gw = await startGateway({ WS_MAX_BUFFERED_BYTES: '262144' });
    // The engine.io / socket.io wire protocol by hand: each CONNECT to an unknown namespace is
    // answered by socket.io itself with a CONNECT_ERROR that echoes the ~10 KB namespace name.
    const raw = new WebSocket(`${wsUrl(gw)}/socket.io/?EIO=4&transport=websocket`);
    await new Promise((resolve) => raw.once('message', resolve)); // engine.io open packet
    const closed = new Promise<number>((resolve) => raw.once('close', resolve));
    (raw as unknown as { _socket: TcpSocket })._socket.pause(); // stop reading
    const packet = `40/${'n'.repeat(10_000)},`;
    for (let i = 0; i < 3_000 && raw.readyState === WebSocket.OPEN; i++) {
      raw.send(packet);
      if (i % 100 === 99) await new Promise((resolve) => setImmediate(resolve));
    }
    const current = gw;
    await waitFor(async () => (await metricValue(current.gateway.context.metrics.slowConsumersClosedTotal, { api: 'workspace' })) === 1, 'the connection cut off');
    (raw as unknown as { _socket: TcpSocket })._socket.resume();
    await closed;
  });
});
