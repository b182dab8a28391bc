// The dead-letter topics (`<topic>.dlq`, written by the Kafka bus with a `dlq-reason` header) as the
// console shows them: the newest records of every API, and a replay that publishes one again
// through the same check as the publish API (a record that still does not fit answers 422).
import { randomUUID } from 'node:crypto';
import { logLevel, type Kafka } from 'kafkajs';
import { kafkajsClient } from '../bus/kafkajs-idle-loop';
import { API_NAMES, type ApiName } from '../ports/bus';

export interface DeadLetter {
  api: ApiName;
  partition: number;
  offset: string;
  /** Why the bus dead-lettered it (`dlq-reason`). */
  reason: string;
  /** Its offset in the API topic (`dlq-offset`). */
  originalOffset: string | null;
  key: string | null;
  value: string;
  /** When it was dead-lettered, ms since the epoch. */
  timestamp: number;
}

const READ_TIMEOUT_MS = 15_000;

export class DeadLetters {
  private readonly kafka: Kafka;

  constructor(
    brokers: string[],
    private readonly clientId: string,
    private readonly topicPrefix: string,
  ) {
    this.kafka = kafkajsClient({ clientId: `${clientId}-console`, brokers, logLevel: logLevel.NOTHING, retry: { retries: 2 } });
  }

  private apiOf(topic: string): ApiName {
    return topic.slice(this.topicPrefix.length, -'.dlq'.length) as ApiName;
  }

  /** The newest `perApi` dead letters of each API, newest first. Reads each DLQ topic to its end. */
  async list(perApi = 50): Promise<DeadLetter[]> {
    const admin = this.kafka.admin();
    await admin.connect();
    const groupId = `${this.clientId}-console-${randomUUID()}`;
    const consumer = this.kafka.consumer({ groupId });
    try {
      const existing = new Set(await admin.listTopics());
      const topics = API_NAMES.map((api) => `${this.topicPrefix}${api}.dlq`).filter((t) => existing.has(t));
      // What "the end" is: the last offset of each non-empty partition, now.
      const pending = new Map<string, bigint>();
      for (const topic of topics) {
        for (const p of await admin.fetchTopicOffsets(topic)) {
          if (BigInt(p.high) > BigInt(p.low)) pending.set(`${topic}/${p.partition}`, BigInt(p.high) - 1n);
        }
      }
      if (pending.size === 0) return [];
      // Kept per partition: offsets, not timestamps, order the records of one partition only, so the
      // last perApi read across partitions would be whichever partition came last, not the newest.
      const kept = new Map<string, DeadLetter[]>();
      await consumer.connect();
      await consumer.subscribe({ topics, fromBeginning: true });
      await new Promise<void>((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error('reading the dead-letter topics took too long')), READ_TIMEOUT_MS);
        consumer
          .run({
            autoCommit: false,
            eachMessage: async ({ topic, partition, message }) => {
              const api = this.apiOf(topic);
              const list = kept.get(`${topic}/${partition}`) ?? [];
              list.push({
                api,
                partition,
                offset: message.offset,
                reason: message.headers?.['dlq-reason']?.toString() ?? '',
                originalOffset: message.headers?.['dlq-offset']?.toString() ?? null,
                key: message.key?.toString() ?? null,
                value: message.value?.toString() ?? '',
                timestamp: Number(message.timestamp),
              });
              if (list.length > perApi) list.shift();
              kept.set(`${topic}/${partition}`, list);
              const last = pending.get(`${topic}/${partition}`);
              if (last !== undefined && BigInt(message.offset) >= last) pending.delete(`${topic}/${partition}`);
              if (pending.size === 0) {
                clearTimeout(timer);
                resolve();
              }
            },
          })
          .catch(reject);
      });
      const newest = [...kept.values()].flat().sort((a, b) => b.timestamp - a.timestamp);
      return API_NAMES.flatMap((api) => newest.filter((d) => d.api === api).slice(0, perApi)).sort((a, b) => b.timestamp - a.timestamp);
    } finally {
      await consumer.disconnect().catch(() => undefined);
      await admin.deleteGroups([groupId]).catch(() => undefined);
      await admin.disconnect().catch(() => undefined);
    }
  }

  /** One dead letter, by where it is. */
  async find(api: ApiName, partition: number, offset: string): Promise<DeadLetter | undefined> {
    return (await this.list(Number.MAX_SAFE_INTEGER)).find((d) => d.api === api && d.partition === partition && d.offset === offset);
  }
}
