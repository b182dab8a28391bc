// The per-socket message budget, driven by an explicit clock (no real time).
import { FULL_BUCKET, RateLimit, REFUSED } from '../src/limits/token-bucket';

/** A socket's bucket and the messages it lets through, as the APIs keep it. */
function socket(limit: RateLimit) {
  let bucket = FULL_BUCKET;
  return (now: number): boolean => {
    const taken = limit.take(bucket, now);
    if (taken === REFUSED) return false;
    bucket = taken;
    return true;
  };
}

describe('RateLimit (token bucket)', () => {
  it('allows a burst, then refills at the rate up to the burst', () => {
    const take = socket(new RateLimit(10, 3));
    expect([take(0), take(0), take(0), take(0)]).toEqual([true, true, true, false]);
    expect(take(50)).toBe(false); // half a token back
    expect(take(100)).toBe(true); // one token after 100 ms at 10/s
    expect(take(100)).toBe(false);
    // A long silence refills to the burst, no further.
    expect([1, 2, 3, 4].map(() => take(60_000))).toEqual([true, true, true, false]);
  });

  it('holds a steady rate over time: rate × seconds + burst in all', () => {
    const take = socket(new RateLimit(20, 40));
    let allowed = 0;
    for (let t = 0; t <= 10_000; t += 1) if (take(t)) allowed++; // 1,000 messages a second for 10 s
    expect(allowed).toBe(20 * 10 + 40);
  });

  it('starts full whatever the clock reads, and a clock that goes backwards gives nothing back', () => {
    const take = socket(new RateLimit(1, 1));
    expect(take(1_000)).toBe(true);
    expect(take(0)).toBe(false);
    expect(take(1_500)).toBe(false);
    expect(take(2_000)).toBe(true);
  });

  it('a burst of 1 is one message per interval', () => {
    const take = socket(new RateLimit(4, 1));
    expect([0, 100, 250, 260, 500, 749, 750].map(take)).toEqual([true, false, true, false, true, false, true]);
  });
});
