// The upgrade router on the shared HTTP server: paths, refusals, and that no upgrade request can
// take the process down (issue 10, defect 1: `//` threw `TypeError: Invalid URL` in the listener).
import { createServer, type Server } from 'node:http';
import { connect as tcpConnect, type AddressInfo } from 'node:net';
import type WebSocket from 'ws';
import { WebSocketServer } from 'ws';
import { ConnectionLimits } from '../src/limits/connection-limits';
import { Metrics } from '../src/metrics';
import { RETRY_AFTER_SECONDS, routeUpgrades } from '../src/ws/upgrade-router';
import { startGateway, type TestGateway } from './helpers/gateway';
import { metricValue, rawRequest, upgradeRequest } from './helpers/raw-http';
import { connect } from './helpers/ws';

let gw: TestGateway;
beforeAll(async () => {
  gw = await startGateway();
});
afterAll(() => gw.stop());

const metrics = () => gw.gateway.context.metrics.text();
const badInput = async (kind: string) => metricValue(await metrics(), `bad_input_total{api="http",kind="${kind}"}`);
const healthy = async () => (await fetch(`${gw.url}/healthz`)).status === 200;

it.each(['//', '/\\\\', '//:99999', '//a/../', '/%', '/ws/../ws?key=%'])('an upgrade to %s is refused with 404, counted, and the server stays up', async (target) => {
  const before = await badInput('unknown_upgrade_path');
  const answer = await rawRequest(gw.url, upgradeRequest(target));
  expect(answer).toMatchObject({ status: 404, closed: true });
  expect(await badInput('unknown_upgrade_path')).toBe(before + 1);
  expect(await healthy()).toBe(true);
});

it('a games or pizza upgrade with a malformed query still upgrades (the key is just wrong)', async () => {
  expect((await rawRequest(gw.url, upgradeRequest('/?session_key=%E0%A4%A'), 1_000)).status).toBe(101);
  const pizza = await connect(`${gw.url.replace('http', 'ws')}/ws?key=%zz`);
  expect(await pizza.closed).toEqual({ code: 4001, reason: 'Wrong connection key.' });
});

it('routes an absolute-form target by its path', async () => {
  expect((await rawRequest(gw.url, upgradeRequest(`http://localhost:1/ws?key=x`), 1_000)).status).toBe(101);
});

it.each([
  ['a malformed Sec-WebSocket-Key', { 'Sec-WebSocket-Key': 'short' }, 'GET', 400],
  ['no Sec-WebSocket-Key', { 'Sec-WebSocket-Key': '' }, 'GET', 400],
  ['an unsupported Sec-WebSocket-Version', { 'Sec-WebSocket-Version': '99' }, 'GET', 400],
  ['an Upgrade other than websocket', { Upgrade: 'h2c' }, 'GET', 400],
  ['a POST', {}, 'POST', 405],
])('a handshake with %s is refused and counted', async (_what, headers, method, status) => {
  const before = await badInput('bad_handshake');
  const answer = await rawRequest(gw.url, upgradeRequest('/ws?key=x', headers, method));
  expect(answer).toMatchObject({ status, closed: true });
  expect(await badInput('bad_handshake')).toBe(before + 1);
  expect(await healthy()).toBe(true);
});

it('survives clients that reset the connection right after a refused upgrade', async () => {
  await Promise.all(
    Array.from({ length: 20 }, () => new Promise<void>((resolve) => {
      const socket = tcpConnect(Number(new URL(gw.url).port), '127.0.0.1', () => {
        socket.write(upgradeRequest('//'));
        socket.resetAndDestroy();
      });
      socket.on('error', () => undefined);
      socket.on('close', () => resolve());
    })),
  );
  expect(await healthy()).toBe(true);
});

// routeUpgrades on a bare HTTP server of its own: no gateway, real ws servers and connection limits.
describe('routeUpgrades (src/ws/upgrade-router.ts)', () => {
  let server: Server;
  let url: string;
  let metrics: Metrics;
  let limits: ConnectionLimits;
  let pizza: WebSocketServer;
  let games: WebSocketServer;
  /** The path of each connection the ws servers were handed, in order. */
  let connected: string[];
  const sockets: WebSocket[] = [];

  beforeEach(async () => {
    metrics = new Metrics({ defaultMetrics: false });
    limits = new ConnectionLimits({ maxConnections: 3, maxConnectionsPerIp: 2, trustedProxies: [] }, metrics);
    connected = [];
    server = createServer((_req, res) => res.end('plain'));
    pizza = new WebSocketServer({ noServer: true });
    games = new WebSocketServer({ noServer: true });
    for (const wss of [pizza, games]) {
      wss.on('connection', (ws: WebSocket, req) => {
        sockets.push(ws);
        connected.push(req.url ?? '');
      });
    }
    routeUpgrades(server, '/ws', { api: 'pizza', wss: pizza }, limits, metrics);
    routeUpgrades(server, '/games', { api: 'games', wss: games }, limits, metrics);
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterEach(async () => {
    for (const ws of sockets.splice(0)) ws.terminate();
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  });

  const counted = async (kind: string) => metricValue(await metrics.registry.metrics(), `bad_input_total{api="http",kind="${kind}"}`);
  const hits = async (limit: string) => metricValue(await metrics.registry.metrics(), `limits_hit_total{api="pizza",limit="${limit}"}`);

  it('routes each path to its own ws server through one upgrade listener, and holds the connection', async () => {
    expect((await rawRequest(url, upgradeRequest('/ws?key=a'), 500)).status).toBe(101);
    expect((await rawRequest(url, upgradeRequest('/games'), 500)).status).toBe(101);
    expect(connected).toEqual(['/ws?key=a', '/games']);
    expect(server.listenerCount('upgrade')).toBe(1);
    expect(limits.open).toBe(2);
  });

  it('refuses an unknown path with 404 before upgrading, and counts it', async () => {
    const answer = await rawRequest(url, upgradeRequest('/wss'));
    expect(answer).toMatchObject({ status: 404, closed: true });
    expect(answer.text).toMatch(/\r\n\r\nNot Found$/);
    expect(await counted('unknown_upgrade_path')).toBe(1);
    expect(connected).toEqual([]);
  });

  it('leaves /socket.io/ upgrades to socket.io', async () => {
    server.on('upgrade', (req, socket) => {
      if (req.url?.startsWith('/socket.io/')) socket.end('HTTP/1.1 418 I\'m a teapot\r\nConnection: close\r\nContent-Length: 0\r\n\r\n');
    });
    expect((await rawRequest(url, upgradeRequest('/socket.io/?EIO=4&transport=websocket'))).status).toBe(418);
    expect(await counted('unknown_upgrade_path')).toBe(0);
  });

  it('refuses one address over its limit with 429 and the node over its limit with 503, each with Retry-After', async () => {
    expect((await rawRequest(url, upgradeRequest('/ws'), 500)).status).toBe(101);
    expect((await rawRequest(url, upgradeRequest('/ws'), 500)).status).toBe(101);
    const perIp = await rawRequest(url, upgradeRequest('/ws'));
    expect(perIp).toMatchObject({ status: 429, closed: true });
    expect(perIp.text).toContain(`Retry-After: ${RETRY_AFTER_SECONDS}\r\n`);
    expect(perIp.text).toMatch(/Too many connections from this address\n$/);
    expect(await hits('connections_per_ip')).toBe(1);

    limits.hold({}, 'elsewhere'); // a third connection from another address fills the node
    const full = await rawRequest(url, upgradeRequest('/ws'));
    expect(full).toMatchObject({ status: 503, closed: true });
    expect(full.text).toContain(`Retry-After: ${RETRY_AFTER_SECONDS}\r\n`);
    expect(await hits('connections')).toBe(1);
    expect(connected).toHaveLength(2);
  });

  it('answers a handshake ws refuses with 400 (405 for a method other than GET), naming the versions it speaks', async () => {
    const bad = await rawRequest(url, upgradeRequest('/ws', { 'Sec-WebSocket-Key': '' }));
    expect(bad).toMatchObject({ status: 400, closed: true });
    expect(bad.text).toContain('Sec-WebSocket-Version: 13, 8\r\n');
    expect((await rawRequest(url, upgradeRequest('/games', {}, 'PUT'))).status).toBe(405);
    expect(await counted('bad_handshake')).toBe(2);
    expect(limits.open).toBe(0);
  });

  it('answers 400 and counts it when handling an upgrade throws, instead of throwing out of the listener', async () => {
    limits.addressOf = () => {
      throw new TypeError('boom');
    };
    expect(await rawRequest(url, upgradeRequest('/ws'))).toMatchObject({ status: 400, closed: true });
    expect(await counted('malformed_upgrade')).toBe(1);
    expect((await fetch(url)).status).toBe(200);
  });
});
