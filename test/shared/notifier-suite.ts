// The Notifier capability's contract (src/ports/store-capabilities.ts), for every backend.
import { waitFor } from '../helpers/wait';
import type { Notifier } from '../../src/ports/store';
import { withBackend, type MakeBackend } from './store-harness';

export function notifierSuite(make: MakeBackend): void {
  describe('notifier', () => {
    const h = withBackend(make);
    let store: Notifier;
    let p: string;
    beforeEach(() => {
      store = h.backend();
      p = h.name();
    });

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
}
