// Workspace API over socket.io: `auth`, its errors, events before `auth`, unknown events, re-auth,
// oversize packets, connection metrics. A real gateway and real socket.io clients (WebSocket only).
import { SignJWT } from 'jose';
import { startGateway, type TestGateway } from './helpers/gateway';
import { Client, connect, member, metricValue, publish, until } from './helpers/workspace-client';

const W1 = 'ws-auth-1';
const W2 = 'ws-auth-2';

let gw: TestGateway;
const clients: Client[] = [];
const open = async (): Promise<Client> => {
  const c = await connect(gw.url);
  clients.push(c);
  return c;
};
const join = async (...args: Parameters<typeof member> extends [unknown, ...infer R] ? R : never): Promise<Client> => {
  const c = await member(gw, ...args);
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

let barrierSeq = 0;
/**
 * Everything the server emitted to `client` before now has arrived once this resolves: an unknown
 * event's error reply travels the same connection, behind anything emitted earlier.
 */
async function barrier(client: Client): Promise<void> {
  const tx = `barrier-${++barrierSeq}`;
  client.emit('barrier', { transaction: tx });
  await client.waitFor(`socket-api-error-${tx}`);
}

describe('auth success', () => {
  it('broadcasts online-status-updated to the workspace (the socket included), then answers auth-success with the transaction', async () => {
    const bob = await join('bob', W1);
    const alice = await open();
    const token = await gw.token('alice', { workspaces: [W1] });
    alice.emit('auth', { transaction: 'tx-1', token, workspaceId: W1 });

    expect(await alice.waitFor('auth-success')).toEqual({ transaction: 'tx-1', userId: 'alice', reconnected: false, onlineStatus: 'online' });
    expect(await bob.waitFor('online-status-updated', (d) => d.userId === 'alice')).toEqual({ userId: 'alice', onlineStatus: 'online' });
    // The socket itself is in the workspace room too: its own status comes before auth-success, as in the original.
    const order = alice.received.map((r) => r.event).filter((e) => e === 'auth-success' || e === 'online-status-updated');
    expect(order).toEqual(['online-status-updated', 'auth-success']);
    expect(alice.of('online-status-updated')).toEqual([{ userId: 'alice', onlineStatus: 'online' }]);
    expect(alice.of('socket-api-error')).toEqual([]);
  });

  it('omits transaction when auth carried none, and announces the given onlineStatus', async () => {
    const bob = await join('bob', W1);
    const carol = await open();
    carol.emit('auth', { token: await gw.token('carol', { workspaces: [W1, W2] }), workspaceId: W1, onlineStatus: 'idle' });
    const success = await carol.waitFor('auth-success');
    expect(success).toEqual({ userId: 'carol', reconnected: false, onlineStatus: 'idle' });
    expect(Object.keys(success)).not.toContain('transaction');
    expect(await bob.waitFor('online-status-updated', (d) => d.userId === 'carol')).toEqual({ userId: 'carol', onlineStatus: 'idle' });
  });

  it('accepts a comma-separated workspaces claim', async () => {
    const dan = await open();
    expect(await dan.auth(await gw.token('dan', { workspaces: `x,${W1}` }), W1)).toEqual({ userId: 'dan', reconnected: false, onlineStatus: 'online' });
  });
});

describe('auth errors', () => {
  const otherSecretToken = () =>
    new SignJWT({ workspaces: [W1] })
      .setProtectedHeader({ alg: 'HS256' })
      .setSubject('mallory')
      .setExpirationTime('1h')
      .sign(new TextEncoder().encode('not-the-gateway-secret'));
  const expiredToken = () =>
    new SignJWT({ workspaces: [W1] })
      .setProtectedHeader({ alg: 'HS256' })
      .setSubject('mallory')
      .setIssuedAt(Math.floor(Date.now() / 1000) - 7200)
      .setExpirationTime(Math.floor(Date.now() / 1000) - 3600)
      .sign(new TextEncoder().encode('dev-jwt-secret-change-me'));

  const cases: Array<[string, () => Promise<Record<string, unknown> | unknown>, string]> = [
    ['missing token', async () => ({ workspaceId: W1 }), 'Invalid data format for "auth" event'],
    ['missing workspaceId', async () => ({ token: await gw.token('eve', { workspaces: [W1] }) }), 'Invalid data format for "auth" event'],
    ['bad onlineStatus', async () => ({ token: await gw.token('eve', { workspaces: [W1] }), workspaceId: W1, onlineStatus: 'away' }), 'Invalid data format for "auth" event'],
    ['unknown property', async () => ({ token: await gw.token('eve', { workspaces: [W1] }), workspaceId: W1, admin: true }), 'Invalid data format for "auth" event'],
    ['numeric workspaceId', async () => ({ token: await gw.token('eve', { workspaces: ['1'] }), workspaceId: 1 }), 'Invalid data format for "auth" event'],
    ['not a JWT', async () => ({ token: 'not.a.jwt', workspaceId: W1 }), 'Invalid access token'],
    ['empty token', async () => ({ token: '', workspaceId: W1 }), 'Invalid access token'],
    ['foreign signature', async () => ({ token: await otherSecretToken(), workspaceId: W1 }), 'Invalid access token'],
    ['expired token', async () => ({ token: await expiredToken(), workspaceId: W1 }), 'Invalid access token'],
    ['other workspace', async () => ({ token: await gw.token('eve', { workspaces: [W2] }), workspaceId: W1 }), "Can't listen workspace events"],
    ['no workspaces claim', async () => ({ token: await gw.token('eve'), workspaceId: W1 }), "Can't listen workspace events"],
  ];

  it.each(cases)('%s: socket-api-error and socket-api-error-<transaction>', async (_name, data, message) => {
    const c = await open();
    const payload = { ...((await data()) as Record<string, unknown>), transaction: 'tx-err' };
    c.emit('auth', payload);
    expect(await c.waitFor('socket-api-error')).toEqual({ event: 'auth', message });
    expect(await c.waitFor('socket-api-error-tx-err')).toEqual({ message });
    expect(c.of('auth-success')).toEqual([]);
    // Still unauthenticated.
    c.emit('anything', { transaction: 'after' });
    expect(await c.waitFor('socket-api-error-after')).toEqual({ message: 'Unauthorized: send "auth" first' });
  });

  it.each(cases)('%s without a transaction: socket-api-error only', async (_name, data, message) => {
    const c = await open();
    c.emit('auth', await data());
    expect(await c.waitFor('socket-api-error')).toEqual({ event: 'auth', message });
    await barrier(c);
    expect(c.received.filter((r) => r.event.startsWith('socket-api-error-') && !r.event.startsWith('socket-api-error-barrier'))).toEqual([]);
    expect(c.of('auth-success')).toEqual([]);
  });

  it('a payload that is not an object, or a non-string transaction, is a data error without a scoped event', async () => {
    const invalidData = () => metricValue(gw.gateway.context.metrics.badInputTotal, { api: 'workspace', kind: 'invalid_data' });
    const before = await invalidData();
    const c = await open();
    for (const data of ['hello', 42, null, [1, 2], { transaction: 7, token: 'x', workspaceId: W1 }]) {
      c.emit('auth', data);
    }
    c.emit('auth'); // no data at all
    await until(() => c.of('socket-api-error').length === 6, 'six errors');
    expect(new Set(c.of('socket-api-error').map((e) => JSON.stringify(e)))).toEqual(
      new Set([JSON.stringify({ event: 'auth', message: 'Invalid data format for "auth" event' })]),
    );
    await barrier(c);
    expect(c.received.filter((r) => /^socket-api-error-(?!barrier)/.test(r.event))).toEqual([]);
    // Each is malformed input, counted as such (the barrier's unknown event is counted apart).
    expect(await invalidData()).toBe(before + 6);
  });

  it('a failed socket hears nothing of the workspace', async () => {
    const failed = await open();
    failed.emit('auth', { token: await gw.token('eve', { workspaces: [W2] }), workspaceId: W1 });
    await failed.waitFor('socket-api-error');
    const bob = await join('bob', W1);
    await publish(gw, 'user-leaved-workspace', { workspaceId: W1 }, { userId: 'gone-1' });
    await bob.waitFor('user-leaved-workspace', (d) => d.userId === 'gone-1');
    await barrier(failed);
    expect(failed.of('user-leaved-workspace')).toEqual([]);
    expect(failed.of('online-status-updated')).toEqual([]);
  });
});

describe('events other than auth', () => {
  it('before auth: an error naming the event, with and without transaction', async () => {
    const c = await open();
    c.emit('join', { transaction: 'j1', channel: 'x' });
    expect(await c.waitFor('socket-api-error', (e) => e.event === 'join')).toEqual({ event: 'join', message: 'Unauthorized: send "auth" first' });
    expect(await c.waitFor('socket-api-error-j1')).toEqual({ message: 'Unauthorized: send "auth" first' });
    c.emit('media-state-updated');
    expect(await c.waitFor('socket-api-error', (e) => e.event === 'media-state-updated')).toEqual({
      event: 'media-state-updated',
      message: 'Unauthorized: send "auth" first',
    });
  });

  it('after auth: unknown event', async () => {
    const c = await join('frank', W1);
    c.emit('subscribe', { transaction: 's1' });
    expect(await c.waitFor('socket-api-error', (e) => e.event === 'subscribe')).toEqual({ event: 'subscribe', message: 'Unknown event "subscribe"' });
    expect(await c.waitFor('socket-api-error-s1')).toEqual({ message: 'Unknown event "subscribe"' });
    // with an acknowledgement callback and several arguments: still just an error
    c.socket.emit('online-status-updated', { transaction: 's2' }, 'extra', () => undefined);
    expect(await c.waitFor('socket-api-error-s2')).toEqual({ message: 'Unknown event "online-status-updated"' });
  });
});

describe('re-auth', () => {
  it('switches workspace: leaves the old rooms, announces offline there, joins the new ones', async () => {
    const w1Observer = await join('obs-1', W1);
    const w2Observer = await join('obs-2', W2);
    const token = await gw.token('gina', { workspaces: [W1, W2] });
    const gina = await open();
    await gina.auth(token, W1);
    await w1Observer.waitFor('online-status-updated', (d) => d.userId === 'gina' && d.onlineStatus === 'online');

    gina.emit('auth', { token, workspaceId: W2, transaction: 're' });
    expect(await gina.waitFor('auth-success', (d) => d.transaction === 're')).toEqual({ transaction: 're', userId: 'gina', reconnected: false, onlineStatus: 'online' });
    expect(await w1Observer.waitFor('online-status-updated', (d) => d.userId === 'gina' && d.onlineStatus === 'offline')).toBeDefined();
    await w2Observer.waitFor('online-status-updated', (d) => d.userId === 'gina' && d.onlineStatus === 'online');

    await publish(gw, 'user-leaved-workspace', { workspaceId: W1 }, { userId: 'w1-only' });
    await publish(gw, 'user-leaved-workspace', { workspaceId: W2 }, { userId: 'w2-only' });
    await gina.waitFor('user-leaved-workspace', (d) => d.userId === 'w2-only');
    expect(gina.of('user-leaved-workspace')).toEqual([{ userId: 'w2-only' }]);
  });

  it('a failed re-auth keeps the previous identity', async () => {
    const hal = await join('hal', W1);
    hal.emit('auth', { token: 'broken', workspaceId: W2, transaction: 'bad' });
    expect(await hal.waitFor('socket-api-error-bad')).toEqual({ message: 'Invalid access token' });
    await publish(gw, 'user-leaved-workspace', { workspaceId: W1 }, { userId: 'still-w1' });
    await hal.waitFor('user-leaved-workspace', (d) => d.userId === 'still-w1');
    hal.emit('nope', { transaction: 'n' });
    expect(await hal.waitFor('socket-api-error-n')).toEqual({ message: 'Unknown event "nope"' });
  });

  it('same workspace again: announces the new status, the user stays counted once', async () => {
    const obs = await join('obs-3', W1);
    const token = await gw.token('ivy', { workspaces: [W1] });
    const ivy = await open();
    await ivy.auth(token, W1);
    ivy.emit('auth', { token, workspaceId: W1, onlineStatus: 'idle' });
    await obs.waitFor('online-status-updated', (d) => d.userId === 'ivy' && d.onlineStatus === 'idle');
    ivy.close();
    await obs.waitFor('online-status-updated', (d) => d.userId === 'ivy' && d.onlineStatus === 'offline');
    expect(obs.of('online-status-updated').filter((d: any) => d.userId === 'ivy').map((d: any) => d.onlineStatus)).toEqual([
      'online',
      'idle',
      'offline',
    ]);
  });
});

describe('packet size and connection metrics (own gateway)', () => {
  let small: TestGateway;
  const mine: Client[] = [];
  beforeAll(async () => {
    small = await startGateway({ WS_MAX_FRAME_BYTES: '4096' });
  });
  afterAll(async () => {
    mine.forEach((c) => c.close());
    await small.stop();
  });

  it('a packet under the limit is handled; one over it closes the connection', async () => {
    const ok = await connect(small.url);
    mine.push(ok);
    ok.emit('auth', { token: 'x'.repeat(3000), workspaceId: W1, transaction: 'big-ok' });
    expect(await ok.waitFor('socket-api-error-big-ok')).toEqual({ message: 'Invalid access token' });
    expect(ok.socket.connected).toBe(true);

    const big = await connect(small.url);
    mine.push(big);
    big.emit('auth', { token: 'x'.repeat(5000), workspaceId: W1, transaction: 'big' });
    expect(await big.waitForDisconnect()).toBe('transport close');
    expect(big.received).toEqual([]);
  });

  it('counts open connections', async () => {
    const gauge = small.gateway.context.metrics.connectionsOpen;
    await until(async () => (await metricValue(gauge, { api: 'workspace' })) === 1, 'one open connection (the first test left one)');
    const c = await connect(small.url);
    await until(async () => (await metricValue(gauge, { api: 'workspace' })) === 2, 'two open connections');
    c.close();
    await until(async () => (await metricValue(gauge, { api: 'workspace' })) === 1, 'back to one');
  });
});
