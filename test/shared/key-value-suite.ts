// The KeyValue capability's contract (src/ports/store-capabilities.ts), for every backend.
import { sleep } from '../helpers/wait';
import type { KeyValue } from '../../src/ports/store';
import { expectSameJson, TRICKY_JSON_TEXT, trickyValue, withBackend, type MakeBackend } from './store-harness';

interface Game {
  score: number;
  moves: number[];
}

export function keyValueSuite(make: MakeBackend): void {
  describe('key-value', () => {
    const h = withBackend(make);
    const json = <T>(): KeyValue<T> => h.backend().keyValue<T>(h.name('json'));
    const text = (): KeyValue<string> => h.backend().keyValue<string>(h.name('text'), { text: true });

    it('is undefined when unset, then what was set; set returns the value it replaced', async () => {
      const kv = json<Game>();
      expect(await kv.get('g')).toBeUndefined();
      expect(await kv.set('g', { score: 1, moves: [1] })).toBeUndefined();
      expect(await kv.set('g', { score: 2, moves: [1, 2] })).toEqual({ score: 1, moves: [1] });
      expect(await kv.get('g')).toEqual({ score: 2, moves: [1, 2] });
      expect(await kv.get('other')).toBeUndefined();
    });

    it('keeps strings as they are in a text key-value, and returns the one replaced', async () => {
      const kv = text();
      expect(await kv.set('u', 'https://a.example/hook')).toBeUndefined();
      expect(await kv.set('u', 'https://b.example/hook')).toBe('https://a.example/hook');
      expect(await kv.get('u')).toBe('https://b.example/hook');
      expect(await kv.set('e', '')).toBeUndefined();
      expect(await kv.get('e')).toBe('');
    });

    it('stores 0 as 0, not as unset', async () => {
      const kv = json<number>();
      await kv.set('c', 0);
      expect(await kv.get('c')).toBe(0);
    });

    it('deletes', async () => {
      const kv = text();
      await kv.set('c1', 'w1');
      await kv.set('c2', 'w2');
      await kv.delete('c1');
      await kv.delete('never');
      expect(await kv.get('c1')).toBeUndefined();
      expect(await kv.get('c2')).toBe('w2');
    });

    it('keeps keys of several parts apart, and a single part is the same key as a string', async () => {
      const kv = json<number>();
      await kv.set(['a:b', 'c'], 1);
      await kv.set(['a', 'b:c'], 2);
      await kv.set(['a', 'b', 'c'], 3);
      await kv.set('a:b:c', 4);
      expect(await kv.get(['a:b', 'c'])).toBe(1);
      expect(await kv.get(['a', 'b:c'])).toBe(2);
      expect(await kv.get(['a', 'b', 'c'])).toBe(3);
      expect(await kv.get(['a:b:c'])).toBe(4);
    });

    it('lets a value be taken once', async () => {
      const kv = json<Game>();
      await kv.set('t', { score: 1, moves: [] }, 60_000);
      expect(await kv.take('t')).toEqual({ score: 1, moves: [] });
      expect(await kv.take('t')).toBeUndefined();
      expect(await kv.get('t')).toBeUndefined();
      expect(await kv.take('never')).toBeUndefined();
    });

    it('lets exactly one of two racing takers win', async () => {
      const kv = json<Game>();
      await kv.set('t', { score: 1, moves: [] }, 60_000);
      const results = await Promise.all([kv.take('t'), kv.take('t')]);
      expect(results.filter((r) => r !== undefined)).toEqual([{ score: 1, moves: [] }]);
    });

    it('forgets a value set with a ttl once it expires, and keeps one without', async () => {
      const kv = json<number>();
      await kv.set('short', 1, 50);
      await kv.set('long', 2, 60_000);
      await kv.set('kept', 3);
      await sleep(150);
      expect(await kv.take('short')).toBeUndefined();
      expect(await kv.get('short')).toBeUndefined();
      expect(await kv.take('long')).toBe(2);
      expect(await kv.get('kept')).toBe(3);
    });

    it('lists every value with its key parts', async () => {
      const kv = json<Game>();
      await kv.set('l1', { score: 1, moves: [] });
      await kv.set('l 2*:é', { score: 2, moves: [2] });
      await kv.set(['two', 'parts'], { score: 3, moves: [] });
      const listed = await kv.list();
      expect(listed.sort((a, b) => a.key.join().localeCompare(b.key.join()))).toEqual([
        { key: ['l 2*:é'], value: { score: 2, moves: [2] } },
        { key: ['l1'], value: { score: 1, moves: [] } },
        { key: ['two', 'parts'], value: { score: 3, moves: [] } },
      ]);
      expect(await text().list()).toEqual([]);
    });

    it('updates from the current value and returns what is stored afterwards', async () => {
      const kv = json<Game>();
      const seen: Array<Game | undefined> = [];
      const first = await kv.update('g', (current) => {
        seen.push(current);
        return { score: 1, moves: [] };
      });
      expect(seen).toEqual([undefined]);
      expect(first).toEqual({ score: 1, moves: [] });
      const second = await kv.update('g', (current) => current && { ...current, score: current.score + 1 });
      expect(second).toEqual({ score: 2, moves: [] });
      expect(await kv.get('g')).toEqual({ score: 2, moves: [] });
    });

    it('leaves the value as it is when change returns undefined', async () => {
      const kv = json<Game>();
      expect(await kv.update('none', () => undefined)).toBeUndefined();
      expect(await kv.get('none')).toBeUndefined();
      await kv.set('g', { score: 3, moves: [3] });
      const after = await kv.update('g', (current) => {
        current?.moves.push(99); // mutating its argument must not leak into the store
        return undefined;
      });
      expect(after).toEqual({ score: 3, moves: [3] });
      expect(await kv.get('g')).toEqual({ score: 3, moves: [3] });
    });

    it('loses none of many concurrent updates', async () => {
      const kv = json<Game>();
      await kv.set('g', { score: 0, moves: [] });
      await Promise.all(
        Array.from({ length: 20 }, (_, n) =>
          kv.update('g', (current) => ({ score: (current?.score ?? 0) + 1, moves: [...(current?.moves ?? []), n] })),
        ),
      );
      const final = await kv.get('g');
      expect(final?.score).toBe(20);
      expect([...(final?.moves ?? [])].sort((x, y) => x - y)).toEqual(Array.from({ length: 20 }, (_, n) => n));
    });

    it('is not changed by mutating what was set or returned', async () => {
      const kv = json<Game>();
      const given: Game = { score: 1, moves: [1] };
      await kv.set('g', given);
      given.moves.push(2);
      const got = await kv.get('g');
      got?.moves.push(3);
      const updated = await kv.update('g', (current) => current);
      updated?.moves.push(4);
      const [listed] = await kv.list();
      listed.value.moves.push(5);
      expect(await kv.get('g')).toEqual({ score: 1, moves: [1] });
      const taken = await kv.take('g');
      expect(taken).toEqual({ score: 1, moves: [1] });
    });

    it('gives a JSON value back exactly from set, get, update, list and take', async () => {
      const kv = json<Record<string, unknown>>();
      await kv.set('g', trickyValue());
      expectSameJson(await kv.get('g'), trickyValue());
      const expected = { ...trickyValue(), more: trickyValue() };
      expectSameJson(await kv.update('g', (current) => ({ ...current, more: trickyValue() })), expected);
      expectSameJson((await kv.list())[0].value, expected);
      expectSameJson(await kv.take('g'), expected);
      const grant = { user_uuid: 'u é 😀 "q" \u2028 \ud800', store_id: 9007199254740991, username: 'ü', extra: trickyValue() };
      await kv.set('t', grant, 60_000);
      expectSameJson(await kv.take('t'), grant);
    });

    it('gives a text value back as the same string', async () => {
      const kv = text();
      await kv.set('t', TRICKY_JSON_TEXT);
      expect(await kv.get('t')).toBe(TRICKY_JSON_TEXT);
    });
  });
}
