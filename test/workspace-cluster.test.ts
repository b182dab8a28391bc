// Two gateway nodes sharing one bus and one store (as Kafka and Redis would be shared): presence,
// delivery and channel bookkeeping across nodes.
import { MemoryBus } from '../src/bus/memory-bus';
import { MemoryStore } from '../src/store/memory-store';
import { startGateway, type TestGateway } from './helpers/gateway';
import { Client, member, publish, until } from './helpers/workspace-client';

const W = 'ws-cluster';
// Each node's gateway closes the shared bus when it stops; the second node's last offline
// announcements then fail to publish (logged by that node), which is expected here.
const busErrors: unknown[] = [];
const bus = new MemoryBus({ onError: (err) => busErrors.push(err) });
const store = new MemoryStore();
let nodeA: TestGateway;
let nodeB: TestGateway;
const clients: Client[] = [];
const keep = (c: Client): Client => {
  clients.push(c);
  return c;
};

beforeAll(async () => {
  nodeA = await startGateway({}, { bus, store });
  nodeB = await startGateway({}, { bus, store });
});
afterAll(async () => {
  clients.forEach((c) => c.close());
  await nodeB.stop();
  await nodeA.stop();
});

it('a published event reaches the workspace sockets of every node, once each', async () => {
  const onA = keep(await member(nodeA, 'ann', W));
  const onB = keep(await member(nodeB, 'ben', W));
  await publish(nodeB, 'user-leaved-workspace', { workspaceId: W }, { userId: 'x1' });
  expect(await onA.waitFor('user-leaved-workspace')).toEqual({ userId: 'x1' });
  expect(await onB.waitFor('user-leaved-workspace')).toEqual({ userId: 'x1' });
  await publish(nodeA, 'user-leaved-workspace', { workspaceId: W }, { userId: 'x2' });
  await onA.waitFor('user-leaved-workspace', (d) => d.userId === 'x2');
  await onB.waitFor('user-leaved-workspace', (d) => d.userId === 'x2');
  expect(onA.of('user-leaved-workspace')).toEqual([{ userId: 'x1' }, { userId: 'x2' }]);
  expect(onB.of('user-leaved-workspace')).toEqual([{ userId: 'x1' }, { userId: 'x2' }]);
});

it('presence spans nodes: online on the first socket anywhere, offline after the last one anywhere', async () => {
  const observerA = keep(await member(nodeA, 'obs-a', W));
  const observerB = keep(await member(nodeB, 'obs-b', W));
  const down = jest.spyOn(store.presence, 'down');
  try {
    const fromA = keep(await member(nodeA, 'cat', W));
    await observerB.waitFor('online-status-updated', (d) => d.userId === 'cat');
    const fromB = keep(await member(nodeB, 'cat', W));
    await until(() => observerA.of('online-status-updated').filter((d: any) => d.userId === 'cat').length === 2, 'two onlines');

    const aId = fromA.id;
    fromA.close();
    await until(() => down.mock.calls.some((c) => c[1] === aId), 'node A counted the socket out');
    await new Promise((r) => setImmediate(r));
    await publish(nodeA, 'user-leaved-workspace', { workspaceId: W }, { userId: 'marker' });
    await observerB.waitFor('user-leaved-workspace', (d) => d.userId === 'marker');
    await observerA.waitFor('user-leaved-workspace', (d) => d.userId === 'marker');
    expect(observerB.of('online-status-updated').filter((d: any) => d.userId === 'cat' && d.onlineStatus === 'offline')).toEqual([]);

    fromB.close();
    expect(await observerA.waitFor('online-status-updated', (d) => d.userId === 'cat' && d.onlineStatus === 'offline')).toBeDefined();
    expect(await observerB.waitFor('online-status-updated', (d) => d.userId === 'cat' && d.onlineStatus === 'offline')).toBeDefined();
    // Each announcement was published once (not once per node) and delivered once per socket.
    expect(observerA.of('online-status-updated').filter((d: any) => d.userId === 'cat').map((d: any) => d.onlineStatus)).toEqual([
      'online',
      'online',
      'offline',
    ]);
  } finally {
    down.mockRestore();
  }
});

it('channel-created is recorded once for the cluster, and routes a channel event published on another node right after it', async () => {
  const setOwner = jest.spyOn(store.channels, 'set');
  try {
    const onA = keep(await member(nodeA, 'dee', W));
    const onB = keep(await member(nodeB, 'eli', W));
    await publish(nodeA, 'channel-created', { workspaceId: W }, { channelId: 'c-cluster', workspaceId: W });
    await publish(nodeB, 'user-unselected-channel', { channelId: 'c-cluster' }, { userId: 'dee', channelId: 'c-cluster' });
    for (const c of [onA, onB]) {
      expect(await c.waitFor('channel-created')).toEqual({ channelId: 'c-cluster', workspaceId: W });
      expect(await c.waitFor('user-unselected-channel')).toEqual({ userId: 'dee', channelId: 'c-cluster' });
    }
    await until(async () => (await store.channels.get('c-cluster')) === W, 'the store write');
    // Both nodes' fanout handlers have run (both sockets got the event): still one write.
    expect(setOwner.mock.calls).toEqual([['c-cluster', W]]);
  } finally {
    setOwner.mockRestore();
  }
});
