// The Kafka baseline: a kafkajs consumer that forwards every record of one topic to every `ws`
// client, the way a Node developer ordinarily writes it: a consumer group of its own from the
// latest offset, `eachMessage`, JSON.parse the value, build the client frame, JSON.stringify once,
// `send` to every client. The same consumer settings as switchyard's fanout consumers (100 ms max
// fetch wait, partitions consumed concurrently) so the comparison is about the work per record.
// No validation, no audience routing, no durable work group: what is left is kafkajs plus ws.
//
// Argument (JSON): {"brokers": "host:port,...", "topic": "...", "partitions": 3}.
import { randomUUID } from 'node:crypto';
import { createServer } from 'node:http';
import { Kafka, logLevel } from 'kafkajs';
import WebSocket, { WebSocketServer } from 'ws';
import { listenLocal, runServerChild } from '../lib/server-child';

const { brokers, topic, partitions } = JSON.parse(process.argv[2] ?? '{}') as { brokers: string; topic: string; partitions: number };

runServerChild('bare-kafka-ws-server', async () => {
  const server = createServer((_req, res) => res.writeHead(404).end());
  const wss = new WebSocketServer({ server });
  const kafka = new Kafka({ clientId: 'bench-bare', brokers: brokers.split(','), logLevel: logLevel.NOTHING });
  const admin = kafka.admin();
  await admin.connect();
  if (!(await admin.listTopics()).includes(topic)) {
    await admin.createTopics({ waitForLeaders: true, topics: [{ topic, numPartitions: partitions }] });
  }
  await admin.disconnect();
  const consumer = kafka.consumer({ groupId: `bench-bare-${randomUUID().slice(0, 8)}`, maxWaitTimeInMs: 100 });
  await consumer.connect();
  await consumer.subscribe({ topic, fromBeginning: false });
  await consumer.run({
    partitionsConsumedConcurrently: partitions,
    eachMessage: async ({ message }) => {
      const envelope = JSON.parse(message.value?.toString() ?? 'null') as { message: string; data: unknown };
      const text = JSON.stringify({ event_name: envelope.message, data: envelope.data });
      for (const client of wss.clients) {
        if (client.readyState === WebSocket.OPEN) client.send(text);
      }
    },
  });
  const running = await listenLocal(server, () => {
    for (const client of wss.clients) client.terminate();
    wss.close();
  });
  return {
    port: running.port,
    stop: async () => {
      await consumer.disconnect().catch(() => undefined);
      await running.stop();
    },
  };
});
