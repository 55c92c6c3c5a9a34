/**
 * The token bucket behind the emulator's rate limit, on a fake clock.
 */
import { TokenBucket } from "../../provider/emulator/rateLimit";

describe("TokenBucket", () => {
  it("starts full, refills at the configured rate, and never holds more than the burst", () => {
    let now = 1_000_000;
    const bucket = new TokenBucket(
      { requestsPerSecond: 4, burst: 3, retryAfterSeconds: 1 },
      () => now,
    );
    expect([bucket.tryTake(), bucket.tryTake(), bucket.tryTake(), bucket.tryTake()]).toEqual([
      true,
      true,
      true,
      false,
    ]);
    now += 249;
    expect(bucket.tryTake()).toBe(false);
    now += 1;
    expect(bucket.tryTake()).toBe(true);
    expect(bucket.tryTake()).toBe(false);
    now += 60_000;
    const taken = Array.from({ length: 5 }, () => bucket.tryTake());
    expect(taken).toEqual([true, true, true, false, false]);
  });
});
