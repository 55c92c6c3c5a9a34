/**
 * The program side of a deployment: run a Pulumi program against the SDK's mock monitor in a
 * child Node process inside a scratch project and record every resource it registers, with the
 * inputs (including the serialized `__provider`) exactly as the engine would receive them.
 */
import { randomBytes } from "node:crypto";
import * as fs from "node:fs";
import * as path from "node:path";

import { REPO_ROOT } from "./scratch";
import { childEnv, describeExit, exec } from "./exec";

/** Custom timeouts of a registration, as the strings the program gave (e.g. `"5m"`). */
export interface CustomTimeouts {
  readonly create?: string;
  readonly update?: string;
  readonly delete?: string;
}

/**
 * One `RegisterResource` request the program sent, decoded.
 *
 * Values are plain JSON: Outputs are fully resolved, secret envelopes are removed (the names
 * of top-level inputs that were secret, or contained a secret, are in `secretInputs`), and
 * values unknown during a preview are the unknown sentinel string (`UNKNOWN` in host.ts).
 */
export interface Registration {
  /** URN the mock monitor assigned: `urn:pulumi:<stack>::<project>::<type>::<name>`. */
  readonly urn: string;
  /** Resource type token, e.g. `pulumi-nodejs:dynamic/echo:Echo`. */
  readonly type: string;
  /** Logical name given to the resource constructor. */
  readonly name: string;
  /** True for custom resources (everything a provider manages), false for components. */
  readonly custom: boolean;
  /** Inputs as sent, secrets unwrapped; for dynamic resources this includes `__provider`. */
  readonly inputs: Readonly<Record<string, unknown>>;
  /** Top-level input names whose value was, or contained, a secret. */
  readonly secretInputs: readonly string[];
  /** Provider reference string; empty when the resource uses the default provider. */
  readonly provider: string;
  /** The `additionalSecretOutputs` resource option. */
  readonly additionalSecretOutputs: readonly string[];
  /** The `import` resource option (an id to adopt), when set. */
  readonly importId?: string;
  /** Parent URN, when the resource has a parent. */
  readonly parent?: string;
  /** URNs this resource depends on (explicit `dependsOn` and input dependencies). */
  readonly dependencies: readonly string[];
  /** The `protect` resource option, when the program set it. */
  readonly protect?: boolean;
  /** The `deleteBeforeReplace` resource option, when the program set it. */
  readonly deleteBeforeReplace?: boolean;
  /** The `retainOnDelete` resource option, when the program set it. */
  readonly retainOnDelete?: boolean;
  /** The `ignoreChanges` resource option (property paths). */
  readonly ignoreChanges: readonly string[];
  /** The `replaceOnChanges` resource option (property paths). */
  readonly replaceOnChanges: readonly string[];
  /** The `customTimeouts` resource option. */
  readonly customTimeouts: CustomTimeouts;
  /** The `replacementTrigger` resource option's value (secrets unwrapped), when set. */
  readonly replacementTrigger?: unknown;
}

/** Options for {@link runProgram} and {@link execProgram}. */
export interface RunProgramOptions {
  /** Scratch project (from preparePackage) whose node_modules the program uses. */
  readonly scratchDir: string;
  /**
   * CommonJS source of the program. It requires packages by name (`require("pulumi-panther")`);
   * it may export a function or a promise, which is awaited like the Node language host does.
   */
  readonly program: string;
  /** Stack configuration with namespaced keys, e.g. `{ "panther:url": "http://…" }`. */
  readonly config?: Readonly<Record<string, string>>;
  /** Config keys whose values are secret (what `pulumi config set --secret` marks). */
  readonly secretConfigKeys?: readonly string[];
  /** Run as a preview (`pulumi.runtime.isDryRun()` is true). Default false. */
  readonly preview?: boolean;
  /** Stack name. Default `"dev"`. */
  readonly stack?: string;
  /** Project name. Default `"project"`. */
  readonly project?: string;
  /**
   * Extra state the mock monitor returns per resource name, merged over the resource's inputs
   * (the mock's default state), so programs can read outputs such as an id or a token value.
   */
  readonly mockState?: Readonly<Record<string, Readonly<Record<string, unknown>>>>;
  /** Extra environment variables for the program process. */
  readonly env?: Readonly<Record<string, string>>;
  /** Kill the program after this many milliseconds. Default 60 000. */
  readonly timeoutMs?: number;
}

/** Everything a program run produced. */
export interface ProgramRun {
  /** Registrations in the order the monitor completed them. */
  readonly registrations: readonly Registration[];
  /** What the program printed on stdout. */
  readonly stdout: string;
  /** What the program printed on stderr (errors, Pulumi log output). */
  readonly stderr: string;
  /** Exit code of the program process; 0 when the program and all registrations succeeded. */
  readonly exitCode: number | null;
  /**
   * Path of the program file written into the scratch project. Its directory is removed after
   * a run that exits 0 and kept after a failure, for inspection.
   */
  readonly programFile: string;
}

/** A program that failed: thrown by {@link runProgram}, carrying what the program printed. */
export class ProgramError extends Error {
  /** Stable code to match on. */
  readonly code = "PP_PROGRAM_FAILED";
  /** The failed run, including stderr with the program's error. */
  readonly run: ProgramRun;

  constructor(message: string, run: ProgramRun) {
    super(message);
    this.name = "ProgramError";
    this.run = run;
  }
}

const RUNNER = path.join(REPO_ROOT, "tools", "harness", "program-runner.js");
const DEFAULT_TIMEOUT_MS = 60_000;

/**
 * Runs a Pulumi program with mocks in a child process and returns its registrations.
 * Rejects with a {@link ProgramError} (whose message includes the program's stderr) when the
 * program throws, logs an error, or a registration fails.
 *
 * @example
 * const regs = await runProgram({
 *   scratchDir,
 *   program: `const { Echo } = require("echo-provider"); new Echo("a", { name: "x" });`,
 *   config: { "echo:greeting": "hi" },
 * });
 * regs[0].type; // "pulumi-nodejs:dynamic/echo:Echo"
 */
export async function runProgram(opts: RunProgramOptions): Promise<Registration[]> {
  const run = await execProgram(opts);
  if (run.exitCode !== 0) {
    throw new ProgramError(
      `Pulumi program failed (exit code ${String(run.exitCode)}):\n${run.stderr}`,
      run,
    );
  }
  return [...run.registrations];
}

/**
 * Like {@link runProgram} but resolves whatever the exit code, with stdout, stderr and the
 * registrations recorded until the program stopped.
 *
 * @example
 * const run = await execProgram({ scratchDir, program: `throw new Error("boom")` });
 * run.exitCode; // 1
 */
export async function execProgram(opts: RunProgramOptions): Promise<ProgramRun> {
  const dir = path.join(
    opts.scratchDir,
    "programs",
    `${String(Date.now())}-${randomBytes(6).toString("hex")}`,
  );
  fs.mkdirSync(dir, { recursive: true });
  const programFile = path.join(dir, "index.js");
  const resultFile = path.join(dir, "registrations.json");
  const requestFile = path.join(dir, "request.json");
  fs.writeFileSync(programFile, opts.program);
  fs.writeFileSync(
    requestFile,
    JSON.stringify({
      scratchDir: opts.scratchDir,
      programFile,
      resultFile,
      project: opts.project ?? "project",
      stack: opts.stack ?? "dev",
      preview: opts.preview ?? false,
      mockState: opts.mockState ?? {},
    }),
  );
  const env = childEnv({
    ...(opts.env ?? {}),
    PULUMI_CONFIG: JSON.stringify(opts.config ?? {}),
    PULUMI_CONFIG_SECRET_KEYS: JSON.stringify(opts.secretConfigKeys ?? []),
  });
  const timeoutMs = opts.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  const r = await exec(process.execPath, [RUNNER, requestFile], { cwd: dir, env, timeoutMs });
  const registrations = fs.existsSync(resultFile) ? readRegistrations(resultFile) : [];
  const stderr = r.timedOut
    ? `${r.stderr}\n[harness] the program ${describeExit(r)} after ${String(timeoutMs)} ms`
    : r.stderr;
  if (r.exitCode === 0) {
    fs.rmSync(dir, { recursive: true, force: true });
  }
  return { registrations, stdout: r.stdout, stderr, exitCode: r.exitCode, programFile };
}

/**
 * Finds the registration with the given logical name (or URN); throws listing the names that
 * exist when there is none or more than one.
 *
 * @example
 * const token = registrationNamed(regs, "ci-token");
 */
export function registrationNamed(regs: readonly Registration[], nameOrUrn: string): Registration {
  const found = regs.filter((r) => r.name === nameOrUrn || r.urn === nameOrUrn);
  const [first] = found;
  if (first === undefined || found.length > 1) {
    throw new Error(
      `expected exactly one registration named ${nameOrUrn}, found ${String(found.length)}; names: ${regs.map((r) => r.name).join(", ")}`,
    );
  }
  return first;
}

function readRegistrations(file: string): Registration[] {
  const parsed: unknown = JSON.parse(fs.readFileSync(file, "utf8"));
  if (
    typeof parsed !== "object" ||
    parsed === null ||
    !("registrations" in parsed) ||
    !Array.isArray(parsed.registrations)
  ) {
    throw new Error(`${file} does not hold a registrations array`);
  }
  // Written by program-runner.js in the Registration shape.
  return parsed.registrations as Registration[];
}
