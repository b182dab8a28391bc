// The events long-poll query rules (src/apis/events/query.ts): lenient numbers as the original had.
import { firstOf, MAX_LIMIT, parseAfter, parseLimit } from '../src/apis/events/query';

describe('parseAfter', () => {
  it('is undefined when the client gave none (the stored cursor is used)', () => {
    expect(parseAfter(undefined)).toBeUndefined();
  });

  it.each([
    ['0', 0],
    ['7', 7],
    ['  12 ', 12],
    [['5', '9'], 5],
    ['9007199254740991', 9007199254740991],
  ])('takes %j as %i', (raw, expected) => {
    expect(parseAfter(raw)).toBe(expected);
  });

  it.each([['-1'], ['1.5'], ['abc'], ['1e400'], ['NaN'], [['x', '3']], [null]])('counts %j as 0, not as "none given"', (raw) => {
    expect(parseAfter(raw)).toBe(0);
  });

  it('counts an empty value as 0 (Number("") is 0)', () => {
    expect(parseAfter('')).toBe(0);
  });
});

describe('parseLimit', () => {
  it.each([
    ['1', 1],
    ['50', 50],
    [String(MAX_LIMIT), MAX_LIMIT],
    [['3', '200'], 3],
  ])('takes %j as %i', (raw, expected) => {
    expect(parseLimit(raw)).toBe(expected);
  });

  it.each([[undefined], ['0'], ['-5'], ['101'], ['2.5'], ['ten'], [''], [['', '5']]])('makes %j the default 100', (raw) => {
    expect(parseLimit(raw)).toBe(100);
  });
});

describe('firstOf', () => {
  it('takes a repeated parameter by its first value and leaves others as they are', () => {
    expect(firstOf(['a', 'b'])).toBe('a');
    expect(firstOf([])).toBeUndefined();
    expect(firstOf('a')).toBe('a');
    expect(firstOf(undefined)).toBeUndefined();
  });
});
