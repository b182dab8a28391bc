// The Log capability's contract (src/ports/store-capabilities.ts), for every backend.
import type { Log, NewEvent } from '../../src/ports/store';
import { expectSameJson, trickyValue, withBackend, type MakeBackend } from './store-harness';

export function logSuite(make: MakeBackend): void {
  describe('log', () => {
    const h = withBackend(make);
    let store: Log<NewEvent>;
    beforeEach(() => {
      store = h.backend().log<NewEvent>(h.name('log'));
    });
    const event = (n: number): NewEvent => ({ timestamp: 1_700_000_000_000 + n, type: 'message', from: 'alice', data: { n } });

    it('numbers events per channel from 1, independently across channels', async () => {
      expect((await store.append('a', event(1))).id).toBe(1);
      expect((await store.append('a', event(2))).id).toBe(2);
      expect((await store.append('b', event(3))).id).toBe(1);
      expect(await store.append('a', event(4))).toEqual({ ...event(4), id: 3 });
    });

    it('gives concurrent appends distinct consecutive ids', async () => {
      const stored = await Promise.all(Array.from({ length: 50 }, (_, n) => store.append('c', event(n))));
      expect(stored.map((e) => e.id).sort((x, y) => x - y)).toEqual(Array.from({ length: 50 }, (_, n) => n + 1));
      const read = await store.read('c', 0, 100);
      expect(read.map((e) => e.id)).toEqual(Array.from({ length: 50 }, (_, n) => n + 1));
      // each stored event is the one its append returned
      for (const e of stored) expect(read[e.id - 1]).toEqual(e);
    });

    it('reads events with id > after, oldest first, at most limit', async () => {
      for (let n = 1; n <= 5; n++) await store.append('r', event(n));
      expect(await store.read('r', 0, 100)).toEqual([1, 2, 3, 4, 5].map((n) => ({ ...event(n), id: n })));
      expect((await store.read('r', 2, 100)).map((e) => e.id)).toEqual([3, 4, 5]);
      expect((await store.read('r', 1, 2)).map((e) => e.id)).toEqual([2, 3]);
      expect(await store.read('r', 5, 10)).toEqual([]);
      expect(await store.read('r', 9, 10)).toEqual([]);
      expect(await store.read('r', 0, 0)).toEqual([]);
      expect(await store.read('none', 0, 10)).toEqual([]);
    });

    it('reads the newest `limit` events, oldest first', async () => {
      expect(await store.latest('l', 10)).toEqual([]);
      for (let n = 1; n <= 5; n++) await store.append('l', event(n));
      expect(await store.latest('l', 2)).toEqual([4, 5].map((n) => ({ ...event(n), id: n })));
      expect((await store.latest('l', 5)).map((e) => e.id)).toEqual([1, 2, 3, 4, 5]);
      expect((await store.latest('l', 100)).map((e) => e.id)).toEqual([1, 2, 3, 4, 5]);
      expect(await store.latest('l', 0)).toEqual([]);
    });

    it('keeps array data as given', async () => {
      const listed: NewEvent = { timestamp: 1, type: 'MOVE', from: 'turngame/v1', data: [1, [2, { three: 3 }], null] };
      const stored = await store.append('arr', listed);
      expect(stored).toEqual({ ...listed, id: 1 });
      expect(await store.read('arr', 0, 1)).toEqual([stored]);
      expect(await store.latest('arr', 1)).toEqual([stored]);
    });

    it('stores an append once per idempotency key, returning the first event again', async () => {
      const first = await store.append('k', event(1), 'rec-1');
      const again = await store.append('k', event(1), 'rec-1');
      const other = await store.append('k', event(2), 'rec-2');
      expect(again).toEqual(first);
      expect(other.id).toBe(2);
      expect((await store.read('k', 0, 10)).map((e) => e.id)).toEqual([1, 2]);
    });

    it('keeps events without data as they were given', async () => {
      const bare: NewEvent = { timestamp: 1, type: 'ping', from: 'bob' };
      await store.append('d', bare);
      expect(await store.read('d', 0, 1)).toEqual([{ ...bare, id: 1 }]);
    });

    it('is not changed by mutating what was given or returned', async () => {
      const given = event(1);
      const returned = await store.append('m', given);
      (given.data as Record<string, unknown>).n = 'changed';
      (returned.data as Record<string, unknown>).n = 'changed';
      const [read] = await store.read('m', 0, 1);
      (read.data as Record<string, unknown>).n = 'changed';
      expect(await store.read('m', 0, 1)).toEqual([{ ...event(1), id: 1 }]);
    });

    it("gives an event's data back exactly, from append, read and a repeated idempotent append", async () => {
      const given: NewEvent = { timestamp: 1_700_000_000_123, type: 'tricky', from: 'sender é 😀 "q"', data: trickyValue() };
      await store.append('j', event(1));
      const appended = await store.append('j', given, 'tricky');
      const again = await store.append('j', given, 'tricky');
      const [read] = await store.read('j', 1, 10);
      for (const got of [appended, again, read]) expectSameJson(got, { ...given, id: 2 });
      expect(read.data).toMatchObject({ list: [], maxSafe: 9007199254740991, pi: 3.141592653589793 });
    });

  });
}
