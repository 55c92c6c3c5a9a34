/**
 * The last API requests received, headers included, so tests can check
 * what a client sent (User-Agent, that `X-API-Key` arrived, ...).
 *
 * Header values are kept unredacted because tests need them; the emulator
 * never prints them.
 */
import type { RequestOperation } from "./operations";

/** How many requests {@link RequestLog} keeps; older ones are dropped first. */
export const RECENT_REQUESTS_LIMIT = 200;

/** One API request as received. */
export interface RecordedRequest {
  /** HTTP method, as sent. */
  method: string;
  /** Path without the query string, e.g. `/api-tokens/self`. */
  path: string;
  /** The request target as sent, query string included. */
  url: string;
  /** The operation the request was routed to. */
  operation: RequestOperation;
  /** Headers with lower-case names, as Node parsed them (repeated headers may be joined or arrays). */
  headers: Record<string, string | string[]>;
  /** The client's address as the socket reports it, e.g. `127.0.0.1` or `::ffff:127.0.0.1`. */
  remoteAddress: string;
  /** When the request arrived (ISO-8601), by the emulator's clock (`clockOffsetMs` included). */
  receivedAt: string;
  /**
   * For a request held back by a `lateLanding` fault: the status the backend
   * produced when it finally applied it (never sent to anyone). Absent until
   * then, and for every other request.
   */
  lateAppliedStatus?: number;
}

/** A ring of the last {@link RECENT_REQUESTS_LIMIT} requests. */
export class RequestLog {
  readonly #entries: RecordedRequest[] = [];

  /**
   * Adds a request, dropping the oldest beyond the limit. Returns the kept
   * entry, so a late landing can note its outcome on it.
   */
  record(entry: RecordedRequest): RecordedRequest {
    const kept = { ...entry };
    this.#entries.push(kept);
    if (this.#entries.length > RECENT_REQUESTS_LIMIT) this.#entries.shift();
    return kept;
  }

  /** The kept requests, oldest first, as copies. */
  list(): RecordedRequest[] {
    return this.#entries.map((entry) => ({ ...entry, headers: { ...entry.headers } }));
  }

  /** Forgets every kept request. */
  clear(): void {
    this.#entries.length = 0;
  }
}
