// Remembers the claims of tokens that verified, so that a publisher sending the same bearer token on
// every request pays the signature check (about a sixth of a publish's CPU) once per few seconds
// rather than on every request. Only successes are kept: a token that failed is checked in full
// again. An entry lasts until the earliest of a short TTL, the token's `exp` and the end of its
// maximum age (`iat` + AUTH_MAX_TOKEN_AGE_MS), with no clock tolerance, so a cached token is never
// accepted when checking it again would refuse it for its age. The TTL bounds what the cache can
// change: a key dropped from a JWKS (jose itself keeps fetched keys for minutes) or a JWKS outage
// (keys_unavailable) reaches a cached token at most that much later. Bounded, least recently used
// first out: a Map keeps insertion order, and a hit moves its token to the end.
// (lru-cache would do this, but only an old, untyped copy of it is in node_modules, not a dependency.)
import type { Authenticator, Claims } from './authenticator';

/** How long a verified token is trusted without checking its signature again. */
export const TOKEN_CACHE_TTL_MS = 10_000;
/** Tokens remembered at most: a few hundred bytes each, plus their claims. */
export const TOKEN_CACHE_MAX_ENTRIES = 1_000;

export interface TokenCacheOptions {
  /** The maximum token age (token-rules.ts), so that an entry ends when the token grows too old. */
  maxAgeSeconds: number;
  ttlMs?: number;
  maxEntries?: number;
  /** The clock, in milliseconds (tests). */
  now?: () => number;
}

interface Entry {
  claims: Claims;
  /** Milliseconds since the epoch after which the token is checked in full again. */
  until: number;
}

export class CachingAuthenticator implements Authenticator {
  private readonly entries = new Map<string, Entry>();
  private readonly ttlMs: number;
  private readonly maxEntries: number;
  private readonly now: () => number;

  constructor(
    private readonly inner: Authenticator,
    private readonly options: TokenCacheOptions,
  ) {
    this.ttlMs = options.ttlMs ?? TOKEN_CACHE_TTL_MS;
    this.maxEntries = options.maxEntries ?? TOKEN_CACHE_MAX_ENTRIES;
    this.now = options.now ?? (() => Date.now()); // read at each call: a test's fake clock applies
  }

  /** Tokens remembered now (tests). */
  get size(): number {
    return this.entries.size;
  }

  async verify(token: string): Promise<Claims> {
    const entry = this.entries.get(token);
    if (entry !== undefined) {
      this.entries.delete(token);
      if (this.now() < entry.until) {
        this.entries.set(token, entry); // most recently used
        return entry.claims;
      }
    }
    const claims = await this.inner.verify(token);
    this.remember(token, claims);
    return claims;
  }

  private remember(token: string, claims: Claims): void {
    if (this.maxEntries <= 0) return;
    const now = this.now();
    let until = now + this.ttlMs;
    // jose and checkLifetime have accepted them: numbers when present.
    if (typeof claims.exp === 'number') until = Math.min(until, claims.exp * 1000);
    if (typeof claims.iat === 'number') until = Math.min(until, (claims.iat + this.options.maxAgeSeconds) * 1000);
    if (until <= now) return;
    this.entries.delete(token);
    while (this.entries.size >= this.maxEntries) this.entries.delete(this.entries.keys().next().value as string);
    // Every caller with this token gets the same object: frozen, so none can change another's claims.
    this.entries.set(token, { claims: deepFreeze(claims), until });
  }
}

function deepFreeze<T>(value: T): T {
  if (typeof value === 'object' && value !== null && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const item of Object.values(value)) deepFreeze(item);
  }
  return value;
}
