/**
 * Panther's clock as seen from here, learnt from the `Date` header of every
 * response, so that callers can compare Panther's timestamps (`createdAt`,
 * `rotatedAt`) with local times without guessing the skew.
 *
 * A response sent at local time `s` and received at `r` with `Date: D`
 * (whole seconds) means that at some instant in `[s, r]` Panther's time was
 * in `[D, D + 1000)`, so the offset (Panther minus local) lies in
 * `(D − r, D + 1000 − s)`. The clock keeps the intersection of every such
 * interval, which tightens as responses arrive; an interval that does not
 * intersect it (a clock jump, another server behind the same name) starts
 * the estimate again from that interval alone.
 */

// Senders must use IMF-fixdate for `Date` (RFC 9110 §5.6.7, §6.6.1); the
// obsolete forms are not worth guessing at.
const IMF_FIXDATE =
  /^(Mon|Tue|Wed|Thu|Fri|Sat|Sun), \d{2} (Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec) \d{4} \d{2}:\d{2}:\d{2} GMT$/;

/** Ms since the epoch of an IMF-fixdate (`Sun, 06 Nov 1994 08:49:37 GMT`), or undefined. */
export function parseHttpDate(value: string): number | undefined {
  const text = value.trim();
  if (!IMF_FIXDATE.test(text)) return undefined;
  const ms = Date.parse(text);
  return Number.isFinite(ms) ? ms : undefined;
}

/**
 * The offset between Panther's clock and the local one, learnt from `Date`
 * headers. Each client owns one (`PantherClient.pantherClock`) and feeds it
 * every response.
 *
 * @example
 * ```ts
 * const clock = new ServerClock();
 * clock.observe("Sun, 22 Nov 2026 10:15:00 GMT", sentAt, receivedAt);
 * clock.toPanther(Date.now()); // { earliest, latest } in Panther's time
 * ```
 */
export class ServerClock {
  readonly #now: () => number;
  #low: number | undefined;
  #high: number | undefined;
  // Answers within one second carry the same header: parsed once.
  #lastHeader: string | undefined;
  #lastDate: number | undefined;

  /** `now` is the local clock the stamps come from; default `Date.now`. */
  constructor(now: () => number = Date.now) {
    this.#now = now;
  }

  /**
   * Learns from one response: its `Date` header, and the local times the
   * request was sent and the response headers arrived. A missing or
   * unreadable header, or stamps that are not finite or run backwards, are
   * ignored.
   */
  observe(dateHeader: string | undefined, sentAt: number, receivedAt: number): void {
    if (dateHeader === undefined) return;
    if (dateHeader !== this.#lastHeader) {
      this.#lastHeader = dateHeader;
      this.#lastDate = parseHttpDate(dateHeader);
    }
    const date = this.#lastDate;
    if (date === undefined) return;
    if (!Number.isFinite(sentAt) || !Number.isFinite(receivedAt) || receivedAt < sentAt) return;
    const low = date - receivedAt;
    const high = date + 1000 - sentAt;
    if (this.#low === undefined || this.#high === undefined) {
      this.#low = low;
      this.#high = high;
      return;
    }
    const tightLow = Math.max(this.#low, low);
    const tightHigh = Math.min(this.#high, high);
    if (tightLow < tightHigh) {
      this.#low = tightLow;
      this.#high = tightHigh;
    } else {
      this.#low = low;
      this.#high = high;
    }
  }

  /**
   * Panther's time minus local time, in ms: strictly between `low` and
   * `high`. Undefined until a response with a readable `Date` arrived.
   */
  offset(): { low: number; high: number } | undefined {
    if (this.#low === undefined || this.#high === undefined) return undefined;
    return { low: this.#low, high: this.#high };
  }

  /** What Panther's clock read (or will read) when the local clock reads `localMs`. */
  toPanther(localMs: number): { earliest: number; latest: number } | undefined {
    const offset = this.offset();
    if (offset === undefined) return undefined;
    return { earliest: localMs + offset.low, latest: localMs + offset.high };
  }

  /** Panther's time now, as bounds. */
  now(): { earliest: number; latest: number } | undefined {
    return this.toPanther(this.#now());
  }
}
