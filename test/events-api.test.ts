// The events API (events-rest-longpoll.md + ORIGINALS.md) end to end over HTTP.
import { MemoryBus } from '../src/bus/memory-bus';
import type { GatewayOptions } from '../src/gateway/gateway';
import { DependencyUnavailableError } from '../src/ports/availability';
import type { ApiName, Envelope } from '../src/ports/bus';
import type { StoredEvent } from '../src/ports/store';
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
const emit = (body: Record<string, unknown>) => call(`${gw.url}/events/v1/events`, { body });
const post = (channel: string, type = 'MOVE', data?: Record<string, unknown>) =>
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

  it('400 for a missing or empty required field, or data that is not an object', async () => {
    const ok: Record<string, unknown> = { clientId: 'c', channel: fresh('ch'), secret: SECRET, from: 'f', type: 't' };
    for (const field of ['clientId', 'channel', 'from', 'type', 'secret']) {
      const missing = { ...ok };
      delete missing[field];
      expect([field, (await emit(missing)).status]).toEqual([field, 400]);
      expect([field, (await emit({ ...ok, [field]: '' })).status]).toEqual([field, 400]);
    }
    expect((await emit({ ...ok, data: null })).status).toBe(400);
    expect((await emit({ ...ok, data: [1, 2, 3] })).status).toBe(400);
    expect((await call(`${gw.url}/events/v1/events`, { body: '{"broken' })).status).toBe(400);
  });

  it('401 for a wrong secret', async () => {
    const r = await emit({ clientId: 'c', channel: fresh('ch'), secret: 'wrong', from: 'f', type: 't' });
    expect(r).toMatchObject({ status: 401, body: { error: expect.any(String) } });
  });
});

describe('GET /events/v1/events', () => {
  it('400 for missing or empty clientId, channel or secret; 401 for a wrong secret', async () => {
    const ok: Record<string, string> = { clientId: 'c', channel: 'ch', secret: SECRET };
    for (const field of ['clientId', 'channel', 'secret']) {
      const missing = { ...ok };
      delete missing[field];
      expect([field, (await get(missing)).status]).toEqual([field, 400]);
      expect([field, (await get({ ...ok, [field]: '' })).status]).toEqual([field, 400]);
    }
    expect((await get({ ...ok, secret: 'nope' })).status).toBe(401);
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
    expect(r).toMatchObject({ status: 400, body: { error: expect.stringContaining('Idempotency-Key') } });
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
    override appendEvent(): Promise<StoredEvent> {
      return Promise.reject(new DependencyUnavailableError('store', 'Redis: Connection is closed.'));
    }
    override readEvents(): Promise<StoredEvent[]> {
      return Promise.reject(new DependencyUnavailableError('store', 'Redis: Connection is closed.'));
    }
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
      expect(r).toMatchObject({ status: 503, body: { error: expect.any(String) } });
      expect(Number(r.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
      expect(await store.readEvents('c1', 0, 10)).toEqual([]);
    });
  });

  it('when the bus fails only after the event was stored: 200, the event is stored once', async () => {
    const store = new MemoryStore();
    await withGateway({ bus: new DownBus(false), store }, async (down) => {
      const r = await emitTo(down, 'c1');
      expect(r).toMatchObject({ status: 200, body: { id: 1 } });
      expect(await store.readEvents('c1', 0, 10)).toEqual([r.body]);
    });
  });

  it('while the store is down: POST and long polls answer 503 with Retry-After', async () => {
    await withGateway({ store: new DownStore() }, async (down) => {
      for (const r of [await emitTo(down, 'c1'), await call(`${down.url}/events/v1/events?clientId=c&channel=c1&secret=${SECRET}`)]) {
        expect(r).toMatchObject({ status: 503, body: { error: expect.any(String) } });
        expect(Number(r.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
      }
    });
  });
});

describe('extras of the original', () => {
  it('GET /events/v1/about describes the service', async () => {
    expect(await call(`${gw.url}/events/v1/about`)).toMatchObject({ status: 200, body: { name: expect.any(String), version: expect.any(String) } });
  });

  it('GET /events/v1/ping/:token answers pong/:token as text', async () => {
    const r = await call(`${gw.url}/events/v1/ping/abc123`);
    expect(r.status).toBe(200);
    expect(r.text).toBe('pong/abc123');
    expect(r.headers.get('content-type')).toMatch(/^text\/plain/);
  });
});
