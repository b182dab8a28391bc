// The operations endpoints (src/apis/ops.ts) on a bare Koa app with the real catalogue, the
// in-process bus and the in-memory store: what a load balancer's probe and a scraper see.
import Router from '@koa/router';
import Koa from 'koa';
import type { AddressInfo } from 'node:net';
import { createServer, type Server } from 'node:http';
import { catalogues } from '../generated';
import type { GatewayContext } from '../src/apis/context';
import { opsApi } from '../src/apis/ops';
import { MemoryBus } from '../src/bus/memory-bus';
import { Metrics } from '../src/metrics';
import { MemoryStore } from '../src/store/memory-store';

let server: Server;
let url: string;
let bus: MemoryBus;
let store: MemoryStore;
let metrics: Metrics;
let shutdown: AbortController;

beforeEach(async () => {
  bus = new MemoryBus();
  store = new MemoryStore();
  metrics = new Metrics({ defaultMetrics: false });
  shutdown = new AbortController();
  const ctx = { catalogues, bus, store, metrics, shutdown: shutdown.signal } as unknown as GatewayContext;
  const api = opsApi(ctx);
  const router = new Router();
  api.routes!(router);
  const app = new Koa();
  app.use(router.routes());
  server = createServer(app.callback());
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterEach(async () => {
  await new Promise((resolve) => server.close(resolve));
  await store.close();
});

async function get(path: string) {
  const res = await fetch(`${url}${path}`);
  const text = await res.text();
  return { status: res.status, type: res.headers.get('content-type'), text, body: res.headers.get('content-type')?.startsWith('application/json') ? JSON.parse(text) : undefined };
}

it('is named ops and serves liveness whatever the dependencies say', async () => {
  expect(opsApi({ catalogues } as unknown as GatewayContext).name).toBe('ops');
  store.ready = async () => false;
  bus.ready = async () => false;
  expect(await get('/healthz')).toMatchObject({ status: 200, body: { status: 'ok' } });
});

it('is ready when bus and store both answer', async () => {
  expect(await get('/readyz')).toMatchObject({ status: 200, body: { status: 'ok', checks: { bus: true, store: true } } });
});

it('is unavailable (503) and says which check failed when the bus or the store is down', async () => {
  bus.ready = async () => false;
  expect(await get('/readyz')).toMatchObject({ status: 503, body: { status: 'unavailable', checks: { bus: false, store: true } } });
  bus.ready = async () => true;
  store.ready = async () => false;
  expect(await get('/readyz')).toMatchObject({ status: 503, body: { status: 'unavailable', checks: { bus: true, store: false } } });
});

it('counts a readiness check that throws as down, not as a 500', async () => {
  store.ready = () => Promise.reject(new Error('connection refused'));
  bus.ready = () => Promise.reject(new Error('broker gone'));
  expect(await get('/readyz')).toMatchObject({ status: 503, body: { status: 'unavailable', checks: { bus: false, store: false } } });
});

it('is unavailable once the node starts shutting down, so the balancer drains it', async () => {
  shutdown.abort();
  expect(await get('/readyz')).toMatchObject({ status: 503, body: { status: 'unavailable', checks: { bus: true, store: true } } });
});

it('serves the Prometheus text with the registry\'s content type', async () => {
  metrics.eventsPublishedTotal.inc({ api: 'pizza', message: 'order_update' }, 3);
  const r = await get('/metrics');
  expect(r.status).toBe(200);
  expect(r.type).toBe(metrics.contentType);
  expect(r.text).toContain('events_published_total{api="pizza",message="order_update"} 3');
});
