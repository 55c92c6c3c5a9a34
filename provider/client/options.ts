/**
 * How a `PantherClient` is made: the URL and key, and the timeouts,
 * retry policy, clock and transport it may be given.
 */
import type { Dispatcher } from "undici";
import type { Clock } from "./clock";
import type { Timeouts } from "./pool";
import type { RetryPolicy } from "./retry";
import type { Operation } from "./types";

/** Told before each retry: what failed and how long the client waits. */
export interface RetryEvent {
  readonly operation: Operation;
  /** The attempt that just failed, counting from 1. */
  readonly attempt: number;
  readonly delayMs: number;
  /** `429`, `503`, `ECONNRESET`, ... */
  readonly reason: string;
}

/** Options of `PantherClient`. */
export interface PantherClientOptions {
  /**
   * The API URL shown in the Panther Console (Settings → API Tokens), with or
   * without `/public/graphql`. HTTPS, except for `localhost` and loopback
   * addresses. Must not contain the API key.
   */
  readonly url: string;
  /** The API key the client authenticates with (`X-API-Key`). Never logged or put in errors. */
  readonly apiKey: string;
  /** Per-phase request timeouts; each field defaults to `DEFAULT_TIMEOUTS` (`pool.ts`). */
  readonly timeouts?: Partial<Timeouts>;
  /** Retry policy for operations that are safe to repeat; defaults to `DEFAULT_RETRY_POLICY` (`retry.ts`). */
  readonly retry?: Partial<RetryPolicy>;
  /** Called before each retry, e.g. to print progress. */
  readonly onRetry?: (event: RetryEvent) => void;
  /** Source of randomness for backoff jitter (tests pin it). Default `Math.random`. */
  readonly random?: () => number;
  /**
   * Local time for backoff waits, the retry time budget and the send and
   * receive stamps fed to `PantherClient.pantherClock`. Default: real
   * time (`Date.now`, `timers/promises`). For deterministic fault tests.
   *
   * @internal
   */
  readonly clock?: Clock;
  /**
   * An undici dispatcher to send requests through instead of the shared
   * keep-alive pool (its timeouts then are the dispatcher's own). For fault
   * tests, e.g. an undici `MockAgent`.
   *
   * @internal Not in the shipped declarations, which must not name undici types.
   */
  readonly dispatcher?: Dispatcher;
}
