/**
 * Local time, as the client and the provider see it: injectable, so backoff, schedule, skew and
 * late-landing tests cost no wall time.
 */
import { setTimeout as sleep } from "node:timers/promises";

export interface Clock {
  /** Milliseconds since the epoch, this machine's clock. */
  now(): number;
  /** Resolves after `ms` milliseconds. */
  sleep(ms: number): Promise<void>;
}

/** The real clock: `Date.now` and `timers/promises`. */
export const realClock: Clock = {
  now: () => Date.now(),
  sleep: (ms) => sleep(ms),
};
