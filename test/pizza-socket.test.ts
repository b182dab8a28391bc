// The pizza WebSocket `/ws?key=` (pizza-ticket-websocket.md + ORIGINALS.md) end to end.
import WebSocket from 'ws';
import { call, startGateway, type TestGateway } from './helpers/gateway';
import { connect, sleep } from './helpers/ws';

let gw: TestGateway;
let wsUrl: string;
beforeAll(async () => {
  // The heartbeat test has a gateway of its own: pings every 100 ms would cut off this file's other
  // sockets whenever the (shared) test process is too busy to answer within 300 ms.
  gw = await startGateway({ TICKET_TTL_MS: '400', WS_MAX_FRAME_BYTES: '1024' });
  wsUrl = gw.url.replace('http', 'ws');
});
afterAll(() => gw.stop());

const pizza = (storeId: number, name = 'Margherita') => ({
  uuid: '9b2f4a40-5c1e-4f7a-9a55-2a0c1c3f2b11', name, store_id: storeId,
  user_uuid: '3fa85f64-5717-4562-b3fc-2c963f66afa6', size: 30, accepted: false, price: 9.5,
  description: 'Tomato', img_url: 'https://example.com/p.png',
  created_date: '2020-05-01T12:00:00Z', time_prepared: '2020-05-01T12:20:00Z',
});

async function ticketFor(storeId: number | string): Promise<string> {
  const token = await gw.token(`manager-${storeId}`, { store_id: storeId });
  const r = await call(`${gw.url}/api/v1/ws/ticket`, { headers: { authorization: `Bearer ${token}` } });
  return r.body.token;
}

async function publish(message: string, storeId: number | string, data: unknown) {
  const token = await gw.token('pizza-service', {}, 'publish');
  return call(`${gw.url}/publish/v1/pizza`, { headers: { authorization: `Bearer ${token}` }, body: { message, to: { store_id: storeId }, data } });
}

describe('handshake', () => {
  it('upgrades, then closes 4001 "Connection key cannot be empty" without a key', async () => {
    for (const url of [`${wsUrl}/ws`, `${wsUrl}/ws?key=`]) {
      const s = await connect(url);
      expect(await s.closed).toEqual({ code: 4001, reason: 'Connection key cannot be empty' });
    }
  });

  it('closes 4001 "Wrong connection key." for an unknown, used or expired ticket', async () => {
    expect(await (await connect(`${wsUrl}/ws?key=nope`)).closed).toEqual({ code: 4001, reason: 'Wrong connection key.' });

    const used = await ticketFor(1);
    const first = await connect(`${wsUrl}/ws?key=${used}`);
    const second = await connect(`${wsUrl}/ws?key=${used}`);
    expect(await second.closed).toEqual({ code: 4001, reason: 'Wrong connection key.' });
    first.ws.close();

    const expired = await ticketFor(1);
    await sleep(600); // TICKET_TTL_MS=400
    expect(await (await connect(`${wsUrl}/ws?key=${expired}`)).closed).toEqual({ code: 4001, reason: 'Wrong connection key.' });
  });

  it('lets exactly one of two sockets racing with one ticket in', async () => {
    const ticket = await ticketFor(3);
    const [a, b] = await Promise.all([connect(`${wsUrl}/ws?key=${ticket}`), connect(`${wsUrl}/ws?key=${ticket}`)]);
    expect(await Promise.race([a.closed, b.closed])).toEqual({ code: 4001, reason: 'Wrong connection key.' });
    await sleep(200);
    expect([a, b].filter((s) => s.ws.readyState === WebSocket.OPEN)).toHaveLength(1);
    a.ws.close();
    b.ws.close();
  });

  it('refuses upgrades on other paths with 404', async () => {
    await expect(connect(`${wsUrl}/nowhere`)).rejects.toThrow('HTTP 404');
  });
});

describe('events', () => {
  it('CREATE_PIZZA and ACCEPT_PIZZA reach exactly the sockets of that store as {event_name, data}', async () => {
    const store1 = await Promise.all([connect(`${wsUrl}/ws?key=${await ticketFor(11)}`), connect(`${wsUrl}/ws?key=${await ticketFor(11)}`)]);
    const store2 = await connect(`${wsUrl}/ws?key=${await ticketFor(12)}`);
    await sleep(50);
    expect((await publish('CREATE_PIZZA', 11, pizza(11))).status).toBe(202);
    expect((await publish('ACCEPT_PIZZA', '11', ['9b2f4a40-5c1e-4f7a-9a55-2a0c1c3f2b11'])).status).toBe(202);
    for (const s of store1) {
      expect(await s.next((f) => f.event_name === 'CREATE_PIZZA')).toEqual({ event_name: 'CREATE_PIZZA', data: pizza(11) });
      expect(await s.next((f) => f.event_name === 'ACCEPT_PIZZA')).toEqual({ event_name: 'ACCEPT_PIZZA', data: ['9b2f4a40-5c1e-4f7a-9a55-2a0c1c3f2b11'] });
    }
    await publish('CREATE_PIZZA', 12, pizza(12, 'Diavola'));
    expect((await store2.next()).data.name).toBe('Diavola');
    expect(store2.frames).toHaveLength(1); // nothing of store 11 leaked
    for (const s of [...store1, store2]) s.ws.close();
  });

  it('ignores client frames and keeps the socket open', async () => {
    const s = await connect(`${wsUrl}/ws?key=${await ticketFor(21)}`);
    s.send({ hello: 'server' });
    s.send('not json');
    await publish('ACCEPT_PIZZA', 21, []);
    expect(await s.next()).toEqual({ event_name: 'ACCEPT_PIZZA', data: [] });
    s.ws.close();
  });

  it('closes a frame over the size limit with 1009', async () => {
    const s = await connect(`${wsUrl}/ws?key=${await ticketFor(22)}`);
    s.send('x'.repeat(2048));
    expect((await s.closed).code).toBe(1009);
  });
});

describe('heartbeat', () => {
  it('pings, and drops a socket that stops answering', async () => {
    const quick = await startGateway({ WS_PING_INTERVAL_MS: '100', WS_PONG_TIMEOUT_MS: '300' });
    try {
      const ticket = async () => {
        const token = await quick.token('manager-31', { store_id: 31 });
        return (await call(`${quick.url}/api/v1/ws/ticket`, { headers: { authorization: `Bearer ${token}` } })).body.token;
      };
      const url = `${quick.url.replace('http', 'ws')}/ws?key=`;
      const alive = await connect(url + (await ticket()));
      let pings = 0;
      alive.ws.on('ping', () => pings++);
      const silent = await connect(url + (await ticket()), { autoPong: false });
      const closed = await silent.closed; // terminated by the server: abnormal closure
      expect(closed.code).toBe(1006);
      expect(pings).toBeGreaterThan(0);
      alive.ws.close();
    } finally {
      await quick.stop();
    }
  });
});

describe('flow control', () => {
  it('closes a consumer that stops reading with 1013 once its buffer passes the cap', async () => {
    const small = await startGateway({ WS_MAX_BUFFERED_BYTES: '65536' });
    try {
      const token = await small.token('m', { store_id: 41 });
      const ticket = (await call(`${small.url}/api/v1/ws/ticket`, { headers: { authorization: `Bearer ${token}` } })).body.token;
      const slow = await connect(`${small.url.replace('http', 'ws')}/ws?key=${ticket}`);
      (slow.ws as unknown as { _socket: { pause(): void } })._socket.pause(); // stop reading
      await sleep(50);
      const bus = small.gateway.context.bus;
      // Far more than loopback socket buffers hold: the server-side buffer must grow past the cap.
      for (let i = 0; i < 20_000; i++) {
        await bus.publish('pizza', { id: `e${i}`, message: 'CREATE_PIZZA', to: { store_id: 41 }, data: pizza(41, 'x'.repeat(200)) });
        // The paused client cannot see its close yet: stop as soon as the server has cut it off, so
        // it resumes reading within the second the server waits for a client to read (it waits on
        // while the backlog shrinks).
        if (i % 100 === 0 && (await small.gateway.context.metrics.slowConsumersClosedTotal.get()).values.some((v) => v.value > 0)) break;
      }
      (slow.ws as unknown as { _socket: { resume(): void } })._socket.resume();
      expect((await slow.closed).code).toBe(1013);
      expect(await small.gateway.context.metrics.text()).toMatch(/slow_consumers_closed_total\{api="pizza"\} 1/);
    } finally {
      await small.stop();
    }
  });
});
