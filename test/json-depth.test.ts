// deeperThan: the depth check every JSON entry point runs before anything recurses into a value.
import { deeperThan, tooDeep } from '../src/validation/json-depth';
import { nested } from './helpers/deep-json';

describe('deeperThan', () => {
  it.each([
    [1, 0],
    ['text', 0],
    [null, 0],
    [{}, 1],
    [[], 1],
    [{ a: [] }, 2],
    [[{ a: 1 }, [[2]]], 3],
    [{ a: 1, b: { c: { d: [1] } }, e: {} }, 4],
  ])('%j is %i levels deep', (value, depth) => {
    expect(deeperThan(value, depth)).toBe(false);
    if (depth > 0) expect(deeperThan(value, depth - 1)).toBe(true);
  });

  it('checks a value far deeper than any stack allows, without recursing', () => {
    const value = JSON.parse(`${'['.repeat(1_000_000)}${']'.repeat(1_000_000)}`);
    expect(deeperThan(value, 64)).toBe(true);
    expect(deeperThan(nested(2000), 64)).toBe(true);
    expect(deeperThan(nested(64), 64)).toBe(false);
    expect(deeperThan(nested(65, true), 64)).toBe(true);
  });

  it('finds the deep branch among shallow siblings', () => {
    expect(deeperThan({ a: 1, b: [1, 2, 3], c: { d: nested(10) } }, 10)).toBe(true);
    expect(deeperThan([nested(3), nested(3), nested(9)], 10)).toBe(false);
  });

  it('treats own "__proto__" keys as data, and binary attachments as leaves', () => {
    expect(deeperThan(JSON.parse('{"__proto__": {"a": {"b": {}}}}'), 3)).toBe(true);
    expect(deeperThan({ file: Buffer.alloc(100_000) }, 1)).toBe(false);
  });
});

it('tooDeep names the limit', () => {
  expect(tooDeep(64)).toBe('JSON nested deeper than 64 levels');
});
