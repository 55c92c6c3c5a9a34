/**
 * Request, response and connection counters, so tests can assert how many
 * calls a client made (for example that a POST was not retried).
 */
import { REQUEST_OPERATIONS, type RequestOperation } from "./operations";

/** Key of {@link EmulatorCounters.byStatus} for requests whose connection was dropped or reset without an answer. */
export const NO_RESPONSE = "none";

/** A snapshot of the counters since start or the last reset. */
export interface EmulatorCounters {
  /** API requests that arrived (everything except the control API), whatever happened to them. */
  requests: number;
  /** The same requests by operation; every operation is present, 0 if unused. */
  byOperation: Record<RequestOperation, number>;
  /** Answers by HTTP status (`"200"`, `"429"`, ...); `"none"` counts dropped and reset connections. */
  byStatus: Record<string, number>;
  /** TCP connections accepted (control API connections included). */
  connections: number;
  /**
   * Late landings delivered to the backend, by operation (see the
   * `lateLanding` fault): each was answered (or dropped) earlier without
   * being applied, and was applied when counted here. Not counted again in
   * `requests` or `byStatus`; its own result is discarded.
   */
  lateApplied: Record<RequestOperation, number>;
}

function zeroByOperation(): Record<RequestOperation, number> {
  return Object.fromEntries(REQUEST_OPERATIONS.map((operation) => [operation, 0])) as Record<
    RequestOperation,
    number
  >;
}

/** Mutable counters behind {@link EmulatorCounters}. */
export class CounterSet {
  #requests = 0;
  #byOperation = zeroByOperation();
  #byStatus = new Map<string, number>();
  #connections = 0;
  #lateApplied = zeroByOperation();

  /** Counts an arriving API request. */
  request(operation: RequestOperation): void {
    this.#requests++;
    this.#byOperation[operation]++;
  }

  /** Counts how an API request ended: an HTTP status, or {@link NO_RESPONSE}. */
  outcome(status: number | typeof NO_RESPONSE): void {
    const key = String(status);
    this.#byStatus.set(key, (this.#byStatus.get(key) ?? 0) + 1);
  }

  /** Counts an accepted TCP connection. */
  connection(): void {
    this.#connections++;
  }

  /** Counts a late landing applied now. */
  lateApplied(operation: RequestOperation): void {
    this.#lateApplied[operation]++;
  }

  /** A copy of the current counts. */
  snapshot(): EmulatorCounters {
    return {
      requests: this.#requests,
      byOperation: { ...this.#byOperation },
      byStatus: Object.fromEntries(this.#byStatus),
      connections: this.#connections,
      lateApplied: { ...this.#lateApplied },
    };
  }

  /** Sets every count back to 0. */
  reset(): void {
    this.#requests = 0;
    this.#byOperation = zeroByOperation();
    this.#byStatus = new Map();
    this.#connections = 0;
    this.#lateApplied = zeroByOperation();
  }
}
