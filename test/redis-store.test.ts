// The Redis store runs the same capability suites as the memory store, against a real Redis.
import { randomUUID } from 'node:crypto';
import Redis from 'ioredis';
import { RedisBackend, RedisStore } from '../src/store/redis-store';
import { describeWithRedis } from './services/services';
import { storeSuite, waitFor } from './shared/store-suite';

describeWithRedis('RedisStore', (url) => {
  // A prefix of its own per store (unless shared on purpose).
  const make = async (prefix = `test:${process.pid}:${randomUUID()}:`) => {
    const store = new RedisStore(url, { prefix });
    await store.connected();
    return { store };
  };
  storeSuite('redis', async () => {
    const backend = new RedisBackend(url, { prefix: `test:${process.pid}:${randomUUID()}:` });
    await backend.connected();
    return { backend };
  });

  describe('Redis-specific', () => {
    it('shares state and notifications between two stores (two gateway nodes)', async () => {
      const prefix = `test:${process.pid}:shared:`;
      const [a, b] = [await make(prefix), await make(prefix)].map((m) => m.store);
      try {
        let woken = 0;
        const off = b.onNotify('t1', () => woken++);
        await a.notify('t1');
        await waitFor(() => woken === 1, 'the other node to be notified');
        off();
        await a.tickets.set('shared-ticket', { user_uuid: 'u', store_id: 1 }, 10_000);
        expect(await b.tickets.take('shared-ticket')).toEqual({ user_uuid: 'u', store_id: 1 });
        expect(await a.tickets.take('shared-ticket')).toBeUndefined();
        // a webhook job added by a node whose lease ran out is claimed through the other node
        const job = { id: `shared-${randomUUID()}`, user: 'u', message: 'm', body: '{"list":[]}' };
        const held = await a.webhookJobs.add(job, 'node-a', 0);
        expect(await waitFor(async () => (await b.webhookJobs.claim('node-b', 60_000, 100)).find((j) => j.job.id === job.id), 'the claim')).toEqual(held);
        expect(await a.webhookJobs.finish(held!.key, 'node-a')).toBe(false);
        expect(await b.webhookJobs.finish(held!.key, 'node-b')).toBe(true);
      } finally {
        await Promise.all([a.close(), b.close()]);
      }
    });

    it('lets presence of a crashed node expire', async () => {
      const store = new RedisStore(url, { prefix: `test:${process.pid}:exp:`, presenceTtlMs: 100 });
      try {
        expect(await store.presence.up(['w', 'u'], 's-on-crashed-node')).toBe(1);
        await new Promise((r) => setTimeout(r, 250));
        // The crashed node never counts it down; the entry has expired by the next count.
        expect(await store.presence.up(['w', 'u'], 's-live')).toBe(1);
      } finally {
        await store.close();
      }
    });

    it('writes an event id of 15 digits as an integer, not in Lua exponent form', async () => {
      const prefix = `test:${process.pid}:big:`;
      const raw = new Redis(url);
      const store = new RedisStore(url, { prefix });
      try {
        await raw.set(`${prefix}seq:c`, '99999999999999');
        expect((await store.events.append('c', { timestamp: 1, type: 't', from: 'f' })).id).toBe(100_000_000_000_000);
        expect(await raw.lindex(`${prefix}events:c`, 0)).toBe('{"timestamp":1,"type":"t","from":"f","id":100000000000000}');
      } finally {
        await Promise.all([store.close(), raw.quit()]);
      }
    });

    it('keeps each named state under its Redis key: those of before the split, but for cursors and channels (hash fields before)', async () => {
      const prefix = `test:${process.pid}:${randomUUID()}:`;
      const raw = new Redis(url);
      const { store } = await make(prefix);
      try {
        await store.events.append('ch 1', { timestamp: 1, type: 't', from: 'f' }, 'rec');
        await store.polling.enqueue('u', 'item', 'rec');
        await store.callbacks.set('u', 'https://a.example/hook');
        await store.tickets.set('t', { user_uuid: 'u', store_id: 1 }, 60_000);
        await store.snapshots.set('7', { id: 7 } as never);
        await store.presence.up(['w', 'u'], 's');
        await store.windows.hit('k', 60_000);
        await store.webhookJobs.add({ id: 'job', user: 'u', message: 'm', body: '{}' }, 'node', 60_000);
        await store.cursors.set(['ch 1', 'client'], 4);
        await store.channels.set('c', 'w');
        const keys = (await raw.keys(`${prefix}*`)).map((k) => k.slice(prefix.length)).sort();
        expect(keys).toEqual([
          'callback:u', 'channel:c', 'cursor:ch%201:client', 'event-key:rec', 'events:ch%201', 'presence:w:u', 'queue-key:rec', 'queue:u',
          'seq:ch%201', 'snapshot:7', 'ticket:t', 'webhook-id:job', 'webhook:attempts', 'webhook:due', 'webhook:jobs', 'webhook:owners',
          'webhook:seq', 'window:k',
        ]);
        expect(await raw.get(`${prefix}callback:u`)).toBe('https://a.example/hook');
        expect(await raw.get(`${prefix}channel:c`)).toBe('w');
        expect(await raw.get(`${prefix}cursor:ch%201:client`)).toBe('4');
        expect(await raw.get(`${prefix}ticket:t`)).toBe('{"user_uuid":"u","store_id":1}');
        expect(await raw.pttl(`${prefix}ticket:t`)).toBeGreaterThan(0);
      } finally {
        await Promise.all([store.close(), raw.quit()]);
      }
    });

    it('is not ready when Redis is unreachable', async () => {
      const store = new RedisStore('redis://127.0.0.1:1', { onError: () => undefined });
      expect(await store.ready()).toBe(false);
      await store.close();
    });
  });
});
