// mount(): REST operations routed by their spec path, input checked by their validators first.
import type { AddressInfo } from 'node:net';
import type { Server } from 'node:http';
import Router from '@koa/router';
import Ajv2020 from 'ajv/dist/2020';
import Koa from 'koa';
import type { OperationEntry } from '../generated';
import { catalogues } from '../generated';
import { parseBody } from '../src/http/body';
import { errorBoundary, plainError } from '../src/http/errors';
import { mount, routerPath, type OperationInput } from '../src/http/mount';

describe('routerPath', () => {
  it('turns OpenAPI templates into the router syntax', () => {
    expect(routerPath('/events/v1/ping/{token}')).toBe('/events/v1/ping/:token');
    expect(routerPath('/a/{x}/b/{y_2}')).toBe('/a/:x/b/:y_2');
    expect(routerPath('/healthz')).toBe('/healthz');
  });

  it('refuses a parameter name the router cannot take', () => {
    expect(() => routerPath('/a/{x-y}')).toThrow('path parameter "x-y" of /a/{x-y} is not a plain name');
  });
});

describe('mount', () => {
  const coercing = new Ajv2020({ coerceTypes: true });
  const ajv = new Ajv2020();
  const op: OperationEntry = {
    operationId: 'putThing',
    method: 'PUT',
    path: '/things/{id}',
    params: coercing.compile({ type: 'object', properties: { id: { type: 'integer' } }, required: ['id'] }),
    query: coercing.compile({ type: 'object', properties: { dry: { type: 'boolean' } } }),
    body: { 'application/json': ajv.compile({ type: 'object', properties: { name: { type: 'string' } }, required: ['name'], additionalProperties: false }) },
    responses: {},
  };
  let server: Server;
  let url: string;
  const seen: OperationInput[] = [];

  beforeAll(async () => {
    const app = new Koa();
    const router = new Router();
    app.use(errorBoundary(plainError, (err) => { throw err; }));
    app.use(parseBody(10_000, 32, () => {}));
    mount(router, op, (k, input) => {
      seen.push(input);
      k.body = { ok: true };
    });
    mount(router, { ...op, operationId: 'getThing', method: 'GET', path: '/raw/{id}' }, (k, input) => {
      seen.push(input);
      k.body = { ok: true };
    }, { validate: false });
    app.use(router.routes());
    server = app.listen(0);
    await new Promise((resolve) => server.once('listening', resolve));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(() => new Promise((resolve) => server.close(resolve)));
  beforeEach(() => (seen.length = 0));

  const put = (path: string, body: unknown, type = 'application/json') =>
    fetch(`${url}${path}`, { method: 'PUT', headers: { 'content-type': type }, body: typeof body === 'string' ? body : JSON.stringify(body) });

  it('routes the spec path and hands the handler typed, coerced input', async () => {
    const r = await put('/things/7?dry=true&dry=false', { name: 'a' });
    expect(r.status).toBe(200);
    expect(seen).toEqual([{ params: { id: 7 }, query: { dry: true }, body: { name: 'a' } }]);
  });

  it.each([
    ['path parameters', '/things/seven', { name: 'a' }],
    ['query parameters', '/things/7?dry=maybe', { name: 'a' }],
    ['body', '/things/7', { name: 1 }],
  ])('answers 400 naming the %s that break the spec, before the handler', async (what, path, body) => {
    const r = await put(path, body);
    expect(r.status).toBe(400);
    expect(await r.json()).toMatchObject({ error: `putThing: invalid ${what}` });
    expect(seen).toEqual([]);
  });

  it('answers 415 for a body of a content type the operation does not take', async () => {
    const r = await put('/things/7', 'name=a', 'application/x-www-form-urlencoded');
    expect(r.status).toBe(415);
    expect(seen).toEqual([]);
  });

  it('leaves the checks to the handler with validate: false', async () => {
    const r = await fetch(`${url}/raw/seven`);
    expect(r.status).toBe(200);
    expect(seen).toEqual([{ params: { id: 'seven' }, query: {}, body: undefined }]);
  });

  it('mounts the real operations by their spec paths', () => {
    const router = new Router();
    mount(router, catalogues.events.operations.ping, () => undefined);
    expect(router.stack.map((layer) => [layer.methods, layer.path])).toEqual([[['HEAD', 'GET'], '/events/v1/ping/:token']]);
  });
});
