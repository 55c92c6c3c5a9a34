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
 * included) and the Panther API calls the emulator counted (calls.ts). Every line goes through a
 * filter that masks the admin key and every token value seen (output.ts). The engines, the CLI
 * and its fallback, are in engines.ts. It removes the project it made and
 * stops the emulator; the scratch install (npm-packed pulumi-panther) and the CLI build are
 * caches it names and leaves. Bounded in time (15 minutes in all, a first CLI build included; a
 * warm run takes about 20 s); exits non-zero on any failure.
 */
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { performance } from "node:perf_hooks";

import { startEmulator, type Emulator } from "pulumi-panther-emulator";

import {
  REPO_ROOT,
  preparePackage,
  providePulumiCli,
  templatePackages,
  type CliLookup,
} from "../harness";
import { callLines, callsBetween, sameCalls, type Calls } from "./calls";
import {
  CliEngine,
  ModelEngine,
  PROGRAM_FILE,
  RESOURCE,
  type DemoEngine,
  type Shown,
  type TokenInState,
} from "./engines";
import { DemoFailure, MASK, WIDTH, check, field, rule, say, seconds, secrets } from "./output";

/** The scratch install and the steps (a first install downloads @pulumi/pulumi). */
const DEMO_TIMEOUT_MS = 300_000;
/** Looking for (or, the first time, building) the CLI; the whole demo is bounded by the sum. */
const CLI_LOOKUP_TIMEOUT_MS = 10 * 60_000;
/** The demo's own scratch cache, apart from the tests' and the bench's (each prunes its own). */
const SCRATCH_CACHE = path.join(os.tmpdir(), "pulumi-panther-demo-scratch");

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
      detail:
        "creates the token born locked, then gives it its CIDR blocks; Panther returns its value once, kept as a Pulumi secret",
      run: () => engine.up(source),
      // Born locked (a mark no caller can come from), then its declared fields: see Nothing lost.
      calls: { create: 1, update: 1 },
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
