// CORS as a browser sees it: a preflight, then the request, for every REST endpoint of every API
// (publish and operations included) and for socket.io's polling transport (Engine.IO 4 and 3, the
// latter as socket.io-client 2 polls: with credentials). Allowed origins come from CORS_ORIGINS.
import { catalogues } from '../../generated';
import { call, startGateway, type TestGateway } from '../helpers/gateway';

const APP = 'https://app.example.com';
const OTHER = 'https://evil.example.net';

/** Every REST operation of every API, with a concrete path (parameters filled in). */
const operations = Object.values(catalogues).flatMap((c) =>
  Object.values(c.operations).map((o) => ({ method: o.method.toUpperCase(), path: o.path.replace('{api}', 'workspace').replace(/\{[^}]+\}/g, 'x') })),
);

const preflight = (gw: TestGateway, path: string, origin: string, method: string) =>
  call(`${gw.url}${path}`, {
    method: 'OPTIONS',
    headers: { origin, 'access-control-request-method': method, 'access-control-request-headers': 'authorization,content-type' },
  });

describe('CORS_ORIGINS lists the app', () => {
  let gw: TestGateway;
  beforeAll(async () => {
    gw = await startGateway({ CORS_ORIGINS: `${APP},http://localhost:3000`, MESSENGER_POLL_TIMEOUT_MS: '50' });
  });
  afterAll(() => gw.stop());

  it('covers every REST operation', () => {
    expect(operations.length).toBeGreaterThanOrEqual(11);
    expect(operations).toContainEqual({ method: 'POST', path: '/publish/v1/workspace' });
  });

  it.each(operations.map((o) => [`${o.method} ${o.path}`, o] as const))('%s: preflight 204 for the app, then the answer carries its origin', async (_name, o) => {
    const pre = await preflight(gw, o.path, APP, o.method);
    expect(pre.status).toBe(204);
    expect(pre.headers.get('access-control-allow-origin')).toBe(APP);
    expect(pre.headers.get('access-control-allow-credentials')).toBe('true');
    expect(pre.headers.get('access-control-allow-methods')).toContain(o.method);
    expect(pre.headers.get('access-control-allow-headers')).toBe('authorization,content-type');
    expect(pre.headers.get('access-control-max-age')).toBe('600');
    expect(pre.headers.get('vary')).toContain('Origin');

    // The request itself (unauthenticated: whatever its status, error answers carry CORS too).
    const res = await call(`${gw.url}${o.path}`, { method: o.method, headers: { origin: APP }, body: o.method === 'POST' ? {} : undefined });
    expect(res.headers.get('access-control-allow-origin')).toBe(APP);
    expect(res.headers.get('access-control-allow-credentials')).toBe('true');
  });

  it('an authorised publish from the app: 202 with its origin, and the headers a script may read', async () => {
    const token = await gw.token('publisher', {}, 'publish');
    const res = await call(`${gw.url}/publish/v1/workspace`, {
      headers: { origin: APP, authorization: `Bearer ${token}` },
      body: { message: 'channel-created', to: { workspaceId: 'w' }, data: { channelId: 'c', workspaceId: 'w' } },
    });
    expect(res.status).toBe(202);
    expect(res.headers.get('access-control-allow-origin')).toBe(APP);
    expect(res.headers.get('access-control-expose-headers')).toContain('X-Request-Id');
  });

  it('a messenger poll that timed out: the app\'s script can read why (X-Poll-Timeout)', async () => {
    const token = await gw.token('7');
    const res = await call(`${gw.url}/events/polling`, { headers: { origin: APP }, body: { token } });
    expect(res.status).toBe(204);
    expect(res.headers.get('access-control-expose-headers')?.split(',')).toContain('X-Poll-Timeout');
    expect(res.headers.get('x-poll-timeout')).toMatch(/poll again$/);
  });

  it('another origin gets no CORS headers, so its browser refuses the answers', async () => {
    const pre = await preflight(gw, '/publish/v1/workspace', OTHER, 'POST');
    expect(pre.headers.get('access-control-allow-origin')).toBeNull();
    const res = await call(`${gw.url}/healthz`, { headers: { origin: OTHER } });
    expect(res.status).toBe(200);
    expect(res.headers.get('access-control-allow-origin')).toBeNull();
  });

  it('a plain OPTIONS (not a preflight) is still the method layer: 204 with Allow', async () => {
    const res = await call(`${gw.url}/publish/v1/workspace`, { method: 'OPTIONS' });
    expect(res.status).toBe(204);
    expect(res.headers.get('allow')).toContain('POST');
  });

  it.each([['4'], ['3']])('socket.io polling (Engine.IO %s): preflight and handshake answer the app with credentials', async (eio) => {
    const path = `/socket.io/?EIO=${eio}&transport=polling`;
    const pre = await preflight(gw, path, APP, 'GET');
    expect(pre.status).toBe(204);
    expect(pre.headers.get('access-control-allow-origin')).toBe(APP);
    expect(pre.headers.get('access-control-allow-credentials')).toBe('true');

    const handshake = await call(`${gw.url}${path}`, { headers: { origin: APP } });
    expect(handshake.status).toBe(200);
    expect(handshake.headers.get('access-control-allow-origin')).toBe(APP);
    expect(handshake.headers.get('access-control-allow-credentials')).toBe('true');
    expect(handshake.text).toContain('"sid"');

    const refused = await call(`${gw.url}${path}`, { headers: { origin: OTHER } });
    expect(refused.headers.get('access-control-allow-origin')).toBeNull();
  });
});

describe('defaults and switches', () => {
  it('development answers any origin (echoed, never *), with credentials', async () => {
    const gw = await startGateway();
    try {
      const pre = await preflight(gw, '/events/v1/events', OTHER, 'POST');
      expect(pre.status).toBe(204);
      expect(pre.headers.get('access-control-allow-origin')).toBe(OTHER);
      const poll = await call(`${gw.url}/socket.io/?EIO=3&transport=polling`, { headers: { origin: 'http://localhost:8081' } });
      expect(poll.headers.get('access-control-allow-origin')).toBe('http://localhost:8081');
    } finally {
      await gw.stop();
    }
  });

  it('CORS_ORIGINS=none answers no origin; CORS_CREDENTIALS=false drops the credentials header', async () => {
    const none = await startGateway({ CORS_ORIGINS: 'none' });
    const noCredentials = await startGateway({ CORS_ORIGINS: APP, CORS_CREDENTIALS: 'false' });
    try {
      expect((await preflight(none, '/publish/v1/workspace', APP, 'POST')).headers.get('access-control-allow-origin')).toBeNull();
      expect((await call(`${none.url}/socket.io/?EIO=4&transport=polling`, { headers: { origin: APP } })).headers.get('access-control-allow-origin')).toBeNull();
      const pre = await preflight(noCredentials, '/publish/v1/workspace', APP, 'POST');
      expect(pre.headers.get('access-control-allow-origin')).toBe(APP);
      expect(pre.headers.get('access-control-allow-credentials')).toBeNull();
      const poll = await call(`${noCredentials.url}/socket.io/?EIO=4&transport=polling`, { headers: { origin: APP } });
      expect(poll.headers.get('access-control-allow-origin')).toBe(APP);
      expect(poll.headers.get('access-control-allow-credentials')).toBeNull();
    } finally {
      await none.stop();
      await noCredentials.stop();
    }
  });
});
