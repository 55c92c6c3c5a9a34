import fc from "fast-check";
import {
  TIE_MS,
  pairTurn,
  seenGeneration,
  viewAt,
  type PairInput,
  type PairView,
} from "../../provider/dynamic-provider/pair";

const DAY = 24 * 60 * 60 * 1000;

/** One token of a pair as the engine and Panther hold it. */
interface Slot {
  /** Stored view (absent before the first create, or in state written by 0.1.0). */
  view: PairView | undefined;
  /** Stored trigger (0.1.0 kept the generation there). */
  trigger: string | undefined;
  /** Panther's stamp of the token's current value. */
  issuedAt: number;
}

type Name = "a" | "b";
const other = (n: Name): Name => (n === "a" ? "b" : "a");

/**
 * One `pulumi up` at generation `g`, starting at Panther time `start`: each
 * token whose recorded generation is below `g` decides from Panther's records
 * (as the provider's update does); a failing token rotates nothing and keeps
 * its state; a skipped token is not run at all. Tokens run in `order`.
 * Returns the tokens that rotated.
 */
function up(
  slots: Record<Name, Slot>,
  g: number,
  periodDays: number | undefined,
  start: number,
  order: readonly Name[],
  failing: ReadonlySet<Name>,
): Name[] {
  const rotated: Name[] = [];
  let now = start;
  for (const name of order) {
    now += 1000;
    const slot = slots[name];
    const input: PairInput = {
      slot: name,
      generation: g,
      peerName: `t-${other(name)}`,
      ...(periodDays === undefined ? {} : { periodDays }),
    };
    if (g <= seenGeneration(slot.view, slot.trigger, input)) continue;
    const turn = pairTurn({
      slot: name,
      mine: slot.issuedAt,
      peer: slots[other(name)].issuedAt,
      runStarted: start,
    });
    if (failing.has(name)) continue;
    if (turn === "rotate") {
      rotated.push(name);
      slot.issuedAt = now;
      slot.trigger = `generation-${g}`;
    }
    slot.view = viewAt(input);
  }
  return rotated;
}

function created(g: number, at: number, periodDays?: number): Record<Name, Slot> {
  const input = (slot: Name): PairInput => ({
    slot,
    generation: g,
    peerName: `t-${other(slot)}`,
    ...(periodDays === undefined ? {} : { periodDays }),
  });
  return {
    a: { view: viewAt(input("a")), trigger: `generation-${g}`, issuedAt: at },
    b: { view: viewAt(input("b")), trigger: `generation-${g}`, issuedAt: at + 200 },
  };
}

describe("PantherApiTokenPair: which token rotates", () => {
  const both: readonly Name[] = ["a", "b"];
  const none = new Set<Name>();

  it("each rise rotates the token holding the older value, alternating", () => {
    const slots = created(10, 0);
    expect(up(slots, 11, undefined, 1 * DAY, both, none)).toEqual(["b"]);
    expect(up(slots, 12, undefined, 2 * DAY, both, none)).toEqual(["a"]);
    expect(up(slots, 13, undefined, 3 * DAY, ["b", "a"], none)).toEqual(["b"]);
  });

  it("a skipped period, or a jump by two, rotates only the older token", () => {
    const slots = created(10, 0);
    expect(up(slots, 11, undefined, 1 * DAY, both, none)).toEqual(["b"]);
    expect(up(slots, 13, undefined, 3 * DAY, both, none)).toEqual(["a"]);
    expect(up(slots, 16, undefined, 6 * DAY, both, none)).toEqual(["b"]);
  });

  it("a repeated or lower generation rotates nothing; a runner clock behind (11, 10, 11) rotates once", () => {
    const slots = created(10, 0);
    expect(up(slots, 11, undefined, 1 * DAY, both, none)).toEqual(["b"]);
    expect(up(slots, 11, undefined, 1.1 * DAY, both, none)).toEqual([]);
    expect(up(slots, 10, undefined, 1.2 * DAY, both, none)).toEqual([]);
    expect(up(slots, 11, undefined, 1.3 * DAY, both, none)).toEqual([]);
    expect(up(slots, 12, undefined, 2 * DAY, both, none)).toEqual(["a"]);
  });

  it("changing periodDays rescales what was seen instead of jumping or stalling", () => {
    const slots = created(700, 0, 30);
    expect(up(slots, 701, 30, 30 * DAY, both, none)).toEqual(["b"]);
    // Day 21 030 is generation 701 of 30 days and 3004 of 7 days.
    expect(up(slots, 3004, 7, 31 * DAY, both, none)).toEqual([]);
    expect(up(slots, 3005, 7, 38 * DAY, both, none)).toEqual(["a"]);
    expect(up(slots, 701, 30, 39 * DAY, both, none)).toEqual([]);
    expect(up(slots, 702, 30, 60 * DAY, both, none)).toEqual(["b"]);
  });

  it("a token whose rotation failed rotates on the next run, and the other waits for the next rise", () => {
    const slots = created(10, 0);
    expect(up(slots, 11, undefined, 1 * DAY, both, new Set(["b"]))).toEqual([]);
    expect(up(slots, 12, undefined, 2 * DAY, both, none)).toEqual(["b"]);
    expect(up(slots, 13, undefined, 3 * DAY, both, none)).toEqual(["a"]);
  });

  it("a pair made by 0.1.0 (parity triggers, no view) never rotates again for a generation 0.1.0 handled", () => {
    // 0.1.0 at generation 7: a holds generation-6 (issued day 6), b generation-7 (day 7).
    const slots: Record<Name, Slot> = {
      a: { view: undefined, trigger: "generation-6", issuedAt: 6 * DAY },
      b: { view: undefined, trigger: "generation-7", issuedAt: 7 * DAY },
    };
    expect(up(slots, 7, undefined, 7.5 * DAY, both, none)).toEqual([]);
    expect(up(slots, 8, undefined, 8 * DAY, both, none)).toEqual(["a"]);
    expect(up(slots, 9, undefined, 9 * DAY, both, none)).toEqual(["b"]);
  });

  it("property: whatever the generations, periods, order and failed or skipped steps, at most one token rotates per run, always the one holding the older value", () => {
    const run = fc.record({
      delta: fc.integer({ min: -4, max: 5 }),
      reperiod: fc.constantFrom<number | undefined>(undefined, undefined, undefined, 7, 30),
      order: fc.constantFrom<readonly Name[]>(["a", "b"], ["b", "a"], ["a"], ["b"]),
      fail: fc.constantFrom<Name | undefined>(undefined, undefined, "a", "b"),
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
            const rotated = up(
              slots,
              g,
              period,
              day * DAY,
              r.order,
              r.fail ? new Set([r.fail]) : none,
            );
            if (rotated.length > 1) return false;
            if (rotated.length === 1 && rotated[0] !== older && !tie) return false;
          }
          return true;
        },
      ),
      { seed: 20261201, numRuns: 2000 },
    );
  });
});
