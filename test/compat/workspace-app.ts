// The original workspace app, as far as the gateway can tell: an unmodified socket.io client (2.4,
// which the app pins, or 4.x) that listens with `socket.on(name)` for the server events the app
// reads, authenticates with the SDK's own `auth` payload, and uses `logout` and
// `conversation-broadcast`. `describeAppScenario` runs the same checks for either client library
// over each transport (test/compat/workspace-v2-client.test.ts, workspace-v4-client.test.ts).
import { randomUUID } from 'node:crypto';
import { catalogues } from '../../generated';
import { startGateway, type TestGateway } from '../helpers/gateway';
import { publish } from '../helpers/workspace-client';
import { whenSeen } from '../helpers/wait';

const WAIT_MS = 10_000;

/** What the tests use of a socket.io client socket; both major versions have it. */
export interface AppSocket {
  readonly id: string | undefined;
  on(event: string, listener: (...args: any[]) => void): unknown;
  emit(event: string, ...args: unknown[]): unknown;
  disconnect(): unknown;
}

export type Transports = Array<'polling' | 'websocket'>;
/** Opens a socket with the given library: `reconnection: false`, a new connection each time. */
export type Connect = (url: string, transports: Transports) => AppSocket;

/** Every server event the spec lists (the app listens by name; neither library has to support onAny). */
const SERVER_EVENTS = Object.values(catalogues.workspace.messages)
  .filter((m) => m.direction === 'send' && !m.name.includes('{'))
  .map((m) => m.name);

/** The SDK's `auth` payload: `transaction: "auth"`, its time zone, and the previous socket's id (or null). */
export const appAuth = (token: string, workspaceId: string, prevSocketId: string | null = null, onlineStatus = 'online') => ({
  transaction: 'auth',
  token,
  workspaceId,
  onlineStatus,
  localTimeZone: 'Europe/Moscow',
  prevSocketId,
});

interface Received {
  event: string;
  data: unknown;
}

export class AppClient {
  readonly received: Received[] = [];
  disconnectReason: string | undefined;
  private readonly waiters = new Set<() => void>();

  private constructor(readonly socket: AppSocket) {
    for (const event of [...SERVER_EVENTS, 'socket-api-error-auth']) this.listen(event);
    socket.on('disconnect', (reason: string) => {
      this.disconnectReason = reason;
      this.notify();
    });
  }

  static open(connect: Connect, url: string, transports: Transports): Promise<AppClient> {
    const socket = connect(url, transports);
    const client = new AppClient(socket);
    return new Promise((resolve, reject) => {
      socket.on('connect', () => resolve(client));
      socket.on('connect_error', (err: unknown) => reject(err instanceof Error ? err : new Error(String(err))));
    });
  }

  get id(): string {
    return this.socket.id as string;
  }

  listen(event: string): void {
    this.socket.on(event, (data: unknown) => {
      this.received.push({ event, data });
      this.notify();
    });
  }

  of(event: string): unknown[] {
    return this.received.filter((r) => r.event === event).map((r) => r.data);
  }

  events(...names: string[]): string[] {
    return this.received.map((r) => r.event).filter((e) => names.includes(e));
  }

  waitFor(event: string, match: (data: any) => boolean = () => true): Promise<any> {
    return this.until(() => this.received.find((r) => r.event === event && match(r.data)), `"${event}"`).then((r) => r.data);
  }

  waitForDisconnect(): Promise<string> {
    return this.until(() => this.disconnectReason, 'disconnect');
  }

  /** The app's `auth`; resolves with `auth-success` (fails with the error received instead). */
  async auth(token: string, workspaceId: string, prevSocketId: string | null = null): Promise<any> {
    const before = this.received.length;
    this.socket.emit('auth', appAuth(token, workspaceId, prevSocketId));
    const reply = await this.until(() => this.received.slice(before).find((r) => r.event === 'auth-success' || r.event === 'socket-api-error'), 'auth reply');
    if (reply.event !== 'auth-success') throw new Error(`auth failed: ${JSON.stringify(reply.data)}`);
    return reply.data;
  }

  close(): void {
    this.socket.disconnect();
  }

  private notify(): void {
    this.waiters.forEach((w) => w());
  }

  private until<T>(probe: () => T | undefined, what: string): Promise<T> {
    const received = () => JSON.stringify(this.received.map((r) => r.event));
    return whenSeen(this.waiters, probe, () => `no ${what} within ${WAIT_MS} ms; received: ${received()}`, WAIT_MS);
  }
}

const user = (id: string) => ({ id, name: 'Maria', lang: 'ru', avatarFileId: null, createdAt: '2021-03-01T09:15:00Z', updatedAt: '2021-03-01T09:15:00Z' });
const mediaState = { microphone: true, speakers: true, screen: false, camera: false, speaking: false };

/**
 * The app's session against a real gateway, for one client library over each transport. `extra`
 * adds library-specific checks with the same gateway.
 */
export function describeAppScenario(library: string, connect: Connect, extra?: (gw: () => TestGateway, open: (t: Transports) => Promise<AppClient>) => void): void {
  let gw: TestGateway;
  const clients: AppClient[] = [];
  beforeAll(async () => {
    // A short heartbeat, so the tests also see a few rounds of it (Engine.IO 3: the client pings).
    gw = await startGateway({ WS_PING_INTERVAL_MS: '200', WS_PONG_TIMEOUT_MS: '5000' });
  });
  afterAll(async () => {
    clients.forEach((c) => c.close());
    await gw.stop();
  });
  const open = async (transports: Transports) => {
    const client = await AppClient.open(connect, gw.url, transports);
    clients.push(client);
    return client;
  };
  /** A socket of `sub` authenticated in `workspaceId` with the app's payload. */
  const member = async (transports: Transports, sub: string, workspaceId: string, channels?: string[]) => {
    const client = await open(transports);
    await client.auth(await gw.token(sub, { workspaces: [workspaceId], ...(channels ? { channels } : {}) }), workspaceId);
    return client;
  };

  const transports: Array<[string, Transports]> = [
    ['polling', ['polling']],
    ['websocket', ['websocket']],
    ['polling upgraded to websocket', ['polling', 'websocket']],
  ];
  describe.each(transports)(`${library} over %s`, (_name, t) => {
    it('auth with the app payload: online-status-updated first, then auth-success with reconnected and onlineStatus', async () => {
      const w = randomUUID();
      const observer = await member(t, `obs-${w}`, w);
      const app = await open(t);
      const token = await gw.token('alice', { workspaces: [w] });
      app.socket.emit('auth', appAuth(token, w, null, 'idle'));
      expect(await app.waitFor('auth-success')).toEqual({ transaction: 'auth', userId: 'alice', reconnected: false, onlineStatus: 'idle' });
      expect(app.events('online-status-updated', 'auth-success')).toEqual(['online-status-updated', 'auth-success']);
      expect(app.of('online-status-updated')).toEqual([{ userId: 'alice', onlineStatus: 'idle' }]);
      expect(await observer.waitFor('online-status-updated', (d) => d.userId === 'alice')).toEqual({ userId: 'alice', onlineStatus: 'idle' });
    });

    it('a refused auth answers socket-api-error and socket-api-error-auth, as the SDK listens', async () => {
      const app = await open(t);
      app.socket.emit('auth', appAuth('not-a-token', randomUUID()));
      expect(await app.waitFor('socket-api-error-auth')).toEqual({ message: 'Invalid access token' });
      expect(app.of('socket-api-error')).toEqual([{ event: 'auth', message: 'Invalid access token' }]);
      app.socket.emit('auth', { ...appAuth(await gw.token('al', { workspaces: ['w'] }), 'w'), color: 'red' });
      expect(await app.waitFor('socket-api-error', (d) => d.message.startsWith('Invalid data'))).toEqual({ event: 'auth', message: 'Invalid data format for "auth" event' });
    });

    it('receives the events of each of its rooms: workspace, owned channel, claimed channel, user', async () => {
      const w = randomUUID();
      const owned = `c-${randomUUID()}`;
      const claimed = `c-${randomUUID()}`;
      const app = await member(t, 'bob', w, [claimed]);
      const sent: Array<[string, Record<string, string>, unknown]> = [
        ['channel-created', { workspaceId: w }, { channelId: owned, workspaceId: w }],
        ['user-joined', { workspaceId: w }, { user: user(randomUUID()) }],
        ['workspace-updated', { workspaceId: w }, { workspace: { id: w, name: 'Distillery' } }],
        ['user-selected-channel', { channelId: owned }, { userId: 'carl', channelId: owned, socketId: 'other-socket', userMediaState: mediaState }],
        ['channel-updated', { channelId: claimed }, { channel: { id: claimed, name: 'ops', isPrivate: true, isTemporary: false, creatorId: 'carl', createdAt: '2021-03-01T09:15:00Z', updatedAt: '2021-03-01T09:15:00Z' } }],
        ['user-unselected-channel', { channelId: owned }, { userId: 'carl', channelId: owned, socketId: 'other-socket', userMediaState: mediaState }],
        ['user-changed-device', { userId: 'bob' }, null],
        ['me-updated', { userId: 'bob' }, { user: user(randomUUID()) }],
        ['invite', { userId: 'bob' }, { inviteId: 'i1', channelId: owned, from: 'carl' }],
        ['kicked-from-workspace', { userId: 'bob' }, { workspaceId: w }],
      ];
      for (const [message, to, data] of sent) {
        await publish(gw, message, to, data);
        expect(await app.waitFor(message)).toEqual(data);
      }
    });

    it('conversation-broadcast reaches the channel the socket selected, sender included, with its userId', async () => {
      const w = randomUUID();
      const channel = `c-${randomUUID()}`;
      const app = await member(t, 'dora', w);
      const peer = await member(t, 'eddy', w);
      await publish(gw, 'channel-created', { workspaceId: w }, { channelId: channel, workspaceId: w });
      app.socket.emit('conversation-broadcast', { action: 'sticker', data: { sticker: 'wave' } });
      expect(await app.waitFor('socket-api-error')).toEqual({ event: 'conversation-broadcast', message: 'Select a channel first' });

      await publish(gw, 'user-selected-channel', { channelId: channel }, { userId: 'dora', channelId: channel, socketId: app.id, userMediaState: mediaState });
      await app.waitFor('user-selected-channel');
      app.socket.emit('conversation-broadcast', { action: 'sticker', data: { sticker: 'wave' }, userId: 'forged' });
      const expected = { action: 'sticker', data: { sticker: 'wave' }, userId: 'dora' };
      expect(await peer.waitFor('conversation-broadcast')).toEqual(expected);
      expect(await app.waitFor('conversation-broadcast')).toEqual(expected);
    });

    it('reconnects with prevSocketId: reconnected while the old socket is still counted, and the user stays online', async () => {
      const w = randomUUID();
      const observer = await member(t, `obs-${w}`, w);
      const token = await gw.token('fay', { workspaces: [w] });
      const first = await open(t);
      expect((await first.auth(token, w)).reconnected).toBe(false);
      const second = await open(t);
      expect(await second.auth(token, w, first.id)).toEqual({ transaction: 'auth', userId: 'fay', reconnected: true, onlineStatus: 'online' });
      const third = await open(t);
      expect((await third.auth(token, w, 'never-seen')).reconnected).toBe(false);
      first.close();
      third.close();
      second.socket.emit('logout');
      expect(await second.waitForDisconnect()).toBe('io server disconnect');
      // Each auth announced online; offline once, when the user's last socket (second) logged out.
      await observer.waitFor('online-status-updated', (d) => d.userId === 'fay' && d.onlineStatus === 'offline');
      expect(observer.of('online-status-updated').filter((d: any) => d.userId === 'fay').map((d: any) => d.onlineStatus)).toEqual(['online', 'online', 'online', 'offline']);
    });

    it('logout before auth is refused; unknown events and binary payloads get socket-api-error', async () => {
      const app = await open(t);
      app.socket.emit('logout');
      expect(await app.waitFor('socket-api-error')).toEqual({ event: 'logout', message: 'Unauthorized: send "auth" first' });
      await app.auth(await gw.token('gus', { workspaces: ['wg'] }), 'wg');
      app.socket.emit('select-channel', { channelId: 'c' });
      expect(await app.waitFor('socket-api-error', (d) => d.event === 'select-channel')).toEqual({ event: 'select-channel', message: 'Unknown event "select-channel"' });
      app.socket.emit('conversation-broadcast', Buffer.from('binary'));
      expect(await app.waitFor('socket-api-error', (d) => d.event === 'conversation-broadcast')).toEqual({
        event: 'conversation-broadcast',
        message: 'Invalid data format for "conversation-broadcast" event',
      });
      expect(app.disconnectReason).toBeUndefined();
    });
  });

  extra?.(() => gw, open);
}
