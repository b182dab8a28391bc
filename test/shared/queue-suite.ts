// The Queue capability's contract (src/ports/store-capabilities.ts), for every backend.
import type { Queue } from '../../src/ports/store';
import { TRICKY_JSON_TEXT, trickyValue, withBackend, type MakeBackend } from './store-harness';

export function queueSuite(make: MakeBackend): void {
  describe('queue', () => {
    const h = withBackend(make);
    let store: Queue;
    beforeEach(() => {
      store = h.backend().queue(h.name('queue'));
    });

    it('is first in, first out, and undefined when empty', async () => {
      expect(await store.dequeue('u')).toBeUndefined();
      for (const item of ['a', 'b', 'c']) await store.enqueue('u', item);
      expect(await store.dequeue('u')).toBe('a');
      await store.enqueue('u', 'd');
      expect(await store.dequeue('u')).toBe('b');
      expect(await store.dequeue('u')).toBe('c');
      expect(await store.dequeue('u')).toBe('d');
      expect(await store.dequeue('u')).toBeUndefined();
    });

    it('queues an item once per idempotency key', async () => {
      await store.enqueue('q', 'x', 'rec-1');
      await store.enqueue('q', 'x', 'rec-1');
      await store.enqueue('q', 'y', 'rec-2');
      expect(await store.dequeue('q')).toBe('x');
      expect(await store.dequeue('q')).toBe('y');
      expect(await store.dequeue('q')).toBeUndefined();
    });

    it('keeps one queue per user', async () => {
      await store.enqueue('u1', 'for-u1');
      await store.enqueue('u2', 'for-u2');
      expect(await store.dequeue('u2')).toBe('for-u2');
      expect(await store.dequeue('u2')).toBeUndefined();
      expect(await store.dequeue('u1')).toBe('for-u1');
    });

    it('returns an empty string item as an item, not as empty', async () => {
      await store.enqueue('u', '');
      expect(await store.dequeue('u')).toBe('');
      expect(await store.dequeue('u')).toBeUndefined();
    });

    it('hands each item to exactly one of many concurrent dequeuers', async () => {
      for (let n = 0; n < 20; n++) await store.enqueue('u', `i${n}`);
      const got = await Promise.all(Array.from({ length: 30 }, () => store.dequeue('u')));
      const items = got.filter((x): x is string => x !== undefined);
      expect(items.sort()).toEqual(Array.from({ length: 20 }, (_, n) => `i${n}`).sort());
    });

    it('gives a queued item back as the same string', async () => {
      const items = [JSON.stringify(trickyValue()), TRICKY_JSON_TEXT, String.raw`{"n":1.0,"e":1E400,"u":"\u00e9","raw":"é 😀"}`];
      for (const item of items) await store.enqueue('u', item);
      for (const item of items) expect(await store.dequeue('u')).toBe(item);
    });

  });
}
