// The webhook deliverer on its own, with a scripted fetch and a memory store whose clock the test
// moves (leases): outcomes, retries, give-up, lanes, stop(), and durable jobs resumed by another node.
import pino from 'pino';
import { Metrics } from '../src/metrics';
import { MemoryStore } from '../src/store/memory-store';
import type { Store } from '../src/ports/store';
import { signingKey, sign } from '../src/apis/messenger/signature';
import { WebhookDeliverer, type WebhookDelivererOptions, type WebhookJob } from '../src/apis/messenger/webhooks';
import { waitFor } from './helpers/webhook-receiver';

interface Call {
  url: string;
  headers: Record<string, string>;
  body: string;
  signal: AbortSignal;
}

/** A fetch whose answers the test scripts: a status, a thrown error, or 'hang' until aborted. */
function scriptedFetch(answer: (call: Call, index: number) => number | Error | 'hang' | Promise<number>) {
  const calls: Call[] = [];
  const fn = (async (url: string, init: RequestInit) => {
    const call: Call = { url, headers: init.headers as Record<string, string>, body: init.body as string, signal: init.signal as AbortSignal };
    const index = calls.push(call) - 1;
    const what = answer(call, index);
    if (what === 'hang') {
      return new Promise((_resolve, reject) => call.signal.addEventListener('abort', () => reject(call.signal.reason)));
    }
    if (what instanceof Error) throw what;
    const status = await what;
    return new Response([204, 205, 304].includes(status) ? null : 'ok', { status });
  }) as unknown as typeof fetch;
  return { fn, calls };
}

async function count(metrics: Metrics, outcome: string): Promise<number> {
  const { values } = await metrics.webhookAttemptsTotal.get();
  return values.find((v) => v.labels.outcome === outcome)?.value ?? 0;
}

const LEASE = 60_000;
const SECRET = 'whsec_' + Buffer.from('unit-test-key-unit-test-key-0123').toString('base64');

describe('WebhookDeliverer', () => {
  let lines: any[];
  let metrics: Metrics;
  let fallen: WebhookJob[];
  let deliverers: WebhookDeliverer[];
  /** The store's clock, moved by the tests to run leases out. */
  let clock: number;
  let store: MemoryStore;

  beforeEach(() => {
    lines = [];
    metrics = new Metrics({ defaultMetrics: false });
    fallen = [];
    deliverers = [];
    clock = 1_000_000;
    store = new MemoryStore({ now: () => clock });
  });
  afterEach(async () => {
    jest.restoreAllMocks();
    await Promise.all(deliverers.map((d) => d.stop()));
    await store.close();
  });

  function make(fetchFn: typeof fetch, options: Partial<WebhookDelivererOptions> = {}): WebhookDeliverer {
    const log = pino({ level: 'debug' }, { write: (s: string) => lines.push(JSON.parse(s)) });
    const d = new WebhookDeliverer({
      key: signingKey(SECRET),
      retryScheduleMs: [10, 20],
      timeoutMs: 5000,
      leaseMs: LEASE,
      jobs: store.webhookJobs,
      log,
      metrics,
      currentUrl: async () => 'http://receiver.test/current',
      fallback: async (job) => void fallen.push(job),
      fetch: fetchFn,
      random: () => 0.5, // no jitter
      ...options,
    });
    deliverers.push(d);
    return d;
  }

  const job = (id: string, user = 'u1', url?: string): WebhookJob => ({ id, user, message: 'new_message', body: `{"n":"${id}"}`, url });

  it('POSTs the body as JSON with valid Standard Webhooks headers', async () => {
    const f = scriptedFetch(() => 204);
    const d = make(f.fn);
    expect(await d.deliver(job('e1', 'u1', 'http://receiver.test/fixed'))).toBe(true);
    await waitFor(async () => (await count(metrics, 'success')) === 1, 'success');
    expect(f.calls).toHaveLength(1);
    const [call] = f.calls;
    expect(call.url).toBe('http://receiver.test/fixed');
    expect(call.body).toBe('{"n":"e1"}');
    expect(call.headers['content-type']).toBe('application/json');
    expect(call.headers['webhook-id']).toBe('e1');
    const ts = Number(call.headers['webhook-timestamp']);
    expect(Number.isInteger(ts)).toBe(true);
    expect(call.headers['webhook-signature']).toBe(sign(signingKey(SECRET), 'e1', ts, call.body));
    expect(d.size).toBe(0);
    expect(fallen).toEqual([]);
  });

  it('retries after the configured delays with the same webhook-id until a 2xx', async () => {
    const delays: number[] = [];
    const realSetTimeout = global.setTimeout;
    jest.spyOn(global, 'setTimeout').mockImplementation(((fn: () => void, ms: number) => {
      delays.push(ms);
      return realSetTimeout(fn, ms);
    }) as typeof setTimeout);
    const f = scriptedFetch((_c, i) => (i < 2 ? 503 : 200));
    const d = make(f.fn, { retryScheduleMs: [15, 25, 35] });
    await d.deliver(job('e2'));
    await waitFor(async () => (await count(metrics, 'success')) === 1, 'success');
    expect(f.calls.map((c) => c.headers['webhook-id'])).toEqual(['e2', 'e2', 'e2']);
    expect(f.calls.every((c) => c.url === 'http://receiver.test/current')).toBe(true);
    expect(delays.filter((ms) => ms !== 10)).toEqual([15, 25]); // 10: waitFor's own sleeps
    expect(await count(metrics, 'failure')).toBe(2);
    expect(await count(metrics, 'gave_up')).toBe(0);
  });

  it('gives up after the last retry, counts gave_up and hands the event to the fallback', async () => {
    const f = scriptedFetch(() => new TypeError('fetch failed'));
    const d = make(f.fn);
    await d.deliver(job('e3'));
    await waitFor(() => fallen.length === 1, 'fallback');
    expect(f.calls).toHaveLength(3); // first attempt + 2 retries
    expect(await count(metrics, 'failure')).toBe(3);
    expect(await count(metrics, 'gave_up')).toBe(1);
    expect(fallen[0].id).toBe('e3');
    expect(lines.some((l) => l.id === 'e3' && /gave up/.test(l.msg))).toBe(true);
  });

  it('counts an attempt without an answer in time as a timeout', async () => {
    const f = scriptedFetch(() => 'hang');
    const d = make(f.fn, { timeoutMs: 30, retryScheduleMs: [] });
    await d.deliver(job('e4'));
    await waitFor(() => fallen.length === 1, 'fallback');
    expect(await count(metrics, 'timeout')).toBe(1);
    expect(await count(metrics, 'gave_up')).toBe(1);
  });

  it('counts a non-2xx answer (also a redirect) as a failure', async () => {
    const f = scriptedFetch(() => 302);
    const d = make(f.fn, { retryScheduleMs: [] });
    await d.deliver(job('e5'));
    await waitFor(() => fallen.length === 1, 'fallback');
    expect(await count(metrics, 'failure')).toBe(1);
    expect(await count(metrics, 'success')).toBe(0);
  });

  it('runs one user\'s attempts in order, other users independently', async () => {
    let release!: (status: number) => void;
    const first = new Promise<number>((r) => (release = r));
    const f = scriptedFetch((c) => (c.headers['webhook-id'] === 'a1' ? first : 200));
    const d = make(f.fn);
    await d.deliver(job('a1', 'alice'));
    await d.deliver(job('a2', 'alice'));
    await d.deliver(job('b1', 'bob'));
    await waitFor(() => f.calls.some((c) => c.headers['webhook-id'] === 'b1'), 'bob delivered');
    // alice's second event waits for her first one; bob did not wait for alice.
    expect(f.calls.map((c) => c.headers['webhook-id'])).toEqual(['a1', 'b1']);
    release(200);
    await waitFor(() => f.calls.length === 3, 'alice second');
    expect(f.calls[2].headers['webhook-id']).toBe('a2');
  });

  it('ignores a job whose id was accepted before, while being delivered and after', async () => {
    let answer: number | 'hang' = 'hang';
    const f = scriptedFetch(() => answer);
    const d = make(f.fn);
    expect(await d.deliver(job('dup'))).toBe(true);
    expect(await d.deliver(job('dup'))).toBe(false);
    await waitFor(() => f.calls.length === 1, 'first attempt');
    expect(d.size).toBe(1);
    answer = 200;
    await d.stop(); // the hanging attempt is abandoned and queued for polling
    const again = make(f.fn);
    expect(await again.deliver(job('dup'))).toBe(false);
    expect(f.calls).toHaveLength(1);
  });

  it('stop() cancels pending retries and aborts attempts in flight, logs them and hands them over', async () => {
    const f = scriptedFetch((c) => (c.headers['webhook-id'] === 'hang' ? 'hang' : 500));
    const d = make(f.fn, { retryScheduleMs: [60_000] });
    await d.deliver(job('retrying', 'u1'));
    await d.deliver(job('hang', 'u2'));
    await waitFor(async () => (await count(metrics, 'failure')) === 1 && f.calls.length === 2, 'first attempts');
    await d.stop();
    expect(fallen.map((j) => j.id).sort()).toEqual(['hang', 'retrying']);
    const line = lines.find((l) => Array.isArray(l.abandoned));
    expect(line.abandoned).toEqual(
      expect.arrayContaining([
        { id: 'retrying', user: 'u1', message: 'new_message', attempts: 1 },
        { id: 'hang', user: 'u2', message: 'new_message', attempts: 1 },
      ]),
    );
    expect(f.calls).toHaveLength(2); // the retry never ran
    // After stop, a new job goes straight to the fallback, without a POST.
    await d.deliver(job('late'));
    await waitFor(() => fallen.some((j) => j.id === 'late'), 'late fallback');
    expect(f.calls).toHaveLength(2);
  });

  it('re-reads the current callback on each attempt, so retries follow a re-registration', async () => {
    let current = 'http://old.test/';
    const f = scriptedFetch((_c, i) => (i === 0 ? 500 : 200));
    const d = make(f.fn, { currentUrl: async () => current, retryScheduleMs: [30] });
    await d.deliver(job('moved'));
    await waitFor(() => f.calls.length === 1, 'first attempt');
    current = 'http://new.test/';
    await waitFor(async () => (await count(metrics, 'success')) === 1, 'success');
    expect(f.calls.map((c) => c.url)).toEqual(['http://old.test/', 'http://new.test/']);
  });

  describe('durable jobs (kept in the store, resumed by another node)', () => {
    const OTHER = 'other-node';
    const ids = (calls: Call[]) => calls.map((c) => c.headers['webhook-id']);

    it('holds a failed job while its retry waits, until the retry is due and a lease beyond', async () => {
      const f = scriptedFetch(() => 503);
      const hold = jest.spyOn(store.webhookJobs, 'hold');
      const d = make(f.fn, { retryScheduleMs: [60_000] }); // no jitter: the retry is due in exactly 60 s
      await d.deliver(job('kept'));
      const recorded = await waitFor(() => hold.mock.calls.findIndex((c) => c[3] === 1) + 1, 'the failed attempt recorded');
      expect(await hold.mock.results[recorded - 1].value).toBe(true);
      clock += 60_000 + LEASE - 1;
      expect(await store.webhookJobs.claim(OTHER, LEASE, 10)).toEqual([]);
      clock += 1;
      expect(await store.webhookJobs.claim(OTHER, LEASE, 10)).toEqual([{ key: expect.any(String), job: job('kept'), attempts: 1 }]);
    });

    it('removes a delivered job from the store', async () => {
      const f = scriptedFetch(() => 200);
      const d = make(f.fn);
      await d.deliver(job('done'));
      await waitFor(() => d.size === 0, 'delivery');
      clock += 10 * LEASE;
      expect(await store.webhookJobs.claim(OTHER, LEASE, 10)).toEqual([]);
      expect(ids(f.calls)).toEqual(['done']);
    });

    it("resumes a dead node's jobs once their leases run out, in order, from their recorded attempts", async () => {
      const left = (await store.webhookJobs.add(job('left-1', 'carol'), 'dead-node', LEASE))!;
      await store.webhookJobs.hold(left.key, 'dead-node', LEASE, 2); // failed twice: one attempt is left
      await store.webhookJobs.add(job('left-2', 'carol'), 'dead-node', LEASE);
      const f = scriptedFetch((c) => (c.headers['webhook-id'] === 'left-1' ? 503 : 200));
      const claims = jest.spyOn(store.webhookJobs, 'claim');
      const d = make(f.fn, { sweepIntervalMs: 5 });
      d.start();
      await waitFor(() => claims.mock.calls.length >= 2, 'two sweeps');
      expect(f.calls).toHaveLength(0); // the leases still run
      clock += LEASE;
      await waitFor(() => f.calls.length === 2 && fallen.length === 1, 'both resumed');
      expect(ids(f.calls)).toEqual(['left-1', 'left-2']);
      expect(fallen.map((j) => j.id)).toEqual(['left-1']); // its last attempt failed: queued for polling
      expect(await count(metrics, 'gave_up')).toBe(1);
      expect((await metrics.webhookJobsResumedTotal.get()).values[0].value).toBe(2);
      expect(lines.some((l) => /resuming 2 webhook deliveries/.test(l.msg))).toBe(true);
      await waitFor(() => d.size === 0, 'both done');
      clock += 10 * LEASE;
      expect(await store.webhookJobs.claim(OTHER, LEASE, 10)).toEqual([]);
    });

    it('drops a job another node took over while it waited in the lane, and does not queue it at stop', async () => {
      let release!: (status: number) => void;
      const slow = new Promise<number>((r) => (release = r));
      const f = scriptedFetch((c) => (c.headers['webhook-id'] === 'slow' ? slow : 200));
      const d = make(f.fn);
      await d.deliver(job('slow', 'dave'));
      await d.deliver(job('queued', 'dave'));
      await waitFor(() => f.calls.length === 1, 'first attempt');
      clock += LEASE; // this node stalls past both leases; another node claims the jobs
      const taken = await store.webhookJobs.claim(OTHER, LEASE, 10);
      expect(taken.map((j) => j.job.id)).toEqual(['slow', 'queued']);
      release(200);
      await waitFor(() => lines.some((l) => l.id === 'queued' && /taken over/.test(l.msg)), "'queued' dropped");
      expect(ids(f.calls)).toEqual(['slow']);
      expect(d.size).toBe(0);
      await d.stop();
      expect(fallen).toEqual([]);
      for (const held of taken) expect(await store.webhookJobs.finish(held.key, OTHER)).toBe(true); // still the other node's
    });

    it('renews the holds of jobs waiting in a lane behind a slow attempt, so no other node takes them', async () => {
      let release!: (status: number) => void;
      const slow = new Promise<number>((r) => (release = r));
      const f = scriptedFetch((c) => (c.headers['webhook-id'] === 'slow' ? slow : 200));
      const hold = jest.spyOn(store.webhookJobs, 'hold');
      const d = make(f.fn, { now: () => clock, sweepIntervalMs: 5 });
      await d.deliver(job('slow', 'erin'));
      await d.deliver(job('waiting', 'erin'));
      d.start();
      await waitFor(() => f.calls.length === 1, 'first attempt');
      const key = (await waitFor(() => hold.mock.calls.find((c) => c[1] === d.owner), 'the first renewal'))[0];
      const renewalsOfWaiting = () => hold.mock.calls.filter((c) => c[0] !== key).length;
      expect(renewalsOfWaiting()).toBe(0); // half a lease is left
      clock += LEASE * 0.6;
      await waitFor(() => renewalsOfWaiting() === 1, "the waiting job's renewal");
      clock += LEASE * 0.6; // past the first lease of 'waiting', not past its renewal
      expect((await store.webhookJobs.claim(OTHER, LEASE, 10)).map((j) => j.job.id)).toEqual(['slow']); // overran its lease
      release(200);
      await waitFor(() => lines.some((l) => l.id === 'waiting' && /taken over/.test(l.msg)) || f.calls.length === 2, "'waiting' handled");
      expect(ids(f.calls)).toEqual(['slow', 'waiting']);
    });

    it('rejects when the store cannot keep the job, so that the bus retries the record', async () => {
      const f = scriptedFetch(() => 200);
      const d = make(f.fn);
      jest.spyOn(store.webhookJobs, 'add').mockRejectedValueOnce(new Error('store down'));
      await expect(d.deliver(job('unsaved'))).rejects.toThrow('store down');
      expect(await d.deliver(job('unsaved'))).toBe(true); // the retried record
      await waitFor(() => f.calls.length === 1, 'delivery');
    });

    it('leaves a job it cannot renew to its lease: it is delivered once the lease runs out', async () => {
      const f = scriptedFetch(() => 200);
      const d = make(f.fn, { sweepIntervalMs: 5 });
      jest.spyOn(store.webhookJobs, 'hold').mockRejectedValueOnce(new Error('store down'));
      await d.deliver(job('flaky'));
      await waitFor(() => lines.some((l) => l.id === 'flaky' && /renewing a webhook job/.test(l.msg)), 'the failed renewal');
      expect(f.calls).toHaveLength(0);
      expect(d.size).toBe(0);
      d.start();
      clock += LEASE;
      await waitFor(() => f.calls.length === 1, 'the resumed delivery');
      expect(ids(f.calls)).toEqual(['flaky']);
    });

    it('logs one line when looking for jobs starts failing and one when it works again', async () => {
      const claims = jest.spyOn(store.webhookJobs, 'claim').mockRejectedValue(new Error('store down'));
      const d = make(scriptedFetch(() => 200).fn, { sweepIntervalMs: 5 });
      d.start();
      await waitFor(() => claims.mock.calls.length >= 3, 'three failed sweeps');
      claims.mockRestore();
      await waitFor(() => lines.some((l) => /works again/.test(l.msg)), 'the recovery line');
      expect(lines.filter((l) => /will keep trying/.test(l.msg))).toHaveLength(1);
    });

    it('queues for polling a job stored while the gateway stopped', async () => {
      let stored!: () => void;
      const slowAdd = new Promise<void>((r) => (stored = r));
      const add = store.webhookJobs.add.bind(store.webhookJobs);
      jest.spyOn(store.webhookJobs, 'add').mockImplementationOnce(async (...args: Parameters<Store['webhookJobs']['add']>) => {
        await slowAdd;
        return add(...args);
      });
      const f = scriptedFetch(() => 200);
      const d = make(f.fn);
      const delivering = d.deliver(job('racing'));
      await d.stop();
      stored();
      expect(await delivering).toBe(true);
      await waitFor(() => fallen.length === 1, 'the fallback');
      expect(f.calls).toHaveLength(0);
      clock += 10 * LEASE;
      expect(await store.webhookJobs.claim(OTHER, LEASE, 10)).toEqual([]);
    });
  });
});
