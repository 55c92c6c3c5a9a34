/**
 * The emulator's clock: a base clock (real time, or a virtual one injected
 * into the core) plus an offset, so the emulator can play a Panther whose
 * clock disagrees with the client's. Stamps and the `Date` header use the
 * offset clock; propagation delays measure elapsed time on
 * the base clock, so changing the offset at run time does not make a value
 * work early or late.
 */
import { EmulatorError } from "./errors";

/** Largest offset either setting accepts, in ms (24 h). */
export const MAX_CLOCK_OFFSET_MS = 86_400_000;

/**
 * How far the emulator's clocks are from real (or injected) time.
 *
 * @example
 * control.setClock({ offsetMs: -90_000 }); // Panther runs 90 s behind
 */
export interface ClockSettings {
  /** Added to every stamp the emulator writes (`createdAt`, `updatedAt`, `rotatedAt`, `lastUsedAt`) and to the `Date` header. |value| ≤ 24 h. */
  offsetMs?: number;
  /** Added to the `Date` header only, on top of `offsetMs`, as a gateway whose clock differs from the backend's. |value| ≤ 24 h. */
  dateHeaderSkewMs?: number;
}

/**
 * Checks one offset; `name` is the option or field named in the message.
 * Throws {@link EmulatorError} with `code` if it is not a finite number
 * within ±24 h.
 */
export function checkOffset(
  value: unknown,
  name: string,
  code: "EMULATOR_INVALID_OPTION" | "EMULATOR_INVALID_INPUT",
): number {
  if (
    typeof value !== "number" ||
    !Number.isFinite(value) ||
    Math.abs(value) > MAX_CLOCK_OFFSET_MS
  ) {
    throw new EmulatorError(
      code,
      `${name} must be a number of milliseconds from -${MAX_CLOCK_OFFSET_MS} to ${MAX_CLOCK_OFFSET_MS}`,
    );
  }
  return value;
}

/** One emulator's clock; see the file comment for which time each reading uses. */
export class EmulatorClock {
  /** Base time in epoch ms: `Date.now`, or the core's injected clock. */
  readonly base: () => number;
  #offsetMs: number;
  #dateHeaderSkewMs: number;

  constructor(base: () => number, offsetMs: number, dateHeaderSkewMs: number) {
    this.base = base;
    this.#offsetMs = offsetMs;
    this.#dateHeaderSkewMs = dateHeaderSkewMs;
  }

  /** Changes the given settings; omitted ones stay. Throws `EMULATOR_INVALID_INPUT` for a bad value, changing nothing. */
  set(settings: ClockSettings): void {
    const offset =
      settings.offsetMs === undefined
        ? this.#offsetMs
        : checkOffset(settings.offsetMs, "offsetMs", "EMULATOR_INVALID_INPUT");
    const skew =
      settings.dateHeaderSkewMs === undefined
        ? this.#dateHeaderSkewMs
        : checkOffset(settings.dateHeaderSkewMs, "dateHeaderSkewMs", "EMULATOR_INVALID_INPUT");
    this.#offsetMs = offset;
    this.#dateHeaderSkewMs = skew;
  }

  /** The emulator's time as an ISO-8601 stamp, offset included. */
  stamp(): string {
    return new Date(this.base() + this.#offsetMs).toISOString();
  }

  /** The `Date` header value (RFC 9110 IMF-fixdate), offset and skew included. */
  httpDate(): string {
    return new Date(this.base() + this.#offsetMs + this.#dateHeaderSkewMs).toUTCString();
  }
}
