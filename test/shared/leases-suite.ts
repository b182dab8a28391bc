// The Leases capability's contract (src/ports/store-capabilities.ts), for every backend.
import { waitFor } from '../helpers/wait';
import type { HeldJob, Leases, WebhookJob } from '../../src/ports/store';
import { TRICKY_JSON_TEXT, withBackend, type MakeBackend } from './store-harness';

export function leasesSuite(make: MakeBackend): void {
  describe('leases', () => {
    const h = withBackend(make);
    let store: Leases<WebhookJob>;
    beforeEach(() => {
      store = h.backend().leases<WebhookJob>(h.name('leases'));
    });

    const job = (n: number, extra: Partial<WebhookJob> = {}): WebhookJob => ({ id: `job-${n}`, user: 'u', message: 'new_message', body: `{"n":${n}}`, ...extra });
    const LONG = 60_000;
    /** Claims until `count` jobs came back (leases given as 0 or a few ms run out on their own). */
    const claimAll = async (owner: string, count: number) => {
      const claimed: Array<HeldJob<WebhookJob>> = [];
      await waitFor(async () => {
        claimed.push(...(await store.claim(owner, LONG, 100)));
        return claimed.length >= count;
      }, `${count} claimable jobs`);
      return claimed;
    };

    it('adds a job held by its owner, once per id, and gives it back exactly', async () => {
      const given = job(1, { user: 'ü 😀', body: TRICKY_JSON_TEXT, url: 'http://127.0.0.1:9/hook?a=1&b=é' });
      const held = await store.add(given, 'node-a', LONG);
      expect(held).toEqual({ key: expect.any(String), job: given, attempts: 0 });
      expect(held!.job.body).toBe(TRICKY_JSON_TEXT);
      expect(await store.add(given, 'node-b', LONG)).toBeUndefined();
      expect(await store.add({ ...given, body: 'other' }, 'node-a', LONG)).toBeUndefined();
      expect(await store.claim('node-b', LONG, 10)).toEqual([]); // held: not claimable
      await store.hold(held!.key, 'node-a', 0, 2);
      const [claimed] = await claimAll('node-b', 1);
      expect(claimed).toEqual({ key: held!.key, job: given, attempts: 2 });
      expect(claimed.job.body).toBe(TRICKY_JSON_TEXT);
    });

    it('lets another owner claim a job whose lease ran out; then only the new owner may change it', async () => {
      const held = (await store.add(job(1), 'crashed', 20))!;
      const [claimed] = await claimAll('rescuer', 1);
      expect(claimed).toEqual(held);
      expect(await store.claim('third', LONG, 10)).toEqual([]);
      expect(await store.hold(held.key, 'crashed', LONG, 1)).toBe(false);
      expect(await store.finish(held.key, 'crashed')).toBe(false);
      expect(await store.hold(held.key, 'rescuer', LONG, 1)).toBe(true);
      expect(await store.finish(held.key, 'rescuer')).toBe(true);
    });

    it('keeps a job from claims for as long as its holder holds it, with the attempts recorded', async () => {
      const held = (await store.add(job(1), 'a', 0))!;
      expect(await store.hold(held.key, 'a', LONG, 3)).toBe(true);
      expect(await store.claim('b', LONG, 10)).toEqual([]);
      expect(await store.hold(held.key, 'a', 0, 4)).toBe(true);
      expect(await claimAll('b', 1)).toEqual([{ ...held, attempts: 4 }]);
    });

    it('forgets a finished job: no claim, hold or second finish, and its id is not added again', async () => {
      const held = (await store.add(job(1), 'a', 0))!;
      const other = (await store.add(job(2), 'a', 0))!;
      expect(await store.finish(held.key, 'a')).toBe(true);
      expect(await store.finish(held.key, 'a')).toBe(false);
      expect(await store.hold(held.key, 'a', 0, 1)).toBe(false);
      expect((await claimAll('b', 1)).map((j) => j.key)).toEqual([other.key]);
      expect(await store.add(job(1), 'a', 0)).toBeUndefined();
    });

    it('claims the earliest expiry first, jobs expiring together in the order added, at most limit', async () => {
      const late = (await store.add(job(0), 'a', LONG))!;
      const added: string[] = [];
      for (let n = 1; n <= 4; n++) added.push((await store.add(job(n), 'a', 0))!.job.id);
      expect(await store.hold(late.key, 'a', 30, 0)).toBe(true); // now expires after all of them
      expect((await store.claim('b', LONG, 2)).map((j) => j.job.id)).toEqual(added.slice(0, 2));
      expect((await claimAll('b', 3)).map((j) => j.job.id)).toEqual([...added.slice(2), late.job.id]);
      expect(await store.claim('c', LONG, 10)).toEqual([]);
    });

    it('gives each expired job to exactly one of many concurrent claimers', async () => {
      for (let n = 0; n < 20; n++) await store.add(job(n), 'crashed', 0);
      const claims = await Promise.all(Array.from({ length: 6 }, (_, n) => store.claim(`node-${n}`, LONG, 5)));
      const ids = claims.flat().map((j) => j.job.id);
      expect(ids.length).toBeGreaterThan(0);
      expect(new Set(ids).size).toBe(ids.length);
      const rest = await store.claim('late', LONG, 100);
      expect([...ids, ...rest.map((j) => j.job.id)].sort()).toEqual(Array.from({ length: 20 }, (_, n) => `job-${n}`).sort());
    });

    it('claims nothing for a limit below one', async () => {
      await store.add(job(1), 'a', 0);
      expect(await store.claim('b', LONG, 0)).toEqual([]);
      expect(await claimAll('b', 1)).toHaveLength(1);
    });
  });
}
