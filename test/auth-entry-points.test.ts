// Token checks at every entry point that verifies a token (publish, pizza ticket, games socket
// requests, workspace `auth`, messenger callback and polling), each answered in its API's shape:
// tokens outside the rules are refused like any invalid token, and while the JWKS cannot be
// fetched every entry point answers "unavailable, retry" (503 or its equivalent) instead of 401.
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { exportJWK, generateKeyPair, SignJWT, type JWTPayload, type KeyLike } from 'jose';
import { catalogues } from '../generated';
import { DEV_JWT_SECRET } from '../src/config';
import { KEYS_UNAVAILABLE_MESSAGE } from '../src/http/bearer';
import { operation } from '../src/http/respond';
import { call, startGateway, type TestGateway } from './helpers/gateway';
import { connect as connectSocketIo } from './helpers/workspace-client';
import { waitFor } from './helpers/wait';
import { connect } from './helpers/ws';

const now = (): number => Math.floor(Date.now() / 1000);
/** A messenger poll with a valid token answers `timeout` at once instead of holding the request. */
const QUICK_POLLS = { MESSENGER_POLL_TIMEOUT_MS: '0' };

/** An entry point that verifies a token. */
interface EntryPoint {
  name: string;
  /** What it answered, checked against its API's shape: 'ok', 'invalid' (401 or equivalent) or 'unavailable'. */
  try(gw: TestGateway, token: string): Promise<'ok' | 'invalid' | 'unavailable'>;
}

const bearer = (token: string) => ({ authorization: `Bearer ${token}` });
const op = (api: keyof typeof catalogues, method: string, path: string) => operation(catalogues[api], method, path);

/** Checks an HTTP answer against its spec response and, for 503, the Retry-After header. */
function httpOutcome(r: Awaited<ReturnType<typeof call>>, validate: (status: number) => ((body: unknown) => boolean) | undefined, invalid: unknown, unavailable: unknown) {
  // A 204 (a messenger poll that timed out) has no body to validate.
  if (r.status === 204) expect(r.text).toBe('');
  else expect(validate(r.status)?.(r.body)).toBe(true);
  if (r.status === 401) {
    expect(r.body).toEqual(invalid);
    return 'invalid' as const;
  }
  if (r.status === 503) {
    expect(r.body).toEqual(unavailable);
    expect(r.headers.get('retry-after')).toBe('5');
    return 'unavailable' as const;
  }
  expect(r.status).toBeLessThan(300);
  return 'ok' as const;
}

const ENTRY_POINTS: EntryPoint[] = [
  {
    name: 'publish',
    async try(gw, token) {
      const r = await call(`${gw.url}/publish/v1/pizza`, { headers: bearer(token), body: { message: 'ACCEPT_PIZZA', to: { store_id: 1 }, data: [] } });
      const responses = op('gateway', 'POST', '/publish/v1/{api}').responses;
      return httpOutcome(r, (s) => responses[String(s)]?.['application/json'], { error: 'A valid bearer token is required' }, { error: KEYS_UNAVAILABLE_MESSAGE });
    },
  },
  {
    name: 'pizza ticket',
    async try(gw, token) {
      const r = await call(`${gw.url}/api/v1/ws/ticket`, { headers: bearer(token) });
      const responses = op('pizza', 'GET', '/api/v1/ws/ticket').responses;
      return httpOutcome(r, (s) => responses[String(s)]?.['application/json'], { success: false, error: 'Wrong authorization data' }, { success: false, error: KEYS_UNAVAILABLE_MESSAGE });
    },
  },
  ...(['/events/callback/start', '/events/polling'] as const).map((path) => ({
    name: `messenger ${path}`,
    async try(gw: TestGateway, token: string) {
      // An unroutable documentation address: a registration stores it, and nothing is sent there.
      const r = await call(`${gw.url}${path}`, { form: { token, ...(path === '/events/callback/start' ? { callback: 'https://203.0.113.10:8443/' } : {}) } });
      const responses = op('messenger', 'POST', path).responses;
      return httpOutcome(r, (s) => responses[String(s)]?.['application/json'], { code: -1, response: 'Invalid token' }, { code: -7, response: 'Service unavailable' });
    },
  })),
  {
    name: 'games socket request',
    async try(gw, token) {
      const s = await connect(`${gw.url.replace('http', 'ws')}/?session_key=${token}`);
      try {
        s.send({ stream: 'games', payload: { action: 'subscribe', pk: 1, data: { action: 'update' }, request_id: 'r' } });
        const reply = await s.next((f) => f.payload?.request_id === 'r');
        const status = reply.payload.response_status;
        if (status === 200) return 'ok';
        expect(catalogues.games.messages.errorReply.validate(reply)).toBe(true);
        if (status === 401) {
          expect(reply.payload.errors).toEqual(['Permission Denied']);
          return 'invalid';
        }
        expect(reply.payload).toMatchObject({ response_status: 503, errors: [KEYS_UNAVAILABLE_MESSAGE] });
        return 'unavailable';
      } finally {
        s.ws.close();
      }
    },
  },
  {
    name: 'workspace auth',
    async try(gw, token) {
      const client = await connectSocketIo(gw.url);
      try {
        client.emit('auth', { token, workspaceId: 'w1' });
        const reply = await waitFor(() => client.received.find((r) => r.event === 'auth-success' || r.event === 'socket-api-error'), 'the auth reply');
        if (reply.event === 'auth-success') return 'ok';
        const error = reply.data as { event: string; message: string };
        expect(error.event).toBe('auth');
        if (error.message === 'Invalid access token') return 'invalid';
        expect(error.message).toBe(KEYS_UNAVAILABLE_MESSAGE);
        return 'unavailable';
      } finally {
        client.close();
      }
    },
  },
];

describe('token rules at every entry point (HS256, issuer and audience configured)', () => {
  let gw: TestGateway;
  const ISSUER = 'https://id.example';
  const AUDIENCE = 'switchyard';
  beforeAll(async () => {
    gw = await startGateway({ ...QUICK_POLLS, AUTH_ISSUER: ISSUER, AUTH_AUDIENCE: AUDIENCE });
  });
  afterAll(() => gw.stop());

  const claims = { store_id: 1, workspaces: ['w1'], scope: 'publish' };
  const sign = (payload: JWTPayload) =>
    new SignJWT({ sub: 'alice', ...claims, ...payload }).setProtectedHeader({ alg: 'HS256' }).sign(new TextEncoder().encode(DEV_JWT_SECRET));
  const good = { iss: ISSUER, aud: AUDIENCE, iat: now(), exp: now() + 600 };

  const TOKENS: Array<[string, () => Promise<string>]> = [
    ['without exp or iat (would never expire)', () => sign({ iss: ISSUER, aud: AUDIENCE })],
    ['issued in the future', () => sign({ ...good, iat: now() + 3600, exp: now() + 7200 })],
    ['older than the maximum age, exp still ahead', () => sign({ ...good, iat: now() - 2 * 86_400, exp: now() + 600 })],
    ['expired', () => sign({ ...good, iat: now() - 600, exp: now() - 300 })],
    ['of another issuer', () => sign({ ...good, iss: 'https://evil.example' })],
    ['without issuer', () => sign({ ...good, iss: undefined })],
    ['for another audience', () => sign({ ...good, aud: 'billing' })],
    ['without audience', () => sign({ ...good, aud: undefined })],
  ];

  describe.each(ENTRY_POINTS.map((e) => [e.name, e] as const))('%s', (_name, entry) => {
    it('accepts a token within the rules', async () => {
      expect(await entry.try(gw, await sign(good))).toBe('ok');
    });

    it.each(TOKENS)('refuses a token %s as an invalid token', async (_what, token) => {
      expect(await entry.try(gw, await token())).toBe('invalid');
    });
  });
});

describe('JWKS unreachable: every entry point answers "unavailable", then recovers', () => {
  let keys: { publicKey: KeyLike; privateKey: KeyLike };
  let server: Server;
  let up = false;
  let gw: TestGateway;
  let token: string;

  beforeAll(async () => {
    keys = await generateKeyPair('ES256');
    const jwk = { ...(await exportJWK(keys.publicKey)), kid: 'k1', alg: 'ES256', use: 'sig' };
    server = createServer((_req, res) => {
      if (!up) return void res.writeHead(503).end();
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ keys: [jwk] }));
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    gw = await startGateway({ ...QUICK_POLLS, AUTH_JWKS_URL: `http://127.0.0.1:${(server.address() as AddressInfo).port}/jwks.json` });
    token = await new SignJWT({ sub: 'alice', store_id: 1, workspaces: ['w1'], scope: 'publish' })
      .setProtectedHeader({ alg: 'ES256', kid: 'k1' })
      .setIssuedAt()
      .setExpirationTime('10m')
      .sign(keys.privateKey);
  });
  afterAll(async () => {
    await gw.stop();
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  });

  it('answers unavailable (not invalid) on each entry point while the keys cannot be fetched', async () => {
    for (const entry of ENTRY_POINTS) expect([entry.name, await entry.try(gw, token)]).toEqual([entry.name, 'unavailable']);
  });

  it('accepts the token on each entry point once the keys are back', async () => {
    up = true;
    for (const entry of ENTRY_POINTS) expect([entry.name, await entry.try(gw, token)]).toEqual([entry.name, 'ok']);
  });

  it('a games socket opened while the keys were unavailable checks its session key again on its next request', async () => {
    up = false;
    // A fresh gateway, so that no key is cached yet.
    const fresh = await startGateway({ AUTH_JWKS_URL: gw.gateway.context.config.authJwksUrl! });
    try {
      const s = await connect(`${fresh.url.replace('http', 'ws')}/?session_key=${token}`);
      const ask = async (id: string) => {
        s.send({ stream: 'games', payload: { action: 'subscribe', pk: 1, data: { action: 'update' }, request_id: id } });
        return (await s.next((f) => f.payload?.request_id === id)).payload.response_status;
      };
      expect(await ask('while-down')).toBe(503);
      up = true;
      expect(await ask('after')).toBe(200);
      s.ws.close();
    } finally {
      await fresh.stop();
    }
  });
});
