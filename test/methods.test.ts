// unmatchedRequests: what a request no route took is answered (501 / 405 with Allow / 204 / 404), in
// the error shape of the API owning the path. Tested on a small Koa app of its own; the gateway's
// APIs are covered end to end by test/http-methods.test.ts.
import type { AddressInfo } from 'node:net';
import type { Server } from 'node:http';
import Koa from 'koa';
import Router from '@koa/router';
import { unmatchedRequests } from '../src/http/methods';
import { rawRequest } from './helpers/raw-http';

let server: Server;
let url: string;
beforeAll(async () => {
  const shop = new Router();
  shop.use(async (_ctx, next) => next()); // middleware on every path: not a route, owns nothing
  shop.get('/shop/items', (ctx) => void (ctx.body = []));
  shop.post('/shop/items', (ctx) => void (ctx.status = 201));
  const other = new Router();
  other.delete('/shop/items', (ctx) => void (ctx.status = 204)); // a second API on the same path
  other.put('/other/:id', (ctx) => void (ctx.status = 204));
  const app = new Koa();
  app.use(shop.routes()).use(other.routes());
  app.use(
    unmatchedRequests([
      { router: shop, format: (status, message) => ({ shop: status, message }) },
      { router: other, format: (status, message) => ({ other: status, message }) },
    ]),
  );
  server = app.listen(0, '127.0.0.1');
  await new Promise((resolve) => server.once('listening', resolve));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(() => new Promise((resolve) => server.close(resolve)));

async function send(method: string, path: string) {
  const answer = await rawRequest(url, `${method} ${path} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n`);
  const [head, body] = answer.text.split('\r\n\r\n');
  return { status: answer.status, allow: /^Allow: (.*)$/im.exec(head)?.[1], body: body ? JSON.parse(body) : undefined };
}

it('a method not recognised on a served path: 501 in the shape of the first API serving it', async () => {
  expect(await send('TRACE', '/shop/items')).toEqual({ status: 501, allow: undefined, body: { shop: 501, message: 'Method TRACE is not implemented' } });
  expect(await send('QUERY', '/other/7')).toEqual({ status: 501, allow: undefined, body: { other: 501, message: 'Method QUERY is not implemented' } });
});

it('a method not recognised on an unknown path: 501 as a plain error', async () => {
  expect(await send('TRACE', '/nowhere')).toEqual({ status: 501, allow: undefined, body: { error: 'Method TRACE is not implemented' } });
});

it('a served path with another method: 405, Allow listing every API\'s methods there', async () => {
  expect(await send('PATCH', '/shop/items')).toEqual({
    status: 405,
    allow: 'HEAD, GET, POST, DELETE, OPTIONS',
    body: { shop: 405, message: 'Method PATCH is not allowed on /shop/items; allowed: HEAD, GET, POST, DELETE' },
  });
  expect(await send('GET', '/other/7')).toEqual({
    status: 405,
    allow: 'PUT, OPTIONS',
    body: { other: 405, message: 'Method GET is not allowed on /other/7; allowed: PUT' },
  });
});

it('OPTIONS on a served path: 204 with Allow and no body', async () => {
  expect(await send('OPTIONS', '/other/7')).toEqual({ status: 204, allow: 'PUT, OPTIONS', body: undefined });
});

it.each(['GET', 'OPTIONS', 'DELETE'])('%s on a path no API serves (only middleware matches): 404', async (method) => {
  expect(await send(method, '/nowhere')).toEqual({ status: 404, allow: undefined, body: { error: 'Not found' } });
});
