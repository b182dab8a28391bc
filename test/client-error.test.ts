// Requests Node's HTTP parser refuses are answered like Node's default (400, 431), counted, and
// never end the process.
import { connect } from 'node:net';
import { startGateway, type TestGateway } from './helpers/gateway';
import { waitFor } from './helpers/wait';
import { metricValue, rawRequest } from './helpers/raw-http';

let gw: TestGateway;
beforeAll(async () => {
  gw = await startGateway();
});
afterAll(() => gw.stop());

const badInput = async (kind: string) => metricValue(await gw.gateway.context.metrics.text(), `bad_input_total{api="http",kind="${kind}"}`);

it.each([
  ['garbage bytes', 'GARBAGE\r\n\r\n'],
  ['an unknown HTTP version', 'GET / HTTP/7.1\r\nHost: x\r\n\r\n'],
  ['a space in the target', 'GET /a b HTTP/1.1\r\nHost: x\r\n\r\n'],
  ['a header without a colon', 'GET / HTTP/1.1\r\nHost x\r\n\r\n'],
  ['a bad Content-Length', 'POST /events/v1/events HTTP/1.1\r\nHost: x\r\nContent-Length: abc\r\n\r\n'],
  ['two Content-Lengths', 'POST /events/v1/events HTTP/1.1\r\nHost: x\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\n{}'],
  ['NUL in a header', 'GET / HTTP/1.1\r\nHost: x\0y\r\n\r\n'],
])('%s gets 400, is counted, and the server stays up', async (_what, bytes) => {
  const before = await badInput('malformed_request');
  expect(await rawRequest(gw.url, bytes)).toMatchObject({ status: 400, closed: true });
  expect(await badInput('malformed_request')).toBe(before + 1);
  expect((await fetch(`${gw.url}/healthz`)).status).toBe(200);
});

it.each(['http://[::1', 'http://['])('an absolute-form target Koa cannot parse (%s) gets 400, not 500, and is counted', async (target) => {
  const before = await badInput('malformed_target');
  const answer = await rawRequest(gw.url, `DELETE ${target} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n`);
  expect(answer).toMatchObject({ status: 400, closed: true });
  expect(answer.text).toContain('{"error":"Malformed request target"}');
  expect(await badInput('malformed_target')).toBe(before + 1);
});

it('headers over the limit get 431', async () => {
  const before = await badInput('headers_too_large');
  const answer = await rawRequest(gw.url, `GET /healthz HTTP/1.1\r\nHost: x\r\nX-Big: ${'a'.repeat(20_000)}\r\n\r\n`);
  expect(answer).toMatchObject({ status: 431, closed: true });
  expect(await badInput('headers_too_large')).toBe(before + 1);
});

it('an HTTP/0.9 request line is answered as HTTP/1.x (the parser accepts it)', async () => {
  expect(await rawRequest(gw.url, 'GET /healthz\r\n\r\n')).toMatchObject({ status: 200, closed: true });
});

it('a malformed request after an answered one on the same connection drops the connection without a status line', async () => {
  const socket = connect(Number(new URL(gw.url).port), '127.0.0.1');
  let text = '';
  socket.on('data', (d) => (text += d.toString('latin1')));
  const closed = new Promise((resolve) => socket.on('close', resolve));
  socket.write('GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n');
  await waitFor(() => text.includes('{"status":"ok"}'), 'the first answer');
  socket.write('GARBAGE\r\n\r\n');
  await closed;
  expect(text.match(/^HTTP\/1\.1 \d+/gm)).toEqual(['HTTP/1.1 200']);
});
