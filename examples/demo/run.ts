/**
 * `npm run demo`: the quick-start program (examples/quickstart/index.ts) deployed end to end,
 * with no Pulumi CLI and no Panther account:
 *
 *   - a Panther API emulator in this process, on a free loopback port;
 *   - pulumi-panther npm-packed and installed into a scratch project, as a user installs it;
 *   - the program, transpiled to CommonJS at run time, run under the SDK's mocks to get the
 *     registrations the engine would receive;
 *   - the SDK's real dynamic-provider host (one per operation, as the CLI starts one), driven by
 *     the harness's emulation of the engine: preview, up, a rotation (the same program with
 *     another rotationTrigger), refresh and destroy.
 *
 * Each step prints what the engine decided per resource, the provider calls, the Panther API
 * calls counted by the emulator, and the token as stored in state. Secrets are never printed:
 * every line goes through a filter that masks the admin key and every token value seen.
 * Bounded in time; exits non-zero on any failure.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { performance } from "node:perf_hooks";
import * as ts from "typescript";

import { startEmulator, type Emulator, type EmulatorCounters } from "../../provider/emulator";
import {
  Engine,
  REPO_ROOT,
  preparePackage,
  runProgram,
  startHost,
  type OperationResult,
  type ProviderHost,
  type Registration,
  type ResourceState,
  type StepRecord,
} from "../../test/support";

/** The whole demo, scratch install included (a first install downloads @pulumi/pulumi). */
const DEMO_TIMEOUT_MS = 300_000;
const PROGRAM_FILE = path.join(REPO_ROOT, "examples", "quickstart", "index.ts");
const TRIGGER = /rotationTrigger: "([^"]*)"/g;
const WIDTH = 78;
const MASK = "[secret]";

/** Strings that must never reach the terminal: the admin key and every token value. */
const secrets = new Set<string>();

function mask(text: string): string {
  let out = text;
  for (const s of secrets) if (s !== "") out = out.split(s).join(MASK);
  return out;
}

function say(line = ""): void {
  process.stdout.write(`${mask(line)}\n`);
}

function rule(char = "─"): void {
  say(char.repeat(WIDTH));
}

function seconds(ms: number): string {
  return `${(ms / 1000).toFixed(1)} s`;
}

/** `label` padded to a column, then the value. */
function field(label: string, value: string, indent = 5): void {
  say(`${" ".repeat(indent)}${label.padEnd(20)}${value}`);
}

/** CommonJS source of the quick-start program with `rotationTrigger` set to `trigger`. */
function quickstartProgram(trigger?: string): { program: string; trigger: string } {
  const source = fs.readFileSync(PROGRAM_FILE, "utf8");
  const found = [...source.matchAll(TRIGGER)];
  const original = found[0]?.[1];
  if (found.length !== 1 || original === undefined) {
    throw new Error(
      `${PROGRAM_FILE} should set rotationTrigger to a string literal exactly once; found ${String(found.length)}`,
    );
  }
  const edited =
    trigger === undefined
      ? source
      : source.replace(TRIGGER, `rotationTrigger: ${JSON.stringify(trigger)}`);
  const out = ts.transpileModule(edited, {
    fileName: PROGRAM_FILE,
    compilerOptions: { module: ts.ModuleKind.CommonJS, target: ts.ScriptTarget.ES2022 },
  });
  return { program: out.outputText, trigger: trigger ?? original };
}

/** The next period after a trigger like "2026-Q4" ("2027-Q1"), or the trigger plus "-rotated". */
function nextTrigger(trigger: string): string {
  const m = /^(\d{4})-Q([1-4])$/.exec(trigger);
  if (m === null) return `${trigger}-rotated`;
  const year = Number(m[1]);
  const quarter = Number(m[2]);
  return quarter === 4 ? `${String(year + 1)}-Q1` : `${String(year)}-Q${String(quarter + 1)}`;
}

const OP_SYMBOL: Record<StepRecord["op"], string> = {
  same: " ",
  create: "+",
  update: "~",
  replace: "+-",
  delete: "-",
  "delete-replaced": "-",
  import: "=",
};

const API_ROUTE: Record<string, string> = {
  create: "POST   /api-tokens",
  list: "GET    /api-tokens",
  get: "GET    /api-tokens/{id}",
  update: "POST   /api-tokens/{id}",
  rotate: "POST   /api-tokens/{id}/rotate",
  delete: "DELETE /api-tokens/{id}",
  other: "(no such route)",
};

function apiCalls(before: EmulatorCounters, after: EmulatorCounters): string[] {
  const lines: string[] = [];
  for (const [operation, route] of Object.entries(API_ROUTE)) {
    const key = operation as keyof EmulatorCounters["byOperation"];
    const n = after.byOperation[key] - before.byOperation[key];
    if (n > 0) lines.push(`${route}  ×${String(n)}`);
  }
  const failed = Object.entries(after.byStatus)
    .map(([status, n]) => [status, n - (before.byStatus[status] ?? 0)] as const)
    .filter(([status, n]) => n > 0 && !status.startsWith("2"));
  if (failed.length > 0) {
    lines.push(`answers not 2xx: ${failed.map(([s, n]) => `${s} ×${String(n)}`).join(", ")}`);
  }
  return lines.length > 0 ? lines : ["none"];
}

function providerCalls(result: OperationResult): string {
  const calls = Object.entries(result.calls)
    .filter(([, n]) => n > 0)
    .map(([method, n]) => `${method} ${String(n)}`);
  return calls.length > 0 ? calls.join(" · ") : "none";
}

function list(value: unknown): string {
  return Array.isArray(value) && value.length > 0 ? value.map(String).join(", ") : "(any)";
}

/** One live token as the stack's state holds it; the value only as [secret] and whether it works. */
function printToken(emulator: Emulator, state: ResourceState, previousValue?: string): void {
  const out = state.outputs;
  const value = typeof out["value"] === "string" ? out["value"] : "";
  if (value !== "") secrets.add(value);
  say();
  field("in state", `${String(out["name"])}, as Panther reports it`);
  field("token id", state.id);
  field("permissions", list(out["permissions"]));
  field("allowedCIDRBlocks", list(out["allowedCIDRBlocks"]));
  field(
    "rotationTrigger",
    typeof out["rotationTrigger"] === "string" ? out["rotationTrigger"] : "(none)",
  );
  field("createdAt", String(out["createdAt"]));
  if (typeof out["rotatedAt"] === "string") field("rotatedAt", out["rotatedAt"]);
  const works = value !== "" && emulator.control.authenticate(value) === state.id;
  const stored = state.secretOutputs.includes("value") ? "encrypted in state" : "PLAIN in state";
  field("value", `${MASK} (${stored}; authenticates: ${works ? "works" : "does NOT work"})`);
  if (previousValue !== undefined) {
    const old = emulator.control.authenticate(previousValue) === undefined;
    field("previous value", `${MASK} (${old ? "rejected by Panther now" : "STILL WORKS"})`);
  }
}

interface Step {
  readonly title: string;
  readonly detail?: string;
  readonly run: () => Promise<OperationResult>;
  /** Prints what to see after the operation, and throws if it is not what the demo shows. */
  readonly after?: (result: OperationResult) => void;
}

class DemoFailure extends Error {
  override readonly name = "DemoFailure";
}

function check(condition: boolean, message: string): void {
  if (!condition) throw new DemoFailure(message);
}

async function runStep(
  emulator: Emulator,
  index: number,
  total: number,
  step: Step,
): Promise<OperationResult> {
  const before = emulator.control.counters();
  const started = performance.now();
  const result = await step.run();
  const took = seconds(performance.now() - started);
  const after = emulator.control.counters();
  say();
  const heading = `${String(index)}/${String(total)}  ${step.title}`;
  say(`${heading}${took.padStart(WIDTH - heading.length)}`);
  if (step.detail !== undefined) say(`     ${step.detail}`);
  say();
  for (const s of result.steps) {
    const status = s.status === "succeeded" ? "" : `  ${s.status.toUpperCase()}`;
    field(`${OP_SYMBOL[s.op]} ${s.name}`, `${s.op}${status}`);
  }
  if (result.steps.length === 0) field("resources", "none");
  field("provider calls", providerCalls(result));
  const [first, ...rest] = apiCalls(before, after);
  field("Panther API", first ?? "none");
  for (const line of rest) field("", line);
  for (const line of result.hostOutput.split("\n").filter((l) => l.trim() !== "")) {
    field("provider said", line.trim());
  }
  for (const w of result.warnings) field("warning", w);
  for (const e of result.errors) field("error", e);
  if (!result.ok) throw new DemoFailure(`${step.title} failed`);
  step.after?.(result);
  return result;
}

async function demo(emulator: Emulator, hosts: Set<ProviderHost>): Promise<void> {
  const started = performance.now();
  const pkg = JSON.parse(fs.readFileSync(path.join(REPO_ROOT, "package.json"), "utf8")) as {
    name: string;
    version: string;
  };
  rule("═");
  say("pulumi-panther demo: the quick-start program, deployed against a local Panther");
  rule("═");
  field("Panther emulator", `${emulator.url}  (in this process; admin key ${MASK})`, 0);

  const installStarted = performance.now();
  const installLog: string[] = [];
  const scratchDir = await preparePackage({ log: (line) => installLog.push(line) });
  const reused = installLog.some((l) => l.includes("reusing"));
  field(
    "package",
    `${pkg.name} ${pkg.version}, npm-packed and installed ${reused ? "(cached install)" : ""}`.trim(),
    0,
  );
  field("", `into ${scratchDir}  (${seconds(performance.now() - installStarted)})`, 0);
  field("program", `${path.relative(REPO_ROOT, PROGRAM_FILE)}, transpiled to CommonJS`, 0);
  field("stack config", `panther:url ${emulator.url}`, 0);
  field("", `panther:token ${MASK} (secret config: the emulator's admin key)`, 0);
  field("provider host", "@pulumi/pulumi's dynamic-provider host, a fresh one per operation", 0);

  const engine = new Engine(
    async () => {
      const host = await startHost({ scratchDir });
      hosts.add(host);
      return host;
    },
    {
      config: { "panther:url": emulator.url, "panther:token": emulator.adminKey },
      secretConfigKeys: ["panther:token"],
      project: "panther",
    },
  );
  const registrations = async (trigger?: string, preview = false): Promise<Registration[]> => {
    const { program } = quickstartProgram(trigger);
    return runProgram({
      scratchDir,
      program,
      preview,
      project: "panther",
      config: { "panther:url": emulator.url, "panther:token": emulator.adminKey },
      secretConfigKeys: ["panther:token"],
    });
  };

  const { trigger: firstTrigger } = quickstartProgram();
  const secondTrigger = nextTrigger(firstTrigger);
  const tokenState = (): ResourceState => {
    const s = engine.resource("ci-deployer");
    if (s === undefined) throw new DemoFailure("ci-deployer is not in state");
    return s;
  };
  let firstId = "";
  let firstValue = "";

  const steps: Step[] = [
    {
      title: "pulumi preview",
      detail: "what `pulumi up` would do: the program's inputs are checked, nothing is created",
      run: async () => engine.preview(await registrations(undefined, true)),
      after: (r) => {
        check(
          r.steps.every((s) => s.op === "create"),
          "the preview should plan creates",
        );
        check(engine.state().length === 0, "a preview must not change state");
      },
    },
    {
      title: "pulumi up",
      detail: "creates the token; Panther returns its value once, kept as a Pulumi secret",
      run: async () => engine.up(await registrations()),
      after: () => {
        const s = tokenState();
        firstId = s.id;
        firstValue = typeof s.outputs["value"] === "string" ? s.outputs["value"] : "";
        printToken(emulator, s);
        check(emulator.control.authenticate(firstValue) === s.id, "the new value should work");
      },
    },
    {
      title: "pulumi preview  (rotation planned)",
      detail: `the program now says rotationTrigger: "${secondTrigger}" (was "${firstTrigger}")`,
      run: async () => engine.preview(await registrations(secondTrigger, true)),
      after: (r) => {
        check(
          r.steps.some((s) => s.name === "ci-deployer" && s.op === "update"),
          "the rotation should show as an update, never a replace",
        );
      },
    },
    {
      title: "pulumi up  (rotation)",
      detail: "rotates in place: same token id, a new value, the old one stops working",
      run: async () => engine.up(await registrations(secondTrigger)),
      after: () => {
        const s = tokenState();
        printToken(emulator, s, firstValue);
        check(s.id === firstId, "rotation must keep the token id");
        check(emulator.control.authenticate(firstValue) === undefined, "the old value must stop");
      },
    },
    {
      title: "pulumi refresh",
      detail: "reads the token back from Panther; nothing changed outside the stack",
      run: () => engine.refresh(),
      after: (r) => {
        check(
          r.steps.every((s) => s.op === "same"),
          "refresh should find the token as the stack left it",
        );
        const stale = tokenState().outputs["valueStale"] === true;
        field(
          "valueStale",
          stale ? "true (rotated outside the stack)" : "false (the value still works)",
        );
      },
    },
    {
      title: "pulumi destroy",
      detail: "deletes the token in Panther",
      run: () => engine.destroy(),
      after: () => {
        const left = emulator.control.listTokens().filter((t) => t.id === firstId);
        field("token in Panther", left.length === 0 ? "gone" : "STILL THERE");
        check(left.length === 0, "destroy should delete the token");
        check(engine.state().length === 0, "state should be empty after destroy");
      },
    },
  ];

  const results: OperationResult[] = [];
  const jsonStates: string[] = [];
  const previewCalls: number[] = [];
  for (const [i, step] of steps.entries()) {
    const before = emulator.control.counters().requests;
    const result = await runStep(emulator, i + 1, steps.length, step);
    results.push(result);
    if (result.operation === "preview") {
      previewCalls.push(emulator.control.counters().requests - before);
    }
    jsonStates.push(engine.stateJSON());
  }

  // What `pulumi stack export` would show after each step: no secret in plain text.
  const leaked = [...secrets].filter((s) => jsonStates.some((j) => j.includes(s)));
  const counters = emulator.control.counters();
  say();
  rule();
  field("operations", `${String(results.length)}, all succeeded`, 0);
  const inPreviews = previewCalls.reduce((a, b) => a + b, 0);
  field(
    "Panther API calls",
    `${String(counters.requests)} in all, ${inPreviews === 0 ? "none" : String(inPreviews)} during the previews`,
    0,
  );
  field(
    "secrets",
    leaked.length === 0
      ? "never in plain text in state (token values, deployer key)"
      : `${String(leaked.length)} secret(s) found in plain text in state`,
    0,
  );
  field("took", seconds(performance.now() - started), 0);
  rule();
  check(leaked.length === 0, "a secret was written to state in plain text");
}

async function main(): Promise<number> {
  const hosts = new Set<ProviderHost>();
  let emulator: Emulator | undefined;
  let timer: NodeJS.Timeout | undefined;
  try {
    emulator = await startEmulator({ host: "127.0.0.1", port: 0 });
    secrets.add(emulator.adminKey);
    const running = emulator;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => {
        reject(new DemoFailure(`the demo did not finish within ${seconds(DEMO_TIMEOUT_MS)}`));
      }, DEMO_TIMEOUT_MS);
    });
    await Promise.race([demo(running, hosts), timeout]);
    return 0;
  } catch (error) {
    say();
    say(`demo failed: ${error instanceof Error ? error.message : String(error)}`);
    if (error instanceof Error && !(error instanceof DemoFailure) && error.stack !== undefined) {
      say(error.stack);
    }
    return 1;
  } finally {
    if (timer !== undefined) clearTimeout(timer);
    await Promise.allSettled([...hosts].map((h) => h.close()));
    await emulator?.close();
  }
}

void main().then((code) => {
  // Everything started here is closed; exit even if a stray handle lingers.
  process.exit(code);
});
