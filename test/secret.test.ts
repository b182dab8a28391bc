// The events API's secret comparison (src/apis/events/secret.ts).
import { secretMatches } from '../src/apis/events/secret';

describe('secretMatches', () => {
  it('accepts exactly the expected secret', () => {
    expect(secretMatches('s3cret', 's3cret')).toBe(true);
    expect(secretMatches('', '')).toBe(true);
  });

  it('refuses any other value, including prefixes, extensions and case changes', () => {
    expect(secretMatches('s3cre', 's3cret')).toBe(false);
    expect(secretMatches('s3crett', 's3cret')).toBe(false);
    expect(secretMatches('S3CRET', 's3cret')).toBe(false);
    expect(secretMatches('', 's3cret')).toBe(false);
  });

  it('compares secrets of any length without throwing (timingSafeEqual alone throws on unequal lengths)', () => {
    expect(() => secretMatches('x'.repeat(10_000), 'short')).not.toThrow();
    expect(secretMatches('x'.repeat(10_000), 'x'.repeat(10_000))).toBe(true);
  });

  it('compares the whole string, not bytes that happen to encode alike', () => {
    expect(secretMatches('é', 'e\u0301')).toBe(false);
    expect(secretMatches('ключ', 'ключ')).toBe(true);
  });
});
