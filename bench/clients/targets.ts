// How a client joins the audience and how an event is published, per target and scenario. The
// targets get the same clients, the same frames and the same HTTP ingress; only the protocol around
// them differs (switchyard's auth, subscribe and tickets; Centrifugo's connect, subscribe and push
// envelope; nothing at all on the bare servers).
import { SignJWT } from 'jose';
import WebSocket from 'ws';
import { DEV_JWT_SECRET } from '../../src/config';
import { signToken } from '../../src/auth/token';
import { CENTRIFUGO_API_KEY, CENTRIFUGO_CHANNEL, CENTRIFUGO_TOKEN_SECRET, CENTRIFUGO_WS_PATH } from '../lib/centrifugo';
import { AUDIENCE_ID, BENCH_CHANNEL, EventFactory, type GamesEvent } from '../lib/payloads';
import type { LoadPlan } from '../lib/protocol';
import { HttpClient } from './http';
import { CLIENT_OPTIONS, openSocketIo, openWorkspaceMember } from './socketio-wire';

export interface Target {
  /** Opens client `index`, joined to the audience (game 1 subscribed, or admitted to store 1). */
  connect(index: number): Promise<WebSocket>;
  /** One event carrying `mark`; resolves when the server accepted it. */
  publish(mark: string): Promise<void>;
  /** One event per mark, in one batch publish request; resolves when the server accepted every one. */
  publishBatch(marks: string[]): Promise<void>;
  /** Several pushes in one frame, newline-delimited (Centrifugo's JSON protocol): the counter splits them. */
  multiMessageFrames?: boolean;
  close(): void;
}

export async function createTarget(plan: LoadPlan): Promise<Target> {
  const base = `ws://127.0.0.1:${plan.port}`;
  const events = new EventFactory(plan.scenario, plan.gamesEvent);
  // One agent per purpose: set-up traffic (tickets) must not hold the publisher's sockets.
  const publishHttp = new HttpClient(plan.port, plan.concurrency);
  const setupHttp = new HttpClient(plan.port, 16);
  const close = (): void => {
    publishHttp.close();
    setupHttp.close();
  };

  const barePublishBatch = (marks: string[]): Promise<void> => post(publishHttp, '/publish-batch', {}, marks.map((m) => events.frame(m)));
  if (plan.target === 'bare-ws') {
    return {
      connect: () => open(`${base}/`),
      publish: (mark) => post(publishHttp, '/publish', {}, events.frame(mark)),
      publishBatch: barePublishBatch,
      close,
    };
  }
  if (plan.target === 'bare-socketio') {
    // The bare server puts every connection in its one room.
    return {
      connect: () => openSocketIo(base),
      publish: (mark) => post(publishHttp, '/publish', {}, events.frame(mark)),
      publishBatch: barePublishBatch,
      close,
    };
  }
  if (plan.target === 'centrifugo') return centrifugoTarget(plan, events, publishHttp, close);

  const publisher = await signToken(DEV_JWT_SECRET, { sub: 'bench-publisher', scope: 'publish' });
  const auth = { authorization: `Bearer ${publisher}` };
  const publish = (mark: string): Promise<void> => post(publishHttp, `/publish/v1/${plan.scenario}`, auth, events.switchyardEnvelope(mark));
  const publishBatch = async (marks: string[]): Promise<void> => {
    const path = `/publish/v1/${plan.scenario}/batch`;
    const res = await publishHttp.call('POST', path, auth, JSON.stringify({ events: marks.map((m) => events.switchyardEnvelope(m)) }));
    const refused = res.status === 200 ? (JSON.parse(res.text) as { results: Array<{ status: number }> }).results.filter((r) => r.status !== 202) : [];
    if (res.status !== 200 || refused.length > 0) throw new Error(`POST ${path}: HTTP ${res.status} ${res.text.slice(0, 500)}`);
  };

  if (plan.scenario === 'games') {
    const session = await signToken(DEV_JWT_SECRET, { sub: 'bench-player', claims: { username: 'bench-player' } });
    return {
      connect: async (index) => {
        const ws = await open(`${base}/?session_key=${session}`);
        await subscribe(ws, `bench-${index}`, AUDIENCE_ID, plan.gamesEvent);
        return ws;
      },
      publish,
      publishBatch,
      close,
    };
  }

  if (plan.scenario === 'workspace') {
    // Each client a user of its own, alone in a workspace of its own, holding a `channels` claim for
    // the bench channel: every client is in the room `channel:bench-channel`. One shared workspace
    // would make connecting cost N²/2 presence frames (every auth announces the user online to the
    // whole workspace), which is the connect phase, not the fan-out being measured. Tokens are
    // signed before anything is timed.
    const count = plan.clients + (plan.baseClients ?? 0);
    const tokens = await Promise.all(
      Array.from({ length: count }, (_, index) =>
        signToken(DEV_JWT_SECRET, { sub: `bench-user-${index}`, claims: { workspaces: [`bench-ws-${index}`], channels: [BENCH_CHANNEL] } }),
      ),
    );
    return {
      connect: (index) => openWorkspaceMember(base, tokens[index], `bench-ws-${index}`),
      publish,
      publishBatch,
      close,
    };
  }

  const manager = await signToken(DEV_JWT_SECRET, { sub: 'bench-manager', claims: { store_id: AUDIENCE_ID } });
  return {
    connect: async () => {
      // Each client its own one-off ticket, as real store clients do.
      const res = await setupHttp.call('GET', '/api/v1/ws/ticket', { authorization: `Bearer ${manager}` });
      if (res.status !== 200) throw new Error(`ticket: HTTP ${res.status} ${res.text}`);
      return open(`${base}/ws?key=${(JSON.parse(res.text) as { token: string }).token}`);
    },
    publish,
    publishBatch,
    close,
  };
}

/**
 * Centrifugo over its JSON protocol on raw WebSockets, as its own client SDKs speak it: `connect`
 * with an HMAC connection token (one for every client, as the games clients share a session key),
 * then `subscribe` to the bench channel; pings (`{}`) are answered with pongs (`{}`). Events are
 * published with the HTTP API (`/api/publish`, `/api/batch`, `X-API-Key`); the published `data` is
 * the bare server's frame, so a client receives it inside Centrifugo's push envelope.
 */
async function centrifugoTarget(plan: LoadPlan, events: EventFactory, http: HttpClient, close: () => void): Promise<Target> {
  const token = await new SignJWT({ sub: 'bench-user' }).setProtectedHeader({ alg: 'HS256' }).sign(new TextEncoder().encode(CENTRIFUGO_TOKEN_SECRET));
  const auth = { 'x-api-key': CENTRIFUGO_API_KEY };
  // The HTTP API answers 200 with an `error` in the body (or in a batch reply) when a command fails.
  const call = async (path: string, body: unknown): Promise<void> => {
    const res = await http.call('POST', path, auth, JSON.stringify(body));
    if (res.status !== 200 || res.text.includes('"error"')) throw new Error(`POST ${path}: HTTP ${res.status} ${res.text.slice(0, 500)}`);
  };
  const command = (mark: string): { channel: string; data: unknown } => ({ channel: CENTRIFUGO_CHANNEL, data: events.frame(mark) });
  return {
    connect: async () => {
      const ws = await open(`ws://127.0.0.1:${plan.port}${CENTRIFUGO_WS_PATH}`);
      ws.on('message', (data: Buffer) => {
        if (isCentrifugoPing(data)) ws.send('{}');
      });
      await centrifugoCommand(ws, 1, { connect: { token, name: 'bench' } });
      await centrifugoCommand(ws, 2, { subscribe: { channel: CENTRIFUGO_CHANNEL } });
      return ws;
    },
    publish: (mark) => call('/api/publish', command(mark)),
    publishBatch: (marks) => call('/api/batch', { commands: marks.map((m) => ({ publish: command(m) })) }),
    multiMessageFrames: true,
    close,
  };
}

const PING = Buffer.from('{}');
const PING_FIRST = Buffer.from('{}\n');
const PING_INSIDE = Buffer.from('\n{}\n');
const PING_LAST = Buffer.from('\n{}');

/** A frame that is, or holds among its newline-delimited messages, the server's ping `{}` (native byte searches only). */
function isCentrifugoPing(data: Buffer): boolean {
  if (data.length <= 3) return data.equals(PING) || data.equals(PING_FIRST);
  const n = data.length;
  return (
    data.subarray(0, 3).equals(PING_FIRST) ||
    data.subarray(n - 3).equals(PING_LAST) ||
    data.indexOf(PING_INSIDE) >= 0
  );
}

/** Sends a command with `id` and waits for its reply; a reply with `error` rejects. */
function centrifugoCommand(ws: WebSocket, id: number, command: Record<string, unknown>): Promise<void> {
  return new Promise((resolve, reject) => {
    const onMessage = (data: Buffer): void => {
      for (const text of data.toString('utf8').split('\n')) {
        const reply = JSON.parse(text) as { id?: number; error?: unknown };
        if (reply.id !== id) continue;
        ws.off('message', onMessage);
        if (reply.error) reject(new Error(`centrifugo ${Object.keys(command)[0]} refused: ${JSON.stringify(reply.error)}`));
        else resolve();
      }
    };
    ws.on('message', onMessage);
    ws.send(JSON.stringify({ id, ...command }));
  });
}

export async function post(http: HttpClient, path: string, headers: Record<string, string>, body: unknown): Promise<void> {
  const res = await http.call('POST', path, headers, JSON.stringify(body));
  if (res.status !== 202) throw new Error(`POST ${path}: HTTP ${res.status} ${res.text.slice(0, 500)}`);
}

export function open(url: string): Promise<WebSocket> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(url, CLIENT_OPTIONS);
    ws.once('open', () => {
      ws.off('error', reject);
      resolve(ws);
    });
    ws.once('error', reject);
  });
}

/** Sends the games `subscribe` request (`event` of game `pk`) and waits for its 200 reply. */
export function subscribe(ws: WebSocket, requestId: string, pk = AUDIENCE_ID, event: GamesEvent = 'update'): Promise<void> {
  return new Promise((resolve, reject) => {
    const onMessage = (data: Buffer): void => {
      const frame = JSON.parse(data.toString('utf8')) as { payload?: { request_id?: string; response_status?: number; errors?: string[] } };
      if (frame.payload?.request_id !== requestId) return;
      ws.off('message', onMessage);
      if (frame.payload.response_status === 200) resolve();
      else reject(new Error(`subscribe refused: ${frame.payload.response_status} ${JSON.stringify(frame.payload.errors)}`));
    };
    ws.on('message', onMessage);
    ws.send(JSON.stringify({ stream: 'games', payload: { action: 'subscribe', pk, data: { action: event }, request_id: requestId } }));
  });
}
