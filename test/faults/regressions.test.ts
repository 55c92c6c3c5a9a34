/**
 * Sequences the fault-sequence suite found breaking an invariant, kept as
 * they were shrunk, each with what it caught. They run through the same
 * model and invariants as the generated ones.
 */
import type { Command, PantherFlavour, TokenSpec, WorldSpec } from "./commands";
import { Run } from "./run";
import { UNREADABLE_200 } from "../../tools/harness/inprocess-world";

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
  dateHeaderSkewMs: 0,
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

/** Two stacks, each with a deployer key of its own (the worlds these were found in). */
const own = (a: TokenSpec[], b: TokenSpec[]): WorldSpec => ({
  stacks: 2,
  sharedKey: false,
  programs: { a: { tokens: a }, b: { tokens: b }, c: { tokens: [] } },
});

const cases: [string, PantherFlavour, WorldSpec, Command[]][] = [
  [
    "a server whose rotate answers carry no stamps: the scheduled rotation is recorded, not repeated on every run",
    flavour({ answerStamps: "none", skewMs: 0 }),
    own([spec(0)], [spec(0, { schedule: true })]),
    [
      { kind: "up", stack: "b", faults: [] },
      { kind: "advance", ms: 31 * 24 * 60 * 60_000 },
      { kind: "up", stack: "b", faults: [] },
    ],
  ],
  [
    "a lost create whose first listing is unreadable: listing again, not giving up",
    flavour(),
    own([spec(0)], [spec(0)]),
    [
      {
        kind: "up",
        stack: "a",
        faults: [
          { operation: "list", kind: "rawBody", status: 200, body: UNREADABLE_200 },
          { operation: "create", kind: "dropAfterApply" },
        ],
      },
      { kind: "refresh", stack: "a", faults: [] },
    ],
  ],
  [
    "a lost create whose lookup of the deployer's token is unreadable: asking again",
    flavour(),
    own([spec(0)], [spec(1)]),
    [
      {
        kind: "up",
        stack: "b",
        faults: [
          { operation: "get", kind: "rawBody", status: 200, body: UNREADABLE_200 },
          { operation: "create", kind: "dropAfterApply" },
        ],
      },
      { kind: "edit", stack: "a", slot: 0, change: "add" },
    ],
  ],
  [
    "another stack's token made with the same definition in the same seconds is never taken over",
    flavour({ skewMs: 0 }),
    own([spec(0)], [spec(0)]),
    [
      {
        kind: "upAll",
        faults: [[], [{ operation: "create", kind: "dropAfterApply" }], []],
      },
      { kind: "console", action: "rotate", stack: "a", resource: "token-0" },
      { kind: "refresh", stack: "a", faults: [] },
      { kind: "up", stack: "a", faults: [] },
    ],
  ],
  [
    "nested createdBy: the acting token's id is read; a doubtful match waits for our own late landing and names both",
    flavour({ actorShape: "nested" }),
    own([spec(1, { cidrs: 1 })], [spec(1, { cidrs: 1 })]),
    [
      {
        kind: "upAll",
        faults: [
          [{ operation: "create", kind: "lateLanding", status: 504, applyAfterMs: 0 }],
          [],
          [],
        ],
      },
      { kind: "advance", ms: 60_000 },
    ],
  ],
  [
    "a runner clock 15 minutes behind another stack's: the other stack's token is someone else's, not a doubtful one",
    flavour({ skewMs: 0 }),
    own([spec(1, { cidrs: 1 })], [spec(1, { cidrs: 1 })]),
    [
      { kind: "up", stack: "b", faults: [{ operation: "create", kind: "dropAfterApply" }] },
      { kind: "skew", stack: "a", ms: -900_000 },
      {
        kind: "up",
        stack: "a",
        faults: [
          { operation: "create", kind: "lateLanding", status: 504, applyAfterMs: 0 },
          { operation: "create", kind: "dropAfterApply" },
        ],
      },
      { kind: "advance", ms: 60_000 },
    ],
  ],
  [
    "a lost create settled by a later create: the next healthy up settles it without counting as over the minimum",
    flavour(),
    own([spec(0)], [spec(0)]),
    [
      {
        kind: "upAll",
        faults: [
          [{ operation: "create", kind: "dropAfterApply" }],
          [{ operation: "create", kind: "reset" }],
          [],
        ],
      },
      {
        kind: "upAll",
        faults: [
          [{ operation: "create", kind: "dropAfterApply" }],
          [{ operation: "create", kind: "dropAfterApply" }],
          [],
        ],
      },
      { kind: "edit", stack: "b", slot: 0, change: "trigger" },
      { kind: "up", stack: "b", faults: [] },
    ],
  ],
  [
    "a rotation whose answer is lost, then one that times out and lands late: the first landing is not taken for the second",
    flavour(),
    own([spec(0, { schedule: true })], [spec(0)]),
    [
      { kind: "up", stack: "a", faults: [] },
      { kind: "advance", ms: 31 * 24 * 60 * 60_000 },
      {
        kind: "up",
        stack: "a",
        faults: [
          { operation: "rotate", kind: "dropAfterApply" },
          { operation: "rotate", kind: "lateLanding", answer: "hang", applyAfterMs: 45_000 },
        ],
      },
      { kind: "advance", ms: 60_000 },
      { kind: "up", stack: "a", faults: [] },
    ],
  ],
  [
    "a delete that applied while proving it failed (the deployer lookup unreadable): the resource stays in state, the next up finishes",
    flavour(),
    {
      stacks: 3,
      sharedKey: true,
      programs: {
        a: { tokens: [], pair: { generation: 100, perms: 0 } },
        b: { tokens: [spec(0)] },
        c: { tokens: [], pair: { generation: 100, perms: 0 } },
      },
    },
    [
      { kind: "up", stack: "c", faults: [{ operation: "create", kind: "dropAfterApply" }] },
      { kind: "edit", stack: "c", slot: "pair", change: "remove" },
      {
        kind: "upAll",
        faults: [
          [{ operation: "create", kind: "dropAfterApply" }],
          [{ operation: "create", kind: "dropAfterApply" }],
          [
            { operation: "delete", kind: "dropAfterApply" },
            { operation: "get", kind: "rawBody", status: 200, body: UNREADABLE_200 },
          ],
        ],
      },
      { kind: "up", stack: "c", faults: [] },
    ],
  ],
];

/** Stacks that share one deployer key and start from the same program (dev, staging, prod). */
const shared = (
  stacks: 2 | 3,
  program: { tokens: TokenSpec[]; pair?: { generation: number; perms: 0 | 1 } },
): WorldSpec => ({
  stacks,
  sharedKey: true,
  programs: { a: program, b: program, c: program },
});
const lost = { operation: "create", kind: "dropAfterApply" } as const;

/** The defect classes of ownership inferred instead of proven, each as the sequence that showed it. */
const classes: [string, PantherFlavour, WorldSpec, Command[]][] = [
  [
    "1: two stacks with one deployer key create the same token at once and both answers are lost: each takes its own",
    flavour({ skewMs: 0 }),
    shared(2, { tokens: [spec(0)] }),
    [
      { kind: "upAll", faults: [[lost], [lost], []] },
      { kind: "refresh", stack: "a", faults: [] },
    ],
  ],
  [
    "1: only one of the two answers is lost: the other stack's token, made in the same seconds, is not taken",
    flavour({ skewMs: 0 }),
    shared(3, { tokens: [spec(0, { perms: 1 })] }),
    [
      { kind: "upAll", faults: [[lost], [], []] },
      { kind: "up", stack: "c", faults: [] },
    ],
  ],
  [
    "2: a lost create that never landed is watched for by its mark, so another stack's matching token is never deleted",
    flavour({ skewMs: 0 }),
    shared(2, { tokens: [spec(0)] }),
    [
      {
        kind: "up",
        stack: "a",
        faults: [{ operation: "create", kind: "status", status: 502 }],
      },
      { kind: "up", stack: "b", faults: [] },
      { kind: "refresh", stack: "a", faults: [] },
      { kind: "edit", stack: "a", slot: 0, change: "trigger" },
      { kind: "up", stack: "a", faults: [] },
      { kind: "edit", stack: "a", slot: 0, change: "remove" },
      { kind: "up", stack: "a", faults: [] },
    ],
  ],
  [
    "3: a token with more permissions, made in the same seconds by the same key, is not adopted; ours is brought in line",
    flavour({ skewMs: 0, canonicalForms: { ...plain, impliedPermissions: true } }),
    {
      stacks: 2,
      sharedKey: true,
      programs: {
        a: { tokens: [spec(0)] },
        b: { tokens: [spec(0, { perms: 1 })] },
        c: { tokens: [] },
      },
    },
    [
      {
        kind: "upAll",
        faults: [
          [{ operation: "create", kind: "lateLanding", status: 504, applyAfterMs: 2_000 }],
          [],
          [],
        ],
      },
      { kind: "up", stack: "a", faults: [] },
    ],
  ],
  [
    "4: a gateway whose Date runs seconds ahead of the backend: the lost create's own token is found, not made twice",
    flavour({ skewMs: 0, dateHeaderSkewMs: 4_000 }),
    shared(2, { tokens: [spec(1, { cidrs: 2 })] }),
    [
      {
        kind: "up",
        stack: "a",
        faults: [{ operation: "create", kind: "lateLanding", answer: "hang", applyAfterMs: 2_000 }],
      },
      { kind: "up", stack: "a", faults: [] },
    ],
  ],
  [
    "5: an update answered 504 that lands after a later change does not undo it: the window is waited out first",
    flavour({ skewMs: 0 }),
    shared(2, { tokens: [spec(0, { cidrs: 1, perms: 1 })] }),
    [
      { kind: "up", stack: "a", faults: [] },
      { kind: "edit", stack: "a", slot: 0, change: "perms" },
      {
        kind: "up",
        stack: "a",
        faults: [{ operation: "update", kind: "lateLanding", status: 504, applyAfterMs: 45_000 }],
      },
      { kind: "edit", stack: "a", slot: 0, change: "cidrs" },
      { kind: "up", stack: "a", faults: [] },
      { kind: "advance", ms: 60_000 },
      { kind: "up", stack: "a", faults: [] },
    ],
  ],
  [
    "6: the pair's second step is --targeted out after the first token rotated: the next up at that generation rotates nothing",
    flavour({ skewMs: 0 }),
    shared(2, { tokens: [], pair: { generation: 100, perms: 0 } }),
    [
      { kind: "up", stack: "a", faults: [] },
      { kind: "edit", stack: "a", slot: "pair", change: "rise" },
      { kind: "up", stack: "a", faults: [] },
      { kind: "edit", stack: "a", slot: "pair", change: "rise" },
      { kind: "up", stack: "a", faults: [], target: "pair-a" },
      { kind: "up", stack: "a", faults: [] },
      { kind: "up", stack: "a", faults: [], target: "pair-b" },
    ],
  ],
  [
    "6: the run is killed after the pair's first token rotated: the next up at that generation rotates nothing",
    flavour({ skewMs: 0 }),
    shared(2, { tokens: [], pair: { generation: 100, perms: 0 } }),
    [
      { kind: "up", stack: "a", faults: [] },
      { kind: "edit", stack: "a", slot: "pair", change: "rise" },
      { kind: "up", stack: "a", faults: [] },
      { kind: "edit", stack: "a", slot: "pair", change: "rise" },
      // GET self, GET the other token, rotate: killed before the second token's step.
      { kind: "up", stack: "a", faults: [], interrupt: { afterCalls: 3, applyLast: false } },
      { kind: "up", stack: "a", faults: [] },
    ],
  ],
  [
    "6: the second token's step fails after the first rotated: the next up at that generation rotates nothing",
    flavour({ skewMs: 0 }),
    shared(2, { tokens: [], pair: { generation: 100, perms: 0 } }),
    [
      { kind: "up", stack: "a", faults: [] },
      { kind: "edit", stack: "a", slot: "pair", change: "rise" },
      { kind: "up", stack: "a", faults: [] },
      { kind: "edit", stack: "a", slot: "pair", change: "rise" },
      { kind: "edit", stack: "a", slot: "pair", change: "perms" },
      {
        kind: "up",
        stack: "a",
        faults: [
          { operation: "update", kind: "status", status: 502 },
          { operation: "update", kind: "status", status: 502 },
        ],
      },
      { kind: "up", stack: "a", faults: [] },
    ],
  ],
];

describe("defect classes of inferred ownership stay closed", () => {
  it.each(classes)("%s", async (_label, panther, world, commands) => {
    const run = new Run(panther, world);
    for (const command of commands) await run.step(command);
  });
});

describe("fault sequences found by the generator", () => {
  it.each(cases)("%s", async (_label, panther, world, commands) => {
    const run = new Run(panther, world);
    // Each step checks every invariant and throws, naming it, when one breaks.
    for (const command of commands) await run.step(command);
  });
});
