// Nothing acknowledged is lost when a node dies: node A is killed with SIGKILL while events are
// posted to the events API and queued for a messenger user, then restarted (real Kafka + Redis).
import { randomUUID } from 'node:crypto';
import { signToken } from '../src/auth/token';
import { call } from './helpers/gateway';
import { startServeProcess, type ServeProcess } from './helpers/process';
import { newMessage, waitFor } from './helpers/webhook-receiver';
import { describeWithKafka } from './services/services';

jest.setTimeout(180_000);

const JWT_SECRET = 'crash-test-jwt-secret';

describeWithKafka('a node killed with SIGKILL', (brokers) => {
  const run = randomUUID().slice(0, 8);
  const env = {
    KAFKA_BROKERS: brokers.join(','),
    REDIS_URL: process.env.REDIS_URL ?? '',
    KAFKA_TOPIC_PREFIX: `crash.${run}.`,
    KAFKA_CLIENT_ID: `crash-${run}`,
    AUTH_JWT_SECRET: JWT_SECRET,
    API_SECRET: 'crash-secret',
    LOG_LEVEL: 'warn',
    MESSENGER_POLL_TIMEOUT_MS: '2000',
  };
  const ready = (url: string) => waitFor(async () => (await call(`${url}/readyz`).catch(() => ({ status: 0 }))).status === 200, 'readiness', 90_000);
  let node: ServeProcess | undefined;

  afterAll(async () => {
    if (node && node.child.exitCode === null) {
      node.child.kill('SIGTERM');
      await node.exited;
    }
  });

  it('loses no acknowledged event or queued message', async () => {
    node = await startServeProcess(env);
    const port = new URL(node.url).port;
    await ready(node.url);
    const publisher = { authorization: `Bearer ${await signToken(JWT_SECRET, { sub: 'svc', scope: 'publish' })}` };
    const user = `crash-user-${run}`;
    const channel = `crash-${run}`;

    const ackedEvents: number[] = [];
    const ackedMessages: number[] = [];
    let n = 0;
    const postBoth = async (url: string) => {
      const i = ++n;
      const [event, message] = await Promise.allSettled([
        call(`${url}/events/v1/events`, { body: { clientId: 'w', channel, secret: 'crash-secret', from: 'test', type: 'N', data: { i } } }),
        call(`${url}/publish/v1/messenger`, { headers: publisher, body: { message: 'new_message', to: { user_id: user }, data: newMessage(i) } }),
      ]);
      if (event.status === 'fulfilled' && event.value.status === 200) ackedEvents.push(event.value.body.id);
      if (message.status === 'fulfilled' && message.value.status === 202) ackedMessages.push(i);
    };

    // Traffic, then SIGKILL in the middle of it (requests in flight get no acknowledgement).
    for (let i = 0; i < 15; i++) await postBoth(node.url);
    const inFlight = Array.from({ length: 10 }, () => postBoth(node!.url));
    node.child.kill('SIGKILL');
    await Promise.all(inFlight);
    await node.exited;

    node = await startServeProcess({ ...env, PORT: port });
    await ready(node.url);
    for (let i = 0; i < 5; i++) await postBoth(node.url);

    // Every acknowledged event is in the channel, once.
    const stored = (await call(`${node.url}/events/v1/events?clientId=check&channel=${channel}&secret=crash-secret&after=0&limit=100`)).body as { id: number }[];
    expect(stored.map((e) => e.id)).toEqual(expect.arrayContaining(ackedEvents));
    expect(new Set(stored.map((e) => e.id)).size).toBe(stored.length);

    // Every acknowledged message reaches the user's polls.
    const token = await signToken(JWT_SECRET, { sub: user });
    const got = new Set<number>();
    await waitFor(async () => {
      const r = await call(`${node!.url}/events/polling`, { body: { token } });
      if (r.body?.type === 'new_message') got.add(r.body.event.message_id);
      return ackedMessages.every((i) => got.has(i));
    }, `all ${ackedMessages.length} acknowledged messages`, 90_000);
    expect(ackedEvents.length).toBeGreaterThanOrEqual(20);
    expect(ackedMessages.length).toBeGreaterThanOrEqual(20);
  });
});
