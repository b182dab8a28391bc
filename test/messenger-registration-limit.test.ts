// Callback registrations per user per minute (WEBHOOK_REGISTRATIONS_PER_MINUTE): over the limit a
// registration is answered -8 Too many requests (429, Retry-After) and changes nothing; with Redis
// the count is shared by every node.
import { randomUUID } from 'node:crypto';
import { catalogues } from '../generated';
import { operation } from '../src/http/respond';
import { call, startGateway, type TestGateway } from './helpers/gateway';
import { describeWithRedis } from './services/services';

const TOO_MANY = { code: -8, response: 'Too many requests' };
/** Unroutable documentation addresses: stored, never delivered to (nothing is published here). */
const url = (n: number) => `https://203.0.113.${n}:8443/`;
const start = operation(catalogues.messenger, 'POST', '/events/callback/start');

async function register(gw: TestGateway, user: string, callback: string) {
  return call(`${gw.url}/events/callback/start`, { form: { token: await gw.token(user), callback } });
}

async function limitHits(gw: TestGateway): Promise<number> {
  const { values } = await gw.gateway.context.metrics.limitsHitTotal.get();
  return values.find((v) => v.labels.api === 'messenger' && v.labels.limit === 'webhook_registrations')?.value ?? 0;
}

function expectTooMany(r: Awaited<ReturnType<typeof call>>): void {
  expect(r).toMatchObject({ status: 429, body: TOO_MANY });
  expect(start.responses['429']['application/json'](r.body)).toBe(true);
  const retryAfter = Number(r.headers.get('retry-after'));
  expect(Number.isInteger(retryAfter)).toBe(true);
  expect(retryAfter).toBeGreaterThanOrEqual(1);
  expect(retryAfter).toBeLessThanOrEqual(60);
}

describe('one node (memory store)', () => {
  let gw: TestGateway;
  beforeAll(async () => {
    gw = await startGateway({ WEBHOOK_REGISTRATIONS_PER_MINUTE: '3' });
  });
  afterAll(() => gw.stop());

  it('answers -8 (429) past the limit, leaves the registration as it was, and counts it', async () => {
    for (const n of [1, 2, 3]) expect(await register(gw, 'busy', url(n))).toMatchObject({ status: 200, body: { code: 10 } });
    const before = await limitHits(gw);
    expectTooMany(await register(gw, 'busy', url(4)));
    expectTooMany(await register(gw, 'busy', url(5)));
    expect(await gw.gateway.context.store.callbacks.get('busy')).toBe(url(3));
    expect((await limitHits(gw)) - before).toBe(2);
  });

  it('limits each user on their own', async () => {
    for (const n of [1, 2, 3]) await register(gw, 'first', url(n));
    expectTooMany(await register(gw, 'first', url(4)));
    expect(await register(gw, 'second', url(1))).toMatchObject({ status: 200, body: { code: 10 } });
  });

  it('counts registrations refused for their address, but not requests with an invalid token', async () => {
    for (let i = 0; i < 5; i++) {
      const r = await call(`${gw.url}/events/callback/start`, { form: { token: 'not-a-jwt', callback: url(1) } });
      expect(r.status).toBe(401);
    }
    for (let i = 0; i < 3; i++) expect((await register(gw, 'prober', 'http://10.0.0.1/')).status).toBe(400);
    expectTooMany(await register(gw, 'prober', url(1)));
  });
});

describeWithRedis('several nodes (Redis store)', (redisUrl) => {
  let a: TestGateway;
  let b: TestGateway;
  beforeAll(async () => {
    const env = { REDIS_URL: redisUrl, WEBHOOK_REGISTRATIONS_PER_MINUTE: '3' };
    [a, b] = await Promise.all([startGateway(env), startGateway(env)]);
  });
  afterAll(async () => {
    await Promise.all([a?.stop(), b?.stop()]);
  });

  it('shares one count per user between the nodes', async () => {
    const user = `shared-${randomUUID()}`;
    expect((await register(a, user, url(1))).status).toBe(200);
    expect((await register(b, user, url(2))).status).toBe(200);
    expect((await register(a, user, url(3))).status).toBe(200);
    expectTooMany(await register(b, user, url(4)));
    expectTooMany(await register(a, user, url(5)));
    expect(await b.gateway.context.store.callbacks.get(user)).toBe(url(3));
  });
});
