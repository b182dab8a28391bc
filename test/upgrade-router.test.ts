// The upgrade router on the shared HTTP server: paths, refusals, and that no upgrade request can
// take the process down (issue 10, defect 1: `//` threw `TypeError: Invalid URL` in the listener).
import { connect as tcpConnect } from 'node:net';
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
