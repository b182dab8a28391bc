// POST /events/callback/start and webhook delivery, end to end: a real gateway, real HTTP, and local
// receivers on 127.0.0.1.
import { createHmac } from 'node:crypto';
import { MemoryStore } from '../src/store/memory-store';
import { call, startGateway, type TestGateway } from './helpers/gateway';
import { deadUrl, newMessage, startReceiver, waitFor, type Receiver, type Received } from './helpers/webhook-receiver';

const KEY = Buffer.from('messenger-e2e-signing-key-32byte');
const WEBHOOK_SECRET = `whsec_${KEY.toString('base64')}`;
const FAST = { WEBHOOK_SECRET, WEBHOOK_RETRY_SCHEDULE_MS: '50,100', MESSENGER_POLL_TIMEOUT_MS: '300', WEBHOOK_TIMEOUT_MS: '2000' };

const receivers: Receiver[] = [];
async function receiver(...args: Parameters<typeof startReceiver>): Promise<Receiver> {
  const r = await startReceiver(...args);
  receivers.push(r);
  return r;
}
afterEach(async () => {
  await Promise.all(receivers.splice(0).map((r) => r.close()));
});

async function register(gw: TestGateway, sub: string, callback: string) {
  return call(`${gw.url}/events/callback/start`, { body: { token: await gw.token(sub), callback } });
}

async function publish(gw: TestGateway, to: Record<string, unknown>, data: unknown, message = 'new_message'): Promise<string> {
  const token = await gw.token('backend', {}, 'publish');
  const r = await call(`${gw.url}/publish/v1/messenger`, { body: { message, to, data }, headers: { authorization: `Bearer ${token}` } });
  expect(r.status).toBe(202);
  return r.body.id as string;
}

async function attempts(gw: TestGateway, outcome: string): Promise<number> {
  const { values } = await gw.gateway.context.metrics.webhookAttemptsTotal.get();
  return values.find((v) => v.labels.outcome === outcome)?.value ?? 0;
}

/** Verifies a delivery the way a receiver would, from the Standard Webhooks spec (not our code). */
function verifySignature(req: Received, key: Buffer): boolean {
  const id = req.headers['webhook-id'] as string;
  const ts = req.headers['webhook-timestamp'] as string;
  const expected = createHmac('sha256', key).update(`${id}.${ts}.${req.raw}`).digest('base64');
  const signatures = String(req.headers['webhook-signature']).split(' ');
  return signatures.some((s) => s === `v1,${expected}`);
}

describe('POST /events/callback/start', () => {
  let gw: TestGateway;
  beforeAll(async () => {
    gw = await startGateway({ ...FAST, BODY_LIMIT_BYTES: '4096' });
  });
  afterAll(() => gw.stop());
  const start = (init: Parameters<typeof call>[1]) => call(`${gw.url}/events/callback/start`, init);

  it('registers with a JSON body: {code: 10}', async () => {
    const r = await start({ body: { token: await gw.token('1'), callback: 'https://203.0.113.10:8443/' } });
    expect(r).toMatchObject({ status: 200, body: { code: 10 } });
    expect(r.headers.get('content-type')).toMatch(/^application\/json/);
    expect(await gw.gateway.context.store.callbacks.get('1')).toBe('https://203.0.113.10:8443/');
  });

  it('registers with a form-encoded body, as the original clients send it', async () => {
    const r = await start({ form: { token: await gw.token('2'), callback: 'http://198.51.100.7:8080/events' } });
    expect(r).toMatchObject({ status: 200, body: { code: 10 } });
    expect(await gw.gateway.context.store.callbacks.get('2')).toBe('http://198.51.100.7:8080/events');
  });

  const invalid = { code: -3, response: 'Parameters are invalid' };
  const invalidToken = { code: -1, response: 'Invalid token' };

  it.each([
    ['no token', { callback: 'https://a.example/' }],
    ['an empty token', { token: '', callback: 'https://a.example/' }],
    ['no callback', { token: 'T' }],
    ['a relative callback', { token: 'T', callback: '/hook' }],
    ['a non-http callback', { token: 'T', callback: 'ftp://a.example/' }],
    ['free text as callback', { token: 'T', callback: 'my server' }],
    ['a callback without host', { token: 'T', callback: 'http://' }],
    ['a callback that is not a string', { token: 'T', callback: 42 }],
    ['an unknown parameter', { token: 'T', callback: 'https://a.example/', extra: 1 }],
  ] as Array<[string, Record<string, unknown>]>)('answers -3 (400) for %s, JSON or form', async (_what, params) => {
    const withToken = { ...params, ...(params.token === 'T' ? { token: await gw.token('3') } : {}) };
    expect(await start({ body: withToken })).toMatchObject({ status: 400, body: invalid });
    const form = Object.fromEntries(Object.entries(withToken).map(([k, v]) => [k, String(v)]));
    if (typeof params.callback !== 'number') expect(await start({ form })).toMatchObject({ status: 400, body: invalid });
    expect(await gw.gateway.context.store.callbacks.get('3')).toBeUndefined();
  });

  it('answers -1 (401) for a token that is not a valid JWT, JSON or form', async () => {
    const other = await (await startGatewayToken('another-secret'))('4');
    for (const token of ['not.a.jwt', 'garbage', other]) {
      expect(await start({ body: { token, callback: 'https://a.example/' } })).toMatchObject({ status: 401, body: invalidToken });
      expect(await start({ form: { token, callback: 'https://a.example/' } })).toMatchObject({ status: 401, body: invalidToken });
    }
    expect(await gw.gateway.context.store.callbacks.get('4')).toBeUndefined();
  });

  it('answers -3 in the {code, response} shape for malformed, unreadable and too large bodies', async () => {
    expect(await start({ body: '{"token":' })).toMatchObject({ status: 400, body: invalid });
    expect(await start({ body: '"a string"' })).toMatchObject({ status: 400, body: invalid });
    expect(await start({ body: [1, 2] })).toMatchObject({ status: 400, body: invalid });
    expect(await start({ body: 'token=x', headers: { 'content-type': 'text/plain' } })).toMatchObject({ status: 400, body: invalid });
    const r = await start({ method: 'POST' });
    expect(r).toMatchObject({ status: 400, body: invalid });
    const huge = await start({ body: { token: 'x'.repeat(10_000), callback: 'https://a.example/' } });
    expect(huge).toMatchObject({ status: 413, body: invalid });
    expect(Object.keys(huge.body).sort()).toEqual(['code', 'response']);
  });
});

/** Signs tokens with another secret (a token the gateway must refuse). */
async function startGatewayToken(secret: string): Promise<(sub: string) => Promise<string>> {
  const { signToken } = await import('../src/auth/token');
  return (sub) => signToken(secret, { sub });
}

describe('webhook delivery', () => {
  let gw: TestGateway;
  beforeAll(async () => {
    gw = await startGateway(FAST);
  });
  afterAll(() => gw.stop());

  it('POSTs {type, event} as JSON with valid Standard Webhooks headers', async () => {
    const hook = await receiver();
    expect((await register(gw, '10', hook.url)).body).toEqual({ code: 10 });
    const id = await publish(gw, { user_id: 10 }, newMessage(1, 10));
    const [req] = await waitFor(() => (hook.received.length > 0 ? hook.received : undefined), 'the webhook');
    expect(req.json).toEqual({ type: 'new_message', event: newMessage(1, 10) });
    expect(req.headers['content-type']).toBe('application/json');
    expect(req.headers['webhook-id']).toBe(id);
    const ts = Number(req.headers['webhook-timestamp']);
    expect(String(ts)).toBe(req.headers['webhook-timestamp']);
    expect(Math.abs(ts - Date.now() / 1000)).toBeLessThan(300); // the replay window receivers use
    expect(req.headers['webhook-signature']).toMatch(/^v1,[A-Za-z0-9+/]+=*$/);
    expect(verifySignature(req, KEY)).toBe(true);
    // The whsec_ prefix means "base64 key": a receiver using the text of the secret would fail.
    expect(verifySignature(req, Buffer.from(WEBHOOK_SECRET))).toBe(false);
    await waitFor(async () => (await attempts(gw, 'success')) >= 1, 'success metric');
  });

  it('retries a failing receiver with the same webhook-id until it answers 2xx', async () => {
    const hook = await receiver((_req, i) => (i < 2 ? 500 : 200));
    await register(gw, '11', hook.url);
    const before = await attempts(gw, 'failure');
    const id = await publish(gw, { user_id: '11' }, newMessage(2, 11));
    await waitFor(() => hook.received.length === 3, 'three attempts');
    expect(hook.received.map((r) => r.headers['webhook-id'])).toEqual([id, id, id]);
    expect(hook.received.every((r) => r.raw === hook.received[0].raw && verifySignature(r, KEY))).toBe(true);
    expect(hook.received[2].json).toEqual({ type: 'new_message', event: newMessage(2, 11) });
    expect((await attempts(gw, 'failure')) - before).toBe(2);
    // Delivered: no further attempt comes after the success.
    await waitFor(async () => (await attempts(gw, 'success')) >= 1, 'success metric');
    await new Promise((r) => setTimeout(r, 300));
    expect(hook.received).toHaveLength(3);
  });

  it('delivers to: {user_id: 2} and {user_id: "2"} to the same user', async () => {
    const hook = await receiver();
    await register(gw, '2', hook.url);
    await publish(gw, { user_id: 2 }, newMessage(21, 2));
    await publish(gw, { user_id: '2' }, newMessage(22, 2));
    await waitFor(() => hook.received.length === 2, 'both events');
    expect(hook.received.map((r) => r.json.event.message_id)).toEqual([21, 22]);
  });

  it('sends callback_deprecated (old and new URL) to the old URL on re-registration, and nothing for the same URL', async () => {
    const oldHook = await receiver();
    const newHook = await receiver();
    await register(gw, '12', oldHook.url);
    expect((await register(gw, '12', oldHook.url)).body).toEqual({ code: 10 }); // same URL: nothing sent
    expect((await register(gw, '12', newHook.url)).body).toEqual({ code: 10 });
    await waitFor(() => oldHook.received.length === 1, 'callback_deprecated');
    const [req] = oldHook.received;
    expect(req.json).toEqual({ type: 'callback_deprecated', event: { old_callback: oldHook.url, new_callback: newHook.url } });
    expect(verifySignature(req, KEY)).toBe(true);
    expect(req.headers['webhook-id']).toEqual(expect.any(String));
    // Later events go to the new URL only; the same-URL registration sent nothing (one lane per user,
    // so anything sent for it would have arrived before this event).
    await publish(gw, { user_id: 12 }, newMessage(3, 12));
    await waitFor(() => newHook.received.length === 1, 'event at the new URL');
    expect(newHook.received[0].json.type).toBe('new_message');
    expect(oldHook.received).toHaveLength(1);
    expect(newHook.received.some((r) => r.json.type === 'callback_deprecated')).toBe(false);
  });

  it('re-registering the same URL sends nothing at all', async () => {
    const hook = await receiver();
    await register(gw, '13', hook.url);
    await register(gw, '13', hook.url);
    await publish(gw, { user_id: 13 }, newMessage(4, 13));
    await waitFor(() => hook.received.length === 1, 'the event');
    expect(hook.received.map((r) => r.json.type)).toEqual(['new_message']);
  });

  it('gives up after the last retry and queues the event for polling instead', async () => {
    const hook = await receiver(() => 503);
    await register(gw, '15', hook.url);
    const gaveUp = await attempts(gw, 'gave_up');
    await publish(gw, { user_id: 15 }, newMessage(6, 15));
    await waitFor(async () => (await attempts(gw, 'gave_up')) === gaveUp + 1, 'gave_up');
    expect(hook.received).toHaveLength(3); // 1 + 2 retries ('50,100')
    const polled = await call(`${gw.url}/events/polling`, { body: { token: await gw.token('15') } });
    expect(polled).toMatchObject({ status: 200, body: { code: 10, type: 'new_message', event: newMessage(6, 15) } });
  });
});

describe('re-registration during retries', () => {
  let gw: TestGateway;
  beforeAll(async () => {
    // Enough retries that the re-registration surely lands before the budget is spent.
    gw = await startGateway({ ...FAST, WEBHOOK_RETRY_SCHEDULE_MS: '100,200,400,800,1600,3200' });
  });
  afterAll(() => gw.stop());

  it('sends retries of an event to the URL registered in the meantime', async () => {
    const oldHook = await receiver((req) => (req.json.type === 'new_message' ? 500 : 200));
    const newHook = await receiver();
    await register(gw, '14', oldHook.url);
    const id = await publish(gw, { user_id: 14 }, newMessage(5, 14));
    await waitFor(() => oldHook.received.length >= 1, 'first attempt at the old URL');
    await register(gw, '14', newHook.url);
    await waitFor(() => newHook.received.some((r) => r.headers['webhook-id'] === id), 'the retry at the new URL');
    expect(oldHook.received.some((r) => r.json.type === 'callback_deprecated')).toBe(true);
  });
});

describe('a receiver that is down or hangs', () => {
  class SpyStore extends MemoryStore {
    readonly enqueued: Array<{ user: string; key?: string }> = [];
    constructor() {
      super();
      const enqueue = this.polling.enqueue.bind(this.polling);
      this.polling.enqueue = (user, item, key) => {
        this.enqueued.push({ user, key });
        return enqueue(user, item, key);
      };
    }
  }
  let gw: TestGateway;
  let store: SpyStore;
  let logs: any[];
  beforeAll(async () => {
    store = new SpyStore();
    logs = [];
    const pino = (await import('pino')).default;
    const log = pino({ level: 'info' }, { write: (s: string) => logs.push(JSON.parse(s)) });
    // Long timeout and retry delays: if anything waited for these receivers, the healthy one would
    // not get its event within the test's limit.
    gw = await startGateway({ ...FAST, WEBHOOK_TIMEOUT_MS: '120000', WEBHOOK_RETRY_SCHEDULE_MS: '120000' }, { store, log });
  });
  afterAll(() => gw?.stop());

  it('does not hold up other users, and stop() abandons the pending deliveries to polling', async () => {
    const hanging = await receiver(() => 'hang');
    const healthy = await receiver();
    await register(gw, '20', await deadUrl());
    await register(gw, '21', hanging.url);
    await register(gw, '22', healthy.url);
    const down1 = await publish(gw, { user_id: 20 }, newMessage(1, 20));
    const down2 = await publish(gw, { user_id: 20 }, newMessage(2, 20));
    const hung = await publish(gw, { user_id: 21 }, newMessage(3, 21));
    await waitFor(() => hanging.hanging.length === 1, 'the hanging request');
    await publish(gw, { user_id: 22 }, newMessage(4, 22));
    await waitFor(() => healthy.received.length === 1, 'the healthy user\'s event', 5_000);
    expect(healthy.received[0].json.event.message_id).toBe(4);
    // Delivered while user 21's attempt was still unanswered and user 20's retries still pending.
    expect(hanging.hanging[0].writableEnded).toBe(false);
    expect(await attempts(gw, 'gave_up')).toBe(0);
    await waitFor(async () => (await attempts(gw, 'failure')) >= 2, 'both failed attempts of user 20');

    await gw.stop();
    const line = logs.find((l) => Array.isArray(l.abandoned));
    expect(line).toBeDefined();
    expect(line.abandoned.map((a: { id: string }) => a.id).sort()).toEqual([down1, down2, hung].sort());
    expect(store.enqueued).toEqual(expect.arrayContaining([{ user: '20', key: down1 }, { user: '20', key: down2 }, { user: '21', key: hung }]));
  });
});
