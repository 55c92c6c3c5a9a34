/**
 * The worlds and commands the fault-sequence suite generates: two or three
 * stacks, sharing one deployer key in most worlds, starting with the same
 * program or with programs of their own; a pair in some programs; a person
 * in the Console; time passing and clocks that disagree; and faults at any
 * call, runs killed between two calls, `--target`ed runs.
 */
import fc from "fast-check";
import type { CanonicalForms } from "pulumi-panther-emulator";
import type { Decl } from "../../tools/harness/inprocess-engine";
import { UNREADABLE_200, type Fault } from "../../tools/harness/inprocess-world";
import type { FaultAction } from "pulumi-panther-emulator";

const MINUTE = 60_000;
const DAY = 24 * 60 * MINUTE;

export type StackName = "a" | "b" | "c";
export const STACK_NAMES: readonly StackName[] = ["a", "b", "c"];

/** One token a program may declare: a slot in a small pool, so stacks collide. */
export interface TokenSpec {
  readonly slot: 0 | 1;
  readonly trigger: number;
  readonly perms: 0 | 1;
  readonly cidrs: 0 | 1 | 2;
  readonly schedule: boolean;
}

/** A `PantherApiTokenPair` a program may declare. */
export interface PairSpec {
  readonly generation: number;
  readonly perms: 0 | 1;
}

/** What one stack declares. */
export interface ProgramSpec {
  readonly tokens: readonly TokenSpec[];
  readonly pair?: PairSpec;
}

const NAMES = ["ci-deployer", "caf\u0065\u0301-reader"] as const;
const PERMS = [["RuleRead"], ["RuleModify", "RuleRead"]] as const;
const CIDRS = [[], ["203.0.113.0/24"], ["::ffff:10.0.0.0/104", "2001:db8::/32"]] as const;

export function declOf(spec: TokenSpec): Decl {
  return {
    name: `token-${spec.slot}`,
    args: {
      name: NAMES[spec.slot],
      permissions: [...PERMS[spec.perms]],
      allowedCIDRBlocks: [...CIDRS[spec.cidrs]],
      rotationTrigger: `t${spec.trigger}`,
      ...(spec.schedule ? { rotateAfterDays: 30 } : {}),
    },
  };
}

/**
 * The two tokens of a pair, as `PantherApiTokenPair` declares them: slot b
 * follows slot a. Pairs are named per stack (a pair's first token finds the
 * other by name once; two pairs of one name in one Panther are refused as
 * ambiguous, and the README says to name them per stack).
 */
export function pairDecls(stack: StackName, pair: PairSpec): Decl[] {
  const base = `rotating-${stack}`;
  const token = (slot: "a" | "b"): Decl => ({
    name: `pair-${slot}`,
    args: {
      name: `${base}-${slot}`,
      permissions: [...PERMS[pair.perms]],
      pair: {
        slot,
        generation: pair.generation,
        peerName: `${base}-${slot === "a" ? "b" : "a"}`,
      },
    },
    ...(slot === "b" ? { follows: "pair-a" } : {}),
  });
  return [token("a"), token("b")];
}

export type Slot = 0 | 1 | "pair";
export type Edit =
  | "add"
  | "remove"
  | "trigger"
  | "perms"
  | "cidrs"
  | "schedule"
  /** Pair only: the generation rises by one, jumps by two, or falls by one (a runner clock behind). */
  | "rise"
  | "jump"
  | "fall";
export type ConsoleAction = "rotate" | "edit" | "delete";
export type Target = "token-0" | "token-1" | "pair-a" | "pair-b";

/** A run killed after `afterCalls` calls; the next one is sent (and lands) when `applyLast`. */
export interface Interruption {
  readonly afterCalls: number;
  readonly applyLast: boolean;
}

export type Command =
  | { readonly kind: "edit"; readonly stack: StackName; readonly slot: Slot; readonly change: Edit }
  | {
      readonly kind: "up";
      readonly stack: StackName;
      readonly faults: readonly Fault[];
      readonly target?: Target;
      readonly interrupt?: Interruption;
    }
  /** Every stack's `up` at once (pipelines of a shared deployer key racing). */
  | { readonly kind: "upAll"; readonly faults: readonly (readonly Fault[])[] }
  | { readonly kind: "refresh"; readonly stack: StackName; readonly faults: readonly Fault[] }
  | { readonly kind: "preview"; readonly stack: StackName }
  | {
      readonly kind: "console";
      readonly action: ConsoleAction;
      readonly stack: StackName;
      readonly resource: string;
    }
  | { readonly kind: "person"; readonly slot: 0 | 1 }
  | { readonly kind: "advance"; readonly ms: number }
  | { readonly kind: "skew"; readonly stack: StackName; readonly ms: number };

/** When a late request lands, after it was sent: at once, within and past the client's timeout. */
const LANDINGS_MS = [0, 2_000, 15_000, 45_000] as const;

/**
 * The gateway misbehaviour the sequences draw from, in the emulator's fault vocabulary: an
 * answer lost after the change applied, a 502 or 503 before it, a reset, a request that
 * lands late behind a 504 or behind silence, a 200 that cannot be read.
 */
const actionArb: fc.Arbitrary<FaultAction> = fc.oneof(
  fc.constant<FaultAction>({ kind: "dropAfterApply" }),
  fc.constant<FaultAction>({ kind: "status", status: 502 }),
  fc.constant<FaultAction>({ kind: "status", status: 503 }),
  fc.constant<FaultAction>({ kind: "reset" }),
  fc
    .constantFrom(...LANDINGS_MS)
    .map((applyAfterMs): FaultAction => ({ kind: "lateLanding", answer: "hang", applyAfterMs })),
  fc
    .constantFrom(...LANDINGS_MS)
    .map((applyAfterMs): FaultAction => ({ kind: "lateLanding", status: 504, applyAfterMs })),
  fc.constant<FaultAction>({ kind: "rawBody", status: 200, body: UNREADABLE_200 }),
);

export const faultArb: fc.Arbitrary<Fault> = fc
  .tuple(
    fc.constantFrom(
      "create",
      "create",
      "rotate",
      "rotate",
      "update",
      "update",
      "delete",
      "get",
      "list",
    ),
    actionArb,
  )
  .map(([operation, action]): Fault => ({ operation, ...action }));

const faults = fc.oneof(
  { weight: 1, arbitrary: fc.constant<Fault[]>([]) },
  { weight: 2, arbitrary: fc.array(faultArb, { minLength: 1, maxLength: 2 }) },
);
const stackArb = fc.constantFrom<StackName>("a", "b", "c");
const slotArb = fc.constantFrom<0 | 1>(0, 1);

const interruptArb: fc.Arbitrary<Interruption> = fc.record({
  afterCalls: fc.integer({ min: 0, max: 6 }),
  applyLast: fc.boolean(),
});

const upArb = fc.record(
  {
    kind: fc.constant("up" as const),
    stack: stackArb,
    faults,
    target: fc.constantFrom<Target>("token-0", "token-1", "pair-a", "pair-b"),
    interrupt: interruptArb,
  },
  { requiredKeys: ["kind", "stack", "faults"] },
);

export const commandArb: fc.Arbitrary<Command> = fc.oneof(
  {
    weight: 4,
    arbitrary: fc.record({
      kind: fc.constant("edit" as const),
      stack: stackArb,
      slot: fc.constantFrom<Slot>(0, 1, "pair", "pair"),
      change: fc.constantFrom<Edit>(
        "add",
        "remove",
        "trigger",
        "trigger",
        "perms",
        "cidrs",
        "schedule",
        "rise",
        "rise",
        "jump",
        "fall",
      ),
    }),
  },
  { weight: 6, arbitrary: upArb },
  {
    weight: 1,
    arbitrary: fc.record({
      kind: fc.constant("upAll" as const),
      faults: fc.array(faults, { minLength: 3, maxLength: 3 }),
    }),
  },
  {
    weight: 2,
    arbitrary: fc.record({ kind: fc.constant("refresh" as const), stack: stackArb, faults }),
  },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant("preview" as const), stack: stackArb }) },
  {
    weight: 1,
    arbitrary: fc.record({
      kind: fc.constant("console" as const),
      action: fc.constantFrom<ConsoleAction>("rotate", "edit", "delete"),
      stack: stackArb,
      resource: fc.constantFrom("token-0", "token-1", "pair-a", "pair-b"),
    }),
  },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant("person" as const), slot: slotArb }) },
  {
    weight: 1,
    arbitrary: fc.record({
      kind: fc.constant("advance" as const),
      ms: fc.constantFrom(MINUTE, DAY, 31 * DAY),
    }),
  },
  {
    weight: 1,
    arbitrary: fc.record({
      kind: fc.constant("skew" as const),
      stack: stackArb,
      ms: fc.constantFrom(-15 * MINUTE, -3 * MINUTE, 0, 3 * MINUTE, 15 * MINUTE),
    }),
  },
);

/** How Panther answers in a world: other canonical forms, stamps, actor shapes, clocks of its own. */
export interface PantherFlavour {
  readonly canonicalForms: CanonicalForms;
  readonly answerStamps: "full" | "none";
  readonly actorShape: "typed" | "spec-literal" | "nested" | "string";
  /** Panther's clock minus the runners'. */
  readonly skewMs: number;
  /** The gateway's `Date` minus the backend's stamps. */
  readonly dateHeaderSkewMs: number;
}

export const flavourArb: fc.Arbitrary<PantherFlavour> = fc.record({
  canonicalForms: fc.record({
    ipv4MappedAsIpv4: fc.boolean(),
    nameNormalization: fc.constantFrom("NFC" as const, "none" as const),
    impliedPermissions: fc.boolean(),
    ipv6Style: fc.constantFrom("asGiven" as const, "expanded" as const),
  }),
  answerStamps: fc.constantFrom("full" as const, "none" as const),
  actorShape: fc.constantFrom(
    "typed" as const,
    "spec-literal" as const,
    "nested" as const,
    "string" as const,
  ),
  skewMs: fc.constantFrom(-15 * MINUTE, 0, 15 * MINUTE),
  dateHeaderSkewMs: fc.constantFrom(0, 0, 4_000, -4_000, 30_000),
});

export const specArb: fc.Arbitrary<TokenSpec> = fc.record({
  slot: slotArb,
  trigger: fc.constant(0),
  perms: fc.constantFrom<0 | 1>(0, 1),
  cidrs: fc.constantFrom<0 | 1 | 2>(0, 1, 2),
  schedule: fc.boolean(),
});

const pairArb: fc.Arbitrary<PairSpec> = fc.record({
  generation: fc.constant(100),
  perms: fc.constantFrom<0 | 1>(0, 1),
});

const programArb: fc.Arbitrary<ProgramSpec> = fc.oneof(
  {
    weight: 1,
    arbitrary: fc.record({
      tokens: fc.uniqueArray(specArb, { minLength: 1, maxLength: 2, selector: (s) => s.slot }),
    }),
  },
  {
    weight: 2,
    arbitrary: fc.record({
      tokens: fc.uniqueArray(specArb, { minLength: 0, maxLength: 2, selector: (s) => s.slot }),
      pair: pairArb,
    }),
  },
);

/** The stacks of a world and what they start with. */
export interface WorldSpec {
  readonly stacks: 2 | 3;
  /** One deployer key for every stack (the ordinary dev/staging/prod case), or one each. */
  readonly sharedKey: boolean;
  readonly programs: Readonly<Record<StackName, ProgramSpec>>;
}

export const worldArb: fc.Arbitrary<WorldSpec> = fc
  .record({
    stacks: fc.constantFrom<2 | 3>(2, 3),
    // At least half of the worlds share the key.
    sharedKey: fc.constantFrom(true, true, false),
    samePrograms: fc.boolean(),
    a: programArb,
    b: programArb,
    c: programArb,
  })
  .map(({ stacks, sharedKey, samePrograms, a, b, c }) => ({
    stacks,
    sharedKey,
    programs: samePrograms ? { a, b: a, c: a } : { a, b, c },
  }));
