/**
 * A small emulation of the Pulumi engine's deployment logic over one dynamic-provider host:
 * state keyed by URN, and `preview`, `up`, `refresh` and `destroy` issuing the provider calls
 * the engine issues, in the engine's order, with the engine's decisions.
 *
 * Modelled on pulumi/pulumi `pkg/resource/deploy/step_generator.go` and `step.go`:
 * - Check(old inputs, program inputs with ignoreChanges applied), then for an existing resource
 *   Diff(id, old outputs, checked inputs, old inputs). `changes: undefined` from the provider
 *   (DIFF_UNKNOWN) makes the engine compare old and new inputs itself.
 * - A replace re-runs Check with no old inputs, then creates the replacement before deleting the
 *   old resource (deletes run after all creates and updates), unless delete-before-replace.
 * - A resource whose state carries init errors is updated even when Diff reports no change.
 * - Create/Update errors carrying ErrorResourceInitFailed keep the resource in state with the
 *   error's id and properties and `initErrors`; other Create errors leave nothing in state,
 *   other Update errors keep the old state. After a failure no new step starts (the engine bails)
 *   unless `continueOnError`.
 * - `import`: Read(id) then Check against the read inputs and Diff; any difference fails the
 *   import ("inputs to import do not match the existing resource"). On later runs the import id
 *   stays in state; a replace of such a resource is refused.
 * - refresh: Read(id, outputs, inputs) then, unless `legacyRefreshDiff`, a Diff of the refreshed
 *   state against the old inputs to decide same/update; an empty id drops the resource.
 * - Secrets: the host does not accept secrets, so the engine strips them before calls and marks
 *   results secret by name: outputs named in `additionalSecretOutputs`, and any input or output
 *   whose same-named input was secret.
 * - Provider calls run concurrently up to `parallelism` (the CLI's default `--parallel` is
 *   4 × GOMAXPROCS, or `PULUMI_PARALLEL`), a resource waiting for its dependencies and parent.
 */
import * as os from "node:os";

import {
  HostError,
  SECRET_SIG,
  SIG_KEY,
  UNKNOWN,
  diffCounts,
  parseUrn,
  type CallCounts,
  type CheckFailure,
  type DiffResult,
  type PropertyMap,
  type ProviderHost,
} from "./host";
import type { CustomTimeouts, Registration } from "./program";

/** What happened (or, in a preview, would happen) to one resource. */
export type StepOp =
  "same" | "create" | "update" | "replace" | "delete" | "delete-replaced" | "import";

/** Outcome of a step. */
export type StepStatus = "succeeded" | "failed" | "skipped";

/** One resource's step in an operation. */
export interface StepRecord {
  /** URN of the resource. */
  readonly urn: string;
  /** Logical name (last URN segment). */
  readonly name: string;
  /**
   * The step. In `refresh`, `same`/`update`/`delete` say whether the resource was unchanged,
   * changed, or found gone (and dropped from state).
   */
  readonly op: StepOp;
  /** `skipped` when the operation bailed before this step started. */
  readonly status: StepStatus;
  /** Properties that forced a replacement (for `replace`). */
  readonly replaces?: readonly string[];
  /** Whether the old resource is deleted before its replacement is created (for `replace`). */
  readonly deleteBeforeReplace?: boolean;
  /** Check failures reported for the resource. */
  readonly checkFailures?: readonly CheckFailure[];
  /** The Diff the decision was based on, when one was made. */
  readonly diff?: DiffResult;
  /** Why the step failed: a {@link HostError} from the provider or an {@link EngineError}. */
  readonly error?: Error;
}

/** The result of `preview`, `up`, `refresh` or `destroy`. */
export interface OperationResult {
  /** Which operation ran. */
  readonly operation: "preview" | "up" | "refresh" | "destroy";
  /** True when no step failed and no error was reported. */
  readonly ok: boolean;
  /** Steps, program resources first (in registration order), then deletions. */
  readonly steps: readonly StepRecord[];
  /** Error diagnostics, worded like the CLI's where the CLI has a wording. */
  readonly errors: readonly string[];
  /** Warning diagnostics (e.g. an unhealthy resource found by refresh). */
  readonly warnings: readonly string[];
  /** Provider calls made during this operation, per method. */
  readonly calls: CallCounts;
  /** What the provider host printed during this operation. */
  readonly hostOutput: string;
}

/** A resource as the engine keeps it in state. Values are plain; secret-ness is by name. */
export interface ResourceState {
  /** URN of the resource. */
  readonly urn: string;
  /** Type token. */
  readonly type: string;
  /** Provider-assigned id. */
  readonly id: string;
  /** Checked inputs last applied (includes `__provider`). */
  readonly inputs: PropertyMap;
  /** Outputs the provider returned (includes `__provider`). */
  readonly outputs: PropertyMap;
  /** Top-level input names that are secret. */
  readonly secretInputs: readonly string[];
  /** Top-level output names that are secret. */
  readonly secretOutputs: readonly string[];
  /** Present when the last create/update reported the resource unhealthy. */
  readonly initErrors?: readonly string[];
  /** The import id the resource was adopted with, while the program still sets `import`. */
  readonly importId?: string;
  /** Parent URN. */
  readonly parent?: string;
  /** URNs this resource depends on. */
  readonly dependencies: readonly string[];
  /** The `protect` option. */
  readonly protect: boolean;
  /** The `retainOnDelete` option. */
  readonly retainOnDelete: boolean;
  /** The `additionalSecretOutputs` option. */
  readonly additionalSecretOutputs: readonly string[];
  /** The `ignoreChanges` option. */
  readonly ignoreChanges: readonly string[];
  /** The `replaceOnChanges` option. */
  readonly replaceOnChanges: readonly string[];
  /** The `customTimeouts` option. */
  readonly customTimeouts: CustomTimeouts;
  /** The `replacementTrigger` option's value, when set. */
  readonly replacementTrigger?: unknown;
  /** True for an old resource replaced in a previous run whose deletion has not succeeded yet. */
  readonly pendingDelete?: boolean;
}

/** A decision of the emulated engine that fails a step; `code` is stable to match on. */
export class EngineError extends Error {
  /** Stable code. */
  readonly code: EngineErrorCode;
  /** URN concerned. */
  readonly urn: string;

  constructor(code: EngineErrorCode, urn: string, message: string) {
    super(message);
    this.name = "EngineError";
    this.code = code;
    this.urn = urn;
  }
}

/** Codes of {@link EngineError}. */
export type EngineErrorCode =
  | "PP_CHECK_FAILED"
  | "PP_PROTECTED"
  | "PP_EMPTY_ID"
  | "PP_IMPORT_NOT_FOUND"
  | "PP_IMPORT_UNSUPPORTED"
  | "PP_IMPORT_MISMATCH"
  | "PP_IMPORTED_REPLACE";

/** Options of an {@link Engine}. */
export interface EngineOptions {
  /** Stack config (namespaced keys) sent in Configure before the first provider call. */
  readonly config?: Readonly<Record<string, string>>;
  /** Config keys whose values are secret. */
  readonly secretConfigKeys?: readonly string[];
  /** Resource operations in flight at once. Default {@link defaultParallelism}. */
  readonly parallelism?: number;
  /** Stack name (Configure's provider URN). Default `"dev"`. */
  readonly stack?: string;
  /** Project name (Configure's provider URN). Default `"project"`. */
  readonly project?: string;
  /**
   * Whether the Read of an `import` sends the program's inputs as `inputs`, so the 3.270 host
   * can find `__provider`. Default true. The engine as of pulumi/pulumi `step.go` ImportStep
   * sends only the id and URN (set false to reproduce that; the host then cannot load the
   * provider and the import fails).
   */
  readonly importReadSendsInputs?: boolean;
  /** Decide refresh results by comparing outputs only, without Diff (PULUMI_ENABLE_LEGACY_REFRESH_DIFF). */
  readonly legacyRefreshDiff?: boolean;
  /** Keep starting steps after one fails (`--continue-on-error`). Default false. */
  readonly continueOnError?: boolean;
}

/** Per-operation options. */
export interface OperationOptions {
  /**
   * Input overrides per resource name or URN, merged over the program's inputs (e.g.
   * `{ token: { name: UNKNOWN } }` to make an input unknown in a preview).
   */
  readonly overrides?: Readonly<Record<string, PropertyMap>>;
  /** Overrides the engine's parallelism for this operation. */
  readonly parallelism?: number;
}

/** Starts a fresh provider host; the engine then uses one host per operation, like the CLI. */
export type HostFactory = () => Promise<ProviderHost>;

const DYNAMIC_TYPE_PREFIX = "pulumi-nodejs:dynamic";
const DELETE_RANK_OFFSET = 1_000_000;

/**
 * The CLI's default `--parallel`: `PULUMI_PARALLEL` when set, else 4 × the number of CPUs
 * (pulumi/pulumi `pkg/cmd/pulumi/operations/up.go`, `defaultParallel()`: GOMAXPROCS × 4,
 * see pulumi/pulumi#14989).
 */
export function defaultParallelism(): number {
  const fromEnv = Number(process.env["PULUMI_PARALLEL"]);
  if (Number.isInteger(fromEnv) && fromEnv > 0) {
    return fromEnv;
  }
  return os.availableParallelism() * 4;
}

/**
 * The engine emulation. Holds state across operations; give it the host to drive, or a
 * factory to start a fresh host per operation as the CLI does.
 *
 * @example
 * const engine = new Engine(host, { config: { "echo:greeting": "hi" } });
 * const up = await engine.up(await runProgram({ scratchDir, program }));
 * expect(up.ok).toBe(true);
 * expect(up.calls.create).toBe(1);
 */
export class Engine {
  private readonly hostSource: ProviderHost | HostFactory;
  private readonly opts: EngineOptions;
  private readonly resources = new Map<string, ResourceState>();
  private pending: ResourceState[] = [];
  private readonly configured = new WeakMap<ProviderHost, Promise<void>>();
  private config: Readonly<Record<string, string>>;
  private secretConfigKeys: readonly string[];

  constructor(host: ProviderHost | HostFactory, opts: EngineOptions = {}) {
    this.hostSource = host;
    this.opts = opts;
    this.config = opts.config ?? {};
    this.secretConfigKeys = opts.secretConfigKeys ?? [];
  }

  /**
   * Changes the stack config for later operations. A host that was already configured keeps
   * its provider's first configuration (the host configures each provider once per process);
   * use a {@link HostFactory} to see new config, as with the CLI.
   */
  setConfig(config: Readonly<Record<string, string>>, secretKeys: readonly string[] = []): void {
    this.config = config;
    this.secretConfigKeys = secretKeys;
  }

  /**
   * Plans the deployment without changing anything: Check (and Read for imports, Diff for
   * existing resources) only; no Create, Update or Delete; state untouched.
   *
   * @example
   * const plan = await engine.preview(regs);
   * expect(plan.steps.map((s) => s.op)).toEqual(["create"]);
   */
  preview(regs: readonly Registration[], opts: OperationOptions = {}): Promise<OperationResult> {
    return this.operation("preview", async (run) => {
      await this.deploy(run, regs, opts, true);
    });
  }

  /**
   * Brings the stack to the program's goal: creates, updates, replaces, imports, then deletes
   * replaced resources and resources the program no longer declares.
   *
   * @example
   * const result = await engine.up(regs);
   * expect(result.steps.find((s) => s.name === "a")?.op).toBe("create");
   */
  up(regs: readonly Registration[], opts: OperationOptions = {}): Promise<OperationResult> {
    return this.operation("up", async (run) => {
      await this.deploy(run, regs, opts, false);
    });
  }

  /**
   * Reads every resource in state and records what the provider reports; a resource read back
   * with an empty id is dropped from state.
   *
   * @example
   * const r = await engine.refresh();
   * expect(engine.resource("a")).toBeUndefined(); // deleted out of band
   */
  refresh(opts: Pick<OperationOptions, "parallelism"> = {}): Promise<OperationResult> {
    return this.operation("refresh", async (run) => {
      const states = [...this.resources.values()];
      for (const st of states) {
        run.order(st.urn);
      }
      await schedule(
        states.map((s) => ({
          key: s.urn,
          deps: s.dependencies.concat(s.parent ?? []),
          run: () => this.refreshOne(run, s),
          skip: () => {
            run.skip(s.urn, "same");
          },
        })),
        this.parallelism(opts),
        () => run.mayStart(),
      );
    });
  }

  /**
   * Deletes every resource in state, dependents first. Resources whose Delete fails stay in
   * state.
   *
   * @example
   * const d = await engine.destroy();
   * expect(engine.state()).toEqual([]);
   */
  destroy(opts: Pick<OperationOptions, "parallelism"> = {}): Promise<OperationResult> {
    return this.operation("destroy", async (run) => {
      const victims = [
        ...this.pending.map((s) => ({ state: s, op: "delete-replaced" as const })),
        ...[...this.resources.values()].map((s) => ({ state: s, op: "delete" as const })),
      ];
      await this.deleteAll(run, victims, this.parallelism(opts));
    });
  }

  /** A copy of the state: live resources in creation order, then pending deletions. */
  state(): ResourceState[] {
    return structuredClone([...this.resources.values(), ...this.pending]);
  }

  /** A copy of one live resource's state, by logical name or URN. */
  resource(nameOrUrn: string): ResourceState | undefined {
    for (const s of this.resources.values()) {
      if (s.urn === nameOrUrn || parseUrn(s.urn).name === nameOrUrn) {
        return structuredClone(s);
      }
    }
    return undefined;
  }

  /**
   * Replaces the state, e.g. to start from a checkpoint written by an older provider version.
   * Entries with `pendingDelete: true` are old replaced resources awaiting deletion.
   */
  setState(resources: readonly ResourceState[]): void {
    this.resources.clear();
    this.pending = [];
    for (const r of structuredClone(resources)) {
      if (r.pendingDelete === true) {
        this.pending.push(r);
      } else {
        this.resources.set(r.urn, r);
      }
    }
  }

  /**
   * The state as `pulumi stack export` would print it, except that each secret value is an
   * envelope `{ "4dabf18193072939515e22adb298388d": "1b47061264138c4ac30d75fd1eb44270",
   * "ciphertext": "<redacted>" }`. Tests can search it for values that must never be in
   * plain text.
   */
  stateJSON(): string {
    const resources = [...this.resources.values(), ...this.pending].map((s) => {
      const entry: Record<string, unknown> = {
        urn: s.urn,
        custom: true,
        id: s.id,
        type: s.type,
        inputs: redact(s.inputs, s.secretInputs),
        outputs: redact(s.outputs, s.secretOutputs),
      };
      if (s.parent !== undefined) {
        entry["parent"] = s.parent;
      }
      if (s.protect) {
        entry["protect"] = true;
      }
      if (s.dependencies.length > 0) {
        entry["dependencies"] = s.dependencies;
      }
      if (s.initErrors !== undefined) {
        entry["initErrors"] = s.initErrors;
      }
      if (s.additionalSecretOutputs.length > 0) {
        entry["additionalSecretOutputs"] = s.additionalSecretOutputs;
      }
      if (s.importId !== undefined) {
        entry["importID"] = s.importId;
      }
      if (s.pendingDelete === true) {
        entry["delete"] = true;
      }
      return entry;
    });
    return JSON.stringify(
      {
        version: 3,
        deployment: {
          manifest: { time: new Date(0).toISOString(), magic: "", version: "emulated" },
          secrets_providers: { type: "passphrase" },
          resources,
        },
      },
      null,
      2,
    );
  }

  private parallelism(opts: Pick<OperationOptions, "parallelism">): number {
    const p = opts.parallelism ?? this.opts.parallelism ?? defaultParallelism();
    if (!Number.isInteger(p) || p < 1) {
      throw new Error(`parallelism must be a positive integer, got ${String(p)}`);
    }
    return p;
  }

  private async operation(
    kind: OperationResult["operation"],
    body: (run: Run) => Promise<void>,
  ): Promise<OperationResult> {
    const fresh = typeof this.hostSource === "function";
    const host = typeof this.hostSource === "function" ? await this.hostSource() : this.hostSource;
    const before = host.callCounts();
    const outputStart = host.output().length;
    const run = new Run(host, this.opts.continueOnError ?? false, () =>
      this.ensureConfigured(host),
    );
    try {
      await body(run);
    } finally {
      if (fresh) {
        await host.close();
      }
    }
    const steps = run.orderedSteps();
    return {
      operation: kind,
      ok: run.errors.length === 0 && steps.every((s) => s.status !== "failed"),
      steps,
      errors: [...run.errors],
      warnings: [...run.warnings],
      calls: diffCounts(before, host.callCounts()),
      hostOutput: host.output().slice(outputStart),
    };
  }

  /** Configures a host once; concurrent steps all wait for the same Configure, as in the engine. */
  private ensureConfigured(host: ProviderHost): Promise<void> {
    let configured = this.configured.get(host);
    if (configured === undefined) {
      configured = host.configure(this.config, {
        secretKeys: this.secretConfigKeys,
        stack: this.opts.stack ?? "dev",
        project: this.opts.project ?? "project",
      });
      this.configured.set(host, configured);
    }
    return configured;
  }

  private async deploy(
    run: Run,
    regs: readonly Registration[],
    opts: OperationOptions,
    preview: boolean,
  ): Promise<void> {
    const seen = new Set<string>();
    for (const reg of regs) {
      if (seen.has(reg.urn)) {
        throw new Error(`duplicate resource URN in the program: ${reg.urn}`);
      }
      seen.add(reg.urn);
      if (reg.custom && !reg.type.startsWith(DYNAMIC_TYPE_PREFIX)) {
        throw new Error(
          `the engine emulation only drives dynamic-provider resources; ${reg.urn} has type ${reg.type}`,
        );
      }
      run.order(reg.urn);
    }
    const goals = regs.map((reg) => ({ reg, news: applyOverrides(reg, opts.overrides) }));
    if (!preview) {
      for (const { reg, news } of goals) {
        if (containsUnknown(news)) {
          throw new Error(
            `inputs of ${reg.urn} contain the unknown value; unknowns only exist in previews`,
          );
        }
      }
    }
    const parallelism = this.parallelism(opts);
    await schedule(
      goals.map(({ reg, news }) => ({
        key: reg.urn,
        deps: reg.dependencies.concat(reg.parent ?? []),
        run: () => this.step(run, reg, news, preview),
        skip: () => {
          run.skip(reg.urn, this.resources.has(reg.urn) ? "same" : "create");
        },
      })),
      parallelism,
      () => preview || run.mayStart(),
    );

    const victims = [
      ...this.pending.map((s) => ({ state: s, op: "delete-replaced" as const })),
      ...[...this.resources.values()]
        .filter((s) => !seen.has(s.urn))
        .map((s) => ({ state: s, op: "delete" as const })),
    ];
    if (preview) {
      for (const v of victims) {
        run.record({
          urn: v.state.urn,
          name: parseUrn(v.state.urn).name,
          op: v.op,
          status: "succeeded",
        });
      }
      return;
    }
    await this.deleteAll(run, victims, parallelism);
  }

  /** One program resource: decide, and unless previewing, apply. */
  private async step(
    run: Run,
    reg: Registration,
    news: PropertyMap,
    preview: boolean,
  ): Promise<void> {
    const name = reg.name;
    const urn = reg.urn;
    if (!reg.custom) {
      this.componentStep(run, reg, news, preview);
      return;
    }
    const old = this.resources.get(urn);
    const oldImportId = old === undefined ? undefined : (old.importId ?? old.id);
    if (reg.importId !== undefined && (old === undefined || oldImportId !== reg.importId)) {
      await this.importStep(run, reg, news, old, preview);
      return;
    }

    await run.configure();
    const host = run.host;
    const checkNews =
      old === undefined ? news : processIgnoreChanges(news, old.inputs, reg.ignoreChanges);
    const checked = await run.call(urn, () => host.check(urn, old?.inputs ?? {}, checkNews));
    if (checked === undefined) {
      run.fail(urn, name, old === undefined ? "create" : "update");
      return;
    }
    if (checked.failures.length > 0) {
      run.checkFailed(
        reg,
        old === undefined ? "create" : "update",
        checked.failures,
        checked.inputs,
      );
      return;
    }
    const secretInputs = annotate(checked.inputs, reg.secretInputs);

    if (old === undefined) {
      if (preview) {
        run.record({ urn, name, op: "create", status: "succeeded" });
        return;
      }
      const created = await this.create(run, reg, checked.inputs, secretInputs);
      run.record({
        urn,
        name,
        op: "create",
        status: created.ok ? "succeeded" : "failed",
        ...errorOf(created),
      });
      return;
    }

    const diffed = await run.call(urn, () =>
      host.diff(old.id, urn, old.outputs, checked.inputs, old.inputs, {
        ignoreChanges: reg.ignoreChanges,
      }),
    );
    if (diffed === undefined) {
      run.fail(urn, name, "same");
      return;
    }
    const decision = decide(diffed, old, reg, checked.inputs);
    if (decision.op === "same") {
      if (!preview) {
        this.resources.set(urn, {
          ...stateFrom(reg, old.id, checked.inputs, old.outputs, secretInputs),
          secretOutputs: old.secretOutputs,
          ...importOf(old),
        });
      }
      run.record({ urn, name, op: "same", status: "succeeded", diff: diffed });
      return;
    }
    if (decision.op === "update") {
      if (preview) {
        run.record({ urn, name, op: "update", status: "succeeded", diff: diffed });
        return;
      }
      const updated = await this.update(run, reg, old, checked.inputs, secretInputs);
      run.record({
        urn,
        name,
        op: "update",
        status: updated.ok ? "succeeded" : "failed",
        diff: diffed,
        ...errorOf(updated),
      });
      return;
    }
    await this.replace(run, reg, old, news, diffed, decision, preview);
  }

  private componentStep(run: Run, reg: Registration, news: PropertyMap, preview: boolean): void {
    const old = this.resources.get(reg.urn);
    const op: StepOp =
      old === undefined ? "create" : deepEqual(old.inputs, news) ? "same" : "update";
    if (!preview) {
      this.resources.set(reg.urn, stateFrom(reg, "", news, old?.outputs ?? {}, reg.secretInputs));
    }
    run.record({ urn: reg.urn, name: reg.name, op, status: "succeeded" });
  }

  private async replace(
    run: Run,
    reg: Registration,
    old: ResourceState,
    news: PropertyMap,
    diffed: DiffResult,
    decision: Decision,
    preview: boolean,
  ): Promise<void> {
    const { urn, name } = reg;
    const dbr = reg.deleteBeforeReplace ?? diffed.deleteBeforeReplace;
    const base = {
      urn,
      name,
      op: "replace" as const,
      replaces: decision.replaces,
      deleteBeforeReplace: dbr,
      diff: diffed,
    };
    if (old.protect && reg.protect === true) {
      const message =
        `unable to replace resource "${urn}"\nas it is currently marked for protection. To unprotect the resource, ` +
        "remove the `protect` flag from the resource in your Pulumi program and run `pulumi up`";
      run.record({
        ...base,
        status: "failed",
        error: run.error(new EngineError("PP_PROTECTED", urn, message)),
      });
      return;
    }
    if (reg.importId !== undefined) {
      const message =
        "previously-imported resources that still specify an ID may not be replaced; " +
        "please remove the `import` declaration from your program";
      if (preview) {
        run.warnings.push(`${urn}: ${message}`);
      } else {
        run.record({
          ...base,
          status: "failed",
          error: run.error(new EngineError("PP_IMPORTED_REPLACE", urn, message)),
        });
        return;
      }
    }
    // The engine re-checks from scratch: defaults must not be carried over from the old resource.
    const rechecked = await run.call(urn, () => run.host.check(urn, {}, news));
    if (rechecked === undefined) {
      run.fail(urn, name, "replace");
      return;
    }
    if (rechecked.failures.length > 0) {
      run.checkFailed(reg, "replace", rechecked.failures, rechecked.inputs);
      return;
    }
    if (preview) {
      run.record({ ...base, status: "succeeded" });
      return;
    }
    const secretInputs = annotate(rechecked.inputs, reg.secretInputs);
    if (dbr) {
      const deleted = await this.deleteResource(run, old, true);
      if (!deleted.ok) {
        run.record({ ...base, status: "failed", ...errorOf(deleted) });
        return;
      }
      this.resources.delete(urn);
      const created = await this.create(run, reg, rechecked.inputs, secretInputs);
      run.record({ ...base, status: created.ok ? "succeeded" : "failed", ...errorOf(created) });
      return;
    }
    const created = await this.create(run, reg, rechecked.inputs, secretInputs);
    if (created.ok || created.kept) {
      this.pending.push({ ...old, pendingDelete: true });
    }
    run.record({ ...base, status: created.ok ? "succeeded" : "failed", ...errorOf(created) });
  }

  private async importStep(
    run: Run,
    reg: Registration,
    news: PropertyMap,
    old: ResourceState | undefined,
    preview: boolean,
  ): Promise<void> {
    const { urn, name } = reg;
    const importId = reg.importId ?? "";
    await run.configure();
    const host = run.host;
    const sendInputs = this.opts.importReadSendsInputs ?? true;
    const read = await run.call(urn, () =>
      host.read(importId, urn, {}, sendInputs ? news : undefined),
    );
    if (read === undefined) {
      run.fail(urn, name, "import");
      return;
    }
    if (read.id === "") {
      const e = new EngineError(
        "PP_IMPORT_NOT_FOUND",
        urn,
        `resource '${importId}' does not exist`,
      );
      run.record({ urn, name, op: "import", status: "failed", error: run.error(e) });
      return;
    }
    if (read.inputs === undefined) {
      const e = new EngineError(
        "PP_IMPORT_UNSUPPORTED",
        urn,
        "provider does not support importing resources; please try updating the 'pulumi-nodejs' plugin",
      );
      run.record({ urn, name, op: "import", status: "failed", error: run.error(e) });
      return;
    }
    const readInputs = read.inputs;
    const checkNews = processIgnoreChanges(news, readInputs, reg.ignoreChanges);
    const checked = await run.call(urn, () => host.check(urn, readInputs, checkNews));
    if (checked === undefined) {
      run.fail(urn, name, "import");
      return;
    }
    if (checked.failures.length > 0) {
      run.checkFailed(
        reg,
        "import",
        checked.failures,
        checked.inputs,
        "one or more inputs failed to validate",
      );
      return;
    }
    const diffed = await run.call(urn, () =>
      host.diff(read.id, urn, read.properties, checked.inputs, readInputs, {
        ignoreChanges: reg.ignoreChanges,
      }),
    );
    if (diffed === undefined) {
      run.fail(urn, name, "import");
      return;
    }
    const { changes, changedKeys } = effectiveChanges(
      diffed,
      readInputs,
      checked.inputs,
      reg.ignoreChanges,
    );
    if (changes) {
      const message = `inputs to import do not match the existing resource: [${changedKeys.join(" ")}]`;
      if (preview) {
        run.warnings.push(`${urn}: ${message}; importing this resource will fail`);
      } else {
        run.record({
          urn,
          name,
          op: "import",
          status: "failed",
          diff: diffed,
          error: run.error(new EngineError("PP_IMPORT_MISMATCH", urn, message)),
        });
        return;
      }
    }
    if (!preview) {
      const secretInputs = annotate(checked.inputs, reg.secretInputs);
      const secretOutputs = secretOutputNames(
        read.properties,
        reg.additionalSecretOutputs,
        checked.inputs,
        secretInputs,
      );
      this.resources.set(urn, {
        ...stateFrom(reg, read.id, checked.inputs, read.properties, secretInputs),
        secretOutputs,
        importId,
      });
      if (old !== undefined) {
        this.pending.push({ ...old, pendingDelete: true });
      }
    }
    run.record({ urn, name, op: "import", status: "succeeded", diff: diffed });
  }

  private async create(
    run: Run,
    reg: Registration,
    inputs: PropertyMap,
    secretInputs: readonly string[],
  ): Promise<Applied> {
    const { urn } = reg;
    try {
      const r = await run.host.create(urn, inputs, {
        timeoutSeconds: seconds(reg.customTimeouts.create),
      });
      if (r.id === "") {
        const message = `plugin for package 'pulumi-nodejs' returned empty resource.ID from create '${urn}'`;
        return {
          ok: false,
          kept: false,
          error: run.error(new EngineError("PP_EMPTY_ID", urn, message)),
        };
      }
      this.resources.set(urn, stateWithSecrets(reg, r.id, inputs, r.properties, secretInputs));
      return { ok: true, kept: true };
    } catch (e) {
      const error = run.error(e);
      if (e instanceof HostError && e.initFailure !== undefined) {
        const f = e.initFailure;
        this.resources.set(urn, {
          ...stateWithSecrets(reg, f.id, inputs, f.properties, secretInputs),
          initErrors: f.reasons,
        });
        return { ok: false, kept: true, error };
      }
      return { ok: false, kept: false, error };
    }
  }

  private async update(
    run: Run,
    reg: Registration,
    old: ResourceState,
    inputs: PropertyMap,
    secretInputs: readonly string[],
  ): Promise<Applied> {
    const { urn } = reg;
    try {
      const r = await run.host.update(old.id, urn, old.outputs, inputs, old.inputs, {
        ignoreChanges: reg.ignoreChanges,
        timeoutSeconds: seconds(reg.customTimeouts.update),
      });
      this.resources.set(urn, {
        ...stateWithSecrets(reg, old.id, inputs, r.properties, secretInputs),
        ...importOf(old),
      });
      return { ok: true, kept: true };
    } catch (e) {
      const error = run.error(e);
      if (e instanceof HostError && e.initFailure !== undefined) {
        const f = e.initFailure;
        this.resources.set(urn, {
          ...stateWithSecrets(reg, old.id, inputs, f.properties, secretInputs),
          initErrors: f.reasons,
          ...importOf(old),
        });
      }
      return { ok: false, kept: true, error };
    }
  }

  private async refreshOne(run: Run, old: ResourceState): Promise<void> {
    const { urn } = old;
    const name = parseUrn(urn).name;
    await run.configure();
    const host = run.host;
    let id: string;
    let outputs: PropertyMap;
    let inputs: PropertyMap;
    let initErrors: readonly string[] | undefined;
    try {
      const r = await host.read(old.id, urn, old.outputs, old.inputs);
      if (r.id === "") {
        this.resources.delete(urn);
        run.record({ urn, name, op: "delete", status: "succeeded" });
        return;
      }
      id = r.id;
      outputs = r.properties;
      inputs = r.inputs ?? old.inputs;
    } catch (e) {
      if (!(e instanceof HostError) || e.initFailure === undefined) {
        run.record({ urn, name, op: "same", status: "failed", error: run.error(e) });
        return;
      }
      const f = e.initFailure;
      id = f.id !== "" ? f.id : old.id;
      outputs = f.properties;
      inputs = f.inputs ?? old.inputs;
      initErrors = f.reasons;
      run.warnings.push(
        `${urn}: Refreshed resource is in an unhealthy state:\n* ${f.reasons.join("\n* ")}`,
      );
    }
    const secretInputs = old.secretInputs.filter((k) => k in inputs);
    const secretOutputs = [
      ...new Set([
        ...old.secretOutputs.filter((k) => k in outputs),
        ...old.additionalSecretOutputs.filter((k) => k in outputs),
      ]),
    ];
    const refreshed: ResourceState = { ...old, id, inputs, outputs, secretInputs, secretOutputs };
    this.resources.set(
      urn,
      initErrors === undefined ? withoutInitErrors(refreshed) : { ...refreshed, initErrors },
    );

    let changed: boolean;
    let diff: DiffResult | undefined;
    if (this.opts.legacyRefreshDiff === true) {
      changed = !deepEqual(outputs, old.outputs);
    } else {
      // The engine diffs the refreshed state against the old inputs, as the next `up` would.
      diff = await run.call(urn, () =>
        host.diff(id, urn, outputs, old.inputs, inputs, { ignoreChanges: old.ignoreChanges }),
      );
      if (diff === undefined) {
        run.fail(urn, name, "same");
        return;
      }
      changed = effectiveChanges(diff, inputs, old.inputs, old.ignoreChanges).changes;
    }
    run.record({
      urn,
      name,
      op: changed ? "update" : "same",
      status: "succeeded",
      ...(diff === undefined ? {} : { diff }),
    });
  }

  private async deleteAll(
    run: Run,
    victims: readonly { state: ResourceState; op: "delete" | "delete-replaced" }[],
    parallelism: number,
  ): Promise<void> {
    for (const v of victims) {
      run.order(v.state.urn, "delete");
    }
    // Delete dependents before what they depend on: walk the state backwards, and let each
    // resource wait for the deletion of every victim that depends on it.
    const ordered = [...victims].reverse();
    const keyOf = (i: number): string => `${String(i)}:${ordered[i]?.state.urn ?? ""}`;
    await schedule(
      ordered.map((v, i) => ({
        key: keyOf(i),
        deps: ordered
          .map((other, j) => ({ other, j }))
          .filter(
            ({ other, j }) =>
              j < i &&
              (other.state.dependencies.includes(v.state.urn) ||
                other.state.parent === v.state.urn),
          )
          .map(({ j }) => keyOf(j)),
        run: async () => {
          const name = parseUrn(v.state.urn).name;
          const deleted = await this.deleteResource(run, v.state);
          if (deleted.ok) {
            if (v.op === "delete-replaced") {
              this.pending = this.pending.filter((p) => p !== v.state);
            } else {
              this.resources.delete(v.state.urn);
            }
          }
          run.record({
            urn: v.state.urn,
            name,
            op: v.op,
            status: deleted.ok ? "succeeded" : "failed",
            ...errorOf(deleted),
          });
        },
        skip: () => {
          run.skip(v.state.urn, v.op);
        },
      })),
      parallelism,
      () => run.mayStart(),
    );
  }

  /**
   * Deletes one resource. A protected resource is refused unless it is being replaced (the
   * engine lets a program unprotect and replace in one update).
   */
  private async deleteResource(run: Run, s: ResourceState, replacing = false): Promise<Applied> {
    if (s.protect && !replacing && s.pendingDelete !== true) {
      const message =
        `resource ${s.urn} cannot be deleted\nbecause it is protected. To unprotect the resource, either remove the ` +
        "`protect` flag from the resource in your Pulumi program and run `pulumi up`, or use the command:\n" +
        `\`pulumi state unprotect ${s.urn}\``;
      return {
        ok: false,
        kept: true,
        error: run.error(new EngineError("PP_PROTECTED", s.urn, message)),
      };
    }
    if (s.retainOnDelete) {
      return { ok: true, kept: false };
    }
    await run.configure();
    try {
      await run.host.delete(s.id, s.urn, s.outputs, s.inputs, {
        timeoutSeconds: seconds(s.customTimeouts.delete),
      });
      return { ok: true, kept: false };
    } catch (e) {
      return { ok: false, kept: true, error: run.error(e) };
    }
  }
}

/** Finds the step of a resource (by logical name or URN) in a result; throws if absent. */
export function stepOf(result: OperationResult, nameOrUrn: string, op?: StepOp): StepRecord {
  const found = result.steps.find(
    (s) => (s.name === nameOrUrn || s.urn === nameOrUrn) && (op === undefined || s.op === op),
  );
  if (found === undefined) {
    throw new Error(
      `no ${op ?? ""} step for ${nameOrUrn} in ${result.operation}; steps: ${result.steps.map((s) => `${s.name}:${s.op}`).join(", ")}`,
    );
  }
  return found;
}

/** `[name, op, status]` of every step, a compact form to assert on. */
export function stepSummary(result: OperationResult): [string, StepOp, StepStatus][] {
  return result.steps.map((s) => [s.name, s.op, s.status]);
}

interface Applied {
  readonly ok: boolean;
  /** Whether the resource is (still) in state after the attempt. */
  readonly kept: boolean;
  readonly error?: Error;
}

interface Decision {
  readonly op: "same" | "update" | "replace";
  readonly replaces: readonly string[];
}

/** Bookkeeping of one operation: host, steps, diagnostics, bail state. */
class Run {
  readonly errors: string[] = [];
  readonly warnings: string[] = [];
  private readonly steps: StepRecord[] = [];
  private readonly rank = new Map<string, number>();
  private readonly lastCallError = new Map<string, Error>();
  private bailed = false;

  constructor(
    readonly host: ProviderHost,
    private readonly continueOnError: boolean,
    readonly configure: () => Promise<void>,
  ) {}

  /**
   * Declares the display position of a resource's step: steps are reported in the order their
   * URNs were declared, deletions (of any URN) after everything else, in their declared order.
   */
  order(urn: string, kind: "main" | "delete" = "main"): void {
    const key = `${kind}|${urn}`;
    if (!this.rank.has(key)) {
      this.rank.set(key, this.rank.size + (kind === "delete" ? DELETE_RANK_OFFSET : 0));
    }
  }

  mayStart(): boolean {
    return this.continueOnError || !this.bailed;
  }

  record(step: StepRecord): void {
    if (step.status === "failed") {
      this.bailed = true;
    }
    this.steps.push(step);
  }

  skip(urn: string, op: StepOp): void {
    this.steps.push({ urn, name: parseUrn(urn).name, op, status: "skipped" });
  }

  /** Notes an error's message as a diagnostic and returns it as an Error. */
  error(e: unknown): Error {
    const err = e instanceof Error ? e : new Error(String(e));
    const urn = err instanceof HostError || err instanceof EngineError ? err.urn : undefined;
    this.errors.push(urn === undefined ? err.message : `${urn}: ${err.message}`);
    this.bailed = true;
    return err;
  }

  /** Runs a provider call; a failure is recorded as an error and yields undefined. */
  async call<T>(urn: string, fn: () => Promise<T>): Promise<T | undefined> {
    try {
      return await fn();
    } catch (e) {
      this.lastCallError.set(urn, this.error(e));
      return undefined;
    }
  }

  /** Records a failed step whose error came from {@link call}. */
  fail(urn: string, name: string, op: StepOp): void {
    const error = this.lastCallError.get(urn);
    this.record({ urn, name, op, status: "failed", ...(error === undefined ? {} : { error }) });
  }

  checkFailed(
    reg: Registration,
    op: StepOp,
    failures: readonly CheckFailure[],
    checkedInputs: PropertyMap,
    summary?: string,
  ): void {
    for (const f of failures) {
      this.errors.push(
        f.property !== ""
          ? `${reg.type} resource '${reg.name}': property ${f.property} value ${goValue(checkedInputs[f.property])} has a problem: ${f.reason}`
          : `${reg.type} resource '${reg.name}' has a problem: ${f.reason}`,
      );
    }
    const message = summary ?? `resource ${reg.urn} is invalid`;
    this.record({
      urn: reg.urn,
      name: reg.name,
      op,
      status: "failed",
      checkFailures: failures,
      error: new EngineError("PP_CHECK_FAILED", reg.urn, message),
    });
  }

  orderedSteps(): StepRecord[] {
    const rankOf = (s: StepRecord): number => {
      const kind = s.op === "delete" || s.op === "delete-replaced" ? "delete" : "main";
      return (
        this.rank.get(`${kind}|${s.urn}`) ??
        this.rank.get(`main|${s.urn}`) ??
        Number.MAX_SAFE_INTEGER
      );
    };
    return this.steps
      .map((s, i) => ({ s, i }))
      .sort((a, b) => rankOf(a.s) - rankOf(b.s) || a.i - b.i)
      .map(({ s }) => s);
  }
}

interface Task {
  readonly key: string;
  readonly deps: readonly string[];
  readonly run: () => Promise<void>;
  readonly skip: () => void;
}

/**
 * Runs tasks concurrently, at most `parallelism` at once, each after the tasks it depends on
 * (only dependencies listed earlier are honoured, so a bad graph cannot deadlock). A task that
 * may not start (`mayStart` false, i.e. the operation bailed) is skipped.
 */
async function schedule(
  tasks: readonly Task[],
  parallelism: number,
  mayStart: () => boolean,
): Promise<void> {
  const done = new Map<string, Promise<void>>();
  let active = 0;
  const waiting: (() => void)[] = [];
  const acquire = async (): Promise<void> => {
    if (active < parallelism) {
      active += 1;
      return;
    }
    await new Promise<void>((resolve) => waiting.push(resolve));
  };
  const release = (): void => {
    const next = waiting.shift();
    if (next !== undefined) {
      next();
    } else {
      active -= 1;
    }
  };
  for (const task of tasks) {
    const deps = task.deps
      .map((d) => done.get(d))
      .filter((p): p is Promise<void> => p !== undefined);
    done.set(
      task.key,
      (async () => {
        await Promise.all(deps);
        if (!mayStart()) {
          task.skip();
          return;
        }
        await acquire();
        try {
          if (!mayStart()) {
            task.skip();
            return;
          }
          await task.run();
        } finally {
          release();
        }
      })(),
    );
  }
  await Promise.all(done.values());
}

function decide(
  diffed: DiffResult,
  old: ResourceState,
  reg: Registration,
  checked: PropertyMap,
): Decision {
  const { changes, changedKeys } = effectiveChanges(diffed, old.inputs, checked, reg.ignoreChanges);
  const replaces = new Set(diffed.replaces);
  // replaceOnChanges applies to the keys the engine knows changed: those of its own input
  // comparison (DIFF_UNKNOWN), since the dynamic host never lists changed keys.
  for (const k of changedKeys) {
    if (reg.replaceOnChanges.some((p) => p === "*" || p === k)) {
      replaces.add(k);
    }
  }
  let anyChange = changes;
  if (
    old.initErrors !== undefined &&
    reg.replaceOnChanges.some((p) => p === "*" || p === "#initerror")
  ) {
    replaces.add("#initerror");
    anyChange = true;
  }
  if (
    reg.replacementTrigger !== undefined &&
    old.replacementTrigger !== undefined &&
    (reg.replacementTrigger === UNKNOWN ||
      !deepEqual(reg.replacementTrigger, old.replacementTrigger))
  ) {
    replaces.add("replacementTrigger");
    anyChange = true;
  }
  if (anyChange && replaces.size > 0) {
    return { op: "replace", replaces: [...replaces] };
  }
  if (anyChange || old.initErrors !== undefined) {
    return { op: "update", replaces: [] };
  }
  return { op: "same", replaces: [] };
}

/** The engine's reading of a Diff: DIFF_UNKNOWN means "compare the inputs yourself". */
function effectiveChanges(
  diffed: DiffResult,
  oldInputs: PropertyMap,
  newInputs: PropertyMap,
  ignoreChanges: readonly string[],
): { changes: boolean; changedKeys: string[] } {
  if (diffed.changes !== "unknown") {
    return { changes: diffed.changes === "some", changedKeys: [...diffed.diffs] };
  }
  const news = processIgnoreChanges(newInputs, oldInputs, ignoreChanges);
  const keys = [...new Set([...Object.keys(oldInputs), ...Object.keys(news)])].filter(
    (k) => !deepEqual(oldInputs[k], news[k]),
  );
  return { changes: keys.length > 0, changedKeys: keys.sort() };
}

function stateFrom(
  reg: Registration,
  id: string,
  inputs: PropertyMap,
  outputs: PropertyMap,
  secretInputs: readonly string[],
): ResourceState {
  const s: ResourceState = {
    urn: reg.urn,
    type: reg.type,
    id,
    inputs,
    outputs,
    secretInputs,
    secretOutputs: [],
    dependencies: reg.dependencies,
    protect: reg.protect ?? false,
    retainOnDelete: reg.retainOnDelete ?? false,
    additionalSecretOutputs: reg.additionalSecretOutputs,
    ignoreChanges: reg.ignoreChanges,
    replaceOnChanges: reg.replaceOnChanges,
    customTimeouts: reg.customTimeouts,
  };
  return {
    ...s,
    ...(reg.parent === undefined ? {} : { parent: reg.parent }),
    ...(reg.replacementTrigger === undefined ? {} : { replacementTrigger: reg.replacementTrigger }),
  };
}

/** {@link stateFrom} with the outputs marked secret as the engine marks them. */
function stateWithSecrets(
  reg: Registration,
  id: string,
  inputs: PropertyMap,
  outputs: PropertyMap,
  secretInputs: readonly string[],
): ResourceState {
  return {
    ...stateFrom(reg, id, inputs, outputs, secretInputs),
    secretOutputs: secretOutputNames(outputs, reg.additionalSecretOutputs, inputs, secretInputs),
  };
}

function importOf(old: ResourceState): { importId?: string } {
  return old.importId === undefined ? {} : { importId: old.importId };
}

function withoutInitErrors(s: ResourceState): ResourceState {
  const copy: { -readonly [K in keyof ResourceState]?: ResourceState[K] } = { ...s };
  delete copy.initErrors;
  return copy as ResourceState;
}

function errorOf(a: { readonly error?: Error }): { error?: Error } {
  return a.error === undefined ? {} : { error: a.error };
}

/**
 * Names of secret outputs: those listed in additionalSecretOutputs, and those whose same-named
 * input is secret (the engine's annotateSecrets, since the host cannot return secrets).
 */
function secretOutputNames(
  outputs: PropertyMap,
  additionalSecretOutputs: readonly string[],
  inputs: PropertyMap,
  secretInputs: readonly string[],
): string[] {
  const names = new Set<string>();
  for (const k of additionalSecretOutputs) {
    if (k in outputs) {
      names.add(k);
    }
  }
  for (const k of annotate(outputs, secretInputs)) {
    if (k in inputs) {
      names.add(k);
    }
  }
  return [...names];
}

/** Secret names carried over to a property bag: those present in it. */
function annotate(props: PropertyMap, secretNames: readonly string[]): string[] {
  return secretNames.filter((k) => k in props);
}

function applyOverrides(reg: Registration, overrides: OperationOptions["overrides"]): PropertyMap {
  const byUrn = overrides?.[reg.urn];
  const byName = overrides?.[reg.name];
  return { ...structuredClone(reg.inputs), ...(byName ?? {}), ...(byUrn ?? {}) };
}

/**
 * The engine's processIgnoreChanges: for each ignored path, take the old input's value, or drop
 * the property when the old inputs lack it. Paths are property names, dotted for nesting.
 */
function processIgnoreChanges(
  news: PropertyMap,
  olds: PropertyMap,
  paths: readonly string[],
): PropertyMap {
  const result = structuredClone(news);
  for (const p of paths) {
    const parts = p.split(".");
    const last = parts.pop();
    if (last === undefined) {
      continue;
    }
    let src: unknown = olds;
    let dst: unknown = result;
    for (const part of parts) {
      src = isRecord(src) ? src[part] : undefined;
      dst = isRecord(dst) ? dst[part] : undefined;
    }
    if (!isRecord(dst)) {
      continue;
    }
    if (isRecord(src) && last in src) {
      dst[last] = structuredClone(src[last]);
    } else {
      // eslint-disable-next-line @typescript-eslint/no-dynamic-delete -- property names come from ignoreChanges
      delete dst[last];
    }
  }
  return result;
}

function redact(props: PropertyMap, secretNames: readonly string[]): PropertyMap {
  const out: PropertyMap = {};
  for (const [k, v] of Object.entries(props)) {
    out[k] = secretNames.includes(k) ? { [SIG_KEY]: SECRET_SIG, ciphertext: "<redacted>" } : v;
  }
  return out;
}

function containsUnknown(v: unknown): boolean {
  if (v === UNKNOWN) {
    return true;
  }
  if (Array.isArray(v)) {
    return v.some(containsUnknown);
  }
  if (isRecord(v)) {
    return Object.values(v).some(containsUnknown);
  }
  return false;
}

/** Deep equality of JSON values (key order ignored). */
function deepEqual(a: unknown, b: unknown): boolean {
  if (a === b) {
    return true;
  }
  if (Array.isArray(a) || Array.isArray(b)) {
    return (
      Array.isArray(a) &&
      Array.isArray(b) &&
      a.length === b.length &&
      a.every((x, i) => deepEqual(x, b[i]))
    );
  }
  if (isRecord(a) && isRecord(b)) {
    const ka = Object.keys(a).filter((k) => a[k] !== undefined);
    const kb = Object.keys(b).filter((k) => b[k] !== undefined);
    return ka.length === kb.length && ka.every((k) => deepEqual(a[k], b[k]));
  }
  return false;
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

/** How Go's `%v` prints a PropertyValue, as in the CLI's check-failure message. */
function goValue(v: unknown): string {
  if (v === undefined || v === null) {
    return "{<nil>}";
  }
  if (typeof v === "string" || typeof v === "number" || typeof v === "boolean") {
    return `{${String(v)}}`;
  }
  return `{${JSON.stringify(v)}}`;
}

/** Converts a Go duration string ("90s", "5m", "1h30m") to seconds; 0 when absent. */
function seconds(duration: string | undefined): number {
  if (duration === undefined || duration === "") {
    return 0;
  }
  const units: Record<string, number> = { h: 3600, m: 60, s: 1, ms: 0.001 };
  let total = 0;
  for (const m of duration.matchAll(/(\d+(?:\.\d+)?)(ms|h|m|s)/g)) {
    const [, n, unit] = m;
    total += Number(n) * (units[unit ?? "s"] ?? 0);
  }
  return total;
}
