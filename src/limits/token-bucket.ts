// Inbound messages per socket: a token bucket. A socket starts with `burst` tokens, each message takes
// one, and tokens come back at `ratePerSecond` up to `burst`. Written here rather than taken from a
// limiter library: the check runs on every inbound message of every socket, so it must be a few
// arithmetic operations on the socket's own state, synchronous, with nothing allocated, no key
// lookup and no timer (rate-limiter-flexible answers with a promise per call and keeps keyed
// records with their own expiry; that suits per-IP or per-user limits across requests, not a hot
// per-socket counter).
import { performance } from 'node:perf_hooks';

export interface RateLimit {
  readonly ratePerSecond: number;
  readonly burst: number;
}

export class TokenBucket {
  private tokens: number;
  private stamp: number;

  constructor(
    private readonly limit: RateLimit,
    now: number = performance.now(),
  ) {
    this.tokens = limit.burst;
    this.stamp = now;
  }

  /** Takes a token for one message; false when none is left (the message is over the limit). */
  take(now: number = performance.now()): boolean {
    const { ratePerSecond, burst } = this.limit;
    if (now > this.stamp) {
      this.tokens = Math.min(burst, this.tokens + ((now - this.stamp) * ratePerSecond) / 1000);
      this.stamp = now;
    }
    if (this.tokens < 1) return false;
    this.tokens -= 1;
    return true;
  }
}
