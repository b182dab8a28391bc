// A Kafka bus (kafkajs or @platformatic/kafka) on a real broker: the Bus contract suite, plus what
// only a Kafka bus has: dead-letter topics, records from plain producers, no broker there.
import { randomUUID } from 'node:crypto';
import { logLevel } from 'kafkajs';
import type { KafkaBusOptions } from '../../src/bus/kafka-bus';
import { kafkajsClient } from '../../src/bus/kafkajs-idle-loop';
import { DependencyUnavailableError } from '../../src/ports/availability';
import { DeadLetterError, type Bus, type Envelope } from '../../src/ports/bus';
import { busSuite, waitFor } from './bus-suite';

export function kafkaBusSuite(name: string, brokers: string[], create: (options: KafkaBusOptions) => Bus): void {
  // One topic prefix per test file run: isolated from other runs on the same broker.
  const prefix = `test.${process.pid}.${randomUUID().slice(0, 6)}.`;
  const make = (options: Partial<KafkaBusOptions> = {}): Bus =>
    create({ brokers, topicPrefix: prefix, clientId: `t-${randomUUID().slice(0, 8)}`, partitions: 2, onError: () => undefined, ...options });
  busSuite(name, async () => ({ bus: make() }));

  describe(`Kafka-specific: ${name}`, () => {
    // The gateway's factory: the bus under test may be @platformatic/kafka, which leaves kafkajs unpatched.
    const kafka = kafkajsClient({ brokers, clientId: 'test-plain', logLevel: logLevel.NOTHING });

    it('says records reach it from outside the process (so rejected ones are dead-lettered)', async () => {
      const bus = make();
      expect(bus.foreignRecords).toBe(true);
      await bus.close();
    });

    it('delivers a record a back-end produced with a plain kafkajs producer', async () => {
      const bus = make();
      const got: Envelope[] = [];
      try {
        await bus.subscribe('pizza', 'fanout', (e) => void got.push(e));
        const producer = kafka.producer();
        await producer.connect();
        const envelope = { id: randomUUID(), message: 'ACCEPT_PIZZA', to: { store_id: 3 }, data: [] };
        await producer.send({ topic: `${prefix}pizza`, messages: [{ key: '3', value: JSON.stringify(envelope) }] });
        await producer.disconnect();
        await waitFor(() => got.some((e) => e.id === envelope.id), 'the plain record');
      } finally {
        await bus.close();
      }
    });

    it('dead-letters invalid JSON and rejected records with the reason in headers; the next record is delivered', async () => {
      const bus = make();
      const done: string[] = [];
      const dead: { reason: string; value: string }[] = [];
      const dlq = kafka.consumer({ groupId: `dlq-${randomUUID()}` });
      try {
        await dlq.connect();
        await bus.subscribe('events', 'work', (e) => {
          if (e.message !== 'event') throw new DeadLetterError(`unknown message "${e.message}"`);
          done.push(e.id);
        });
        await bus.ready();
        await dlq.subscribe({ topic: `${prefix}events.dlq`, fromBeginning: true });
        await dlq.run({ eachMessage: async ({ message }) => void dead.push({ reason: String(message.headers?.['dlq-reason']), value: String(message.value) }) });

        // The topic may hold records of earlier tests: look only at this test's.
        const tag = randomUUID();
        const producer = kafka.producer();
        await producer.connect();
        await producer.send({ topic: `${prefix}events`, messages: [{ key: 'c', value: `{not json ${tag}` }] });
        await bus.publish('events', { id: `bad-${tag}`, message: 'nope', to: { channel: 'c' }, data: {} });
        await bus.publish('events', { id: `good-${tag}`, message: 'event', to: { channel: 'c' }, data: {} });
        await producer.disconnect();

        const ours = () => dead.filter((d) => d.value.includes(tag));
        await waitFor(() => done.includes(`good-${tag}`) && ours().length === 2, 'the good record and two dead letters', 60_000);
        expect(ours().map((d) => d.reason).sort()).toEqual(['unknown message "nope"', 'value is not valid JSON']);
      } finally {
        await dlq.disconnect();
        await bus.close();
      }
    });

    it('dead-letters records that are not an envelope object or nest deeper than the limit, before a handler sees them', async () => {
      const bus = make({ maxJsonDepth: 8 });
      const seen: unknown[] = [];
      const dead: { key: string; reason: string }[] = [];
      const dlq = kafka.consumer({ groupId: `dlq-${randomUUID()}` });
      try {
        await dlq.connect();
        await bus.subscribe('events', 'work', (e) => void seen.push(e));
        await bus.ready();
        await dlq.subscribe({ topic: `${prefix}events.dlq`, fromBeginning: true });
        await dlq.run({ eachMessage: async ({ message }) => void dead.push({ key: String(message.key), reason: String(message.headers?.['dlq-reason']) }) });

        const tag = randomUUID();
        const nested = (levels: number): unknown => (levels === 0 ? 1 : { a: nested(levels - 1) });
        const producer = kafka.producer();
        await producer.connect();
        await producer.send({
          topic: `${prefix}events`,
          messages: [
            { key: `${tag}-null`, value: 'null' },
            { key: `${tag}-array`, value: '[1, 2]' },
            { key: `${tag}-number`, value: '42' },
            // 2,000 levels: recursing into this overflows the stack of what handles it.
            { key: `${tag}-deep`, value: JSON.stringify({ id: tag, message: 'event', to: { channel: 'c' }, data: nested(2000) }) },
            { key: `${tag}-good`, value: JSON.stringify({ id: `good-${tag}`, message: 'event', to: { channel: 'c' }, data: nested(6) }) },
          ],
        });
        await producer.disconnect();

        const ours = () => dead.filter((d) => d.key.startsWith(tag));
        await waitFor(() => seen.some((e) => (e as Envelope).id === `good-${tag}`) && ours().length === 4, 'the good record and four dead letters', 60_000);
        expect(Object.fromEntries(ours().map((d) => [d.key.slice(tag.length + 1), d.reason]))).toEqual({
          null: 'not a publish envelope {message, to, data}',
          array: 'not a publish envelope {message, to, data}',
          number: 'not a publish envelope {message, to, data}',
          deep: 'JSON nested deeper than 8 levels',
        });
        // The topic holds earlier tests' records too: none of this test's refused ones reached the handler.
        expect(seen.filter((e) => typeof e !== 'object' || e === null || Array.isArray(e) || (e as Envelope).id === tag)).toEqual([]);
      } finally {
        await dlq.disconnect();
        await bus.close();
      }
    });

    it('is not ready while the broker is unreachable', async () => {
      const bus = make({ brokers: ['127.0.0.1:1'] });
      expect(await bus.ready()).toBe(false);
      await bus.close();
    });

    it('while no broker answers, publish fails with DependencyUnavailableError (a 503 for the caller) and the outage is reported once', async () => {
      const reports: string[] = [];
      const bus = make({
        brokers: ['127.0.0.1:1'],
        reconnectMs: 20,
        availability: { down: (reason) => reports.push(reason), up: () => reports.push('up') },
      });
      const envelope = { id: randomUUID(), message: 'ACCEPT_PIZZA', to: { store_id: 1 }, data: [] };
      try {
        // Whether the probe has found the broker missing yet (then at once) or not (then the client gives up).
        await expect(bus.publish('pizza', envelope)).rejects.toBeInstanceOf(DependencyUnavailableError);
        await waitFor(() => reports.length > 0, 'the outage report');
        await expect(bus.publish('pizza', envelope)).rejects.toBeInstanceOf(DependencyUnavailableError);
        expect(await bus.ready()).toBe(false);
        expect(reports).toEqual([expect.stringContaining('ECONNREFUSED')]);
      } finally {
        await bus.close();
      }
    });
  });
}
