// Two gateway nodes sharing a real Kafka and a real Redis (issue: the distributed runtime).
// Each node has its own Kafka clients; both use one client id, so they share the work groups.
import { randomUUID } from 'node:crypto';
import { Kafka, logLevel } from 'kafkajs';
import WebSocket from 'ws';
import { call, startGateway, type TestGateway } from './helpers/gateway';
import { gameSnapshot } from './helpers/examples';
import { newMessage, startReceiver, waitFor } from './helpers/webhook-receiver';
import { connect, sleep } from './helpers/ws';
import { describeWithKafka } from './services/services';
import { connect as connectSocketIo, member } from './helpers/workspace-client';

jest.setTimeout(120_000);

describeWithKafka('two gateway nodes on Kafka and Redis', (brokers) => {
  const redis = process.env.REDIS_URL;
  const run = randomUUID().slice(0, 8);
  const env = {
    KAFKA_BROKERS: brokers.join(','),
    REDIS_URL: redis ?? '',
    KAFKA_TOPIC_PREFIX: `cluster.${run}.`,
    KAFKA_CLIENT_ID: `cluster-${run}`,
    KAFKA_PARTITIONS: '2',
    API_SECRET: 'cluster-secret',
    POLL_TIMEOUT_MS: '20000',
    MESSENGER_POLL_TIMEOUT_MS: '20000',
    WEBHOOK_RETRY_SCHEDULE_MS: '100,200',
  };
  let a: TestGateway;
  let b: TestGateway;
  let publisher: Record<string, string>;

  const ready = (gw: TestGateway) => waitFor(async () => (await call(`${gw.url}/readyz`)).status === 200, 'readiness', 60_000);
  const publish = (gw: TestGateway, api: string, body: unknown) => call(`${gw.url}/publish/v1/${api}`, { headers: publisher, body });

  beforeAll(async () => {
    if (!redis) throw new Error('REDIS_URL is required next to KAFKA_BROKERS for the cluster tests');
    a = await startGateway(env);
    b = await startGateway(env);
    await Promise.all([ready(a), ready(b)]);
    publisher = { authorization: `Bearer ${await a.token('svc', {}, 'publish')}` };
  });
  afterAll(async () => {
    await Promise.all([a?.stop(), b?.stop()]);
  });

  it('an event published on A reaches a games subscriber, a pizza socket and a messenger poll on B', async () => {
    const games = await connect(`${b.url.replace('http', 'ws')}/?session_key=${await b.token('g')}`);
    games.send({ stream: 'games', payload: { action: 'subscribe', pk: 901, data: { action: 'update' }, request_id: 's' } });
    await games.next((f) => f.payload?.request_id === 's');

    const manager = await b.token('m', { store_id: 901 });
    const ticket = (await call(`${b.url}/api/v1/ws/ticket`, { headers: { authorization: `Bearer ${manager}` } })).body.token;
    const pizza = await connect(`${b.url.replace('http', 'ws')}/ws?key=${ticket}`);

    const user = `u${run}`;
    const poll = call(`${b.url}/events/polling`, { body: { token: await b.token(user) } });
    await sleep(200);

    expect((await publish(a, 'games', { message: 'update', to: { pk: 901 }, data: gameSnapshot(901) })).status).toBe(202);
    expect((await publish(a, 'pizza', { message: 'ACCEPT_PIZZA', to: { store_id: 901 }, data: [] })).status).toBe(202);
    expect((await publish(a, 'messenger', { message: 'new_message', to: { user_id: user }, data: newMessage(1) })).status).toBe(202);

    expect((await games.next((f) => f.payload?.model)).payload).toMatchObject({ action: 'update', pk: 901 });
    expect(await pizza.next()).toEqual({ event_name: 'ACCEPT_PIZZA', data: [] });
    expect((await poll).body).toEqual({ code: 10, type: 'new_message', event: newMessage(1) });
    games.ws.close();
    pizza.ws.close();
  });

  it('a long poll on B wakes when the event is written on A', async () => {
    const channel = `ch-${run}`;
    const poll = call(`${b.url}/events/v1/events?clientId=c&channel=${channel}&secret=cluster-secret&after=0`);
    await sleep(200);
    const posted = await call(`${a.url}/events/v1/events`, { body: { clientId: 'w', channel, secret: 'cluster-secret', from: 'a', type: 'MOVE' } });
    expect(posted.body.id).toBe(1);
    expect((await poll).body).toEqual([posted.body]);
  });

  it('a pizza ticket issued on A is accepted once on B and rejected on A afterwards', async () => {
    const manager = await a.token('m', { store_id: 902 });
    const ticket = (await call(`${a.url}/api/v1/ws/ticket`, { headers: { authorization: `Bearer ${manager}` } })).body.token;
    const onB = await connect(`${b.url.replace('http', 'ws')}/ws?key=${ticket}`);
    await sleep(200);
    expect(onB.ws.readyState).toBe(WebSocket.OPEN);
    const onA = await connect(`${a.url.replace('http', 'ws')}/ws?key=${ticket}`);
    expect(await onA.closed).toEqual({ code: 4001, reason: 'Wrong connection key.' });
    onB.ws.close();
  });

  it('delivers each webhook exactly once across the two nodes', async () => {
    const receiver = await startReceiver();
    try {
      const users = Array.from({ length: 4 }, (_, i) => `hook-${run}-${i}`);
      for (const [i, user] of users.entries()) {
        const node = i % 2 ? a : b;
        const r = await call(`${node.url}/events/callback/start`, { body: { token: await node.token(user), callback: receiver.url } });
        expect(r.body).toEqual({ code: 10 });
      }
      const sent = 40;
      for (let n = 0; n < sent; n++) {
        const node = n % 2 ? a : b;
        await publish(node, 'messenger', { message: 'new_message', to: { user_id: users[n % users.length] }, data: newMessage(n) });
      }
      await waitFor(() => new Set(receiver.received.map((r) => r.headers['webhook-id'])).size === sent, `${sent} distinct webhooks`, 60_000);
      await sleep(1_000); // a duplicate would arrive now
      const ids = receiver.received.map((r) => r.headers['webhook-id']);
      expect(ids).toHaveLength(sent);
      expect(new Set(ids).size).toBe(sent);
    } finally {
      await receiver.close();
    }
  });

  it('delivers a record a back-end produced straight to the topic, and dead-letters an invalid one', async () => {
    const kafka = new Kafka({ brokers, clientId: 'backend', logLevel: logLevel.NOTHING });
    const producer = kafka.producer();
    const dlq = kafka.consumer({ groupId: `dlq-${run}` });
    const dead: string[] = [];
    await dlq.connect();
    await dlq.subscribe({ topic: `cluster.${run}.pizza.dlq`, fromBeginning: true });
    await dlq.run({ eachMessage: async ({ message }) => void dead.push(String(message.headers?.['dlq-reason'])) });
    await producer.connect();
    try {
      const manager = await b.token('m', { store_id: 903 });
      const ticket = (await call(`${b.url}/api/v1/ws/ticket`, { headers: { authorization: `Bearer ${manager}` } })).body.token;
      const pizza = await connect(`${b.url.replace('http', 'ws')}/ws?key=${ticket}`);
      // The socket opens before the node has checked its ticket and joined it to its store: a probe
      // published until it arrives says the socket is listening (a record before that is not its).
      const publisher = { authorization: `Bearer ${await b.token('svc', {}, 'publish')}` };
      await waitFor(async () => {
        await call(`${b.url}/publish/v1/pizza`, { headers: publisher, body: { message: 'ACCEPT_PIZZA', to: { store_id: 903 }, data: [] } });
        return pizza.next((f) => Array.isArray(f.data) && f.data.length === 0, 500).then(() => true, () => false);
      }, 'the store socket to listen', 60_000);
      const produced = () => pizza.frames.filter((f) => (f as { data: unknown[] }).data.length > 0); // not a late probe
      await producer.send({
        topic: `cluster.${run}.pizza`,
        messages: [
          { key: '903', value: JSON.stringify({ id: 'bad', message: 'ACCEPT_PIZZA', to: { store_id: 903 }, data: 'not a list' }) },
          { key: '903', value: JSON.stringify({ id: 'good', message: 'ACCEPT_PIZZA', to: { store_id: 903 }, data: ['9b2f4a40-5c1e-4f7a-9a55-2a0c1c3f2b11'] }) },
        ],
      });
      expect(await pizza.next((f) => f.data.length > 0)).toEqual({ event_name: 'ACCEPT_PIZZA', data: ['9b2f4a40-5c1e-4f7a-9a55-2a0c1c3f2b11'] });
      await waitFor(() => dead.length === 1, 'the dead letter', 60_000);
      expect(dead[0]).toMatch(/data does not match/);
      expect(produced()).toHaveLength(1);
      const metrics = (await call(`${a.url}/metrics`)).text + (await call(`${b.url}/metrics`)).text;
      expect(metrics).toMatch(/dlq_records_total\{api="pizza",reason="invalid_data"\} 1/);
      pizza.ws.close();
    } finally {
      await producer.disconnect();
      await dlq.disconnect();
    }
  });

  it('workspace: an event published on A reaches a socket on B; presence spans both nodes', async () => {
    const ws = `ws-${run}`;
    const watcher = await member(b, 'watcher', ws);
    const onA = await member(a, 'dana', ws);
    const onB = await member(b, 'dana', ws);

    expect((await publish(a, 'workspace', { message: 'channel-created', to: { workspaceId: ws }, data: { channelId: `c-${run}`, workspaceId: ws } })).status).toBe(202);
    expect(await watcher.waitFor('channel-created')).toEqual({ channelId: `c-${run}`, workspaceId: ws });

    // Through Kafka too, a socket hears its own announcement before its auth-success (the original's order).
    // An earlier member's announcement may reach it first: its node's consumer can lag behind the join.
    for (const [c, user] of [[watcher, 'watcher'], [onA, 'dana'], [onB, 'dana']] as const) {
      const authAt = c.received.findIndex((r) => r.event === 'auth-success');
      expect(authAt).toBeGreaterThan(0);
      expect(c.received.slice(0, authAt)).toContainEqual({ event: 'online-status-updated', data: expect.objectContaining({ userId: user }) });
    }
    // A reconnect on the other node: B knows A's socket from Redis, so it is taken over.
    const again = await connectSocketIo(b.url);
    expect(await again.auth(await b.token('dana', { workspaces: [ws] }), ws, { prevSocketId: onA.id })).toMatchObject({ reconnected: true });
    again.close();

    onA.close();
    await sleep(500);
    expect(watcher.of('online-status-updated')).not.toContainEqual({ userId: 'dana', onlineStatus: 'offline' });
    onB.close();
    expect(await watcher.waitFor('online-status-updated', (d) => d.onlineStatus === 'offline')).toEqual({ userId: 'dana', onlineStatus: 'offline' });
    watcher.close();
  });
});
