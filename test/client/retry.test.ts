import { DEFAULT_RETRY_POLICY, backoffDelay, parseRetryAfter } from "../../provider/client/retry";

describe("parseRetryAfter", () => {
  it("reads delta-seconds", () => {
    expect(parseRetryAfter("3")).toBe(3);
    expect(parseRetryAfter("0")).toBe(0);
    expect(parseRetryAfter(" 1.5 ")).toBe(1.5);
  });
  it("reads an HTTP date relative to now", () => {
    const now = Date.parse("2026-11-22T10:00:00Z");
    expect(parseRetryAfter("Sun, 22 Nov 2026 10:00:05 GMT", now)).toBe(5);
    expect(parseRetryAfter("Sun, 22 Nov 2026 09:59:00 GMT", now)).toBe(0);
  });
  it("ignores absent or unreadable values", () => {
    expect(parseRetryAfter(undefined)).toBeUndefined();
    expect(parseRetryAfter("")).toBeUndefined();
    expect(parseRetryAfter("soon")).toBeUndefined();
    expect(parseRetryAfter("-1")).toBeUndefined();
  });
});

describe("backoffDelay", () => {
  const policy = { ...DEFAULT_RETRY_POLICY, baseDelayMs: 100, maxDelayMs: 1000 };
  it("doubles the jitter window per attempt up to the cap", () => {
    const top = () => 0.999999;
    expect(backoffDelay(policy, 1, undefined, top)).toBe(99);
    expect(backoffDelay(policy, 2, undefined, top)).toBe(199);
    expect(backoffDelay(policy, 3, undefined, top)).toBe(399);
    expect(backoffDelay(policy, 10, undefined, top)).toBe(999);
  });
  it("uses full jitter", () => {
    expect(backoffDelay(policy, 3, undefined, () => 0)).toBe(0);
    expect(backoffDelay(policy, 3, undefined, () => 0.5)).toBe(200);
  });
  it("honours Retry-After within the cap", () => {
    expect(backoffDelay(policy, 1, 0.25, () => 0)).toBe(250);
    expect(backoffDelay(policy, 1, 60, () => 0)).toBe(1000);
  });
});
