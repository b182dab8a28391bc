// socket.io fuzzing of the workspace API: events with random names and arguments (wrong types,
// deep JSON, prototype-pollution keys, binary attachments, auth payloads good and bad) before and
// after a valid `auth`, and raw engine.io / socket.io packets (garbage, reserved event names,
// attachments that never come) over a bare WebSocket. Every event gets exactly one answer in the
// spec (`socket-api-error` for the event, or `auth-success`); a raw connection either answers a
// final probe or is closed, never left hanging; the server stays up, nothing is polluted.
import fc from 'fast-check';
import WebSocket from 'ws';
import { io } from 'socket.io-client';
import { catalogues, type MessageEntry } from '../../generated';
import { startGateway, type TestGateway } from '../helpers/gateway';
import { nested } from '../helpers/deep-json';
import { Client } from '../helpers/workspace-client';
import { waitFor } from '../helpers/wait';
import { anyText, params, POLLUTING_KEYS, expectSurvived, prototypeSnapshot, Surface } from './kit';

jest.setTimeout(120_000);

const WORKSPACE = 'a3c1d2e4-0000-4000-8000-00000000f022';
const ANSWER_MS = 5_000;
/** Event names socket.io-client refuses to emit itself (the raw packets send them). */
const CLIENT_RESERVED = new Set(['connect', 'connect_error', 'disconnect', 'disconnecting', 'newListener', 'removeListener']);

const surface = new Surface('workspace socket.io');
const rawSurface = new Surface('workspace engine.io packets');
const prototypesBefore = prototypeSnapshot();
let gw: TestGateway;
let memberToken: string;

beforeAll(async () => {
  gw = await startGateway();
  memberToken = await gw.token('fuzz-member', { workspaces: [WORKSPACE] });
});

afterAll(() => gw.stop());

const messages: MessageEntry[] = Object.values(catalogues.workspace.messages).filter((m) => m.direction === 'send');
const byName = new Map(messages.map((m) => [m.name, m]));
const transactionError = catalogues.workspace.messages['socket-api-error-transaction'];

/** True when an event the server emitted is one the spec describes, with a valid payload. */
function inSpec(event: string, data: unknown): boolean {
  const entry = event.startsWith('socket-api-error-') ? transactionError : byName.get(event);
  return entry !== undefined && entry.validate(data);
}

const argument: fc.Arbitrary<unknown> = fc.oneof(
  { weight: 3, arbitrary: fc.jsonValue({ maxDepth: 3 }) },
  {
    weight: 3,
    arbitrary: fc.record(
      {
        transaction: fc.oneof(fc.string({ maxLength: 20 }), fc.jsonValue()),
        token: fc.oneof(fc.constant('member'), fc.string(), fc.jsonValue()),
        workspaceId: fc.oneof(fc.constant(WORKSPACE), fc.uuid(), fc.jsonValue()),
        onlineStatus: fc.oneof(fc.constantFrom('online', 'idle', 'offline'), fc.jsonValue()),
        prevSocketId: fc.oneof(fc.string(), fc.constant(null)),
        localTimeZone: fc.string(),
      },
      { requiredKeys: [] },
    ).map((auth) => (auth.token === 'member' ? { ...auth, token: memberToken } : auth)),
  },
  { weight: 1, arbitrary: fc.integer({ min: 65, max: 3000 }).map((n) => nested(n)) },
  { weight: 1, arbitrary: fc.constantFrom(...POLLUTING_KEYS).map((k) => JSON.parse(`{"${k}": {"polluted": true}, "transaction": "p"}`)) },
  { weight: 1, arbitrary: fc.uint8Array({ maxLength: 64 }).map((bytes) => Buffer.from(bytes)) },
);

const eventName: fc.Arbitrary<string> = fc
  .oneof(
    fc.constantFrom('auth', 'auth', 'logout', 'conversation-broadcast', 'error', 'socket-api-error', 'auth-success', ...POLLUTING_KEYS),
    fc.string({ minLength: 1, maxLength: 30 }),
  )
  .filter((name) => !CLIENT_RESERVED.has(name));

it('every event gets one answer in the spec, before and after auth', async () => {
  await fc.assert(
    fc.asyncProperty(fc.boolean(), fc.array(fc.tuple(eventName, fc.array(argument, { maxLength: 3 })), { minLength: 1, maxLength: 8 }), async (authFirst, events) => {
      const client = new Client(io(gw.url, { transports: ['websocket'], forceNew: true, reconnection: false }));
      try {
        await new Promise<void>((resolve, reject) => {
          client.socket.once('connect', () => resolve());
          client.socket.once('connect_error', reject);
        });
        if (authFirst) await client.auth(memberToken, WORKSPACE);
        let authenticated = authFirst; // a failed auth keeps the previous identity
        for (const [name, args] of events) {
          const answered = () => client.received.filter((r) => r.event === 'socket-api-error' || r.event === 'auth-success').length;
          const before = answered();
          client.socket.emit(name, ...args);
          surface.cases += 1;
          await waitFor(() => answered() > before || client.disconnectReason, `an answer to ${JSON.stringify([name, ...args]).slice(0, 300)}`, ANSWER_MS);
          // `logout` of an authenticated socket (with a JSON payload: a binary one is refused first)
          // is answered by the server's disconnect.
          if (name === 'logout' && authenticated && client.disconnectReason !== undefined) {
            expect(client.disconnectReason).toBe('io server disconnect');
            break;
          }
          expect(client.disconnectReason).toBeUndefined();
          const answer = client.received.filter((r) => r.event === 'socket-api-error' || r.event === 'auth-success')[before];
          if (answer.event === 'socket-api-error') expect((answer.data as { event: string }).event).toBe(name);
          else expect(name).toBe('auth');
          if (answer.event === 'auth-success') authenticated = true;
        }
        // Let trailing events (transaction errors, presence) arrive, then check every one.
        await new Promise((r) => setTimeout(r, 20));
        expect(client.received.filter((r) => !inSpec(r.event, r.data))).toEqual([]);
      } finally {
        client.socket.close();
      }
    }),
    params(60),
  );
  surface.finished();
});

/** A bare engine.io WebSocket connected to the default namespace. */
async function rawConnection(): Promise<{ ws: WebSocket; received: string[]; closed: () => boolean }> {
  const ws = new WebSocket(`${gw.url.replace('http', 'ws')}/socket.io/?EIO=4&transport=websocket`);
  const received: string[] = [];
  let closed = false;
  ws.on('message', (d) => {
    const text = d.toString();
    received.push(text);
    if (text === '2') ws.send('3'); // pong
  });
  ws.on('close', () => (closed = true));
  ws.on('error', () => undefined);
  await new Promise((resolve) => ws.once('open', resolve));
  await waitFor(() => received.some((r) => r.startsWith('0{')), 'the engine.io handshake', ANSWER_MS);
  ws.send('40');
  await waitFor(() => received.some((r) => r.startsWith('40{')), 'the namespace connect', ANSWER_MS);
  return { ws, received, closed: () => closed };
}

const packet: fc.Arbitrary<string | Buffer> = fc.oneof(
  fc.tuple(fc.constantFrom('0', '1', '2', '3', '4', '5', '6', '7', ''), anyText).map(([type, text]) => type + text),
  fc.tuple(fc.constantFrom('0', '1', '2', '3', '4', '5', '6', '9'), anyText).map(([type, text]) => `4${type}${text}`),
  anyText.map((text) => `42${text}`),
  fc.constantFrom(
    '42["disconnect"]', '42["connect"]', '42["newListener","x"]', '42["error","x"]', '42["__proto__",{"polluted":true}]',
    '451-["auth",{"_placeholder":true,"num":0}]', '451-["auth",{"_placeholder":true,"num":"x"}]', '452-["a",{"_placeholder":true,"num":0}]',
    '41', '40', '40/nope,', '44{"message":"x"}', '43[]', '46[]', '42/other,["auth",{}]', '4', '',
  ),
  fc.uint8Array({ maxLength: 100 }).map((bytes) => Buffer.from(bytes)),
);

it('raw packets: a connection answers a final probe or is closed, never hangs', async () => {
  await fc.assert(
    fc.asyncProperty(fc.array(packet, { minLength: 1, maxLength: 8 }), async (packets) => {
      const conn = await rawConnection();
      try {
        for (const p of packets) conn.ws.send(p);
        rawSurface.cases += packets.length;
        const before = conn.received.length;
        if (!conn.closed()) conn.ws.send('42["probe",{"transaction":"probe"}]');
        await waitFor(
          () => conn.closed() || conn.received.slice(before).some((r) => r.includes('socket-api-error')),
          `an answer or a close after ${JSON.stringify(packets).slice(0, 300)}`,
          ANSWER_MS,
        );
      } finally {
        conn.ws.terminate();
      }
    }),
    params(60),
  );
  rawSurface.finished();
});

it('stays up, unpolluted, with no crash', () => expectSurvived(gw.url, [surface, rawSurface], prototypesBefore));
