// Fault test (issue 10, defect 3): a node is killed with SIGKILL while a messenger user's webhook
// receiver fails, with every event acknowledged (202) and waiting for a retry or for its first
// attempt; the receiver then recovers and two nodes (the killed one restarted, and a second one)
// must deliver every event: by webhook, or at worst queued for polling. Real Kafka and Redis, nodes
// as child processes.
import { randomUUID } from 'node:crypto';
import { signToken } from '../src/auth/token';
import { call } from './helpers/gateway';
import { startServeProcess, type ServeProcess } from './helpers/process';
import { newMessage, startReceiver, waitFor, type Receiver } from './helpers/webhook-receiver';
import { describeWithKafka } from './services/services';

jest.setTimeout(240_000);

const JWT_SECRET = 'webhook-crash-jwt-secret';
const EVENTS = 20;
/** The receiver hangs on this event's first attempt, so those after it wait in the user's lane. */
const HANGS_ON = 16;

describeWithKafka('a node killed with SIGKILL while a webhook receiver fails', (brokers) => {
  const run = randomUUID().slice(0, 8);
  const env = {
    KAFKA_BROKERS: brokers.join(','),
    REDIS_URL: process.env.REDIS_URL ?? '',
    KAFKA_TOPIC_PREFIX: `whcrash.${run}.`,
    KAFKA_CLIENT_ID: `whcrash-${run}`,
    AUTH_JWT_SECRET: JWT_SECRET,
    LOG_LEVEL: 'warn',
    MESSENGER_POLL_TIMEOUT_MS: '300',
    // Long enough that no event gives up (falls back to polling) before the kill.
    WEBHOOK_RETRY_SCHEDULE_MS: '1000,2000,4000,8000,16000',
    WEBHOOK_TIMEOUT_MS: '3000',
    WEBHOOK_LEASE_MS: '4000',
  };
  const ready = (url: string) => waitFor(async () => (await call(`${url}/readyz`).catch(() => ({ status: 0 }))).status === 200, 'readiness', 90_000);
  const nodes: ServeProcess[] = [];
  let receiver: Receiver | undefined;

  afterAll(async () => {
    for (const node of nodes) {
      if (node.child.exitCode === null && node.child.signalCode === null) {
        node.child.kill('SIGTERM');
        await node.exited;
      }
    }
    for (const res of receiver?.hanging ?? []) res.destroy();
    await receiver?.close();
  });

  it('loses none of the acknowledged events', async () => {
    let failing = true;
    /** Accepted deliveries per message id. */
    const delivered = new Map<number, number>();
    receiver = await startReceiver((req) => {
      const id = req.json?.event?.message_id as number;
      if (failing) return id === HANGS_ON ? 'hang' : 503;
      delivered.set(id, (delivered.get(id) ?? 0) + 1);
      return 200;
    });
    const user = `whcrash-${run}`;
    const first = await startServeProcess(env);
    nodes.push(first);
    await ready(first.url);
    const token = await signToken(JWT_SECRET, { sub: user });
    expect((await call(`${first.url}/events/callback/start`, { body: { token, callback: receiver.url } })).body).toEqual({ code: 10 });

    const publisher = { authorization: `Bearer ${await signToken(JWT_SECRET, { sub: 'svc', scope: 'publish' })}` };
    for (let i = 1; i <= EVENTS; i++) {
      const r = await call(`${first.url}/publish/v1/messenger`, { headers: publisher, body: { message: 'new_message', to: { user_id: user }, data: newMessage(i) } });
      expect(r.status).toBe(202);
    }
    // Events before HANGS_ON failed at least once and wait for a retry; the node is in the middle
    // of HANGS_ON's attempt; the ones after it have not been tried.
    const attempted = (i: number) => receiver!.received.some((r) => r.json?.event?.message_id === i);
    await waitFor(() => Array.from({ length: HANGS_ON }, (_, n) => n + 1).every(attempted), 'first attempts up to the hanging one', 60_000);
    first.child.kill('SIGKILL');
    await first.exited;
    const killedAt = Date.now();

    failing = false;
    for (const res of receiver.hanging.splice(0)) res.destroy();
    const restarted = await startServeProcess({ ...env, PORT: new URL(first.url).port });
    const second = await startServeProcess(env);
    nodes.push(restarted, second);
    await Promise.all([ready(restarted.url), ready(second.url)]);

    // An event counts as not lost when the receiver accepted it or a poll hands it out.
    const polled = new Set<number>();
    const found = () => Array.from({ length: EVENTS }, (_, n) => n + 1).filter((i) => delivered.has(i) || polled.has(i)).length;
    await waitFor(async () => {
      const r = await call(`${second.url}/events/polling`, { body: { token } });
      if (r.body?.type === 'new_message') polled.add(r.body.event.message_id as number);
      return found() === EVENTS;
    }, 'every acknowledged event', 60_000).catch(() => undefined);

    const lost = EVENTS - found();
    const byBoth = [...delivered.keys()].filter((i) => polled.has(i)).length;
    const twice = [...delivered.values()].filter((n) => n > 1).length;
    console.log(
      `webhook crash fault: ${EVENTS} acknowledged, ${delivered.size} delivered by webhook (${twice} more than once), ` +
        `${polled.size} by polling (${byBoth} both), acknowledged-and-lost ${lost}; ` +
        `${((Date.now() - killedAt) / 1000).toFixed(1)} s from the kill to the last one`,
    );
    expect(lost).toBe(0);
  });
});
