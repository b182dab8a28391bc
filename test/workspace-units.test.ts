// Workspace API parts in isolation: rooms, channel ownership, recipients, write coalescing, frames
// and replies, auth outcomes; and a disconnect racing a pending `auth` on a real gateway.
import { EventEmitter } from 'node:events';
import pino from 'pino';
import { catalogues } from '../generated';
import type { MessageEntry } from '../generated';
import { SecretAuthenticator } from '../src/auth/secret-authenticator';
import type { Authenticator, Claims } from '../src/auth/authenticator';
import { signToken } from '../src/auth/token';
import { authenticate, ERRORS } from '../src/apis/workspace/auth';
import { coalesceWrites } from '../src/apis/workspace/coalesce';
import { countRecipients } from '../src/apis/workspace/deliver';
import { Deliveries } from '../src/apis/workspace/deliveries';
import { hasBinary, Replies, transactionOf } from '../src/apis/workspace/frames';
import { Presence } from '../src/apis/workspace/presence';
import { Metrics } from '../src/metrics';
import type { Bus } from '../src/ports/bus';
import { buildFrame as frameOf } from '../src/envelopes/frame';
import { audienceRooms, ChannelDirectory, roomsOf } from '../src/apis/workspace/rooms';
import { MemoryStore } from '../src/store/memory-store';
import { startGateway } from './helpers/gateway';
import { connect, metricValue, until } from './helpers/workspace-client';

const catalogue = catalogues.workspace;

describe('rooms', () => {
  it('a socket joins its workspace, its user and each claimed channel, once each', () => {
    const claims: Claims = { sub: 'u1', workspaces: ['w1'], channels: ['c1', 'c2', 'c1'] };
    expect(roomsOf(claims, 'w1')).toEqual(['workspace:w1', 'user:u1', 'channel:c1', 'channel:c2']);
    expect(roomsOf({ sub: 'u2' }, 'w9')).toEqual(['workspace:w9', 'user:u2']);
  });

  it('audience keys map to rooms; a channel adds its owner workspace when known', async () => {
    const store = new MemoryStore();
    const dir = new ChannelDirectory(store.channels);
    expect(await audienceRooms('workspaceId', 'w1', dir)).toEqual(['workspace:w1']);
    expect(await audienceRooms('userId', '7', dir)).toEqual(['user:7']);
    expect(await audienceRooms('channelId', 'c1', dir)).toEqual(['channel:c1']);
    await store.channels.set('c1', 'w1');
    expect(await audienceRooms('channelId', 'c1', dir)).toEqual(['channel:c1', 'workspace:w1']);
    await expect(audienceRooms('storeId', '1', dir)).rejects.toThrow('storeId');
    await store.close();
  });
});

describe('ChannelDirectory', () => {
  const storeWith = (owners: Record<string, string>) => ({ get: jest.fn(async (c: string) => owners[c]) });

  it('prefers what this node saw on its stream over a store that has not caught up', async () => {
    const store = storeWith({});
    const dir = new ChannelDirectory(store);
    dir.created('c', 'w1');
    expect(await dir.owner('c')).toBe('w1');
    expect(store.get).not.toHaveBeenCalled();
  });

  it('a deletion seen here hides the stale store entry of that workspace only', async () => {
    const store = storeWith({ c: 'w1', d: 'w2' });
    const dir = new ChannelDirectory(store);
    dir.deleted('c', 'w1');
    expect(await dir.owner('c')).toBeUndefined();
    dir.deleted('d', 'w1'); // d belongs to w2 (store): not w1's to delete
    expect(await dir.owner('d')).toBe('w2');
  });

  it('ignores a deletion from another workspace than the owner it saw', async () => {
    const dir = new ChannelDirectory(storeWith({}));
    dir.created('c', 'w1');
    dir.deleted('c', 'w2');
    expect(await dir.owner('c')).toBe('w1');
    dir.deleted('c', 'w1');
    expect(await dir.owner('c')).toBeUndefined();
    dir.created('c', 'w3'); // re-created
    expect(await dir.owner('c')).toBe('w3');
  });

  it('is bounded: the oldest entries fall back to the store', async () => {
    const store = storeWith({ c0: 'from-store' });
    const dir = new ChannelDirectory(store, 3);
    for (let i = 0; i < 4; i++) dir.created(`c${i}`, 'seen');
    expect(await dir.owner('c0')).toBe('from-store');
    expect(await dir.owner('c3')).toBe('seen');
  });
});

describe('coalesceWrites', () => {
  class FakeTransport {
    calls: string[] = [];
    constructor(readonly name: string, private readonly log: string[]) {}
    socket = { _socket: { cork: () => this.log.push('cork'), uncork: () => this.log.push('uncork') } };
    send(packets: unknown[]): void {
      this.log.push(`send ${packets.length}`);
    }
  }
  class FakeConn extends EventEmitter {
    constructor(public transport: FakeTransport) {
      super();
    }
  }

  it('corks the TCP socket for the length of a websocket transport\'s send', () => {
    const log: string[] = [];
    const conn = new FakeConn(new FakeTransport('websocket', log));
    coalesceWrites(conn);
    conn.transport.send([1, 2, 3]);
    expect(log).toEqual(['cork', 'send 3', 'uncork']);
  });

  it('leaves long polling alone until the connection upgrades to a WebSocket', () => {
    const log: string[] = [];
    const conn = new FakeConn(new FakeTransport('polling', log));
    coalesceWrites(conn);
    conn.transport.send([1]);
    expect(log).toEqual(['send 1']);
    conn.transport = new FakeTransport('websocket', log);
    conn.emit('upgrade', conn.transport);
    conn.transport.send([1, 2]);
    expect(log).toEqual(['send 1', 'cork', 'send 2', 'uncork']);
  });

  it('uncorks even when send throws', () => {
    const log: string[] = [];
    class Failing extends FakeTransport {
      override send(): void {
        throw new Error('boom');
      }
    }
    const conn = new FakeConn(new Failing('websocket', log));
    coalesceWrites(conn);
    expect(() => conn.transport.send([1])).toThrow('boom');
    expect(log).toEqual(['cork', 'uncork']);
  });
});

describe('countRecipients', () => {
  const rooms = new Map<string, Set<string>>([
    ['a', new Set(['1', '2', '3'])],
    ['b', new Set(['3', '4'])],
    ['c', new Set(['4', '5'])],
  ]);
  it('counts each socket of the union once, in any room order', () => {
    expect(countRecipients(rooms, ['a'])).toBe(3);
    expect(countRecipients(rooms, ['a', 'b'])).toBe(4);
    expect(countRecipients(rooms, ['b', 'a'])).toBe(4);
    expect(countRecipients(rooms, ['c', 'b', 'a'])).toBe(5);
    expect(countRecipients(rooms, ['nope', 'b'])).toBe(2);
    expect(countRecipients(rooms, [])).toBe(0);
  });
});

describe('frames', () => {
  it('data pointer "" is the whole payload; another pointer places data over the consts', () => {
    expect(frameOf(catalogue.messages['user-changed-device'], null)).toBeNull();
    const data = { channelId: 'c' };
    expect(frameOf(catalogue.messages['channel-created'], data)).toBe(data);
    const framed = { ...catalogue.messages['channel-created'], consts: { '/kind': 'x' }, publish: { ...catalogue.messages['channel-created'].publish!, dataPointer: '/payload/inner' } } as MessageEntry;
    expect(frameOf(framed, data)).toEqual({ kind: 'x', payload: { inner: data } });
  });

  it('transactionOf takes a string transaction only', () => {
    expect(transactionOf({ transaction: 't' })).toBe('t');
    expect(transactionOf({ transaction: 1 })).toBeUndefined();
    expect(transactionOf('t')).toBeUndefined();
    expect(transactionOf(null)).toBeUndefined();
  });

  it('Replies emits validated frames and refuses (logs and counts) invalid ones', async () => {
    const logged: Array<Record<string, unknown>> = [];
    const log = pino({ level: 'error' }, { write: (line: string) => void logged.push(JSON.parse(line)) });
    const metrics = new Metrics({ defaultMetrics: false });
    const replies = new Replies(catalogue, { log, metrics });
    const emitted: Array<[string, unknown]> = [];
    const socket = { id: 's', emit: (e: string, p: unknown) => emitted.push([e, p]) };
    replies.error(socket, 'auth', 'boom', 'tx');
    replies.error(socket, 'auth', 'boom', undefined);
    replies.authenticated(socket, { userId: 'u', reconnected: false, onlineStatus: 'online' }, undefined);
    replies.authenticated(socket, { userId: 'u', reconnected: true, onlineStatus: 'idle' }, 't2');
    expect(emitted).toEqual([
      ['socket-api-error', { event: 'auth', message: 'boom' }],
      ['socket-api-error-tx', { message: 'boom' }],
      ['socket-api-error', { event: 'auth', message: 'boom' }],
      ['auth-success', { userId: 'u', reconnected: false, onlineStatus: 'online' }],
      ['auth-success', { transaction: 't2', userId: 'u', reconnected: true, onlineStatus: 'idle' }],
    ]);
    expect(logged).toEqual([]);
    // A status the spec does not know: a gateway bug, never sent.
    replies.authenticated(socket, { userId: 'u', reconnected: false, onlineStatus: 'away' as 'idle' }, 't3');
    expect(emitted).toHaveLength(5);
    expect(logged).toEqual([expect.objectContaining({ api: 'workspace', message: 'auth-success', socket: 's', errors: [expect.stringContaining('/onlineStatus')] })]);
    expect(await metrics.text()).toContain('outgoing_invalid_total{api="workspace",message="auth-success"} 1');
  });
});

describe('authenticate', () => {
  const secret = 'unit-secret';
  const auth = new SecretAuthenticator(secret);
  const validate = catalogue.messages.auth.validate;

  it('gives the identity with rooms and the default status', async () => {
    const token = await signToken(secret, { sub: 'u', claims: { workspaces: ['w'], channels: ['c'] } });
    expect(await authenticate(validate, auth, { token, workspaceId: 'w' })).toEqual({
      ok: true,
      identity: { userId: 'u', workspaceId: 'w', onlineStatus: 'online' },
      rooms: ['workspace:w', 'user:u', 'channel:c'],
    });
  });

  it('checks the payload before the token, and the token before membership', async () => {
    const verify = jest.fn();
    expect(await authenticate(validate, { verify }, { token: 5, workspaceId: 'w' })).toEqual({ ok: false, message: ERRORS.invalidData });
    expect(verify).not.toHaveBeenCalled();
    expect(await authenticate(validate, auth, { token: 'x.y.z', workspaceId: 'w' })).toEqual({ ok: false, message: ERRORS.invalidToken });
    const token = await signToken(secret, { sub: 'u', claims: { workspaces: ['other'] } });
    expect(await authenticate(validate, auth, { token, workspaceId: 'w' })).toEqual({ ok: false, message: ERRORS.notMember });
  });
});

describe('the original app\'s auth payload', () => {
  const secret = 'unit-secret';
  const auth = new SecretAuthenticator(secret);
  const validate = catalogue.messages.auth.validate;

  it('accepts prevSocketId (string or null) and localTimeZone; other unknown keys stay refused', async () => {
    const token = await signToken(secret, { sub: 'u', claims: { workspaces: ['w'] } });
    const sdk = { transaction: 'auth', token, workspaceId: 'w', onlineStatus: 'idle', localTimeZone: 'Europe/Moscow' };
    expect(await authenticate(validate, auth, { ...sdk, prevSocketId: null })).toMatchObject({ ok: true, prevSocketId: undefined });
    expect(await authenticate(validate, auth, { ...sdk, prevSocketId: 'old-id' })).toMatchObject({
      ok: true,
      identity: { userId: 'u', workspaceId: 'w', onlineStatus: 'idle' },
      prevSocketId: 'old-id',
    });
    expect(await authenticate(validate, auth, { ...sdk, deviceId: 'x' })).toEqual({ ok: false, message: ERRORS.invalidData });
    expect(await authenticate(validate, auth, { ...sdk, prevSocketId: 5 })).toEqual({ ok: false, message: ERRORS.invalidData });
  });
});

describe('Presence.takeOver', () => {
  it('counts the earlier socket out, true only when it was still counted', async () => {
    const store = new MemoryStore();
    const bus = { publish: jest.fn() } as unknown as Bus;
    const presence = new Presence({ presence: store.presence, bus, catalogue, metrics: new Metrics() });
    const member = { workspaceId: 'w', userId: 'u' };
    try {
      await presence.up(member, 'old');
      const count = await presence.up(member, 'new');
      expect(await presence.takeOver(member, 'old', count)).toBe(true);
      expect(await presence.takeOver(member, 'never-seen', await presence.up(member, 'new'))).toBe(false);
      expect(await store.presence.down(['w', 'u'], 'new')).toBe(0); // only the new socket was left
      expect(bus.publish).not.toHaveBeenCalled();
    } finally {
      presence.stop();
      await store.close();
    }
  });
});

describe('Deliveries', () => {
  afterEach(() => jest.useRealTimers());

  it('a wait ends at its delivery, at its timeout, or at releaseAll', async () => {
    jest.useFakeTimers();
    const deliveries = new Deliveries(1000);
    const ended: string[] = [];
    void deliveries.wait('a').then(() => ended.push('a'));
    void deliveries.wait('b').then(() => ended.push('b'));
    void deliveries.wait('c').then(() => ended.push('c'));
    deliveries.delivered('b');
    deliveries.delivered('unknown');
    await Promise.resolve();
    expect(ended).toEqual(['b']);
    jest.advanceTimersByTime(1000);
    await Promise.resolve();
    expect(ended.sort()).toEqual(['a', 'b', 'c']);
    void deliveries.wait('d').then(() => ended.push('d'));
    deliveries.releaseAll();
    await Promise.resolve();
    expect(ended).toContain('d');
    expect(jest.getTimerCount()).toBe(0);
  });
});

describe('hasBinary', () => {
  it('finds Buffers, typed arrays and ArrayBuffers at any depth, nothing in JSON', () => {
    expect(hasBinary([Buffer.from('x')])).toBe(true);
    expect(hasBinary({ a: [{ b: new Uint8Array(1) }] })).toBe(true);
    expect(hasBinary([new ArrayBuffer(2)])).toBe(true);
    expect(hasBinary([{ a: [1, 'x', null, { b: true }] }])).toBe(false);
    expect(hasBinary(null)).toBe(false);
  });
});

describe('a disconnect while auth is pending', () => {
  it('leaves no presence behind and announces nothing', async () => {
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    let verifying = false;
    const real = new SecretAuthenticator('dev-jwt-secret-change-me');
    const slow: Authenticator = {
      async verify(token) {
        verifying = true;
        await gate;
        return real.verify(token);
      },
    };
    const gw = await startGateway({}, { auth: slow });
    const { store, bus, metrics } = gw.gateway.context;
    const up = jest.spyOn(store.presence, 'up');
    const publish = jest.spyOn(bus, 'publish');
    try {
      const c = await connect(gw.url);
      c.emit('auth', { token: await gw.token('quinn', { workspaces: ['w'] }), workspaceId: 'w' });
      await until(() => verifying, 'verify called');
      c.close();
      await until(async () => (await metricValue(metrics.connectionsOpen, { api: 'workspace' })) === 0, 'server saw the disconnect');
      release();
      for (let i = 0; i < 5; i++) await new Promise((r) => setImmediate(r)); // in-memory ports settle in microtasks
      expect(up).not.toHaveBeenCalled();
      expect(publish).not.toHaveBeenCalled();
    } finally {
      release();
      await gw.stop();
    }
  });
});
