// The long-poll helper (src/http/long-poll.ts) on the in-memory notifier. No timing thresholds:
// short timeouts only end polls that would otherwise hang the test.
import { longPoll } from '../src/http/long-poll';
import type { Notifier } from '../src/ports/store';
import { MemoryBackend } from '../src/store/memory-store';

describe('longPoll', () => {
  let backend: MemoryBackend;
  /** Subscriptions open right now (each watch must be closed). */
  let open: number;
  let notifier: Notifier;

  beforeEach(() => {
    backend = new MemoryBackend();
    open = 0;
    notifier = {
      notify: (topic) => backend.notify(topic),
      onNotify: (topic, listener) => {
        open += 1;
        const off = backend.onNotify(topic, listener);
        return () => {
          open -= 1;
          off();
        };
      },
    };
  });
  afterEach(() => backend.close());

  /** Answers `values` one look at a time (undefined once they run out). */
  const looks = <T>(...values: Array<T | undefined>) => jest.fn(async () => values.shift());

  it('answers what the first look finds without waiting', async () => {
    const onWait = jest.fn();
    expect(await longPoll(notifier, 't', { look: looks('x'), timeoutMs: 60_000, signals: [], onWait })).toEqual({ found: 'x' });
    expect(onWait).not.toHaveBeenCalled();
    expect(open).toBe(0);
  });

  it('is woken by a notify that lands between its look and its wait', async () => {
    let round = 0;
    const look = jest.fn(async () => {
      round += 1;
      if (round === 1) {
        await notifier.notify('t'); // the write lands while the poll is looking
        return undefined;
      }
      return 'late';
    });
    expect(await longPoll(notifier, 't', { look, timeoutMs: 60_000, signals: [] })).toEqual({ found: 'late' });
    expect(look).toHaveBeenCalledTimes(2);
    expect(open).toBe(0);
  });

  it('looks again after a notify, and waits on when that look finds nothing', async () => {
    const look = looks<string>(undefined, undefined, 'third');
    const onWait = jest.fn(() => void setImmediate(() => void notifier.notify('t')));
    expect(await longPoll(notifier, 't', { look, timeoutMs: 60_000, signals: [], onWait })).toEqual({ found: 'third' });
    expect(onWait).toHaveBeenCalledTimes(2);
  });

  it('ignores notifications of other topics', async () => {
    const onWait = jest.fn(() => void notifier.notify('other'));
    expect(await longPoll(notifier, 't', { look: looks<string>(), timeoutMs: 30, signals: [], onWait })).toEqual({ ended: 'timeout' });
    expect(onWait).toHaveBeenCalled();
  });

  it('ends on its timeout when nothing comes', async () => {
    const look = looks<string>();
    expect(await longPoll(notifier, 't', { look, timeoutMs: 20, signals: [] })).toEqual({ ended: 'timeout' });
    expect(open).toBe(0);
  });

  it('looks again every recheckMs without a notification', async () => {
    const look = looks<string>(undefined, 'found by a recheck');
    expect(await longPoll(notifier, 't', { look, timeoutMs: 60_000, recheckMs: 10, signals: [] })).toEqual({ found: 'found by a recheck' });
  });

  it('ends at an abort while waiting, without looking again', async () => {
    const abort = new AbortController();
    const look = looks<string>();
    const result = longPoll(notifier, 't', { look, timeoutMs: 60_000, signals: [new AbortController().signal, abort.signal], onWait: () => abort.abort() });
    expect(await result).toEqual({ ended: 'aborted' });
    expect(look).toHaveBeenCalledTimes(1);
    expect(open).toBe(0);
  });

  it('looks once when already aborted: answers what is there, else ends without waiting', async () => {
    const aborted = AbortSignal.abort();
    const onWait = jest.fn();
    expect(await longPoll(notifier, 't', { look: looks('there'), timeoutMs: 60_000, signals: [aborted], onWait })).toEqual({ found: 'there' });
    expect(await longPoll(notifier, 't', { look: looks<string>(), timeoutMs: 60_000, signals: [aborted], onWait })).toEqual({ ended: 'aborted' });
    expect(onWait).not.toHaveBeenCalled();
  });

  it('passes a failing look on, closing its watch', async () => {
    const look = jest.fn(async () => {
      throw new Error('store down');
    });
    await expect(longPoll(notifier, 't', { look, timeoutMs: 60_000, signals: [] })).rejects.toThrow('store down');
    expect(open).toBe(0);
  });
});
