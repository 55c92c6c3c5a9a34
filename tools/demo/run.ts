/**
 * `npm run demo`: the quick-start program (examples/quickstart/index.ts) taken through what a
 * user does with it, against a Panther API emulator on a free loopback port, with no Panther
 * account:
 *
 *   pulumi stack init, config set panther:url, config set --secret panther:token; preview (the
 *   planned create); up; a misspelt permission refused at preview with its suggestion; a new
 *   rotationTrigger previewed as an in-place update with its property diff, and applied; a
 *   rotation made outside the stack (the Console) found by refresh (the value is stale) and
 *   repaired by up; destroy.
 *
 * Engine: the real Pulumi CLI with its Node.js language host, from scripts/pulumi-cli (a cached
 * build answers at once; a first build takes about six minutes), running literal `pulumi`
 * commands in a hermetic project shaped as `pulumi new typescript` makes it
 * (tools/harness/project.ts): the CLI runs index.ts through the language host, which compiles
 * it with ts-node, exactly as on a user's machine. When there is
 * no CLI, or with PULUMI_PANTHER_CLI=none, the demo says so and falls back to the in-process
 * engine model (tools/harness/inprocess-engine.ts): an emulation of the engine's step rules
 * around the real provider code and a real PantherClient, which is not Pulumi.
 *
 * Each step prints the commands, the CLI's relevant lines (the provider's progress lines
 * included) and the Panther API calls the emulator counted. Every line goes through a filter
 * that masks the admin key and every token value seen. It removes the project it made and
 * stops the emulator; the scratch install (npm-packed pulumi-panther) and the CLI build are
 * caches it names and leaves. Bounded in time (15 minutes in all, a first CLI build included; a
 * warm run takes about 20 s); exits non-zero on any failure.
 */
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { performance } from "node:perf_hooks";

import * as ts from "typescript";

// The built package's client (dist/, through the package's own name): compiled into .build/,
// the client's sources would look for package.json beside .build/ for their User-Agent.
import { PantherClient } from "pulumi-panther/client";

import { realClock } from "../../provider/client/clock";
import { clientOptions, type ClientOptions, type TokenApi } from "../../provider/connect";
import { startEmulator, type Emulator, type EmulatorCounters } from "pulumi-panther-emulator";
import {
  Project,
  REPO_ROOT,
  preparePackage,
  providePulumiCli,
  runProgram,
  templatePackages,
  type CliLookup,
  type CommandResult,
} from "../../tools/harness";
import { Stack, type Outcome } from "../../tools/harness/inprocess-engine";

/** The scratch install and the steps (a first install downloads @pulumi/pulumi). */
const DEMO_TIMEOUT_MS = 300_000;
/** Looking for (or, the first time, building) the CLI; the whole demo is bounded by the sum. */
const CLI_LOOKUP_TIMEOUT_MS = 10 * 60_000;
/** The demo's own scratch cache, apart from the tests' and the bench's (each prunes its own). */
const SCRATCH_CACHE = path.join(os.tmpdir(), "pulumi-panther-demo-scratch");
const PROGRAM_FILE = path.join(REPO_ROOT, "examples", "quickstart", "index.ts");
const RESOURCE = "ci-deployer";
const STACK = "dev";
const WIDTH = 78;
const MASK = "[secret]";

// ---------------------------------------------------------------------------------------------
// Printing, with every secret masked
// ---------------------------------------------------------------------------------------------

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

class DemoFailure extends Error {
  override readonly name = "DemoFailure";
}

function check(condition: boolean, message: string): void {
  if (!condition) throw new DemoFailure(message);
}

// ---------------------------------------------------------------------------------------------
// The program and its edits
// ---------------------------------------------------------------------------------------------

/** The quick-start source with exactly one occurrence of `from` replaced by `to`. */
function edited(source: string, from: string, to: string): string {
  const count = source.split(from).length - 1;
  if (count !== 1) {
    throw new DemoFailure(
      `${path.relative(REPO_ROOT, PROGRAM_FILE)} should contain ${from} exactly once; found ${String(count)}`,
    );
  }
  return source.replace(from, to);
}

/** The rotationTrigger the quick start sets, e.g. "2026-Q4". */
function triggerOf(source: string): string {
  const found = [...source.matchAll(/rotationTrigger: "([^"]*)"/g)];
  const trigger = found[0]?.[1];
  if (found.length !== 1 || trigger === undefined) {
    throw new DemoFailure(
      `${path.relative(REPO_ROOT, PROGRAM_FILE)} should set rotationTrigger to a string literal exactly once`,
    );
  }
  return trigger;
}

/** The next period after a trigger like "2026-Q4" ("2027-Q1"), or the trigger plus "-rotated". */
function nextTrigger(trigger: string): string {
  const m = /^(\d{4})-Q([1-4])$/.exec(trigger);
  if (m === null) return `${trigger}-rotated`;
  const year = Number(m[1]);
  const quarter = Number(m[2]);
  return quarter === 4 ? `${String(year + 1)}-Q1` : `${String(year)}-Q${String(quarter + 1)}`;
}

// ---------------------------------------------------------------------------------------------
// API calls, as the emulator counted them
// ---------------------------------------------------------------------------------------------

type Operation = keyof EmulatorCounters["byOperation"];
type Calls = Partial<Record<Operation, number>>;

const API_ROUTE: Record<Operation, string> = {
  create: "POST   /api-tokens",
  list: "GET    /api-tokens",
  get: "GET    /api-tokens/{id}",
  update: "POST   /api-tokens/{id}",
  rotate: "POST   /api-tokens/{id}/rotate",
  delete: "DELETE /api-tokens/{id}",
  other: "(no such route)",
};

function callsBetween(before: EmulatorCounters, after: EmulatorCounters): Calls {
  const out: Calls = {};
  for (const operation of Object.keys(API_ROUTE) as Operation[]) {
    const n = after.byOperation[operation] - before.byOperation[operation];
    if (n > 0) out[operation] = n;
  }
  return out;
}

function callLines(calls: Calls, before: EmulatorCounters, after: EmulatorCounters): string[] {
  const lines = (Object.keys(API_ROUTE) as Operation[])
    .filter((op) => (calls[op] ?? 0) > 0)
    .map((op) => `${API_ROUTE[op]}  ×${String(calls[op] ?? 0)}`);
  const earlier = new Map(Object.entries(before.byStatus));
  const failed = Object.entries(after.byStatus)
    .map(([status, n]) => [status, n - (earlier.get(status) ?? 0)] as const)
    .filter(([status, n]) => n > 0 && !status.startsWith("2"));
  if (failed.length > 0) {
    lines.push(`answers not 2xx: ${failed.map(([s, n]) => `${s} ×${String(n)}`).join(", ")}`);
  }
  return lines.length > 0 ? lines : ["none"];
}

function sameCalls(calls: Calls, expected: Calls): boolean {
  const norm = (c: Calls): string =>
    JSON.stringify(
      Object.entries(c)
        .filter(([, n]) => n > 0)
        .sort(([a], [b]) => a.localeCompare(b)),
    );
  return norm(calls) === norm(expected);
}

// ---------------------------------------------------------------------------------------------
// Engines: the real CLI, or the in-process model
// ---------------------------------------------------------------------------------------------

/** What one command showed. */
interface Shown {
  /** The command as a user types it (or the model's equivalent). */
  readonly command: string;
  /** The relevant lines it printed. */
  readonly lines: readonly string[];
  /** Everything it printed, for the checks. */
  readonly text: string;
  readonly ok: boolean;
}

/** The live token as the stack holds it. */
interface TokenInState {
  readonly id: string;
  readonly value: string;
  /** `valueState.status` in state (`current`, `stale`, …). */
  readonly status: string | undefined;
}

interface DemoEngine {
  /** One line naming the engine. */
  readonly description: string;
  /** Stack init and config, as a user would type them. */
  setup(): Promise<Shown[]>;
  preview(source: string): Promise<Shown>;
  up(source: string): Promise<Shown>;
  refresh(): Promise<Shown>;
  destroy(): Promise<Shown>;
  /** How state holds the token (`pulumi stack export`), or undefined when it holds none. */
  token(): Promise<TokenInState | undefined>;
  /** Where state is read from, for the printed line. */
  readonly stateSource: string;
  /** Texts of everything the engine wrote to disk, to look for secrets in. */
  writtenTexts(): Promise<string[]>;
  /** Stops what it started and removes what it wrote; says what, one line each. */
  close(): string[];
}

/** The lines of CLI output worth showing: steps, the provider's lines, errors, summaries. */
function relevantCliLines(result: CommandResult): string[] {
  const out: string[] = [];
  let skipping = false;
  for (const raw of `${result.stdout}\n${result.stderr}`.split("\n")) {
    const line = raw.trimEnd();
    if (line.trim() === "") {
      skipping = false;
      continue;
    }
    // The Diagnostics block repeats the lines already shown with each resource.
    if (line === "Diagnostics:") skipping = true;
    if (skipping) continue;
    if (line.startsWith("@ ")) continue;
    // A step started; its result line follows.
    if (/\s(creating|updating|deleting|refreshing) \(\d+s\)\s*(\[.*\])?$/.test(line)) continue;
    // Per-resource counters ("1 message", "1 error") repeat what is above.
    if (/^\s*\S+:\S+ \S+\s+\d+ (messages?|errors?|warnings?)$/.test(line)) continue;
    if (/pulumi:pulumi:Stack/.test(line) && !/pulumi-panther:|error:|warning:/.test(line)) continue;
    if (/^The resources in the stack have been deleted|^If you want to remove the stack/.test(line))
      continue;
    out.push(line);
  }
  return out;
}

class CliEngine implements DemoEngine {
  readonly description: string;
  readonly stateSource = "pulumi stack export";
  readonly #project: Project;
  readonly #emulator: Emulator;

  constructor(cli: { dir: string }, emulator: Emulator, scratchDir: string, version: string) {
    this.description = `the Pulumi CLI ${version} (${path.join(cli.dir, "pulumi")})`;
    this.#emulator = emulator;
    this.#project = Project.create(
      "quickstart",
      fs.readFileSync(PROGRAM_FILE, "utf8"),
      undefined,
      undefined,
      scratchDir,
    );
  }

  async #run(args: readonly string[], shown?: string): Promise<Shown> {
    const result = await this.#project.pulumi(args);
    return {
      command: `pulumi ${shown ?? args.join(" ")}`,
      lines: relevantCliLines(result),
      text: `${result.stdout}\n${result.stderr}`,
      ok: result.code === 0,
    };
  }

  async setup(): Promise<Shown[]> {
    const shown: Shown[] = [];
    const must = async (args: string[], display?: string): Promise<void> => {
      const s = await this.#run(args, display);
      shown.push(s);
      check(s.ok, `${s.command} failed:\n${s.text}`);
    };
    await must(["stack", "init", STACK, "--non-interactive"]);
    await must(["config", "set", "panther:url", this.#emulator.url]);
    await must(
      ["config", "set", "--secret", "panther:token", "--", this.#emulator.adminKey],
      `config set --secret panther:token ${MASK}`,
    );
    return shown;
  }

  preview(source: string): Promise<Shown> {
    this.#project.writeProgram(source);
    return this.#run(["preview", "--non-interactive"]);
  }

  up(source: string): Promise<Shown> {
    this.#project.writeProgram(source);
    return this.#run(["up", "--yes", "--skip-preview", "--non-interactive"]);
  }

  refresh(): Promise<Shown> {
    return this.#run(["refresh", "--yes", "--skip-preview", "--non-interactive"]);
  }

  destroy(): Promise<Shown> {
    return this.#run(["destroy", "--yes", "--skip-preview", "--non-interactive"]);
  }

  async token(): Promise<TokenInState | undefined> {
    const exported = await this.#project.exported();
    const resource = exported.deployment.resources?.find((r) =>
      String(r["type"]).endsWith("panther:ApiToken"),
    );
    if (resource === undefined) return undefined;
    const outputs = (resource["outputs"] ?? {}) as { valueState?: { status?: unknown } };
    // The value itself is encrypted in the export; the stack outputs hold it for --show-secrets.
    const shown = await this.#project.outputs(true);
    const value = typeof shown["token"] === "string" ? shown["token"] : "";
    if (value !== "") secrets.add(value);
    const status = outputs.valueState?.status;
    return {
      id: String(resource["id"]),
      value,
      status: typeof status === "string" ? status : undefined,
    };
  }

  async writtenTexts(): Promise<string[]> {
    const exported = JSON.stringify(await this.#project.exported());
    return [exported, ...this.#project.writtenFiles().map((f) => f.text)];
  }

  close(): string[] {
    this.#project.close();
    fs.rmSync(this.#project.dir, { recursive: true, force: true });
    return [`removed: the project ${this.#project.dir} (its stack, backend and PULUMI_HOME)`];
  }
}

/** `error: …` lines from the model's check failures, as the CLI words them. */
function modelErrors(outcome: Outcome): string[] {
  return outcome.errors.map((e) => {
    const cut = e.indexOf(": ");
    const name = e.slice(0, cut);
    try {
      const failures = JSON.parse(e.slice(cut + 2)) as { property?: string; reason?: string }[];
      return failures
        .map(
          (f) => `${name}  error: property ${f.property ?? "?"} has a problem: ${f.reason ?? ""}`,
        )
        .join("\n");
    } catch {
      return `${name}  error: ${e.slice(cut + 2)}`;
    }
  });
}

/**
 * A real PantherClient to the configured URL, with the provider's own client options. The
 * class comes from the built package (`connectPanther`'s relative require has no client
 * beside it in the compiled .build tree).
 */
function connectReal(options: ClientOptions): TokenApi {
  return new PantherClient(clientOptions(options));
}

const MODEL_SYMBOL: Record<Outcome["steps"][string], string> = {
  create: "+",
  update: "~",
  same: " ",
  delete: "-",
  read: "~",
};

class ModelEngine implements DemoEngine {
  readonly description =
    "the in-process engine model (tools/harness/inprocess-engine.ts): an EMULATION of the " +
    "engine's step rules, not Pulumi";
  readonly stateSource = "the model's state";
  readonly #stack: Stack;
  readonly #emulator: Emulator;
  readonly #scratchDir: string;

  constructor(emulator: Emulator, scratchDir: string) {
    this.#emulator = emulator;
    this.#scratchDir = scratchDir;
    this.#stack = new Stack(
      { connect: (_stack, options) => connectReal(options), clock: realClock },
      STACK,
      emulator.adminKey,
      { "panther:url": emulator.url },
    );
  }

  setup(): Promise<Shown[]> {
    const line = (text: string): Shown => ({ command: text, lines: [], text: "", ok: true });
    return Promise.resolve([
      line(`(model) stack "${STACK}"`),
      line(`(model) config panther:url ${this.#emulator.url}`),
      line(`(model) config panther:token ${MASK}`),
    ]);
  }

  /** Runs the program (the SDK's mocks) for the declarations the engine would receive. */
  async #declare(source: string, preview: boolean): Promise<void> {
    const program = ts.transpileModule(source, {
      compilerOptions: { module: ts.ModuleKind.CommonJS, target: ts.ScriptTarget.ES2022 },
    }).outputText;
    const regs = await runProgram({
      scratchDir: this.#scratchDir,
      program,
      preview,
      stack: STACK,
      config: { "panther:url": this.#emulator.url, "panther:token": this.#emulator.adminKey },
      secretConfigKeys: ["panther:token"],
    });
    this.#stack.program = regs
      .filter((r) => r.type.endsWith("panther:ApiToken"))
      .map((r) => ({
        name: r.name,
        args: Object.fromEntries(Object.entries(r.inputs).filter(([k]) => k !== "__provider")),
      }));
  }

  #shown(command: string, outcome: Outcome): Shown {
    const lines = [
      ...outcome.progress.map((p) => `pulumi-panther: ${p}`),
      ...Object.entries(outcome.steps).map(
        ([name, step]) => `${MODEL_SYMBOL[step]}  ${name}  ${step}`,
      ),
      ...modelErrors(outcome),
    ];
    return { command, lines, text: lines.join("\n"), ok: outcome.errors.length === 0 };
  }

  async preview(source: string): Promise<Shown> {
    await this.#declare(source, true);
    return this.#shown("(model) preview", await this.#stack.preview());
  }

  async up(source: string): Promise<Shown> {
    await this.#declare(source, false);
    return this.#shown("(model) up", await this.#stack.up());
  }

  async refresh(): Promise<Shown> {
    return this.#shown("(model) refresh", await this.#stack.refresh());
  }

  async destroy(): Promise<Shown> {
    return this.#shown("(model) destroy", await this.#stack.destroy());
  }

  token(): Promise<TokenInState | undefined> {
    const resource = this.#stack.state.get(RESOURCE);
    if (resource === undefined) return Promise.resolve(undefined);
    const value = typeof resource.outputs["value"] === "string" ? resource.outputs["value"] : "";
    if (value !== "") secrets.add(value);
    const status = (resource.outputs["valueState"] as { status?: unknown } | undefined)?.status;
    return Promise.resolve({
      id: resource.id,
      value,
      status: typeof status === "string" ? status : undefined,
    });
  }

  writtenTexts(): Promise<string[]> {
    // The model keeps state in memory only; the real engine would encrypt the value.
    return Promise.resolve([]);
  }

  close(): string[] {
    return ["removed: the model's stack (in memory)"];
  }
}

// ---------------------------------------------------------------------------------------------
// The demo
// ---------------------------------------------------------------------------------------------

interface StepSpec {
  /** What is done, after the command verb: `preview  (rotation planned)`. */
  readonly title: string;
  readonly detail?: string;
  readonly run: () => Promise<Shown>;
  /** Calls the step must make; checked. */
  readonly calls: Calls;
  /** Whether the command must succeed. */
  readonly succeeds: boolean;
  /** Runs and prints before the command (what happens outside the stack). */
  readonly before?: () => Promise<void>;
  /** What the output must show (CLI engine only: the model prints its own lines). */
  readonly shows?: readonly RegExp[];
  /** Prints what to see after the command and checks it. */
  readonly after?: () => Promise<void>;
}

async function runStep(
  emulator: Emulator,
  index: number,
  total: number,
  step: StepSpec,
  cli: boolean,
): Promise<void> {
  say();
  say(`${String(index)}/${String(total)}  ${cli ? "pulumi" : "(engine model)"} ${step.title}`);
  if (step.detail !== undefined) say(`     ${step.detail}`);
  await step.before?.();
  say();
  const before = emulator.control.counters();
  const started = performance.now();
  const shown = await step.run();
  const took = seconds(performance.now() - started);
  const after = emulator.control.counters();
  const calls = callsBetween(before, after);
  const command = `   $ ${shown.command}`;
  say(`${command}${took.padStart(Math.max(WIDTH - command.length, took.length + 2))}`);
  for (const line of shown.lines) say(`   │ ${line}`);
  say();
  const [first, ...rest] = callLines(calls, before, after);
  field("Panther API", first ?? "none");
  for (const line of rest) field("", line);
  check(
    shown.ok === step.succeeds,
    `${shown.command} ${shown.ok ? "succeeded" : "failed"}, expected it to ${step.succeeds ? "succeed" : "fail"}:\n${shown.text}`,
  );
  check(
    sameCalls(calls, step.calls),
    `${shown.command} made ${JSON.stringify(calls)}, expected ${JSON.stringify(step.calls)}`,
  );
  if (cli) {
    for (const pattern of step.shows ?? []) {
      check(pattern.test(shown.text), `${shown.command} should show ${String(pattern)}`);
    }
  }
  await step.after?.();
}

async function demo(emulator: Emulator, cleanup: (() => string[])[]): Promise<void> {
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
  const scratchDir = await preparePackage({
    cacheRoot: SCRATCH_CACHE,
    // What a `pulumi new typescript` project installs besides this package.
    registryPackages: templatePackages(),
    log: (line) => installLog.push(line),
  });
  const reused = installLog.some((l) => l.includes("reusing"));
  field(
    "package",
    `${pkg.name} ${pkg.version}, npm-packed and installed${reused ? " (cached install)" : ""}`,
    0,
  );
  field("", `into ${scratchDir}  (${seconds(performance.now() - installStarted)})`, 0);
  cleanup.push(() => [
    `left in place: the scratch install ${scratchDir} (a cache, reused by the next run)`,
  ]);

  say();
  say(
    "looking for a Pulumi CLI and its language host (scripts/pulumi-cli; a first build takes about six minutes)…",
  );
  const lookup: CliLookup = await providePulumiCli(CLI_LOOKUP_TIMEOUT_MS);
  let engine: DemoEngine;
  if (lookup.found) {
    const version = /\(v(\d+\.\d+\.\d+)\)/.exec(lookup.log)?.[1];
    engine = new CliEngine(
      lookup,
      emulator,
      scratchDir,
      version === undefined ? "" : `v${version}`,
    );
    cleanup.push(() => [
      ...engine.close(),
      `left in place: the CLI build in ${lookup.dir} (a cache, shared with the tests)`,
    ]);
  } else {
    say();
    rule("!");
    say(`NO PULUMI CLI: ${lookup.reason}`);
    say("Falling back to the in-process engine model (tools/harness/inprocess-engine.ts).");
    say("It is an EMULATION of the Pulumi engine's step rules around the real provider code and");
    say("a real PantherClient, NOT Pulumi: no CLI, no language host, no state file.");
    say(
      "For the real engine: npm run --silent pulumi-cli (or PULUMI_PANTHER_CLI=/path/to/pulumi).",
    );
    rule("!");
    engine = new ModelEngine(emulator, scratchDir);
    cleanup.push(() => engine.close());
  }
  const cli = lookup.found;
  field("engine", engine.description, 0);
  field("program", path.relative(REPO_ROOT, PROGRAM_FILE), 0);
  if (cli) {
    field("", "run by the CLI through the Node.js language host beside it, which compiles", 0);
    field("", "index.ts with ts-node, as for a user; every command below is run as typed,", 0);
    field("", "in a project of its own (pulumi new typescript's package.json and tsconfig)", 0);
  } else {
    field("", "run under the SDK's mocks for the declarations the engine would receive", 0);
  }
  say();

  for (const shown of await engine.setup()) {
    say(`   $ ${shown.command}`);
    for (const line of shown.lines) say(`   │ ${line}`);
  }

  const source = fs.readFileSync(PROGRAM_FILE, "utf8");
  const firstTrigger = triggerOf(source);
  const secondTrigger = nextTrigger(firstTrigger);
  const rotatedSource = edited(
    source,
    `rotationTrigger: "${firstTrigger}"`,
    `rotationTrigger: "${secondTrigger}"`,
  );
  const typoSource = edited(source, `"RuleRead"`, `"RuleReed"`);
  const tokenRe = RESOURCE.replace(/-/g, "\\-");

  let created: TokenInState | undefined;
  let rotated: TokenInState | undefined;
  const live = async (): Promise<TokenInState> => {
    const t = await engine.token();
    if (t === undefined) throw new DemoFailure(`${RESOURCE} is not in state`);
    return t;
  };
  const works = (t: TokenInState): boolean => emulator.control.authenticate(t.value) === t.id;
  const showToken = (t: TokenInState, previous?: TokenInState): void => {
    field("token id", t.id);
    field(
      "value",
      `${MASK} (a Pulumi secret; authenticates with Panther: ${works(t) ? "yes" : "NO"})`,
    );
    if (previous !== undefined) {
      const gone = emulator.control.authenticate(previous.value) === undefined;
      field("previous value", `${MASK} (${gone ? "rejected by Panther now" : "STILL WORKS"})`);
    }
    field("valueState", `${t.status ?? "(none)"}  (from ${engine.stateSource})`);
  };

  const steps: StepSpec[] = [
    {
      title: "preview",
      detail: "what `pulumi up` would do: inputs checked, nothing created, no call to Panther",
      run: () => engine.preview(source),
      calls: {},
      succeeds: true,
      shows: [new RegExp(`\\+\\s+\\S+panther:ApiToken\\s+${tokenRe}\\s+create`)],
      after: async () => {
        check((await engine.token()) === undefined, "a preview must not change state");
      },
    },
    {
      title: "up",
      detail: "creates the token; Panther returns its value once, kept as a Pulumi secret",
      run: () => engine.up(source),
      calls: { create: 1 },
      succeeds: true,
      shows: [new RegExp(`${tokenRe}\\s+created`), /token\s*: \[secret\]/],
      after: async () => {
        created = await live();
        showToken(created);
        check(works(created), "the new value should authenticate");
        check(created.status === "current", "a new token's value is current");
      },
    },
    {
      title: "preview  (a typo in a permission)",
      detail: 'the program now says "RuleReed": refused before anything is sent to Panther',
      run: () => engine.preview(typoSource),
      calls: {},
      succeeds: false,
      shows: [/"RuleReed" is not a Panther permission; did you mean "RuleRead"\?/],
    },
    {
      title: "preview  (rotation planned)",
      detail: `typo fixed; rotationTrigger: "${secondTrigger}" (was "${firstTrigger}")`,
      run: () => engine.preview(rotatedSource),
      calls: {},
      succeeds: true,
      shows: [
        new RegExp(
          `~\\s+\\S+panther:ApiToken\\s+${tokenRe}\\s+update\\s+\\[diff: ~rotationTrigger\\]`,
        ),
        /pulumi-panther: token \S+: rotation due: rotationTrigger changed/,
      ],
    },
    {
      title: "up  (rotation)",
      detail: "in place: same token id, a new value, the old one stops working",
      run: () => engine.up(rotatedSource),
      // The rotation, and the one lookup of the deployer's own token a provider process makes
      // before its first rotation (it refuses to rotate the key it runs with).
      calls: { rotate: 1, get: 1 },
      succeeds: true,
      shows: [new RegExp(`${tokenRe}\\s+updated \\([\\d.]+s\\) \\[diff: ~rotationTrigger\\]`)],
      after: async () => {
        const before = created;
        rotated = await live();
        showToken(rotated, before);
        check(rotated.id === before?.id, "rotation must keep the token id");
        check(works(rotated), "the rotated value should authenticate");
        check(
          before !== undefined && emulator.control.authenticate(before.value) === undefined,
          "the old value must stop working",
        );
      },
    },
    {
      title: "refresh  (after a rotation in the Panther Console)",
      detail: "someone rotated the token outside the stack; refresh finds the value stale",
      before: async () => {
        const t = rotated ?? (await live());
        // A person acts seconds after the stack, not within the second its rotation stamps share.
        await new Promise((resolve) => setTimeout(resolve, 1100));
        secrets.add(emulator.control.rotateToken(t.id, "someone@example.com"));
        say();
        field("meanwhile", `someone@example.com rotates token ${t.id} in the Console`);
        field("", "(the emulator's control API; the new value goes to them, not to the stack)");
      },
      run: () => engine.refresh(),
      calls: { get: 1 },
      succeeds: true,
      shows: [/rotation due: the stored value no longer works: the token was rotated outside/],
      after: async () => {
        const t = await live();
        field("valueState", `${t.status ?? "(none)"}  (from ${engine.stateSource})`);
        check(t.status === "stale", "refresh should mark the value stale");
        check(!works(t), "the stored value should no longer authenticate");
        if (cli) {
          field("", "(stack outputs change only when the program runs: read state, not them)");
        }
      },
    },
    {
      title: "up  (repairs the stale value)",
      detail: "rotates again, so the stack holds a value that works",
      run: () => engine.up(rotatedSource),
      calls: { rotate: 1, get: 1 },
      succeeds: true,
      shows: [new RegExp(`${tokenRe}\\s+updated`)],
      after: async () => {
        const t = await live();
        showToken(t);
        check(works(t), "the repaired value should authenticate");
        check(t.status === "current", "the repaired value is current");
      },
    },
    {
      title: "destroy",
      detail: "deletes the token in Panther",
      run: () => engine.destroy(),
      calls: { delete: 1 },
      succeeds: true,
      shows: [new RegExp(`${tokenRe}\\s+deleted`)],
      after: async () => {
        const id = created?.id ?? "";
        const gone = emulator.control.getToken(id) === undefined;
        field("token in Panther", gone ? "gone" : "STILL THERE");
        check(gone, "destroy should delete the token");
        check((await engine.token()) === undefined, "state should hold no token after destroy");
      },
    },
  ];

  const counters = emulator.control.counters();
  for (const [i, step] of steps.entries()) {
    await runStep(emulator, i + 1, steps.length, step, cli);
  }

  // No secret in plain text in anything the engine wrote: state, backups, history, config.
  const texts = await engine.writtenTexts();
  const leaked = [...secrets].filter((s) => texts.some((t) => t.includes(s)));
  const end = emulator.control.counters();
  say();
  rule();
  field(
    "engine",
    cli ? "the Pulumi CLI (real engine)" : "the in-process engine model (emulation)",
    0,
  );
  field("steps", `${String(steps.length)}, each as expected`, 0);
  field("Panther API calls", `${String(end.requests - counters.requests)} in all`, 0);
  field(
    "secrets",
    !cli
      ? "masked on screen (the model writes no state file to check)"
      : leaked.length === 0
        ? `masked on screen; none of ${String(secrets.size)} in plain text in the stack's files`
        : `${String(leaked.length)} secret(s) in plain text in the stack's files`,
    0,
  );
  field("took", seconds(performance.now() - started), 0);
  rule();
  check(leaked.length === 0, "a secret was written in plain text");
}

async function main(): Promise<number> {
  const cleanup: (() => string[])[] = [];
  let emulator: Emulator | undefined;
  let timer: NodeJS.Timeout | undefined;
  let code = 0;
  try {
    emulator = await startEmulator({ host: "127.0.0.1", port: 0 });
    secrets.add(emulator.adminKey);
    const running = emulator;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => {
        reject(
          new DemoFailure(
            `the demo did not finish within ${seconds(DEMO_TIMEOUT_MS + CLI_LOOKUP_TIMEOUT_MS)}`,
          ),
        );
      }, DEMO_TIMEOUT_MS + CLI_LOOKUP_TIMEOUT_MS);
    });
    await Promise.race([demo(running, cleanup), timeout]);
  } catch (error) {
    say();
    say(`demo failed: ${error instanceof Error ? error.message : String(error)}`);
    if (error instanceof Error && !(error instanceof DemoFailure) && error.stack !== undefined) {
      say(error.stack);
    }
    code = 1;
  } finally {
    if (timer !== undefined) clearTimeout(timer);
    const done = cleanup.reverse().flatMap((c) => c());
    await emulator?.close();
    say();
    for (const line of done) say(line);
    say("stopped: the Panther emulator");
  }
  return code;
}

void main().then((code) => {
  // Everything started here is closed; exit even if a stray handle lingers.
  process.exit(code);
});
