// src/http/request-outcome.ts: the status Koa answers an escaped error with, checked against Koa
// itself (the same errors thrown out of a real Koa app), and what afterRequest reports.
import Koa from 'koa';
import type { AddressInfo } from 'node:net';
import { afterRequest, escapedErrorStatus } from '../src/http/request-outcome';

const cases: Array<[string, unknown]> = [
  ['a plain Error', new Error('boom')],
  ['an http-errors style 403', Object.assign(new Error('no'), { status: 403 })],
  ['a statusCode of 429', Object.assign(new Error('slow down'), { statusCode: 429 })],
  ['ENOENT (no special case in this Koa)', Object.assign(new Error('gone'), { code: 'ENOENT' })],
  ['an unknown status number', Object.assign(new Error('odd'), { status: 999 })],
  ['a status that is not a number', Object.assign(new Error('odd'), { status: '403' })],
  ['a thrown string', 'just a string'],
];

it.each(cases)('%s: the status Koa answers', async (_name, thrown) => {
  const app = new Koa();
  app.silent = true;
  app.use(() => {
    throw thrown;
  });
  const server = app.listen(0, '127.0.0.1');
  await new Promise((r) => server.once('listening', r));
  try {
    const answered = await fetch(`http://127.0.0.1:${(server.address() as AddressInfo).port}/`);
    expect(escapedErrorStatus(thrown)).toBe(answered.status);
  } finally {
    await new Promise((r) => server.close(r));
  }
});

describe('afterRequest', () => {
  const ctx = (status: number) => ({ method: 'POST', status, matched: [{ methods: ['POST'], path: '/publish/v1/:api' }] });

  it('reports the route template and the status the chain set', async () => {
    const seen: unknown[] = [];
    await afterRequest(ctx(202), async () => undefined, (route, status) => seen.push([route, status]));
    expect(seen).toEqual([['/publish/v1/:api', 202]]);
  });

  it('reports an escaped error with the status Koa will answer, not ctx.status, and rethrows it', async () => {
    const seen: unknown[] = [];
    const thrown = Object.assign(new Error('no'), { status: 403 });
    await expect(afterRequest(ctx(404), () => Promise.reject(thrown), (route, status) => seen.push([route, status]))).rejects.toBe(thrown);
    expect(seen).toEqual([['/publish/v1/:api', 403]]);
  });
});
