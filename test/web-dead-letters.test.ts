// The console's dead-letter page against real Kafka: it lists what the bus dead-lettered with the
// reason, replays a record that is acceptable now (delivered to a pizza socket), and refuses one
// that would be dead-lettered again.
import { randomUUID } from 'node:crypto';
import { Kafka, logLevel } from 'kafkajs';
import { DeadLetters } from '../src/web/dead-letters';
import { messageExample } from './helpers/examples';
import { call, startGateway, type TestGateway } from './helpers/gateway';
import { waitFor } from './helpers/wait';
import { connect } from './helpers/ws';
import { describeWithKafka } from './services/services';

/** The spec's example pizza (CREATE_PIZZA's data). */
const pizza = messageExample('pizza', 'CREATE_PIZZA').data;

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

// DeadLetters on DLQ topics written by hand (no gateway): the newest per API, newest first, every
// header read, and find by where a record is.
describeWithKafka('DeadLetters (src/web/dead-letters.ts) directly', (brokers) => {
  const prefix = `dl-${randomUUID().slice(0, 8)}.`;
  const kafka = new Kafka({ clientId: 'dead-letters-unit', brokers, logLevel: logLevel.NOTHING });
  const admin = kafka.admin();
  const producer = kafka.producer();
  const letters = new DeadLetters(brokers, `dl-${randomUUID().slice(0, 8)}`, prefix);
  beforeAll(async () => {
    await admin.connect();
    await producer.connect();
  });
  afterAll(async () => {
    await producer.disconnect();
    await admin.disconnect();
  });

  it('no DLQ topics, or empty ones: no dead letters', async () => {
    expect(await letters.list()).toEqual([]);
    await admin.createTopics({ waitForLeaders: true, topics: [{ topic: `${prefix}games.dlq`, numPartitions: 1 }] });
    expect(await letters.list()).toEqual([]);
  }, 60_000);

  it('lists the newest perApi of each API, newest first, with reason, original offset and key; finds one by where it is', async () => {
    await admin.createTopics({ waitForLeaders: true, topics: [{ topic: `${prefix}pizza.dlq`, numPartitions: 2 }, { topic: `${prefix}events.dlq`, numPartitions: 1 }] });
    const at = (n: number) => String(1_700_000_000_000 + n);
    await producer.send({
      topic: `${prefix}pizza.dlq`,
      messages: [
        { partition: 0, key: 'k1', value: 'p1', timestamp: at(1), headers: { 'dlq-reason': 'why 1', 'dlq-offset': '10' } },
        { partition: 1, value: 'p2', timestamp: at(3), headers: { 'dlq-reason': 'why 2' } },
        { partition: 0, key: 'k3', value: 'p3', timestamp: at(5), headers: { 'dlq-reason': 'why 3', 'dlq-offset': '12' } },
      ],
    });
    await producer.send({ topic: `${prefix}events.dlq`, messages: [{ value: 'e1', timestamp: at(4) }] });

    const all = await letters.list();
    expect(all.map((d) => [d.api, d.value])).toEqual([['pizza', 'p3'], ['events', 'e1'], ['pizza', 'p2'], ['pizza', 'p1']]);
    expect(all[0]).toEqual({ api: 'pizza', partition: 0, offset: '1', reason: 'why 3', originalOffset: '12', key: 'k3', value: 'p3', timestamp: Number(at(5)) });
    expect(all.find((d) => d.value === 'p2')).toMatchObject({ partition: 1, offset: '0', originalOffset: null, key: null });
    expect(all.find((d) => d.value === 'e1')).toMatchObject({ reason: '', originalOffset: null });

    // Per API, the newest perApi records are kept.
    expect((await letters.list(1)).map((d) => d.value).sort()).toEqual(['e1', 'p3']);

    expect(await letters.find('pizza', 1, '0')).toMatchObject({ value: 'p2' });
    expect(await letters.find('pizza', 1, '1')).toBeUndefined();
  }, 90_000);

  it('keeps the newest of an API whatever order its partitions are read in (the newest on partition 0, and on 1)', async () => {
    const own = `dl-${randomUUID().slice(0, 8)}.`; // topics of their own
    await admin.createTopics({ waitForLeaders: true, topics: ['pizza', 'games'].map((api) => ({ topic: `${own}${api}.dlq`, numPartitions: 2 })) });
    const at = (n: number) => String(1_700_000_000_000 + n);
    // pizza: the newest is on partition 0; games: on partition 1. A middle one is alone on the other.
    const layout = (newest: number) => [
      { partition: newest, value: 'oldest', timestamp: at(1) },
      { partition: 1 - newest, value: 'middle', timestamp: at(3) },
      { partition: newest, value: 'newest', timestamp: at(5) },
    ];
    await producer.send({ topic: `${own}pizza.dlq`, messages: layout(0) });
    await producer.send({ topic: `${own}games.dlq`, messages: layout(1) });
    const fresh = new DeadLetters(brokers, `dl-${randomUUID().slice(0, 8)}`, own);
    expect((await fresh.list(1)).map((d) => `${d.api} ${d.value}`).sort()).toEqual(['games newest', 'pizza newest']);
    expect((await fresh.list(2)).map((d) => `${d.api} ${d.value}`).sort()).toEqual(['games middle', 'games newest', 'pizza middle', 'pizza newest']);
  }, 90_000);
});
