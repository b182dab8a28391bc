// The Store contract, written once and run against every implementation (memory now, Redis later).
// Every key carries a random per-test prefix so a shared Redis can run it next to other data.
// Waits poll; nothing asserts on timing.
import { sleep, waitFor } from '../helpers/wait';
import type { HeldWebhookJob, NewEvent, Store, TicketGrant, WebhookJob } from '../../src/ports/store';

export { waitFor };

/**
 * JSON values a store must give back exactly as it got them (issue 10, defect 4: Redis's cjson
 * turned `[]` into `{}` and printed numbers with 14 digits). Read with JSON.parse, as a request body
 * is, so key order and `__proto__` as a plain key are what a client sent.
 */
export const TRICKY_JSON_TEXT = String.raw`{
  "list": [], "object": {}, "nested": [[], {}, [[]], [{}], {"a": []}, {"b": {}}, {"c": [[], [[]]]}],
  "maxSafe": 9007199254740991, "minSafe": -9007199254740991, "pi": 3.141592653589793, "tenth": 0.1,
  "third": 0.3333333333333333, "largeExponent": 1e308, "maxValue": 1.7976931348623157e308,
  "smallest": 5e-324, "negativeExponent": -1.5e-300, "e21": 1e21, "integerFloat": 1.0, "negativeZero": -0,
  "unicode": "h\u00e9llo w\u00f6rld \u2713 \ud83d\ude00 \ud834\udd1e \u4e2d\u6587 éè 😀",
  "escapes": "quote \" backslash \\ slash \/ \b\f\n\r\t nul \u0000 us \u001f del \u007f ls \u2028 ps \u2029",
  "loneSurrogates": "\ud800 \udfff",
  "keyOrder": {"zebra": 1, "apple": 2, "mango": 3, "": 4, "a.b": 5, "__proto__": 6, "Zebra": 7},
  "literals": [true, false, null, "", 0, -1],
  "deep": {"a": {"b": {"c": {"d": {"e": [1, [2, [3, [4, []]]]]}}}}}
}`;

/** A fresh copy of the tricky value. */
export const trickyValue = (): Record<string, unknown> => JSON.parse(TRICKY_JSON_TEXT) as Record<string, unknown>;

/**
 * Equal as JSON values, key order included: what a client gets when the value is serialized again
 * (-0 serializes as 0, so a store may give back either).
 */
export function expectSameJson(actual: unknown, expected: unknown): void {
  expect(JSON.stringify(actual, null, 1)).toBe(JSON.stringify(expected, null, 1));
}

export function storeSuite(name: string, make: () => Promise<{ store: Store; cleanup?: () => Promise<void> }>): void {
  describe(`Store contract: ${name}`, () => {
    let store: Store;
    let cleanup: (() => Promise<void>) | undefined;
    let p: string; // key prefix

    beforeEach(async () => {
      ({ store, cleanup } = await make());
      p = `t${Math.random().toString(36).slice(2)}:`;
    });

    afterEach(async () => {
      await store.close();
      await cleanup?.();
    });

    const event = (n: number): NewEvent => ({ timestamp: 1_700_000_000_000 + n, type: 'message', from: 'alice', data: { n } });
    const grant: TicketGrant = { user_uuid: 'u-1', store_id: 42, username: 'alice' };

    describe('events', () => {
      it('numbers events per channel from 1, independently across channels', async () => {
        expect((await store.appendEvent(`${p}a`, event(1))).id).toBe(1);
        expect((await store.appendEvent(`${p}a`, event(2))).id).toBe(2);
        expect((await store.appendEvent(`${p}b`, event(3))).id).toBe(1);
        expect(await store.appendEvent(`${p}a`, event(4))).toEqual({ ...event(4), id: 3 });
      });

      it('gives concurrent appends distinct consecutive ids', async () => {
        const stored = await Promise.all(Array.from({ length: 50 }, (_, n) => store.appendEvent(`${p}c`, event(n))));
        expect(stored.map((e) => e.id).sort((x, y) => x - y)).toEqual(Array.from({ length: 50 }, (_, n) => n + 1));
        const read = await store.readEvents(`${p}c`, 0, 100);
        expect(read.map((e) => e.id)).toEqual(Array.from({ length: 50 }, (_, n) => n + 1));
        // each stored event is the one its append returned
        for (const e of stored) expect(read[e.id - 1]).toEqual(e);
      });

      it('reads events with id > after, oldest first, at most limit', async () => {
        for (let n = 1; n <= 5; n++) await store.appendEvent(`${p}r`, event(n));
        expect(await store.readEvents(`${p}r`, 0, 100)).toEqual([1, 2, 3, 4, 5].map((n) => ({ ...event(n), id: n })));
        expect((await store.readEvents(`${p}r`, 2, 100)).map((e) => e.id)).toEqual([3, 4, 5]);
        expect((await store.readEvents(`${p}r`, 1, 2)).map((e) => e.id)).toEqual([2, 3]);
        expect(await store.readEvents(`${p}r`, 5, 10)).toEqual([]);
        expect(await store.readEvents(`${p}r`, 9, 10)).toEqual([]);
        expect(await store.readEvents(`${p}r`, 0, 0)).toEqual([]);
        expect(await store.readEvents(`${p}none`, 0, 10)).toEqual([]);
      });

      it('reads the newest `limit` events, oldest first', async () => {
        expect(await store.latestEvents(`${p}l`, 10)).toEqual([]);
        for (let n = 1; n <= 5; n++) await store.appendEvent(`${p}l`, event(n));
        expect(await store.latestEvents(`${p}l`, 2)).toEqual([4, 5].map((n) => ({ ...event(n), id: n })));
        expect((await store.latestEvents(`${p}l`, 5)).map((e) => e.id)).toEqual([1, 2, 3, 4, 5]);
        expect((await store.latestEvents(`${p}l`, 100)).map((e) => e.id)).toEqual([1, 2, 3, 4, 5]);
        expect(await store.latestEvents(`${p}l`, 0)).toEqual([]);
      });

      it('keeps array data as given', async () => {
        const listed: NewEvent = { timestamp: 1, type: 'MOVE', from: 'turngame/v1', data: [1, [2, { three: 3 }], null] };
        const stored = await store.appendEvent(`${p}arr`, listed);
        expect(stored).toEqual({ ...listed, id: 1 });
        expect(await store.readEvents(`${p}arr`, 0, 1)).toEqual([stored]);
        expect(await store.latestEvents(`${p}arr`, 1)).toEqual([stored]);
      });

      it('stores an append once per idempotency key, returning the first event again', async () => {
        const first = await store.appendEvent(`${p}k`, event(1), `${p}rec-1`);
        const again = await store.appendEvent(`${p}k`, event(1), `${p}rec-1`);
        const other = await store.appendEvent(`${p}k`, event(2), `${p}rec-2`);
        expect(again).toEqual(first);
        expect(other.id).toBe(2);
        expect((await store.readEvents(`${p}k`, 0, 10)).map((e) => e.id)).toEqual([1, 2]);
      });

      it('keeps events without data as they were given', async () => {
        const bare: NewEvent = { timestamp: 1, type: 'ping', from: 'bob' };
        await store.appendEvent(`${p}d`, bare);
        expect(await store.readEvents(`${p}d`, 0, 1)).toEqual([{ ...bare, id: 1 }]);
      });

      it('is not changed by mutating what was given or returned', async () => {
        const given = event(1);
        const returned = await store.appendEvent(`${p}m`, given);
        (given.data as Record<string, unknown>).n = 'changed';
        (returned.data as Record<string, unknown>).n = 'changed';
        const [read] = await store.readEvents(`${p}m`, 0, 1);
        (read.data as Record<string, unknown>).n = 'changed';
        expect(await store.readEvents(`${p}m`, 0, 1)).toEqual([{ ...event(1), id: 1 }]);
      });
    });

    describe('round trip of JSON values', () => {
      it("gives an event's data back exactly, from append, read and a repeated idempotent append", async () => {
        const given: NewEvent = { timestamp: 1_700_000_000_123, type: 'tricky', from: 'sender é 😀 "q"', data: trickyValue() };
        await store.appendEvent(`${p}j`, event(1));
        const appended = await store.appendEvent(`${p}j`, given, `${p}tricky`);
        const again = await store.appendEvent(`${p}j`, given, `${p}tricky`);
        const [read] = await store.readEvents(`${p}j`, 1, 10);
        for (const got of [appended, again, read]) expectSameJson(got, { ...given, id: 2 });
        expect(read.data).toMatchObject({ list: [], maxSafe: 9007199254740991, pi: 3.141592653589793 });
      });

      it('gives a queued item back as the same string', async () => {
        const items = [JSON.stringify(trickyValue()), TRICKY_JSON_TEXT, String.raw`{"n":1.0,"e":1E400,"u":"\u00e9","raw":"é 😀"}`];
        for (const item of items) await store.enqueue(`${p}u`, item);
        for (const item of items) expect(await store.dequeue(`${p}u`)).toBe(item);
      });

      it('gives a snapshot back exactly from put, get and update', async () => {
        await store.putSnapshot(`${p}g`, trickyValue());
        expectSameJson(await store.getSnapshot(`${p}g`), trickyValue());
        const expected = { ...trickyValue(), more: trickyValue() };
        expectSameJson(await store.updateSnapshot<Record<string, unknown>>(`${p}g`, (current) => ({ ...current, more: trickyValue() })), expected);
        expectSameJson(await store.getSnapshot(`${p}g`), expected);
      });

      it('gives a ticket grant back exactly', async () => {
        const given = { user_uuid: 'u é 😀 "q" \u2028 \ud800', store_id: 9007199254740991, username: 'ü', extra: trickyValue() };
        await store.putTicket(`${p}t`, given, 60_000);
        expectSameJson(await store.takeTicket(`${p}t`), given);
      });
    });

    describe('cursors', () => {
      it('is undefined when unset, then what was set, per (clientId, channel)', async () => {
        expect(await store.getCursor(`${p}c1`, `${p}ch1`)).toBeUndefined();
        await store.setCursor(`${p}c1`, `${p}ch1`, 5);
        expect(await store.getCursor(`${p}c1`, `${p}ch1`)).toBe(5);
        expect(await store.getCursor(`${p}c1`, `${p}ch2`)).toBeUndefined();
        expect(await store.getCursor(`${p}c2`, `${p}ch1`)).toBeUndefined();
        await store.setCursor(`${p}c1`, `${p}ch1`, 9);
        expect(await store.getCursor(`${p}c1`, `${p}ch1`)).toBe(9);
      });

      it('stores 0 as 0, not as unset', async () => {
        await store.setCursor(`${p}c`, `${p}ch`, 0);
        expect(await store.getCursor(`${p}c`, `${p}ch`)).toBe(0);
      });

      it('does not confuse pairs whose concatenations are equal', async () => {
        await store.setCursor(`${p}a:b`, 'c', 1);
        await store.setCursor(`${p}a`, 'b:c', 2);
        expect(await store.getCursor(`${p}a:b`, 'c')).toBe(1);
        expect(await store.getCursor(`${p}a`, 'b:c')).toBe(2);
      });
    });

    describe('workspace channels', () => {
      it('remembers which workspace a channel belongs to until it is deleted', async () => {
        expect(await store.getChannelWorkspace(`${p}c1`)).toBeUndefined();
        await store.setChannelWorkspace(`${p}c1`, 'w1');
        await store.setChannelWorkspace(`${p}c2`, 'w2');
        expect(await store.getChannelWorkspace(`${p}c1`)).toBe('w1');
        await store.deleteChannel(`${p}c1`);
        expect(await store.getChannelWorkspace(`${p}c1`)).toBeUndefined();
        expect(await store.getChannelWorkspace(`${p}c2`)).toBe('w2');
      });
    });

    describe('queues', () => {
      it('is first in, first out, and undefined when empty', async () => {
        expect(await store.dequeue(`${p}u`)).toBeUndefined();
        for (const item of ['a', 'b', 'c']) await store.enqueue(`${p}u`, item);
        expect(await store.dequeue(`${p}u`)).toBe('a');
        await store.enqueue(`${p}u`, 'd');
        expect(await store.dequeue(`${p}u`)).toBe('b');
        expect(await store.dequeue(`${p}u`)).toBe('c');
        expect(await store.dequeue(`${p}u`)).toBe('d');
        expect(await store.dequeue(`${p}u`)).toBeUndefined();
      });

      it('queues an item once per idempotency key', async () => {
        await store.enqueue(`${p}q`, 'x', `${p}rec-1`);
        await store.enqueue(`${p}q`, 'x', `${p}rec-1`);
        await store.enqueue(`${p}q`, 'y', `${p}rec-2`);
        expect(await store.dequeue(`${p}q`)).toBe('x');
        expect(await store.dequeue(`${p}q`)).toBe('y');
        expect(await store.dequeue(`${p}q`)).toBeUndefined();
      });

      it('keeps one queue per user', async () => {
        await store.enqueue(`${p}u1`, 'for-u1');
        await store.enqueue(`${p}u2`, 'for-u2');
        expect(await store.dequeue(`${p}u2`)).toBe('for-u2');
        expect(await store.dequeue(`${p}u2`)).toBeUndefined();
        expect(await store.dequeue(`${p}u1`)).toBe('for-u1');
      });

      it('returns an empty string item as an item, not as empty', async () => {
        await store.enqueue(`${p}u`, '');
        expect(await store.dequeue(`${p}u`)).toBe('');
        expect(await store.dequeue(`${p}u`)).toBeUndefined();
      });

      it('hands each item to exactly one of many concurrent dequeuers', async () => {
        for (let n = 0; n < 20; n++) await store.enqueue(`${p}u`, `i${n}`);
        const got = await Promise.all(Array.from({ length: 30 }, () => store.dequeue(`${p}u`)));
        const items = got.filter((x): x is string => x !== undefined);
        expect(items.sort()).toEqual(Array.from({ length: 20 }, (_, n) => `i${n}`).sort());
      });
    });

    describe('webhook jobs', () => {
      const job = (n: number, extra: Partial<WebhookJob> = {}): WebhookJob => ({ id: `${p}job-${n}`, user: 'u', message: 'new_message', body: `{"n":${n}}`, ...extra });
      const LONG = 60_000;
      /** Claims until `count` jobs came back (leases given as 0 or a few ms run out on their own). */
      const claimAll = async (owner: string, count: number) => {
        const claimed: HeldWebhookJob[] = [];
        await waitFor(async () => {
          claimed.push(...(await store.claimWebhookJobs(owner, LONG, 100)));
          return claimed.length >= count;
        }, `${count} claimable jobs`);
        return claimed;
      };

      it('adds a job held by its owner, once per id, and gives it back exactly', async () => {
        const given = job(1, { user: 'ü 😀', body: TRICKY_JSON_TEXT, url: 'http://127.0.0.1:9/hook?a=1&b=é' });
        const held = await store.addWebhookJob(given, 'node-a', LONG);
        expect(held).toEqual({ key: expect.any(String), job: given, attempts: 0 });
        expect(held!.job.body).toBe(TRICKY_JSON_TEXT);
        expect(await store.addWebhookJob(given, 'node-b', LONG)).toBeUndefined();
        expect(await store.addWebhookJob({ ...given, body: 'other' }, 'node-a', LONG)).toBeUndefined();
        expect(await store.claimWebhookJobs('node-b', LONG, 10)).toEqual([]); // held: not claimable
        await store.holdWebhookJob(held!.key, 'node-a', 0, 2);
        const [claimed] = await claimAll('node-b', 1);
        expect(claimed).toEqual({ key: held!.key, job: given, attempts: 2 });
        expect(claimed.job.body).toBe(TRICKY_JSON_TEXT);
      });

      it('lets another owner claim a job whose lease ran out; then only the new owner may change it', async () => {
        const held = (await store.addWebhookJob(job(1), 'crashed', 20))!;
        const [claimed] = await claimAll('rescuer', 1);
        expect(claimed).toEqual(held);
        expect(await store.claimWebhookJobs('third', LONG, 10)).toEqual([]);
        expect(await store.holdWebhookJob(held.key, 'crashed', LONG, 1)).toBe(false);
        expect(await store.finishWebhookJob(held.key, 'crashed')).toBe(false);
        expect(await store.holdWebhookJob(held.key, 'rescuer', LONG, 1)).toBe(true);
        expect(await store.finishWebhookJob(held.key, 'rescuer')).toBe(true);
      });

      it('keeps a job from claims for as long as its holder holds it, with the attempts recorded', async () => {
        const held = (await store.addWebhookJob(job(1), 'a', 0))!;
        expect(await store.holdWebhookJob(held.key, 'a', LONG, 3)).toBe(true);
        expect(await store.claimWebhookJobs('b', LONG, 10)).toEqual([]);
        expect(await store.holdWebhookJob(held.key, 'a', 0, 4)).toBe(true);
        expect(await claimAll('b', 1)).toEqual([{ ...held, attempts: 4 }]);
      });

      it('forgets a finished job: no claim, hold or second finish, and its id is not added again', async () => {
        const held = (await store.addWebhookJob(job(1), 'a', 0))!;
        const other = (await store.addWebhookJob(job(2), 'a', 0))!;
        expect(await store.finishWebhookJob(held.key, 'a')).toBe(true);
        expect(await store.finishWebhookJob(held.key, 'a')).toBe(false);
        expect(await store.holdWebhookJob(held.key, 'a', 0, 1)).toBe(false);
        expect((await claimAll('b', 1)).map((j) => j.key)).toEqual([other.key]);
        expect(await store.addWebhookJob(job(1), 'a', 0)).toBeUndefined();
      });

      it('claims the earliest expiry first, jobs expiring together in the order added, at most limit', async () => {
        const late = (await store.addWebhookJob(job(0), 'a', LONG))!;
        const added: string[] = [];
        for (let n = 1; n <= 4; n++) added.push((await store.addWebhookJob(job(n), 'a', 0))!.job.id);
        expect(await store.holdWebhookJob(late.key, 'a', 30, 0)).toBe(true); // now expires after all of them
        expect((await store.claimWebhookJobs('b', LONG, 2)).map((j) => j.job.id)).toEqual(added.slice(0, 2));
        expect((await claimAll('b', 3)).map((j) => j.job.id)).toEqual([...added.slice(2), late.job.id]);
        expect(await store.claimWebhookJobs('c', LONG, 10)).toEqual([]);
      });

      it('gives each expired job to exactly one of many concurrent claimers', async () => {
        for (let n = 0; n < 20; n++) await store.addWebhookJob(job(n), 'crashed', 0);
        const claims = await Promise.all(Array.from({ length: 6 }, (_, n) => store.claimWebhookJobs(`node-${n}`, LONG, 5)));
        const ids = claims.flat().map((j) => j.job.id);
        expect(ids.length).toBeGreaterThan(0);
        expect(new Set(ids).size).toBe(ids.length);
        const rest = await store.claimWebhookJobs('late', LONG, 100);
        expect([...ids, ...rest.map((j) => j.job.id)].sort()).toEqual(Array.from({ length: 20 }, (_, n) => `${p}job-${n}`).sort());
      });

      it('claims nothing for a limit below one', async () => {
        await store.addWebhookJob(job(1), 'a', 0);
        expect(await store.claimWebhookJobs('b', LONG, 0)).toEqual([]);
        expect(await claimAll('b', 1)).toHaveLength(1);
      });
    });

    describe('callbacks', () => {
      it('returns the url it replaced, and the latest on get', async () => {
        expect(await store.getCallback(`${p}u`)).toBeUndefined();
        expect(await store.setCallback(`${p}u`, 'https://a.example/hook')).toBeUndefined();
        expect(await store.setCallback(`${p}u`, 'https://b.example/hook')).toBe('https://a.example/hook');
        expect(await store.getCallback(`${p}u`)).toBe('https://b.example/hook');
        expect(await store.getCallback(`${p}other`)).toBeUndefined();
      });
    });

    describe('tickets', () => {
      it('can be taken once', async () => {
        await store.putTicket(`${p}t`, grant, 60_000);
        expect(await store.takeTicket(`${p}t`)).toEqual(grant);
        expect(await store.takeTicket(`${p}t`)).toBeUndefined();
        expect(await store.takeTicket(`${p}never`)).toBeUndefined();
      });

      it('lets exactly one of two racing takers win', async () => {
        await store.putTicket(`${p}t`, grant, 60_000);
        const results = await Promise.all([store.takeTicket(`${p}t`), store.takeTicket(`${p}t`)]);
        expect(results.filter((r) => r !== undefined)).toEqual([grant]);
      });

      it('is gone once expired', async () => {
        await store.putTicket(`${p}short`, grant, 50);
        await store.putTicket(`${p}long`, grant, 60_000);
        await sleep(150);
        expect(await store.takeTicket(`${p}short`)).toBeUndefined();
        expect(await store.takeTicket(`${p}long`)).toEqual(grant);
      });

      it('keeps the grant as it was put', async () => {
        const given: TicketGrant = { user_uuid: 'u-2', store_id: '7' };
        await store.putTicket(`${p}t`, given, 60_000);
        given.store_id = 'changed';
        expect(await store.takeTicket(`${p}t`)).toEqual({ user_uuid: 'u-2', store_id: '7' });
      });
    });

    describe('snapshots', () => {
      interface Game {
        score: number;
        moves: number[];
      }

      it('lists every stored snapshot with its key', async () => {
        await store.putSnapshot<Game>(`${p}l1`, { score: 1, moves: [] });
        await store.putSnapshot<Game>(`${p}l 2*`, { score: 2, moves: [2] });
        const mine = (await store.listSnapshots<Game>()).filter((s) => s.pk.startsWith(`${p}l`));
        expect(mine.sort((a, b) => a.pk.localeCompare(b.pk))).toEqual([
          { pk: `${p}l 2*`, snapshot: { score: 2, moves: [2] } },
          { pk: `${p}l1`, snapshot: { score: 1, moves: [] } },
        ]);
      });

      it('gets undefined when unset, then what was put', async () => {
        expect(await store.getSnapshot<Game>(`${p}g`)).toBeUndefined();
        await store.putSnapshot<Game>(`${p}g`, { score: 1, moves: [1] });
        await store.putSnapshot<Game>(`${p}g`, { score: 2, moves: [1, 2] });
        expect(await store.getSnapshot<Game>(`${p}g`)).toEqual({ score: 2, moves: [1, 2] });
        expect(await store.getSnapshot<Game>(`${p}other`)).toBeUndefined();
      });

      it('updates from the current value and returns what is stored afterwards', async () => {
        const seen: Array<Game | undefined> = [];
        const first = await store.updateSnapshot<Game>(`${p}g`, (current) => {
          seen.push(current);
          return { score: 1, moves: [] };
        });
        expect(seen).toEqual([undefined]);
        expect(first).toEqual({ score: 1, moves: [] });
        const second = await store.updateSnapshot<Game>(`${p}g`, (current) => current && { ...current, score: current.score + 1 });
        expect(second).toEqual({ score: 2, moves: [] });
        expect(await store.getSnapshot<Game>(`${p}g`)).toEqual({ score: 2, moves: [] });
      });

      it('leaves the snapshot as it is when change returns undefined', async () => {
        expect(await store.updateSnapshot<Game>(`${p}none`, () => undefined)).toBeUndefined();
        expect(await store.getSnapshot<Game>(`${p}none`)).toBeUndefined();
        await store.putSnapshot<Game>(`${p}g`, { score: 3, moves: [3] });
        const after = await store.updateSnapshot<Game>(`${p}g`, (current) => {
          current?.moves.push(99); // mutating its argument must not leak into the store
          return undefined;
        });
        expect(after).toEqual({ score: 3, moves: [3] });
        expect(await store.getSnapshot<Game>(`${p}g`)).toEqual({ score: 3, moves: [3] });
      });

      it('loses none of many concurrent updates', async () => {
        await store.putSnapshot<Game>(`${p}g`, { score: 0, moves: [] });
        await Promise.all(
          Array.from({ length: 20 }, (_, n) =>
            store.updateSnapshot<Game>(`${p}g`, (current) => ({
              score: (current?.score ?? 0) + 1,
              moves: [...(current?.moves ?? []), n],
            })),
          ),
        );
        const final = await store.getSnapshot<Game>(`${p}g`);
        expect(final?.score).toBe(20);
        expect([...(final?.moves ?? [])].sort((x, y) => x - y)).toEqual(Array.from({ length: 20 }, (_, n) => n));
      });

      it('is not changed by mutating what was put or returned', async () => {
        const given: Game = { score: 1, moves: [1] };
        await store.putSnapshot(`${p}g`, given);
        given.moves.push(2);
        const got = await store.getSnapshot<Game>(`${p}g`);
        got?.moves.push(3);
        const updated = await store.updateSnapshot<Game>(`${p}g`, (current) => current);
        updated?.moves.push(4);
        expect(await store.getSnapshot<Game>(`${p}g`)).toEqual({ score: 1, moves: [1] });
      });
    });

    describe('presence', () => {
      it('counts distinct sockets per (workspace, user)', async () => {
        expect(await store.presenceUp(`${p}w`, 'u', 's1')).toBe(1);
        expect(await store.presenceUp(`${p}w`, 'u', 's2')).toBe(2);
        expect(await store.presenceUp(`${p}w`, 'other', 's3')).toBe(1);
        expect(await store.presenceUp(`${p}w2`, 'u', 's4')).toBe(1);
        expect(await store.presenceDown(`${p}w`, 'u', 's1')).toBe(1);
        expect(await store.presenceDown(`${p}w`, 'u', 's2')).toBe(0);
        expect(await store.presenceUp(`${p}w`, 'u', 's5')).toBe(1);
      });

      it('counts through one, many and back to one socket', async () => {
        for (const [n, s] of [[1, 's1'], [2, 's2'], [3, 's3']] as const) expect(await store.presenceUp(`${p}w`, 'u', s)).toBe(n);
        expect(await store.presenceDown(`${p}w`, 'u', 's2')).toBe(2);
        expect(await store.presenceDown(`${p}w`, 'u', 's1')).toBe(1);
        expect(await store.presenceUp(`${p}w`, 'u', 's3')).toBe(1); // the one left, again
        expect(await store.presenceDown(`${p}w`, 'u', 's9')).toBe(1);
        expect(await store.presenceUp(`${p}w`, 'u', 's4')).toBe(2);
        expect(await store.presenceDown(`${p}w`, 'u', 's3')).toBe(1);
        expect(await store.presenceDown(`${p}w`, 'u', 's4')).toBe(0);
      });

      it('is idempotent per socket and never goes below 0', async () => {
        expect(await store.presenceUp(`${p}w`, 'u', 's1')).toBe(1);
        expect(await store.presenceUp(`${p}w`, 'u', 's1')).toBe(1);
        expect(await store.presenceDown(`${p}w`, 'u', 'unknown')).toBe(1);
        expect(await store.presenceDown(`${p}w`, 'u', 's1')).toBe(0);
        expect(await store.presenceDown(`${p}w`, 'u', 's1')).toBe(0);
        expect(await store.presenceDown(`${p}w`, 'nobody', 's9')).toBe(0);
      });

      it('counts concurrent ups of distinct sockets exactly', async () => {
        const counts = await Promise.all(Array.from({ length: 10 }, (_, n) => store.presenceUp(`${p}w`, 'u', `s${n}`)));
        expect([...counts].sort((x, y) => x - y)).toEqual(Array.from({ length: 10 }, (_, n) => n + 1));
      });
    });

    describe('rate-limit windows', () => {
      it('counts hits per key within a window and says when it closes', async () => {
        const first = await store.hit(`${p}w`, 60_000);
        expect(first.count).toBe(1);
        expect(first.resetInMs).toBeGreaterThan(0);
        expect(first.resetInMs).toBeLessThanOrEqual(60_000);
        expect((await store.hit(`${p}w`, 60_000)).count).toBe(2);
        expect((await store.hit(`${p}other`, 60_000)).count).toBe(1);
        const third = await store.hit(`${p}w`, 60_000);
        expect(third.count).toBe(3);
        // The window opened at the first hit: later hits do not extend it.
        expect(third.resetInMs).toBeLessThanOrEqual(first.resetInMs);
      });

      it('counts concurrent hits exactly', async () => {
        const counts = await Promise.all(Array.from({ length: 30 }, () => store.hit(`${p}c`, 60_000)));
        expect(counts.map((c) => c.count).sort((x, y) => x - y)).toEqual(Array.from({ length: 30 }, (_, n) => n + 1));
      });

      it('starts a new window from 1 once the last one closed', async () => {
        await store.hit(`${p}short`, 30);
        await store.hit(`${p}short`, 30);
        // Each poll is a hit; the first of a new window counts 1 again.
        await waitFor(async () => (await store.hit(`${p}short`, 30)).count === 1, 'a new window');
      });
    });

    describe('notify', () => {
      it('wakes the listeners of that topic only', async () => {
        let a1 = 0;
        let a2 = 0;
        let b = 0;
        store.onNotify(`${p}a`, () => (a1 += 1));
        store.onNotify(`${p}a`, () => (a2 += 1));
        store.onNotify(`${p}b`, () => (b += 1));
        await store.notify(`${p}a`);
        await waitFor(() => a1 === 1 && a2 === 1, 'both listeners of topic a');
        // topic b as a barrier: once its listener ran, a stray call from topic a would have too
        await store.notify(`${p}b`);
        await waitFor(() => b === 1, 'the listener of topic b');
        expect([a1, a2, b]).toEqual([1, 1, 1]);
      });

      it('stops calling a listener after it unsubscribes', async () => {
        let gone = 0;
        let kept = 0;
        const unsubscribe = store.onNotify(`${p}t`, () => (gone += 1));
        store.onNotify(`${p}t`, () => (kept += 1));
        await store.notify(`${p}t`);
        await waitFor(() => gone === 1 && kept === 1, 'both listeners');
        unsubscribe();
        await store.notify(`${p}t`);
        await waitFor(() => kept === 2, 'the remaining listener again');
        expect(gone).toBe(1);
      });
    });

    it('is ready when open', async () => {
      await expect(store.ready()).resolves.toBe(true);
    });
  });
}
