// Requests Node's HTTP parser refuses are answered like Node's default (400, 431), counted, and
// never end the process.
import { EventEmitter } from 'node:events';
import { createServer } from 'node:http';
import { connect } from 'node:net';
import { answerClientErrors, priLine } from '../src/http/client-error';
import { Metrics } from '../src/metrics';
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

// Node's parser waits for the rest of an HTTP/2 preface after a PRI line and an empty line, and
// would leave these hanging until its headers timeout.
it.each([
  ['a PRI request line (fuzz seed 874913678)', ['PRI /Bdq3IWZ HTTP/1.1\r\n\r\n']],
  ['the start of an HTTP/2 preface', ['PRI * HTTP/2.0\r\n\r\n']],
  ['a PRI request line after empty lines', ['\r\n\r\nPRI / HTTP/1.0\r\n\r\n']],
  ['a PRI request line in pieces', ['P', 'RI / HTTP/1.1\r\n', '\r\n']],
  ['a whole HTTP/2 preface (the parser refuses it itself)', ['PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n\0\0\0\x04\0\0\0\0\0']],
])('%s gets 400 at once, is counted as http2_preface, and the connection is closed', async (_what, pieces) => {
  const before = await badInput('http2_preface');
  const answer = await rawRequest(gw.url, pieces[0], 5_000, pieces.slice(1));
  expect(answer).toMatchObject({ status: 400, closed: true });
  expect(answer.text.match(/^HTTP\/1\.1 \d+/gm)).toEqual(['HTTP/1.1 400']);
  expect(await badInput('http2_preface')).toBe(before + 1);
  expect((await fetch(`${gw.url}/healthz`)).status).toBe(200);
});

it('a request that starts like PRI but is not is served as usual, in pieces too', async () => {
  const request = 'PROPFIND /healthz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n';
  expect(await rawRequest(gw.url, request)).toMatchObject({ status: 501, closed: true });
  expect(await rawRequest(gw.url, request.slice(0, 2), 5_000, [request.slice(2)])).toMatchObject({ status: 501, closed: true });
});

describe('priLine', () => {
  it.each([
    ['PRI / HTTP/1.1\r\n', true],
    ['\r\n\nPRI * HTTP/2.0', true],
    ['PRI ', true],
    ['GET / HTTP/1.1', false],
    ['PRIX / HTTP/1.1', false],
    ['pri / HTTP/1.1', false],
    ['\r\nPOST', false],
    ['PRO', false],
  ])('%j: %s', (bytes, verdict) => {
    expect(priLine(Buffer.from(bytes, 'latin1'))).toBe(verdict);
  });

  it.each([
    ['', ''],
    ['\r\n', ''],
    ['P', 'P'],
    ['\r\nPR', 'PR'],
    ['PRI', 'PRI'],
  ])('%j is too short to say: it keeps %j for the next bytes', (bytes, kept) => {
    const verdict = priLine(Buffer.from(bytes, 'latin1'));
    expect(Buffer.isBuffer(verdict) && verdict.toString('latin1')).toBe(kept);
  });
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

// answerClientErrors on its own, with a stand-in for the socket Node hands 'clientError'.
describe('answerClientErrors', () => {
  class SocketStub extends EventEmitter {
    written: string | undefined;
    destroyed = false;
    constructor(
      readonly writable = true,
      readonly bytesWritten = 0,
    ) {
      super();
    }
    end(text: string) {
      this.written = text;
      this.emit('finish');
    }
    destroy() {
      this.destroyed = true;
    }
  }
  const socketStub = (state: { writable?: boolean; bytesWritten?: number } = {}) => new SocketStub(state.writable, state.bytesWritten);

  function setup() {
    const server = createServer();
    const metrics = new Metrics({ defaultMetrics: false });
    answerClientErrors(server, metrics);
    const emit = (code: string | undefined, socket = socketStub()) => {
      server.emit('clientError', Object.assign(new Error('parse error'), { code }), socket);
      return socket;
    };
    const count = async (kind: string) => (await metrics.badInputTotal.get()).values.find((v) => v.labels.kind === kind && v.labels.api === 'http')?.value ?? 0;
    return { emit, count };
  }

  it.each([
    ['HPE_HEADER_OVERFLOW', 431, 'Request Header Fields Too Large', 'headers_too_large'],
    ['HPE_CHUNK_EXTENSIONS_OVERFLOW', 413, 'Payload Too Large', 'chunk_extensions_too_large'],
    ['ERR_HTTP_REQUEST_TIMEOUT', 408, 'Request Timeout', 'request_timeout'],
    ['HPE_PAUSED_H2_UPGRADE', 400, 'Bad Request', 'http2_preface'],
    ['HPE_INVALID_METHOD', 400, 'Bad Request', 'malformed_request'],
    [undefined, 400, 'Bad Request', 'malformed_request'],
  ])('%s: answered %d, counted as %s, the connection closed after the answer', async (code, status, reason, kind) => {
    const { emit, count } = setup();
    const socket = emit(code);
    expect(socket.written).toBe(`HTTP/1.1 ${status} ${reason}\r\nConnection: close\r\nContent-Length: 0\r\n\r\n`);
    expect(socket.destroyed).toBe(true);
    expect(await count(kind)).toBe(1);
  });

  it('a client that hung up (ECONNRESET): no answer, not counted, the socket destroyed', async () => {
    const { emit, count } = setup();
    const socket = emit('ECONNRESET');
    expect(socket.written).toBeUndefined();
    expect(socket.destroyed).toBe(true);
    expect(await count('malformed_request')).toBe(0);
  });

  it.each([
    ['something was already written on the connection', { bytesWritten: 10 }],
    ['the socket is no longer writable', { writable: false }],
  ])('%s: counted, dropped without a status line', async (_what, state) => {
    const { emit, count } = setup();
    const socket = emit('HPE_INVALID_METHOD', socketStub(state));
    expect(socket.written).toBeUndefined();
    expect(socket.destroyed).toBe(true);
    expect(await count('malformed_request')).toBe(1);
  });
});
