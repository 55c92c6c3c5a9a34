/**
 * The fault-sequence model: a world with two stacks (each with its own
 * deployer token, declaring tokens of the same names) and a person working in
 * the Console, the commands a sequence is made of, and the invariants users
 * rely on, checked after every command.
 */
import fc from "fast-check";
import type { CanonicalForms } from "../../provider/emulator";
import { Stack, type Decl, type Outcome } from "../../tools/harness/inprocess-engine";
import { World, type Fault, type FaultKind } from "./world";

const MINUTE = 60_000;
const DAY = 24 * 60 * MINUTE;

export type StackName = "a" | "b";

/** One token a program may declare: a slot in a small pool, so stacks collide. */
export interface TokenSpec {
  readonly slot: 0 | 1;
  readonly trigger: number;
  readonly perms: 0 | 1;
  readonly cidrs: 0 | 1 | 2;
  readonly schedule: boolean;
}

const NAMES = ["ci-deployer", "caf\u0065\u0301-reader"] as const;
const PERMS = [["RuleRead"], ["RuleModify", "RuleRead"]] as const;
const CIDRS = [[], ["203.0.113.0/24"], ["::ffff:10.0.0.0/104", "2001:db8::/32"]] as const;

function fieldsOf(token: {
  name: string;
  permissions: readonly string[];
  allowedCIDRBlocks: readonly string[];
}): string {
  return JSON.stringify([token.name, token.permissions, token.allowedCIDRBlocks]);
}

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

export type Command =
  | {
      readonly kind: "edit";
      readonly stack: StackName;
      readonly slot: 0 | 1;
      readonly change: Edit;
    }
  | { readonly kind: "up"; readonly stack: StackName; readonly faults: readonly Fault[] }
  | {
      readonly kind: "upBoth";
      readonly faultsA: readonly Fault[];
      readonly faultsB: readonly Fault[];
    }
  | { readonly kind: "refresh"; readonly stack: StackName; readonly faults: readonly Fault[] }
  | { readonly kind: "preview"; readonly stack: StackName }
  | {
      readonly kind: "console";
      readonly action: ConsoleAction;
      readonly stack: StackName;
      readonly slot: 0 | 1;
    }
  | { readonly kind: "person"; readonly slot: 0 | 1 }
  | { readonly kind: "advance"; readonly ms: number }
  | { readonly kind: "skew"; readonly stack: StackName; readonly ms: number };

export type Edit = "add" | "remove" | "trigger" | "perms" | "cidrs" | "schedule";
export type ConsoleAction = "rotate" | "edit" | "delete";

const FAULT_KINDS: readonly FaultKind[] = [
  "lost",
  "502",
  "503",
  "reset",
  "timeout",
  "504",
  "unreadable",
];

export const faultArb: fc.Arbitrary<Fault> = fc.record({
  operation: fc.constantFrom(
    "create",
    "create",
    "rotate",
    "rotate",
    "update",
    "delete",
    "get",
    "list",
  ),
  kind: fc.constantFrom(...FAULT_KINDS),
  landAfterMs: fc.constantFrom(0, 2_000, 15_000, 45_000),
});

const faults = fc.oneof(
  { weight: 1, arbitrary: fc.constant<Fault[]>([]) },
  { weight: 2, arbitrary: fc.array(faultArb, { minLength: 1, maxLength: 2 }) },
);
const stackArb = fc.constantFrom<StackName>("a", "b");
const slotArb = fc.constantFrom<0 | 1>(0, 1);

export const commandArb: fc.Arbitrary<Command> = fc.oneof(
  {
    weight: 4,
    arbitrary: fc.record({
      kind: fc.constant("edit" as const),
      stack: stackArb,
      slot: slotArb,
      change: fc.constantFrom<Edit>(
        "add",
        "remove",
        "trigger",
        "trigger",
        "perms",
        "cidrs",
        "schedule",
      ),
    }),
  },
  {
    weight: 5,
    arbitrary: fc.record({ kind: fc.constant("up" as const), stack: stackArb, faults }),
  },
  {
    weight: 1,
    arbitrary: fc.record({
      kind: fc.constant("upBoth" as const),
      faultsA: faults,
      faultsB: faults,
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
      slot: slotArb,
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

/** How Panther answers in a world: other canonical forms, stamps, actor shapes, a clock of its own. */
export interface PantherFlavour {
  readonly canonicalForms: CanonicalForms;
  readonly answerStamps: "full" | "none";
  readonly actorShape: "typed" | "spec-literal" | "nested" | "string";
  readonly skewMs: number;
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
});

export const specArb: fc.Arbitrary<TokenSpec> = fc.record({
  slot: slotArb,
  trigger: fc.constant(0),
  perms: fc.constantFrom<0 | 1>(0, 1),
  cidrs: fc.constantFrom<0 | 1 | 2>(0, 1, 2),
  schedule: fc.boolean(),
});

/** The programs both stacks start with (each declares one or two tokens, named alike). */
export const programsArb = fc.record({
  a: fc.uniqueArray(specArb, { minLength: 1, maxLength: 2, selector: (s) => s.slot }),
  b: fc.uniqueArray(specArb, { minLength: 1, maxLength: 2, selector: (s) => s.slot }),
});

/** Figures of a run of sequences. */
export interface Figures {
  sequences: number;
  commands: number;
  faults: number;
}

/** A sequence being run: the world, the stacks, and what the invariants need to remember. */
export class Run {
  readonly world: World;
  readonly stacks: Record<StackName, Stack>;
  readonly programs: Record<StackName, (TokenSpec | undefined)[]> = {
    a: [undefined, undefined],
    b: [undefined, undefined],
  };
  readonly keys: Record<StackName, string>;
  readonly deployerIds: Record<StackName, string>;
  /** Tokens people made in the Console, with their value and fields as made. */
  readonly personTokens = new Map<string, { value: string; fields: string }>();
  /** Tokens of any stack changed in the Console since that stack last refreshed (their values may not work). */
  readonly touchedOutside = new Map<StackName, Set<string>>([
    ["a", new Set()],
    ["b", new Set()],
  ]);
  /** Ids named by any error or progress line (an orphan that is reported is not silent). */
  readonly reported = new Set<string>();
  /** Token names an error told the user to look for in the Console. */
  readonly reportedNames = new Set<string>();
  /** Everything any operation printed, for the secret check. */
  readonly printed: string[] = [];
  /** A stack whose last up saw faults or errors: its next fault-free up must converge. */
  readonly unsettled = new Set<StackName>();
  log: string[] = [];

  constructor(
    readonly flavour: PantherFlavour,
    programs?: { a: TokenSpec[]; b: TokenSpec[] },
  ) {
    this.world = new World({
      canonicalForms: flavour.canonicalForms,
      answerStamps: flavour.answerStamps,
      actorShape: flavour.actorShape,
      clockOffsetMs: flavour.skewMs,
    });
    const make = (name: string) =>
      this.world.core.control.createToken({
        name,
        permissions: ["OrganizationAPITokenRead", "OrganizationAPITokenModify"],
      });
    const a = make("deployer-a");
    const b = make("deployer-b");
    this.keys = { a: a.value, b: b.value };
    this.deployerIds = { a: a.token.id, b: b.token.id };
    const deps = this.world.deps();
    this.stacks = {
      a: new Stack(deps, "a", a.value),
      b: new Stack(deps, "b", b.value),
    };
    for (const name of ["a", "b"] as const) {
      for (const spec of programs?.[name] ?? []) this.programs[name][spec.slot] = spec;
      this.#program(name);
    }
  }

  #program(stack: StackName): void {
    this.stacks[stack].program = this.programs[stack]
      .filter((s): s is TokenSpec => s !== undefined)
      .map(declOf);
  }

  #record(stack: StackName, what: string, outcome: Outcome): void {
    for (const line of outcome.errors) {
      for (const match of line.matchAll(
        /Look for (?:a token named|it in)[^"]*"?([^"]*)"?|tokens named "([^"]+)"|token named "([^"]+)"/g,
      )) {
        const name = match[1] ?? match[2] ?? match[3];
        if (name) this.reportedNames.add(name.normalize("NFC"));
      }
    }
    for (const line of [...outcome.errors, ...outcome.progress]) {
      this.printed.push(line);
      for (const match of line.matchAll(
        /[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/g,
      )) {
        this.reported.add(match[0]);
      }
    }
    this.log.push(
      `${stack} ${what}: ${JSON.stringify(outcome.steps)}${outcome.errors.length ? ` errors: ${outcome.errors.join(" | ")}` : ""}`,
    );
  }

  /** Runs one command and checks the invariants after it. */
  async step(command: Command): Promise<void> {
    const world = this.world;
    // People and pipelines act seconds apart, never within the same instant.
    await world.clock.advance(5_000);
    switch (command.kind) {
      case "edit": {
        const list = this.programs[command.stack];
        const current = list[command.slot];
        const base: TokenSpec = current ?? {
          slot: command.slot,
          trigger: 0,
          perms: 0,
          cidrs: 0,
          schedule: false,
        };
        const next: TokenSpec | undefined =
          command.change === "add"
            ? base
            : command.change === "remove"
              ? undefined
              : current === undefined
                ? undefined
                : command.change === "trigger"
                  ? { ...current, trigger: current.trigger + 1 }
                  : command.change === "perms"
                    ? { ...current, perms: current.perms === 0 ? 1 : 0 }
                    : command.change === "cidrs"
                      ? { ...current, cidrs: ((current.cidrs + 1) % 3) as 0 | 1 | 2 }
                      : { ...current, schedule: !current.schedule };
        list[command.slot] = next;
        this.#program(command.stack);
        this.log.push(`${command.stack} edit ${command.slot} ${command.change}`);
        return;
      }
      case "up":
      case "upBoth": {
        const which: [StackName, readonly Fault[]][] =
          command.kind === "up"
            ? [[command.stack, command.faults]]
            : [
                ["a", command.faultsA],
                ["b", command.faultsB],
              ];
        const before = world.faultsInjected;
        // A state still watching for late landings of lost creates lists to settle them.
        const settling = new Set(
          (["a", "b"] as const).filter((name) =>
            [...this.stacks[name].state.values()].some(
              (r) => r.outputs["lostCreates"] !== undefined,
            ),
          ),
        );
        for (const [stack, f] of which) {
          world.takeCalls(stack);
          world.inject(stack, f);
        }
        const outcomes = await world.clock.run(
          Promise.all(which.map(([stack]) => this.stacks[stack].up())),
        );
        const faulty = world.faultsInjected > before;
        for (const [i, [stack]] of which.entries()) {
          const outcome = outcomes[i];
          if (outcome === undefined) continue;
          world.clearFaults(stack);
          this.#record(stack, `up${faulty ? " (faults)" : ""}`, outcome);
          if (faulty || outcome.errors.length > 0) {
            this.unsettled.add(stack);
          } else {
            await this.#afterHealthyUp(stack, outcome, which.length, settling.has(stack));
          }
        }
        break;
      }
      case "refresh": {
        world.inject(command.stack, command.faults);
        const outcome = await world.clock.run(this.stacks[command.stack].refresh());
        world.clearFaults(command.stack);
        this.#record(command.stack, "refresh", outcome);
        if (outcome.errors.length === 0) this.touchedOutside.get(command.stack)?.clear();
        break;
      }
      case "preview": {
        world.takeCalls(command.stack);
        const outcome = await world.clock.run(this.stacks[command.stack].preview());
        this.#record(command.stack, "preview", outcome);
        const calls = world.takeCalls(command.stack);
        if (Object.keys(calls).length > 0)
          throw new Error(`preview called Panther: ${JSON.stringify(calls)}`);
        break;
      }
      case "console": {
        const resource = this.stacks[command.stack].state.get(`token-${command.slot}`);
        if (resource === undefined || world.core.control.getToken(resource.id) === undefined)
          return;
        const control = world.core.control;
        if (command.action === "rotate") control.rotateToken(resource.id, "someone@example.com");
        if (command.action === "edit")
          control.updateToken(resource.id, {
            name: "renamed-in-console",
            user: "someone@example.com",
          });
        if (command.action === "delete") control.deleteToken(resource.id);
        this.touchedOutside.get(command.stack)?.add(resource.id);
        this.log.push(`console ${command.action} ${command.stack}/token-${command.slot}`);
        break;
      }
      case "person": {
        const spec = declOf({
          slot: command.slot,
          trigger: 0,
          perms: 0,
          cidrs: 0,
          schedule: false,
        });
        const made = world.core.control.createToken({
          name: spec.args["name"] as string,
          permissions: spec.args["permissions"] as string[],
          allowedCIDRBlocks: [],
          user: "person@example.com",
        });
        this.personTokens.set(made.token.id, { value: made.value, fields: fieldsOf(made.token) });
        this.log.push(`person makes ${made.token.id}`);
        break;
      }
      case "advance":
        await world.clock.advance(command.ms);
        this.log.push(`advance ${command.ms}`);
        break;
      case "skew":
        this.stacks[command.stack].runnerSkewMs = command.ms;
        this.log.push(`${command.stack}'s runner clock off by ${command.ms}`);
        break;
    }
    this.checkAlways();
  }

  /** After a fault-free up: it converged, and it cost no more than the documented minimum. */
  async #afterHealthyUp(
    stack: StackName,
    outcome: Outcome,
    parallel: number,
    settling: boolean,
  ): Promise<void> {
    const calls = this.world.takeCalls(stack);
    const touched = this.touchedOutside.get(stack) ?? new Set<string>();
    if (parallel === 1 && !settling && !this.unsettled.has(stack) && touched.size === 0) {
      const steps = Object.values(outcome.steps);
      const count = (op: string) => steps.filter((s) => s === op).length;
      const updates = count("update");
      const limits: Record<string, number> = {
        create: count("create"),
        delete: count("delete"),
        update: updates,
        rotate: updates,
        // The deployer's token, once per process; and, from a server whose
        // answers carry no stamps, the record of each rotation.
        get:
          (updates > 0 ? 1 : 0) +
          (this.flavour.answerStamps === "none" ? (calls["rotate"] ?? 0) : 0),
        list: 0,
      };
      for (const [op, n] of Object.entries(calls)) {
        if (n > (limits[op] ?? 0)) {
          throw new Error(
            `a fault-free up made ${n} ${op} call(s), more than the minimum ${limits[op] ?? 0}: ${JSON.stringify(calls)}`,
          );
        }
      }
      if ((calls["create"] ?? 0) !== count("create"))
        throw new Error(`creates: ${JSON.stringify(calls)} for ${JSON.stringify(outcome.steps)}`);
    }
    this.unsettled.delete(stack);
    if (touched.size > 0) return;
    const preview = await this.world.clock.run(this.stacks[stack].preview());
    const changed = Object.entries(preview.steps).filter(([, op]) => op !== "same");
    if (changed.length > 0 || preview.errors.length > 0) {
      throw new Error(
        `after a healthy up, preview shows ${JSON.stringify(preview.steps)} ${preview.errors.join(" | ")} (${preview.progress.join(" | ")})`,
      );
    }
    for (const [name, resource] of this.stacks[stack].state) {
      const status = (resource.outputs["valueState"] as { status?: string } | undefined)?.status;
      if (status !== "current" && status !== "none") {
        throw new Error(`after a healthy up, ${stack}/${name} is ${String(status)}`);
      }
    }
  }

  /** Invariants that hold after every command. */
  checkAlways(): void {
    const control = this.world.core.control;
    const live = control.listTokens();
    const tracked = new Map<string, StackName>();
    for (const name of ["a", "b"] as const) {
      for (const resource of this.stacks[name].state.values()) tracked.set(resource.id, name);
    }
    const deployers = new Set(Object.values(this.deployerIds));
    for (const token of live) {
      if (deployers.has(token.id) || token.name === "emulator-admin") continue;
      if (tracked.has(token.id) || this.personTokens.has(token.id) || this.reported.has(token.id))
        continue;
      // An error told the user to look for it by name in the Console: reported, not silent.
      if (this.reportedNames.has(token.name.normalize("NFC"))) continue;
      throw new Error(
        `live token ${token.id} (${token.name}) is tracked by no stack and was never reported`,
      );
    }
    // Every tracked value works, unless its state says otherwise or someone changed the token outside.
    for (const name of ["a", "b"] as const) {
      const touched = this.touchedOutside.get(name) ?? new Set<string>();
      for (const [resourceName, resource] of this.stacks[name].state) {
        const value = resource.outputs["value"];
        const status = (resource.outputs["valueState"] as { status?: string } | undefined)?.status;
        if (status !== "current" || touched.has(resource.id)) continue;
        if (typeof value !== "string" || control.authenticate(value) !== resource.id) {
          throw new Error(
            `${name}/${resourceName}: state says the value is current but it does not work`,
          );
        }
      }
    }
    // Person tokens and the other stack's tokens are never changed by a stack.
    for (const [id, made] of this.personTokens) {
      const token = control.getToken(id);
      if (
        token === undefined ||
        control.authenticate(made.value) !== id ||
        fieldsOf(token) !== made.fields
      ) {
        throw new Error(`person token ${id} was deleted, rotated or changed`);
      }
    }
    // No value and no deployer key anywhere but a `value` output.
    const secrets = [...this.world.issuedValues, ...Object.values(this.keys)];
    const texts: string[] = [...this.printed];
    for (const name of ["a", "b"] as const) {
      for (const resource of this.stacks[name].state.values()) {
        const rest = Object.entries(resource.outputs).filter(([key]) => key !== "value");
        texts.push(JSON.stringify(rest), JSON.stringify(resource.inputs));
      }
    }
    for (const text of texts) {
      for (const secret of secrets) {
        if (text.includes(secret))
          throw new Error(`a secret appears outside a value output: ${text.slice(0, 200)}`);
      }
    }
  }
}
