// Requests no route takes: 501 for a method the gateway does not recognise, 405 (with Allow) for a
// path that exists, 404 otherwise; bodies in the shape of the API owning the path (issue 10,
// defect 10: TRACE and QUERY answered 501 with a body saying "Not found").
import { startGateway, type TestGateway } from './helpers/gateway';
import { rawRequest } from './helpers/raw-http';

let gw: TestGateway;
beforeAll(async () => {
  gw = await startGateway();
});
afterAll(() => gw.stop());

/** fetch refuses TRACE and cannot send QUERY: the request goes over a plain socket. */
async function send(method: string, path: string): Promise<{ status: number | undefined; allow: string | undefined; body: unknown }> {
  const answer = await rawRequest(gw.url, `${method} ${path} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n`);
  const [head, body] = answer.text.split('\r\n\r\n');
  const allow = /^Allow: (.*)$/im.exec(head)?.[1];
  return { status: answer.status, allow, body: body ? JSON.parse(body) : undefined };
}

it.each([
  ['TRACE', '/healthz', { error: 'Method TRACE is not implemented' }],
  ['QUERY', '/events/v1/events', { code: 'NotImplemented', message: 'Method QUERY is not implemented' }],
  ['TRACE', '/no/such/path', { error: 'Method TRACE is not implemented' }],
  ['QUERY', '/events/polling', { code: -3, response: 'Parameters are invalid' }],
  ['TRACE', '/api/v1/ws/ticket', { success: false, error: 'Method TRACE is not implemented' }],
])('%s %s: 501 saying so, in the API\'s error shape', async (method, path, body) => {
  expect(await send(method, path)).toEqual({ status: 501, allow: undefined, body });
});

it.each([
  ['PATCH', '/healthz', 'HEAD, GET, OPTIONS', { error: 'Method PATCH is not allowed on /healthz; allowed: HEAD, GET' }],
  ['DELETE', '/publish/v1/pizza', 'POST, OPTIONS', { error: 'Method DELETE is not allowed on /publish/v1/pizza; allowed: POST' }],
  ['GET', '/events/callback/start', 'POST, OPTIONS', { code: -3, response: 'Parameters are invalid' }],
  ['PUT', '/events/v1/latest', 'HEAD, GET, OPTIONS', { code: 'MethodNotAllowed', message: 'Method PUT is not allowed on /events/v1/latest; allowed: HEAD, GET' }],
  ['PUT', '/api/v1/ws/ticket', 'HEAD, GET, OPTIONS', { success: false, error: 'Method PUT is not allowed on /api/v1/ws/ticket; allowed: HEAD, GET' }],
])('%s %s: 405 with Allow', async (method, path, allow, body) => {
  expect(await send(method, path)).toEqual({ status: 405, allow, body });
});

it('OPTIONS on a served path: 204 with Allow', async () => {
  expect(await send('OPTIONS', '/events/v1/events')).toEqual({ status: 204, allow: 'HEAD, GET, POST, OPTIONS', body: undefined });
});

it('an unknown path: 404', async () => {
  expect(await send('GET', '/nope')).toEqual({ status: 404, allow: undefined, body: { error: 'Not found' } });
});
