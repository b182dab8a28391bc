// The RedisStore's connection while Redis cannot be reached: commands fail at once as an outage
// (503 for the caller), reported once however many reconnect attempts fail. (A Redis that goes
// away under traffic: test/redis-outage.test.ts.)
import { Availability, DependencyUnavailableError } from '../src/ports/availability';
import { StoreConnection } from '../src/store/redis-connection';
import { RedisStore } from '../src/store/redis-store';

const NOWHERE = 'redis://127.0.0.1:1';

describe('StoreConnection to an unreachable Redis', () => {
  it('reports the outage once, not once per reconnect attempt', async () => {
    const reports: string[] = [];
    const connection = new StoreConnection(NOWHERE, { timeoutMs: 1_000, reconnectMs: 10 }, new Availability({ down: (r) => reports.push(r), up: () => reports.push('up') }));
    await new Promise<void>((resolve) => {
      let attempts = 0;
      connection.on('reconnecting', () => ++attempts === 5 && resolve());
    });
    connection.disconnect();
    expect(reports).toEqual([expect.stringContaining('ECONNREFUSED')]);
  });
});

describe('RedisStore while Redis is unreachable', () => {
  it('fails every operation with DependencyUnavailableError, which callers answer with 503', async () => {
    const store = new RedisStore(NOWHERE, { reconnectMs: 10 });
    try {
      await expect(store.events.append('c', { timestamp: 1, type: 't', from: 'f' })).rejects.toBeInstanceOf(DependencyUnavailableError);
      await expect(store.events.read('c', 0, 10)).rejects.toBeInstanceOf(DependencyUnavailableError);
      await expect(store.tickets.take('t')).rejects.toBeInstanceOf(DependencyUnavailableError);
      expect(await store.ready()).toBe(false);
    } finally {
      await store.close();
    }
  });
});
