// BrokerProbe: one check at a time moves the Availability up or down; start() repeats it until stop().
import { BrokerProbe, type BrokerProbeOptions } from '../src/bus/kafka-probe';
import { Availability } from '../src/ports/availability';

function probeWith(check: BrokerProbeOptions['check'], extra: Partial<BrokerProbeOptions> = {}) {
  const events: string[] = [];
  const availability = new Availability({ down: (reason) => events.push(`down: ${reason}`), up: () => events.push('up') });
  const probe = new BrokerProbe({ check, availability, reconnectMs: 1, ...extra });
  return { probe, availability, events };
}

it('a check that succeeds: true, the bus is up, onUp runs', async () => {
  const onUp = jest.fn();
  const onDown = jest.fn();
  const { probe, availability, events } = probeWith(async () => undefined, { onUp, onDown });
  await expect(probe.probe()).resolves.toBe(true);
  expect(availability.up).toBe(true);
  expect(events).toEqual(['up']);
  expect(onUp).toHaveBeenCalledTimes(1);
  expect(onDown).not.toHaveBeenCalled();
});

it('a check that fails: false, the bus is down with its reason, onDown gets the error and is awaited', async () => {
  const err = new Error('no broker');
  const order: string[] = [];
  const { probe, availability, events } = probeWith(() => Promise.reject(err), {
    onDown: async (e) => {
      expect(e).toBe(err);
      await new Promise((resolve) => setImmediate(resolve));
      order.push('onDown done');
    },
  });
  const answer = await probe.probe();
  order.push('probe answered');
  expect(answer).toBe(false);
  expect(availability.down).toBe(true);
  expect(events).toEqual([expect.stringContaining('no broker')]);
  expect(order).toEqual(['onDown done', 'probe answered']);
});

it('concurrent probes share one check; the next probe after it makes a new one', async () => {
  let finish!: () => void;
  const check = jest.fn(() => new Promise<void>((resolve) => (finish = resolve)));
  const { probe } = probeWith(check);
  const first = probe.probe();
  const second = probe.probe();
  expect(second).toBe(first);
  finish();
  await expect(Promise.all([first, second])).resolves.toEqual([true, true]);
  expect(check).toHaveBeenCalledTimes(1);
  const third = probe.probe();
  expect(third).not.toBe(first);
  finish();
  await third;
  expect(check).toHaveBeenCalledTimes(2);
});

it('moves from down to up when the broker comes back', async () => {
  let answering = false;
  const { probe, availability, events } = probeWith(async () => {
    if (!answering) throw new Error('refused');
  });
  expect(await probe.probe()).toBe(false);
  answering = true;
  expect(await probe.probe()).toBe(true);
  expect(availability.up).toBe(true);
  expect(events).toEqual([expect.stringContaining('refused'), 'up']);
});

it('start() probes repeatedly until stop(), and not after it', async () => {
  let calls = 0;
  let stopAt!: () => void;
  const reachedThree = new Promise<void>((resolve) => (stopAt = resolve));
  const { probe } = probeWith(async () => {
    calls += 1;
    if (calls === 3) stopAt();
  });
  probe.start();
  await reachedThree;
  probe.stop();
  const seen = calls;
  await new Promise((resolve) => setTimeout(resolve, 20));
  expect(calls).toBe(seen);
  probe.start(); // a stopped probe stays stopped
  await new Promise((resolve) => setTimeout(resolve, 20));
  expect(calls).toBe(seen);
});
