// Idempotency-Key: parsed strictly, and turned into the same record id for every repeat.
import Koa from 'koa';
import { HttpError } from '../src/http/errors';
import { idempotencyKey, recordIdFor } from '../src/http/idempotency';

const withHeader = (value?: string) => {
  const app = new Koa();
  const req = { headers: value === undefined ? {} : { 'idempotency-key': value }, socket: {} } as never;
  return app.createContext(req, {} as never);
};

describe('idempotencyKey', () => {
  it('is undefined without the header', () => {
    expect(idempotencyKey(withHeader())).toBeUndefined();
    expect(idempotencyKey(withHeader(''))).toBeUndefined();
  });

  it('takes a bare key or the draft\'s quoted string', () => {
    expect(idempotencyKey(withHeader('8e03978e-40d5-43e8-bc93-6894a57f9324'))).toBe('8e03978e-40d5-43e8-bc93-6894a57f9324');
    expect(idempotencyKey(withHeader('"8e03978e-40d5-43e8-bc93-6894a57f9324"'))).toBe('8e03978e-40d5-43e8-bc93-6894a57f9324');
    expect(idempotencyKey(withHeader('"order 17, attempt 1"'))).toBe('order 17, attempt 1');
    expect(idempotencyKey(withHeader('x'.repeat(255)))).toBe('x'.repeat(255));
  });

  it.each([['x'.repeat(256)], ['two words'], ['"unterminated'], ['caf\u00e9'], ['""']])('refuses %j with a 400', (value) => {
    let error: unknown;
    try {
      idempotencyKey(withHeader(value));
    } catch (err) {
      error = err;
    }
    expect(error).toBeInstanceOf(HttpError);
    expect((error as HttpError).status).toBe(400);
  });
});

describe('recordIdFor', () => {
  it('gives every repeat of a key the same UUID-shaped id', () => {
    const id = recordIdFor('k1', 'publish', 'svc', 'pizza');
    expect(recordIdFor('k1', 'publish', 'svc', 'pizza')).toBe(id);
    expect(id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-8[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
  });

  it('keeps keys of different scopes apart', () => {
    const ids = new Set([
      recordIdFor('k1', 'publish', 'svc', 'pizza'),
      recordIdFor('k1', 'publish', 'other-svc', 'pizza'),
      recordIdFor('k1', 'publish', 'svc', 'games'),
      recordIdFor('k1', 'events', 'channel-a'),
      recordIdFor('k1', 'events', 'channel-b'),
      recordIdFor('k2', 'publish', 'svc', 'pizza'),
      // No ambiguity where scope parts meet.
      recordIdFor('c', 'events', 'a', 'b'),
      recordIdFor('c', 'events', 'a b'),
    ]);
    expect(ids.size).toBe(8);
  });
});
