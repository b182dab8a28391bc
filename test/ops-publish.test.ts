// Operations endpoints and the publish API against a running gateway.
import { catalogues, type OperationEntry } from '../generated';
import { MemoryBus } from '../src/bus/memory-bus';
import { DependencyUnavailableError } from '../src/ports/availability';
import type { ApiName, Envelope } from '../src/ports/bus';
import { call, startGateway, type TestGateway } from './helpers/gateway';
import { newMessage } from './helpers/webhook-receiver';
import { waitFor } from './helpers/wait';

let gw: TestGateway;
beforeAll(async () => {
  gw = await startGateway({ MESSENGER_POLL_TIMEOUT_MS: '200' });
});
afterAll(() => gw.stop());

const pizza = {
  uuid: '9b2f4a40-5c1e-4f7a-9a55-2a0c1c3f2b11', name: 'Margherita', store_id: 1,
  user_uuid: '3fa85f64-5717-4562-b3fc-2c963f66afa6', size: 30, accepted: false, price: 9.5,
  description: 'Tomato', img_url: 'https://example.com/p.png',
  created_date: '2020-05-01T12:00:00Z', time_prepared: '2020-05-01T12:20:00Z',
};

describe('operations endpoints', () => {
  it('healthz and readyz answer ok', async () => {
    expect(await call(`${gw.url}/healthz`)).toMatchObject({ status: 200, body: { status: 'ok' } });
    expect(await call(`${gw.url}/readyz`)).toMatchObject({ status: 200, body: { status: 'ok', checks: { bus: true, store: true } } });
  });

  it('metrics is Prometheus text counting requests by route', async () => {
    await call(`${gw.url}/healthz`);
    const r = await call(`${gw.url}/metrics`);
    expect(r.status).toBe(200);
    expect(r.headers.get('content-type')).toMatch(/^text\/plain/);
    expect(r.text).toMatch(/http_requests_total\{route="\/healthz",method="GET",status="200"\} \d+/);
  });

  it('unknown paths are 404 JSON', async () => {
    expect(await call(`${gw.url}/nope`)).toMatchObject({ status: 404, body: { error: 'Not found' } });
  });
});

describe('POST /publish/v1/{api}', () => {
  const publish = async (api: string, body: unknown, token?: string) =>
    call(`${gw.url}/publish/v1/${api}`, { body, headers: token ? { authorization: `Bearer ${token}` } : {} });

  it('202 with an id for a valid envelope', async () => {
    const token = await gw.token('svc', {}, 'publish');
    const r = await publish('pizza', { message: 'CREATE_PIZZA', to: { store_id: 1 }, data: pizza }, token);
    expect(r.status).toBe(202);
    expect(r.body).toEqual({ id: expect.stringMatching(/^[0-9a-f-]{36}$/) });
  });

  it('401 without a token or with a bad one, 403 without the publish scope, each with its bearer challenge', async () => {
    const envelope = { message: 'CREATE_PIZZA', to: { store_id: 1 }, data: pizza };
    const answer = async (token?: string) => {
      const r = await publish('pizza', envelope, token);
      return { status: r.status, challenge: r.headers.get('www-authenticate') };
    };
    expect(await answer()).toEqual({ status: 401, challenge: 'Bearer realm="switchyard"' });
    expect(await answer('not.a.jwt')).toEqual({ status: 401, challenge: 'Bearer realm="switchyard", error="invalid_token"' });
    const r = await publish('pizza', envelope, await gw.token('alice'));
    expect(r).toMatchObject({ status: 403, body: { error: expect.stringContaining('publish') } });
    expect(r.headers.get('www-authenticate')).toBe('Bearer realm="switchyard", error="insufficient_scope", scope="publish"');
  });

  it('404 for an unknown api or message', async () => {
    const token = await gw.token('svc', {}, 'publish');
    expect((await publish('fax', { message: 'x', to: { a: 1 }, data: {} }, token)).status).toBe(404);
    const r = await publish('pizza', { message: 'BURN_PIZZA', to: { store_id: 1 }, data: {} }, token);
    expect(r).toMatchObject({ status: 404, body: { error: expect.stringContaining('BURN_PIZZA') } });
  });

  it('422 with the validation errors when data breaks the spec', async () => {
    const token = await gw.token('svc', {}, 'publish');
    const r = await publish('pizza', { message: 'CREATE_PIZZA', to: { store_id: 1 }, data: { ...pizza, price: 'cheap' } }, token);
    expect(r.status).toBe(422);
    expect(r.body.errors).toEqual([expect.objectContaining({ instancePath: '/data/price', message: '/data/price: must be number' })]);
  });

  it('422 when `to` does not name the message audience', async () => {
    const token = await gw.token('svc', {}, 'publish');
    const r = await publish('pizza', { message: 'CREATE_PIZZA', to: { user_id: 1 }, data: pizza }, token);
    expect(r.status).toBe(422);
    expect(r.body.errors[0].instancePath).toBe('/to');
  });

  it('400 for malformed JSON, 413 for a body over the limit', async () => {
    const token = await gw.token('svc', {}, 'publish');
    const headers = { authorization: `Bearer ${token}` };
    expect((await call(`${gw.url}/publish/v1/pizza`, { body: '{"message":', headers })).status).toBe(400);
    const huge = { message: 'CREATE_PIZZA', to: { store_id: 1 }, data: { ...pizza, description: 'x'.repeat(1_100_000) } };
    expect((await call(`${gw.url}/publish/v1/pizza`, { body: huge, headers })).status).toBe(413);
  });

  it('every error status answered here is one the spec documents, with a body it accepts', async () => {
    const { responses }: OperationEntry = catalogues.gateway.operations.publish;
    const token = await gw.token('svc', {}, 'publish');
    const headers = { authorization: `Bearer ${token}` };
    const answers = [
      // 415: a form body (issue 10: publish answered 415, which the spec did not list).
      await call(`${gw.url}/publish/v1/pizza`, { form: { message: 'CREATE_PIZZA' }, headers }),
      await call(`${gw.url}/publish/v1/pizza`, { body: '{}', headers: { ...headers, 'content-type': 'text/plain' } }),
      await call(`${gw.url}/publish/v1/pizza`, { body: '{"message":', headers }),
      await call(`${gw.url}/publish/v1/pizza`, { body: '{}', headers: { ...headers, 'content-encoding': 'klingon' } }),
      await publish('pizza', {}),
      await publish('pizza', {}, await gw.token('alice')),
      await publish('fax', {}, token),
      await publish('pizza', { message: 'CREATE_PIZZA', to: { store_id: 1 }, data: {} }, token),
    ];
    expect(answers.map((a) => a.status)).toEqual([415, 415, 400, 400, 401, 403, 404, 422]);
    for (const a of answers) expect([a.status, responses[String(a.status)]?.['application/json']?.(a.body)]).toEqual([a.status, true]);
  });
});

describe('POST /publish/v1/{api} and outages of the bus', () => {
  /** A bus that cannot take a publish now, as the Kafka bus during an outage. */
  class DownBus extends MemoryBus {
    published = 0;
    override publish(_api: ApiName, _envelope: Envelope): Promise<void> {
      this.published++;
      return Promise.reject(new DependencyUnavailableError('bus', 'Kafka is unreachable'));
    }
  }

  it('answers 503 with Retry-After in the {error} shape while the bus is down', async () => {
    const bus = new DownBus();
    const down = await startGateway({}, { bus });
    try {
      const token = await down.token('svc', {}, 'publish');
      const r = await call(`${down.url}/publish/v1/pizza`, { body: { message: 'CREATE_PIZZA', to: { store_id: 1 }, data: pizza }, headers: { authorization: `Bearer ${token}` } });
      expect(r).toMatchObject({ status: 503, body: { error: expect.any(String) } });
      expect(Number(r.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
      expect(bus.published).toBe(1);
    } finally {
      await down.stop();
    }
  });

  it('with an Idempotency-Key, a repeated publish has the same id and is queued once', async () => {
    const token = await gw.token('svc', {}, 'publish');
    const user = `idem-${Date.now()}`;
    const send = (key: string, n: number) =>
      call(`${gw.url}/publish/v1/messenger`, {
        headers: { authorization: `Bearer ${token}`, 'idempotency-key': key },
        body: { message: 'new_message', to: { user_id: user }, data: newMessage(n) },
      });
    const first = await send('order-1', 1);
    const again = await send('order-1', 1);
    const other = await send('order-2', 2);
    expect([first.status, again.status, other.status]).toEqual([202, 202, 202]);
    expect(again.body.id).toBe(first.body.id);
    expect(other.body.id).not.toBe(first.body.id);
    const poll = async () => (await call(`${gw.url}/events/polling`, { body: { token: await gw.token(user) } })).body;
    const ids: unknown[] = [];
    await waitFor(async () => {
      const r = await poll();
      if (r?.type === 'new_message') ids.push(r.event.message_id);
      return ids.length >= 2;
    }, 'both messages');
    // and nothing more: the poll times out (204, no body)
    expect((await call(`${gw.url}/events/polling`, { body: { token: await gw.token(user) } })).status).toBe(204);
    expect(ids).toEqual([1, 2]);
  });

  it('400 for a malformed Idempotency-Key', async () => {
    const token = await gw.token('svc', {}, 'publish');
    const r = await call(`${gw.url}/publish/v1/pizza`, { headers: { authorization: `Bearer ${token}`, 'idempotency-key': 'two words' }, body: { message: 'CREATE_PIZZA', to: { store_id: 1 }, data: pizza } });
    expect(r).toMatchObject({ status: 400, body: { error: expect.stringContaining('Idempotency-Key') } });
  });
});

describe('POST /publish/v1/{api}/batch', () => {
  const batch = async (api: string, body: unknown, headers: Record<string, string> = {}) =>
    call(`${gw.url}/publish/v1/${api}/batch`, { body, headers: { authorization: `Bearer ${await gw.token('svc', {}, 'publish')}`, ...headers } });
  const responses: OperationEntry['responses'] = catalogues.gateway.operations.publishBatch.responses;
  const validAnswer = (status: number, body: unknown) => responses[String(status)]['application/json'](body);
  const accept = (storeId: number, uuid = '9b2f4a40-5c1e-4f7a-9a55-2a0c1c3f2b11') => ({ message: 'ACCEPT_PIZZA', to: { store_id: storeId }, data: [uuid] });

  it('publishes each valid envelope and answers a result per envelope, in order, as a single publish would', async () => {
    const seen: Envelope[] = [];
    const sub = await gw.gateway.context.bus.subscribe('pizza', 'fanout', (e) => void seen.push(e));
    try {
      const r = await batch('pizza', {
        events: [accept(7101), { message: 'DELETE_PIZZA', to: { store_id: 1 }, data: {} }, accept(7102), { ...accept(7103), data: 'not-a-list' }, { message: 'ACCEPT_PIZZA' }],
      });
      expect(r.status).toBe(200);
      expect(validAnswer(200, r.body)).toBe(true);
      const results = r.body.results as Array<{ status: number; id?: string; error?: string }>;
      expect(results.map((x) => x.status)).toEqual([202, 404, 202, 422, 422]);
      expect(results[1].error).toMatch(/unknown message "DELETE_PIZZA"/);
      await waitFor(() => seen.length >= 2, 'the accepted envelopes on the bus');
      expect(seen.map((e) => [e.id, e.to])).toEqual([[results[0].id, { store_id: 7101 }], [results[2].id, { store_id: 7102 }]]);
    } finally {
      await sub.close();
    }
  });

  it('refuses what is not a batch as a whole: 422, and 401 / 404 as a single publish', async () => {
    for (const body of [{}, { events: [] }, { events: Array.from({ length: 1001 }, () => accept(1)) }, { events: [1] }, [accept(1)]]) {
      const r = await batch('pizza', body);
      expect([r.status, validAnswer(422, r.body)]).toEqual([422, true]);
    }
    expect((await call(`${gw.url}/publish/v1/pizza/batch`, { body: { events: [accept(1)] } })).status).toBe(401);
    expect((await batch('chess', { events: [accept(1)] })).status).toBe(404);
  });

  it('with an Idempotency-Key, a repeated batch gets the same ids, one per position', async () => {
    const events = [accept(7201), accept(7201), accept(7202)];
    const first = await batch('pizza', { events }, { 'idempotency-key': 'batch-key-1' });
    const again = await batch('pizza', { events }, { 'idempotency-key': 'batch-key-1' });
    const ids = (r: typeof first) => (r.body.results as Array<{ id: string }>).map((x) => x.id);
    expect(ids(again)).toEqual(ids(first));
    expect(new Set(ids(first)).size).toBe(3);
    const single = await call(`${gw.url}/publish/v1/pizza`, { body: accept(7201), headers: { authorization: `Bearer ${await gw.token('svc', {}, 'publish')}`, 'idempotency-key': 'batch-key-1' } });
    expect(ids(first)).not.toContain(single.body.id);
  });

  it('answers 503 with Retry-After when the bus cannot take the accepted envelopes', async () => {
    const down = await startGateway({}, { bus: new (class extends MemoryBus {
      override publish(): Promise<void> {
        return Promise.reject(new DependencyUnavailableError('bus', 'Kafka is unreachable'));
      }
    })() });
    try {
      const token = await down.token('svc', {}, 'publish');
      const r = await call(`${down.url}/publish/v1/pizza/batch`, { body: { events: [accept(1)] }, headers: { authorization: `Bearer ${token}` } });
      expect(r).toMatchObject({ status: 503, body: { error: expect.any(String) } });
      expect(Number(r.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
    } finally {
      await down.stop();
    }
  });
});
