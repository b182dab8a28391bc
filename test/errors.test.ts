// The error boundary: each failure becomes its API's error body and status; an outage of the bus or
// store is a 503 that says when to retry.
import Koa from 'koa';
import { errorBoundary, HttpError, plainError, RETRY_AFTER_SECONDS } from '../src/http/errors';
import { DependencyUnavailableError } from '../src/ports/availability';

async function answer(thrown: unknown) {
  const unexpected: unknown[] = [];
  const k = new Koa().createContext({ headers: {}, socket: {} } as never, { getHeader: () => undefined, setHeader: () => undefined, removeHeader: () => undefined } as never);
  const headers: Record<string, string> = {};
  k.set = ((name: string, value: string) => void (headers[name.toLowerCase()] = value)) as never;
  await errorBoundary(plainError, (err) => unexpected.push(err))(k as never, async () => {
    throw thrown;
  });
  return { status: k.status, body: k.body, retryAfter: headers['retry-after'], logged: unexpected.length };
}

describe('errorBoundary', () => {
  it('answers a bus or store outage 503 with Retry-After, in the API\'s error body, without logging it as a fault', async () => {
    const outage = new DependencyUnavailableError('store', 'Redis: Connection is closed.');
    for (const thrown of [outage, new Error('step failed', { cause: outage })]) {
      expect(await answer(thrown)).toEqual({ status: 503, body: { error: 'Service unavailable: try again later' }, retryAfter: String(RETRY_AFTER_SECONDS), logged: 0 });
    }
  });

  it('adds Retry-After to an HttpError 503 too', async () => {
    expect(await answer(new HttpError(503, 'keys cannot be fetched'))).toMatchObject({ status: 503, body: { error: 'keys cannot be fetched' }, retryAfter: String(RETRY_AFTER_SECONDS) });
  });

  it('keeps other errors as they were: 4xx as thrown, anything else 500 and logged, no Retry-After', async () => {
    expect(await answer(new HttpError(422, 'bad'))).toMatchObject({ status: 422, retryAfter: undefined, logged: 0 });
    expect(await answer(new Error('bug'))).toEqual({ status: 500, body: { error: 'Internal error' }, retryAfter: undefined, logged: 1 });
  });
});
