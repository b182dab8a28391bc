// socket.io clients for the workspace API tests: connect (over WebSocket unless told otherwise), record every event,
// wait for events with generous limits (no timing assertions).
import { io, type Socket } from 'socket.io-client';
import { call, type TestGateway } from './gateway';
import { waitFor, whenSeen } from './wait';

export const WAIT_MS = 10_000;

export interface Received {
  event: string;
  data: unknown;
}

export class Client {
  readonly received: Received[] = [];
  private readonly waiters = new Set<() => void>();
  disconnectReason: string | undefined;

  constructor(readonly socket: Socket) {
    socket.onAny((event: string, data: unknown) => {
      this.received.push({ event, data });
      this.waiters.forEach((w) => w());
    });
    socket.on('disconnect', (reason) => {
      this.disconnectReason = reason;
      this.waiters.forEach((w) => w());
    });
  }

  get id(): string {
    return this.socket.id as string;
  }

  /** Events received with this name, in order. */
  of(event: string): unknown[] {
    return this.received.filter((r) => r.event === event).map((r) => r.data);
  }

  /** The first event received (already, or later) at index `from` or after that matches. */
  waitFor(event: string, match: (data: any) => boolean = () => true, from = 0): Promise<any> {
    const probe = () => this.received.slice(from).find((r) => r.event === event && match(r.data));
    return this.until(probe, `"${event}"`, WAIT_MS).then((r) => r.data);
  }

  /** Resolves with the disconnect reason. */
  waitForDisconnect(ms = WAIT_MS): Promise<string> {
    return this.until(() => this.disconnectReason, 'disconnect', ms);
  }

  private until<T>(probe: () => T | undefined, what: string, ms: number): Promise<T> {
    const received = () => JSON.stringify(this.received.map((r) => r.event));
    return whenSeen(this.waiters, probe, () => `no ${what} within ${ms} ms; received: ${received()}`, ms);
  }


  emit(event: string, data?: unknown): void {
    this.socket.emit(event, data);
  }

  /** Sends `auth` and waits for `auth-success` (or fails with the error received). */
  async auth(token: string, workspaceId: string, extra: Record<string, unknown> = {}): Promise<any> {
    const before = this.received.length;
    this.emit('auth', { token, workspaceId, ...extra });
    const reply = await this.until(
      () => this.received.slice(before).find((r) => r.event === 'auth-success' || r.event === 'socket-api-error'),
      'auth reply',
      WAIT_MS,
    );
    if (reply.event !== 'auth-success') throw new Error(`auth failed: ${JSON.stringify(reply.data)}`);
    return reply.data;
  }

  close(): void {
    this.socket.disconnect();
  }
}

/** A connected client; by default straight on a WebSocket (pass ['polling', 'websocket'] to upgrade). */
export async function connect(url: string, transports: Array<'polling' | 'websocket'> = ['websocket']): Promise<Client> {
  const socket = io(url, { path: '/socket.io/', transports, reconnection: false, forceNew: true, timeout: WAIT_MS });
  const client = new Client(socket);
  await new Promise<void>((resolve, reject) => {
    socket.once('connect', () => resolve());
    socket.once('connect_error', (err) => reject(err));
  });
  return client;
}

/** A connected client authenticated as `sub` in `workspaceId` (token claims: workspaces, channels). */
export async function member(
  gw: TestGateway,
  sub: string,
  workspaceId: string,
  claims: { workspaces?: string[]; channels?: string[] } = {},
  extra: Record<string, unknown> = {},
): Promise<Client> {
  const client = await connect(gw.url);
  const token = await gw.token(sub, { workspaces: claims.workspaces ?? [workspaceId], ...(claims.channels ? { channels: claims.channels } : {}) });
  await client.auth(token, workspaceId, extra);
  return client;
}

/** POST /publish/v1/workspace with a publish-scoped token; expects 202. */
export async function publish(gw: TestGateway, message: string, to: Record<string, string>, data: unknown): Promise<void> {
  const token = await gw.token('publisher', {}, 'publish');
  const r = await call(`${gw.url}/publish/v1/workspace`, { body: { message, to, data }, headers: { authorization: `Bearer ${token}` } });
  if (r.status !== 202) throw new Error(`publish ${message} -> ${r.status} ${r.text}`);
}

/** Polls `probe` until it is truthy (generous limit, no timing assertion). */
export const until = <T>(probe: () => T | Promise<T>, what: string, ms = WAIT_MS) => waitFor(probe, what, ms);

/** Counter value of a prom-client metric for the given labels. */
export async function metricValue(metric: { get(): Promise<{ values: Array<{ value: number; labels: Record<string, unknown> }> }> }, labels: Record<string, string>): Promise<number> {
  const { values } = await metric.get();
  const hit = values.find((v) => Object.entries(labels).every(([k, val]) => v.labels[k] === val));
  return hit?.value ?? 0;
}
