// The per-socket message budget, driven by an explicit clock (no real time).
import { TokenBucket } from '../src/limits/token-bucket';

describe('TokenBucket', () => {
  it('allows a burst, then refills at the rate up to the burst', () => {
    const bucket = new TokenBucket({ ratePerSecond: 10, burst: 3 }, 0);
    expect([bucket.take(0), bucket.take(0), bucket.take(0), bucket.take(0)]).toEqual([true, true, true, false]);
    expect(bucket.take(50)).toBe(false); // half a token back
    expect(bucket.take(100)).toBe(true); // one token after 100 ms at 10/s
    expect(bucket.take(100)).toBe(false);
    // A long silence refills to the burst, no further.
    expect([1, 2, 3, 4].map(() => bucket.take(60_000))).toEqual([true, true, true, false]);
  });

  it('holds a steady rate over time: about rate × seconds + burst in all', () => {
    const bucket = new TokenBucket({ ratePerSecond: 20, burst: 40 }, 0);
    let allowed = 0;
    for (let t = 0; t <= 10_000; t += 1) if (bucket.take(t)) allowed++; // 1,000 messages a second for 10 s
    expect(allowed).toBe(20 * 10 + 40);
  });

  it('ignores a clock that goes backwards', () => {
    const bucket = new TokenBucket({ ratePerSecond: 1, burst: 1 }, 1_000);
    expect(bucket.take(1_000)).toBe(true);
    expect(bucket.take(0)).toBe(false);
    expect(bucket.take(2_000)).toBe(true);
  });
});
