/**
 * The step rules of the Pulumi engine that matter to this provider, in
 * process, for the fault-sequence tests (the real-engine suite in test/e2e
 * checks them against the CLI):
 * - up: Check(old inputs, program inputs); no state → Create; state → Diff
 *   (old outputs, checked inputs), then Update when it reports changes or the
 *   state carries init errors; otherwise the step is "same" and the checked
 *   inputs are stored with the old outputs. Resources no longer declared are
 *   deleted after the others.
 * - A Create or Update error carrying an id and properties
 *   (ErrorResourceInitFailed) keeps the resource with those properties as
 *   outputs and init errors; any other Create error leaves nothing; any
 *   other Update error keeps the old state.
 * - A resource whose inputs take another's outputs (`follows`: a pair's
 *   second token takes the first one's `pairView` as `pairLeader`) waits for
 *   that one's step; when that step fails, its own step is skipped.
 * - `--target`: only the named resources take steps; the others keep their
 *   state (a follower then takes its leader's outputs from state), and
 *   resources no longer declared are deleted only when named.
 * - An interrupted run (the CLI killed between two calls) ends at once: the
 *   steps that finished are kept, the ones in flight are lost (the real CLI
 *   records them as pending operations and warns about them).
 * - refresh: Read(id, outputs); an empty id drops the resource; otherwise the
 *   outputs are replaced, the inputs too when Read returned some, and init
 *   errors are cleared.
 * - Values cross the boundary as JSON (the gRPC Struct), a fresh provider
 *   process (here: instance) runs each operation, configured with the
 *   stack's config.
 * Used where the real CLI cannot reach: the fault-sequence tests (thousands
 * of sequences on a virtual clock, faults inside single operations), and the
 * demo when no Pulumi CLI is available.
 */
import { createProvider } from "../../provider/dynamic-provider";
import type { Clock } from "../../provider/client/clock";
import type { ClientOptions, TokenApi } from "../../provider/connect";

/** What a stack's provider processes run on. */
export interface StackDeps {
  /**
   * Builds a client of a provider process: `process` is the same object for
   * every client of one process (one `up`, `refresh` or `preview`).
   */
  readonly connect: (stack: string, options: ClientOptions, process: object) => TokenApi;
  /** The clock everything waits on. */
  readonly clock: Clock;
}

/** How one `up` runs. */
export interface UpOptions {
  /** `--target`: the resources that take steps (all when absent). */
  readonly target?: readonly string[];
  /** Resolves when the CLI is killed: the run ends at once, keeping only the steps that finished. */
  readonly interrupted?: Promise<unknown>;
}

type Props = Record<string, unknown>;

/** The provider as the engine calls it: property bags in, property bags out. */
interface RawProvider {
  check(olds: Props, news: Props): Promise<{ inputs?: Props; failures?: unknown[] }>;
  diff(id: string, olds: Props, news: Props): Promise<{ changes?: boolean }>;
  create(inputs: Props): Promise<{ id: string; outs?: Props }>;
  read(id: string, props: Props): Promise<{ id?: string; props?: Props; inputs?: Props }>;
  update(id: string, olds: Props, news: Props): Promise<{ outs?: Props }>;
  delete(id: string, props: Props): Promise<void>;
}

/** A resource in state. */
export interface Resource {
  readonly id: string;
  readonly inputs: Props;
  readonly outputs: Props;
  readonly initErrors: readonly string[];
}

/** One declared token. */
export interface Decl {
  readonly name: string;
  readonly args: Props;
  /** A resource whose `pairView` output is this one's `pairLeader` input (a pair's second token). */
  readonly follows?: string;
}

/** What one operation did. */
export interface Outcome {
  readonly steps: Record<string, "create" | "update" | "same" | "delete" | "read">;
  readonly errors: string[];
  readonly progress: string[];
  /** Whether the run was killed before it ended. */
  readonly interrupted?: boolean;
  /** Resources whose step was in flight when the run was killed (pending operations). */
  readonly pending?: readonly string[];
}

const PROVIDER = 'exports.handler = require("pulumi-panther/dynamic-provider");';
/** The value Pulumi passes for an input not known during preview. */
const UNKNOWN = "04da6b54-80e4-46f7-96ec-b56ff0331ba9";

function json<T>(value: T): T {
  return value === undefined ? value : (JSON.parse(JSON.stringify(value)) as T);
}

function initFailure(
  error: unknown,
): { id: string; properties: Props; reasons: string[] } | undefined {
  if (typeof error !== "object" || error === null) return undefined;
  const e = error as { id?: unknown; properties?: unknown; reasons?: unknown };
  if (typeof e.id !== "string" || e.id === "") return undefined;
  return {
    id: e.id,
    properties: (e.properties ?? {}) as Props,
    reasons: Array.isArray(e.reasons) ? (e.reasons as string[]) : [],
  };
}

export class Stack {
  readonly name: string;
  readonly state = new Map<string, Resource>();
  program: Decl[] = [];
  readonly #deps: StackDeps;
  readonly #config: Record<string, string>;
  /** How far this stack's runner clock is off the world's (CI runners disagree). */
  runnerSkewMs = 0;

  constructor(
    deps: StackDeps,
    name: string,
    deployerKey: string,
    config: Record<string, string> = {},
  ) {
    this.#deps = deps;
    this.name = name;
    this.#config = {
      "panther:url": "https://panther.example",
      "panther:token": deployerKey,
      ...config,
    };
  }

  /** A provider instance as one provider host process, with progress lines collected. */
  #provider(progress: string[]): RawProvider {
    const base = this.#deps.clock;
    const skew = this.runnerSkewMs;
    const clock: Clock = { now: () => base.now() + skew, sleep: (ms) => base.sleep(ms) };
    const processTag = {};
    const provider = createProvider({
      connect: (options) => this.#deps.connect(this.name, { ...options, clock }, processTag),
      clock,
      progress: (line) => progress.push(line),
      env: {},
    });
    void provider.configure({
      config: {
        get: (key: string) => this.#config[key],
        require: (key: string) => {
          const v = this.#config[key];
          if (v === undefined) throw new Error(`missing ${key}`);
          return v;
        },
      },
    });
    return provider as unknown as RawProvider;
  }

  #news(decl: Decl, leader?: Props): Props {
    const follows = decl.follows === undefined ? {} : { pairLeader: leader?.["pairView"] };
    return json({ ...decl.args, ...follows, __provider: PROVIDER });
  }

  /** `pulumi preview`: which steps an up would take. No API call is expected. */
  async preview(): Promise<Outcome> {
    const progress: string[] = [];
    const provider = this.#provider(progress);
    const steps: Outcome["steps"] = {};
    const errors: string[] = [];
    for (const decl of this.program) {
      const old = this.state.get(decl.name);
      const leaderStep = decl.follows === undefined ? undefined : steps[decl.follows];
      const leader =
        decl.follows === undefined
          ? undefined
          : leaderStep === "same"
            ? this.state.get(decl.follows)?.outputs
            : { pairView: UNKNOWN };
      const checked = await provider.check(json(old?.inputs ?? {}), this.#news(decl, leader));
      if ((checked.failures ?? []).length > 0) {
        errors.push(`${decl.name}: ${JSON.stringify(checked.failures)}`);
        continue;
      }
      if (old === undefined) {
        steps[decl.name] = "create";
        continue;
      }
      const diff = await provider.diff(old.id, json(old.outputs), json(checked.inputs ?? {}));
      steps[decl.name] = diff.changes === true || old.initErrors.length > 0 ? "update" : "same";
    }
    for (const name of this.state.keys()) {
      if (!this.program.some((d) => d.name === name)) steps[name] = "delete";
    }
    return { steps, errors, progress };
  }

  /** `pulumi up` (with `--target`, or killed part way, as `options` say). */
  async up(options: UpOptions = {}): Promise<Outcome> {
    const progress: string[] = [];
    const provider = this.#provider(progress);
    const steps: Outcome["steps"] = {};
    const errors: string[] = [];
    // An object, not a `let`: steps read it after the run was killed from outside.
    const run = { killed: false };
    const killed = (): boolean => run.killed;
    const inFlight = new Set<string>();
    const targeted = (name: string) =>
      options.target === undefined || options.target.includes(name);
    /** Keeps what a step wrote, unless the run was killed before the step finished. */
    const keep = (name: string, resource: Resource | undefined) => {
      if (killed()) return;
      if (resource === undefined) this.state.delete(name);
      else this.state.set(name, resource);
    };
    const done = new Map<string, Promise<boolean>>();
    const step = async (decl: Decl): Promise<boolean> => {
      const old = this.state.get(decl.name);
      let leader: Props | undefined;
      if (decl.follows !== undefined) {
        const leaderDone = done.get(decl.follows);
        // A leader that failed stops its followers (their inputs never resolve).
        if (leaderDone !== undefined && !(await leaderDone)) return false;
        leader = this.state.get(decl.follows)?.outputs;
      }
      if (killed()) return false;
      inFlight.add(decl.name);
      try {
        const checked = await provider.check(json(old?.inputs ?? {}), this.#news(decl, leader));
        if ((checked.failures ?? []).length > 0) throw new Error(JSON.stringify(checked.failures));
        const inputs = json(checked.inputs ?? {});
        if (old === undefined) {
          steps[decl.name] = "create";
          try {
            const created = await provider.create(json(inputs));
            keep(decl.name, {
              id: created.id,
              inputs,
              outputs: json({ ...(created.outs as Props), __provider: PROVIDER }),
              initErrors: [],
            });
          } catch (error) {
            const partial = initFailure(error);
            if (partial !== undefined) {
              keep(decl.name, {
                id: partial.id,
                inputs,
                outputs: json(partial.properties),
                initErrors: partial.reasons,
              });
            }
            throw error;
          }
          return true;
        }
        const diff = await provider.diff(old.id, json(old.outputs), json(inputs));
        if (diff.changes !== true && old.initErrors.length === 0) {
          steps[decl.name] = "same";
          keep(decl.name, { ...old, inputs });
          return true;
        }
        steps[decl.name] = "update";
        try {
          const updated = await provider.update(old.id, json(old.outputs), json(inputs));
          keep(decl.name, {
            id: old.id,
            inputs,
            outputs: json({ ...(updated.outs as Props), __provider: PROVIDER }),
            initErrors: [],
          });
        } catch (error) {
          const partial = initFailure(error);
          if (partial !== undefined) {
            keep(decl.name, {
              id: old.id,
              inputs,
              outputs: json(partial.properties),
              initErrors: partial.reasons,
            });
          }
          throw error;
        }
        return true;
      } catch (error) {
        if (!killed())
          errors.push(`${decl.name}: ${error instanceof Error ? error.message : String(error)}`);
        return false;
      } finally {
        if (!killed()) inFlight.delete(decl.name);
      }
    };
    const interrupted = (options.interrupted ?? new Promise<never>(() => undefined)).then(() => {
      run.killed = true;
    });
    const stepsDone = (async () => {
      for (const decl of this.program) {
        if (!targeted(decl.name)) continue;
        done.set(decl.name, step(decl));
      }
      await Promise.all(done.values());
      const removed = [...this.state.entries()].filter(
        ([name]) => !this.program.some((d) => d.name === name) && targeted(name),
      );
      await Promise.all(
        removed.map(async ([name, resource]) => {
          if (killed()) return;
          steps[name] = "delete";
          inFlight.add(name);
          try {
            await provider.delete(resource.id, json(resource.outputs));
            keep(name, undefined);
          } catch (error) {
            if (!killed())
              errors.push(`${name}: ${error instanceof Error ? error.message : String(error)}`);
          } finally {
            if (!killed()) inFlight.delete(name);
          }
        }),
      );
    })();
    await Promise.race([stepsDone, interrupted]);
    if (!killed()) return { steps, errors, progress };
    return { steps, errors, progress, interrupted: true, pending: [...inFlight] };
  }

  /** `pulumi refresh`. */
  async refresh(): Promise<Outcome> {
    const progress: string[] = [];
    const provider = this.#provider(progress);
    const steps: Outcome["steps"] = {};
    const errors: string[] = [];
    await Promise.all(
      [...this.state.entries()].map(async ([name, resource]) => {
        steps[name] = "read";
        try {
          const read = await provider.read(resource.id, json(resource.outputs));
          if (!read.id) {
            this.state.delete(name);
            return;
          }
          this.state.set(name, {
            id: read.id,
            inputs:
              read.inputs === undefined
                ? resource.inputs
                : json({ ...read.inputs, __provider: PROVIDER }),
            outputs: json({ ...(read.props as Props), __provider: PROVIDER }),
            initErrors: [],
          });
        } catch (error) {
          errors.push(`${name}: ${error instanceof Error ? error.message : String(error)}`);
        }
      }),
    );
    return { steps, errors, progress };
  }

  /** `pulumi destroy`. */
  async destroy(): Promise<Outcome> {
    const saved = this.program;
    this.program = [];
    try {
      return await this.up();
    } finally {
      this.program = saved;
    }
  }
}
