/**
 * What users rely on, checked after every command of a sequence. Each check
 * throws, naming the invariant, when it breaks.
 */
import { carriesMark } from "../../provider/dynamic-provider/mark";
import { normalizeFields, sameFields } from "../../provider/dynamic-provider/normalize";
import type { Outcome, Resource } from "../../tools/harness/inprocess-engine";
import type { StackName } from "./commands";
import { fieldsOf, type Run } from "./run";

/** After every command. */
export function checkAlways(run: Run): void {
  const tracked = trackedTokens(run);
  noTokenTrackedTwice(run);
  onlyOwnTokensTouched(run);
  noSilentOrphan(run, tracked);
  currentValuesWork(run);
  peopleUntouched(run);
  noSecretOutsideValue(run);
}

/** Which stack tracks each token id. */
function trackedTokens(run: Run): Map<string, StackName> {
  const tracked = new Map<string, StackName>();
  for (const name of run.names) {
    for (const resource of run.stack(name).state.values()) tracked.set(resource.id, name);
  }
  return tracked;
}

/** No token is tracked by two stacks, and a stack tracks only tokens its own requests made. */
function noTokenTrackedTwice(run: Run): void {
  const seen = new Map<string, StackName>();
  for (const name of run.names) {
    for (const [resourceName, resource] of run.stack(name).state) {
      const other = seen.get(resource.id);
      if (other !== undefined) {
        throw new Error(`token ${resource.id} is tracked by stacks ${other} and ${name}`);
      }
      seen.set(resource.id, name);
      const creator = run.world.creators.get(resource.id);
      if (creator?.stack !== name) {
        throw new Error(
          `${name}/${resourceName} tracks token ${resource.id}, which ${creator === undefined ? "no stack" : `stack ${creator.stack}`} created`,
        );
      }
    }
  }
}

/** No stack updates, rotates or deletes a token it neither created nor was told to adopt. */
function onlyOwnTokensTouched(run: Run): void {
  const mutations = run.world.mutations;
  for (; run.checkedMutations < mutations.length; run.checkedMutations++) {
    const m = mutations[run.checkedMutations];
    if (m === undefined) continue;
    const creator = run.world.creators.get(m.tokenId);
    if (creator?.stack !== m.stack) {
      throw new Error(
        `stack ${m.stack} sent ${m.operation} to token ${m.tokenId}, which ${creator === undefined ? "no stack" : `stack ${creator.stack}`} created`,
      );
    }
  }
}

/**
 * Every live token a stack created is tracked by it, or named in an error
 * or progress line (its id, or its mark), or its create was in flight when
 * that stack's run was killed (the CLI reports the pending create).
 */
function noSilentOrphan(run: Run, tracked: Map<string, StackName>): void {
  const control = run.world.core.control;
  for (const token of control.listTokens()) {
    if (run.deployerIds.has(token.id) || token.name === "emulator-admin") continue;
    if (run.personTokens.has(token.id) || tracked.has(token.id) || run.reported.has(token.id)) {
      continue;
    }
    if ([...run.reportedMarks].some((mark) => carriesMark(token.allowedCIDRBlocks, mark))) continue;
    const creator = run.world.creators.get(token.id);
    if (creator !== undefined && run.world.deadProcesses.has(creator.process)) continue;
    throw new Error(
      `live token ${token.id} (${token.name}, blocks ${JSON.stringify(token.allowedCIDRBlocks)}) made by ${creator?.stack ?? "nobody"} is tracked by no stack and was never reported`,
    );
  }
}

/** Every value a state calls current works, unless someone changed the token outside the stack. */
function currentValuesWork(run: Run): void {
  const control = run.world.core.control;
  for (const name of run.names) {
    const touched = run.touchedOutside.get(name) ?? new Set<string>();
    for (const [resourceName, resource] of run.stack(name).state) {
      if (statusOf(resource) !== "current" || touched.has(resource.id)) continue;
      const value = resource.outputs["value"];
      if (typeof value !== "string" || control.authenticate(value) !== resource.id) {
        throw new Error(
          `${name}/${resourceName}: state says the value is current but it does not work`,
        );
      }
    }
  }
}

/** A person's tokens are never deleted, rotated or changed. */
function peopleUntouched(run: Run): void {
  const control = run.world.core.control;
  for (const [id, made] of run.personTokens) {
    const token = control.getToken(id);
    if (
      token === undefined ||
      control.authenticate(made.value) !== id ||
      fieldsOf(token) !== made.fields
    ) {
      throw new Error(`person token ${id} was deleted, rotated or changed`);
    }
  }
}

/** No value and no deployer key anywhere but a `value` output. */
function noSecretOutsideValue(run: Run): void {
  const secrets = [...run.world.issuedValues, ...run.keys.values()];
  const texts: string[] = [...run.printed];
  for (const name of run.names) {
    for (const resource of run.stack(name).state.values()) {
      const rest = Object.entries(resource.outputs).filter(([key]) => key !== "value");
      texts.push(JSON.stringify(rest), JSON.stringify(resource.inputs));
    }
  }
  for (const text of texts) {
    for (const secret of secrets) {
      if (text.includes(secret)) {
        throw new Error(`a secret appears outside a value output: ${text.slice(0, 200)}`);
      }
    }
  }
}

function statusOf(resource: Resource): string | undefined {
  return (resource.outputs["valueState"] as { status?: string } | undefined)?.status;
}

/**
 * A pair's `previous` works until the next rise: a rotation of one of its
 * tokens (that held a working value) is for a generation above the one the
 * other token's value was issued for, so no generation rotates both, whatever
 * happened to earlier runs. Called after each `up` with the state it started
 * from and where its requests begin in the mutation log.
 */
export function checkPairRotations(
  run: Run,
  stack: StackName,
  before: ReadonlyMap<string, Resource>,
  firstMutation: number,
): void {
  const state = run.stack(stack).state;
  const issuedFor = run.pairs.get(stack) ?? new Map<string, number>();
  run.pairs.set(stack, issuedFor);
  const generation = run.programs.get(stack)?.pair?.generation;
  // Tokens made or replaced since the last look: both their values are new.
  for (const slot of ["pair-a", "pair-b"]) {
    const now = state.get(slot);
    if (now === undefined) issuedFor.delete(slot);
    else if (before.get(slot)?.id !== now.id && generation !== undefined)
      issuedFor.set(slot, generation);
  }
  const rotated = new Set<string>();
  for (const m of run.world.mutations.slice(firstMutation)) {
    if (m.stack !== stack || m.operation !== "rotate") continue;
    const slot = (["pair-a", "pair-b"] as const).find((s) => before.get(s)?.id === m.tokenId);
    if (slot === undefined || rotated.has(slot)) continue;
    rotated.add(slot);
    const leaderSeen = (state.get("pair-a")?.outputs["pairView"] as { seen?: number } | undefined)
      ?.seen;
    const forGeneration = slot === "pair-a" ? generation : leaderSeen;
    if (forGeneration === undefined) continue;
    const was = before.get(slot);
    const other = slot === "pair-a" ? "pair-b" : "pair-a";
    const touched = run.touchedOutside.get(stack) ?? new Set<string>();
    const working =
      was !== undefined &&
      statusOf(was) === "current" &&
      !touched.has(was.id) &&
      statusOf(before.get(other) ?? was) === "current" &&
      !touched.has(before.get(other)?.id ?? "");
    const otherFor = issuedFor.get(other);
    if (working && otherFor !== undefined && forGeneration <= otherFor) {
      throw new Error(
        `${stack}/${slot} rotated for generation ${forGeneration}, but ${other}'s value was issued for generation ${otherFor}: the pair's previous value died before the next rise`,
      );
    }
    issuedFor.set(slot, Math.max(issuedFor.get(slot) ?? forGeneration, forGeneration));
  }
}

/** After a fault-free up: it converged, cost no more than the documented minimum, and left Panther as state says. */
export async function checkAfterHealthyUp(
  run: Run,
  stack: StackName,
  outcome: Outcome,
  parallel: number,
  settling: boolean,
): Promise<void> {
  const world = run.world;
  const calls = world.takeCalls(stack);
  const touched = run.touchedOutside.get(stack) ?? new Set<string>();
  if (parallel === 1 && !settling && !run.unsettled.has(stack) && touched.size === 0) {
    const steps = Object.entries(outcome.steps);
    const count = (op: string) => steps.filter(([, s]) => s === op).length;
    const updates = count("update");
    // The pair's first token reads the other's record (by id, or by name the first time) when it decides.
    const decisions = steps.filter(([name, s]) => name === "pair-a" && s === "update").length;
    const limits: Record<string, number> = {
      create: count("create"),
      delete: count("delete"),
      // One update per changed token, and one per create: the update that removes its mark.
      update: updates + count("create"),
      rotate: updates,
      // The deployer's token, once per process; and, from a server whose
      // answers carry no stamps, the record of each rotation.
      get:
        (updates > 0 ? 1 : 0) +
        decisions +
        (run.flavour.answerStamps === "none" ? (calls["rotate"] ?? 0) : 0),
      list: decisions,
    };
    for (const [op, n] of Object.entries(calls)) {
      if (n > (limits[op] ?? 0)) {
        throw new Error(
          `a fault-free up made ${n} ${op} call(s), more than the minimum ${limits[op] ?? 0}: ${JSON.stringify(calls)}`,
        );
      }
    }
    if ((calls["create"] ?? 0) !== count("create")) {
      throw new Error(`creates: ${JSON.stringify(calls)} for ${JSON.stringify(outcome.steps)}`);
    }
  }
  run.unsettled.delete(stack);
  if (touched.size > 0) return;
  const preview = await world.clock.run(run.stack(stack).preview());
  const changed = Object.entries(preview.steps).filter(([, op]) => op !== "same");
  if (changed.length > 0 || preview.errors.length > 0) {
    throw new Error(
      `after a healthy up, preview shows ${JSON.stringify(preview.steps)} ${preview.errors.join(" | ")} (${preview.progress.join(" | ")})`,
    );
  }
  const control = world.core.control;
  for (const [name, resource] of run.stack(stack).state) {
    const status = statusOf(resource);
    if (status !== "current" && status !== "none") {
      throw new Error(`after a healthy up, ${stack}/${name} is ${String(status)}`);
    }
    // What state says is what Panther holds: no late landing undid a change silently.
    const live = control.getToken(resource.id);
    if (live === undefined || killedUpdateOutstanding(run, stack, resource.id)) continue;
    const said = normalizeFields({
      name: resource.outputs["name"] as string,
      permissions: resource.outputs["permissions"] as string[],
      allowedCIDRBlocks: resource.outputs["allowedCIDRBlocks"] as string[],
    });
    if (!sameFields(normalizeFields(live), said)) {
      throw new Error(
        `after a healthy up, ${stack}/${name} holds ${fieldsOf(normalizeFields(live))} in Panther but state says ${fieldsOf(said)}`,
      );
    }
  }
}

/**
 * Whether a killed run of `stack` sent an update to `id` that may land (or
 * has landed) after it: a run killed while an update's answer is outstanding
 * cannot wait out its window; the next refresh shows what it did.
 */
function killedUpdateOutstanding(run: Run, stack: StackName, id: string): boolean {
  return run.world.mutations.some(
    (m) =>
      m.stack === stack &&
      m.tokenId === id &&
      m.operation === "update" &&
      run.world.deadProcesses.has(m.process),
  );
}
