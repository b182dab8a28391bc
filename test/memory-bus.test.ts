import { MemoryBus } from '../src/bus/memory-bus';
import { DeadLetterError, type ApiName, type Envelope } from '../src/ports/bus';
import { busSuite, waitFor } from './shared/bus-suite';

// Contract errors (throwing handlers) are expected there; keep them off the console.
busSuite('MemoryBus', async () => ({ bus: new MemoryBus({ onError: () => undefined, retryDelayMs: 5 }) }));

describe('MemoryBus specifics', () => {
  const envelope = (n: number): Envelope => ({ id: `e${n}`, message: 'm', to: { pk: 1 }, data: { n } });
  const failures: Array<{ error: unknown; envelope: Envelope; api: ApiName }> = [];
  const onError = (error: unknown, e: Envelope, api: ApiName): void => void failures.push({ error, envelope: e, api });
  let bus: MemoryBus;

  beforeEach(() => {
    failures.length = 0;
    bus = new MemoryBus({ onError, maxAttempts: 3, retryDelayMs: 1 });
  });
  afterEach(() => bus.close());

  it('never runs a handler inside the call stack of publish', async () => {
    const got: string[] = [];
    await bus.subscribe('games', 'fanout', (e) => void got.push(e.id));
    await bus.subscribe('games', 'work', (e) => void got.push(e.id));
    const publishing = bus.publish('games', envelope(1));
    expect(got).toEqual([]);
    await publishing;
    expect(got).toEqual([]); // resolved once queued, still not delivered
    await waitFor(() => got.length === 2, 'delivery');
  });

  it('keeps publish order even when publishes are not awaited', async () => {
    const fanout: string[] = [];
    const work: string[] = [];
    await bus.subscribe('events', 'fanout', (e) => void fanout.push(e.id));
    await bus.subscribe('events', 'work', async (e) => void work.push(e.id));
    const expected = Array.from({ length: 100 }, (_, n) => `e${n}`);
    await Promise.all(expected.map((_, n) => bus.publish('events', envelope(n))));
    await waitFor(() => fanout.length === 100 && work.length === 100, 'all 100 twice');
    expect(fanout).toEqual(expected);
    expect(work).toEqual(expected);
  });

  it('gives a work subscriber one envelope at a time, in publish order', async () => {
    const finished: string[] = [];
    let running = 0;
    let overlapped = false;
    await bus.subscribe('messenger', 'work', async (e) => {
      overlapped ||= running > 0;
      running += 1;
      await new Promise((resolve) => setTimeout(resolve, 5 * (5 - (e.data as { n: number }).n)));
      running -= 1;
      finished.push(e.id);
    });
    for (let n = 0; n < 5; n++) await bus.publish('messenger', envelope(n));
    await waitFor(() => finished.length === 5, 'all five');
    expect(finished).toEqual(['e0', 'e1', 'e2', 'e3', 'e4']);
    expect(overlapped).toBe(false);
  });

  it('shares work round robin between idle subscribers', async () => {
    const a: string[] = [];
    const b: string[] = [];
    await bus.subscribe('messenger', 'work', (e) => void a.push(e.id));
    await bus.subscribe('messenger', 'work', (e) => void b.push(e.id));
    for (let n = 0; n < 10; n++) await bus.publish('messenger', envelope(n));
    await waitFor(() => a.length + b.length === 10, 'all ten');
    expect(a.length).toBeGreaterThan(0);
    expect(b.length).toBeGreaterThan(0);
    expect(a[0]).toBe('e0'); // the first subscriber is first in turn
    expect(b[0]).toBe('e1');
  });

  it('drops a work envelope after maxAttempts and reports it through onError', async () => {
    let attempts = 0;
    await bus.subscribe('messenger', 'work', async () => {
      attempts += 1;
      throw new Error('webhook down');
    });
    await bus.publish('messenger', envelope(1));
    await waitFor(() => failures.length === 1, 'the drop to be reported');
    expect(attempts).toBe(3);
    expect(failures[0]).toMatchObject({ api: 'messenger', envelope: envelope(1), error: new Error('webhook down') });
    await bus.close(); // nothing else is retried after the drop
    expect(attempts).toBe(3);
  });

  it('does not retry a dead letter: it is reported once', async () => {
    let attempts = 0;
    await bus.subscribe('pizza', 'work', () => {
      attempts += 1;
      throw new DeadLetterError('unknown message "m"');
    });
    await bus.publish('pizza', envelope(2));
    await waitFor(() => failures.length === 1, 'the dead letter to be reported');
    await bus.close();
    expect(attempts).toBe(1);
    expect(failures[0].error).toBeInstanceOf(DeadLetterError);
  });

  it('reports a failing fanout handler through onError without retrying it', async () => {
    let calls = 0;
    await bus.subscribe('pizza', 'fanout', () => {
      calls += 1;
      throw new Error('socket gone');
    });
    await bus.publish('pizza', envelope(1));
    await waitFor(() => failures.length === 1, 'the failure report');
    await bus.close();
    expect(calls).toBe(1);
    expect(failures[0]).toMatchObject({ api: 'pizza', envelope: envelope(1) });
  });

  it('flushes queued envelopes on close', async () => {
    const fanout: string[] = [];
    const work: string[] = [];
    await bus.subscribe('games', 'fanout', (e) => void fanout.push(e.id));
    await bus.subscribe('games', 'work', async (e) => void work.push(e.id));
    for (let n = 0; n < 5; n++) void bus.publish('games', envelope(n));
    await bus.close();
    expect(fanout).toHaveLength(5);
    expect(work).toHaveLength(5);
  });

  it('runs the work already accepted before its last work subscription closes (a gateway stopping)', async () => {
    const work: string[] = [];
    const sub = await bus.subscribe('pizza', 'work', async (e) => void work.push(e.id));
    for (let n = 0; n < 3; n++) await bus.publish('pizza', envelope(n));
    await sub.close(); // before the bus has handed anything out
    expect(work).toEqual(['e0', 'e1', 'e2']);
    await bus.close();
    expect(failures).toEqual([]);
  });

  it('holds work published while the group has no member for the next member', async () => {
    const first = await bus.subscribe('messenger', 'work', () => undefined);
    await first.close();
    await bus.publish('messenger', envelope(1));
    await bus.publish('messenger', envelope(2));
    await new Promise((resolve) => setTimeout(resolve, 20)); // let the publish-time hand-out find no one
    const got: string[] = [];
    await bus.subscribe('messenger', 'work', (e) => void got.push(e.id));
    await waitFor(() => got.length === 2, 'the held envelopes');
    expect(got).toEqual(['e1', 'e2']);
  });

  it('drops beyond maxPending while the group has no member, and reports unflushable work on close', async () => {
    await bus.close();
    bus = new MemoryBus({ onError, maxPending: 2 });
    await (await bus.subscribe('messenger', 'work', () => undefined)).close();
    for (let n = 1; n <= 3; n++) await bus.publish('messenger', envelope(n));
    expect(failures.map((f) => f.envelope.id)).toEqual(['e3']);
    await bus.close();
    expect(failures.map((f) => f.envelope.id)).toEqual(['e3', 'e1', 'e2']);
  });

  it('does not hold work for an api that never had a work subscriber', async () => {
    await bus.publish('games', envelope(1));
    const got: string[] = [];
    await bus.subscribe('games', 'work', (e) => void got.push(e.id));
    await bus.publish('games', envelope(2));
    await waitFor(() => got.length === 1, 'the envelope published after subscribe');
    await bus.close();
    expect(got).toEqual(['e2']);
  });

  it('hands a retry to another member when the failing one leaves', async () => {
    await bus.close();
    bus = new MemoryBus({ onError, maxAttempts: 5, retryDelayMs: 20 });
    let failing = 0;
    const sub = await bus.subscribe('messenger', 'work', async () => {
      failing += 1;
      throw new Error('fails');
    });
    await bus.publish('messenger', envelope(1));
    await waitFor(() => failing === 1, 'the first attempt');
    const got: string[] = [];
    await bus.subscribe('messenger', 'work', (e) => void got.push(e.id));
    await sub.close();
    await waitFor(() => got.length === 1, 'the other member to get the retry');
    expect(got).toEqual(['e1']);
    expect(failures).toEqual([]);
  });

  it('subscription close waits for the in-flight handler', async () => {
    let started = false;
    let finished = false;
    let release: () => void = () => undefined;
    const gate = new Promise<void>((resolve) => (release = resolve));
    const sub = await bus.subscribe('games', 'fanout', async () => {
      started = true;
      await gate;
      finished = true;
    });
    await bus.publish('games', envelope(1));
    await waitFor(() => started, 'the handler to start');
    const closing = sub.close();
    setTimeout(release, 20);
    await closing;
    expect(finished).toBe(true);
  });

  it('gives each handler its own copy of the envelope', async () => {
    const seen: unknown[] = [];
    await bus.subscribe('games', 'fanout', (e) => void ((e.data as { n: unknown }).n = 'mutated'));
    await bus.subscribe('games', 'fanout', (e) => void seen.push(e.data));
    const published = envelope(1);
    await bus.publish('games', published);
    (published.data as { n: unknown }).n = 'changed by publisher';
    await waitFor(() => seen.length === 1, 'delivery');
    expect(seen).toEqual([{ n: 1 }]);
  });

  it('rejects an envelope that cannot be serialized', async () => {
    await expect(bus.publish('games', { ...envelope(1), data: { big: 1n } })).rejects.toThrow();
  });

  it('rejects subscribe after close and is no longer ready', async () => {
    await bus.close();
    await expect(bus.subscribe('games', 'fanout', () => undefined)).rejects.toThrow(/closed/);
    await expect(bus.ready()).resolves.toBe(false);
  });

  it('does not call a fanout handler after its subscription closed, even for queued envelopes', async () => {
    const got: string[] = [];
    const sub = await bus.subscribe('games', 'fanout', (e) => void got.push(e.id));
    void bus.publish('games', envelope(1));
    await sub.close();
    await bus.close();
    expect(got).toEqual([]);
  });
});
