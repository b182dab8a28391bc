// The Bus contract, written once and run against every implementation (memory now, Kafka later).
// Tests tag their envelope ids with a random prefix and ignore anything else, so a shared broker
// that still carries records of earlier runs does not disturb them. Waits poll; nothing asserts
// on timing.
import { waitFor } from '../helpers/wait';
import type { ApiName, Bus, Envelope, EnvelopeHandler, Subscription } from '../../src/ports/bus';


export { waitFor };

export function busSuite(name: string, make: () => Promise<{ bus: Bus; cleanup?: () => Promise<void> }>): void {
  describe(`Bus contract: ${name}`, () => {
    let bus: Bus;
    let cleanup: (() => Promise<void>) | undefined;
    let prefix: string;

    beforeEach(async () => {
      ({ bus, cleanup } = await make());
      prefix = `t${Math.random().toString(36).slice(2)}`;
    });

    afterEach(async () => {
      await bus.close().catch(() => undefined); // some tests already closed it
      await cleanup?.();
    });

    const envelope = (n: number, to: Envelope['to'] = { pk: 1 }): Envelope => ({
      id: `${prefix}-${n}`,
      message: 'test-message',
      to,
      data: { n, nested: { list: [1, 'two', null] } },
    });

    /** A handler that records this test's envelopes only. */
    const collector = (): { got: Envelope[]; handler: EnvelopeHandler } => {
      const got: Envelope[] = [];
      return { got, handler: (e) => void (e.id.startsWith(`${prefix}-`) && got.push(e)) };
    };

    const ids = (list: Envelope[]): string[] => list.map((e) => e.id);

    describe('fanout', () => {
      it('delivers every envelope, intact, to every subscriber', async () => {
        const subscribers = [collector(), collector(), collector()];
        for (const s of subscribers) await bus.subscribe('games', 'fanout', s.handler);
        await bus.publish('games', envelope(1, { pk: '7' }));
        await bus.publish('games', envelope(2, { pk: 7 }));
        await waitFor(() => subscribers.every((s) => s.got.length === 2), 'all three subscribers to get both');
        for (const s of subscribers) expect(s.got).toEqual([envelope(1, { pk: '7' }), envelope(2, { pk: 7 })]);
      });

      it('keeps apis apart: a pizza envelope never reaches a games subscriber', async () => {
        const pizza = collector();
        const games = collector();
        await bus.subscribe('pizza', 'fanout', pizza.handler);
        await bus.subscribe('games', 'fanout', games.handler);
        await bus.publish('pizza', envelope(1, { store_id: 1 }));
        await bus.publish('pizza', envelope(2, { store_id: 1 }));
        await waitFor(() => pizza.got.length === 2, 'pizza subscriber to get both');
        // A games envelope as a barrier: once it arrived, games had every chance to see pizza's.
        await bus.publish('games', envelope(3));
        await waitFor(() => games.got.length >= 1, 'games subscriber to get its own envelope');
        expect(ids(games.got)).toEqual([`${prefix}-3`]);
        expect(ids(pizza.got)).toEqual([`${prefix}-1`, `${prefix}-2`]);
      });

      describe('settled', () => {
        it('resolves once every fanout subscriber handled what was published before, slow handlers included', async () => {
          const fast = collector();
          const slow = collector();
          await bus.subscribe('games', 'fanout', fast.handler);
          await bus.subscribe('games', 'fanout', async (e) => {
            for (let i = 0; i < 5; i++) await new Promise((r) => setImmediate(r));
            slow.handler(e);
          });
          for (let n = 1; n <= 3; n++) await bus.publish('games', envelope(n, { pk: n }));
          await bus.settled('games');
          const want = [`${prefix}-1`, `${prefix}-2`, `${prefix}-3`];
          expect(ids(fast.got).sort()).toEqual(want);
          expect(ids(slow.got).sort()).toEqual(want);
        });

        it('does not wait for other apis', async () => {
          const games = collector();
          let unblock = (): void => undefined;
          const blocked = new Promise<void>((r) => (unblock = r));
          await bus.subscribe('games', 'fanout', games.handler);
          await bus.subscribe('pizza', 'fanout', (e) => (e.id.startsWith(`${prefix}-`) ? blocked : undefined)); // held until the end
          await bus.publish('pizza', envelope(0, { store_id: 1 }));
          await bus.publish('games', envelope(1));
          await bus.settled('games');
          expect(ids(games.got)).toEqual([`${prefix}-1`]);
          unblock();
        });

        it('resolves when the subscriber leaves before handling everything', async () => {
          let unblock = (): void => undefined;
          const blocked = new Promise<void>((r) => (unblock = r));
          const sub = await bus.subscribe('games', 'fanout', (e) => (e.id.startsWith(`${prefix}-`) ? blocked : undefined));
          await bus.publish('games', envelope(1));
          const settled = bus.settled('games');
          const closed = sub.close();
          unblock();
          await Promise.all([settled, closed]);
        });
      });

      it('preserves publish order per api for a single key', async () => {
        const s = collector();
        await bus.subscribe('events', 'fanout', s.handler);
        const count = 30;
        for (let n = 0; n < count; n++) await bus.publish('events', envelope(n, { channel: 'c1' }));
        await waitFor(() => s.got.length === count, `${count} envelopes`);
        expect(ids(s.got)).toEqual(Array.from({ length: count }, (_, n) => `${prefix}-${n}`));
      });

      it('finishes one envelope before starting the next, so slow async handlers keep order', async () => {
        const finished: string[] = [];
        let running = 0;
        let overlapped = false;
        await bus.subscribe('games', 'fanout', async (e) => {
          if (!e.id.startsWith(`${prefix}-`)) return;
          overlapped ||= running > 0;
          running += 1;
          // earlier envelopes take longer: a handler run concurrently would finish them out of order
          await new Promise((resolve) => setTimeout(resolve, 5 * (5 - Number(e.id.split('-')[1]))));
          running -= 1;
          finished.push(e.id);
        });
        for (let n = 0; n < 5; n++) await bus.publish('games', envelope(n));
        await waitFor(() => finished.length === 5, 'all five to finish');
        expect(finished).toEqual(Array.from({ length: 5 }, (_, n) => `${prefix}-${n}`));
        expect(overlapped).toBe(false);
      });

      it('a throwing or rejecting handler affects neither other handlers nor the publisher', async () => {
        const healthy = collector();
        let throwing = 0;
        let rejecting = 0;
        await bus.subscribe('workspace', 'fanout', (e) => {
          if (!e.id.startsWith(`${prefix}-`)) return;
          throwing += 1;
          throw new Error('handler throws (expected in this test)');
        });
        await bus.subscribe('workspace', 'fanout', async (e) => {
          if (!e.id.startsWith(`${prefix}-`)) return;
          rejecting += 1;
          throw new Error('handler rejects (expected in this test)');
        });
        await bus.subscribe('workspace', 'fanout', healthy.handler);
        for (let n = 0; n < 3; n++) await bus.publish('workspace', envelope(n, { workspaceId: 'w1' }));
        await waitFor(() => healthy.got.length === 3 && throwing === 3 && rejecting === 3, 'every handler to see all 3');
        expect(ids(healthy.got)).toEqual([`${prefix}-0`, `${prefix}-1`, `${prefix}-2`]);
      });

      it('stops delivering to a closed subscription', async () => {
        const leaving = collector();
        const staying = collector();
        const sub = await bus.subscribe('games', 'fanout', leaving.handler);
        await bus.subscribe('games', 'fanout', staying.handler);
        await bus.publish('games', envelope(1));
        await waitFor(() => leaving.got.length === 1 && staying.got.length === 1, 'both to get the first');
        await sub.close();
        await bus.publish('games', envelope(2));
        await bus.publish('games', envelope(3));
        await waitFor(() => staying.got.length === 3, 'the staying subscriber to get all three');
        expect(ids(leaving.got)).toEqual([`${prefix}-1`]);
      });
    });

    describe('work', () => {
      it('delivers each envelope to exactly one of two subscribers, and every envelope', async () => {
        const a = collector();
        const b = collector();
        await bus.subscribe('messenger', 'work', a.handler);
        await bus.subscribe('messenger', 'work', b.handler);
        const count = 20;
        for (let n = 0; n < count; n++) await bus.publish('messenger', envelope(n, { user_id: n % 3 }));
        const delivered = (): Set<string> => new Set([...ids(a.got), ...ids(b.got)]);
        await waitFor(() => delivered().size === count, `all ${count} envelopes`);
        expect(a.got.length + b.got.length).toBe(count); // no envelope went to both, or twice
        expect([...delivered()].sort()).toEqual(Array.from({ length: count }, (_, n) => `${prefix}-${n}`).sort());
      });

      it('gives a rejected envelope to a handler again', async () => {
        const attempts = new Map<string, number>();
        const done: string[] = [];
        await bus.subscribe('messenger', 'work', async (e) => {
          if (!e.id.startsWith(`${prefix}-`)) return;
          const n = (attempts.get(e.id) ?? 0) + 1;
          attempts.set(e.id, n);
          if (n === 1) throw new Error('first attempt fails (expected in this test)');
          done.push(e.id);
        });
        await bus.publish('messenger', envelope(1, { user_id: 'u1' }));
        await waitFor(() => done.length === 1, 'the retried envelope to succeed');
        expect(done).toEqual([`${prefix}-1`]);
        expect(attempts.get(`${prefix}-1`)).toBe(2);
      });

      it('keeps delivering to the remaining subscriber after another closes', async () => {
        const leaving = collector();
        const staying = collector();
        const sub = await bus.subscribe('messenger', 'work', leaving.handler);
        await bus.subscribe('messenger', 'work', staying.handler);
        await sub.close();
        for (let n = 0; n < 5; n++) await bus.publish('messenger', envelope(n, { user_id: 1 }));
        await waitFor(() => staying.got.length === 5, 'the staying subscriber to get all five');
        expect(leaving.got).toEqual([]);
      });

      it('is independent of fanout: a work and a fanout subscriber of an api both get every envelope', async () => {
        const work = collector();
        const fanout = collector();
        await bus.subscribe('events', 'work', work.handler);
        await bus.subscribe('events', 'fanout', fanout.handler);
        await bus.publish('events', envelope(1, { channel: 'c' }));
        await bus.publish('events', envelope(2, { channel: 'c' }));
        await waitFor(() => work.got.length === 2 && fanout.got.length === 2, 'both subscribers to get both');
        expect(ids(work.got).sort()).toEqual(ids(fanout.got).sort());
      });
    });

    describe('lifecycle', () => {
      it('becomes ready when open (a broker connection may take a moment)', async () => {
        let ready = false;
        for (const deadline = Date.now() + 30_000; !ready && Date.now() < deadline; ) {
          ready = await bus.ready();
          if (!ready) await new Promise((r) => setTimeout(r, 100));
        }
        expect(ready).toBe(true);
      });

      it('rejects publish after close', async () => {
        await bus.close();
        await expect(bus.publish('games', envelope(1))).rejects.toThrow(/closed/i);
      });

      it('close waits for an in-flight handler to finish', async () => {
        let started = false;
        let finished = false;
        let release: () => void = () => undefined;
        const gate = new Promise<void>((resolve) => (release = resolve));
        await bus.subscribe('pizza', 'fanout', async (e) => {
          if (!e.id.startsWith(`${prefix}-`)) return;
          started = true;
          await gate;
          finished = true;
        });
        await bus.publish('pizza', envelope(1, { store_id: 1 }));
        await waitFor(() => started, 'the handler to start');
        const closing = bus.close();
        setTimeout(release, 20); // released later; close must still be waiting for it
        await closing;
        expect(finished).toBe(true);
      });

      it('subscription close is safe to await while idle', async () => {
        const subs: Subscription[] = [];
        for (const api of ['games', 'pizza'] as ApiName[]) subs.push(await bus.subscribe(api, 'fanout', () => undefined));
        subs.push(await bus.subscribe('messenger', 'work', () => undefined));
        await expect(Promise.all(subs.map((s) => s.close()))).resolves.toBeDefined();
      });
    });
  });
}
