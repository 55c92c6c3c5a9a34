/**
 * Section 4, cold start: what a fresh provider host pays before the first API request, and what
 * the provider loads.
 *
 * - Through the host: a fresh host per run, then the engine's order for a new resource:
 *   Configure, Check (the host loads the provider here), Create. The time until the first API
 *   request is read from the emulator's request log (same clock: the emulator runs in this
 *   process). A second Create shows the warm cost.
 * - In a child Node process in the scratch project: the time and the modules that
 *   `require("pulumi-panther/dynamic-provider")` loads, then what the first network use adds
 *   (the lazily loaded HTTP client), against the floor provider's single module.
 *
 * V8's compile cache is disabled in both (NODE_DISABLE_COMPILE_CACHE=1): the harness enables it
 * for its child processes, but a provider host started by the Pulumi CLI does not have it.
 */
import * as path from "node:path";
import { performance } from "node:perf_hooks";

import { childEnv, describeExit, exec } from "../tools/harness/exec";
import { LABELS, type BenchContext, type ProviderKind } from "./context";
import type { SectionResult } from "./report";
import { fmtMs, median, rotate, timed } from "./util";

/** Fresh hosts per provider. */
const HOST_RUNS = 3;
/** Child processes per require measurement. */
const REQUIRE_RUNS = 3;
const NO_COMPILE_CACHE = { NODE_DISABLE_COMPILE_CACHE: "1" } as const;
/** Packages worth naming when a step loads them. */
const NOTABLE = ["zod", "undici", "@pulumi/pulumi", "@grpc/grpc-js", "google-protobuf"];

/** One fresh host's first calls, ms. */
interface HostColdRun {
  /** Spawn until the host printed its port (the host's own start, the same for both). */
  readonly spawnMs: number;
  /** Configure sent until Check answered: the provider loaded, no network. */
  readonly configureToCheckedMs: number;
  /** Create sent until the first API request reached the emulator. */
  readonly createToFirstRequestMs: number;
  /** Configure sent until the first API request reached the emulator. */
  readonly firstCallToFirstRequestMs: number;
  /** The first Create, end to end. */
  readonly firstCreateMs: number;
  /** A second Create in the same host, end to end. */
  readonly warmCreateMs: number;
}

/** What one `require` in a fresh child process cost. */
interface RequireStep {
  readonly label: string;
  readonly ms: number;
  readonly modules: number;
  /** Modules loaded per package (files outside node_modules count under the package itself). */
  readonly packages: Record<string, number>;
}

/** JSON of this section. */
export interface ColdStartData {
  readonly host: Record<ProviderKind, HostColdRun[]>;
  readonly hostMedians: Record<ProviderKind, HostColdRun>;
  readonly require: Record<ProviderKind, RequireStep[]>;
}

/** Runs section 4. */
export async function measureColdStart(ctx: BenchContext): Promise<SectionResult> {
  const kinds: ProviderKind[] = ["ours", "floor"];
  const host: Record<ProviderKind, HostColdRun[]> = { ours: [], floor: [] };
  for (let run = 0; run < HOST_RUNS; run++) {
    for (const kind of rotate(kinds, run)) host[kind].push(await hostColdRun(ctx, kind));
  }
  const hostMedians = {
    ours: medianRun(host.ours),
    floor: medianRun(host.floor),
  };
  const clientFile = path.join(
    ctx.scratchDir,
    "node_modules",
    "pulumi-panther",
    "dist",
    "client",
    "client.js",
  );
  const loads = {
    ours: await requireSteps(ctx.scratchDir, [
      {
        label: 'require("pulumi-panther/dynamic-provider")',
        request: "pulumi-panther/dynamic-provider",
      },
      { label: "+ first network use (dist/client/client.js)", request: clientFile },
    ]),
    floor: await requireSteps(ctx.scratchDir, [
      { label: 'require("floor-provider/provider.js")', request: "floor-provider/provider.js" },
    ]),
  };
  return report({ host, hostMedians, require: loads });
}

async function hostColdRun(ctx: BenchContext, kind: ProviderKind): Promise<HostColdRun> {
  const template = ctx.template[kind];
  const spawned = await timed(() => ctx.startHost(NO_COMPILE_CACHE));
  const h = spawned.value;
  try {
    ctx.emulator.control.clearRecentRequests();
    const wallStart = Date.now();
    const start = performance.now();
    await h.configure({});
    const { inputs } = await h.check(template.urn, {}, template.inputs);
    const checked = performance.now();
    const createWall = Date.now();
    const first = await h.create(template.urn, { ...inputs, name: `cold-${kind}-1` });
    const created = performance.now();
    const firstRequest = ctx.emulator.control.recentRequests()[0];
    if (firstRequest === undefined) throw new Error(`${LABELS[kind]}: Create made no API request`);
    const receivedAt = Date.parse(firstRequest.receivedAt);
    const warm = await timed(() => h.create(template.urn, { ...inputs, name: `cold-${kind}-2` }));
    await h.delete(first.id, template.urn, first.properties, inputs);
    await h.delete(warm.value.id, template.urn, warm.value.properties, inputs);
    return {
      spawnMs: spawned.ms,
      configureToCheckedMs: checked - start,
      createToFirstRequestMs: receivedAt - createWall,
      firstCallToFirstRequestMs: receivedAt - wallStart,
      firstCreateMs: created - checked,
      warmCreateMs: warm.ms,
    };
  } finally {
    await h.close();
  }
}

function medianRun(runs: readonly HostColdRun[]): HostColdRun {
  const m = (pick: (r: HostColdRun) => number): number => median(runs.map(pick));
  return {
    spawnMs: m((r) => r.spawnMs),
    configureToCheckedMs: m((r) => r.configureToCheckedMs),
    createToFirstRequestMs: m((r) => r.createToFirstRequestMs),
    firstCallToFirstRequestMs: m((r) => r.firstCallToFirstRequestMs),
    firstCreateMs: m((r) => r.firstCreateMs),
    warmCreateMs: m((r) => r.warmCreateMs),
  };
}

/**
 * The child: requires each step in order and prints, per step, the time it took and the files
 * it added to require.cache.
 */
const REQUIRE_PROBE = `
const { performance } = require("node:perf_hooks");
const steps = JSON.parse(process.argv[1]);
const out = [];
for (const step of steps) {
  const before = new Set(Object.keys(require.cache));
  const started = performance.now();
  require(step.request);
  const ms = performance.now() - started;
  const added = Object.keys(require.cache).filter((f) => !before.has(f));
  const packages = {};
  for (const file of added) {
    const at = file.lastIndexOf("/node_modules/");
    const rest = at < 0 ? "(outside node_modules)" : file.slice(at + 14);
    const parts = rest.split("/");
    const name = parts[0].startsWith("@") ? parts[0] + "/" + parts[1] : parts[0];
    packages[name] = (packages[name] || 0) + 1;
  }
  out.push({ label: step.label, ms, modules: added.length, packages });
}
process.stdout.write(JSON.stringify(out));
`;

async function requireSteps(
  scratchDir: string,
  steps: readonly { label: string; request: string }[],
): Promise<RequireStep[]> {
  const runs: RequireStep[][] = [];
  for (let i = 0; i < REQUIRE_RUNS; i++) {
    const r = await exec(process.execPath, ["-e", REQUIRE_PROBE, JSON.stringify(steps)], {
      cwd: scratchDir,
      env: childEnv(NO_COMPILE_CACHE),
      timeoutMs: 30_000,
    });
    if (r.exitCode !== 0) {
      throw new Error(`the require probe ${describeExit(r)}:\n${r.stderr}`);
    }
    runs.push(JSON.parse(r.stdout) as RequireStep[]);
  }
  return steps.map((step, i) => {
    const first = runs[0]?.[i];
    if (first === undefined)
      throw new Error(`the require probe reported nothing for ${step.label}`);
    return { ...first, ms: median(runs.map((run) => run[i]?.ms ?? Number.NaN)) };
  });
}

function notable(packages: Record<string, number>): string {
  const names = NOTABLE.filter((n) => (packages[n] ?? 0) > 0).map(
    (n) => `${n} (${String(packages[n] ?? 0)})`,
  );
  return names.length === 0 ? "none" : names.join(", ");
}

function report(data: ColdStartData): SectionResult {
  const { hostMedians: m } = data;
  const hostRow = (label: string, pick: (r: HostColdRun) => number): string[] => [
    label,
    fmtMs(pick(m.ours)),
    fmtMs(pick(m.floor)),
    fmtMs(pick(m.ours) - pick(m.floor)),
  ];
  const requireRows = (["ours", "floor"] as const).flatMap((kind) =>
    data.require[kind].map((s) => [
      LABELS[kind],
      s.label,
      fmtMs(s.ms),
      String(s.modules),
      notable(s.packages),
    ]),
  );
  const missing = (["zod", "undici", "@pulumi/pulumi"] as const).map((dep) => {
    const loaded = data.require.ours[0]?.packages[dep] ?? 0;
    return `${dep}: ${loaded > 0 ? "loaded" : "not loaded"}`;
  });
  return {
    key: "coldStart",
    tables: [
      {
        title: `4a. Cold start through a fresh provider host (median of ${String(HOST_RUNS)} hosts, ms)`,
        headers: ["step", LABELS.ours, LABELS.floor, "ours − floor"],
        rows: [
          hostRow("host spawn → port printed (host itself)", (r) => r.spawnMs),
          hostRow("Configure → Check answered (provider loaded)", (r) => r.configureToCheckedMs),
          hostRow("Create sent → first API request received", (r) => r.createToFirstRequestMs),
          hostRow("first call (Configure) → first API request", (r) => r.firstCallToFirstRequestMs),
          hostRow("first Create, end to end", (r) => r.firstCreateMs),
          hostRow("second Create (warm), end to end", (r) => r.warmCreateMs),
        ],
        notes: ["Engine order for a new resource: Configure, Check, Create. Compile cache off."],
      },
      {
        title: `4b. What the provider loads (fresh node in the scratch project, median of ${String(REQUIRE_RUNS)})`,
        headers: ["provider", "step", "ms", "modules", "notable packages (modules)"],
        rows: requireRows,
        notes: [
          `At host start pulumi-panther/dynamic-provider loads — ${missing.join("; ")}.`,
          "The provider host itself has already loaded @pulumi/pulumi's runtime, gRPC and protobuf before the provider.",
        ],
      },
    ],
    targets: [],
    data,
  };
}
