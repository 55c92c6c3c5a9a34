/**
 * A sequence being run: the world, its stacks, and what the invariants need
 * to remember. `step` runs one command, then checks every invariant
 * (`invariants.ts`).
 */
import {
  Stack,
  type Decl,
  type Outcome,
  type Resource,
} from "../../tools/harness/inprocess-engine";
import {
  STACK_NAMES,
  declOf,
  pairDecls,
  type Command,
  type Edit,
  type PairSpec,
  type PantherFlavour,
  type ProgramSpec,
  type Slot,
  type StackName,
  type TokenSpec,
  type WorldSpec,
} from "./commands";
import { checkAfterHealthyUp, checkAlways, checkPairRotations } from "./invariants";
import { World, type Fault } from "../../tools/harness/inprocess-world";

/** Figures of a run of sequences. */
export interface Figures {
  sequences: number;
  commands: number;
  faults: number;
  interruptions: number;
  sharedKeyWorlds: number;
}

/** A pair token's last rotation, as the invariants track it. */
export interface PairRecord {
  /** The generation each token's current value was issued for. */
  readonly issuedFor: Map<string, number>;
}

export class Run {
  readonly world: World;
  readonly names: readonly StackName[];
  readonly stacks = new Map<StackName, Stack>();
  readonly programs = new Map<StackName, { tokens: (TokenSpec | undefined)[]; pair?: PairSpec }>();
  readonly keys = new Map<StackName, string>();
  readonly deployerIds = new Set<string>();
  /** Tokens people made in the Console, with their value and fields as made. */
  readonly personTokens = new Map<string, { value: string; fields: string }>();
  /** Tokens of a stack changed in the Console since that stack last refreshed (their values may not work). */
  readonly touchedOutside = new Map<StackName, Set<string>>();
  /** Ids named by any error or progress line (an orphan that is reported is not silent). */
  readonly reported = new Set<string>();
  /** Marks (`2001:db8:…/128`) an error told the user to look for. */
  readonly reportedMarks = new Set<string>();
  /** Everything any operation printed, for the secret check. */
  readonly printed: string[] = [];
  /** A stack whose last up saw faults, errors or a kill: its next fault-free up must converge. */
  readonly unsettled = new Set<StackName>();
  /** Per stack: the generation each pair token's current value was issued for. */
  readonly pairs = new Map<StackName, Map<string, number>>();
  /** How many mutations of the world's log the invariants have checked. */
  checkedMutations = 0;
  /** Interrupted runs so far. */
  interruptions = 0;
  log: string[] = [];

  constructor(
    readonly flavour: PantherFlavour,
    spec: WorldSpec,
  ) {
    this.world = new World({
      canonicalForms: flavour.canonicalForms,
      answerStamps: flavour.answerStamps,
      actorShape: flavour.actorShape,
      clockOffsetMs: flavour.skewMs,
      dateHeaderSkewMs: flavour.dateHeaderSkewMs,
    });
    this.names = STACK_NAMES.slice(0, spec.stacks);
    const make = (name: string) =>
      this.world.core.control.createToken({
        name,
        permissions: ["OrganizationAPITokenRead", "OrganizationAPITokenModify"],
      });
    const shared = spec.sharedKey ? make("deployer") : undefined;
    const deps = this.world.deps();
    for (const name of this.names) {
      const deployer = shared ?? make(`deployer-${name}`);
      this.keys.set(name, deployer.value);
      this.deployerIds.add(deployer.token.id);
      this.stacks.set(name, new Stack(deps, name, deployer.value));
      this.touchedOutside.set(name, new Set());
      const program = spec.programs[name];
      const tokens: (TokenSpec | undefined)[] = [undefined, undefined];
      for (const t of program.tokens) tokens[t.slot] = t;
      this.programs.set(name, { tokens, ...(program.pair ? { pair: program.pair } : {}) });
      this.#program(name);
    }
    this.log.push(
      `world: ${spec.stacks} stacks, ${spec.sharedKey ? "one shared deployer key" : "a key each"}, programs ${JSON.stringify(spec.programs)}`,
    );
  }

  stack(name: StackName): Stack {
    const stack = this.stacks.get(name);
    if (stack === undefined) throw new Error(`no stack ${name}`);
    return stack;
  }

  #program(name: StackName): void {
    const program = this.programs.get(name);
    if (program === undefined) return;
    const decls: Decl[] = program.tokens.filter((s): s is TokenSpec => s !== undefined).map(declOf);
    if (program.pair !== undefined) decls.push(...pairDecls(name, program.pair));
    this.stack(name).program = decls;
  }

  record(stack: StackName, what: string, outcome: Outcome): void {
    for (const line of [...outcome.errors, ...outcome.progress]) {
      this.printed.push(line);
      for (const match of line.matchAll(
        /[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/g,
      )) {
        this.reported.add(match[0]);
      }
    }
    for (const line of outcome.errors) {
      for (const match of line.matchAll(/2001:db8:[0-9a-f:]+\/128/g))
        this.reportedMarks.add(match[0]);
    }
    this.log.push(
      `${stack} ${what}: ${JSON.stringify(outcome.steps)}${outcome.interrupted ? ` KILLED (pending ${JSON.stringify(outcome.pending)})` : ""}${outcome.errors.length ? ` errors: ${outcome.errors.join(" | ")}` : ""}`,
    );
  }

  /** Runs one command and checks the invariants after it. */
  async step(command: Command): Promise<void> {
    const world = this.world;
    // People and pipelines act seconds apart, never within the same instant.
    await world.clock.advance(5_000);
    if ("stack" in command && !this.names.includes(command.stack)) return;
    switch (command.kind) {
      case "edit":
        this.#edit(command.stack, command.slot, command.change);
        break;
      case "up":
        await this.#ups([[command.stack, command.faults]], command);
        break;
      case "upAll":
        await this.#ups(
          this.names.map((name, i) => [name, command.faults[i] ?? []]),
          undefined,
        );
        break;
      case "refresh": {
        const stack = command.stack;
        world.inject(stack, command.faults);
        const outcome = await world.clock.run(this.stack(stack).refresh());
        world.clearFaults(stack);
        this.record(stack, "refresh", outcome);
        if (outcome.errors.length === 0) this.touchedOutside.get(stack)?.clear();
        break;
      }
      case "preview": {
        world.takeCalls(command.stack);
        const outcome = await world.clock.run(this.stack(command.stack).preview());
        this.record(command.stack, "preview", outcome);
        const calls = world.takeCalls(command.stack);
        if (Object.keys(calls).length > 0) {
          throw new Error(`preview called Panther: ${JSON.stringify(calls)}`);
        }
        break;
      }
      case "console": {
        const resource = this.stack(command.stack).state.get(command.resource);
        const control = world.core.control;
        if (resource === undefined || control.getToken(resource.id) === undefined) return;
        if (command.action === "rotate") control.rotateToken(resource.id, "someone@example.com");
        if (command.action === "edit") {
          control.updateToken(resource.id, {
            name: "renamed-in-console",
            user: "someone@example.com",
          });
        }
        if (command.action === "delete") control.deleteToken(resource.id);
        this.touchedOutside.get(command.stack)?.add(resource.id);
        this.log.push(`console ${command.action} ${command.stack}/${command.resource}`);
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
        this.stack(command.stack).runnerSkewMs = command.ms;
        this.log.push(`${command.stack}'s runner clock off by ${command.ms}`);
        break;
    }
    checkAlways(this);
  }

  #edit(stack: StackName, slot: Slot, change: Edit): void {
    const program = this.programs.get(stack);
    if (program === undefined) return;
    if (slot === "pair") {
      const pair = program.pair;
      const next: PairSpec | undefined =
        change === "add"
          ? (pair ?? { generation: 100, perms: 0 })
          : change === "remove"
            ? undefined
            : pair === undefined
              ? undefined
              : applyPairEdit(pair, change);
      if (next === undefined) delete program.pair;
      else program.pair = next;
    } else {
      const current = program.tokens[slot];
      program.tokens[slot] =
        change === "add"
          ? (current ?? { slot, trigger: 0, perms: 0, cidrs: 0, schedule: false })
          : change === "remove" || current === undefined
            ? undefined
            : applyTokenEdit(current, change);
    }
    this.#program(stack);
    this.log.push(`${stack} edit ${String(slot)} ${change}`);
  }

  /** One or more stacks' `up` at once, with faults; one of them `--target`ed or killed when `options` say. */
  async #ups(
    which: readonly (readonly [StackName, readonly Fault[]])[],
    options:
      { target?: string; interrupt?: { afterCalls: number; applyLast: boolean } } | undefined,
  ): Promise<void> {
    const world = this.world;
    const before = world.faultsInjected;
    // A state still watching for late landings of lost creates lists to settle them.
    const settling = new Set(
      which
        .map(([name]) => name)
        .filter((name) =>
          [...this.stack(name).state.values()].some((r) => r.outputs["lostCreates"] !== undefined),
        ),
    );
    const startStates = new Map(which.map(([name]) => [name, new Map(this.stack(name).state)]));
    const firstMutation = world.mutations.length;
    for (const [stack, f] of which) {
      world.takeCalls(stack);
      world.inject(stack, f);
    }
    const interrupt = options?.interrupt;
    const [first] = which;
    const interrupted =
      interrupt === undefined || first === undefined
        ? undefined
        : world.interruptAfter(first[0], interrupt.afterCalls, interrupt.applyLast);
    const outcomes = await world.clock.run(
      Promise.all(
        which.map(([stack], i) =>
          this.stack(stack).up({
            ...(i === 0 && options?.target !== undefined ? { target: [options.target] } : {}),
            ...(i === 0 && interrupted !== undefined ? { interrupted } : {}),
          }),
        ),
      ),
    );
    if (first !== undefined) world.disarm(first[0]);
    const faulty = world.faultsInjected > before;
    for (const [i, [stack]] of which.entries()) {
      const outcome = outcomes[i];
      if (outcome === undefined) continue;
      world.clearFaults(stack);
      const label = `up${options?.target ? ` --target ${options.target}` : ""}${faulty ? " (faults)" : ""}`;
      this.record(stack, label, outcome);
      checkPairRotations(this, stack, startStates.get(stack) ?? new Map(), firstMutation);
      // A delete that failed keeps the resource as it was; the token may be gone all the same
      // (the delete applied, then proving it failed): state cannot know until the next run.
      for (const [name, step] of Object.entries(outcome.steps)) {
        const kept = this.stack(stack).state.get(name);
        if (step === "delete" && kept !== undefined) this.touchedOutside.get(stack)?.add(kept.id);
      }
      if (outcome.interrupted === true) {
        this.interruptions++;
        this.unsettled.add(stack);
        // What a step killed in flight sent, its state cannot know until a refresh.
        const before = startStates.get(stack) ?? new Map<string, Resource>();
        const pendingIds = new Set(
          (outcome.pending ?? []).flatMap((name) =>
            [before.get(name)?.id, this.stack(stack).state.get(name)?.id].filter(
              (id): id is string => id !== undefined,
            ),
          ),
        );
        for (const m of world.mutations.slice(firstMutation)) {
          if (
            m.stack === stack &&
            world.deadProcesses.has(m.process) &&
            pendingIds.has(m.tokenId)
          ) {
            this.touchedOutside.get(stack)?.add(m.tokenId);
          }
        }
      } else if (faulty || outcome.errors.length > 0 || options?.target !== undefined) {
        this.unsettled.add(stack);
      } else {
        await checkAfterHealthyUp(this, stack, outcome, which.length, settling.has(stack));
      }
    }
  }
}

function applyTokenEdit(spec: TokenSpec, change: Edit): TokenSpec {
  switch (change) {
    case "trigger":
      return { ...spec, trigger: spec.trigger + 1 };
    case "perms":
      return { ...spec, perms: spec.perms === 0 ? 1 : 0 };
    case "cidrs":
      return { ...spec, cidrs: ((spec.cidrs + 1) % 3) as 0 | 1 | 2 };
    case "schedule":
      return { ...spec, schedule: !spec.schedule };
    default:
      return spec;
  }
}

function applyPairEdit(pair: PairSpec, change: Edit): PairSpec {
  switch (change) {
    case "rise":
      return { ...pair, generation: pair.generation + 1 };
    case "jump":
      return { ...pair, generation: pair.generation + 2 };
    case "fall":
      return { ...pair, generation: Math.max(0, pair.generation - 1) };
    case "perms":
      return { ...pair, perms: pair.perms === 0 ? 1 : 0 };
    default:
      return pair;
  }
}

export function fieldsOf(token: {
  name: string;
  permissions: readonly string[];
  allowedCIDRBlocks: readonly string[];
}): string {
  return JSON.stringify([token.name, token.permissions, token.allowedCIDRBlocks]);
}

export type { ProgramSpec };
