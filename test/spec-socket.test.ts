// src/apis/spec-socket.ts end to end, on the catalogues generated from specs/ plus the
// examples/notifications spec: how a socket authenticates, which audience it hears, what it is told
// when it cannot be admitted.
import { randomUUID } from 'node:crypto';
import { copyFileSync, mkdirSync, rmSync, cpSync } from 'node:fs';
import { join } from 'node:path';
import type { SocketEndpoint } from '../generated/socket-endpoints';
import { CLOSE_NO_AUDIENCE, CLOSE_UNAUTHORIZED, NOT_AUTHENTICATED } from '../src/apis/spec-socket';
import { AuthError, type Authenticator } from '../src/auth/authenticator';
import { signToken } from '../src/auth/token';
import { KEYS_UNAVAILABLE_MESSAGE } from '../src/http/bearer';
import { NOT_AUTHENTICATED as NOT_AUTHENTICATED_IN_TIME } from '../src/ws/auth-deadline';
import { TOO_MANY_MESSAGES } from '../src/ws/socket-endpoint';
import type { Catalogues } from '../src/apis/context';
import type { ApiName } from '../src/ports/bus';
import { startGateway, type TestGateway } from './helpers/gateway';
import { waitFor } from './helpers/wait';
import { ROOT, runGenerate } from './helpers/run-generate';
import { connect, type TestSocket } from './helpers/ws';

const work = join(ROOT, '.tmp', `spec-socket-${process.pid}`);
let generated: { catalogues: Catalogues; socketEndpoints: Record<string, SocketEndpoint> };
let gw: TestGateway;
let ws: string;

beforeAll(async () => {
  rmSync(work, { recursive: true, force: true });
  mkdirSync(work, { recursive: true });
  cpSync(join(ROOT, 'specs'), join(work, 'specs'), { recursive: true });
  copyFileSync(join(ROOT, 'examples', 'notifications', 'notifications.asyncapi.yaml'), join(work, 'specs', 'notifications.asyncapi.yaml'));
  const r = runGenerate(['--specs', join(work, 'specs'), '--out', join(work, 'generated')]);
  if (r.status !== 0) throw new Error(`generate failed:\n${r.stderr}`);
  /* eslint-disable @typescript-eslint/no-require-imports */
  generated = {
    catalogues: require(join(work, 'generated', 'index.ts')).catalogues,
    socketEndpoints: require(join(work, 'generated', 'socket-endpoints.ts')).socketEndpoints,
  };
  /* eslint-enable @typescript-eslint/no-require-imports */
  gw = await startGateway({ WS_AUTH_TIMEOUT_MS: '2000' }, generated);
  ws = `${gw.url.replace('http', 'ws')}/notifications`;
}, 120_000);

afterAll(async () => {
  await gw?.stop();
  rmSync(work, { recursive: true, force: true });
});

const notification = (id: string) => ({ id, title: `title ${id}`, created_at: '2026-12-03T12:00:00Z' });

/** Published on the bus as a producer would (the HTTP publish API is test/spec-broadcast-api.test.ts's). */
async function publish(to: string | number, id: string, data: unknown = notification(id)): Promise<void> {
  await gw.gateway.context.bus.publish('notifications' as ApiName, { id: randomUUID(), message: 'notification', to: { user_id: to }, data });
}

/** How many sockets the gateway has admitted to `audience` of the notifications endpoint now. */
function admitted(audience: string, on: TestGateway = gw): number {
  const api = on.gateway.context.audiences.snapshot(Number.MAX_SAFE_INTEGER).find((a) => a.api === 'notifications');
  return api?.largest.find((a) => a.audience === audience)?.count ?? 0;
}

/**
 * A socket admitted as `user`. The token check follows the upgrade, so wait until the gateway has
 * put the socket in its audience (a fixed sleep lost that race on a loaded machine, and the publish
 * that followed was never heard). Each test uses its own users, so no other socket moves the count.
 */
async function socketOf(userId: unknown, how: 'header' | 'query' = 'header'): Promise<TestSocket> {
  const token = await gw.token(`sub-${String(userId)}`, { user_id: userId });
  const before = admitted(String(userId));
  const s = how === 'header' ? await connect(ws, { headers: { authorization: `Bearer ${token}` } }) : await connect(`${ws}?token=${token}`);
  await waitFor(() => admitted(String(userId)) === before + 1, `admission of a socket of ${String(userId)}`, 60_000);
  return s;
}

it('delivers each notification to the sockets of its user only, whichever way the token came', async () => {
  const [a1, a2, b] = [await socketOf('u1'), await socketOf('u1', 'query'), await socketOf('u2')];
  await publish('u1', 'n1');
  await publish('u2', 'n2');
  for (const s of [a1, a2]) expect(await s.next()).toEqual({ type: 'notification', notification: notification('n1') });
  expect(await b.next()).toEqual({ type: 'notification', notification: notification('n2') });
  expect(b.frames).toHaveLength(1);
  for (const s of [a1, a2, b]) s.ws.close();
});

it('matches audience values as strings: a numeric claim hears a publish to its string', async () => {
  const s = await socketOf(7);
  await publish('7', 'n7');
  expect(await s.next()).toEqual({ type: 'notification', notification: notification('n7') });
  s.ws.close();
});

it('never sends a frame the spec rejects, and keeps serving', async () => {
  const s = await socketOf('u3');
  await publish('u3', 'bad', { id: 'bad' }); // no title nor created_at: refused by the fan-out
  await publish('u3', 'good');
  expect(await s.next()).toEqual({ type: 'notification', notification: notification('good') });
  expect(s.frames).toHaveLength(1);
  s.ws.close();
});

it('closes 4401 without a token or with one that does not verify', async () => {
  const forged = await signToken('not the gateway secret, but long enough to sign with', { sub: 'x', claims: { user_id: 'u1' } });
  for (const url of [ws, `${ws}?token=`, `${ws}?token=${forged}`]) {
    expect(await (await connect(url)).closed).toEqual({ code: CLOSE_UNAUTHORIZED, reason: NOT_AUTHENTICATED });
  }
});

it('closes 4403 when the token lacks the claim the audience comes from', async () => {
  const token = await gw.token('no-user-id');
  const s = await connect(ws, { headers: { authorization: `Bearer ${token}` } });
  expect(await s.closed).toEqual({ code: CLOSE_NO_AUDIENCE, reason: 'The token has no "user_id" claim' });
});

it('refuses upgrades of other paths as before', async () => {
  await expect(connect(`${ws}/more`)).rejects.toThrow('HTTP 404');
});

describe('an endpoint whose audience is a query parameter and whose token may only be a header', () => {
  let other: TestGateway;
  beforeAll(async () => {
    const endpoints = { notifications: { ...generated.socketEndpoints.notifications, from: { query: 'user' }, token: ['header'] as const } };
    other = await startGateway({}, { catalogues: generated.catalogues, socketEndpoints: endpoints });
  });
  afterAll(() => other.stop());

  it('groups by the query parameter, takes the header token, and refuses a query token', async () => {
    const url = `${other.url.replace('http', 'ws')}/notifications`;
    const token = await other.token('anyone');
    const s = await connect(`${url}?user=u9`, { headers: { authorization: `Bearer ${token}` } });
    expect(await (await connect(`${url}?user=u9&token=${token}`)).closed).toEqual({ code: CLOSE_UNAUTHORIZED, reason: NOT_AUTHENTICATED });
    const missing = await connect(url, { headers: { authorization: `Bearer ${token}` } });
    expect(await missing.closed).toEqual({ code: CLOSE_NO_AUDIENCE, reason: 'The "user" query parameter is required' });
    await waitFor(() => admitted('u9', other) === 1, 'admission of the socket of u9', 60_000);
    await other.gateway.context.bus.publish('notifications' as ApiName, { id: randomUUID(), message: 'notification', to: { user_id: 'u9' }, data: notification('q') });
    expect(await s.next()).toEqual({ type: 'notification', notification: notification('q') });
    s.ws.close();
  });
});

describe('admission that cannot finish, and clients that talk', () => {
  let other: TestGateway;
  let url: string;
  beforeAll(async () => {
    // Tokens name what the authenticator does: `down` (signing keys unavailable), `hang` (never answers).
    const auth: Authenticator = {
      verify: (token) =>
        token === 'down' ? Promise.reject(new AuthError('keys_unavailable', 'signing keys unavailable'))
          : token === 'hang' ? new Promise(() => undefined)
            : Promise.resolve({ sub: token, user_id: token }),
    };
    const env = { WS_AUTH_TIMEOUT_MS: '300', WS_MESSAGE_RATE: '1', WS_MESSAGE_BURST: '2' };
    other = await startGateway(env, { ...generated, auth });
    url = `${other.url.replace('http', 'ws')}/notifications`;
  });
  afterAll(() => other.stop());

  it('closes 1013 while the signing keys cannot be fetched', async () => {
    expect(await (await connect(`${url}?token=down`)).closed).toEqual({ code: 1013, reason: KEYS_UNAVAILABLE_MESSAGE });
  });

  it('closes 1008 when the token check does not finish within WS_AUTH_TIMEOUT_MS', async () => {
    expect(await (await connect(`${url}?token=hang`)).closed).toEqual({ code: 1008, reason: NOT_AUTHENTICATED_IN_TIME });
  });

  it('ignores client frames up to the message rate, then closes 1008', async () => {
    const s = await connect(`${url}?token=u5`);
    for (let i = 0; i < 5; i++) s.send({ hello: i });
    expect(await s.closed).toEqual({ code: 1008, reason: TOO_MANY_MESSAGES });
  });
});
