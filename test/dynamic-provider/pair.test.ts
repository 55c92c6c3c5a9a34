import fc from "fast-check";
import {
  TIE_MS,
  followerTurn,
  leaderTurn,
  seenGeneration,
  viewAt,
  type PairInput,
  type PairView,
} from "../../provider/dynamic-provider/pair";

const DAY = 24 * 60 * 60 * 1000;

/** One token of a pair as the engine and Panther hold it. */
interface Slot {
  /** Stored view (absent in state written by 0.1.0). */
  view: PairView | undefined;
  /** Stored trigger (0.1.0 kept the generation there). */
  trigger: string | undefined;
  /** Panther's stamp of the token's current value. */
  issuedAt: number;
}

type Name = "a" | "b";

/** What happens to a run: both steps, one `--target`ed, or a step failing before or after it rotated. */
type RunShape =
  "both" | "a-only" | "b-only" | "a-fails-before" | "a-fails-after-rotating" | "b-fails-before";

const input = (slot: Name, g: number, periodDays?: number): PairInput => ({
  slot,
  generation: g,
  peerName: `t-${slot === "a" ? "b" : "a"}`,
  ...(periodDays === undefined ? {} : { periodDays }),
});

/**
 * One `pulumi up` at generation `g`, at Panther time `now`, as the provider's
 * update decides it: slot a leads (from Panther's records of both tokens),
 * slot b follows a's recorded view, which the engine hands it (a's output
 * from this run, or from state when a was not run). A failed step keeps its
 * old state, except after a rotation that took effect (its new state is
 * kept, as a partial failure carries it); the engine skips b when a fails.
 * Returns the tokens that rotated.
 */
function up(
  slots: Record<Name, Slot>,
  g: number,
  periodDays: number | undefined,
  now: number,
  shape: RunShape,
  /** Told the generation (in days) each rotation was for. */
  onRotate: (name: Name, forDays: number) => void = () => undefined,
): Name[] {
  const rotated: Name[] = [];
  const runA = shape !== "b-only";
  const runB = shape === "both" || shape === "b-only" || shape === "b-fails-before";
  if (runA) {
    const a = slots.a;
    const pair = input("a", g, periodDays);
    const own = seenGeneration(a.view, a.trigger, pair);
    if (g > own && shape !== "a-fails-before") {
      const recorded = a.view?.peerIssuedAt;
      const turn = leaderTurn({
        dueAnyway: false,
        mine: a.issuedAt,
        peer: slots.b.issuedAt,
        ...(recorded === undefined
          ? {}
          : {
              last: {
                ...(a.view?.turn === undefined ? {} : { turn: a.view.turn }),
                peer: Date.parse(recorded),
              },
            }),
      });
      if (turn === "a") {
        rotated.push("a");
        onRotate("a", g * (periodDays ?? 1));
        a.issuedAt = now;
        a.trigger = `generation-${g}`;
      }
      // What the first token saw of the other when it decided (before the other's step).
      a.view = viewAt(pair, turn, new Date(slots.b.issuedAt).toISOString());
    }
    if (shape === "a-fails-before" || shape === "a-fails-after-rotating") return rotated;
  }
  if (runB && shape !== "b-fails-before") {
    const b = slots.b;
    const pair = input("b", g, periodDays);
    const own = seenGeneration(b.view, b.trigger, pair);
    const follow = followerTurn(slots.a.view, own, pair);
    if (follow !== undefined) {
      if (follow.rotate) {
        rotated.push("b");
        onRotate("b", follow.view.seen * (follow.view.periodDays ?? 1));
        b.issuedAt = now + 1000;
        b.trigger = `generation-${g}`;
      }
      b.view = follow.view;
    }
  }
  return rotated;
}

function created(g: number, at: number, periodDays?: number): Record<Name, Slot> {
  return {
    a: {
      view: viewAt(input("a", g, periodDays), "none"),
      trigger: `generation-${g}`,
      issuedAt: at,
    },
    b: {
      view: viewAt(input("b", g, periodDays)),
      trigger: `generation-${g}`,
      issuedAt: at + 200,
    },
  };
}

describe("PantherApiTokenPair: which token rotates", () => {
  it("each rise rotates the token holding the older value, alternating", () => {
    const slots = created(10, 0);
    expect(up(slots, 11, undefined, 1 * DAY, "both")).toEqual(["b"]);
    expect(up(slots, 12, undefined, 2 * DAY, "both")).toEqual(["a"]);
    expect(up(slots, 13, undefined, 3 * DAY, "both")).toEqual(["b"]);
  });

  it("a skipped period, or a jump by two, rotates only the older token", () => {
    const slots = created(10, 0);
    expect(up(slots, 11, undefined, 1 * DAY, "both")).toEqual(["b"]);
    expect(up(slots, 13, undefined, 3 * DAY, "both")).toEqual(["a"]);
    expect(up(slots, 16, undefined, 6 * DAY, "both")).toEqual(["b"]);
  });

  it("a repeated or lower generation rotates nothing; a runner clock behind (11, 10, 11) rotates once", () => {
    const slots = created(10, 0);
    expect(up(slots, 11, undefined, 1 * DAY, "both")).toEqual(["b"]);
    expect(up(slots, 11, undefined, 1.1 * DAY, "both")).toEqual([]);
    expect(up(slots, 10, undefined, 1.2 * DAY, "both")).toEqual([]);
    expect(up(slots, 11, undefined, 1.3 * DAY, "both")).toEqual([]);
    expect(up(slots, 12, undefined, 2 * DAY, "both")).toEqual(["a"]);
  });

  it("changing periodDays rescales what was seen instead of jumping or stalling", () => {
    const slots = created(700, 0, 30);
    expect(up(slots, 701, 30, 30 * DAY, "both")).toEqual(["b"]);
    // Day 21 030 is generation 701 of 30 days and 3004 of 7 days.
    expect(up(slots, 3004, 7, 31 * DAY, "both")).toEqual([]);
    expect(up(slots, 3005, 7, 38 * DAY, "both")).toEqual(["a"]);
    expect(up(slots, 701, 30, 39 * DAY, "both")).toEqual([]);
    expect(up(slots, 702, 30, 60 * DAY, "both")).toEqual(["b"]);
  });

  it("after the first token rotated, a failed, targeted or interrupted second step never rotates the second at the same generation", () => {
    // b took generation 11, so generation 12 is a's; then b's step does not happen.
    for (const shape of ["a-only", "b-fails-before", "a-fails-after-rotating"] as const) {
      const slots = created(10, 0);
      expect(up(slots, 11, undefined, 1 * DAY, "both")).toEqual(["b"]);
      expect(up(slots, 12, undefined, 2 * DAY, shape)).toEqual(["a"]);
      expect(up(slots, 12, undefined, 2.01 * DAY, "both")).toEqual([]);
      expect(up(slots, 12, undefined, 2.02 * DAY, "b-only")).toEqual([]);
      expect(up(slots, 13, undefined, 3 * DAY, "both")).toEqual(["b"]);
    }
  });

  it("a token made after the other (a later run) counts as the new value of its generation", () => {
    const slots = created(10, 0);
    // The second token was made a day later, at generation 11.
    slots.b.issuedAt = 1 * DAY;
    expect(up(slots, 11, undefined, 1.5 * DAY, "both")).toEqual([]);
    expect(up(slots, 12, undefined, 2 * DAY, "both")).toEqual(["a"]);
    expect(up(slots, 13, undefined, 3 * DAY, "both")).toEqual(["b"]);
  });

  it("a generation given to the second token is taken by it on its next step, once", () => {
    const slots = created(10, 0);
    expect(up(slots, 11, undefined, 1 * DAY, "a-only")).toEqual([]);
    expect(up(slots, 11, undefined, 1.01 * DAY, "b-only")).toEqual(["b"]);
    expect(up(slots, 11, undefined, 1.02 * DAY, "both")).toEqual([]);
  });

  it("the second token alone, before the first decided, rotates nothing", () => {
    const slots = created(10, 0);
    expect(up(slots, 11, undefined, 1 * DAY, "b-only")).toEqual([]);
    expect(up(slots, 11, undefined, 1.01 * DAY, "both")).toEqual(["b"]);
  });

  it("a pair made by 0.1.0 (parity triggers, no view) never rotates again for a generation 0.1.0 handled", () => {
    // 0.1.0 at generation 7: a holds generation-6 (issued day 6), b generation-7 (day 7).
    const slots: Record<Name, Slot> = {
      a: { view: undefined, trigger: "generation-6", issuedAt: 6 * DAY },
      b: { view: undefined, trigger: "generation-7", issuedAt: 7 * DAY },
    };
    expect(up(slots, 7, undefined, 7.5 * DAY, "both")).toEqual([]);
    // Which token's turn 8 is cannot be proven from 0.1.0's state: nobody rotates, then alternation resumes.
    expect(up(slots, 8, undefined, 8 * DAY, "both")).toEqual([]);
    expect(up(slots, 9, undefined, 9 * DAY, "both")).toEqual(["a"]);
    expect(up(slots, 10, undefined, 10 * DAY, "both")).toEqual(["b"]);
  });

  it("property: whatever the generations, periods, targets and failed steps, no generation rotates both tokens and every rotation hits the older value", () => {
    const run = fc.record({
      delta: fc.integer({ min: -4, max: 5 }),
      reperiod: fc.constantFrom<number | undefined>(undefined, undefined, undefined, 7, 30),
      shape: fc.constantFrom<RunShape>(
        "both",
        "both",
        "a-only",
        "b-only",
        "a-fails-before",
        "a-fails-after-rotating",
        "b-fails-before",
      ),
    });
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 3000 }),
        fc.array(run, { maxLength: 40 }),
        (start, runs) => {
          let period = 30;
          let g = start;
          const slots = created(g, 0, period);
          let day = 1;
          // The generation (in days) each token's current value was issued for.
          const issuedFor: Record<Name, number> = { a: g * period, b: g * period };
          for (const r of runs) {
            if (r.reperiod !== undefined && r.reperiod !== period) {
              g = Math.floor((g * period) / r.reperiod);
              period = r.reperiod;
            }
            g = Math.max(0, g + r.delta);
            day += 1;
            // Values issued within a second of each other are equally old: either may rotate.
            const tie = Math.abs(slots.a.issuedAt - slots.b.issuedAt) <= TIE_MS;
            const older: Name = slots.a.issuedAt < slots.b.issuedAt ? "a" : "b";
            let forDays = 0;
            const rotated = up(slots, g, period, day * DAY, r.shape, (_, days) => (forDays = days));
            if (rotated.length > 1) return false;
            const [which] = rotated;
            if (which === undefined) continue;
            // Always the older value, and never for a generation the other value was issued for or after.
            if (which !== older && !tie) return false;
            const other: Name = which === "a" ? "b" : "a";
            if (forDays <= issuedFor[other]) return false;
            issuedFor[which] = forDays;
          }
          return true;
        },
      ),
      { seed: 20261201, numRuns: 2000 },
    );
  });
});
