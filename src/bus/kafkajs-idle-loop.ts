// kafkajs 2.2.4 (its last release) re-arms a request queue's "check pending requests" timer after
// every check, even with nothing pending: on an idle connection that is a 1 ms timer forever, a few
// per cent of a core per idle gateway, and on Node >= 24 a TimeoutNegativeWarning at start
// (kafkajs issues #1704, #1751; unmerged fixes #1755, #1768). Skip the timer when nothing is pending
// and the queue is not throttled: a new request calls it again when it is queued.
import { Kafka, type KafkaConfig } from 'kafkajs';

interface RequestQueue {
  pending: unknown[];
  throttledUntil: number;
  scheduleCheckPendingRequests(): void;
}

const fixed = Symbol.for('switchyard.kafkajs-idle-loop');

/** Patches kafkajs's RequestQueue once per process (idempotent). */
export function stopKafkajsIdleLoop(): void {
  // Not part of kafkajs's typed API; the package has no "exports" map, so the file can be required.
  const RequestQueue = require('kafkajs/src/network/requestQueue/index.js') as { prototype: RequestQueue & { [fixed]?: true } };
  const proto = RequestQueue.prototype;
  if (proto[fixed]) return;
  const schedule = proto.scheduleCheckPendingRequests;
  proto.scheduleCheckPendingRequests = function (this: RequestQueue) {
    if (this.pending.length === 0 && this.throttledUntil <= Date.now()) return;
    schedule.call(this);
  };
  proto[fixed] = true;
}

/**
 * A kafkajs client, with the idle loop stopped first: every kafkajs client of the gateway (the bus,
 * doctor, the console's dead-letter reader) is made here, so none runs unpatched, whichever bus the
 * process uses (@platformatic/kafka's does not load kafkajs).
 */
export function kafkajsClient(config: KafkaConfig): Kafka {
  stopKafkajsIdleLoop();
  return new Kafka(config);
}
