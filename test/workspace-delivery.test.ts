// Workspace API delivery: every audience (workspace, user, channel by claim and by ownership),
// isolation, all eighteen server events in their documented shapes, presence, channel-deleted, metrics.
// A negative ("never hears") is checked behind a barrier: once a positive receiver has the event,
// the server has written it to every recipient; an error reply the negative socket then asks for
// travels behind anything the server wrote to it before.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import { catalogues, type ApiCatalogue } from '../generated';
import { startGateway, type TestGateway } from './helpers/gateway';
import { Client, connect, member, metricValue, publish, until } from './helpers/workspace-client';

const WA = 'ws-a';
const WB = 'ws-b';

let gw: TestGateway;
const clients: Client[] = [];
const keep = (c: Client): Client => {
  clients.push(c);
  return c;
};

beforeAll(async () => {
  gw = await startGateway();
});
afterAll(async () => {
  clients.forEach((c) => c.close());
  await gw.stop();
});

let seq = 0;
async function barrier(...sockets: Client[]): Promise<void> {
  await Promise.all(
    sockets.map(async (c) => {
      const tx = `barrier-${++seq}`;
      c.emit('barrier', { transaction: tx });
      await c.waitFor(`socket-api-error-${tx}`);
    }),
  );
}

const mediaState = { microphone: true, speakers: true, screen: false, camera: false, speaking: false };
const count = (c: Client, event: string, match: (d: any) => boolean) => c.of(event).filter(match).length;

describe('audiences and isolation', () => {
  let alice: Client; // WA
  let bob: Client; // WA, claims channels c-claim and c-owned
  let carol: Client; // WB, claims channel c-b
  let idle: Client; // connected, never authenticated
  let aliceInB: Client; // alice's other socket, in WB

  beforeAll(async () => {
    alice = keep(await member(gw, 'alice', WA));
    bob = keep(await member(gw, 'bob', WA, { channels: ['c-claim', 'c-owned'] }));
    carol = keep(await member(gw, 'carol', WB, { channels: ['c-b'] }));
    idle = keep(await connect(gw.url));
    aliceInB = keep(await member(gw, 'alice', WB, { workspaces: [WA, WB] }));
  });

  it('workspace: every socket of the workspace, once each, none of another workspace', async () => {
    const delivered = gw.gateway.context.metrics.eventsDeliveredTotal;
    const before = await metricValue(delivered, { api: 'workspace', message: 'user-leaved-workspace' });
    await publish(gw, 'user-leaved-workspace', { workspaceId: WA }, { userId: 'left-a' });
    expect(await alice.waitFor('user-leaved-workspace')).toEqual({ userId: 'left-a' });
    expect(await bob.waitFor('user-leaved-workspace')).toEqual({ userId: 'left-a' });
    await barrier(alice, bob, carol, idle, aliceInB);
    expect(alice.of('user-leaved-workspace')).toHaveLength(1);
    expect(bob.of('user-leaved-workspace')).toHaveLength(1);
    expect(carol.of('user-leaved-workspace')).toEqual([]);
    expect(aliceInB.of('user-leaved-workspace')).toEqual([]);
    expect(idle.received.filter((r) => !r.event.startsWith('socket-api-error'))).toEqual([]);
    // Two recipients on this node.
    expect(await metricValue(delivered, { api: 'workspace', message: 'user-leaved-workspace' })).toBe(before + 2);
  });

  it('user: every socket of that user (in any workspace), nobody else', async () => {
    await publish(gw, 'user-changed-device', { userId: 'alice' }, null);
    expect(await alice.waitFor('user-changed-device')).toBeNull();
    expect(await aliceInB.waitFor('user-changed-device')).toBeNull();
    await barrier(bob, carol, idle);
    expect(bob.of('user-changed-device')).toEqual([]);
    expect(carol.of('user-changed-device')).toEqual([]);
    expect(idle.of('user-changed-device')).toEqual([]);
  });

  it('channel by claim: only the sockets claiming it', async () => {
    const data = { userId: 'u1', channelId: 'c-claim', userMediaState: mediaState };
    await publish(gw, 'media-state-updated', { channelId: 'c-claim' }, data);
    expect(await bob.waitFor('media-state-updated', (d) => d.channelId === 'c-claim')).toEqual(data);
    await barrier(alice, carol, aliceInB, idle);
    expect(count(alice, 'media-state-updated', (d) => d.channelId === 'c-claim')).toBe(0);
    expect(count(carol, 'media-state-updated', (d) => d.channelId === 'c-claim')).toBe(0);
  });

  it('channel by ownership: an event published right after channel-created reaches the whole workspace, claim holders once', async () => {
    // No wait between the two publishes: routing must not depend on the store write having landed.
    await publish(gw, 'channel-created', { workspaceId: WA }, { channelId: 'c-owned', workspaceId: WA });
    const data = { userId: 'u2', channelId: 'c-owned', userMediaState: mediaState };
    await publish(gw, 'user-selected-channel', { channelId: 'c-owned' }, data);
    expect(await alice.waitFor('user-selected-channel', (d) => d.channelId === 'c-owned')).toEqual(data);
    expect(await bob.waitFor('user-selected-channel', (d) => d.channelId === 'c-owned')).toEqual(data);
    expect(await alice.waitFor('channel-created')).toEqual({ channelId: 'c-owned', workspaceId: WA });
    await barrier(alice, bob, carol, aliceInB, idle);
    // bob is in both rooms (workspace and claimed channel): one frame, not two.
    expect(count(bob, 'user-selected-channel', (d) => d.channelId === 'c-owned')).toBe(1);
    expect(count(alice, 'user-selected-channel', (d) => d.channelId === 'c-owned')).toBe(1);
    expect(count(carol, 'user-selected-channel', () => true)).toBe(0);
    expect(count(aliceInB, 'user-selected-channel', () => true)).toBe(0);
    expect(carol.of('channel-created')).toEqual([]);
    // The store write happens exactly once (the bus work consumer).
    await until(async () => (await gw.gateway.context.store.channels.get('c-owned')) === WA, 'store ownership');
  });

  it('channel by ownership: back to back on the bus (same tick), the channel event still reaches the workspace', async () => {
    // The store write (bus work consumer) lands after the fanout consumer has routed both records.
    const { bus } = gw.gateway.context;
    const data = { userId: 'u8', channelId: 'c-tick' };
    await Promise.all([
      bus.publish('workspace', { id: 'tick-1', message: 'channel-created', to: { workspaceId: WA }, data: { channelId: 'c-tick', workspaceId: WA } }),
      bus.publish('workspace', { id: 'tick-2', message: 'user-unselected-channel', to: { channelId: 'c-tick' }, data }),
    ]);
    expect(await alice.waitFor('user-unselected-channel', (d) => d.channelId === 'c-tick')).toEqual(data);
    await barrier(carol);
    expect(count(carol, 'user-unselected-channel', (d) => d.channelId === 'c-tick')).toBe(0);
  });

  it('channel by ownership: a socket authenticated later in the workspace hears it too', async () => {
    const late = keep(await member(gw, 'late', WA));
    await publish(gw, 'user-unselected-channel', { channelId: 'c-owned' }, { userId: 'u3', channelId: 'c-owned' });
    expect(await late.waitFor('user-unselected-channel')).toEqual({ userId: 'u3', channelId: 'c-owned' });
    await barrier(carol);
    expect(carol.of('user-unselected-channel')).toEqual([]);
  });

  it('a channel of workspace B reaches B (and its claim holders), never A', async () => {
    await publish(gw, 'channel-created', { workspaceId: WB }, { channelId: 'c-b', workspaceId: WB });
    await publish(gw, 'user-unselected-channel', { channelId: 'c-b' }, { userId: 'u4', channelId: 'c-b' });
    expect(await carol.waitFor('user-unselected-channel', (d) => d.channelId === 'c-b')).toEqual({ userId: 'u4', channelId: 'c-b' });
    expect(await aliceInB.waitFor('user-unselected-channel', (d) => d.channelId === 'c-b')).toBeDefined();
    await barrier(alice, bob, carol);
    expect(count(alice, 'user-unselected-channel', (d) => d.channelId === 'c-b')).toBe(0);
    expect(count(bob, 'user-unselected-channel', (d) => d.channelId === 'c-b')).toBe(0);
    expect(count(carol, 'user-unselected-channel', (d) => d.channelId === 'c-b')).toBe(1);
  });

  it('channel-deleted stops routing to the workspace; claim holders still hear the channel', async () => {
    await publish(gw, 'channel-deleted', { workspaceId: WA }, { channelId: 'c-owned' });
    const data = { userId: 'u5', channelId: 'c-owned', userMediaState: { ...mediaState, speaking: true } };
    await publish(gw, 'media-state-updated', { channelId: 'c-owned' }, data);
    expect(await alice.waitFor('channel-deleted')).toEqual({ channelId: 'c-owned' });
    expect(await bob.waitFor('media-state-updated', (d) => d.userId === 'u5')).toEqual(data);
    await barrier(alice);
    expect(count(alice, 'media-state-updated', (d) => d.userId === 'u5')).toBe(0);
    await until(async () => (await gw.gateway.context.store.channels.get('c-owned')) === undefined, 'store forgets the channel');
  });

  it('channel-deleted published to another workspace does not take the channel away', async () => {
    await publish(gw, 'channel-deleted', { workspaceId: WA }, { channelId: 'c-b' }); // c-b belongs to WB
    await publish(gw, 'user-unselected-channel', { channelId: 'c-b' }, { userId: 'u6', channelId: 'c-b' });
    expect(await aliceInB.waitFor('user-unselected-channel', (d) => d.userId === 'u6')).toBeDefined();
    expect(await gw.gateway.context.store.channels.get('c-b')).toBe(WB);
  });

  it('an unknown channel reaches nobody but claim holders (none here)', async () => {
    await publish(gw, 'user-unselected-channel', { channelId: 'c-none' }, { userId: 'u7', channelId: 'c-none' });
    await publish(gw, 'user-leaved-workspace', { workspaceId: WA }, { userId: 'after-none' });
    await alice.waitFor('user-leaved-workspace', (d) => d.userId === 'after-none');
    await barrier(alice, bob, carol, aliceInB);
    for (const c of [alice, bob, carol, aliceInB]) expect(count(c, 'user-unselected-channel', (d) => d.channelId === 'c-none')).toBe(0);
  });
});

describe('every server event, in the shapes the spec documents', () => {
  const spec = parse(readFileSync(join(__dirname, '..', 'specs', 'workspace.asyncapi.yaml'), 'utf8'));
  const messages = Object.values(spec.components.messages as Record<string, any>).filter((m) => m['x-switchyard']);
  // channel-created first (its channel then belongs to WX), channel-deleted last.
  const rank = (name: string) => (name === 'channel-created' ? 0 : name === 'channel-deleted' ? 2 : 1);
  messages.sort((a, b) => rank(a.name) - rank(b.name));

  it('the spec and the catalogue agree on eighteen publishable events', () => {
    expect(messages).toHaveLength(18);
    const publishable = Object.values((catalogues.workspace as ApiCatalogue).messages).filter((m) => m.publish).map((m) => m.name);
    expect(publishable.sort()).toEqual(messages.map((m) => m.name).sort());
  });

  it('each is delivered as its documented example', async () => {
    const WX = 'ws-examples';
    const userId = '4b1e6c7a-2d3f-4a8b-9c5e-1f2a3b4c5d6e';
    const channel: string = messages.find((m) => m.name === 'channel-created').examples[0].payload.channelId;
    const sock = keep(await member(gw, userId, WX));
    await sock.waitFor('online-status-updated'); // its own announcement
    const start = sock.received.length;
    for (const m of messages) {
      const payload = m.examples[0].payload;
      const key: string = m['x-switchyard'].audience[0];
      // Channel events go to the channel of channel-created's example (owned by WX from then on).
      const channelId: string = payload?.channelId ?? channel;
      const to: Record<string, string> = key === 'workspaceId' ? { workspaceId: WX } : key === 'userId' ? { userId } : { channelId };
      await publish(gw, m.name, to, payload);
      const got = await sock.waitFor(m.name, () => true, start);
      expect(got).toEqual(payload);
      expect((catalogues.workspace as ApiCatalogue).messages[m.name].validate(got)).toBe(true);
    }
    expect(sock.received.slice(start).map((r) => r.event)).toEqual(
      messages.map((m) => m.name),
    );
  });
});

describe('presence', () => {
  const WP = 'ws-presence';

  it('a user with two sockets goes offline only after the second disconnects', async () => {
    const observer = keep(await member(gw, 'observer', WP));
    const presenceDown = jest.spyOn(gw.gateway.context.store.presence, 'down');
    try {
      const first = keep(await member(gw, 'dave', WP));
      const second = keep(await member(gw, 'dave', WP, {}, { onlineStatus: 'idle' }));
      await until(() => observer.of('online-status-updated').filter((d: any) => d.userId === 'dave').length === 2, 'two announcements');

      const firstId = first.id;
      first.close();
      // Wait until the server has counted the socket out (and published whatever it would).
      await until(() => presenceDown.mock.calls.some((c) => c[1] === firstId), 'first presenceDown');
      const i = presenceDown.mock.calls.findIndex((c) => c[1] === firstId);
      expect(await presenceDown.mock.results[i].value).toBe(1);
      await new Promise((r) => setImmediate(r));
      await publish(gw, 'user-leaved-workspace', { workspaceId: WP }, { userId: 'marker' });
      await observer.waitFor('user-leaved-workspace', (d) => d.userId === 'marker');
      expect(observer.of('online-status-updated').filter((d: any) => d.userId === 'dave')).toEqual([
        { userId: 'dave', onlineStatus: 'online' },
        { userId: 'dave', onlineStatus: 'idle' },
      ]);

      second.close();
      expect(await observer.waitFor('online-status-updated', (d) => d.userId === 'dave' && d.onlineStatus === 'offline')).toEqual({
        userId: 'dave',
        onlineStatus: 'offline',
      });
    } finally {
      presenceDown.mockRestore();
    }
  });

  it('sockets that never authenticated, or failed to, change nobody\'s presence', async () => {
    const observer = keep(await member(gw, 'observer-2', WP));
    const presenceUp = jest.spyOn(gw.gateway.context.store.presence, 'up');
    const presenceDown = jest.spyOn(gw.gateway.context.store.presence, 'down');
    try {
      const anon = await connect(gw.url);
      const failed = await connect(gw.url);
      failed.emit('auth', { token: await gw.token('zed', { workspaces: ['elsewhere'] }), workspaceId: WP });
      await failed.waitFor('socket-api-error');
      anon.close();
      failed.close();
      await until(async () => (await metricValue(gw.gateway.context.metrics.connectionsOpen, { api: 'workspace' })) === clients.filter((c) => c.socket.connected).length, 'closed');
      await publish(gw, 'user-leaved-workspace', { workspaceId: WP }, { userId: 'marker-2' });
      await observer.waitFor('user-leaved-workspace', (d) => d.userId === 'marker-2');
      expect(presenceUp).not.toHaveBeenCalled();
      expect(presenceDown).not.toHaveBeenCalled();
      expect(observer.of('online-status-updated').filter((d: any) => d.userId !== 'observer-2')).toEqual([]);
    } finally {
      presenceUp.mockRestore();
      presenceDown.mockRestore();
    }
  });
});

describe('bursts (queued packets are written in one go, see coalesce.ts)', () => {
  const WS = 'ws-burst';
  const BURST = 300;

  it('every event of a burst arrives, in order, on a WebSocket and on a client that upgraded from polling', async () => {
    const direct = keep(await member(gw, 'burst-direct', WS));
    const upgraded = keep(await connect(gw.url, ['polling', 'websocket']));
    await until(() => upgraded.socket.io.engine.transport.name === 'websocket', 'the upgrade to WebSocket');
    await upgraded.auth(await gw.token('burst-upgraded', { workspaces: [WS] }), WS);

    // Back to back on the bus: packets pile up in engine.io's queue while each socket is writing.
    const { bus } = gw.gateway.context;
    await Promise.all(
      Array.from({ length: BURST }, (_, i) => bus.publish('workspace', { id: `burst-${i}`, message: 'user-leaved-workspace', to: { workspaceId: WS }, data: { userId: `u${i}` } })),
    );
    const expected = Array.from({ length: BURST }, (_, i) => `u${i}`);
    for (const client of [direct, upgraded]) {
      await client.waitFor('user-leaved-workspace', (d) => d.userId === `u${BURST - 1}`);
      expect(client.of('user-leaved-workspace').map((d: any) => d.userId)).toEqual(expected);
    }
  });
});
