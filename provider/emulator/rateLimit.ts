/**
 * A token-bucket rate limiter, to make the emulator answer 429 the way a
 * busy gateway in front of Panther would.
 */
import { EmulatorError } from "./errors";
import { isJsonObject } from "./json";

/**
 * Rate limit settings.
 *
 * @example
 * // Two requests at once, then one every 500 ms; refused requests are told to wait 1 s.
 * control.setRateLimit({ requestsPerSecond: 2, burst: 2, retryAfterSeconds: 1 });
 */
export interface RateLimitConfig {
  /** Sustained rate: the bucket refills at this many requests per second (> 0). */
  requestsPerSecond: number;
  /** Bucket size: requests allowed back to back from a full bucket (integer ≥ 1). The bucket starts full. */
  burst: number;
  /** Value of the `Retry-After` header on a 429, in whole seconds (integer ≥ 0). */
  retryAfterSeconds: number;
}

/** Checks a rate limit config (in-process or JSON); throws {@link EmulatorError} if invalid. */
export function validateRateLimit(input: unknown): RateLimitConfig {
  const fail = (message: string): EmulatorError =>
    new EmulatorError("EMULATOR_INVALID_INPUT", `invalid rate limit: ${message}`);
  if (!isJsonObject(input)) throw fail("expected an object or null");
  const { requestsPerSecond, burst, retryAfterSeconds } = input;
  if (
    typeof requestsPerSecond !== "number" ||
    !Number.isFinite(requestsPerSecond) ||
    requestsPerSecond <= 0
  ) {
    throw fail("requestsPerSecond must be a finite number above 0");
  }
  if (typeof burst !== "number" || !Number.isInteger(burst) || burst < 1) {
    throw fail("burst must be an integer of at least 1");
  }
  if (
    typeof retryAfterSeconds !== "number" ||
    !Number.isInteger(retryAfterSeconds) ||
    retryAfterSeconds < 0
  ) {
    throw fail("retryAfterSeconds must be an integer of at least 0");
  }
  return { requestsPerSecond, burst, retryAfterSeconds };
}

/** A token bucket: starts full with `burst` tokens, refills continuously at `requestsPerSecond`. */
export class TokenBucket {
  /** The settings this bucket was made with. */
  readonly config: RateLimitConfig;
  readonly #now: () => number;
  #tokens: number;
  #updatedAt: number;

  constructor(config: RateLimitConfig, now: () => number = Date.now) {
    this.config = config;
    this.#now = now;
    this.#tokens = config.burst;
    this.#updatedAt = now();
  }

  /** Takes one token if there is one; returns whether the request may go ahead. */
  tryTake(): boolean {
    const now = this.#now();
    const refill = ((now - this.#updatedAt) / 1000) * this.config.requestsPerSecond;
    this.#tokens = Math.min(this.config.burst, this.#tokens + refill);
    this.#updatedAt = now;
    if (this.#tokens < 1) return false;
    this.#tokens -= 1;
    return true;
  }
}
