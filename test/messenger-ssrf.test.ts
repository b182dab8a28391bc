// Messenger callbacks may not point the gateway at its own machine, the private network or a cloud
// metadata service (server-side request forgery): refused at registration (-3, 400) and again at
// every delivery attempt, on the address actually connected to; redirects are not followed. An
// event that cannot be delivered is not lost: it is queued for polling like any undeliverable one.
import { call, startGateway, type TestGateway } from './helpers/gateway';
import { newMessage, startReceiver, waitFor, type Receiver } from './helpers/webhook-receiver';

const FAST = { WEBHOOK_RETRY_SCHEDULE_MS: '20,20', MESSENGER_POLL_TIMEOUT_MS: '5000' };
const INVALID = { code: -3, response: 'Parameters are invalid' };
/** Unroutable (documentation range): allowed, and never published to in these tests. */
const HARMLESS = 'https://203.0.113.10:8443/';

const receivers: Receiver[] = [];
async function receiver(...args: Parameters<typeof startReceiver>): Promise<Receiver> {
  const r = await startReceiver(...args);
  receivers.push(r);
  return r;
}
afterEach(async () => {
  await Promise.all(receivers.splice(0).map((r) => r.close()));
});

const register = async (gw: TestGateway, sub: string, callback: string) =>
  call(`${gw.url}/events/callback/start`, { form: { token: await gw.token(sub), callback } });

async function publish(gw: TestGateway, user: string, n: number): Promise<void> {
  const token = await gw.token('backend', {}, 'publish');
  const r = await call(`${gw.url}/publish/v1/messenger`, { headers: { authorization: `Bearer ${token}` }, body: { message: 'new_message', to: { user_id: user }, data: newMessage(n, Number(user)) } });
  expect(r.status).toBe(202);
}

const poll = async (gw: TestGateway, sub: string) => call(`${gw.url}/events/polling`, { form: { token: await gw.token(sub) } });

async function refusedCount(gw: TestGateway, stage: 'registration' | 'delivery'): Promise<number> {
  const { values } = await gw.gateway.context.metrics.webhookCallbacksRefusedTotal.get();
  return values.find((v) => v.labels.stage === stage)?.value ?? 0;
}

describe('with no special networks allowed (as in production)', () => {
  let gw: TestGateway;
  let hook: Receiver;
  beforeAll(async () => {
    gw = await startGateway({ ...FAST, WEBHOOK_ALLOWED_NETWORKS: 'none' });
  });
  afterAll(() => gw.stop());
  beforeEach(async () => {
    hook = await receiver();
  });
  const port = () => new URL(hook.url).port;

  it.each([
    ['loopback', () => `http://127.0.0.1:${port()}/hook`],
    ['loopback elsewhere in 127/8', () => `http://127.1.2.3:${port()}/hook`],
    ['IPv6 loopback', () => `http://[::1]:${port()}/hook`],
    ['IPv4-mapped IPv6 loopback', () => `http://[::ffff:127.0.0.1]:${port()}/hook`],
    ['loopback written as one number', () => `http://2130706433:${port()}/hook`],
    ['a name resolving to loopback', () => `http://localhost:${port()}/hook`],
    ['this host (0.0.0.0)', () => `http://0.0.0.0:${port()}/hook`],
    ['a private address', () => 'http://10.0.0.1/hook'],
    ['a private address (192.168/16)', () => 'https://192.168.1.1/hook'],
    ['CGNAT', () => 'http://100.64.0.1/hook'],
    ['the cloud metadata service', () => 'http://169.254.169.254/latest/meta-data/'],
    ['IPv6 link-local', () => 'http://[fe80::1]/hook'],
    ['IPv6 unique-local', () => 'http://[fd00::1]/hook'],
    ['multicast', () => 'http://224.0.0.1/hook'],
  ])('refuses to register %s: -3 (400), nothing stored, counted', async (what, url) => {
    const before = await refusedCount(gw, 'registration');
    const user = `victim ${what}`; // one user per case: each stays far below the registrations per minute
    for (const encoding of ['form', 'json'] as const) {
      const token = await gw.token(user);
      const r = await call(`${gw.url}/events/callback/start`, encoding === 'form' ? { form: { token, callback: url() } } : { body: { token, callback: url() } });
      expect(r).toMatchObject({ status: 400, body: INVALID });
    }
    expect(await gw.gateway.context.store.callbacks.get(user)).toBeUndefined();
    expect((await refusedCount(gw, 'registration')) - before).toBe(2);
  });

  it('does not POST to a stored callback that points at a refused address; the event is queued for polling', async () => {
    // Stored before the policy applied (or when its name resolved elsewhere): checked again on delivery.
    await gw.gateway.context.store.callbacks.set('31', hook.url);
    const before = await refusedCount(gw, 'delivery');
    await publish(gw, '31', 1);
    expect(await poll(gw, '31')).toMatchObject({ status: 200, body: { code: 10, type: 'new_message', event: newMessage(1, 31) } });
    expect(hook.received).toEqual([]);
    // Every attempt (1 + 2 retries) was refused before connecting.
    expect((await refusedCount(gw, 'delivery')) - before).toBe(3);
  });

  it('does not POST callback_deprecated to a retired callback at a refused address', async () => {
    await gw.gateway.context.store.callbacks.set('32', hook.url);
    expect(await register(gw, '32', HARMLESS)).toMatchObject({ status: 200, body: { code: 10 } });
    const polled = await poll(gw, '32');
    expect(polled).toMatchObject({ status: 200, body: { code: 10, type: 'callback_deprecated', event: { old_callback: hook.url, new_callback: HARMLESS } } });
    expect(hook.received).toEqual([]);
  });
});

describe('with the dev default (loopback allowed)', () => {
  let gw: TestGateway;
  beforeAll(async () => {
    gw = await startGateway(FAST);
  });
  afterAll(() => gw.stop());

  it('registers and delivers to a local receiver, by address or by name', async () => {
    const hook = await receiver();
    expect(await register(gw, '40', hook.url)).toMatchObject({ status: 200, body: { code: 10 } });
    await publish(gw, '40', 1);
    await waitFor(() => hook.received.length === 1, 'the webhook');
    const byName = await receiver();
    expect(await register(gw, '41', byName.url.replace('127.0.0.1', 'localhost'))).toMatchObject({ status: 200, body: { code: 10 } });
  });

  it('still refuses private and metadata addresses', async () => {
    expect(await register(gw, '42', 'http://169.254.169.254/latest/meta-data/')).toMatchObject({ status: 400, body: INVALID });
    expect(await register(gw, '42', 'http://10.0.0.1/')).toMatchObject({ status: 400, body: INVALID });
  });

  it('does not follow a redirect: the 302 is a failed attempt, its target gets nothing, the event is polled', async () => {
    const target = await receiver();
    const redirecting = await receiver(() => ({ status: 302, headers: { location: target.url } }));
    expect(await register(gw, '43', redirecting.url)).toMatchObject({ status: 200 });
    await publish(gw, '43', 1);
    expect(await poll(gw, '43')).toMatchObject({ status: 200, body: { code: 10, type: 'new_message' } });
    expect(redirecting.received).toHaveLength(3);
    expect(target.received).toEqual([]);
  });
});
