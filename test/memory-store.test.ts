import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { MemoryBackend, MemoryStore, type MemoryStoreOptions } from '../src/store/memory-store';
import { storeSuite, waitFor } from './shared/store-suite';

storeSuite('memory', async () => ({ backend: new MemoryBackend() }));

describe('MemoryStore specifics', () => {
  const grant = { user_uuid: 'u', store_id: 1 };
  const opened: MemoryBackend[] = [];
  /** Backends are closed after each test even when an assertion failed, so no timer outlives it. */
  const open = (options?: MemoryStoreOptions): MemoryBackend => {
    const store = new MemoryBackend(options);
    opened.push(store);
    return store;
  };

  afterEach(async () => {
    jest.restoreAllMocks();
    await Promise.all(opened.splice(0).map((store) => store.close()));
  });

  it('sweeps expired values from memory without a read', async () => {
    let now = 1_000;
    const tickets = open({ now: () => now, sweepIntervalMs: 5 }).keyValue('ticket');
    await tickets.set('short', grant, 100);
    await tickets.set('long', grant, 10_000);
    await tickets.set('forever', grant);
    expect(tickets.size).toBe(3);
    now += 200;
    await waitFor(() => tickets.size === 2, 'the sweep to remove the expired value');
    expect(await tickets.take('long')).toEqual(grant);
    expect(await tickets.get('forever')).toEqual(grant);
  });

  it('sweeps closed rate-limit windows from memory, and counts from 1 in a new window', async () => {
    let now = 1_000;
    const store = open({ now: () => now, sweepIntervalMs: 5 }).windows('w');
    expect(await store.hit('a', 100)).toEqual({ count: 1, resetInMs: 100 });
    now += 40;
    expect(await store.hit('a', 100)).toEqual({ count: 2, resetInMs: 60 });
    await store.hit('b', 10_000);
    now += 60; // the window of 'a' closes exactly now
    await waitFor(() => store.size === 1, 'the sweep to remove the closed window');
    expect(await store.hit('a', 100)).toEqual({ count: 1, resetInMs: 100 });
    expect((await store.hit('b', 10_000)).count).toBe(2);
  });

  it('treats a value as expired at exactly its expiry time', async () => {
    let now = 1_000;
    const tickets = open({ now: () => now }).keyValue('ticket');
    await tickets.set('t', grant, 100);
    await tickets.set('u', grant, 100);
    now += 100;
    expect(await tickets.get('u')).toBeUndefined();
    expect(await tickets.take('t')).toBeUndefined();
  });

  it('unrefs its sweep timer and clears it on close', async () => {
    const setSpy = jest.spyOn(global, 'setInterval');
    const clearSpy = jest.spyOn(global, 'clearInterval');
    const store = open();
    expect(setSpy).toHaveBeenCalledTimes(1);
    const timer = setSpy.mock.results[0].value as NodeJS.Timeout;
    expect(timer.hasRef()).toBe(false);
    await store.close();
    expect(clearSpy).toHaveBeenCalledWith(timer);
  });

  it('does not keep a process alive that never closes it', () => {
    const tsx = path.join(__dirname, '..', 'node_modules', '.bin', 'tsx');
    const code = [
      "import { MemoryStore } from './src/store/memory-store';",
      'const store = new MemoryStore({ sweepIntervalMs: 10 });',
      "void store.tickets.set('t', { user_uuid: 'u', store_id: 1 }, 60_000).then(() => console.log('stored'));",
    ].join('\n');
    const result = spawnSync(tsx, ['-e', code], { cwd: path.join(__dirname, '..'), timeout: 15_000, encoding: 'utf8' });
    expect(result.error).toBeUndefined(); // a timeout (process kept alive) shows up here
    expect(result.stdout.trim()).toBe('stored');
    expect(result.status).toBe(0);
  });

  it('is not ready and rejects calls after close', async () => {
    const store = open();
    await store.close();
    await expect(store.ready()).resolves.toBe(false);
    await expect(store.log('events').append('c', { timestamp: 1, type: 't', from: 'f' })).rejects.toThrow(/closed/);
    await expect(store.keyValue('ticket').take('t')).rejects.toThrow(/closed/);
    await expect(store.queue('q').dequeue('u')).rejects.toThrow(/closed/);
    await expect(store.leases('l').claim('o', 1, 1)).rejects.toThrow(/closed/);
    await expect(store.presence('p').up('g', 'm')).rejects.toThrow(/closed/);
    await expect(store.windows('w').hit('k', 1)).rejects.toThrow(/closed/);
  });

  it('calls listeners before notify resolves, and a throwing listener fails neither others nor notify', async () => {
    const errors: unknown[] = [];
    const store = open({ onListenerError: (error) => void errors.push(error) });
    let calls = 0;
    store.onNotify('t', () => {
      throw new Error('listener broke');
    });
    store.onNotify('t', () => (calls += 1));
    await expect(store.notify('t')).resolves.toBeUndefined();
    expect(calls).toBe(1);
    expect(errors).toEqual([new Error('listener broke')]);
  });

  it('lets a listener unsubscribe itself while being notified', async () => {
    const store = open();
    let once = 0;
    let other = 0;
    const off = store.onNotify('t', () => {
      once += 1;
      off();
    });
    store.onNotify('t', () => (other += 1));
    await store.notify('t');
    await store.notify('t');
    expect([once, other]).toEqual([1, 2]);
  });

  it('treats the same function subscribed twice as two subscriptions', async () => {
    const store = open();
    let calls = 0;
    const listener = (): void => void (calls += 1);
    const off = store.onNotify('t', listener);
    store.onNotify('t', listener);
    await store.notify('t');
    expect(calls).toBe(2);
    off();
    await store.notify('t');
    expect(calls).toBe(3);
  });

  it('reads with a fractional or negative after as the id boundary it means, and nothing for a negative limit', async () => {
    const store = open().log('events');
    for (let n = 0; n < 3; n++) await store.append('c', { timestamp: n, type: 't', from: 'f' });
    expect((await store.read('c', -5, 10)).map((e) => e.id)).toEqual([1, 2, 3]);
    expect((await store.read('c', 1.5, 10)).map((e) => e.id)).toEqual([2, 3]);
    expect(await store.read('c', 0, -1)).toEqual([]);
  });

  it('rejects a value that cannot be copied', async () => {
    const store = open().keyValue('snapshot');
    await expect(store.set('g', { f: () => 1 })).rejects.toThrow();
    expect(await store.get('g')).toBeUndefined();
  });
});
