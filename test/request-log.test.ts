// The request log line and the X-Request-Id header, through a real gateway, and the middleware on its own.
import Router from '@koa/router';
import Koa from 'koa';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { LogLevel } from '../src/config';
import type { GatewayOptions } from '../src/gateway/gateway';
import { requestLog } from '../src/http/request-log';
import { createLogger } from '../src/log';
import { MemoryStore } from '../src/store/memory-store';
import { call, startGateway, type TestGateway } from './helpers/gateway';

interface Line {
  level: number;
  msg: string;
  [key: string]: unknown;
}

class DownStore extends MemoryStore {
  override async ready(): Promise<boolean> {
    return false;
  }
}

async function gatewayLogging(env: Record<string, string>, options: Partial<GatewayOptions> = {}): Promise<{ gw: TestGateway; lines: Line[] }> {
  const lines: Line[] = [];
  const log = createLogger({ logLevel: (env.LOG_LEVEL ?? 'debug') as LogLevel }, { write: (s: string) => lines.push(JSON.parse(s)) });
  const gw = await startGateway(env, { log, ...options });
  return { gw, lines };
}

const requests = (lines: Line[]) => lines.filter((l) => l.msg === 'request');

describe('request log', () => {
  let gw: TestGateway | undefined;
  afterEach(() => gw?.stop());

  it('logs method, route template, status, duration and a request id it also answers with', async () => {
    const started = await gatewayLogging({ API_SECRET: 'query-secret-value', POLL_TIMEOUT_MS: '1' });
    gw = started.gw;
    const res = await call(`${gw.url}/events/v1/events?clientId=c&channel=ch&secret=query-secret-value&after=0`);
    expect(res.status).toBe(200);
    const id = res.headers.get('x-request-id');
    expect(id).toMatch(/^[0-9a-f-]{36}$/);
    const [line] = requests(started.lines);
    expect(line).toMatchObject({ level: 30, method: 'GET', route: '/events/v1/events', status: 200, requestId: id });
    expect(typeof line.durationMs).toBe('number');
    // The route template, never the raw URL: the query carries the API secret.
    expect(JSON.stringify(started.lines)).not.toContain('query-secret-value');
  });

  it('names a request a router middleware refused (a malformed body) by its route template', async () => {
    const started = await gatewayLogging({});
    gw = started.gw;
    expect((await call(`${gw.url}/publish/v1/pizza/batch`, { body: '{"events": [' })).status).toBe(400);
    expect(requests(started.lines)).toEqual([expect.objectContaining({ method: 'POST', route: '/publish/v1/:api/batch', status: 400 })]);
  });

  it('keeps a usable X-Request-Id from the caller and replaces an unusable one', async () => {
    const started = await gatewayLogging({});
    gw = started.gw;
    const kept = await call(`${gw.url}/events/v1/about`, { headers: { 'X-Request-Id': 'lb-7f3a.42' } });
    expect(kept.headers.get('x-request-id')).toBe('lb-7f3a.42');
    const replaced = await call(`${gw.url}/events/v1/about`, { headers: { 'X-Request-Id': 'has space"quote' } });
    expect(replaced.headers.get('x-request-id')).toMatch(/^[0-9a-f-]{36}$/);
    const tooLong = await call(`${gw.url}/events/v1/about`, { headers: { 'X-Request-Id': 'a'.repeat(201) } });
    expect(tooLong.headers.get('x-request-id')).toMatch(/^[0-9a-f-]{36}$/);
    expect(requests(started.lines).map((l) => l.requestId)).toEqual([
      'lb-7f3a.42',
      replaced.headers.get('x-request-id'),
      tooLong.headers.get('x-request-id'),
    ]);
  });

  it('names an unmatched route as such', async () => {
    const started = await gatewayLogging({});
    gw = started.gw;
    expect((await call(`${gw.url}/no/such/path/user-42`)).status).toBe(404);
    expect(requests(started.lines)).toEqual([expect.objectContaining({ route: 'unmatched', status: 404 })]);
  });

  it('writes nothing when REQUEST_LOG_LEVEL is below LOG_LEVEL, or silent', async () => {
    const envs: Record<string, string>[] = [{ LOG_LEVEL: 'info', REQUEST_LOG_LEVEL: 'debug' }, { REQUEST_LOG_LEVEL: 'silent' }];
    for (const env of envs) {
      const started = await gatewayLogging(env);
      gw = started.gw;
      const res = await call(`${gw.url}/events/v1/about`);
      expect(res.headers.get('x-request-id')).toBeTruthy();
      expect(requests(started.lines)).toEqual([]);
      await gw.stop();
      gw = undefined;
    }
  });

  it('logs successful probes at debug and failing ones at the request level', async () => {
    const started = await gatewayLogging({ REQUEST_LOG_LEVEL: 'warn' }, { store: new DownStore() });
    gw = started.gw;
    expect((await call(`${gw.url}/healthz`)).status).toBe(200);
    expect((await call(`${gw.url}/readyz`)).status).toBe(503);
    expect(requests(started.lines)).toEqual([
      expect.objectContaining({ route: '/healthz', status: 200, level: 20 }),
      expect.objectContaining({ route: '/readyz', status: 503, level: 40 }),
    ]);
  });
});

// requestLog on a bare Koa app: the level rules, the id rules and a throwing handler.
describe('requestLog (src/http/request-log.ts)', () => {
  let server: Server | undefined;
  const stop = async () => {
    server?.closeAllConnections();
    if (server) await new Promise((resolve) => server!.close(resolve));
    server = undefined;
  };
  afterEach(stop);

  /** An app logging at LOG_LEVEL `logLevel`, request lines at `level`; `seen` holds each handler's ctx.state.requestId. */
  async function app(logLevel: LogLevel, level: LogLevel) {
    const lines: Line[] = [];
    const seen: unknown[] = [];
    const log = createLogger({ logLevel }, { write: (s: string) => lines.push(JSON.parse(s)) });
    const router = new Router();
    router.get('/items/:id', (k) => {
      seen.push(k.state.requestId);
      k.body = { ok: true };
    });
    router.get('/healthz', (k) => void (k.body = 'ok'));
    router.get('/readyz', (k) => void (k.status = 503));
    router.get('/boom', () => {
      throw new Error('boom');
    });
    const koa = new Koa();
    koa.silent = true;
    koa.use(requestLog(log, level));
    koa.use(router.routes());
    server = createServer(koa.callback());
    await new Promise<void>((resolve) => server!.listen(0, '127.0.0.1', resolve));
    const base = `http://127.0.0.1:${(server!.address() as AddressInfo).port}`;
    const get = (path: string, headers: Record<string, string> = {}) => fetch(`${base}${path}`, { headers });
    return { lines, seen, get };
  }

  it('gives the handler the id it answers with and logs, under the route template rather than the raw path', async () => {
    const { lines, seen, get } = await app('info', 'info');
    const res = await get('/items/user-secret-42?token=query-secret');
    const id = res.headers.get('x-request-id');
    expect(id).toMatch(/^[0-9a-f-]{36}$/);
    expect(seen).toEqual([id]);
    expect(requests(lines)).toEqual([expect.objectContaining({ level: 30, requestId: id, method: 'GET', route: '/items/:id', status: 200 })]);
    expect(JSON.stringify(lines)).not.toMatch(/user-secret-42|query-secret/); // not hex: a request id cannot contain it
  });

  it('keeps a caller\'s id of up to 200 usable characters, and replaces a longer one or one with other characters', async () => {
    const { get } = await app('info', 'info');
    const idOf = async (given: string) => (await get('/items/1', { 'X-Request-Id': given })).headers.get('x-request-id');
    const longest = 'a'.repeat(200);
    expect(await idOf(longest)).toBe(longest);
    expect(await idOf('svc:a/b+c=d@e_f.g-h')).toBe('svc:a/b+c=d@e_f.g-h');
    expect(await idOf(`${longest}a`)).not.toBe(`${longest}a`);
    for (const bad of ['a b', 'a"b', "a'b", 'a,b', 'a%20b']) expect(await idOf(bad)).toMatch(/^[0-9a-f-]{36}$/);
  });

  it('logs a successful probe one level down (debug), a failing one at the request level', async () => {
    const { lines, get } = await app('debug', 'info');
    await get('/healthz');
    await get('/readyz');
    expect(requests(lines).map((l) => [l.route, l.level])).toEqual([['/healthz', 20], ['/readyz', 30]]);
  });

  it('keeps probes at trace when requests are logged at trace (never above the request level)', async () => {
    const { lines, get } = await app('trace', 'trace');
    await get('/healthz');
    await get('/items/1');
    expect(requests(lines).map((l) => [l.route, l.level])).toEqual([['/healthz', 10], ['/items/:id', 10]]);
  });

  it('writes no line, but still answers with an id, when the level is silent or below the logger\'s', async () => {
    for (const [logLevel, level] of [['info', 'silent'], ['info', 'debug'], ['warn', 'info']] as const) {
      const { lines, get } = await app(logLevel, level);
      const res = await get('/items/1');
      expect(res.headers.get('x-request-id')).toMatch(/^[0-9a-f-]{36}$/);
      expect(requests(lines)).toEqual([]);
      await stop();
    }
  });

  it('still logs a line when the handler throws, and lets the error through', async () => {
    const { lines, get } = await app('info', 'warn');
    expect((await get('/boom')).status).toBe(500);
    expect(requests(lines)).toEqual([expect.objectContaining({ level: 40, route: '/boom', method: 'GET', status: 500 })]);
  });
});
