// /console/api against a running gateway: the operator token, publishing as the publish API does,
// classifying frames, dev tokens and the counters. The page itself: test/browser/console.test.ts.
import { hostname } from 'node:os';
import { messageExample } from './helpers/examples';
import { call, startGateway, type TestGateway } from './helpers/gateway';
import { waitFor } from './helpers/wait';
import { connect } from './helpers/ws';

const PRODUCTION = {
  NODE_ENV: 'production',
  ALLOW_EMBEDDED: 'true',
  AUTH_JWT_SECRET: 'prod-jwt-secret-0123456789abcdefghij',
  API_SECRET: 'prod-api-secret-0123456789abcdefghij',
  WEBHOOK_SECRET: 'prod-webhook-secret-0123456789abcdef',
};
const TOKEN = 'console-token-0123456789abcdefghijkl';

/** The spec's example pizza (CREATE_PIZZA's data). */
const pizza = messageExample('pizza', 'CREATE_PIZZA').data;

describe('the console in dev mode (open)', () => {
  let gw: TestGateway;
  beforeAll(async () => {
    gw = await startGateway();
  });
  afterAll(() => gw.stop());

  it('lists every API with its messages and audiences, and gives out the published dev API secret', async () => {
    const r = await call(`${gw.url}/console/api/apis`);
    expect(r.status).toBe(200);
    expect(r.body.apis.map((a: { api: string }) => a.api)).toEqual(['events', 'games', 'messenger', 'pizza', 'workspace']);
    const pizzaApi = r.body.apis.find((a: { api: string }) => a.api === 'pizza');
    expect(pizzaApi).toMatchObject({ asyncapi: 'pizza.asyncapi.yaml', openapi: 'pizza.openapi.yaml' });
    expect(pizzaApi.messages).toContainEqual({ id: 'CREATE_PIZZA', name: 'CREATE_PIZZA', direction: 'send', protocol: 'ws', address: '/ws', audience: ['store_id'], dataPointer: '/data' });
    expect(r.body).toMatchObject({ signsTokens: true, devApiSecret: 'dev-api-secret' });
  });

  it('publishes a valid event (202) and answers 422 with the field errors, 404 for an unknown message', async () => {
    const ok = await call(`${gw.url}/console/api/publish/pizza`, { body: { message: 'CREATE_PIZZA', to: { store_id: 1 }, data: pizza } });
    expect(ok).toMatchObject({ status: 202, body: { id: expect.stringMatching(/^[0-9a-f-]{36}$/) } });
    const bad = await call(`${gw.url}/console/api/publish/pizza`, { body: { message: 'CREATE_PIZZA', to: { store_id: 1 }, data: { ...pizza, size: 'large' } } });
    expect(bad.status).toBe(422);
    expect(bad.body.errors).toContainEqual(expect.objectContaining({ instancePath: '/data/size', message: '/data/size: must be integer' }));
    const to = await call(`${gw.url}/console/api/publish/pizza`, { body: { message: 'CREATE_PIZZA', to: { user: 1 }, data: pizza } });
    expect(to.body.errors).toEqual([expect.objectContaining({ instancePath: '/to' })]);
    expect((await call(`${gw.url}/console/api/publish/pizza`, { body: { message: 'BURN_PIZZA', to: { store_id: 1 }, data: {} } })).status).toBe(404);
    expect((await call(`${gw.url}/console/api/publish/fax`, { body: { message: 'x', to: {}, data: {} } })).status).toBe(404);
  });

  it('tells which message a frame is and why it is invalid', async () => {
    const classify = (body: unknown) => call(`${gw.url}/console/api/validate/pizza`, { body });
    expect((await classify({ frame: { event_name: 'CREATE_PIZZA', data: pizza } })).body).toEqual({ message: 'CREATE_PIZZA', valid: true, errors: [] });
    const miss = await classify({ frame: { event_name: 'CREATE_PIZZA', data: { ...pizza, size: 'large' } } });
    expect(miss.body).toMatchObject({ message: 'CREATE_PIZZA', valid: false, errors: [expect.objectContaining({ message: '/data/size: must be integer' })] });
    expect((await classify({ frame: { nothing: true } })).body).toMatchObject({ message: null, valid: false });
    // A games request, as the client sends it.
    const games = await call(`${gw.url}/console/api/validate/games`, { body: { direction: 'receive', frame: { stream: 'games', payload: { action: 'join', pk: 1 } } } });
    expect(games.body).toMatchObject({ message: 'joinRequest', valid: true });
  });

  it('mints a token the gateway accepts, and reads the counters', async () => {
    const minted = await call(`${gw.url}/console/api/token`, { body: { sub: 'alice', claims: { store_id: 1 } } });
    const ticket = await call(`${gw.url}/api/v1/ws/ticket`, { headers: { authorization: `Bearer ${minted.body.token}` } });
    expect(ticket.status).toBe(200);
    expect((await call(`${gw.url}/console/api/token`, { body: {} })).status).toBe(422);
    const counters = await call(`${gw.url}/console/api/connections`);
    expect(counters.body).toEqual({
      connectionsOpen: expect.any(Array),
      longPollsOpen: expect.any(Array),
      eventsPublished: expect.any(Array),
      eventsDelivered: expect.any(Array),
      node: hostname(),
      audiences: expect.any(Array),
    });
    expect(counters.body.eventsPublished).toContainEqual({ api: 'pizza', message: 'CREATE_PIZZA', value: expect.any(Number) });
  });

  it('counts the connections of each audience live: sockets per store and game subscription, polls per user and channel', async () => {
    const wsUrl = gw.url.replace('http', 'ws');
    const ticket = async (storeId: number) => {
      const r = await call(`${gw.url}/api/v1/ws/ticket`, { headers: { authorization: `Bearer ${await gw.token('alice', { store_id: storeId })}` } });
      return r.body.token as string;
    };
    const stores = await Promise.all([7, 7, 8].map(async (id) => connect(`${wsUrl}/ws?key=${await ticket(id)}`)));
    const game = await connect(`${wsUrl}/?session_key=${await gw.token('bob')}`);
    game.send({ stream: 'games', payload: { action: 'subscribe', pk: 3, request_id: 'r1', data: { action: 'update' } } });
    await game.next((f) => f.payload?.request_id === 'r1');
    const gone = new AbortController();
    const polls = [
      fetch(`${gw.url}/events/polling`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ token: await gw.token('carol') }), signal: gone.signal }),
      fetch(`${gw.url}/events/v1/events?clientId=c1&channel=news&secret=dev-api-secret`, { signal: gone.signal }),
    ];
    type Api = { api: string; kind: string; audiences: number; connections: number; largest: Array<{ audience: string; count: number }> };
    const of = (body: { audiences: Api[] }, api: string) => body.audiences.find((a) => a.api === api)!;
    try {
      const counts = await waitFor(async () => {
        const body = (await call(`${gw.url}/console/api/connections`)).body as { audiences: Api[] };
        return of(body, 'messenger').connections === 1 && of(body, 'events').connections === 1 && of(body, 'pizza').connections === 3 ? body : undefined;
      }, 'every connection counted');
      expect(of(counts, 'pizza')).toEqual({ api: 'pizza', kind: 'sockets', audiences: 2, connections: 3, largest: [{ audience: 'store:7', count: 2 }, { audience: 'store:8', count: 1 }] });
      expect(of(counts, 'games')).toMatchObject({ kind: 'sockets', largest: [{ audience: 'update:3', count: 1 }] });
      expect(of(counts, 'messenger')).toMatchObject({ kind: 'long polls', largest: [{ audience: 'carol', count: 1 }] });
      expect(of(counts, 'events')).toMatchObject({ kind: 'long polls', largest: [{ audience: 'news', count: 1 }] });
      expect(of(counts, 'workspace')).toMatchObject({ kind: 'sockets', connections: 0 });
    } finally {
      gone.abort();
      await Promise.allSettled(polls);
      for (const s of [...stores, game]) s.ws.close();
    }
    // Gone when they are: nothing is left counted.
    await waitFor(async () => {
      const body = (await call(`${gw.url}/console/api/connections`)).body as { audiences: Api[] };
      return body.audiences.every((a) => a.connections === 0) || undefined;
    }, 'every audience empty');
  });

  it('has no dead letters without Kafka', async () => {
    expect((await call(`${gw.url}/console/api/apis`)).body.deadLetters).toBe(false);
    expect(await call(`${gw.url}/console/api/dead-letters`)).toMatchObject({ status: 404, body: { error: expect.stringContaining('KAFKA_BROKERS') } });
  });
});

describe('the console behind CONSOLE_TOKEN', () => {
  it('production without CONSOLE_TOKEN has no console', async () => {
    const gw = await startGateway(PRODUCTION);
    try {
      expect((await call(`${gw.url}/console`)).status).toBe(404);
      expect((await call(`${gw.url}/console/api/apis`)).status).toBe(404);
    } finally {
      await gw.stop();
    }
  });

  it('production with CONSOLE_TOKEN: the page loads, its API needs the token, and no dev secret is given out', async () => {
    const gw = await startGateway({ ...PRODUCTION, CONSOLE_TOKEN: TOKEN });
    try {
      expect((await call(`${gw.url}/console`)).status).toBe(200);
      for (const authorization of [undefined, 'Bearer wrong', `Bearer ${TOKEN}x`, TOKEN]) {
        const r = await call(`${gw.url}/console/api/apis`, { headers: authorization ? { authorization } : {} });
        expect({ authorization, status: r.status }).toEqual({ authorization, status: 401 });
      }
      expect((await call(`${gw.url}/console/api/publish/pizza`, { body: { message: 'CREATE_PIZZA', to: { store_id: 1 }, data: pizza } })).status).toBe(401);
      const r = await call(`${gw.url}/console/api/apis`, { headers: { authorization: `Bearer ${TOKEN}` } });
      expect(r.status).toBe(200);
      expect(r.body.devApiSecret).toBeUndefined();
    } finally {
      await gw.stop();
    }
  });

  it('a callback inbox gets the signed deliveries in process, while the egress policy still refuses every other address', async () => {
    const gw = await startGateway({ ...PRODUCTION, CONSOLE_TOKEN: TOKEN, WEBHOOK_RETRY_SCHEDULE_MS: '50' });
    const operator = { authorization: `Bearer ${TOKEN}` };
    try {
      expect(gw.gateway.context.config.webhookAllowedNetworks).toEqual([]); // production: nothing special may be reached
      expect((await call(`${gw.url}/console/api/inbox`, { method: 'POST' })).status).toBe(401);
      const inbox = await call(`${gw.url}/console/api/inbox`, { method: 'POST', headers: operator });
      expect(inbox).toMatchObject({ status: 201, body: { id: expect.stringMatching(/^[0-9a-f-]{36}$/), path: `/console/inbox/${inbox.body.id}` } });
      const register = async (callback: string) => (await call(`${gw.url}/events/callback/start`, { body: { token: await gw.token('1'), callback } })).body;
      // The gateway's own address is refused, but for a live inbox of this node.
      expect(await register(`${gw.url}/elsewhere`)).toEqual({ code: -3, response: 'Parameters are invalid' });
      expect(await register(`${gw.url}/console/inbox/00000000-0000-4000-8000-000000000000`)).toEqual({ code: -3, response: 'Parameters are invalid' });
      expect(await register(`${gw.url}${inbox.body.path}`)).toEqual({ code: 10 });

      const data = messageExample('messenger', 'new_message').event as { to_id: number };
      const published = await call(`${gw.url}/console/api/publish/messenger`, { body: { message: 'new_message', to: { user_id: data.to_id }, data }, headers: operator });
      expect(published.status).toBe(202);
      const read = (after = 0) => call(`${gw.url}/console/api/inbox/${inbox.body.id}?after=${after}`, { headers: operator });
      const [delivery] = await waitFor(async () => ((await read()).body.deliveries as unknown[]).length === 1 && (await read()).body.deliveries, 'the delivery in the inbox');
      expect(delivery).toMatchObject({
        n: 1,
        headers: { 'content-type': 'application/json', 'webhook-id': published.body.id, 'webhook-signature': expect.stringMatching(/^v1,/) },
        signature: { valid: true },
        verdict: { message: 'new_message', valid: true },
      });
      expect(JSON.parse(delivery.body)).toMatchObject({ type: 'new_message' });
      expect((await read(1)).body.deliveries).toEqual([]);
      expect((await call(`${gw.url}/console/api/inbox/00000000-0000-4000-8000-000000000000`, { headers: operator })).status).toBe(404);
      expect((await call(`${gw.url}/console/api/inbox/${inbox.body.id}`)).status).toBe(401);
    } finally {
      await gw.stop();
    }
  });

  it('with AUTH_JWKS_URL it mints no token (409) and says to paste one', async () => {
    const gw = await startGateway({ AUTH_JWKS_URL: 'http://127.0.0.1:1/jwks' });
    try {
      const r = await call(`${gw.url}/console/api/token`, { body: { sub: 'alice' } });
      expect(r).toMatchObject({ status: 409, body: { error: expect.stringContaining('paste a token') } });
    } finally {
      await gw.stop();
    }
  });
});
