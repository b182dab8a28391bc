// The Redis store runs the same Store contract suite as the memory store, against a real Redis.
import { randomUUID } from 'node:crypto';
import Redis from 'ioredis';
import { RedisStore } from '../src/store/redis-store';
import { describeWithRedis } from './services/services';
import { storeSuite, waitFor } from './shared/store-suite';

describeWithRedis('RedisStore', (url) => {
  // A prefix of its own per store (unless shared on purpose): claims of webhook jobs span the prefix.
  const make = async (prefix = `test:${process.pid}:${randomUUID()}:`) => {
    const store = new RedisStore(url, { prefix });
    await store.connected();
    return { store };
  };
  storeSuite('redis', make);

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
        await a.putTicket('shared-ticket', { user_uuid: 'u', store_id: 1 }, 10_000);
        expect(await b.takeTicket('shared-ticket')).toEqual({ user_uuid: 'u', store_id: 1 });
        expect(await a.takeTicket('shared-ticket')).toBeUndefined();
        // a webhook job added by a node whose lease ran out is claimed through the other node
        const job = { id: `shared-${randomUUID()}`, user: 'u', message: 'm', body: '{"list":[]}' };
        const held = await a.addWebhookJob(job, 'node-a', 0);
        expect(await waitFor(async () => (await b.claimWebhookJobs('node-b', 60_000, 100)).find((j) => j.job.id === job.id), 'the claim')).toEqual(held);
        expect(await a.finishWebhookJob(held!.key, 'node-a')).toBe(false);
        expect(await b.finishWebhookJob(held!.key, 'node-b')).toBe(true);
      } finally {
        await Promise.all([a.close(), b.close()]);
      }
    });

    it('lets presence of a crashed node expire', async () => {
      const store = new RedisStore(url, { prefix: `test:${process.pid}:exp:`, presenceTtlMs: 100 });
      try {
        expect(await store.presenceUp('w', 'u', 's-on-crashed-node')).toBe(1);
        await new Promise((r) => setTimeout(r, 250));
        // The crashed node never calls presenceDown; the entry has expired by the next count.
        expect(await store.presenceUp('w', 'u', 's-live')).toBe(1);
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
        expect((await store.appendEvent('c', { timestamp: 1, type: 't', from: 'f' })).id).toBe(100_000_000_000_000);
        expect(await raw.lindex(`${prefix}events:c`, 0)).toBe('{"timestamp":1,"type":"t","from":"f","id":100000000000000}');
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
