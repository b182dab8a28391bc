// The Presence capability's contract (src/ports/store-capabilities.ts), for every backend.
import type { Presence } from '../../src/ports/store';
import { withBackend, type MakeBackend } from './store-harness';

export function presenceSuite(make: MakeBackend): void {
  describe('presence', () => {
    const h = withBackend(make);
    let store: Presence;
    beforeEach(() => {
      store = h.backend().presence(h.name('presence'));
    });

    it('counts distinct sockets per (workspace, user)', async () => {
      expect(await store.up(['w', 'u'], 's1')).toBe(1);
      expect(await store.up(['w', 'u'], 's2')).toBe(2);
      expect(await store.up(['w', 'other'], 's3')).toBe(1);
      expect(await store.up(['w2', 'u'], 's4')).toBe(1);
      expect(await store.down(['w', 'u'], 's1')).toBe(1);
      expect(await store.down(['w', 'u'], 's2')).toBe(0);
      expect(await store.up(['w', 'u'], 's5')).toBe(1);
    });

    it('counts through one, many and back to one socket', async () => {
      for (const [n, s] of [[1, 's1'], [2, 's2'], [3, 's3']] as const) expect(await store.up(['w', 'u'], s)).toBe(n);
      expect(await store.down(['w', 'u'], 's2')).toBe(2);
      expect(await store.down(['w', 'u'], 's1')).toBe(1);
      expect(await store.up(['w', 'u'], 's3')).toBe(1); // the one left, again
      expect(await store.down(['w', 'u'], 's9')).toBe(1);
      expect(await store.up(['w', 'u'], 's4')).toBe(2);
      expect(await store.down(['w', 'u'], 's3')).toBe(1);
      expect(await store.down(['w', 'u'], 's4')).toBe(0);
    });

    it('is idempotent per socket and never goes below 0', async () => {
      expect(await store.up(['w', 'u'], 's1')).toBe(1);
      expect(await store.up(['w', 'u'], 's1')).toBe(1);
      expect(await store.down(['w', 'u'], 'unknown')).toBe(1);
      expect(await store.down(['w', 'u'], 's1')).toBe(0);
      expect(await store.down(['w', 'u'], 's1')).toBe(0);
      expect(await store.down(['w', 'nobody'], 's9')).toBe(0);
    });

    it('counts concurrent ups of distinct sockets exactly', async () => {
      const counts = await Promise.all(Array.from({ length: 10 }, (_, n) => store.up(['w', 'u'], `s${n}`)));
      expect([...counts].sort((x, y) => x - y)).toEqual(Array.from({ length: 10 }, (_, n) => n + 1));
    });
  });
}
