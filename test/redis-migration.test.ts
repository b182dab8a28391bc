// An upgrade in place against a live Redis: the store moves the layout of before the store split
// (cursor hashes, the channels hash) to its keys when it starts, and loses nothing.
import { randomUUID } from 'node:crypto';
import Redis from 'ioredis';
import { migrateLegacyLayout } from '../src/store/redis-migration';
import { RedisStore } from '../src/store/redis-store';
import { describeWithRedis } from './services/services';

describeWithRedis('Redis store migration of the pre-split layout', (url) => {
  let raw: Redis;
  beforeAll(() => {
    raw = new Redis(url);
  });
  afterAll(async () => {
    await raw.quit();
  });

  const start = async (prefix: string, log?: { info: jest.Mock; warn: jest.Mock }) => {
    const store = new RedisStore(url, { prefix, log });
    await store.connected();
    return store;
  };
  const keysUnder = async (prefix: string) => (await raw.keys(`${prefix}*`)).sort();
  const enc = encodeURIComponent;

  it('moves old cursors and channels to the new keys, keeps a newer value, leaves nothing old behind', async () => {
    const prefix = `test:${process.pid}:migrate:${randomUUID()}:`;
    // The old layout, as 780722a wrote it (channel and client ids with characters that get encoded).
    await raw.hset(`${prefix}cursors:${enc('room 1')}`, 'client:a', '7', 'client b', '12');
    await raw.hset(`${prefix}cursors:${enc('lobby')}`, 'c', '3');
    await raw.hset(`${prefix}channels`, 'ch-1', 'ws-1', 'ch:2', 'ws 2', 'ch-3', 'ws-old');
    // A new node already wrote these: its values win.
    await raw.set(`${prefix}cursor:${enc('lobby')}:c`, '9');
    await raw.set(`${prefix}channel:ch-3`, 'ws-new');

    const log = { info: jest.fn(), warn: jest.fn() };
    const store = await start(prefix, log);
    try {
      expect(await store.cursors.get(['room 1', 'client:a'])).toBe(7);
      expect(await store.cursors.get(['room 1', 'client b'])).toBe(12);
      expect(await store.cursors.get(['lobby', 'c'])).toBe(9);
      expect(await store.channels.get('ch-1')).toBe('ws-1');
      expect(await store.channels.get('ch:2')).toBe('ws 2');
      expect(await store.channels.get('ch-3')).toBe('ws-new');
      expect(await keysUnder(`${prefix}cursors:`)).toEqual([]);
      expect(await raw.exists(`${prefix}channels`)).toBe(0);
      expect(log.info).toHaveBeenCalledWith(
        { cursors: { moved: 2, superseded: 1 }, channels: { moved: 2, superseded: 1 } },
        expect.any(String),
      );
      expect(log.warn).not.toHaveBeenCalled();
    } finally {
      await store.close();
    }
  });

  it('is a no-op at the next start', async () => {
    const prefix = `test:${process.pid}:migrate:${randomUUID()}:`;
    await raw.hset(`${prefix}cursors:x`, 'c', '4');
    await raw.hset(`${prefix}channels`, 'ch', 'ws');
    await (await start(prefix)).close();
    const after = await keysUnder(prefix);
    const values = await raw.mget(...after);

    const log = { info: jest.fn(), warn: jest.fn() };
    const again = await start(prefix, log);
    try {
      expect(await keysUnder(prefix)).toEqual(after);
      expect(await raw.mget(...after)).toEqual(values);
      expect(await again.cursors.get(['x', 'c'])).toBe(4);
      expect(await again.channels.get('ch')).toBe('ws');
      expect(log.info).not.toHaveBeenCalled();
    } finally {
      await again.close();
    }
  });

  it('moves each field exactly once when several nodes start at once', async () => {
    const prefix = `test:${process.pid}:migrate:${randomUUID()}:`;
    const fields = Array.from({ length: 200 }, (_, i) => [`c${i}`, String(i)]).flat();
    await raw.hset(`${prefix}cursors:ch`, ...fields);
    await raw.hset(`${prefix}channels`, ...fields);
    const nodes = Array.from({ length: 3 }, () => new Redis(url));
    try {
      const results = await Promise.all(nodes.map((n) => migrateLegacyLayout(n, prefix)));
      const sum = (pick: (r: (typeof results)[number]) => number) => results.reduce((n, r) => n + pick(r), 0);
      expect(sum((r) => r.cursors.moved)).toBe(200);
      expect(sum((r) => r.channels.moved)).toBe(200);
      expect(sum((r) => r.cursors.superseded + r.channels.superseded)).toBe(0);
      expect(await raw.get(`${prefix}cursor:ch:c150`)).toBe('150');
      expect(await raw.get(`${prefix}channel:c150`)).toBe('150');
      expect(await raw.exists(`${prefix}cursors:ch`, `${prefix}channels`)).toBe(0);
    } finally {
      await Promise.all(nodes.map((n) => n.quit()));
    }
  });
});

describe('Redis store migration while Redis is unreachable', () => {
  it('warns once, not at every retry, and the store is not ready', async () => {
    const log = { info: jest.fn(), warn: jest.fn() };
    // A port nothing listens on: every attempt fails at once.
    const store = new RedisStore('redis://127.0.0.1:1', { prefix: `test:${randomUUID()}:`, log, timeoutMs: 100, reconnectMs: 50 });
    try {
      await new Promise((r) => setTimeout(r, 600)); // several retry rounds
      expect(await store.ready()).toBe(false);
      expect(log.warn.mock.calls.map(([, message]) => message)).toEqual(['redis: moving the pre-split key layout failed; retrying until it succeeds']);
    } finally {
      await store.close();
    }
  });
});
