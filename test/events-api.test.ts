// The events API (events-rest-longpoll.md + ORIGINALS.md) end to end over HTTP.
import { MemoryBus } from '../src/bus/memory-bus';
import type { GatewayOptions } from '../src/gateway/gateway';
import { DependencyUnavailableError } from '../src/ports/availability';
import type { ApiName, Envelope } from '../src/ports/bus';
import { MemoryStore } from '../src/store/memory-store';
import { call, startGateway, type TestGateway } from './helpers/gateway';

const SECRET = 'test-api-secret';
let gw: TestGateway;
beforeAll(async () => {
  gw = await startGateway({ API_SECRET: SECRET, POLL_TIMEOUT_MS: '300' });
});
afterAll(() => gw.stop());

let n = 0;
const fresh = (prefix: string) => `${prefix}-${++n}-${Math.random().toString(36).slice(2, 8)}`;
const get = (params: Record<string, string | number>) =>
  call(`${gw.url}/events/v1/events?${new URLSearchParams(Object.entries(params).map(([k, v]): [string, string] => [k, String(v)]))}`);
const emit = (body: unknown) => call(`${gw.url}/events/v1/events`, { body });
const post = (channel: string, type = 'MOVE', data?: unknown) =>
  emit({ clientId: 'turngame:worker-01', channel, secret: SECRET, from: 'turngame/v1', type, ...(data ? { data } : {}) });

describe('POST /events/v1/events', () => {
  it('stores the event and answers it with a per-channel id from 1 and a JS timestamp', async () => {
    const channel = fresh('ch');
    const before = Date.now();
    const r = await post(channel, 'MOVE', { anything: "you'd like", flag: true });
    expect(r.status).toBe(200);
    expect(r.body).toEqual({ id: 1, timestamp: expect.any(Number), type: 'MOVE', from: 'turngame/v1', data: { anything: "you'd like", flag: true } });
    expect(r.body.timestamp).toBeGreaterThanOrEqual(before);
    expect((await post(channel)).body.id).toBe(2);
    expect((await post(fresh('other'))).body.id).toBe(1);
  });

  it("400 with the original's message for the first failing field, in the original's order", async () => {
    const ok: Record<string, unknown> = { clientId: 'c', channel: fresh('ch'), secret: SECRET, from: 'f', type: 't' };
    const invalid = (message: string) => ({ status: 400, body: { code: 'InvalidContent', message } });
    const messages: Record<string, string> = { clientId: 'Invalid Client ID', channel: 'Invalid Channel', from: 'Invalid from', type: 'Invalid type' };
    for (const [field, message] of Object.entries(messages)) {
      const missing = { ...ok };
      delete missing[field];
      expect(await emit(missing)).toMatchObject(invalid(message));
      expect(await emit({ ...ok, [field]: '' })).toMatchObject(invalid(message));
      expect(await emit({ ...ok, [field]: 7 })).toMatchObject(invalid(message));
    }
    // Several bad fields: the first in the original's order wins.
    expect(await emit({ secret: SECRET, type: '', data: null })).toMatchObject(invalid('Invalid Client ID'));
    expect(await emit({ ...ok, from: '', type: '' })).toMatchObject(invalid('Invalid from'));
    for (const data of [null, 0, 'text', true]) expect(await emit({ ...ok, data })).toMatchObject(invalid('Invalid data'));
    expect(await call(`${gw.url}/events/v1/events`, { body: '{"broken' })).toMatchObject({ status: 400, body: { code: 'InvalidContent', message: expect.any(String) } });
  });

  it('accepts an array as data and answers it back, as the document\'s own example carries', async () => {
    const channel = fresh('arr');
    const r = await post(channel, 'MOVE', [1, 2, 3]);
    expect(r).toMatchObject({ status: 200, body: { id: 1, type: 'MOVE', data: [1, 2, 3] } });
    expect((await get({ clientId: 'c', channel, secret: SECRET, after: 0 })).body).toEqual([r.body]);
  });

  it('ignores body fields the original did not read', async () => {
    const channel = fresh('extra');
    const r = await emit({ clientId: 'c', channel, secret: SECRET, from: 'f', type: 't', id: 99, timestamp: 1, priority: 'high' });
    expect(r).toMatchObject({ status: 200, body: { id: 1, from: 'f', type: 't' } });
    expect(r.body.timestamp).not.toBe(1);
    expect(r.body).not.toHaveProperty('priority');
  });

  it('takes the secret from the query string too', async () => {
    const r = await call(`${gw.url}/events/v1/events?secret=${SECRET}`, { body: { clientId: 'c', channel: fresh('q'), from: 'f', type: 't' } });
    expect(r).toMatchObject({ status: 200, body: { id: 1 } });
  });

  it("401 with the original's body for a missing, empty or wrong secret, before any other check", async () => {
    const denied = { status: 401, body: { code: 'InvalidCredentialsError', message: 'Invalid credentials' } };
    const good = { clientId: 'c', channel: fresh('ch'), from: 'f', type: 't' };
    expect(await emit({ ...good, secret: 'wrong' })).toEqual(expect.objectContaining(denied));
    expect(await emit(good)).toEqual(expect.objectContaining(denied));
    expect(await emit({ ...good, secret: '' })).toEqual(expect.objectContaining(denied));
    expect(await emit({ ...good, secret: 42 })).toEqual(expect.objectContaining(denied));
    // Every other field wrong too: still 401 first.
    expect(await emit({ secret: 'wrong', data: null })).toEqual(expect.objectContaining(denied));
    expect(await emit([])).toEqual(expect.objectContaining(denied));
  });
});

describe('GET /events/v1/events', () => {
  it("401 with the original's body for a missing, empty or wrong secret, checked first; then 400 Invalid Client ID, Invalid Channel", async () => {
    const denied = { status: 401, body: { code: 'InvalidCredentialsError', message: 'Invalid credentials' } };
    for (const secret of [undefined, '', 'nope']) {
      const q: Record<string, string> = secret === undefined ? {} : { secret };
      expect(await get({ clientId: 'c', channel: 'ch', ...q })).toMatchObject(denied);
      expect(await get(q)).toMatchObject(denied);
    }
    const invalid = (message: string) => ({ status: 400, body: { code: 'InvalidContent', message } });
    expect(await get({ secret: SECRET })).toMatchObject(invalid('Invalid Client ID'));
    expect(await get({ secret: SECRET, clientId: '', channel: 'ch' })).toMatchObject(invalid('Invalid Client ID'));
    expect(await get({ secret: SECRET, clientId: 'c' })).toMatchObject(invalid('Invalid Channel'));
    expect(await get({ secret: SECRET, clientId: 'c', channel: '' })).toMatchObject(invalid('Invalid Channel'));
  });

  it('answers at once with the events after `after`, oldest first, at most `limit`', async () => {
    const channel = fresh('ch');
    for (let i = 0; i < 5; i++) await post(channel, `T${i + 1}`);
    const r = await get({ clientId: 'c1', channel, secret: SECRET, after: 2, limit: 2 });
    expect(r.status).toBe(200);
    expect(r.body.map((e: { id: number; type: string }) => [e.id, e.type])).toEqual([[3, 'T3'], [4, 'T4']]);
  });

  it('treats an invalid `after` as 0 and an invalid or out-of-range `limit` as 100', async () => {
    const channel = fresh('ch');
    for (let i = 0; i < 3; i++) await post(channel);
    for (const after of ['abc', '-1', '1.5']) {
      expect((await get({ clientId: fresh('c'), channel, secret: SECRET, after })).body).toHaveLength(3);
    }
    for (let i = 0; i < 100; i++) await post(channel);
    for (const limit of ['0', '101', 'x', '-5']) {
      expect((await get({ clientId: fresh('c'), channel, secret: SECRET, after: 0, limit })).body).toHaveLength(100);
    }
    expect((await get({ clientId: fresh('c'), channel, secret: SECRET, after: 0 })).body).toHaveLength(100);
  });

  it('stores the cursor when `after` is given (even 0) and loads it when absent; never advances it', async () => {
    const channel = fresh('ch');
    const clientId = fresh('client');
    for (let i = 0; i < 4; i++) await post(channel);
    expect((await get({ clientId, channel, secret: SECRET, after: 2 })).body.map((e: { id: number }) => e.id)).toEqual([3, 4]);
    // Absent after: the stored cursor 2, not the last id returned.
    expect((await get({ clientId, channel, secret: SECRET })).body.map((e: { id: number }) => e.id)).toEqual([3, 4]);
    // Explicit 0 is stored too.
    await get({ clientId, channel, secret: SECRET, after: 0 });
    expect((await get({ clientId, channel, secret: SECRET })).body).toHaveLength(4);
    // Per (clientId, channel): another client starts from 0.
    expect((await get({ clientId: fresh('client'), channel, secret: SECRET })).body).toHaveLength(4);
  });

  it('long polls: answers the moment an event arrives', async () => {
    const channel = fresh('ch');
    const waiting = get({ clientId: 'w', channel, secret: SECRET, after: 0 });
    await new Promise((r) => setTimeout(r, 50));
    await post(channel, 'LATE');
    const r = await waiting;
    expect(r.status).toBe(200);
    expect(r.body).toEqual([expect.objectContaining({ id: 1, type: 'LATE' })]);
  });

  it('answers [] when nothing arrives before the timeout', async () => {
    const r = await get({ clientId: 'w', channel: fresh('quiet'), secret: SECRET });
    expect(r).toMatchObject({ status: 200, body: [] });
  });
});

describe('events through the bus and the publish API', () => {
  it('an event published to `events` is stored in its channel and wakes pollers', async () => {
    const channel = fresh('pub');
    const waiting = get({ clientId: 'w', channel, secret: SECRET, after: 0 });
    const token = await gw.token('backend', {}, 'publish');
    const r = await call(`${gw.url}/publish/v1/events`, {
      headers: { authorization: `Bearer ${token}` },
      body: { message: 'event', to: { channel }, data: { from: 'invitations/v1', type: 'INVITE', data: { things: 5 } } },
    });
    expect(r.status).toBe(202);
    expect((await waiting).body).toEqual([{ id: 1, timestamp: expect.any(Number), from: 'invitations/v1', type: 'INVITE', data: { things: 5 } }]);
  });

  it('an event POSTed here is stored exactly once although it also travels the bus', async () => {
    const channel = fresh('once');
    await post(channel, 'ONE');
    await new Promise((r) => setTimeout(r, 100)); // let the work consumer see the record
    expect((await get({ clientId: 'x', channel, secret: SECRET, after: 0 })).body).toHaveLength(1);
  });
});

describe('Idempotency-Key on POST', () => {
  it('a repeat with the same key stores nothing new and answers the event the first attempt stored', async () => {
    const channel = fresh('idem');
    const send = (key: string, type: string) =>
      call(`${gw.url}/events/v1/events`, { headers: { 'idempotency-key': key }, body: { clientId: 'c', channel, secret: SECRET, from: 'f', type } });
    const first = await send('move-1', 'MOVE');
    const again = await send('move-1', 'MOVE');
    const other = await send('move-2', 'MOVE');
    expect([first.status, again.status, other.status]).toEqual([200, 200, 200]);
    expect(again.body).toEqual(first.body);
    expect(other.body.id).toBe(2);
    // The same key on another channel is another event.
    expect((await call(`${gw.url}/events/v1/events`, { headers: { 'idempotency-key': 'move-1' }, body: { clientId: 'c', channel: fresh('idem'), secret: SECRET, from: 'f', type: 'MOVE' } })).body.id).toBe(1);
    expect((await get({ clientId: 'x', channel, secret: SECRET, after: 0 })).body).toHaveLength(2);
  });

  it('400 for a malformed key', async () => {
    const r = await call(`${gw.url}/events/v1/events`, { headers: { 'idempotency-key': 'two words' }, body: { clientId: 'c', channel: fresh('idem'), secret: SECRET, from: 'f', type: 't' } });
    expect(r).toMatchObject({ status: 400, body: { code: 'InvalidContent', message: expect.stringContaining('Idempotency-Key') } });
  });
});

describe('outages of the bus or the store', () => {
  /** A bus that cannot take a publish; `known` says whether it knows (the Kafka bus's probe). */
  class DownBus extends MemoryBus {
    constructor(private readonly known: boolean) {
      super();
    }
    override async ready(): Promise<boolean> {
      return !this.known;
    }
    override publish(_api: ApiName, _envelope: Envelope): Promise<void> {
      return Promise.reject(new DependencyUnavailableError('bus', 'Kafka is unreachable'));
    }
  }
  /** A store whose Redis is gone: every call fails as unavailable. */
  class DownStore extends MemoryStore {
    override readonly events = {
      append: () => Promise.reject(new DependencyUnavailableError('store', 'Redis: Connection is closed.')),
      read: () => Promise.reject(new DependencyUnavailableError('store', 'Redis: Connection is closed.')),
      latest: () => Promise.reject(new DependencyUnavailableError('store', 'Redis: Connection is closed.')),
    };
  }
  const withGateway = async (options: Partial<GatewayOptions>, run: (down: TestGateway) => Promise<void>) => {
    const down = await startGateway({ API_SECRET: SECRET, POLL_TIMEOUT_MS: '300' }, options);
    try {
      await run(down);
    } finally {
      await down.stop();
    }
  };
  const emitTo = (down: TestGateway, channel: string) => call(`${down.url}/events/v1/events`, { body: { clientId: 'c', channel, secret: SECRET, from: 'f', type: 't' } });

  it('while the bus is known to be down: 503 with Retry-After, and nothing is stored', async () => {
    const store = new MemoryStore();
    await withGateway({ bus: new DownBus(true), store }, async (down) => {
      const r = await emitTo(down, 'c1');
      expect(r).toMatchObject({ status: 503, body: { code: 'ServiceUnavailable', message: 'Service unavailable: try again later' } });
      expect(Number(r.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
      expect(await store.events.read('c1', 0, 10)).toEqual([]);
    });
  });

  it('when the bus fails only after the event was stored: 200, the event is stored once', async () => {
    const store = new MemoryStore();
    await withGateway({ bus: new DownBus(false), store }, async (down) => {
      const r = await emitTo(down, 'c1');
      expect(r).toMatchObject({ status: 200, body: { id: 1 } });
      expect(await store.events.read('c1', 0, 10)).toEqual([r.body]);
    });
  });

  it('while the store is down: POST, long polls and latest answer 503 with Retry-After', async () => {
    await withGateway({ store: new DownStore() }, async (down) => {
      const reads = [`${down.url}/events/v1/events?clientId=c&channel=c1&secret=${SECRET}`, `${down.url}/events/v1/latest?channel=c1&secret=${SECRET}`];
      for (const r of [await emitTo(down, 'c1'), ...(await Promise.all(reads.map((url) => call(url))))]) {
        expect(r).toMatchObject({ status: 503, body: { code: 'ServiceUnavailable', message: 'Service unavailable: try again later' } });
        expect(Number(r.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
      }
    });
  });
});

describe('GET /events/v1/latest', () => {
  const latest = (params: Record<string, string | number>) =>
    call(`${gw.url}/events/v1/latest?${new URLSearchParams(Object.entries(params).map(([k, v]): [string, string] => [k, String(v)]))}`);

  it('answers the last `limit` events (default 100) oldest first, at once, without touching the cursor', async () => {
    const channel = fresh('latest');
    expect(await latest({ secret: SECRET, channel })).toMatchObject({ status: 200, body: [] });
    for (let i = 1; i <= 5; i++) await post(channel, `T${i}`);
    expect((await latest({ secret: SECRET, channel, limit: 2 })).body.map((e: { id: number; type: string }) => [e.id, e.type])).toEqual([[4, 'T4'], [5, 'T5']]);
    expect((await latest({ secret: SECRET, channel })).body.map((e: { id: number }) => e.id)).toEqual([1, 2, 3, 4, 5]);
    for (const limit of ['0', '101', 'x']) expect((await latest({ secret: SECRET, channel, limit })).body).toHaveLength(5);
    for (let i = 6; i <= 105; i++) await post(channel);
    const all = (await latest({ secret: SECRET, channel })).body.map((e: { id: number }) => e.id);
    expect(all).toEqual(Array.from({ length: 100 }, (_, i) => i + 6));
    // The cursor of any client is untouched: a poll without `after` still starts from 0.
    expect((await get({ clientId: 'c', channel, secret: SECRET, limit: 1 })).body[0].id).toBe(1);
  });

  it('401 before 400 Invalid Channel', async () => {
    expect(await latest({ channel: 'ch' })).toMatchObject({ status: 401, body: { code: 'InvalidCredentialsError', message: 'Invalid credentials' } });
    expect(await latest({ secret: 'wrong' })).toMatchObject({ status: 401 });
    expect(await latest({ secret: SECRET })).toMatchObject({ status: 400, body: { code: 'InvalidContent', message: 'Invalid Channel' } });
  });
});

describe('extras of the original', () => {
  it('GET /events/v1/about describes the service as the original did, type ganomede-events', async () => {
    const r = await call(`${gw.url}/events/v1/about`);
    expect(r).toMatchObject({
      status: 200,
      body: { hostname: expect.any(String), type: 'ganomede-events', version: expect.any(String), description: expect.any(String), startDate: expect.any(String) },
    });
    expect(new Date(r.body.startDate).toISOString()).toBe(r.body.startDate);
  });

  it('GET /events/v1/ping/:token answers the JSON string "pong/<token>"', async () => {
    const r = await call(`${gw.url}/events/v1/ping/abc123`);
    expect(r.status).toBe(200);
    expect(r.headers.get('content-type')).toMatch(/^application\/json/);
    expect(r.text).toBe('"pong/abc123"');
    expect(r.body).toBe('pong/abc123');
  });
});
