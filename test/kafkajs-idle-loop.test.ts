// The kafkajs idle-timer fix (src/bus/kafkajs-idle-loop.ts) on kafkajs's real RequestQueue.
import { stopKafkajsIdleLoop } from '../src/bus/kafkajs-idle-loop';

interface Queue {
  pending: unknown[];
  throttledUntil: number;
  throttleCheckTimeoutId: NodeJS.Timeout | null;
  scheduleCheckPendingRequests(): void;
}
const RequestQueue = require('kafkajs/src/network/requestQueue/index.js') as new (options: object) => Queue;
const noop = (): void => undefined;
const logger = { debug: noop, info: noop, warn: noop, error: noop };
const queue = (): Queue => new RequestQueue({ maxInFlightRequests: null, requestTimeout: 1_000, enforceRequestTimeout: true, clientId: 't', broker: 'b:1', logger });
const armed = (q: Queue): boolean => {
  const armedNow = q.throttleCheckTimeoutId !== null;
  if (q.throttleCheckTimeoutId) clearTimeout(q.throttleCheckTimeoutId);
  q.throttleCheckTimeoutId = null;
  return armedNow;
};

describe('stopKafkajsIdleLoop', () => {
  it('stock kafkajs arms the check timer on an idle queue (what the fix is for)', () => {
    const q = queue();
    if ((RequestQueue.prototype as { [k: symbol]: unknown })[Symbol.for('switchyard.kafkajs-idle-loop')]) throw new Error('patched before this test');
    q.scheduleCheckPendingRequests();
    expect(armed(q)).toBe(true);
  });

  describe('once applied', () => {
    beforeAll(() => {
      stopKafkajsIdleLoop();
      stopKafkajsIdleLoop(); // idempotent: not wrapped twice
    });

    it('arms no timer when nothing is pending and the queue is not throttled', () => {
      const q = queue();
      q.scheduleCheckPendingRequests();
      expect(armed(q)).toBe(false);
    });

    it('still arms it for pending requests', () => {
      const q = queue();
      q.pending.push({});
      q.scheduleCheckPendingRequests();
      expect(armed(q)).toBe(true);
    });

    it('still arms it while the broker throttles the client', () => {
      const q = queue();
      q.throttledUntil = Date.now() + 60_000;
      q.scheduleCheckPendingRequests();
      expect(armed(q)).toBe(true);
    });
  });
});
