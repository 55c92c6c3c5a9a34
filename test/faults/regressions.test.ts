/**
 * Sequences the fault-sequence suite found breaking an invariant, kept as
 * they were shrunk, each with what it caught. They run through the same
 * model and invariants as the generated ones.
 */
import { Run, type Command, type PantherFlavour, type TokenSpec } from "./model";

const plain: PantherFlavour["canonicalForms"] = {
  ipv4MappedAsIpv4: false,
  nameNormalization: "NFC",
  impliedPermissions: false,
  ipv6Style: "asGiven",
};
const flavour = (over: Partial<PantherFlavour> = {}): PantherFlavour => ({
  canonicalForms: plain,
  answerStamps: "full",
  actorShape: "typed",
  skewMs: -900_000,
  ...over,
});
const spec = (slot: 0 | 1, over: Partial<TokenSpec> = {}): TokenSpec => ({
  slot,
  trigger: 0,
  perms: 0,
  cidrs: 0,
  schedule: false,
  ...over,
});

const cases: [string, PantherFlavour, { a: TokenSpec[]; b: TokenSpec[] }, Command[]][] = [
  [
    "a server whose rotate answers carry no stamps: the scheduled rotation is recorded, not repeated on every run",
    flavour({ answerStamps: "none", skewMs: 0 }),
    { a: [spec(0)], b: [spec(0, { schedule: true })] },
    [
      { kind: "up", stack: "b", faults: [] },
      { kind: "advance", ms: 31 * 24 * 60 * 60_000 },
      { kind: "up", stack: "b", faults: [] },
    ],
  ],
  [
    "a lost create whose first listing is unreadable: listing again, not giving up",
    flavour(),
    { a: [spec(0)], b: [spec(0)] },
    [
      {
        kind: "up",
        stack: "a",
        faults: [
          { operation: "list", kind: "unreadable", landAfterMs: 0 },
          { operation: "create", kind: "lost", landAfterMs: 0 },
        ],
      },
      { kind: "refresh", stack: "a", faults: [] },
    ],
  ],
  [
    "a lost create whose lookup of the deployer's token is unreadable: asking again",
    flavour(),
    { a: [spec(0)], b: [spec(1)] },
    [
      {
        kind: "up",
        stack: "b",
        faults: [
          { operation: "get", kind: "unreadable", landAfterMs: 0 },
          { operation: "create", kind: "lost", landAfterMs: 0 },
        ],
      },
      { kind: "edit", stack: "a", slot: 0, change: "add" },
    ],
  ],
  [
    "another stack's token made with the same definition in the same seconds is never taken over",
    flavour({ skewMs: 0 }),
    { a: [spec(0)], b: [spec(0)] },
    [
      {
        kind: "upBoth",
        faultsA: [],
        faultsB: [{ operation: "create", kind: "lost", landAfterMs: 0 }],
      },
      { kind: "console", action: "rotate", stack: "a", slot: 0 },
      { kind: "refresh", stack: "a", faults: [] },
      { kind: "up", stack: "a", faults: [] },
    ],
  ],
  [
    "nested createdBy: the acting token's id is read; a doubtful match waits for our own late landing and names both",
    flavour({ actorShape: "nested" }),
    { a: [spec(1, { cidrs: 1 })], b: [spec(1, { cidrs: 1 })] },
    [
      {
        kind: "upBoth",
        faultsA: [{ operation: "create", kind: "504", landAfterMs: 0 }],
        faultsB: [],
      },
      { kind: "advance", ms: 60_000 },
    ],
  ],
  [
    "a runner clock 15 minutes behind another stack's: the other stack's token is someone else's, not a doubtful one",
    flavour({ skewMs: 0 }),
    { a: [spec(1, { cidrs: 1 })], b: [spec(1, { cidrs: 1 })] },
    [
      { kind: "up", stack: "b", faults: [{ operation: "create", kind: "lost", landAfterMs: 0 }] },
      { kind: "skew", stack: "a", ms: -900_000 },
      {
        kind: "up",
        stack: "a",
        faults: [
          { operation: "create", kind: "504", landAfterMs: 0 },
          { operation: "create", kind: "lost", landAfterMs: 0 },
        ],
      },
      { kind: "advance", ms: 60_000 },
    ],
  ],
  [
    "a lost create settled by a later create: the next healthy up settles it without counting as over the minimum",
    flavour(),
    { a: [spec(0)], b: [spec(0)] },
    [
      {
        kind: "upBoth",
        faultsA: [{ operation: "create", kind: "lost", landAfterMs: 0 }],
        faultsB: [{ operation: "create", kind: "reset", landAfterMs: 0 }],
      },
      {
        kind: "upBoth",
        faultsA: [{ operation: "create", kind: "lost", landAfterMs: 0 }],
        faultsB: [{ operation: "create", kind: "lost", landAfterMs: 0 }],
      },
      { kind: "edit", stack: "b", slot: 0, change: "trigger" },
      { kind: "up", stack: "b", faults: [] },
    ],
  ],
  [
    "a rotation whose answer is lost, then one that times out and lands late: the first landing is not taken for the second",
    flavour(),
    { a: [spec(0, { schedule: true })], b: [spec(0)] },
    [
      { kind: "up", stack: "a", faults: [] },
      { kind: "advance", ms: 31 * 24 * 60 * 60_000 },
      {
        kind: "up",
        stack: "a",
        faults: [
          { operation: "rotate", kind: "lost", landAfterMs: 0 },
          { operation: "rotate", kind: "timeout", landAfterMs: 45_000 },
        ],
      },
      { kind: "advance", ms: 60_000 },
      { kind: "up", stack: "a", faults: [] },
    ],
  ],
];

describe("fault sequences found by the generator", () => {
  it.each(cases)("%s", async (_label, panther, programs, commands) => {
    const run = new Run(panther, programs);
    // Each step checks every invariant and throws, naming it, when one breaks.
    for (const command of commands) await run.step(command);
  });
});
