/**
 * Smoke test of the real services started by scripts/kafka.sh and scripts/redis.sh
 * (through the Jest global setup, or by hand with KAFKA_BROKERS / REDIS_URL).
 */
import { randomUUID } from 'crypto';
import Redis from 'ioredis';
import { Kafka, logLevel, Partitioners, type Admin, type Consumer, type Producer } from 'kafkajs';
import { describeWithKafka, describeWithRedis } from './services/services';

describeWithRedis('real Redis', (url) => {
  let redis: Redis;

  beforeAll(() => {
    redis = new Redis(url, { maxRetriesPerRequest: 2, connectTimeout: 5000 });
  });

  afterAll(async () => {
    await redis?.quit();
  });

  it('SET/GET round trip', async () => {
    const key = `switchyard:test:${randomUUID()}`;
    expect(await redis.set(key, 'hello', 'EX', 60)).toBe('OK');
    expect(await redis.get(key)).toBe('hello');
    expect(await redis.del(key)).toBe(1);
    expect(await redis.get(key)).toBeNull();
  });
});

describeWithKafka('real Kafka', (brokers) => {
  const kafka = new Kafka({ clientId: 'switchyard-services-test', brokers, logLevel: logLevel.WARN });
  const topic = `switchyard-test-${randomUUID()}`;
  let admin: Admin;
  let producer: Producer;
  let consumer: Consumer | undefined;

  beforeAll(async () => {
    admin = kafka.admin();
    await admin.connect();
    producer = kafka.producer({ createPartitioner: Partitioners.DefaultPartitioner });
    await producer.connect();
  });

  afterAll(async () => {
    await consumer?.disconnect();
    await producer?.disconnect();
    await admin?.disconnect();
  });

  it('creates a topic, produces 3 messages and consumes them in order', async () => {
    expect(await admin.createTopics({ topics: [{ topic, numPartitions: 1, replicationFactor: 1 }], waitForLeaders: true })).toBe(
      true,
    );
    expect(await admin.listTopics()).toContain(topic);

    const sent = ['one', 'two', 'three'];
    await producer.send({ topic, messages: sent.map((value, i) => ({ key: `k${i}`, value })) });

    consumer = kafka.consumer({ groupId: `switchyard-test-${randomUUID()}` });
    await consumer.connect();
    await consumer.subscribe({ topics: [topic], fromBeginning: true });

    const received: Array<{ key: string; value: string; offset: string }> = [];
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`timed out; received ${JSON.stringify(received)}`)), 45_000);
      consumer!
        .run({
          eachMessage: async ({ message }) => {
            received.push({ key: String(message.key), value: String(message.value), offset: message.offset });
            if (received.length >= sent.length) {
              clearTimeout(timer);
              resolve();
            }
          },
        })
        .catch(reject);
    });

    expect(received.map((m) => m.value)).toEqual(sent);
    expect(received.map((m) => m.key)).toEqual(['k0', 'k1', 'k2']);
    expect(received.map((m) => m.offset)).toEqual(['0', '1', '2']);
  }, 60_000);
});
