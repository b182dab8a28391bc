// How a client joins the audience and how an event is published, per target and scenario. The two
// targets get the same clients, the same frames and the same HTTP ingress; only the protocol around
// them differs (switchyard's auth, subscribe and tickets; nothing at all on the bare servers).
import WebSocket from 'ws';
import { DEV_JWT_SECRET } from '../../src/config';
import { signToken } from '../../src/auth/token';
import { AUDIENCE_ID, BENCH_CHANNEL, EventFactory } from '../lib/payloads';
import type { LoadPlan } from '../lib/protocol';
import { HttpClient } from './http';
import { CLIENT_OPTIONS, openSocketIo, openWorkspaceMember } from './socketio-wire';

export interface Target {
  /** Opens client `index`, joined to the audience (game 1 subscribed, or admitted to store 1). */
  connect(index: number): Promise<WebSocket>;
  /** One event carrying `mark`; resolves when the server accepted it. */
  publish(mark: string): Promise<void>;
  close(): void;
}

export async function createTarget(plan: LoadPlan): Promise<Target> {
  const base = `ws://127.0.0.1:${plan.port}`;
  const events = new EventFactory(plan.scenario);
  // One agent per purpose: set-up traffic (tickets) must not hold the publisher's sockets.
  const publishHttp = new HttpClient(plan.port, plan.concurrency);
  const setupHttp = new HttpClient(plan.port, 16);
  const close = (): void => {
    publishHttp.close();
    setupHttp.close();
  };

  if (plan.target === 'bare-ws') {
    return {
      connect: () => open(`${base}/`),
      publish: (mark) => post(publishHttp, '/publish', {}, events.frame(mark)),
      close,
    };
  }
  if (plan.target === 'bare-socketio') {
    // The bare server puts every connection in its one room.
    return {
      connect: () => openSocketIo(base),
      publish: (mark) => post(publishHttp, '/publish', {}, events.frame(mark)),
      close,
    };
  }

  const publisher = await signToken(DEV_JWT_SECRET, { sub: 'bench-publisher', scope: 'publish' });
  const auth = { authorization: `Bearer ${publisher}` };
  const publish = (mark: string): Promise<void> => post(publishHttp, `/publish/v1/${plan.scenario}`, auth, events.switchyardEnvelope(mark));

  if (plan.scenario === 'games') {
    const session = await signToken(DEV_JWT_SECRET, { sub: 'bench-player', claims: { username: 'bench-player' } });
    return {
      connect: async (index) => {
        const ws = await open(`${base}/?session_key=${session}`);
        await subscribe(ws, `bench-${index}`);
        return ws;
      },
      publish,
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
    close,
  };
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

/** Sends the games `subscribe` request (`update` of game `pk`) and waits for its 200 reply. */
export function subscribe(ws: WebSocket, requestId: string, pk = AUDIENCE_ID): Promise<void> {
  return new Promise((resolve, reject) => {
    const onMessage = (data: Buffer): void => {
      const frame = JSON.parse(data.toString('utf8')) as { payload?: { request_id?: string; response_status?: number; errors?: string[] } };
      if (frame.payload?.request_id !== requestId) return;
      ws.off('message', onMessage);
      if (frame.payload.response_status === 200) resolve();
      else reject(new Error(`subscribe refused: ${frame.payload.response_status} ${JSON.stringify(frame.payload.errors)}`));
    };
    ws.on('message', onMessage);
    ws.send(JSON.stringify({ stream: 'games', payload: { action: 'subscribe', pk, data: { action: 'update' }, request_id: requestId } }));
  });
}
