import { AuthError, type Authenticator, type Claims } from '../src/auth/authenticator';
import { CachingAuthenticator, TOKEN_CACHE_MAX_ENTRIES, TOKEN_CACHE_TTL_MS } from '../src/auth/caching-authenticator';
import { SecretAuthenticator } from '../src/auth/secret-authenticator';
import { signToken } from '../src/auth/token';

/** An authenticator that counts its checks; a token is valid when `valid` holds it, with these claims. */
class Counting implements Authenticator {
  checks = 0;
  readonly valid = new Map<string, Claims>();

  async verify(token: string): Promise<Claims> {
    this.checks += 1;
    const claims = this.valid.get(token);
    if (!claims) throw new AuthError('signature', 'invalid signature');
    return { ...claims };
  }
}

const START_MS = 1_700_000_000_000;
const MAX_AGE_S = 3_600;

function setup(options: { ttlMs?: number; maxEntries?: number } = {}) {
  const inner = new Counting();
  let nowMs = START_MS;
  const cache = new CachingAuthenticator(inner, { maxAgeSeconds: MAX_AGE_S, now: () => nowMs, ...options });
  const nowS = () => nowMs / 1000;
  return { inner, cache, nowS, advance: (ms: number) => (nowMs += ms) };
}

describe('CachingAuthenticator', () => {
  it('checks a token once, then answers its claims from the cache', async () => {
    const { inner, cache, nowS } = setup();
    inner.valid.set('t', { sub: 'alice', scope: 'publish', iat: nowS(), exp: nowS() + 600 });
    const first = await cache.verify('t');
    expect(await cache.verify('t')).toEqual(first);
    expect(first).toMatchObject({ sub: 'alice', scope: 'publish' });
    expect(inner.checks).toBe(1);
  });

  it('checks the token again after the TTL', async () => {
    const { inner, cache, nowS, advance } = setup();
    inner.valid.set('t', { sub: 'alice', iat: nowS(), exp: nowS() + 600 });
    await cache.verify('t');
    advance(TOKEN_CACHE_TTL_MS - 1);
    await cache.verify('t');
    expect(inner.checks).toBe(1);
    advance(1);
    await cache.verify('t');
    expect(inner.checks).toBe(2);
  });

  it('refuses a token the wrapped authenticator stops accepting (its key dropped from the JWKS) within the TTL', async () => {
    const { inner, cache, nowS, advance } = setup();
    inner.valid.set('t', { sub: 'alice', iat: nowS(), exp: nowS() + 600 });
    await cache.verify('t');
    inner.valid.delete('t');
    advance(TOKEN_CACHE_TTL_MS - 1);
    await expect(cache.verify('t')).resolves.toMatchObject({ sub: 'alice' }); // the bounded delay
    advance(1);
    await expect(cache.verify('t')).rejects.toMatchObject({ reason: 'signature' });
    await expect(cache.verify('t')).rejects.toMatchObject({ reason: 'signature' });
    expect(cache.size).toBe(0);
  });

  it('never answers from the cache at or after the token\'s exp, even within the TTL', async () => {
    const { inner, cache, nowS, advance } = setup();
    inner.valid.set('t', { sub: 'alice', iat: nowS(), exp: nowS() + 2 });
    await cache.verify('t');
    advance(1_999);
    await cache.verify('t');
    expect(inner.checks).toBe(1);
    advance(1);
    inner.valid.delete('t'); // what the full check says now (expired)
    await expect(cache.verify('t')).rejects.toMatchObject({ reason: 'signature' });
    expect(inner.checks).toBe(2);
  });

  it('never answers from the cache once the token is older than the maximum age by its iat', async () => {
    const { inner, cache, nowS, advance } = setup();
    inner.valid.set('t', { sub: 'alice', iat: nowS() - MAX_AGE_S + 1, exp: nowS() + 600 });
    await cache.verify('t');
    advance(1_000);
    await cache.verify('t');
    expect(inner.checks).toBe(2);
  });

  it('does not keep a token that expires now', async () => {
    const { inner, cache, nowS } = setup();
    inner.valid.set('t', { sub: 'alice', exp: nowS() });
    await cache.verify('t');
    expect(cache.size).toBe(0);
  });

  it('keeps no failure: a refused token is checked in full every time, as before', async () => {
    const { inner, cache } = setup();
    await expect(cache.verify('bad')).rejects.toBeInstanceOf(AuthError);
    await expect(cache.verify('bad')).rejects.toBeInstanceOf(AuthError);
    expect(inner.checks).toBe(2);
    expect(cache.size).toBe(0);
  });

  it('passes a keys-unavailable rejection through for a token it does not hold', async () => {
    const inner: Authenticator = { verify: async () => Promise.reject(new AuthError('keys_unavailable', 'signing keys unavailable')) };
    const cache = new CachingAuthenticator(inner, { maxAgeSeconds: MAX_AGE_S });
    await expect(cache.verify('t')).rejects.toMatchObject({ reason: 'keys_unavailable' });
  });

  it('holds at most maxEntries tokens, dropping the least recently used', async () => {
    const { inner, cache, nowS } = setup({ maxEntries: 2 });
    for (const t of ['a', 'b', 'c']) inner.valid.set(t, { sub: t, exp: nowS() + 600 });
    await cache.verify('a');
    await cache.verify('b');
    await cache.verify('a'); // a is now the most recently used
    await cache.verify('c'); // drops b
    expect(cache.size).toBe(2);
    expect(inner.checks).toBe(3);
    await cache.verify('a');
    await cache.verify('c');
    expect(inner.checks).toBe(3);
    await cache.verify('b');
    expect(inner.checks).toBe(4);
  });

  it('is bounded by default', async () => {
    const { inner, cache, nowS } = setup();
    for (let i = 0; i <= TOKEN_CACHE_MAX_ENTRIES; i++) {
      inner.valid.set(`t${i}`, { sub: `u${i}`, exp: nowS() + 600 });
      await cache.verify(`t${i}`);
    }
    expect(cache.size).toBe(TOKEN_CACHE_MAX_ENTRIES);
  });

  it('keeps nothing with maxEntries 0', async () => {
    const { inner, cache, nowS } = setup({ maxEntries: 0 });
    inner.valid.set('t', { sub: 'alice', exp: nowS() + 600 });
    await cache.verify('t');
    await cache.verify('t');
    expect(inner.checks).toBe(2);
  });

  it('hands out frozen claims, so one caller cannot change what another gets', async () => {
    const { inner, cache, nowS } = setup();
    inner.valid.set('t', { sub: 'alice', channels: ['c1'], exp: nowS() + 600 });
    const claims = await cache.verify('t');
    expect(() => claims.channels!.push('c2')).toThrow(TypeError);
    expect(() => {
      claims.sub = 'mallory';
    }).toThrow(TypeError);
    expect(await cache.verify('t')).toEqual({ sub: 'alice', channels: ['c1'], exp: nowS() + 600 });
  });

  it('answers a real signed token the way the authenticator it wraps does', async () => {
    const secret = 'a-test-secret-of-enough-length-0123456789';
    const inner = new SecretAuthenticator(secret);
    const cache = new CachingAuthenticator(inner, { maxAgeSeconds: 86_400 });
    const token = await signToken(secret, { sub: 'alice', scope: 'publish', claims: { workspaces: 'w1,w2' } });
    expect(await cache.verify(token)).toEqual(await inner.verify(token));
    expect(await cache.verify(token)).toEqual(await inner.verify(token));
    const forged = await signToken(`${secret}-other`, { sub: 'alice' });
    await expect(cache.verify(forged)).rejects.toMatchObject({ reason: 'signature' });
  });
});
