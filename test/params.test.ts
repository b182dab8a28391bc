// Provider-state parameters are consumer-chosen JSON: read without trusting their shape.
import { eventually, integer, object, params, text, type JsonMap } from '../src/pact-verification/params';

describe('params', () => {
  it('is the object given, or an empty one for anything else', () => {
    expect(params({ a: 1 })).toEqual({ a: 1 });
    for (const raw of [undefined, null, 'x', 3, true, [1]]) expect(params(raw as never)).toEqual({});
  });
});

describe('text', () => {
  it('reads a non-empty string, and a number as a string', () => {
    expect(text({ id: 'abc' }, 'id')).toBe('abc');
    expect(text({ id: 7 }, 'id')).toBe('7');
    expect(text({ id: 0 }, 'id')).toBe('0');
  });

  it.each<[JsonMap]>([[{}], [{ id: '' }], [{ id: null }], [{ id: true }], [{ id: ['x'] }], [{ id: { v: 1 } }]])('throws naming the parameter and what it got: %p', (p) => {
    expect(() => text(p, 'id')).toThrow(`provider state parameter "id" is missing (got ${JSON.stringify(p.id)})`);
  });
});

describe('integer', () => {
  it('reads an integer given as a number or a string', () => {
    expect(integer({ n: 42 }, 'n')).toBe(42);
    expect(integer({ n: '-3' }, 'n')).toBe(-3);
  });

  it.each([1.5, '2.5', 'ten'])('refuses %p as not an integer', (n) => {
    expect(() => integer({ n }, 'n')).toThrow('provider state parameter "n" is not an integer');
  });

  it('refuses a missing one as missing', () => {
    expect(() => integer({}, 'n')).toThrow('provider state parameter "n" is missing');
  });
});

describe('object', () => {
  it('reads an object', () => {
    expect(object({ o: { a: 1 } }, 'o')).toEqual({ a: 1 });
  });

  it.each([undefined, null, [1], 'x', 1])('refuses %p', (o) => {
    expect(() => object({ o } as never, 'o')).toThrow('provider state parameter "o" is not an object');
  });
});

describe('eventually', () => {
  it('resolves with the first value the check returns, polling until then', async () => {
    let calls = 0;
    await expect(eventually(async () => (++calls === 3 ? 'ready' : undefined), 'the thing')).resolves.toBe('ready');
    expect(calls).toBe(3);
  });

  it('resolves with a falsy value other than undefined', async () => {
    await expect(eventually(async () => 0, 'zero')).resolves.toBe(0);
  });

  it('throws naming what it waited for once the limit has passed', async () => {
    await expect(eventually(async () => undefined, 'the record', 0)).rejects.toThrow('timed out waiting for the record');
  });
});
