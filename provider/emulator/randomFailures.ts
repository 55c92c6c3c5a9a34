/**
 * Seeded random failures: a reproducible share of requests fails before it
 * is applied, for soak tests of retry logic.
 */
import { EmulatorError } from "./errors";
import { isJsonObject } from "./json";

/**
 * Random failure settings. The same seed gives the same sequence of
 * failures for the same sequence of requests.
 *
 * @example
 * control.setRandomFailures({ rate: 0.2, statuses: [502, 503], seed: 42 });
 */
export interface RandomFailureConfig {
  /** Share of requests that fail, from 0 (none) to 1 (all). */
  rate: number;
  /** Statuses to fail with (400–599), picked at random; 429 carries no `Retry-After`. */
  statuses: number[];
  /** Seed of the generator, an integer (taken modulo 2^32). */
  seed: number;
}

/** Checks a random failure config (in-process or JSON); throws {@link EmulatorError} if invalid. */
export function validateRandomFailures(input: unknown): RandomFailureConfig {
  const fail = (message: string): EmulatorError =>
    new EmulatorError("EMULATOR_INVALID_INPUT", `invalid random failures: ${message}`);
  if (!isJsonObject(input)) throw fail("expected an object or null");
  const { rate, statuses, seed } = input;
  if (typeof rate !== "number" || !(rate >= 0 && rate <= 1)) throw fail("rate must be from 0 to 1");
  if (
    !Array.isArray(statuses) ||
    statuses.length === 0 ||
    !statuses.every(
      (status): status is number =>
        typeof status === "number" && Number.isInteger(status) && status >= 400 && status <= 599,
    )
  ) {
    throw fail("statuses must be a non-empty array of integers from 400 to 599");
  }
  if (typeof seed !== "number" || !Number.isInteger(seed)) throw fail("seed must be an integer");
  return { rate, statuses: [...statuses], seed };
}

/**
 * mulberry32: a small, fast 32-bit PRNG. Returns a function yielding floats in
 * [0, 1). Not for cryptography; only for reproducible test behaviour.
 */
export function mulberry32(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Decides, request by request, whether to fail and with which status. */
export class RandomFailures {
  /** The settings this generator was made with. */
  readonly config: RandomFailureConfig;
  readonly #random: () => number;

  constructor(config: RandomFailureConfig) {
    this.config = config;
    this.#random = mulberry32(config.seed);
  }

  /** The status to fail the next request with, or `undefined` to let it through. Draws twice per request, always. */
  next(): number | undefined {
    const roll = this.#random();
    const pick = this.#random();
    if (roll >= this.config.rate) return undefined;
    const statuses = this.config.statuses;
    return statuses[Math.floor(pick * statuses.length)] ?? statuses[0];
  }
}
