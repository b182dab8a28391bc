// The events API baseline: the same two endpoints (`POST /events/v1/events` appends to a channel's
// log, `GET /events/v1/events` answers events after a cursor or long-polls until one arrives) as a
// Node developer would write them with node:http and an array per channel. Same request and answer
// bodies as switchyard (events-rest-longpoll.md), the same secret check (constant time), the same
// per-(clientId, channel) cursor. No framework, no validation, no store port: what is left is HTTP
// plus the long-poll bookkeeping, the practical ceiling the events API is measured against.
import { createHash, timingSafeEqual } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { DEV_API_SECRET } from '../../src/config';
import { listenLocal, runServerChild } from '../lib/server-child';

interface StoredEvent {
  id: number;
  timestamp: number;
  type: string;
  from: string;
  data?: unknown;
}

const POLL_TIMEOUT_MS = 5_000; // as switchyard's POLL_TIMEOUT_MS default
const MAX_LIMIT = 100;
const SECRET = createHash('sha256').update(DEV_API_SECRET).digest();

const logs = new Map<string, StoredEvent[]>();
const cursors = new Map<string, number>();
const waiters = new Map<string, Set<() => void>>();

const secretOk = (s: unknown): boolean => typeof s === 'string' && timingSafeEqual(createHash('sha256').update(s).digest(), SECRET);

function json(res: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) }).end(text);
}

function emit(req: IncomingMessage, res: ServerResponse): void {
  const chunks: Buffer[] = [];
  req.on('data', (c: Buffer) => chunks.push(c));
  req.on('end', () => {
    let body: Record<string, unknown>;
    try {
      body = JSON.parse(Buffer.concat(chunks).toString('utf8')) as Record<string, unknown>;
    } catch {
      return json(res, 400, { error: 'invalid JSON' });
    }
    const { channel, from, type, data } = body;
    if (typeof channel !== 'string' || typeof from !== 'string' || typeof type !== 'string' || typeof body.clientId !== 'string') {
      return json(res, 400, { error: 'clientId, channel, secret, from and type are required' });
    }
    if (!secretOk(body.secret)) return json(res, 401, { error: 'Invalid secret' });
    const log = logs.get(channel) ?? [];
    logs.set(channel, log);
    const event: StoredEvent = { id: log.length + 1, timestamp: Date.now(), type, from };
    if (data !== undefined) event.data = data;
    log.push(event);
    const woken = waiters.get(channel);
    waiters.delete(channel);
    for (const wake of woken ?? []) wake();
    json(res, 200, event);
  });
}

function poll(url: URL, req: IncomingMessage, res: ServerResponse): void {
  const q = url.searchParams;
  const clientId = q.get('clientId');
  const channel = q.get('channel');
  if (!clientId || !channel || !q.get('secret')) return json(res, 400, { error: 'clientId, channel and secret are required' });
  if (!secretOk(q.get('secret'))) return json(res, 401, { error: 'Invalid secret' });
  const limitRaw = Number(q.get('limit'));
  const limit = Number.isInteger(limitRaw) && limitRaw >= 1 && limitRaw <= MAX_LIMIT ? limitRaw : MAX_LIMIT;
  const key = `${clientId}\n${channel}`;
  let after: number;
  if (q.has('after')) {
    const n = Number(q.get('after'));
    after = Number.isInteger(n) && n >= 0 ? n : 0;
    cursors.set(key, after);
  } else {
    after = cursors.get(key) ?? 0;
  }
  const read = (): StoredEvent[] => (logs.get(channel) ?? []).slice(after, after + limit);
  const events = read();
  if (events.length > 0) return json(res, 200, events);
  let set = waiters.get(channel);
  if (!set) waiters.set(channel, (set = new Set()));
  const wake = (): void => {
    clearTimeout(timer);
    res.off('close', gone);
    json(res, 200, read());
  };
  const gone = (): void => {
    clearTimeout(timer);
    waiters.get(channel)?.delete(wake);
  };
  const timer = setTimeout(() => {
    waiters.get(channel)?.delete(wake);
    res.off('close', gone);
    json(res, 200, []);
  }, POLL_TIMEOUT_MS);
  set.add(wake);
  res.once('close', gone);
}

runServerChild('bare-events-server', async () => {
  const server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://localhost');
    if (url.pathname !== '/events/v1/events') return void res.writeHead(404).end();
    if (req.method === 'POST') emit(req, res);
    else if (req.method === 'GET') poll(url, req, res);
    else res.writeHead(405).end();
  });
  return listenLocal(server);
});
