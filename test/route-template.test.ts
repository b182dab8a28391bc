// routeTemplate: the route a request matched, named by its template, through a real @koa/router.
import type { AddressInfo } from 'node:net';
import Koa from 'koa';
import Router from '@koa/router';
import { routeTemplate } from '../src/http/route-template';

let url: string;
let close: () => Promise<unknown>;
const named: string[] = [];

beforeAll(async () => {
  const app = new Koa();
  app.silent = true;
  app.use(async (ctx, next) => {
    try {
      await next();
    } catch {
      ctx.status = 500;
    } finally {
      named.push(routeTemplate(ctx));
    }
  });
  // Middleware of every router matches every path; the first router serves none of these routes.
  const other = new Router();
  other.use((_ctx, next) => next());
  other.get('/elsewhere', (ctx) => void (ctx.body = 'elsewhere'));
  const router = new Router();
  router.use(async (ctx, next) => {
    if (ctx.get('x-refuse') === 'answer') return void (ctx.status = 400);
    if (ctx.get('x-refuse') === 'throw') throw new Error('refused');
    await next();
  });
  router.use((_ctx, next) => next());
  router.get('/items/:id', (ctx) => void (ctx.body = 'item'));
  router.post('/items/special', (ctx) => void (ctx.body = 'special'));
  router.post('/items/:id/batch', (ctx) => void (ctx.body = 'batch'));
  app.use(other.routes()).use(router.routes());
  const server = app.listen(0, '127.0.0.1');
  await new Promise((resolve) => server.once('listening', resolve));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  close = () => new Promise((resolve) => server.close(resolve));
});
afterAll(() => close());
beforeEach(() => void (named.length = 0));

async function routeOf(method: string, path: string, headers: Record<string, string> = {}): Promise<string> {
  await fetch(`${url}${path}`, { method, headers });
  expect(named).toHaveLength(1);
  return named[0];
}

it.each([
  ['GET', '/items/1', {}, '/items/:id'],
  ['HEAD', '/items/1', {}, '/items/:id'],
  ['POST', '/items/1/batch', {}, '/items/:id/batch'],
  // `/items/special` matches GET /items/:id's path too, and the other way round: the method decides.
  ['POST', '/items/special', {}, '/items/special'],
  ['GET', '/items/special', {}, '/items/:id'],
  ['GET', '/elsewhere', {}, '/elsewhere'],
])('%s %s is named by its route template', async (method, path, headers, route) => {
  expect(await routeOf(method, path, headers)).toBe(route);
});

it.each(['answer', 'throw'])('a router.use middleware that refuses the request (%s) does not rename it', async (how) => {
  expect(await routeOf('POST', '/items/1/batch', { 'x-refuse': how })).toBe('/items/:id/batch');
});

it.each([
  ['a path no route has', 'GET', '/nothing/here'],
  ['a method the path has no route for', 'DELETE', '/items/1'],
])('%s is unmatched', async (_what, method, path) => {
  expect(await routeOf(method, path)).toBe('unmatched');
});

it('without matched layers, keeps the route another router named', () => {
  expect(routeTemplate({ method: 'GET', _matchedRoute: '/named' })).toBe('/named');
  expect(routeTemplate({ method: 'GET', matched: [] })).toBe('unmatched');
});
