// Gateway start-up (src/gateway/gateway.ts): the API modules start at once, then the server listens.
import pino from 'pino';
import { MemoryBus } from '../src/bus/memory-bus';
import { loadConfig } from '../src/config';
import { Gateway } from '../src/gateway/gateway';
import type { Bus } from '../src/ports/bus';

/** A bus whose subscriptions take a turn of the event loop each, counting how many wait at once. */
function slowToSubscribe(): { bus: Bus; calls: () => number; mostAtOnce: () => number } {
  const inner = new MemoryBus();
  let calls = 0;
  let waiting = 0;
  let mostAtOnce = 0;
  const bus: Bus = {
    foreignRecords: true, // as on Kafka: every API subscribes all it can
    publish: (api, envelope) => inner.publish(api, envelope),
    settled: (api) => inner.settled(api),
    ready: () => inner.ready(),
    close: () => inner.close(),
    subscribe: async (api, mode, handler) => {
      calls++;
      mostAtOnce = Math.max(mostAtOnce, ++waiting);
      await new Promise((resolve) => setImmediate(resolve)); // on Kafka: a consumer group join, seconds
      waiting--;
      return inner.subscribe(api, mode, handler);
    },
  };
  return { bus, calls: () => calls, mostAtOnce: () => mostAtOnce };
}

it('asks for every subscription of every API before any is granted, not one module after another', async () => {
  const slow = slowToSubscribe();
  const gateway = new Gateway({ config: loadConfig({ PORT: '0', HOST: '127.0.0.1', LOG_LEVEL: 'silent' }), log: pino({ level: 'silent' }), bus: slow.bus });
  try {
    await gateway.start();
    expect(slow.calls()).toBeGreaterThanOrEqual(5); // events, pizza, games, messenger, workspace at least
    expect(slow.mostAtOnce()).toBe(slow.calls());
  } finally {
    await gateway.stop();
  }
});

it('runs beforeListen after the modules started and before the server listens', async () => {
  const gateway = new Gateway({ config: loadConfig({ PORT: '0', HOST: '127.0.0.1', LOG_LEVEL: 'silent' }), log: pino({ level: 'silent' }) });
  try {
    let listeningThen: boolean | undefined;
    await gateway.start(async () => {
      listeningThen = gateway.server.listening;
    });
    expect(listeningThen).toBe(false);
    expect(gateway.server.listening).toBe(true);
  } finally {
    await gateway.stop();
  }
});
