// The console's dead-letter page against real Kafka: it lists what the bus dead-lettered with the
// reason, replays a record that is acceptable now (delivered to a pizza socket), and refuses one
// that would be dead-lettered again.
import { randomUUID } from 'node:crypto';
import { Kafka, logLevel } from 'kafkajs';
import { call, startGateway, type TestGateway } from './helpers/gateway';
import { waitFor } from './helpers/wait';
import { connect } from './helpers/ws';
import { describeWithKafka } from './services/services';

const pizza = {
  uuid: '9b2f4a40-5c1e-4f7a-9a55-2a0c1c3f2b11', name: 'Margherita', store_id: 1,
  user_uuid: '3fa85f64-5717-4562-b3fc-2c963f66afa6', size: 30, accepted: false, price: 9.5,
  description: 'Tomato', img_url: 'https://example.com/p.png',
  created_date: '2020-05-01T12:00:00Z', time_prepared: '2020-05-01T12:20:00Z',
};

interface Record {
  api: string;
  partition: number;
  offset: string;
  reason: string;
  value: string;
}

describeWithKafka('dead letters in the console', (brokers) => {
  const prefix = `console-${randomUUID().slice(0, 8)}.`;
  const tag = randomUUID();
  let gw: TestGateway;
  const kafka = new Kafka({ clientId: 'dead-letter-test', brokers, logLevel: logLevel.NOTHING });
  const producer = kafka.producer();

  beforeAll(async () => {
    gw = await startGateway({ KAFKA_BROKERS: brokers.join(','), KAFKA_TOPIC_PREFIX: prefix });
    await producer.connect();
  }, 60_000);
  afterAll(async () => {
    await producer.disconnect();
    await gw.stop();
  });

  const list = async (): Promise<Record[]> => {
    const r = await call(`${gw.url}/console/api/dead-letters`);
    expect(r.status).toBe(200);
    return (r.body.records as Record[]).filter((d) => d.value.includes(tag));
  };
  const replay = (d: Record) => call(`${gw.url}/console/api/dead-letters/replay`, { body: { api: d.api, partition: d.partition, offset: d.offset } });

  it('lists what the bus dead-lettered, with its reason, and replays only what fits now', async () => {
    const invalid = { id: `invalid-${tag}`, message: 'CREATE_PIZZA', to: { store_id: 1 }, data: { ...pizza, size: 'large' } };
    await producer.send({ topic: `${prefix}pizza`, messages: [{ key: '1', value: JSON.stringify(invalid) }, { key: '1', value: `{not json ${tag}` }] });
    // A record dead-lettered for a reason that has passed (written to the DLQ as the bus does).
    const fits = { id: `fits-${tag}`, message: 'CREATE_PIZZA', to: { store_id: 1 }, data: pizza };
    await producer.send({ topic: `${prefix}pizza.dlq`, messages: [{ key: '1', value: JSON.stringify(fits), headers: { 'dlq-reason': 'store unavailable', 'dlq-offset': '0' } }] });

    const records = await waitFor(async () => {
      const found = await list();
      return found.length === 3 ? found : undefined;
    }, 'three dead letters', 90_000);
    const byId = (id: string) => records.find((d) => d.value.includes(id))!;
    expect(byId(`invalid-${tag}`)).toMatchObject({ api: 'pizza', reason: expect.stringContaining('must be integer') });
    expect(byId(`{not json ${tag}`)).toMatchObject({ api: 'pizza', reason: 'value is not valid JSON' });
    expect(byId(`fits-${tag}`)).toMatchObject({ api: 'pizza', reason: 'store unavailable' });

    const ticket = await call(`${gw.url}/api/v1/ws/ticket`, { headers: { authorization: `Bearer ${await gw.token('alice', { store_id: 1 })}` } });
    const socket = await connect(`${gw.url.replace('http', 'ws')}/ws?key=${ticket.body.token}`);
    try {
      expect(await replay(byId(`fits-${tag}`))).toMatchObject({ status: 202, body: { id: `fits-${tag}` } });
      expect(await socket.next((f) => f.event_name === 'CREATE_PIZZA', 30_000)).toEqual({ event_name: 'CREATE_PIZZA', data: pizza });
    } finally {
      socket.ws.close();
    }

    const again = await replay(byId(`invalid-${tag}`));
    expect(again.status).toBe(422);
    expect(again.body.errors).toContainEqual(expect.objectContaining({ message: '/data/size: must be integer' }));
    expect((await replay(byId(`{not json ${tag}`))).status).toBe(422);
    expect((await replay({ ...byId(`fits-${tag}`), offset: '999999' })).status).toBe(404);
  }, 180_000);
});
