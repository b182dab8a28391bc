// The games WebSocket (games-websocket.md + ORIGINALS.md) end to end.
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { call, startGateway, type TestGateway } from './helpers/gateway';
import { gameSnapshot, messageExample } from './helpers/examples';
import { connect, sleep, type TestSocket } from './helpers/ws';
import { metricValue } from './helpers/workspace-client';

let gw: TestGateway;
let publishToken: string;
/** The game back-end of forwarded requests: answers whatever `backendAnswer` holds. */
let backend: Server;
let backendAnswer: unknown = { response_status: 200, errors: [], data: null };
beforeAll(async () => {
  backend = createServer((_req, res) => res.end(JSON.stringify(backendAnswer)));
  await new Promise<void>((resolve) => backend.listen(0, '127.0.0.1', resolve));
  gw = await startGateway({ WS_MAX_FRAME_BYTES: '4096', ACTION_BACKENDS: `games=http://127.0.0.1:${(backend.address() as AddressInfo).port}/` });
  publishToken = await gw.token('game-service', {}, 'publish');
});
afterAll(async () => {
  await gw.stop();
  await new Promise((resolve) => backend.close(resolve));
});

const open = async (claims: Record<string, unknown> | null, sub = 'alice'): Promise<TestSocket> => {
  const key = claims === null ? '' : `?session_key=${await gw.token(sub, claims)}`;
  return connect(`${gw.url.replace('http', 'ws')}/${key}`);
};
const request = (s: TestSocket, payload: Record<string, unknown>) => s.send({ stream: 'games', payload });
const replyTo = (s: TestSocket, requestId: string) => s.next((f) => f.payload?.request_id === requestId);
const publish = (message: string, pk: number | string, data: unknown) =>
  call(`${gw.url}/publish/v1/games`, { headers: { authorization: `Bearer ${publishToken}` }, body: { message, to: { pk }, data } });
/** Publishes a snapshot and waits until the gateway stored it. */
async function seedGame(pk: number, state = 'players_waiting') {
  expect((await publish('update', pk, { ...gameSnapshot(pk, state), updated_at: new Date(Date.now() - 1000).toISOString() })).status).toBe(202);
  for (let i = 0; i < 100 && !(await gw.gateway.context.store.snapshots.get(String(pk))); i++) await sleep(20);
}

describe('requests and replies', () => {
  it('subscribe answers 200 with the event and echoes request_id', async () => {
    const s = await open({});
    request(s, { action: 'subscribe', pk: 1, data: { action: 'update' }, request_id: 'r1' });
    expect(await replyTo(s, 'r1')).toEqual({
      stream: 'games',
      payload: { errors: [], data: { action: 'update' }, action: 'subscribe', response_status: 200, request_id: 'r1' },
    });
    s.ws.close();
  });

  it('retrieve answers the stored snapshot, 404 for an unknown game', async () => {
    await seedGame(101);
    const s = await open({});
    request(s, { action: 'retrieve', pk: 101, request_id: 'r' });
    expect((await replyTo(s, 'r')).payload).toMatchObject({ response_status: 200, data: { id: 101, state: 'players_waiting' } });
    request(s, { action: 'retrieve', pk: 999, request_id: 'missing' });
    expect((await replyTo(s, 'missing')).payload).toEqual({ errors: ['Not found.'], data: null, action: 'retrieve', response_status: 404, request_id: 'missing' });
    s.ws.close();
  });

  it('401 Permission Denied on every request of a socket without a valid session key', async () => {
    for (const s of [await open(null), await connect(`${gw.url.replace('http', 'ws')}/?session_key=garbage`)]) {
      request(s, { action: 'subscribe', pk: 1, data: { action: 'update' }, request_id: 'x' });
      expect((await replyTo(s, 'x')).payload).toMatchObject({ errors: ['Permission Denied'], response_status: 401, action: 'subscribe' });
      s.ws.close();
    }
  });

  it('checks authentication before the action, the action before the game (401, 400, 404), as the original', async () => {
    const anon = await open(null);
    // Unknown actions, requests without a pk and unknown games: all 401 for an anonymous socket.
    for (const [i, payload] of [{ action: 'explode' }, { action: 'retrieve' }, { action: 'join', pk: 999 }, { action: 'list' }, { action: 'next_question', pk: 1 }].entries()) {
      request(anon, { ...payload, request_id: `a${i}` });
      expect((await replyTo(anon, `a${i}`)).payload).toMatchObject({ errors: ['Permission Denied'], response_status: 401 });
    }
    anon.ws.close();
    const s = await open({});
    request(s, { action: 'explode', pk: 999, request_id: 'u' });
    expect((await replyTo(s, 'u')).payload).toMatchObject({ errors: ['Invalid Action'], response_status: 400 });
    request(s, { action: 'join', pk: 999, data: { extra: true }, request_id: 'nf' });
    expect((await replyTo(s, 'nf')).payload).toMatchObject({ errors: ['Not found.'], response_status: 404 });
    s.ws.close();
  });

  it('list answers every stored game, ordered by id; fields the original ignored are ignored', async () => {
    await seedGame(152);
    await seedGame(151);
    const s = await open({});
    request(s, { action: 'list', pk: 'ignored', data: { page: 2 }, request_id: 'l' });
    const listed = (await replyTo(s, 'l')).payload;
    expect(listed).toMatchObject({ errors: [], action: 'list', response_status: 200, request_id: 'l' });
    const ids = listed.data.map((g: any) => g.id);
    expect(ids).toEqual([...ids].sort((a: number, b: number) => a - b));
    expect(ids).toEqual(expect.arrayContaining([151, 152]));
    s.ws.close();
  });

  it('400 for invalid JSON, another stream, an unknown action or bad data; 404 for a missing pk; the socket stays usable', async () => {
    const s = await open({});
    s.send('{not json');
    expect((await s.next((f) => f.payload?.action === null)).payload).toMatchObject({ response_status: 400, request_id: null });
    s.send({ stream: 'quizzes', payload: { action: 'retrieve', pk: 1, request_id: 'stream' } });
    s.send({ stream: 'games', payload: { action: 'retrieve', request_id: 'nopk' } });
    s.send({ stream: 'games', payload: { action: 'finish', pk: 1, request_id: 'finish' } });
    s.send({ stream: 'games', payload: { action: 'subscribe', pk: 1, data: { action: 'explode' }, request_id: 'bad' } });
    s.send({ stream: 'games', payload: { action: 'subscribe', pk: 1, request_id: 'noevent' } });
    // The original looked a malformed pk up and found nothing.
    expect((await replyTo(s, 'nopk')).payload).toEqual({ errors: ['Not found.'], data: null, action: 'retrieve', response_status: 404, request_id: 'nopk' });
    expect((await replyTo(s, 'finish')).payload).toMatchObject({ errors: ['Invalid Action'], response_status: 400, action: 'finish' });
    expect((await replyTo(s, 'bad')).payload.response_status).toBe(400);
    expect((await replyTo(s, 'noevent')).payload).toMatchObject({ errors: ['action required'], response_status: 400 });
    expect(s.frames.filter((f: any) => f.payload?.response_status === 400)).toHaveLength(5);
    request(s, { action: 'subscribe', pk: 1, data: { action: 'join' }, request_id: 'still' });
    expect((await replyTo(s, 'still')).payload.response_status).toBe(200);
    s.ws.close();
  });

  it('closes a frame over the size limit with 1009', async () => {
    const s = await open({});
    s.send('x'.repeat(8192));
    expect((await s.closed).code).toBe(1009);
  });
});

describe('replies that break the spec', () => {
  /** outgoing_invalid_total of a games message: replies refused before sending. */
  const refused = (message: string) => metricValue(gw.gateway.context.metrics.outgoingInvalidTotal, { api: 'games', message });

  it('a reply of the gateway\'s own that breaks the spec is not sent: 400 Request failed, counted', async () => {
    // A stored game the spec refuses (written past the bus, which would have dead-lettered it).
    await gw.gateway.context.store.snapshots.set('161', { ...gameSnapshot(161), state: 'no such state' });
    const before = await refused('retrieveReply');
    const s = await open({});
    request(s, { action: 'retrieve', pk: 161, request_id: 'bad' });
    expect((await replyTo(s, 'bad')).payload).toEqual({ errors: ['Request failed'], data: null, action: 'retrieve', response_status: 400, request_id: 'bad' });
    expect(await refused('retrieveReply')).toBe(before + 1);
    s.ws.close();
  });

  it('a back-end answer that is not a valid reply is not relayed: 502, counted', async () => {
    backendAnswer = { response_status: 200, errors: [], data: { not: 'a game' } };
    const s = await open({});
    const before = await refused('nextQuestionReply');
    request(s, { action: 'next_question', pk: 1, request_id: 'nq' });
    expect((await replyTo(s, 'nq')).payload).toEqual({
      errors: ["next_question: the game back-end's answer is not a valid reply"], data: null, action: 'next_question', response_status: 502, request_id: 'nq',
    });
    expect(await refused('nextQuestionReply')).toBe(before + 1);
    s.ws.close();
  });
});

describe('broadcasts', () => {
  it('update reaches the update subscribers of that game only, framed as the original sends it', async () => {
    const [a, b, other, joinOnly] = await Promise.all([open({}), open({}), open({}), open({})]);
    for (const [s, pk, event] of [[a, 201, 'update'], [b, 201, 'update'], [other, 202, 'update'], [joinOnly, 201, 'join']] as const) {
      request(s, { action: 'subscribe', pk, data: { action: event }, request_id: 'sub' });
      await replyTo(s, 'sub');
    }
    const snapshot = gameSnapshot(201);
    expect((await publish('update', '201', snapshot)).status).toBe(202);
    for (const s of [a, b]) {
      expect(await s.next((f) => f.payload?.model)).toEqual({ stream: 'games', payload: { action: 'update', pk: 201, data: snapshot, model: 'api.game' } });
    }
    await sleep(100);
    expect(other.frames.filter((f: any) => f.payload?.model)).toEqual([]);
    expect(joinOnly.frames.filter((f: any) => f.payload?.model)).toEqual([]);
    for (const s of [a, b, other, joinOnly]) s.ws.close();
  });

  it('the later broadcasts carry what the original sent: Game (next_question, finish), Answer, GeneratedQuestion (check)', async () => {
    const s = await open({});
    for (const [event, model] of [['next_question', 'Game'], ['finish', 'Game'], ['answer', 'Answer'], ['check', 'GeneratedQuestion']]) {
      request(s, { action: 'subscribe', pk: 301, data: { action: event }, request_id: event });
      await replyTo(s, event);
      const data = messageExample('games', event).payload.data;
      expect((await publish(event, 301, data)).status).toBe(202);
      expect(await s.next((f) => f.payload?.action === event && f.payload.model)).toEqual({ stream: 'games', payload: { action: event, pk: 301, model, data } });
    }
    s.ws.close();
  });
});

describe('join', () => {
  it('adds a Player from the token, replies with the snapshot and broadcasts join and update', async () => {
    await seedGame(401);
    const watcher = await open({}, 'watcher');
    for (const event of ['join', 'update']) {
      request(watcher, { action: 'subscribe', pk: 401, data: { action: event }, request_id: event });
      await replyTo(watcher, event);
    }
    const player = await open({ username: 'bob', email: 'bob@example.com', first_name: 'Bob' }, 'u-bob');
    request(player, { action: 'join', pk: 401, request_id: 'j1' });
    const joined = await replyTo(player, 'j1');
    expect(joined.payload).toMatchObject({ errors: [], action: 'join', response_status: 200, request_id: 'j1' });
    const newPlayer = { id: 1, user: { username: 'bob', email: 'bob@example.com', phone: '', last_name: '', first_name: 'Bob', patronymic: '', gender: '', birth_date: null, rating: 0 }, rating: 0, created_at: expect.any(String), finished_at: null };
    expect(joined.payload.data.players).toEqual([newPlayer]);

    expect(await watcher.next((f) => f.payload?.model === 'Player')).toEqual({ stream: 'games', payload: { action: 'join', pk: 401, data: newPlayer, model: 'Player' } });
    expect((await watcher.next((f) => f.payload?.model === 'api.game')).payload.data.players).toHaveLength(1);

    // Joining twice returns the existing player: no second Player, no broadcast.
    request(player, { action: 'join', pk: 401, request_id: 'j2' });
    expect((await replyTo(player, 'j2')).payload.data.players).toHaveLength(1);
    await sleep(100);
    expect(watcher.frames.filter((f: any) => f.payload?.model === 'Player')).toHaveLength(1);
    for (const s of [watcher, player]) s.ws.close();
  });

  it('concurrent joins of different users all land in the snapshot', async () => {
    await seedGame(402);
    const sockets = await Promise.all(['p1', 'p2', 'p3', 'p4'].map((u) => open({ username: u }, u)));
    sockets.forEach((s, i) => request(s, { action: 'join', pk: 402, request_id: `c${i}` }));
    await Promise.all(sockets.map((s, i) => replyTo(s, `c${i}`)));
    const stored: any = await gw.gateway.context.store.snapshots.get('402');
    expect(stored.players.map((p: any) => p.user.username).sort()).toEqual(['p1', 'p2', 'p3', 'p4']);
    expect(stored.players.map((p: any) => p.id).sort()).toEqual([1, 2, 3, 4]);
    for (const s of sockets) s.ws.close();
  });

  it('joins a running game too (as the original), 404 for an unknown game, 401 without a session', async () => {
    await seedGame(403, 'answering');
    const s = await open({ username: 'late' });
    request(s, { action: 'join', pk: 403, request_id: 'late' });
    const late = (await replyTo(s, 'late')).payload;
    expect(late).toMatchObject({ errors: [], action: 'join', response_status: 200, request_id: 'late', data: { state: 'answering' } });
    expect(late.data.players.map((p: any) => p.user.username)).toEqual(['late']);
    request(s, { action: 'join', pk: 4040, request_id: 'nf' });
    expect((await replyTo(s, 'nf')).payload.response_status).toBe(404);
    const anon = await open(null);
    request(anon, { action: 'join', pk: 403, request_id: 'anon' });
    expect((await replyTo(anon, 'anon')).payload.response_status).toBe(401);
    s.ws.close();
    anon.ws.close();
  });

  it('a snapshot the back-end published without a player who joined meanwhile keeps that player', async () => {
    await seedGame(405);
    const s = await open({ username: 'meanwhile' }, 'meanwhile');
    request(s, { action: 'join', pk: 405, request_id: 'j' });
    await replyTo(s, 'j');
    // The back-end's next snapshot, built from the game as it was before the join.
    const later = { ...gameSnapshot(405, 'answering'), players: [], updated_at: new Date(Date.now() + 1000).toISOString() };
    expect((await publish('update', 405, later)).status).toBe(202);
    for (let i = 0; i < 100 && (await gw.gateway.context.store.snapshots.get('405'))?.state !== 'answering'; i++) await sleep(20);
    const stored: any = await gw.gateway.context.store.snapshots.get('405');
    expect(stored.state).toBe('answering');
    expect(stored.players.map((p: any) => p.user.username)).toEqual(['meanwhile']);
    s.ws.close();
  });

  it('the join is published on the bus for the game service', async () => {
    await seedGame(404);
    const seen: unknown[] = [];
    const sub = await gw.gateway.context.bus.subscribe('games', 'fanout', (e) => void seen.push(e));
    const s = await open({ username: 'carol' }, 'carol');
    request(s, { action: 'join', pk: 404, request_id: 'j' });
    await replyTo(s, 'j');
    for (let i = 0; i < 100 && seen.length < 2; i++) await sleep(20);
    expect(seen).toEqual(expect.arrayContaining([expect.objectContaining({ message: 'join', to: { pk: 404 }, data: expect.objectContaining({ id: 1 }) })]));
    await sub.close();
    s.ws.close();
  });
});
