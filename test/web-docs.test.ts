// /docs, /specs/<file> and /assets against a running gateway; the rendering itself is checked in a
// real browser (test/browser/docs.test.ts).
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { gunzipSync, brotliDecompressSync } from 'node:zlib';
import { request } from 'node:http';
import type { AddressInfo } from 'node:net';
import Router from '@koa/router';
import Koa from 'koa';
import { errorBoundary, plainError } from '../src/http/errors';
import type { WebAssets } from '../src/web/assets';
import { docsNav, docsRoutes } from '../src/web/docs-routes';
import { readSpecFiles, type SpecFiles } from '../src/web/spec-files';
import { ROOT } from './helpers/process';
import { call, startGateway, type TestGateway } from './helpers/gateway';

/** A plain GET (fetch would add Cache-Control: no-cache to a conditional request, and decode bodies). */
function raw(url: string, headers: Record<string, string>): Promise<{ status: number; headers: Record<string, unknown>; body: Buffer }> {
  return new Promise((resolve, reject) => {
    request(url, { headers }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode!, headers: res.headers, body: Buffer.concat(chunks) }));
    })
      .on('error', reject)
      .end();
  });
}

const PRODUCTION = {
  NODE_ENV: 'production',
  ALLOW_EMBEDDED: 'true',
  AUTH_JWT_SECRET: 'prod-jwt-secret-0123456789abcdefghij',
  API_SECRET: 'prod-api-secret-0123456789abcdefghij',
  WEBHOOK_SECRET: 'prod-webhook-secret-0123456789abcdef',
};

describe('docs on (the dev default)', () => {
  let gw: TestGateway;
  beforeAll(async () => {
    gw = await startGateway();
  });
  afterAll(() => gw.stop());

  it('serves every spec document as it is on disk, and lists them', async () => {
    const list = await call(`${gw.url}/specs/`);
    expect(list.body.files).toEqual(expect.arrayContaining(['/specs/pizza.asyncapi.yaml', '/specs/gateway.openapi.yaml']));
    expect(list.body.files).toHaveLength(9);
    for (const path of list.body.files as string[]) {
      const r = await call(`${gw.url}${path}`);
      expect(r.status).toBe(200);
      expect(r.headers.get('content-type')).toBe('application/yaml; charset=utf-8');
      expect(r.text).toBe(readFileSync(join(ROOT, path.slice(1)), 'utf8'));
    }
    // Compressed when the client accepts it (the console loads every AsyncAPI document).
    const br = await raw(`${gw.url}/specs/games.asyncapi.yaml`, { 'accept-encoding': 'br' });
    expect(br.headers['content-encoding']).toBe('br');
    expect(brotliDecompressSync(br.body).toString('utf8')).toBe(readFileSync(join(ROOT, 'specs', 'games.asyncapi.yaml'), 'utf8'));
    expect((await call(`${gw.url}/specs/nope.yaml`)).status).toBe(404);
    expect((await call(`${gw.url}/specs/..%2Fpackage.json`)).status).toBe(404);
  });

  it('/docs links every API to its rendered documents; each page names its renderer and document', async () => {
    const index = await call(`${gw.url}/docs`);
    expect(index.headers.get('content-type')).toBe('text/html; charset=utf-8');
    for (const api of ['events', 'games', 'messenger', 'pizza', 'workspace']) expect(index.text).toContain(`href="/docs/${api}"`);
    for (const api of ['events', 'gateway', 'messenger', 'pizza']) expect(index.text).toContain(`href="/docs/${api}/rest"`);

    const asyncapi = await call(`${gw.url}/docs/pizza`);
    expect(asyncapi.text).toContain('data-spec="/specs/pizza.asyncapi.yaml"');
    expect(asyncapi.text).toMatch(/<script src="\/assets\/asyncapi\.js\?v=[0-9a-f]{12}"><\/script>/);
    // The document it renders was parsed at build time (web/asyncapi-docs.ts).
    const parsed = /data-parsed="(\/assets\/pizza\.asyncapi\.json\?v=[0-9a-f]{12})"/.exec(asyncapi.text)!;
    const doc = await call(`${gw.url}${parsed[1]}`);
    expect(doc.headers.get('content-type')).toBe('application/json; charset=utf-8');
    expect(doc.body).toMatchObject({ asyncapi: '3.0.0', 'x-parser-spec-parsed': true, 'x-parser-spec-stringified': true });
    const rest = await call(`${gw.url}/docs/pizza/rest`);
    expect(rest.text).toContain('data-spec="/specs/pizza.openapi.yaml"');
    expect(rest.text).toMatch(/<script src="\/assets\/redoc\.js\?v=[0-9a-f]{12}"><\/script>/);
    expect(rest.text).not.toMatch(/https?:\/\//); // nothing from elsewhere
  });

  it('an API without an AsyncAPI document goes to its REST page; unknown ones are 404', async () => {
    const r = await fetch(`${gw.url}/docs/gateway`, { redirect: 'manual' });
    expect(r.status).toBe(302);
    expect(r.headers.get('location')).toBe('/docs/gateway/rest');
    expect((await call(`${gw.url}/docs/fax`)).status).toBe(404);
    expect((await call(`${gw.url}/docs/games/rest`)).status).toBe(404);
  });

  it('sends assets compressed as accepted, cacheable for good under their hashed URL, 304 when unchanged', async () => {
    const page = await call(`${gw.url}/docs/pizza/rest`);
    const src = /src="(\/assets\/redoc\.js\?v=([0-9a-f]+))"/.exec(page.text)!;
    const plain = Buffer.from(await (await fetch(`${gw.url}${src[1]}`, { headers: { 'accept-encoding': 'identity' } })).arrayBuffer());
    // The vendor's CDN logo is gone from the bundle: the page fetches nothing from elsewhere.
    expect(plain.toString('utf8')).not.toContain('cdn.redoc.ly');

    const br = await raw(`${gw.url}${src[1]}`, { 'accept-encoding': 'gzip, deflate, br' });
    expect(br.headers['content-encoding']).toBe('br');
    expect(br.headers['cache-control']).toBe('public, max-age=31536000, immutable');
    expect(brotliDecompressSync(br.body).equals(plain)).toBe(true);
    expect(br.body.length).toBeLessThan(plain.length / 3);
    const gz = await raw(`${gw.url}${src[1]}`, { 'accept-encoding': 'gzip' });
    expect(gz.headers['content-encoding']).toBe('gzip');
    expect(gunzipSync(gz.body).equals(plain)).toBe(true);

    const again = await raw(`${gw.url}${src[1]}`, { 'if-none-match': `"${src[2]}"` });
    expect(again.status).toBe(304);
    const stale = await fetch(`${gw.url}/assets/redoc.js?v=old`);
    expect(stale.headers.get('cache-control')).toBe('no-cache');
    expect((await call(`${gw.url}/assets/nope.js`)).status).toBe(404);
  });
});

describe('docs off', () => {
  // Dev mode keeps /assets for the console; production without CONSOLE_TOKEN has no page at all.
  it.each([
    ['DOCS_ENABLED=false', { DOCS_ENABLED: 'false' }, []],
    ['production by default', PRODUCTION, ['/assets/redoc.js']],
  ])('%s: /docs and /specs answer 404', async (_name, env, more) => {
    const gw = await startGateway(env);
    try {
      for (const path of ['/docs', '/docs/pizza', '/specs/', '/specs/pizza.asyncapi.yaml', ...more]) {
        expect({ path, status: (await call(`${gw.url}${path}`)).status }).toEqual({ path, status: 404 });
      }
    } finally {
      await gw.stop();
    }
  });

  it('production serves them when DOCS_ENABLED=true', async () => {
    const gw = await startGateway({ ...PRODUCTION, DOCS_ENABLED: 'true' });
    try {
      expect((await call(`${gw.url}/specs/pizza.asyncapi.yaml`)).status).toBe(200);
      expect((await call(`${gw.url}/docs/pizza`)).status).toBe(200);
    } finally {
      await gw.stop();
    }
  });
});

// docsNav and docsRoutes on a small Koa app over the real specs, with stand-in asset URLs: the links
// and the 404s' words (the pages themselves are checked against the gateway above).
describe('docsNav and docsRoutes (src/web/docs-routes.ts) directly', () => {
  const specs = readSpecFiles(join(ROOT, 'specs'));
  const assets = { url: async (name: string) => `/assets/${name}?v=h` } as unknown as WebAssets;
  let server: import('node:http').Server;
  let url: string;
  beforeAll(async () => {
    const router = new Router();
    router.use(errorBoundary(plainError, () => undefined));
    docsRoutes(router, specs, assets, docsNav(specs));
    server = new Koa().use(router.routes()).listen(0, '127.0.0.1');
    await new Promise((resolve) => server.once('listening', resolve));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(() => new Promise((resolve) => server.close(resolve)));

  it('the nav: Docs first, then per API its AsyncAPI page and its REST page, only those it has', () => {
    const only: SpecFiles = { files: new Map(), assets: new Map(), apis: [{ api: 'a', asyncapi: 'a.asyncapi.yaml' }, { api: 'b', openapi: 'b.openapi.yaml' }, { api: 'c', asyncapi: 'c.asyncapi.yaml', openapi: 'c.openapi.yaml' }] };
    expect(docsNav(only)).toEqual([
      ['Docs', '/docs'],
      ['a', '/docs/a'],
      ['b REST', '/docs/b/rest'],
      ['c', '/docs/c'],
      ['c REST', '/docs/c/rest'],
    ]);
    expect(docsNav(specs).map(([, href]) => href)).toEqual(['/docs', '/docs/events', '/docs/events/rest', '/docs/games', '/docs/gateway/rest', '/docs/messenger', '/docs/messenger/rest', '/docs/pizza', '/docs/pizza/rest', '/docs/workspace']);
  });

  it('the 404s name what is missing', async () => {
    expect(await call(`${url}/specs/nope.yaml`)).toMatchObject({ status: 404, body: { error: 'no spec file "nope.yaml"' } });
    expect(await call(`${url}/docs/fax`)).toMatchObject({ status: 404, body: { error: 'no API "fax"' } });
    expect(await call(`${url}/docs/games/rest`)).toMatchObject({ status: 404, body: { error: 'no REST API "games"' } });
    expect(await call(`${url}/docs/fax/rest`)).toMatchObject({ status: 404, body: { error: 'no REST API "fax"' } });
  });

  it('an AsyncAPI page points at the document parsed at build time; a REST page renders the YAML itself', async () => {
    const asyncapi = (await call(`${url}/docs/games`)).text;
    expect(asyncapi).toContain('data-kind="asyncapi" data-spec="/specs/games.asyncapi.yaml" data-parsed="/assets/games.asyncapi.json?v=h"');
    expect(asyncapi).toContain('/assets/asyncapi.css?v=h');
    const rest = (await call(`${url}/docs/gateway/rest`)).text;
    expect(rest).toContain('data-kind="openapi" data-spec="/specs/gateway.openapi.yaml">');
    expect(rest).toContain('/assets/redoc.js?v=h');
    expect(rest).not.toContain('asyncapi');
  });
});
