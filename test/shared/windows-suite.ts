// The Windows capability's contract (src/ports/store-capabilities.ts), for every backend.
import { waitFor } from '../helpers/wait';
import type { Windows } from '../../src/ports/store';
import { withBackend, type MakeBackend } from './store-harness';

export function windowsSuite(make: MakeBackend): void {
  describe('windows', () => {
    const h = withBackend(make);
    let store: Windows;
    beforeEach(() => {
      store = h.backend().windows(h.name('windows'));
    });

    it('counts hits per key within a window and says when it closes', async () => {
      const first = await store.hit('w', 60_000);
      expect(first.count).toBe(1);
      expect(first.resetInMs).toBeGreaterThan(0);
      expect(first.resetInMs).toBeLessThanOrEqual(60_000);
      expect((await store.hit('w', 60_000)).count).toBe(2);
      expect((await store.hit('other', 60_000)).count).toBe(1);
      const third = await store.hit('w', 60_000);
      expect(third.count).toBe(3);
      // The window opened at the first hit: later hits do not extend it.
      expect(third.resetInMs).toBeLessThanOrEqual(first.resetInMs);
    });

    it('counts concurrent hits exactly', async () => {
      const counts = await Promise.all(Array.from({ length: 30 }, () => store.hit('c', 60_000)));
      expect(counts.map((c) => c.count).sort((x, y) => x - y)).toEqual(Array.from({ length: 30 }, (_, n) => n + 1));
    });

    it('starts a new window from 1 once the last one closed', async () => {
      await store.hit('short', 30);
      await store.hit('short', 30);
      // Each poll is a hit; the first of a new window counts 1 again.
      await waitFor(async () => (await store.hit('short', 30)).count === 1, 'a new window');
    });
  });
}
