// JSON nested deeper than JSON_MAX_DEPTH is refused at every entry point, in each API's error shape,
// before anything recurses into it (issue 10, defect 5: `data` nested 1,001 levels with the Redis
// store, 2,000 with the memory store, logged a RangeError and answered 500). Run against both stores.
import { call, startGateway, type TestGateway } from './helpers/gateway';
import { nested, nestedText } from './helpers/deep-json';
import { metricValue } from './helpers/raw-http';
import { connect } from './helpers/ws';
import { Client } from './helpers/workspace-client';
import { io } from 'socket.io-client';
import { describeWithRedis } from './services/services';

jest.setTimeout(60_000);

const TOO_DEEP = { error: 'JSON nested deeper than 64 levels' };
const SECRET = 'dev-api-secret';

function depthSuite(env: () => Record<string, string>) {
  let gw: TestGateway;
  let publisher: string;
  const channel = `deep-${process.pid}-${Math.random().toString(36).slice(2, 8)}`;
  beforeAll(async () => {
    gw = await startGateway(env());
    publisher = await gw.token('svc', {}, 'publish');
  });
  afterAll(() => gw.stop());

  const badInput = async (api: string) => metricValue(await gw.gateway.context.metrics.text(), `bad_input_total{api="${api}",kind="too_deep"}`);
  const emit = (dataText: string) =>
    call(`${gw.url}/events/v1/events`, { body: `{"clientId":"c","channel":"${channel}","secret":"${SECRET}","from":"f","type":"t","data":${dataText}}` });

  it.each([1001, 2000])('events POST with `data` nested %i levels: 400, nothing stored', async (levels) => {
    const before = await badInput('events');
    const r = await emit(nestedText(levels));
    expect(r).toMatchObject({ status: 400, body: { code: 'InvalidContent', message: TOO_DEEP.error } });
    expect(await badInput('events')).toBe(before + 1);
    expect(await gw.gateway.context.store.events.read(channel, 0, 100)).toEqual([]);
  });

  it('events POST at the limit is stored and read back intact', async () => {
    // The body is one level, `data` 62 more around the innermost {"a": 1}: 64 in all.
    const r = await emit(nestedText(62));
    expect(r.status).toBe(200);
    const read = await call(`${gw.url}/events/v1/events?clientId=c&channel=${channel}&secret=${SECRET}&after=0`);
    expect(read.body).toEqual([expect.objectContaining({ id: r.body.id, data: nested(62) })]);
  });

  it.each([
    ['events', { channel: 'x' }, (d: string) => `{"from":"f","type":"t","data":${d}}`],
    ['messenger', { user_id: '1' }, (d: string) => d],
  ])('publish to %s with `data` nested 1,001 and 2,000 levels: 400', async (api, to, data) => {
    for (const levels of [1001, 2000]) {
      const body = `{"message":"${api === 'events' ? 'event' : 'new_message'}","to":${JSON.stringify(to)},"data":${data(nestedText(levels))}}`;
      const r = await call(`${gw.url}/publish/v1/${api}`, { headers: { authorization: `Bearer ${publisher}` }, body });
      expect(r).toMatchObject({ status: 400, body: TOO_DEEP });
    }
  });

  it('messenger POSTs nested 2,000 levels: 400 -3, JSON or form', async () => {
    for (const path of ['/events/callback/start', '/events/polling']) {
      const r = await call(`${gw.url}${path}`, { body: `{"token":${nestedText(2000)}}` });
      expect(r).toMatchObject({ status: 400, body: { code: -3, response: 'Parameters are invalid' } });
    }
    expect(await badInput('messenger')).toBe(2);
  });

  it('a games frame nested 2,000 levels: error reply 400', async () => {
    const s = await connect(`${gw.url.replace('http', 'ws')}/?session_key=${await gw.token('alice')}`);
    s.send(`{"stream":"games","payload":{"action":"subscribe","pk":1,"request_id":"r","data":${nestedText(2000)}}}`);
    expect(await s.next()).toEqual({
      stream: 'games',
      payload: { errors: ['JSON nested deeper than 64 levels'], data: null, action: null, response_status: 400, request_id: null },
    });
    expect(await badInput('games')).toBe(1);
    s.ws.close();
  });

  it('a socket.io event nested 2,000 levels: socket-api-error', async () => {
    const client = new Client(io(gw.url, { transports: ['websocket'], forceNew: true }));
    try {
      await new Promise<void>((resolve) => client.socket.once('connect', () => resolve()));
      client.socket.emit('auth', { transaction: 't1', token: nested(2000) });
      expect(await client.waitFor('socket-api-error')).toEqual({ event: 'auth', message: 'JSON nested deeper than 64 levels' });
      expect(await client.waitFor('socket-api-error-t1')).toEqual({ message: 'JSON nested deeper than 64 levels' });
      expect(await badInput('workspace')).toBe(1);
    } finally {
      client.socket.close();
    }
  });
}

describe('memory store', () => depthSuite(() => ({})));
describeWithRedis('Redis store', (url) => depthSuite(() => ({ REDIS_URL: url })));
