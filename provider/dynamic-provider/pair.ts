/**
 * Which token of a `PantherApiTokenPair` rotates, so that consumers always
 * keep a working value: at most one token rotates per generation, always the
 * one holding the older value, whatever happened to earlier runs
 * (interrupted, `--target`ed, a step that failed after the other token
 * rotated).
 *
 * Slot a leads and slot b follows, and the evidence passes between them
 * through the engine, not through a clock:
 * - each token records the highest generation it acted on (`pairView`);
 * - when the generation rises above slot a's, slot a decides whose turn it
 *   is, from Panther's records of both tokens (the one holding the older
 *   value rotates; a rotation a needs anyway, such as a stale value, takes
 *   the turn), and records the decision with the generation: `turn` is
 *   `"a"`, `"b"` or `"none"`;
 * - slot b's `pairLeader` input is slot a's `pairView` output, so the engine
 *   runs a first and hands b its decision: b rotates only for a generation a
 *   gave to b and b has not acted on, and otherwise waits for a (a `--target`
 *   of b alone, or a run in which a failed, rotates nothing).
 * A generation at or below the recorded one (a runner clock behind, a
 * repeated run) changes nothing, and a change of `periodDays` rescales the
 * recorded generation instead of looking like a jump or a fall. State written
 * before decisions were recorded never rotates a token unless the records
 * prove it is that token's turn.
 */
import { UNKNOWN, type CheckFailure, type TokenInputs } from "./inputs";
import type { TokenState } from "./state";

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

/** Whose turn a generation was: slot a's, slot b's, or nobody's (not proven to be either's). */
export type PairTurn = "a" | "b" | "none";

/** What a token of a pair records: the highest generation it acted on and, for slot a, whose turn it was. */
export interface PairView {
  readonly seen: number;
  readonly periodDays?: number;
  /** Slot a only: whose turn generation `seen` was (absent in state written before it was recorded). */
  readonly turn?: PairTurn;
  /**
   * Slot a only: when the other token's value was issued, as Panther
   * reported it when slot a decided (its `rotatedAt`, else `createdAt`).
   */
  readonly peerIssuedAt?: string;
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

const TURNS: readonly PairTurn[] = ["a", "b", "none"];

/** Reads a stored view leniently; undefined when absent or unreadable. */
export function readPairView(value: unknown): PairView | undefined {
  if (typeof value !== "object" || value === null) return undefined;
  const { seen, periodDays, turn, peerIssuedAt } = value as Record<string, unknown>;
  if (typeof seen !== "number" || !Number.isFinite(seen)) return undefined;
  return {
    seen,
    ...(typeof periodDays === "number" ? { periodDays } : {}),
    ...(TURNS.includes(turn as PairTurn) ? { turn: turn as PairTurn } : {}),
    ...(typeof peerIssuedAt === "string" ? { peerIssuedAt } : {}),
  };
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
  return rescaled(view, input);
}

/** `view.seen` in the units of `input` (generations of `input.periodDays` days). */
export function rescaled(view: PairView, input: PairInput): number {
  if (view.periodDays === undefined || input.periodDays === undefined) return view.seen;
  return Math.floor((view.seen * view.periodDays) / input.periodDays);
}

/** The view to record after acting on `input`'s generation (slot a: with its decision and what it saw). */
export function viewAt(input: PairInput, turn?: PairTurn, peerIssuedAt?: string): PairView {
  return {
    seen: input.generation,
    ...(input.periodDays === undefined ? {} : { periodDays: input.periodDays }),
    ...(turn === undefined ? {} : { turn }),
    ...(peerIssuedAt === undefined ? {} : { peerIssuedAt }),
  };
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

/**
 * Slot a's decision for a new generation, from Panther's records (ms on
 * Panther's clock, when each token's value was issued) and from what slot a
 * recorded at its last decision:
 * - a rotation slot a needs anyway takes the turn;
 * - the other token holds the older value (or they tie): its turn;
 * - the other token's newer value was there at slot a's last decision, or it
 *   came from the turn slot a gave it: slot a's turn;
 * - otherwise the other token's newer value came from outside slot a's
 *   decisions (it was created later, rotated in the Console, or the state was
 *   written before decisions were recorded): it is the pair's new value for
 *   this rise, and the value it left older must live until the next one, so
 *   nobody's turn (`"none"`).
 */
export function leaderTurn(options: {
  /** Slot a must rotate anyway (a stale or pending value, a trigger). */
  readonly dueAnyway: boolean;
  readonly mine: number;
  readonly peer: number;
  /** What slot a recorded at its last decision, if it recorded one. */
  readonly last?: { readonly turn?: PairTurn; readonly peer?: number };
}): PairTurn {
  const { dueAnyway, mine, peer, last } = options;
  if (dueAnyway) return "a";
  if (peer <= mine + TIE_MS) return "b";
  if (last?.peer !== undefined && (last.peer === peer || last.turn === "b")) return "a";
  return "none";
}

/**
 * Slot b's part: what slot a decided (its `pairView`) and whether b has
 * acted on it (`own`, b's recorded view, compared in `input`'s units).
 * Undefined when slot a has not decided a generation above b's (b waits).
 * The view b records is a's generation in a's own units, so that no
 * rescaling can make the same decision look new again.
 */
export function followerTurn(
  leader: PairView | undefined,
  own: number,
  input: PairInput,
): { readonly view: PairView; readonly rotate: boolean } | undefined {
  if (leader === undefined) return undefined;
  if (rescaled(leader, input) <= own) return undefined;
  const view: PairView =
    leader.periodDays === undefined
      ? { seen: leader.seen }
      : { seen: leader.seen, periodDays: leader.periodDays };
  return { view, rotate: leader.turn === "b" };
}

/** The pair input, when it is known (it is unknown during some previews). */
export function pairOf(news: TokenInputs): PairInput | undefined {
  const pair = news.pair as unknown;
  return typeof pair === "object" && pair !== null && typeof news.pair?.generation === "number"
    ? news.pair
    : undefined;
}

/** Slot a's recorded decision as slot b's input gives it, when known. */
export function leaderOf(news: TokenInputs): PairView | undefined {
  const leader = news.pairLeader as unknown;
  return typeof leader === "object" && leader !== null ? news.pairLeader : undefined;
}

/** What a pair's token does about its generation at the next `up`, in words; undefined for nothing. */
export function pairRise(olds: TokenState, news: TokenInputs): string | undefined {
  const pair = pairOf(news);
  if (pair === undefined) return undefined;
  const own = seenGeneration(olds.pairView, olds.rotationTrigger, pair);
  if (pair.slot === "a") {
    return pair.generation > own
      ? `the pair's generation rose to ${pair.generation}; on up, whichever of its two tokens holds the older ` +
          `value rotates, and the other keeps its value`
      : undefined;
  }
  if ((news.pairLeader as unknown) === UNKNOWN) {
    return pair.generation > own
      ? `the pair's generation rose to ${pair.generation}; on up, this token follows the other token's decision`
      : undefined;
  }
  const follow = followerTurn(leaderOf(news), own, pair);
  if (follow === undefined) return undefined;
  return follow.rotate
    ? `the pair's generation ${follow.view.seen} is this token's turn: it rotates on up`
    : `the pair's generation ${follow.view.seen} is the other token's turn: this one records it and keeps its value`;
}

/** The view a token of a pair records at creation (no rotation: both values are new). */
export function createdView(pair: PairInput, given: TokenInputs): PairView {
  if (pair.slot === "a") return viewAt(pair, "none");
  // The second token starts where the first one's decisions stand (both values are new).
  const leader = leaderOf(given);
  if (leader === undefined) return viewAt(pair);
  return followerTurn(leader, pair.generation, pair)?.view ?? viewAt(pair);
}
