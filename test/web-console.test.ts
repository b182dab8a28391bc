// /console/api against a running gateway: the operator token, publishing as the publish API does,
// classifying frames, dev tokens and the counters. The page itself: test/browser/console.test.ts.
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { hostname } from 'node:os';
import Router from '@koa/router';
import Koa from 'koa';
import { catalogues } from '../generated';
import { Audiences } from '../src/apis/audiences';
import type { GatewayContext } from '../src/apis/context';
import { signingKey, webhookHeaders } from '../src/apis/messenger/signature';
import { MemoryBus } from '../src/bus/memory-bus';
import { loadConfig } from '../src/config';
import { ConsoleInboxes } from '../src/egress/console-inboxes';
import { parseBody } from '../src/http/body';
import { errorBoundary, plainError } from '../src/http/errors';
import { Metrics } from '../src/metrics';
import type { Envelope } from '../src/ports/bus';
import { WebAssets } from '../src/web/assets';
import { consoleRoutes } from '../src/web/console-routes';
import type { DeadLetter, DeadLetters } from '../src/web/dead-letters';
import { readSpecFiles } from '../src/web/spec-files';
import { ROOT } from './helpers/process';
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
        expect({ authorization, status: r.status, challenge: r.headers.get('www-authenticate') }).toEqual({
          authorization, status: 401, challenge: `Bearer realm="switchyard"${authorization?.startsWith('Bearer ') ? ', error="invalid_token"' : ''}`,
        });
      }
      expect((await call(`${gw.url}/console/api/publish/pizza`, { body: { message: 'CREATE_PIZZA', to: { store_id: 1 }, data: pizza } })).status).toBe(401);
      const r = await call(`${gw.url}/console/api/apis`, { headers: { authorization: `Bearer ${TOKEN}` } });
      expect(r.status).toBe(200);
      expect(r.body.devApiSecret).toBeUndefined();
      // The scheme is case-insensitive (RFC 9110 11.1), as on every other entry point.
      expect((await call(`${gw.url}/console/api/apis`, { headers: { authorization: `bearer ${TOKEN}` } })).status).toBe(200);
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

// consoleRoutes on a small Koa app with the real catalogues, config, bus, metrics and inboxes, for
// what the gateway above does not reach: replay's refusals, classifying, and the signature verdicts.
describe('consoleRoutes (src/web/console-routes.ts) directly', () => {
  const config = loadConfig({ CONSOLE_TOKEN: TOKEN, LOG_LEVEL: 'silent' });
  const bus = new MemoryBus();
  const metrics = new Metrics({ defaultMetrics: false });
  const inboxes = new ConsoleInboxes();
  const ctx = { config, catalogues, bus, metrics, inboxes, audiences: new Audiences() } as unknown as GatewayContext;
  const letters: DeadLetter[] = [];
  const deadLetters = { list: async () => letters, find: async (api: string, partition: number, offset: string) => letters.find((d) => d.api === api && d.partition === partition && d.offset === offset) };
  const published: Envelope[] = [];
  let server: Server;
  let url: string;

  beforeAll(async () => {
    await bus.subscribe('pizza', 'fanout', (e) => void published.push(e));
    const router = new Router();
    router.use(errorBoundary(plainError, () => undefined));
    router.use(parseBody(1 << 20, 64, () => undefined));
    consoleRoutes(router, ctx, readSpecFiles(`${ROOT}/specs`), new WebAssets(), [], deadLetters as unknown as DeadLetters);
    server = new Koa().use(router.routes()).listen(0, '127.0.0.1');
    await new Promise((resolve) => server.once('listening', resolve));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(async () => {
    await bus.close();
    await new Promise((resolve) => server.close(resolve));
  });
  beforeEach(() => {
    letters.length = 0;
    published.length = 0;
  });

  const post = (path: string, body: unknown, auth = `Bearer ${TOKEN}`) => call(`${url}${path}`, { method: 'POST', body, headers: { authorization: auth } });
  const letter = (value: string, offset = '7'): DeadLetter => ({ api: 'pizza', partition: 0, offset, reason: 'test', originalOffset: null, key: null, value, timestamp: 1 });

  it('the operator token must match exactly, as a Bearer token', async () => {
    const envelope = { message: 'CREATE_PIZZA', to: { store_id: 1 }, data: pizza };
    for (const auth of ['', TOKEN, `Bearer ${TOKEN}x`, `Bearer ${TOKEN.slice(0, -1)}`, `Basic ${TOKEN}`]) {
      expect(await post('/console/api/publish/pizza', envelope, auth)).toMatchObject({ status: 401, body: { error: expect.stringContaining('CONSOLE_TOKEN') } });
    }
    expect(published).toEqual([]);
  });

  it('publishes a checked envelope to the bus and counts it; refuses an unknown API and a body without {message, to}', async () => {
    const r = await post('/console/api/publish/pizza', { message: 'CREATE_PIZZA', to: { store_id: 1 }, data: pizza });
    expect(r.status).toBe(202);
    await bus.settled('pizza');
    expect(published).toEqual([expect.objectContaining({ id: r.body.id, message: 'CREATE_PIZZA', to: { store_id: 1 } })]);
    expect((await metrics.eventsPublishedTotal.get()).values).toEqual([expect.objectContaining({ labels: { api: 'pizza', message: 'CREATE_PIZZA' }, value: 1 })]);
    expect(await post('/console/api/publish/nope', {})).toMatchObject({ status: 404, body: { error: 'unknown api "nope"' } });
    expect(await post('/console/api/publish/pizza', { message: 'CREATE_PIZZA', to: null, data: pizza })).toMatchObject({ status: 422, body: { error: 'Send {message, to, data}' } });
  });

  it('replays a dead letter that fits now, keeping its id; refuses one it cannot replay, saying why', async () => {
    letters.push(
      letter(JSON.stringify({ id: 'kept-id', message: 'CREATE_PIZZA', to: { store_id: 2 }, data: pizza }), '1'),
      letter('not json', '2'),
      letter('null', '3'),
      letter(JSON.stringify({ message: 'CREATE_PIZZA', to: { store_id: 2 }, data: { ...pizza, size: 'huge' } }), '4'),
    );
    const replay = (offset: string, partition: unknown = 0) => post('/console/api/dead-letters/replay', { api: 'pizza', partition, offset });
    expect(await replay('1')).toMatchObject({ status: 202, body: { id: 'kept-id' } });
    await bus.settled('pizza');
    expect(published.map((e) => e.id)).toEqual(['kept-id']);
    expect(await replay('2')).toMatchObject({ status: 422, body: { error: 'The record is not JSON: replaying it would dead-letter it again' } });
    expect(await replay('3')).toMatchObject({ status: 422, body: { error: 'The record is not a publish envelope {message, to, data}' } });
    expect(await replay('4')).toMatchObject({ status: 422, body: { errors: [expect.objectContaining({ instancePath: '/data/size' })] } });
    expect(await replay('9')).toMatchObject({ status: 404, body: { error: 'no dead letter of pizza at 0/9' } });
    expect(await replay('1', '0')).toMatchObject({ status: 422, body: { error: 'Send {api, partition, offset}' } });
    expect(await post('/console/api/dead-letters/replay', { api: 'nope', partition: 0, offset: '1' })).toMatchObject({ status: 404, body: { error: 'unknown api "nope"' } });
    expect(published).toHaveLength(1);
  });

  it('classifies a frame as the message it names, or among those going the given direction', async () => {
    const frame = { event_name: 'CREATE_PIZZA', data: pizza };
    const validate = (body: unknown) => post('/console/api/validate/pizza', body).then((r) => r.body);
    expect(await validate({ frame })).toEqual({ message: 'CREATE_PIZZA', valid: true, errors: [] });
    // Named: that message's verdict, with its errors, even where another message fits.
    expect(await validate({ frame, message: 'ACCEPT_PIZZA' })).toMatchObject({ message: 'ACCEPT_PIZZA', valid: false, errors: expect.arrayContaining([expect.objectContaining({ instancePath: '/data', message: '/data: must be array' })]) });
    // The pizza API receives nothing on its socket: as a frame going to the server, it matches none.
    expect(await validate({ frame, direction: 'receive' })).toMatchObject({ message: null, valid: false, errors: [{ message: "matches none of the spec's messages" }] });
    // A frame whose fixed value names no message is no message, not the first one's miss.
    expect(await validate({ frame: { event_name: 'BAKE_PIZZA', data: pizza } })).toMatchObject({ message: null, valid: false });
  });

  it("judges each inbox delivery's Standard Webhooks signature as a receiver with WEBHOOK_SECRET would", async () => {
    const { id } = (await post('/console/api/inbox', {})).body as { id: string };
    const deliver = inboxes.fetch(() => Promise.reject(new Error('not an inbox')));
    const key = signingKey(config.webhookSecret);
    const body = JSON.stringify({ event: 'x' });
    const now = Math.floor(Date.now() / 1000);
    const good = webhookHeaders(key, 'msg_1', now, body);
    for (const headers of [
      good,
      { ...good, 'webhook-signature': `v1,bm9wZQ== ${good['webhook-signature']}` }, // a rotated key's signature first
      { ...good, 'webhook-signature': 'v1,bm9wZQ==' },
      webhookHeaders(key, 'msg_1', now - 301, body),
      { 'webhook-id': 'msg_1', 'webhook-timestamp': String(now) },
    ]) {
      await deliver(`http://anywhere/console/inbox/${id}`, { method: 'POST', headers, body });
    }
    const r = await call(`${url}/console/api/inbox/${id}`, { headers: { authorization: `Bearer ${TOKEN}` } });
    expect(r.body.deliveries.map((d: { signature: unknown }) => d.signature)).toEqual([
      { valid: true, reason: 'v1 signature matches WEBHOOK_SECRET' },
      { valid: true, reason: 'v1 signature matches WEBHOOK_SECRET' },
      { valid: false, reason: 'no v1 signature matches WEBHOOK_SECRET' },
      { valid: false, reason: 'webhook-timestamp is more than 5 minutes off' },
      { valid: false, reason: 'webhook-id, webhook-timestamp or webhook-signature missing' },
    ]);
    const after = await call(`${url}/console/api/inbox/${id}?after=4`, { headers: { authorization: `Bearer ${TOKEN}` } });
    expect(after.body.deliveries.map((d: { n: number }) => d.n)).toEqual([5]);
    expect(await call(`${url}/console/api/inbox/00000000-0000-0000-0000-000000000000`, { headers: { authorization: `Bearer ${TOKEN}` } })).toMatchObject({
      status: 404,
      body: { error: expect.stringContaining('No such inbox') },
    });
  });
});
