// The one broadcast path of the raw WebSocket APIs (src/ws/broadcast.ts) with real ws sockets, the
// real pizza and games catalogues and real socket groups. "Nothing arrived" is shown without waiting:
// a later broadcast to the same socket is the first frame it sees.
import type { AddressInfo } from 'node:net';
import pino from 'pino';
import WebSocket, { WebSocketServer } from 'ws';
import { catalogues } from '../generated';
import type { Envelope } from '../src/ports/bus';
import { Metrics } from '../src/metrics';
import { broadcastHandler, type BroadcastTarget } from '../src/ws/broadcast';
import { SendBudget } from '../src/ws/send-budget';
import { SocketGroups } from '../src/ws/socket-groups';
import type { AcceptedEnvelope } from '../src/envelopes/check-envelope';
import { messageExample } from './helpers/examples';
import { waitFor } from './helpers/wait';
import { connect, type TestSocket } from './helpers/ws';

let wss: WebSocketServer;
let url: string;
let groups: SocketGroups;
let metrics: Metrics;
const clients: TestSocket[] = [];

beforeEach(async () => {
  groups = new SocketGroups(new SendBudget(1 << 20, () => undefined));
  metrics = new Metrics({ defaultMetrics: false });
  wss = new WebSocketServer({ port: 0, host: '127.0.0.1' });
  await new Promise((resolve) => wss.once('listening', resolve));
  url = `ws://127.0.0.1:${(wss.address() as AddressInfo).port}`;
  wss.on('connection', (ws: WebSocket, req) => {
    groups.add(new URL(req.url ?? '/', 'http://x').searchParams.get('group') ?? '', ws);
    ws.on('close', () => groups.remove(ws));
  });
});
afterEach(async () => {
  for (const c of clients.splice(0)) c.ws.terminate();
  await new Promise((resolve) => wss.close(resolve));
});

/** A client in `group`, once the server has it in the group. */
async function member(group: string): Promise<TestSocket> {
  const before = groups.size(group);
  const socket = await connect(`${url}/?group=${group}`);
  clients.push(socket);
  await waitFor(() => groups.size(group) > before, `a member in ${group}`);
  return socket;
}

const pizzaData = () => messageExample('pizza', 'CREATE_PIZZA').data;
const pizza = (to: Envelope['to'], data: unknown = pizzaData(), message = 'CREATE_PIZZA'): Envelope => ({ id: 'e-1', message, to, data });
const deps = () => ({ log: pino({ level: 'silent' }), metrics });
const byStore = (a: AcceptedEnvelope): BroadcastTarget => ({ group: `store:${a.value}` });
const delivered = async (message: string) => (await metrics.eventsDeliveredTotal.get()).values.find((v) => v.labels.message === message)?.value ?? 0;
const refused = async (message: string) => (await metrics.outgoingInvalidTotal.get()).values.find((v) => v.labels.message === message)?.value ?? 0;

describe('broadcastHandler', () => {
  it('sends the spec\'s frame to every socket of the audience\'s group, and counts each delivery', async () => {
    const handle = broadcastHandler(deps(), 'pizza', catalogues.pizza, groups, byStore);
    const [a, b] = [await member('store:1'), await member('store:1')];
    await handle(pizza({ store_id: 1 }));
    const expected = { event_name: 'CREATE_PIZZA', data: pizzaData() };
    expect(await a.next()).toEqual(expected);
    expect(await b.next()).toEqual(expected);
    expect(await delivered('CREATE_PIZZA')).toBe(2);
  });

  it('reaches only the group the audience names (store_id 1 and "1" are one group)', async () => {
    const handle = broadcastHandler(deps(), 'pizza', catalogues.pizza, groups, byStore);
    const [one, two] = [await member('store:1'), await member('store:2')];
    await handle(pizza({ store_id: '1' }, { ...pizzaData(), name: 'for one' }));
    await handle(pizza({ store_id: 2 }, { ...pizzaData(), name: 'for two' }));
    expect((await one.next()).data.name).toBe('for one');
    expect((await two.next()).data.name).toBe('for two');
  });

  it.each([
    ['an unknown message', pizza({ store_id: 1 }, pizzaData(), 'NO_SUCH')],
    ['data the spec refuses', pizza({ store_id: 1 }, { ...pizzaData(), price: 'free' })],
    ['a wrong audience key', pizza({ pk: 1 })],
    ['no audience', { id: 'e', message: 'CREATE_PIZZA', data: pizzaData() } as unknown as Envelope],
    ['not an envelope at all', null as unknown as Envelope],
  ])('skips %s quietly (every node sees it; none reports it)', async (_what, bad) => {
    const handle = broadcastHandler(deps(), 'pizza', catalogues.pizza, groups, byStore);
    const socket = await member('store:1');
    await expect(Promise.resolve(handle(bad))).resolves.toBeUndefined();
    await handle(pizza({ store_id: 1 }, { ...pizzaData(), name: 'after' }));
    expect((await socket.next()).data.name).toBe('after');
    expect(await delivered('CREATE_PIZZA')).toBe(1);
  });

  it('sends nothing when the target says nobody can be in the audience', async () => {
    let reachable = false;
    const handle = broadcastHandler(deps(), 'pizza', catalogues.pizza, groups, (a) => (reachable ? byStore(a) : undefined));
    const socket = await member('store:1');
    await handle(pizza({ store_id: 1 }, { ...pizzaData(), name: 'nobody' }));
    expect(await delivered('CREATE_PIZZA')).toBe(0);
    reachable = true;
    await handle(pizza({ store_id: 1 }, { ...pizzaData(), name: 'after' }));
    expect((await socket.next()).data.name).toBe('after');
  });

  it('adds the values the API\'s framing names (games: payload.pk)', async () => {
    const handle = broadcastHandler(deps(), 'games', catalogues.games, groups, (a) => ({ group: `update:${a.value}`, extra: { '/payload/pk': Number(a.value) } }));
    const socket = await member('update:4');
    const data = messageExample('games', 'update').payload.data;
    await handle({ id: 'g', message: 'update', to: { pk: 4 }, data });
    expect(await socket.next()).toEqual({ stream: 'games', payload: { action: 'update', model: 'api.game', pk: 4, data } });
  });

  it('does not send a frame that breaks the spec: it is counted instead', async () => {
    let pk: unknown = 'not a number';
    const handle = broadcastHandler(deps(), 'games', catalogues.games, groups, (a) => ({ group: `update:${a.value}`, extra: { '/payload/pk': pk } }));
    const socket = await member('update:4');
    const data = messageExample('games', 'update').payload.data;
    await handle({ id: 'g', message: 'update', to: { pk: 4 }, data });
    expect(await refused('update')).toBe(1);
    expect(await delivered('update')).toBe(0);
    pk = 4;
    await handle({ id: 'g2', message: 'update', to: { pk: 4 }, data });
    expect((await socket.next()).payload.pk).toBe(4);
    expect(await delivered('update')).toBe(1);
  });

  it('builds nothing for a group no socket of this node is in', async () => {
    const handle = broadcastHandler(deps(), 'games', catalogues.games, groups, (a) => ({ group: `update:${a.value}`, extra: { '/payload/pk': 'not a number' } }));
    await member('update:5');
    await handle({ id: 'g', message: 'update', to: { pk: 4 }, data: messageExample('games', 'update').payload.data });
    // The frame would break the spec: it was never built, so never checked.
    expect(await refused('update')).toBe(0);
  });
});
