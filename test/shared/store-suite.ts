// The store's capability suites, written once and run against every backend (memory, Redis): each
// capability has its own suite file; storeSuite runs them all, and checks the Store's named state.
// Every test gets capability names of its own, so a shared Redis can run it next to other data.
// Waits poll; nothing asserts on timing.
import { waitFor } from '../helpers/wait';
import { Store } from '../../src/ports/store';
import { keyValueSuite } from './key-value-suite';
import { leasesSuite } from './leases-suite';
import { logSuite } from './log-suite';
import { notifierSuite } from './notifier-suite';
import { presenceSuite } from './presence-suite';
import { queueSuite } from './queue-suite';
import { windowsSuite } from './windows-suite';
import { withBackend, type MakeBackend } from './store-harness';


export { waitFor };

export function storeSuite(name: string, make: MakeBackend): void {
  describe(`store capabilities: ${name}`, () => {
    keyValueSuite(make);
    logSuite(make);
    queueSuite(make);
    leasesSuite(make);
    presenceSuite(make);
    windowsSuite(make);
    notifierSuite(make);

    describe('the Store', () => {
      const h = withBackend(make);

      it('keeps each named state apart, under the same key too', async () => {
        const store = new Store(h.backend());
        const k = h.name('k');
        await store.tickets.set(k, { user_uuid: 'u', store_id: 1 }, 60_000);
        await store.snapshots.set(k, { game: 1 } as never); // the store keeps any JSON value
        await store.callbacks.set(k, 'https://a.example/hook');
        await store.channels.set(k, 'w1');
        await store.cursors.set([k, k], 3);
        expect(await store.tickets.take(k)).toEqual({ user_uuid: 'u', store_id: 1 });
        expect(await store.snapshots.get(k)).toEqual({ game: 1 });
        expect(await store.callbacks.get(k)).toBe('https://a.example/hook');
        expect(await store.channels.get(k)).toBe('w1');
        expect(await store.cursors.get([k, k])).toBe(3);
      });

      it('gives capabilities made under the same name the same state, and under another name other state', async () => {
        const backend = h.backend();
        const [a, b, q, r] = [h.name('a'), h.name('b'), h.name('q'), h.name('r')];
        await backend.keyValue(a).set('k', 1);
        expect(await backend.keyValue(a).get('k')).toBe(1);
        expect(await backend.keyValue(b).get('k')).toBeUndefined();
        await backend.queue(q).enqueue('u', 'x', 'rec-1');
        await backend.queue(r).enqueue('u', 'y', 'rec-1'); // an idempotency key counts per queue
        expect(await backend.queue(q).dequeue('u')).toBe('x');
        expect(await backend.queue(r).dequeue('u')).toBe('y');
      });

      it('is ready when open', async () => {
        await expect(new Store(h.backend()).ready()).resolves.toBe(true);
      });
    });
  });
}
