// GET /assets/<name>: the asset as the browser accepts it (brotli before gzip), revalidated by its
// hash, kept for good when the URL names the current hash. On a small Koa app with stand-in assets.
import { get, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { brotliCompressSync, gzipSync } from 'node:zlib';
import Koa from 'koa';
import Router from '@koa/router';
import { errorBoundary, plainError } from '../src/http/errors';
import { assetRoute } from '../src/web/asset-route';
import type { Asset, WebAssets } from '../src/web/assets';

const body = Buffer.from('console.log("hello");\n'.repeat(20));
const asset: Asset = {
  name: 'app.js',
  type: 'text/javascript; charset=utf-8',
  body,
  hash: 'abc123',
  encoded: async (encoding) => (encoding === 'br' ? brotliCompressSync(body) : gzipSync(body)),
};

let server: Server;
let port: number;
beforeAll(async () => {
  const router = new Router();
  router.use(errorBoundary(plainError, () => undefined));
  assetRoute(router, { all: async () => new Map([[asset.name, asset]]) } as unknown as WebAssets);
  server = new Koa().use(router.routes()).listen(0, '127.0.0.1');
  await new Promise((resolve) => server.once('listening', resolve));
  port = (server.address() as AddressInfo).port;
});
afterAll(() => new Promise((resolve) => server.close(resolve)));

/** node:http, not fetch: fetch sends its own Accept-Encoding and decodes the body. */
function request(path: string, headers: Record<string, string> = {}): Promise<{ status: number; headers: IncomingHttpHeaders; body: Buffer }> {
  return new Promise((resolve, reject) => {
    get({ host: '127.0.0.1', port, path, headers }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks) }));
    }).on('error', reject);
  });
}

it('without Accept-Encoding: the body as it is, its type, ETag of its hash, revalidated each time', async () => {
  const r = await request('/assets/app.js');
  expect(r.status).toBe(200);
  expect(r.body.equals(body)).toBe(true);
  expect(r.headers).toMatchObject({ 'content-type': asset.type, etag: '"abc123"', 'cache-control': 'no-cache', vary: 'Accept-Encoding' });
  expect(r.headers['content-encoding']).toBeUndefined();
});

it('with ?v= of the current hash: cacheable for good', async () => {
  expect((await request('/assets/app.js?v=abc123')).headers['cache-control']).toBe('public, max-age=31536000, immutable');
  expect((await request('/assets/app.js?v=old')).headers['cache-control']).toBe('no-cache');
});

it.each([
  ['gzip, br', 'br'],
  ['br;q=0.1, gzip', 'br'],
  ['gzip', 'gzip'],
  ['deflate', undefined],
  ['br;q=0, gzip;q=0', undefined],
])('Accept-Encoding %p: sent as %p', async (accept, encoding) => {
  const r = await request('/assets/app.js', { 'Accept-Encoding': accept });
  expect(r.headers['content-encoding']).toBe(encoding);
  expect(r.body.equals(encoding ? await asset.encoded(encoding as 'br' | 'gzip') : body)).toBe(true);
});

it('If-None-Match of the current hash: 304 without a body', async () => {
  const r = await request('/assets/app.js', { 'If-None-Match': '"abc123"' });
  expect(r.status).toBe(304);
  expect(r.body.length).toBe(0);
  expect((await request('/assets/app.js', { 'If-None-Match': '"old"' })).status).toBe(200);
});

it('an unknown asset: 404 naming it', async () => {
  const r = await request('/assets/nope.css');
  expect(r.status).toBe(404);
  expect(JSON.parse(r.body.toString())).toEqual({ error: 'no asset "nope.css"' });
});
