/**
 * When and how long to wait before repeating a request that is safe to repeat.
 *
 * Exponential backoff with full jitter, bounded both in attempts and in total
 * time; a `Retry-After` from Panther is honoured (it replaces the computed
 * delay, within `maxDelayMs`), and a wait that would overrun the total time
 * budget is not started: the last error is reported instead.
 */
export interface RetryPolicy {
  /** Attempts in all, the first included. `1` disables retries. Default 5. */
  readonly maxAttempts: number;
  /** Upper bound on the whole operation, waits included, in ms. Default 120 000. */
  readonly maxElapsedMs: number;
  /** Delay cap for the first retry; doubled per attempt. Default 500 ms. */
  readonly baseDelayMs: number;
  /** Cap on any single wait, `Retry-After` included. Default 20 000 ms. */
  readonly maxDelayMs: number;
}

/** The policy used unless the caller gives another. */
export const DEFAULT_RETRY_POLICY: RetryPolicy = {
  maxAttempts: 5,
  maxElapsedMs: 120_000,
  baseDelayMs: 500,
  maxDelayMs: 20_000,
};

/** HTTP statuses worth repeating a safe request for. */
export const RETRYABLE_STATUSES: ReadonlySet<number> = new Set([429, 502, 503, 504]);

/**
 * Error codes (Node and undici) meaning the answer was not received. For a
 * safe operation any of them is worth a retry.
 */
export const RETRYABLE_NETWORK_CODES: ReadonlySet<string> = new Set([
  "ECONNRESET",
  "ECONNREFUSED",
  "ECONNABORTED",
  "EPIPE",
  "ETIMEDOUT",
  "EAI_AGAIN",
  "ENETUNREACH",
  "EHOSTUNREACH",
  "UND_ERR_SOCKET",
  "UND_ERR_CLOSED",
  "UND_ERR_CONNECT_TIMEOUT",
  "UND_ERR_HEADERS_TIMEOUT",
  "UND_ERR_BODY_TIMEOUT",
]);

/**
 * Network error codes that prove the request never reached Panther (the
 * name did not resolve or the connection was not established): such a
 * failure has `applied: "no"`, and those of them that are also in
 * {@link RETRYABLE_NETWORK_CODES} are repeated even for create and rotate.
 */
export const NOT_SENT_NETWORK_CODES: ReadonlySet<string> = new Set([
  "ECONNREFUSED",
  "UND_ERR_CONNECT_TIMEOUT",
  "EAI_AGAIN",
  "ENOTFOUND",
  "EAI_FAIL",
  "ENETUNREACH",
  "EHOSTUNREACH",
]);

/**
 * Parses a `Retry-After` header: delta-seconds or an HTTP date. Returns
 * seconds (possibly fractional, never negative), or undefined when absent or
 * unreadable.
 */
export function parseRetryAfter(
  value: string | undefined,
  now: number = Date.now(),
): number | undefined {
  if (value === undefined) return undefined;
  const trimmed = value.trim();
  if (trimmed === "") return undefined;
  if (/^\d+(\.\d+)?$/.test(trimmed)) return Number(trimmed);
  // An HTTP date names its day and zone; anything else (such as "-1") is unreadable.
  if (!/[a-z]/i.test(trimmed)) return undefined;
  const date = Date.parse(trimmed);
  if (Number.isNaN(date)) return undefined;
  return Math.max(0, (date - now) / 1000);
}

/**
 * The wait before attempt `attempt + 1` (attempt counts from 1), in ms:
 * `Retry-After` when given, else a uniformly random delay in
 * `[0, min(maxDelayMs, baseDelayMs * 2^(attempt-1))]` (full jitter).
 */
export function backoffDelay(
  policy: RetryPolicy,
  attempt: number,
  retryAfterSeconds: number | undefined,
  random: () => number = Math.random,
): number {
  if (retryAfterSeconds !== undefined) {
    return Math.min(policy.maxDelayMs, Math.ceil(retryAfterSeconds * 1000));
  }
  const cap = Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** (attempt - 1));
  return Math.floor(random() * cap);
}
