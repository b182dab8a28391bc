// Inbound messages per socket: a token bucket. A socket starts with `burst` tokens, each message takes
// one, and tokens come back at `ratePerSecond` up to `burst`. A socket's bucket is one number, the
// time at which it would be full again if nothing more were taken (the "virtual scheduling" form of
// a token bucket, as in GCRA: tokens left = burst - (full - now) / interval): no object per socket,
// since every idle connection would carry it. Written here rather than taken from a limiter library:
// the check runs on every inbound message of every socket, so it must be a few arithmetic operations
// on the socket's own state, synchronous, with nothing allocated, no key lookup and no timer
// (rate-limiter-flexible answers with a promise per call and keeps keyed records with their own
// expiry timers; that suits per-IP or per-user limits across requests, not a hot per-socket counter).
import { performance } from 'node:perf_hooks';

/** A new socket's bucket: full. */
export const FULL_BUCKET = 0;
/** What `take` answers for a message over the limit. */
export const REFUSED = -1;

/** The settings, shared by every socket's bucket. */
export class RateLimit {
  /** The time one token takes to come back, and how far ahead of now a full burst reaches. */
  private readonly intervalMs: number;
  private readonly toleranceMs: number;

  constructor(
    readonly ratePerSecond: number,
    readonly burst: number,
  ) {
    this.intervalMs = 1000 / ratePerSecond;
    this.toleranceMs = (burst - 1) * this.intervalMs;
  }

  /** The bucket after one message at `now`, or REFUSED when it holds no token (keep the old one then). */
  take(bucket: number, now: number = performance.now()): number {
    const full = bucket > now ? bucket : now;
    return full - now > this.toleranceMs ? REFUSED : full + this.intervalMs;
  }
}
