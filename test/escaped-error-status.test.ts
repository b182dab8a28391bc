// The status Koa answers an escaped error with (src/http/escaped-error-status.ts), checked against
// Koa itself: the same errors thrown out of a real Koa app.
import Koa from 'koa';
import type { AddressInfo } from 'node:net';
import { escapedErrorStatus } from '../src/http/escaped-error-status';

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
