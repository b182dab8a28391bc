// requestMetrics: every request counted and timed by route template, method and status.
import Koa from 'koa';
import Router from '@koa/router';
import type { AddressInfo } from 'node:net';
import { Metrics } from '../src/metrics';
import { requestMetrics } from '../src/http/request-metrics';
import { call, startGateway } from './helpers/gateway';

async function serve(metrics: Metrics) {
  const router = new Router();
  router.get('/items/:id', (ctx) => void (ctx.body = { id: ctx.params.id }));
  router.get('/boom', () => {
    throw new Error('boom');
  });
  const app = new Koa();
  app.silent = true;
  app.use(requestMetrics(metrics)).use(router.routes());
  const server = app.listen(0, '127.0.0.1');
  await new Promise((resolve) => server.once('listening', resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return { url, close: () => new Promise((resolve) => server.close(resolve)) };
}

async function counted(metrics: Metrics) {
  return (await metrics.httpRequestsTotal.get()).values.map((v) => [v.labels, v.value]);
}

it('counts by route template (not the raw path), method and status, and times each request', async () => {
  const metrics = new Metrics({ defaultMetrics: false });
  const { url, close } = await serve(metrics);
  try {
    await fetch(`${url}/items/1`);
    await fetch(`${url}/items/2`);
    await fetch(`${url}/nope/3`);
    await fetch(`${url}/boom`);
  } finally {
    await close();
  }
  expect(await counted(metrics)).toEqual([
    [{ route: '/items/:id', method: 'GET', status: '200' }, 2],
    [{ route: 'unmatched', method: 'GET', status: '404' }, 1],
    // Counted even when a handler throws, with the status Koa answers it with (not its default 404).
    [{ route: '/boom', method: 'GET', status: '500' }, 1],
  ]);
  const durations = (await metrics.httpRequestDuration.get()).values.filter((v) => v.metricName?.endsWith('_count'));
  expect(durations.map((v) => [v.labels, v.value])).toEqual([
    [{ route: '/items/:id', method: 'GET', status: '200' }, 2],
    [{ route: 'unmatched', method: 'GET', status: '404' }, 1],
    [{ route: '/boom', method: 'GET', status: '500' }, 1],
  ]);
});

it('counts a request a router middleware of the gateway refused (a malformed body) under its route template', async () => {
  const gw = await startGateway();
  try {
    expect((await call(`${gw.url}/publish/v1/pizza/batch`, { body: '{"events": [' })).status).toBe(400);
    expect(await counted(gw.gateway.context.metrics)).toEqual([[{ route: '/publish/v1/:api/batch', method: 'POST', status: '400' }, 1]]);
  } finally {
    await gw.stop();
  }
});
