/**
 * Everything one emulator instance holds and changes while it runs, shared
 * by the request pipeline, the API handlers and the control API.
 */
import { CounterSet } from "./counters";
import { FaultTable } from "./faults";
import type { RandomFailures } from "./randomFailures";
import type { TokenBucket } from "./rateLimit";
import { RequestLog } from "./requestLog";
import { TokenStore } from "./store";

/** The shape of 403 bodies: `{"message": "..."}` (as the spec declares) or `{"error": "forbidden"}` (as Panther's tooling has seen). */
export type ForbiddenBodyShape = "message" | "error";

/** Mutable state of one emulator. */
export class EmulatorState {
  /** The tokens. */
  readonly store: TokenStore;
  /** Injected faults waiting to apply. */
  readonly faults = new FaultTable();
  /** Request, status and connection counts. */
  readonly counters = new CounterSet();
  /** The last requests with their headers. */
  readonly log = new RequestLog();
  /** Permission names accepted in token input: the known ones plus any extra. */
  readonly allowedPermissions: ReadonlySet<string>;
  /** Shape of 403 bodies. */
  readonly forbiddenBodyShape: ForbiddenBodyShape;
  /** Largest list page; `?limit=` may ask for less, not more. */
  pageSize: number;
  /** Active rate limiter, if any. */
  rateLimiter: TokenBucket | undefined;
  /** Active random failures, if any. */
  randomFailures: RandomFailures | undefined;

  constructor(settings: {
    propagationDelayMs: number;
    pageSize: number;
    allowedPermissions: ReadonlySet<string>;
    forbiddenBodyShape: ForbiddenBodyShape;
  }) {
    this.store = new TokenStore(settings.propagationDelayMs);
    this.pageSize = settings.pageSize;
    this.allowedPermissions = settings.allowedPermissions;
    this.forbiddenBodyShape = settings.forbiddenBodyShape;
  }
}
