// The HTTP action proxy (src/envelopes/action-proxy.ts) against a local back-end.
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { ActionProxy, type ForwardedAction } from '../src/envelopes/action-proxy';

let server: Server;
let url: string;
let respond: (req: IncomingMessage, body: string, res: ServerResponse) => void;
beforeAll(async () => {
  server = createServer((req, res) => {
    let body = '';
    req.on('data', (c) => (body += c));
    req.on('end', () => respond(req, body, res));
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/actions`;
});
afterAll(async () => {
  server.closeAllConnections();
  await new Promise((r) => server.close(r));
});

const action: ForwardedAction = { api: 'games', action: 'answer', request_id: 'r1', payload: { action: 'answer', pk: 1, data: { question: 11, answer: [2] } }, user: { sub: 'u1', username: 'alex' }, snapshot: null };
const proxy = (timeoutMs = 2000) => new ActionProxy(new Map([['games', url]]), timeoutMs);

it('POSTs the action as JSON and returns the back-end answer', async () => {
  let seen: { method?: string; type?: string; body?: unknown } = {};
  respond = (req, body, res) => {
    seen = { method: req.method, type: req.headers['content-type'], body: JSON.parse(body) };
    res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ response_status: 400, errors: [{ question: ['Be late.'] }], data: null }));
  };
  expect(await proxy().forward('games', action)).toEqual({ outcome: 'answered', answer: { status: 400, errors: [{ question: ['Be late.'] }], data: null } });
  expect(seen).toEqual({ method: 'POST', type: 'application/json', body: action });
});

it('503 when no back-end of that name is configured', async () => {
  const result = await proxy().forward('chess', action);
  expect(result).toMatchObject({ outcome: 'not_configured', answer: { status: 503, data: null } });
  expect(result.answer.errors[0]).toMatch(/ACTION_BACKENDS has no "chess"/);
});

it('503 when the back-end cannot be reached', async () => {
  const closed = createServer();
  await new Promise<void>((r) => closed.listen(0, '127.0.0.1', r));
  const port = (closed.address() as AddressInfo).port;
  await new Promise((r) => closed.close(r));
  const result = await new ActionProxy(new Map([['games', `http://127.0.0.1:${port}/`]]), 2000).forward('games', action);
  expect(result).toEqual({ outcome: 'unreachable', answer: { status: 503, errors: ['Games back-end is unavailable; retry later'], data: null } });
});

it('504 when the back-end does not answer in time, its body included', async () => {
  respond = (_req, _body, res) => void res.writeHead(200, { 'content-type': 'application/json' }).write('{"response_status":'); // never ends
  expect(await proxy(200).forward('games', action)).toEqual({ outcome: 'timeout', answer: { status: 504, errors: ['Games back-end did not answer within 200 ms'], data: null } });
});

it.each([
  ['an HTTP error', 500, '{"response_status": 200, "errors": [], "data": null}', /answered HTTP 500/],
  ['not JSON', 200, 'ok', /something other than/],
  ['no response_status', 200, '{"errors": [], "data": 1}', /something other than/],
  ['errors not a list', 200, '{"response_status": 400, "errors": "bad", "data": null}', /something other than/],
])('502 for %s', async (_what, status, body, message) => {
  respond = (_req, _body, res) => void res.writeHead(status).end(body);
  const result = await proxy().forward('games', action);
  expect(result).toMatchObject({ outcome: 'bad_answer', answer: { status: 502, data: null } });
  expect(result.answer.errors[0]).toMatch(message);
});
