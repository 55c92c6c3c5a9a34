/**
 * Which token of a `PantherApiTokenPair` rotates, so that consumers always
 * keep a working value: at most one token rotates per run, always the one
 * holding the older value, never right after the other.
 *
 * Each token records the highest generation it has acted on (`pairView`).
 * When the pair's generation rises above it, `diff` reports an update for
 * both tokens (preview shows the rise on both), and at `up` each token
 * decides from Panther's own records of the two tokens, not from anything a
 * failed or skipped step could have left out of date:
 * - it rotates only if it holds the older value (the other token was issued
 *   later, or, on a tie, it is slot b), and the other token was not rotated
 *   during this run;
 * - otherwise it only records the generation.
 * A generation at or below the recorded one (a runner clock behind, a
 * repeated run) changes nothing, and a change of `periodDays` rescales the
 * recorded generation instead of looking like a jump or a fall.
 */
import type { CheckFailure } from "./inputs";

/** What `PantherApiTokenPair` passes to each of its tokens. */
export interface PairInput {
  readonly slot: "a" | "b";
  /** The pair's generation counter, a whole number ≥ 0. */
  readonly generation: number;
  /** Length of a generation in days, when the generation is derived from time. */
  readonly periodDays?: number;
  /** Panther name of the pair's other token. */
  readonly peerName: string;
}

/** What a token of a pair records: the highest generation it acted on. */
export interface PairView {
  readonly seen: number;
  readonly periodDays?: number;
}

/** What is wrong with a `pair` input, as `[property, reason]`, or undefined. */
function pairProblem(raw: Record<string, unknown>): [string, string] | undefined {
  const { slot, generation, periodDays, peerName } = raw;
  if (slot !== "a" && slot !== "b") return [".slot", 'must be "a" or "b"'];
  if (typeof generation !== "number" || !Number.isSafeInteger(generation) || generation < 0) {
    return [".generation", "must be a whole number ≥ 0, e.g. rotationGeneration(30)"];
  }
  if (typeof peerName !== "string" || peerName === "") {
    return [".peerName", "must name the pair's other token"];
  }
  const badPeriod =
    periodDays !== undefined &&
    periodDays !== null &&
    (typeof periodDays !== "number" || !Number.isInteger(periodDays) || periodDays < 1);
  return badPeriod ? [".periodDays", "must be a whole number of days ≥ 1"] : undefined;
}

/** Validates the `pair` input; undefined (with failures) when unusable. */
export function checkPair(value: unknown, failures: CheckFailure[]): PairInput | undefined {
  if (typeof value !== "object" || value === null || Array.isArray(value)) {
    failures.push({
      property: "pair",
      reason: "is set by PantherApiTokenPair; do not set it on a PantherApiToken",
    });
    return undefined;
  }
  const raw = value as Record<string, unknown>;
  const problem = pairProblem(raw);
  if (problem !== undefined) {
    failures.push({ property: `pair${problem[0]}`, reason: problem[1] });
    return undefined;
  }
  const { slot, generation, periodDays, peerName } = raw as unknown as PairInput;
  return typeof periodDays === "number"
    ? { slot, generation, periodDays, peerName }
    : { slot, generation, peerName };
}

/** Reads a stored view leniently; undefined when absent or unreadable. */
export function readPairView(value: unknown): PairView | undefined {
  if (typeof value !== "object" || value === null) return undefined;
  const { seen, periodDays } = value as Record<string, unknown>;
  if (typeof seen !== "number") return undefined;
  return typeof periodDays === "number" ? { seen, periodDays } : { seen };
}

/** The trigger recorded for a token whose value was issued at `generation`. */
export function pairTrigger(generation: number): string {
  return `generation-${generation}`;
}

/**
 * The generation a token has acted on, in the units of `input`. A token of a
 * pair made by pulumi-panther 0.1.0 has no view, only a trigger
 * `generation-N` (or `initial`, N = -1) issued by parity: the pair had then
 * acted on N or N + 1, so N + 1 is taken, which never rotates a token at a
 * generation 0.1.0 already rotated for.
 */
export function seenGeneration(
  view: PairView | undefined,
  trigger: string | undefined,
  input: PairInput,
): number {
  if (view === undefined) {
    const match = /^generation-(-?\d+)$/.exec(trigger ?? "");
    const own = match ? Number(match[1]) : trigger === "initial" ? -1 : input.generation;
    return own + 1;
  }
  if (view.periodDays === undefined || input.periodDays === undefined) return view.seen;
  return Math.floor((view.seen * view.periodDays) / input.periodDays);
}

/** The view to record after acting on `input`'s generation. */
export function viewAt(input: PairInput): PairView {
  return input.periodDays === undefined
    ? { seen: input.generation }
    : { seen: input.generation, periodDays: input.periodDays };
}

/** Slack between two issuance stamps below which they count as a tie. */
export const TIE_MS = 1000;

/**
 * Which slot holds the newer value, from when each value was issued: the
 * same rule as {@link pairTurn}'s, so that `current` is never the one that
 * rotates next (values issued within {@link TIE_MS} count as slot a newer).
 */
export function newerSlot(aIssued: number, bIssued: number): "a" | "b" {
  if (Number.isNaN(bIssued)) return "a";
  if (Number.isNaN(aIssued)) return "b";
  return bIssued > aIssued + TIE_MS ? "b" : "a";
}

/** Whose turn it is, from Panther's records of the two tokens (ms on Panther's clock). */
export function pairTurn(options: {
  readonly slot: "a" | "b";
  /** When this token's value was issued. */
  readonly mine: number;
  /** When the other token's value was issued. */
  readonly peer: number;
  /** Earliest Panther time at which this run can have started. */
  readonly runStarted: number;
}): "rotate" | "peer-rotated-this-run" | "peer-is-older" {
  const { slot, mine, peer, runStarted } = options;
  if (peer >= runStarted - TIE_MS) return "peer-rotated-this-run";
  if (Math.abs(peer - mine) <= TIE_MS) return slot === "b" ? "rotate" : "peer-is-older";
  return peer > mine ? "rotate" : "peer-is-older";
}
