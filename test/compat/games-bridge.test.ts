// The games API with the original front-end's client library, unmodified (django-channels 1.1.8
// WebSocketBridge: `demultiplex`, `stream('games').send`), for every games action, and a whole
// game played against examples/quiz-backend through the action proxy.
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { startGateway, type TestGateway } from '../helpers/gateway';
import { waitFor } from '../helpers/wait';
import { GamesBridgeClient } from './games-bridge-client';

// eslint-disable-next-line @typescript-eslint/no-require-imports
const { startQuizBackend, demoGame } = require('../../examples/quiz-backend/server.js');

const PK = 7;
const EVENTS = ['update', 'join', 'next_question', 'answer', 'check', 'finish'];
const gateway = { url: '', token: '' };
let backend: { url: string; createGame(game: unknown): Promise<void>; close(): Promise<void> };
let gw: TestGateway;
const clients: GamesBridgeClient[] = [];

beforeAll(async () => {
  backend = await startQuizBackend({ gateway });
  gw = await startGateway({ ACTION_BACKENDS: `games=${backend.url}` });
  gateway.url = gw.url;
  gateway.token = await gw.token('quiz-backend', {}, 'publish');
  await backend.createGame(demoGame({ id: PK, owner: 'teacher' }));
  await waitFor(() => gw.gateway.context.store.snapshots.get(String(PK)), 'the game to be stored');
});
afterAll(async () => {
  for (const c of clients) c.close();
  await gw.stop();
  await backend.close();
});

const open = async (sub: string | null, username?: string): Promise<GamesBridgeClient> => {
  const client = await GamesBridgeClient.open(gw.url, sub === null ? null : await gw.token(sub, { username: username ?? sub }));
  clients.push(client);
  return client;
};
let n = 0;
const id = () => `r${++n}`;

describe('every games action through the WebSocketBridge', () => {
  it('subscribe, retrieve, list and join are answered by the gateway', async () => {
    const c = await open('u-watch', 'watcher');
    expect(await c.request({ action: 'subscribe', pk: PK, data: { action: 'update' }, request_id: 's' })).toEqual({
      errors: [], data: { action: 'update' }, action: 'subscribe', response_status: 200, request_id: 's',
    });
    const retrieved = await c.request({ action: 'retrieve', pk: PK, request_id: 'g' });
    expect(retrieved).toMatchObject({ response_status: 200, data: { id: PK, label: 'Friday quiz', state: 'players_waiting', generated_questions: [] } });
    expect((await c.request({ action: 'list', request_id: 'l' })).data.map((g: any) => g.id)).toContain(PK);
    const joined = await c.request({ action: 'join', pk: PK, request_id: 'j' });
    expect(joined).toMatchObject({ response_status: 200, action: 'join', request_id: 'j' });
    expect(joined.data.players.map((p: any) => p.user.username)).toContain('watcher');
  });

  it('answers the original errors: 401 anonymous (any action), 400 Invalid Action, 404, and the back-end 403 and 400', async () => {
    const anon = await open(null);
    for (const action of ['list', 'next_question', 'explode']) {
      expect(await anon.request({ action, pk: PK, request_id: `anon-${action}` })).toMatchObject({ errors: ['Permission Denied'], response_status: 401 });
    }
    const c = await open('u-nosy', 'nosy');
    expect(await c.request({ action: 'finish', pk: PK, request_id: 'f' })).toMatchObject({ errors: ['Invalid Action'], response_status: 400 });
    expect(await c.request({ action: 'retrieve', pk: 4040, request_id: 'nf' })).toMatchObject({ errors: ['Not found.'], response_status: 404 });
    expect(await c.request({ action: 'next_question', pk: 4040, request_id: 'nf2' })).toMatchObject({ errors: ['Not found.'], response_status: 404 });
    expect(await c.request({ action: 'next_question', pk: PK, request_id: 'not-owner' })).toEqual({
      errors: ['You do not have permission to perform this action.'], data: null, action: 'next_question', response_status: 403, request_id: 'not-owner',
    });
    expect(await c.request({ action: 'check', pk: PK, request_id: 'chk' })).toMatchObject({ response_status: 403 });
  });
});

describe('a whole game against examples/quiz-backend', () => {
  it('join, every question, answers, check, finish: update broadcast, then the action broadcast, then the reply', async () => {
    const owner = await open('u-teacher', 'teacher');
    const alex = await open('u-alex', 'alex');
    const bob = await open('u-bob', 'bob');
    for (const c of [owner, alex, bob]) {
      for (const event of EVENTS) await c.request({ action: 'subscribe', pk: PK, data: { action: event }, request_id: id() });
    }
    // join: idempotent, one join broadcast per player.
    for (const c of [alex, bob]) {
      const r = id();
      expect(await c.request({ action: 'join', pk: PK, request_id: r })).toMatchObject({ response_status: 200 });
      expect(c.lastBefore(r, 3)).toEqual(['join/Player', 'update/api.game', 'reply join 200']);
    }
    const again = id();
    expect((await alex.request({ action: 'join', pk: PK, request_id: again })).response_status).toBe(200);
    await waitFor(() => owner.payloads.filter((p) => p.action === 'join' && p.model === 'Player').length >= 2, 'two join broadcasts');
    expect(owner.payloads.filter((p) => p.action === 'join' && p.model === 'Player' && p.data.user.username === 'alex')).toHaveLength(1);

    // Before the game runs, an answer is late and check is refused.
    expect(await alex.request({ action: 'answer', pk: PK, data: { question: 1, answer: [2] }, request_id: 'early' })).toMatchObject({
      errors: [{ question: ['Be late.'] }], response_status: 400, data: null,
    });
    expect(await owner.request({ action: 'check', pk: PK, request_id: 'early-check' })).toMatchObject({ errors: ['Now not answering state'], response_status: 400 });

    const picks: Record<number, { alex: number[]; bob: number[] }> = { 1: { alex: [2], bob: [1] }, 2: { alex: [4, 6], bob: [4] } };
    for (const number of [1, 2]) {
      const ask = id();
      const asked = await owner.request({ action: 'next_question', pk: PK, request_id: ask });
      expect(owner.lastBefore(ask, 3)).toEqual(['update/api.game', 'next_question/Game', 'reply next_question 200']);
      // What the owner's front-end reads from the reply.
      expect(asked.data.state).toBe('answering');
      expect(asked.data.quiz.questions.length).toBe(2);
      const question = asked.data.current_question;
      expect(question.number).toBe(number);
      expect(question.variants.map((v: any) => v.id)).toEqual(expect.any(Array));
      for (const [c, name] of [[alex, 'alex'], [bob, 'bob']] as const) {
        const r = id();
        const answered = await c.request({ action: 'answer', pk: PK, data: { question: question.id, answer: picks[number][name] }, request_id: r });
        expect(c.lastBefore(r, 3)).toEqual(['update/api.game', 'answer/Answer', 'reply answer 200']);
        // What the front-end reads of an Answer.
        expect(answered.data.player.user.username).toBe(name);
        expect(typeof answered.data.player.user.last_name).toBe('string');
        expect(answered.data.correct).toBe(name === 'alex');
        expect(typeof answered.data.answer[0].variant).toBe('string');
      }
      const chk = id();
      const checked = await owner.request({ action: 'check', pk: PK, request_id: chk });
      expect(owner.lastBefore(chk, 3)).toEqual(['update/api.game', 'check/GeneratedQuestion', 'reply check 200']);
      expect(checked.data.state).toBe('check');
      const checkBroadcast = owner.payloads.filter((p) => p.action === 'check' && p.model).at(-1);
      expect(checkBroadcast.data.players_answers.map((a: any) => [a.player.user.username, a.correct])).toEqual([['alex', true], ['bob', false]]);
    }
    const last = id();
    const finished = await owner.request({ action: 'next_question', pk: PK, request_id: last });
    expect(owner.lastBefore(last, 3)).toEqual(['update/api.game', 'finish/Game', 'reply next_question 200']);
    // The final score screen, from the reply.
    expect(finished.data).toMatchObject({ state: 'finish', current_question: null });
    expect(finished.data.generated_questions.map((q: any) => [q.id, q.points, q.players_answers.map((a: any) => a.correct)])).toEqual([
      [PK * 1000 + 1, 10, [true, false]],
      [PK * 1000 + 2, 20, [true, false]],
    ]);
    // Players see the same order: the finish broadcast after its update.
    await waitFor(() => alex.payloads.some((p) => p.action === 'finish'), 'finish at alex');
    const tail = alex.payloads.filter((p) => p.model).slice(-2).map((p) => `${p.action}/${p.model}`);
    expect(tail).toEqual(['update/api.game', 'finish/Game']);
    // retrieve agrees once the snapshot is stored.
    await waitFor(async () => ((await gw.gateway.context.store.snapshots.get(String(PK)))?.state === 'finish') || undefined, 'stored finish');
    expect((await alex.request({ action: 'retrieve', pk: PK, request_id: id() })).data.state).toBe('finish');
  });
});

describe('when the back-end fails', () => {
  let silent: Server;
  let broken: TestGateway;
  beforeAll(async () => {
    silent = createServer(() => undefined); // takes requests and never answers
    await new Promise<void>((r) => silent.listen(0, '127.0.0.1', r));
    const port = (silent.address() as AddressInfo).port;
    broken = await startGateway({ ACTION_BACKENDS: `games=http://127.0.0.1:${port}/actions`, ACTION_TIMEOUT_MS: '300' });
  });
  afterAll(async () => {
    await broken.stop();
    silent.closeAllConnections();
    await new Promise((r) => silent.close(r));
  });

  it('replies 504 when it does not answer in time, and 503 when none is configured', async () => {
    const c = await GamesBridgeClient.open(broken.url, await broken.token('u-1', { username: 'one' }));
    clients.push(c);
    expect(await c.request({ action: 'next_question', pk: 1, request_id: 'slow' })).toEqual({
      errors: ['Games back-end did not answer within 300 ms'], data: null, action: 'next_question', response_status: 504, request_id: 'slow',
    });
    const none = await startGateway({});
    try {
      const d = await GamesBridgeClient.open(none.url, await none.token('u-1', { username: 'one' }));
      clients.push(d);
      const r = await d.request({ action: 'check', pk: 1, request_id: 'none' });
      expect(r).toMatchObject({ response_status: 503, action: 'check', request_id: 'none', data: null });
      expect(r.errors[0]).toMatch(/No back-end is configured/);
    } finally {
      await none.stop();
    }
  });
});
