import * as os from "node:os";

import {
  Engine,
  EngineError,
  defaultParallelism,
  stepOf,
  stepSummary,
  type OperationResult,
} from "../support/engine";
import { HostError, UNKNOWN, startHost, zeroCounts, type ProviderHost } from "../support/host";
import { runProgram, type Registration } from "../support/program";
import { scratchDirFromEnv } from "../support/scratch";
import {
  echoProgram,
  newWorldFile,
  readWorld,
  removeWorldFile,
  writeWorld,
  type EchoDecl,
} from "./echo";

const scratchDir = scratchDirFromEnv();
const programs = new Map<string, Promise<Registration[]>>();

/** Registrations of a program declaring `decls` (memoized: programs are deterministic). */
function regsFor(decls: readonly EchoDecl[]): Promise<Registration[]> {
  const source = echoProgram(decls);
  let regs = programs.get(source);
  if (regs === undefined) {
    regs = runProgram({ scratchDir, program: source });
    programs.set(source, regs);
  }
  return regs;
}

/**
 * Step summaries sorted by name: independent resources reach the engine in the order the SDK
 * finishes serializing them, which is not declaration order.
 */
function byName(result: OperationResult): ReturnType<typeof stepSummary> {
  return stepSummary(result).sort((x, y) => x[0].localeCompare(y[0]));
}

function calls(partial: Partial<OperationResult["calls"]>): OperationResult["calls"] {
  return { ...zeroCounts(), ...partial };
}

describe("Engine", () => {
  let world: string;
  let host: ProviderHost;
  let engine: Engine;

  beforeEach(async () => {
    world = newWorldFile();
    host = await startHost({ scratchDir, env: { ECHO_STATE_FILE: world } });
    engine = new Engine(host, { config: { "echo:greeting": "hi" } });
  });

  afterEach(async () => {
    await host.close();
    removeWorldFile(world);
  });

  describe("preview", () => {
    it("plans creates with Check only and changes nothing", async () => {
      const regs = await regsFor([
        { name: "a", args: { name: "x" } },
        { name: "b", args: { name: "y" } },
      ]);

      const plan = await engine.preview(regs);

      expect(plan.ok).toBe(true);
      expect(byName(plan)).toEqual([
        ["a", "create", "succeeded"],
        ["b", "create", "succeeded"],
      ]);
      expect(plan.calls).toEqual(calls({ configure: 1, check: 2 }));
      expect(engine.state()).toEqual([]);
      expect(readWorld(world).records).toEqual({});
    });

    it("plans update, replace and delete against existing state without applying them", async () => {
      await engine.up(
        await regsFor([
          { name: "a", args: { name: "x", size: 1 } },
          { name: "b", args: { name: "y" } },
          { name: "c", args: { name: "z" } },
        ]),
      );
      const before = engine.stateJSON();

      const plan = await engine.preview(
        await regsFor([
          { name: "a", args: { name: "x", size: 2 } },
          { name: "b", args: { name: "y2" } },
        ]),
      );

      expect(byName(plan)).toEqual([
        ["a", "update", "succeeded"],
        ["b", "replace", "succeeded"],
        ["c", "delete", "succeeded"],
      ]);
      expect(stepOf(plan, "b").replaces).toEqual(["name"]);
      // The replace re-checks the new inputs from scratch, as the engine does.
      expect(plan.calls).toEqual(calls({ check: 3, diff: 2 }));
      expect(engine.stateJSON()).toBe(before);
    });

    it("sends the unknown value to Check and Diff when an override injects it", async () => {
      const regs = await regsFor([{ name: "a", args: { name: "x", size: 1 } }]);
      await engine.up(regs);

      const plan = await engine.preview(regs, { overrides: { a: { size: UNKNOWN } } });

      expect(stepOf(plan, "a").op).toBe("update");
      expect(plan.calls).toEqual(calls({ check: 1, diff: 1 }));
    });

    it("refuses the unknown value outside a preview", async () => {
      const regs = await regsFor([{ name: "a", args: { name: "x" } }]);

      await expect(engine.up(regs, { overrides: { a: { size: UNKNOWN } } })).rejects.toThrow(
        /unknowns only exist in previews/,
      );
    });
  });

  describe("up", () => {
    it("creates a new resource: Configure, Check, Create", async () => {
      const up = await engine.up(await regsFor([{ name: "a", args: { name: " x ", size: 1 } }]));

      expect(up.ok).toBe(true);
      expect(stepSummary(up)).toEqual([["a", "create", "succeeded"]]);
      expect(up.calls).toEqual(calls({ configure: 1, check: 1, create: 1 }));
      expect(readWorld(world).configured).toEqual([{ greeting: "hi" }]);
      expect(engine.resource("a")).toMatchObject({
        id: "echo-1",
        inputs: { name: "x", size: 1 },
        outputs: { name: "x", size: 1, secret: "s3cr3t-echo-1" },
        secretOutputs: ["secret"],
      });
    });

    it("leaves an unchanged resource alone: Check and Diff only", async () => {
      const regs = await regsFor([{ name: "a", args: { name: "x", size: 1 } }]);
      await engine.up(regs);

      const again = await engine.up(regs);

      expect(stepSummary(again)).toEqual([["a", "same", "succeeded"]]);
      expect(again.calls).toEqual(calls({ check: 1, diff: 1 }));
    });

    it("updates in place when Diff reports changes without replaces", async () => {
      await engine.up(await regsFor([{ name: "a", args: { name: "x", size: 1 } }]));

      const up = await engine.up(await regsFor([{ name: "a", args: { name: "x", size: 2 } }]));

      expect(stepSummary(up)).toEqual([["a", "update", "succeeded"]]);
      expect(up.calls).toEqual(calls({ check: 1, diff: 1, update: 1 }));
      expect(engine.resource("a")?.id).toBe("echo-1");
      expect(engine.resource("a")?.outputs["size"]).toBe(2);
      expect(readWorld(world).records["echo-1"]?.size).toBe(2);
    });

    it("replaces by creating the new resource before deleting the old one", async () => {
      await engine.up(await regsFor([{ name: "a", args: { name: "x" } }]));

      const up = await engine.up(await regsFor([{ name: "a", args: { name: "y" } }]));

      expect(stepSummary(up)).toEqual([
        ["a", "replace", "succeeded"],
        ["a", "delete-replaced", "succeeded"],
      ]);
      expect(stepOf(up, "a")).toMatchObject({ replaces: ["name"], deleteBeforeReplace: false });
      expect(up.calls).toEqual(calls({ check: 2, diff: 1, create: 1, delete: 1 }));
      expect(readWorld(world).log).toEqual(["create echo-1", "create echo-2", "delete echo-1"]);
      expect(engine.state().map((s) => s.id)).toEqual(["echo-2"]);
    });

    it("deletes before creating when the provider asks for delete-before-replace", async () => {
      await engine.up(await regsFor([{ name: "a", args: { name: "x" } }]));

      const up = await engine.up(
        await regsFor([{ name: "a", args: { name: "y", deleteBeforeReplace: true } }]),
      );

      expect(stepOf(up, "a")).toMatchObject({ op: "replace", deleteBeforeReplace: true });
      expect(readWorld(world).log).toEqual(["create echo-1", "delete echo-1", "create echo-2"]);
      expect(engine.state().map((s) => s.id)).toEqual(["echo-2"]);
    });

    it("deletes resources the program no longer declares", async () => {
      await engine.up(
        await regsFor([
          { name: "a", args: { name: "x" } },
          { name: "b", args: { name: "y" } },
        ]),
      );

      const up = await engine.up(await regsFor([{ name: "a", args: { name: "x" } }]));

      expect(stepSummary(up)).toEqual([
        ["a", "same", "succeeded"],
        ["b", "delete", "succeeded"],
      ]);
      expect(up.calls).toEqual(calls({ check: 1, diff: 1, delete: 1 }));
      expect(engine.state().map((s) => s.urn)).toEqual([engine.resource("a")?.urn]);
    });

    it("aborts the resource on check failures, reporting property and reason like the CLI", async () => {
      const up = await engine.up(await regsFor([{ name: "a", args: { name: " " } }]));

      expect(up.ok).toBe(false);
      expect(stepOf(up, "a")).toMatchObject({
        op: "create",
        status: "failed",
        checkFailures: [{ property: "name", reason: "name is required" }],
      });
      expect(stepOf(up, "a").error).toBeInstanceOf(EngineError);
      expect(up.errors).toContain(
        "pulumi-nodejs:dynamic/echo:Echo resource 'a': property name value {} has a problem: name is required",
      );
      expect(up.calls).toEqual(calls({ configure: 1, check: 1 }));
      expect(engine.state()).toEqual([]);
    });

    it("keeps a resource that failed to initialize, with its id and init errors", async () => {
      const regs = await regsFor([{ name: "a", args: { name: "x", fail: "create-init" } }]);

      const up = await engine.up(regs);

      expect(up.ok).toBe(false);
      expect(stepOf(up, "a").status).toBe("failed");
      expect(stepOf(up, "a").error).toBeInstanceOf(HostError);
      expect(up.errors.join("\n")).toContain("asked to fail create after creating");
      expect(engine.resource("a")).toMatchObject({
        id: "echo-1",
        initErrors: ["created but not ready"],
        outputs: { secret: "s3cr3t-echo-1" },
        secretOutputs: ["secret"],
      });

      // The engine retries initialization with an update even though nothing changed.
      const retry = await engine.up(regs);
      expect(stepSummary(retry)).toEqual([["a", "update", "succeeded"]]);
      expect(retry.calls).toEqual(calls({ check: 1, diff: 1, update: 1 }));
      expect(engine.resource("a")?.initErrors).toBeUndefined();
    });

    it("leaves nothing in state when create fails plainly", async () => {
      const up = await engine.up(
        await regsFor([{ name: "a", args: { name: "x", fail: "create" } }]),
      );

      expect(up.ok).toBe(false);
      expect(up.errors).toEqual([`${stepOf(up, "a").urn}: asked to fail create`]);
      expect(engine.state()).toEqual([]);
    });

    it("keeps the old state when update fails plainly", async () => {
      await engine.up(await regsFor([{ name: "a", args: { name: "x", size: 1 } }]));
      const before = engine.resource("a");

      const up = await engine.up(
        await regsFor([{ name: "a", args: { name: "x", size: 2, fail: "update" } }]),
      );

      expect(stepSummary(up)).toEqual([["a", "update", "failed"]]);
      expect(engine.resource("a")).toEqual(before);
    });

    it("starts no new step after a failure", async () => {
      const up = await engine.up(
        await regsFor([
          { name: "a", args: { name: "x", fail: "create" } },
          { name: "b", args: { name: "y" }, opts: "{ dependsOn: [resources.a] }" },
        ]),
      );

      expect(stepSummary(up)).toEqual([
        ["a", "create", "failed"],
        ["b", "create", "skipped"],
      ]);
      expect(up.calls.create).toBe(1);
    });

    it("runs independent resources concurrently up to the parallelism", async () => {
      const decls = ["a", "b", "c", "d"].map((n) => ({ name: n, args: { name: n, delayMs: 300 } }));

      await engine.up(await regsFor(decls), { parallelism: 2 });

      expect(readWorld(world).maxInFlight).toBe(2);
    });

    it("waits for dependencies before operating on a dependent", async () => {
      const up = await engine.up(
        await regsFor([
          { name: "a", args: { name: "x", delayMs: 300 } },
          { name: "b", args: { name: "y" }, opts: "{ dependsOn: [resources.a] }" },
        ]),
      );

      expect(up.ok).toBe(true);
      expect(readWorld(world).log).toEqual(["create echo-1", "create echo-2"]);
      expect(readWorld(world).maxInFlight).toBe(1);
    });

    it("marks outputs secret by additionalSecretOutputs and same-named secret inputs", async () => {
      const [reg] = await regsFor([{ name: "a", args: { name: "x", size: 5 } }]);
      if (reg === undefined) {
        throw new Error("program registered nothing");
      }

      await engine.up([{ ...reg, secretInputs: ["size"] }]);
      const json = engine.stateJSON();

      expect(engine.resource("a")).toMatchObject({
        secretInputs: ["size"],
        secretOutputs: ["secret", "size"],
      });
      expect(json).not.toContain("s3cr3t-echo-1");
      expect(json).toContain('"ciphertext": "<redacted>"');
      expect(JSON.parse(json)).toMatchObject({
        version: 3,
        deployment: { resources: [{ id: "echo-1" }] },
      });
    });

    it("sends Check the old value of an ignored property, so nothing changes", async () => {
      await engine.up(await regsFor([{ name: "a", args: { name: "x", size: 1 } }]));

      const up = await engine.up(
        await regsFor([
          { name: "a", args: { name: "x", size: 2 }, opts: `{ ignoreChanges: ["size"] }` },
        ]),
      );

      expect(stepSummary(up)).toEqual([["a", "same", "succeeded"]]);
      expect(engine.resource("a")?.inputs["size"]).toBe(1);
    });

    it("applies replaceOnChanges only to keys the engine itself found changed", async () => {
      const decl = (size: number, engineDiff: boolean): EchoDecl => ({
        name: "a",
        args: { name: "x", size, engineDiff },
        opts: `{ replaceOnChanges: ["size"] }`,
      });
      await engine.up(await regsFor([decl(1, true)]));

      // With DIFF_UNKNOWN the engine compares inputs, knows "size" changed, and replaces.
      const replaced = await engine.up(await regsFor([decl(2, true)]));
      // A provider verdict of "changes" lists no keys (the dynamic host never does): update.
      const updated = await engine.up(await regsFor([decl(3, false)]));

      expect(stepOf(replaced, "a")).toMatchObject({ op: "replace", replaces: ["size"] });
      expect(stepOf(updated, "a").op).toBe("update");
    });

    it("replaces when the replacementTrigger value changes", async () => {
      const decl = (trigger: string): EchoDecl => ({
        name: "a",
        args: { name: "x" },
        opts: `{ replacementTrigger: ${JSON.stringify(trigger)} }`,
      });
      await engine.up(await regsFor([decl("v1")]));

      const same = await engine.up(await regsFor([decl("v1")]));
      const replaced = await engine.up(await regsFor([decl("v2")]));

      expect(stepOf(same, "a").op).toBe("same");
      expect(stepOf(replaced, "a")).toMatchObject({
        op: "replace",
        replaces: ["replacementTrigger"],
      });
    });

    it("allows unprotecting and replacing in one update, but not replacing while protected", async () => {
      await engine.up(
        await regsFor([{ name: "a", args: { name: "x" }, opts: "{ protect: true }" }]),
      );

      const refused = await engine.up(
        await regsFor([{ name: "a", args: { name: "y" }, opts: "{ protect: true }" }]),
      );
      const allowed = await engine.up(await regsFor([{ name: "a", args: { name: "y" } }]));

      expect(stepSummary(refused)).toEqual([["a", "replace", "failed"]]);
      expect(refused.calls.create).toBe(0);
      expect(stepSummary(allowed)).toEqual([
        ["a", "replace", "succeeded"],
        ["a", "delete-replaced", "succeeded"],
      ]);
    });

    it("refuses to delete a protected resource", async () => {
      await engine.up(
        await regsFor([{ name: "a", args: { name: "x" }, opts: "{ protect: true }" }]),
      );

      const up = await engine.up([]);

      expect(stepSummary(up)).toEqual([["a", "delete", "failed"]]);
      expect(up.errors.join("\n")).toContain("cannot be deleted\nbecause it is protected");
      expect(engine.state()).toHaveLength(1);
    });
  });

  describe("import", () => {
    beforeEach(() => {
      writeWorld(world, {
        nextId: 8,
        records: { "echo-7": { name: "x", size: 1, secret: "s3cr3t-echo-7" } },
        configured: [],
        log: [],
        maxInFlight: 0,
      });
    });

    it("adopts an existing resource with Read, Check and Diff, and no Create", async () => {
      const up = await engine.up(
        await regsFor([{ name: "a", args: { name: "x", size: 1 }, opts: `{ import: "echo-7" }` }]),
      );

      expect(stepSummary(up)).toEqual([["a", "import", "succeeded"]]);
      expect(up.calls).toEqual(calls({ configure: 1, read: 1, check: 1, diff: 1 }));
      expect(engine.resource("a")).toMatchObject({
        id: "echo-7",
        importId: "echo-7",
        outputs: { secret: "s3cr3t-echo-7" },
        secretOutputs: ["secret"],
      });
    });

    it("fails the import when the program's inputs differ from the resource", async () => {
      const up = await engine.up(
        await regsFor([{ name: "a", args: { name: "x", size: 2 }, opts: `{ import: "echo-7" }` }]),
      );

      expect(stepSummary(up)).toEqual([["a", "import", "failed"]]);
      expect(up.errors.join("\n")).toMatch(/inputs to import do not match the existing resource/);
      expect(engine.state()).toEqual([]);
    });

    it("fails the import of an id that does not exist", async () => {
      const up = await engine.up(
        await regsFor([{ name: "a", args: { name: "x" }, opts: `{ import: "echo-99" }` }]),
      );

      expect((stepOf(up, "a").error as EngineError).code).toBe("PP_IMPORT_NOT_FOUND");
    });

    it("cannot load the provider when Read carries no inputs, as with the real engine", async () => {
      const strict = new Engine(host, { importReadSendsInputs: false });

      const up = await strict.up(
        await regsFor([{ name: "a", args: { name: "x", size: 1 }, opts: `{ import: "echo-7" }` }]),
      );

      expect(stepSummary(up)).toEqual([["a", "import", "failed"]]);
      expect(stepOf(up, "a").error).toBeInstanceOf(HostError);
    });

    it("updates an imported resource in place later, and refuses to replace it", async () => {
      await engine.up(
        await regsFor([{ name: "a", args: { name: "x", size: 1 }, opts: `{ import: "echo-7" }` }]),
      );

      const update = await engine.up(
        await regsFor([{ name: "a", args: { name: "x", size: 3 }, opts: `{ import: "echo-7" }` }]),
      );
      const replace = await engine.up(
        await regsFor([
          { name: "a", args: { name: "other", size: 3 }, opts: `{ import: "echo-7" }` },
        ]),
      );

      expect(stepSummary(update)).toEqual([["a", "update", "succeeded"]]);
      expect(stepSummary(replace)).toEqual([["a", "replace", "failed"]]);
      expect((stepOf(replace, "a").error as EngineError).code).toBe("PP_IMPORTED_REPLACE");
      expect(engine.resource("a")?.id).toBe("echo-7");
    });
  });

  describe("refresh", () => {
    it("drops a resource the provider reads back with an empty id", async () => {
      await engine.up(
        await regsFor([
          { name: "a", args: { name: "x" } },
          { name: "b", args: { name: "y" } },
        ]),
      );
      const goneId = engine.resource("a")?.id ?? "";
      const w = readWorld(world);
      w.records = Object.fromEntries(Object.entries(w.records).filter(([id]) => id !== goneId));
      writeWorld(world, w);

      const refresh = await engine.refresh();

      expect(byName(refresh)).toEqual([
        ["a", "delete", "succeeded"],
        ["b", "same", "succeeded"],
      ]);
      // Read for both; Diff (against the old inputs) only for the one still there.
      expect(refresh.calls).toEqual(calls({ read: 2, diff: 1 }));
      expect(engine.resource("a")).toBeUndefined();
      expect(engine.resource("b")).toBeDefined();
    });

    it("records drift, including the inputs the provider returns", async () => {
      await engine.up(await regsFor([{ name: "a", args: { name: "x", size: 1 } }]));
      const w = readWorld(world);
      const record = w.records["echo-1"];
      if (record === undefined) {
        throw new Error("echo-1 missing from the world");
      }
      record.size = 9;
      writeWorld(world, w);

      const refresh = await engine.refresh();

      expect(stepSummary(refresh)).toEqual([["a", "update", "succeeded"]]);
      expect(engine.resource("a")).toMatchObject({ inputs: { size: 9 }, outputs: { size: 9 } });
      expect(engine.resource("a")?.secretOutputs).toEqual(["secret"]);
    });

    it("decides by outputs alone with legacyRefreshDiff, without Diff calls", async () => {
      const legacy = new Engine(host, { legacyRefreshDiff: true });
      await legacy.up(await regsFor([{ name: "a", args: { name: "x" } }]));

      const refresh = await legacy.refresh();

      expect(stepSummary(refresh)).toEqual([["a", "same", "succeeded"]]);
      expect(refresh.calls).toEqual(calls({ read: 1 }));
    });
  });

  describe("destroy", () => {
    it("deletes every resource, dependents first", async () => {
      await engine.up(
        await regsFor([
          { name: "a", args: { name: "x" } },
          { name: "b", args: { name: "y" }, opts: "{ dependsOn: [resources.a] }" },
        ]),
      );

      const destroy = await engine.destroy();

      expect(destroy.ok).toBe(true);
      expect(destroy.calls).toEqual(calls({ delete: 2 }));
      expect(readWorld(world).log.slice(-2)).toEqual(["delete echo-2", "delete echo-1"]);
      expect(engine.state()).toEqual([]);
    });

    it("keeps a resource whose Delete fails", async () => {
      await engine.up(await regsFor([{ name: "a", args: { name: "x", fail: "delete" } }]));

      const destroy = await engine.destroy();

      expect(destroy.ok).toBe(false);
      expect(stepSummary(destroy)).toEqual([["a", "delete", "failed"]]);
      expect(engine.resource("a")?.id).toBe("echo-1");
    });
  });

  it("with a host factory, starts and configures a fresh host per operation like the CLI", async () => {
    const started: ProviderHost[] = [];
    const perOp = new Engine(
      async () => {
        const h = await startHost({ scratchDir, env: { ECHO_STATE_FILE: world } });
        started.push(h);
        return h;
      },
      { config: { "echo:greeting": "per-op" } },
    );
    const regs = await regsFor([{ name: "a", args: { name: "x" } }]);

    const first = await perOp.up(regs);
    const second = await perOp.up(regs);

    expect(first.calls.configure).toBe(1);
    expect(second.calls.configure).toBe(1);
    expect(started).toHaveLength(2);
    expect(started.every((h) => h.exitStatus() !== undefined)).toBe(true);
    expect(readWorld(world).configured).toEqual([{ greeting: "per-op" }, { greeting: "per-op" }]);
  });
});

describe("defaultParallelism", () => {
  const saved = process.env["PULUMI_PARALLEL"];

  afterEach(() => {
    if (saved === undefined) {
      delete process.env["PULUMI_PARALLEL"];
    } else {
      process.env["PULUMI_PARALLEL"] = saved;
    }
  });

  it("is four per CPU, like the CLI's --parallel default", () => {
    delete process.env["PULUMI_PARALLEL"];

    expect(defaultParallelism()).toBe(os.availableParallelism() * 4);
  });

  it("follows PULUMI_PARALLEL when set", () => {
    process.env["PULUMI_PARALLEL"] = "3";

    expect(defaultParallelism()).toBe(3);
  });
});
