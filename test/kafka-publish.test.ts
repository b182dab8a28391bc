// PublishBatch: one send at a time, carrying what was published since the previous one went out; each
// publish is answered by the send's outcome, a refused record as itself and any other failure or a
// timeout as a 503, within timeoutMs of being made.
import { PublishBatch, type PublishBatchOptions } from '../src/bus/kafka-publish';
import { DependencyUnavailableError } from '../src/ports/availability';

class BadRecord extends Error {}

function batch(send: PublishBatchOptions<string>['send'], timeoutMs = 5_000) {
  const onUnavailable = jest.fn();
  const tick = new PublishBatch<string>({ send, timeoutMs, isBadRecord: (err) => err instanceof BadRecord, onUnavailable });
  return { tick, onUnavailable };
}

it('sends what is added in one tick as one send, and resolves each publish once it is acknowledged', async () => {
  const sends: string[][] = [];
  const { tick, onUnavailable } = batch(async (messages) => void sends.push(messages));
  const publishes = [tick.add('a'), tick.add('b'), tick.add('c')];
  expect(tick.size).toBe(3);
  await expect(Promise.all(publishes)).resolves.toEqual([undefined, undefined, undefined]);
  expect(sends).toEqual([['a', 'b', 'c']]);
  expect(tick.size).toBe(0);
  expect(onUnavailable).not.toHaveBeenCalled();
});

it('starts a new batch for what is added after the previous one went out', async () => {
  const sends: string[][] = [];
  const { tick } = batch(async (messages) => void sends.push(messages));
  await tick.add('a');
  await Promise.all([tick.add('b'), tick.add('c')]);
  expect(sends).toEqual([['a'], ['b', 'c']]);
});

/** A send that waits for `acknowledge(i)` (the i-th send), recording what each send carried. */
function heldSends() {
  const sends: string[][] = [];
  const acks: Array<() => void> = [];
  const send = (messages: string[]) => {
    sends.push(messages);
    return new Promise<void>((resolve) => acks.push(resolve));
  };
  return { sends, send, acknowledge: (i: number) => acks[i]() };
}
const turn = () => new Promise((resolve) => setImmediate(resolve));

it('while a send is in flight, what is published meanwhile waits for it and then goes out as one send', async () => {
  const held = heldSends();
  const { tick } = batch(held.send);
  const first = tick.add('a');
  await turn();
  const later = [tick.add('b'), tick.add('c')];
  await turn();
  const last = tick.add('d'); // another turn, still behind the send in flight
  await turn();
  expect(held.sends).toEqual([['a']]);
  held.acknowledge(0);
  await first;
  await turn();
  expect(held.sends).toEqual([['a'], ['b', 'c', 'd']]);
  held.acknowledge(1);
  await expect(Promise.all([...later, last])).resolves.toEqual([undefined, undefined, undefined]);
});

it('a publish waiting behind a send in flight is still answered within timeoutMs of being made', async () => {
  jest.useFakeTimers(); // performance.now, setTimeout and setImmediate on one clock
  try {
    const held = heldSends();
    const { tick } = batch(held.send, 100);
    const outcome = (p: Promise<void>) => p.then(() => 'sent', (err: Error) => err.message);
    const first = outcome(tick.add('a'));
    await jest.advanceTimersByTimeAsync(80);
    let waited: string | undefined;
    void outcome(tick.add('b')).then((o) => (waited = o));
    await jest.advanceTimersByTimeAsync(20); // the first send's deadline
    expect(await first).toBe('Kafka: no acknowledgement within 100 ms');
    await jest.advanceTimersByTimeAsync(79); // 99 ms after the second publish was made
    expect(waited).toBeUndefined();
    await jest.advanceTimersByTimeAsync(1); // 100 ms: not 100 ms after its own send began
    expect(waited).toBe('Kafka: no acknowledgement within 100 ms');
  } finally {
    jest.useRealTimers();
  }
});

it('flush (the bus closing) waits for the send in flight, then sends what is pending', async () => {
  const held = heldSends();
  const { tick } = batch(held.send);
  void tick.add('a');
  await turn();
  void tick.add('b');
  let flushed = false;
  const flush = tick.flush().then(() => (flushed = true));
  await turn();
  expect(held.sends).toEqual([['a']]);
  held.acknowledge(0);
  await turn();
  expect(held.sends).toEqual([['a'], ['b']]);
  expect(flushed).toBe(false);
  held.acknowledge(1);
  await flush;
  expect(flushed).toBe(true);
});

it('does not resolve a publish before the send is acknowledged', async () => {
  let acknowledge!: () => void;
  const { tick } = batch(() => new Promise<void>((resolve) => (acknowledge = resolve)));
  let done = false;
  const publish = tick.add('a').then(() => (done = true));
  await new Promise((resolve) => setImmediate(resolve));
  await new Promise((resolve) => setImmediate(resolve));
  expect(done).toBe(false);
  acknowledge();
  await publish;
  expect(done).toBe(true);
});

it('flush with nothing pending sends nothing', async () => {
  const send = jest.fn(async () => undefined);
  await batch(send).tick.flush();
  expect(send).not.toHaveBeenCalled();
});

it('a failed send fails every publish of the batch as the bus being unavailable, and says Kafka may be down', async () => {
  const cause = new Error('connection refused');
  const { tick, onUnavailable } = batch(() => Promise.reject(cause));
  const results = await Promise.allSettled([tick.add('a'), tick.add('b')]);
  for (const r of results) {
    expect(r.status).toBe('rejected');
    const error = (r as PromiseRejectedResult).reason as DependencyUnavailableError;
    expect(error).toBeInstanceOf(DependencyUnavailableError);
    expect(error.message).toContain('Kafka: connection refused');
    expect(error.cause).toBe(cause);
  }
  expect(onUnavailable).toHaveBeenCalledTimes(1);
});

it('a record the broker refuses fails the batch with that error as it is, not as an outage', async () => {
  const refused = new BadRecord('message too large');
  const { tick, onUnavailable } = batch(() => Promise.reject(refused));
  await expect(tick.add('a')).rejects.toBe(refused);
  expect(onUnavailable).not.toHaveBeenCalled();
});

it('a send unacknowledged within timeoutMs fails as unavailable; its late failure goes nowhere', async () => {
  let fail!: (err: Error) => void;
  const { tick, onUnavailable } = batch(() => new Promise((_, reject) => (fail = reject)), 20);
  const publish = tick.add('a');
  await expect(publish).rejects.toThrow(DependencyUnavailableError);
  await expect(publish).rejects.toThrow('no acknowledgement within 20 ms');
  expect(onUnavailable).toHaveBeenCalledTimes(1);
  fail(new Error('late')); // an unhandled rejection here would fail the test run
  await new Promise((resolve) => setImmediate(resolve));
});
