// WebSocket frame fuzzing of the games (`/?session_key=`) and pizza (`/ws?key=` after a ticket)
// sockets: random text and bytes, binary frames, frames over WS_MAX_FRAME_BYTES, deep JSON, wrong
// types, prototype-pollution keys, and frames that are valid JSON of the right shape with wrong
// values. Games must answer every frame with exactly one reply in the spec (an error reply for the
// bad ones, echoing request_id) and close an oversize frame with 1009; pizza ignores client frames
// and must still deliver its store's events afterwards; a random pizza key closes with 4001. The
// server stays up, nothing is polluted, no connection is left hanging.
import fc from 'fast-check';
import WebSocket from 'ws';
import { catalogues } from '../../generated';
import { call, startGateway, type TestGateway } from '../helpers/gateway';
import { gameSnapshot } from '../helpers/examples';
import { waitFor } from '../helpers/wait';
import { deeperThan } from '../../src/validation/json-depth';
import { anyText, hostileJson, params, POLLUTING_KEYS, expectSurvived, prototypeSnapshot, Surface } from './kit';

jest.setTimeout(120_000);

const FRAME_LIMIT = 4096;
/** How long a frame may go unanswered before the connection counts as hung. */
const ANSWER_MS = 5_000;

type Frame = { text: string } | { bytes: Uint8Array } | { oversize: true };

/** A frame over WS_MAX_FRAME_BYTES: the server closes with 1009 instead of reading it. */
const oversized = (frame: Frame) =>
  'oversize' in frame || ('text' in frame ? Buffer.byteLength(frame.text) : frame.bytes.length) > FRAME_LIMIT;

const gamesSurface = new Surface('games ws');
const pizzaSurface = new Surface('pizza ws', 2);
const prototypesBefore = prototypeSnapshot();
let gw: TestGateway;
let wsUrl: string;
let publisher: string;

beforeAll(async () => {
  gw = await startGateway({ WS_MAX_FRAME_BYTES: String(FRAME_LIMIT) });
  wsUrl = gw.url.replace('http', 'ws');
  publisher = await gw.token('fuzz-service', {}, 'publish');
  // Games 1..3 exist, waiting for players: join and retrieve reach their success paths too.
  for (const pk of [1, 2, 3]) {
    const r = await call(`${gw.url}/publish/v1/games`, { headers: { authorization: `Bearer ${publisher}` }, body: { message: 'update', to: { pk }, data: gameSnapshot(pk, 'players_waiting') } });
    expect(r.status).toBe(202);
  }
  await waitFor(async () => gw.gateway.context.store.snapshots.get('3'), 'the seeded games');
});

afterAll(() => gw.stop());

/** A socket that records what it receives and how it closed. */
class Probe {
  readonly frames: unknown[] = [];
  close: { code: number; reason: string } | undefined;
  private constructor(readonly ws: WebSocket) {
    ws.on('message', (data, isBinary) => {
      let frame: unknown = isBinary ? data : data.toString();
      try {
        frame = JSON.parse(String(frame));
      } catch {
        // kept as text
      }
      this.frames.push(frame);
    });
    ws.on('close', (code, reason) => (this.close = { code, reason: reason.toString() }));
    ws.on('error', () => undefined);
  }

  static open(url: string): Promise<Probe> {
    const probe = new Probe(new WebSocket(url));
    return new Promise((resolve, reject) => {
      probe.ws.once('open', () => resolve(probe));
      probe.ws.once('unexpected-response', (_req, res) => reject(new Error(`HTTP ${res.statusCode}`)));
    });
  }

  send(frame: Frame): void {
    if ('text' in frame) this.ws.send(frame.text);
    else if ('bytes' in frame) this.ws.send(frame.bytes, { binary: true });
    else this.ws.send('x'.repeat(FRAME_LIMIT + 1));
  }

  until<T>(check: () => T | undefined, what: string): Promise<T> {
    return waitFor(() => check(), `${what} (received ${JSON.stringify(this.frames).slice(-300)}, close ${JSON.stringify(this.close)})`, ANSWER_MS);
  }
}

const gamesFrame: fc.Arbitrary<Frame> = fc.oneof(
  { weight: 3, arbitrary: anyText.map((text) => ({ text })) },
  { weight: 1, arbitrary: hostileJson.map((text) => ({ text })) },
  {
    weight: 6,
    arbitrary: fc
      .record(
        {
          stream: fc.oneof({ weight: 5, arbitrary: fc.constant('games') }, { weight: 1, arbitrary: fc.jsonValue() }),
          payload: fc.record(
            {
              action: fc.oneof(fc.constantFrom('subscribe', 'join', 'retrieve', 'next_question', 'answer', 'check', ...POLLUTING_KEYS), fc.jsonValue()),
              pk: fc.oneof({ weight: 4, arbitrary: fc.integer({ min: 1, max: 4 }) }, { weight: 1, arbitrary: fc.oneof(fc.integer(), fc.double(), fc.string(), fc.constant(1e308), fc.constant(null)) }),
              data: fc.oneof(fc.record({ action: fc.oneof(fc.constantFrom('update', 'join', 'next_question', 'answer', 'check', 'finish', '__proto__'), fc.string()) }), fc.jsonValue({ maxDepth: 3 })),
              request_id: fc.oneof(fc.uuid(), fc.string(), fc.integer(), fc.constant(null)),
            },
            { requiredKeys: [] },
          ),
        },
        { requiredKeys: [] },
      )
      .map((frame) => ({ text: JSON.stringify(frame) })),
  },
  { weight: 1, arbitrary: fc.uint8Array({ maxLength: 300 }).map((bytes) => ({ bytes })) },
  { weight: 1, arbitrary: fc.constantFrom(...POLLUTING_KEYS).map((k) => ({ text: `{"stream":"games","payload":{"action":"subscribe","pk":1,"request_id":"p","data":{"action":"${k}"},"${k}":{"polluted":true}}}` })) },
);

const gamesSend = Object.values(catalogues.games.messages).filter((m) => m.direction === 'send');
const inGamesSpec = (frame: unknown) => gamesSend.some((m) => m.validate(frame));
const isReply = (frame: any) => typeof frame?.payload?.response_status === 'number';

/** The request_id the reply to a `{stream: "games", payload}` frame must echo (null: none); undefined for other frames. */
function requestIdOf(text: string): string | null | undefined {
  let frame: any;
  try {
    frame = JSON.parse(text);
  } catch {
    return undefined;
  }
  if (deeperThan(frame, 64) || frame?.stream !== 'games' || typeof frame.payload !== 'object' || frame.payload === null) return undefined;
  return typeof frame.payload.request_id === 'string' ? frame.payload.request_id : null;
}

it('games: every frame gets one reply in the spec (or 1009 when oversize); nothing hangs', async () => {
  const tokens = [await gw.token('fuzz-player', { username: 'fuzz-player' }), 'not-a-jwt', ''];
  await fc.assert(
    fc.asyncProperty(
      fc.constantFrom(...tokens),
      fc.array(gamesFrame, { minLength: 1, maxLength: 12 }),
      fc.option(fc.constant({ oversize: true } as Frame), { freq: 8 }),
      async (token, frames, oversize) => {
        const probe = await Probe.open(`${wsUrl}/?session_key=${encodeURIComponent(token)}`);
        try {
          for (const frame of oversize ? [...frames, oversize] : frames) {
            const replies = probe.frames.filter(isReply).length;
            probe.send(frame);
            gamesSurface.cases += 1;
            if (oversized(frame)) {
              expect(await probe.until(() => probe.close, 'the close')).toEqual({ code: 1009, reason: '' });
              break;
            }
            const reply: any = await probe.until(() => probe.frames.filter(isReply)[replies], 'a reply');
            const id = 'text' in frame ? requestIdOf(frame.text) : undefined;
            if (id !== undefined) expect([reply.payload.request_id, frame]).toEqual([id, frame]);
          }
          expect(probe.frames.filter((f) => !inGamesSpec(f))).toEqual([]);
        } finally {
          probe.ws.terminate();
        }
      },
    ),
    params(60),
  );
  gamesSurface.finished();
});

const pizzaFrame: fc.Arbitrary<Frame> = fc.oneof(
  anyText.map((text) => ({ text })),
  fc.uint8Array({ maxLength: 300 }).map((bytes) => ({ bytes })),
  fc.constantFrom(...POLLUTING_KEYS).map((k) => ({ text: `{"${k}":{"polluted":true},"event_name":"ACCEPT_PIZZA","data":[]}` })),
);

let store = 1000;
async function ticketFor(storeId: number): Promise<string> {
  const token = await gw.token(`manager-${storeId}`, { store_id: storeId });
  const r = await call(`${gw.url}/api/v1/ws/ticket`, { headers: { authorization: `Bearer ${token}` } });
  if (r.status >= 500) pizzaSurface.fiveXx += 1;
  return r.body.token;
}

it('pizza: client frames are ignored and the store\'s events still arrive; oversize closes 1009', async () => {
  await fc.assert(
    fc.asyncProperty(fc.array(pizzaFrame, { minLength: 1, maxLength: 12 }), fc.option(fc.constant({ oversize: true } as Frame), { freq: 8 }), async (frames, oversize) => {
      const storeId = (store += 1);
      const probe = await Probe.open(`${wsUrl}/ws?key=${await ticketFor(storeId)}`);
      try {
        const sent = oversize ? [...frames, oversize] : frames;
        const cut = sent.findIndex(oversized);
        for (const frame of cut === -1 ? sent : sent.slice(0, cut + 1)) probe.send(frame);
        pizzaSurface.cases += cut === -1 ? sent.length : cut + 1;
        if (cut !== -1) {
          expect(await probe.until(() => probe.close, 'the close')).toEqual({ code: 1009, reason: '' });
          return;
        }
        const uuid = `9b2f4a40-5c1e-4f7a-9a55-${String(storeId).padStart(12, '0')}`;
        const r = await call(`${gw.url}/publish/v1/pizza`, { headers: { authorization: `Bearer ${publisher}` }, body: { message: 'ACCEPT_PIZZA', to: { store_id: storeId }, data: [uuid] } });
        expect(r.status).toBe(202);
        expect(await probe.until(() => probe.frames.find((f: any) => f?.data?.[0] === uuid), 'the store event')).toEqual({ event_name: 'ACCEPT_PIZZA', data: [uuid] });
      } finally {
        probe.ws.terminate();
      }
    }),
    params(40),
  );
  pizzaSurface.finished();
});

it('pizza: any key that is not a live ticket closes 4001', async () => {
  await fc.assert(
    fc.asyncProperty(fc.oneof(fc.string({ maxLength: 64 }), fc.fullUnicodeString({ maxLength: 16 }), fc.constantFrom('%', '%zz', '__proto__', 'constructor', 'x'.repeat(4000))), async (key) => {
      const probe = await Probe.open(`${wsUrl}/ws?key=${encodeURIComponent(key)}`);
      pizzaSurface.cases += 1;
      const expected = key === '' ? 'Connection key cannot be empty' : 'Wrong connection key.';
      expect(await probe.until(() => probe.close, 'the close')).toEqual({ code: 4001, reason: expected });
    }),
    params(60),
  );
  pizzaSurface.finished();
});

it('stays up, unpolluted, with no crash', () => expectSurvived(gw.url, [gamesSurface, pizzaSurface], prototypesBefore));
