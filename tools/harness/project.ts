/**
 * A Pulumi project run by the real Pulumi CLI exactly as a user runs it, hermetically: its own
 * PULUMI_HOME, a local file backend, passphrase secrets, no network but loopback. The project
 * directory holds what `pulumi new typescript` writes (Pulumi.yaml, package.json with `main`,
 * the template's tsconfig.json, index.ts) or an example's own files; every command is the
 * literal `pulumi …` a user types in that directory, and the CLI runs the program through the
 * Node.js language host beside it, which compiles index.ts with ts-node as for a user (the
 * TypeScript of the install when it has one, else the one @pulumi/pulumi vendors).
 *
 * The directory lives inside a scratch install (tools/harness/scratch.ts), so `pulumi-panther`,
 * `@pulumi/pulumi`, `typescript` and `@types/node` resolve from an `npm install` of the packed
 * tarball, as in a user's project.
 */
import { spawn, type ChildProcessByStdio } from "node:child_process";
import type { Readable } from "node:stream";
import { randomBytes } from "node:crypto";
import * as fs from "node:fs";
import * as path from "node:path";

import { ENV } from "./env";
import { COMPILE_CACHE_DIR } from "./exec";
import { REPO_ROOT, scratchDirFromEnv } from "./scratch";

/** What the CLI's directory holds, as a user's install does. */
export const CLI_TOOLS = [
  "pulumi",
  "pulumi-language-nodejs",
  "pulumi-resource-pulumi-nodejs",
] as const;

/** The directory holding `pulumi` and the plugin script, or a failure naming both ways to get one. */
export function cliDir(): string {
  const dir = process.env[ENV.cliDir];
  if (dir !== undefined && dir !== "") return dir;
  throw new Error(
    process.env[ENV.cliError] ??
      "No Pulumi CLI: run the tests through npm test (its globalSetup provides one).",
  );
}

/** Whether the real-engine suite is switched off. */
export function e2eSkipped(): boolean {
  return process.env[ENV.e2e] === "skip";
}

/**
 * Bound on one CLI command. A command takes 2 to 5 s on a quiet machine and up to about 30 s
 * on two loaded cores; the longest wait inside one is a configured window (the e2e stacks set
 * `panther:lateLandingSeconds` to 3, `usableTimeoutSeconds` to 30). Past this, the command is
 * taken to hang: it is killed and its result says so.
 */
export const COMMAND_TIMEOUT_MS = 120_000;

/** What a CLI command printed and how it ended. */
export interface CommandResult {
  /** Exit code; `null` when it was killed (see `timedOut`). */
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
  /** True when the harness killed it for outliving its timeout. */
  readonly timedOut?: boolean;
}

/** Options of {@link Project.pulumi}. */
export interface CommandOptions {
  /** Kill the command after this long; default {@link COMMAND_TIMEOUT_MS}. */
  readonly timeoutMs?: number;
}

/**
 * The registry packages of a `pulumi new typescript` project (its package.json's
 * devDependencies: `typescript` and `@types/node`), at the versions this repository's lock
 * pins, for scratch.ts's `preparePackage({ registryPackages })`: the scratch install behind
 * `Project.create` holds them, as a user's project does.
 */
export function templatePackages(): string[] {
  return [`typescript@${repoVersion("typescript")}`, `@types/node@${repoVersion("@types/node")}`];
}

/** What the examples' package.json files add to the package: `@types/node` (no `typescript`). */
export function examplePackages(): string[] {
  return [`@types/node@${repoVersion("@types/node")}`];
}

function repoVersion(name: string): string {
  const manifest = path.join(REPO_ROOT, "node_modules", ...name.split("/"), "package.json");
  return (JSON.parse(fs.readFileSync(manifest, "utf8")) as { version: string }).version;
}

/** The tsconfig.json `pulumi new typescript` writes (the examples have it too). */
const TEMPLATE_TSCONFIG = {
  compilerOptions: {
    strict: true,
    outDir: "bin",
    target: "es2020",
    module: "commonjs",
    moduleResolution: "node",
    sourceMap: true,
    experimentalDecorators: true,
    pretty: true,
    noFallthroughCasesInSwitch: true,
    noImplicitReturns: true,
    forceConsistentCasingInFileNames: true,
  },
  files: ["index.ts"],
};

/**
 * The package.json `pulumi new typescript` writes, with this package added: `main`, the
 * template's devDependencies and the dependencies, each at a range of what `installDir` holds.
 */
function templatePackageJson(name: string, installDir: string): string {
  const range = (pkg: string): Record<string, string> => {
    const manifest = path.join(installDir, "node_modules", ...pkg.split("/"), "package.json");
    if (!fs.existsSync(manifest)) return {};
    return {
      [pkg]: `^${(JSON.parse(fs.readFileSync(manifest, "utf8")) as { version: string }).version}`,
    };
  };
  const pkg = {
    name: name.toLowerCase().replace(/[^a-z0-9-]/g, "-"),
    main: "index.ts",
    devDependencies: { ...range("@types/node"), ...range("typescript") },
    dependencies: { ...range("@pulumi/pulumi"), ...range("pulumi-panther") },
  };
  return `${JSON.stringify(pkg, null, 2)}\n`;
}

/** One project: a directory with Pulumi.yaml, package.json, tsconfig.json and index.ts. */
export class Project {
  readonly dir: string;
  readonly backendDir: string;
  readonly homeDir: string;
  /** Extra environment for every command (e.g. PANTHER_API_URL). */
  env: Record<string, string> = {};
  readonly #children = new Set<number>();

  private constructor(dir: string, shared?: Project) {
    this.dir = dir;
    this.backendDir = shared?.backendDir ?? path.join(dir, ".backend");
    this.homeDir = shared?.homeDir ?? path.join(dir, ".pulumi-home");
    fs.mkdirSync(this.backendDir, { recursive: true });
    fs.mkdirSync(this.homeDir, { recursive: true });
  }

  /**
   * A project inside the scratch install `installDir` (so `pulumi-panther`, `@pulumi/pulumi`,
   * `typescript` and `@types/node` resolve from the packed tarball's install, as for a user),
   * shaped as `pulumi new typescript` makes it, with `Pulumi.yaml` (given, or a plain nodejs
   * one) and the program `source` as index.ts.
   */
  static create(
    name: string,
    source: string,
    pulumiYaml?: string,
    shareBackendWith?: Project,
    installDir: string = scratchDirFromEnv(),
  ): Project {
    const project = Project.#inside(installDir, name, shareBackendWith);
    fs.writeFileSync(
      path.join(project.dir, "Pulumi.yaml"),
      pulumiYaml ??
        `name: ${name}\nruntime:\n  name: nodejs\n  options:\n    packagemanager: npm\n`,
    );
    fs.writeFileSync(path.join(project.dir, "package.json"), templatePackageJson(name, installDir));
    fs.writeFileSync(
      path.join(project.dir, "tsconfig.json"),
      `${JSON.stringify(TEMPLATE_TSCONFIG, null, 2)}\n`,
    );
    project.writeProgram(source);
    return project;
  }

  /**
   * A project from `examples/<example>`: its own files (Pulumi.yaml, package.json,
   * tsconfig.json, index.ts, through `transform`), in the install the examples' package.json
   * files describe (globalSetup prepares it; see `ENV.examplesScratchDir`).
   */
  static fromExample(
    example: string,
    transform: (source: string) => string = (s) => s,
    shareBackendWith?: Project,
  ): Project {
    const from = path.join(REPO_ROOT, "examples", example);
    const yaml = fs.readFileSync(path.join(from, "Pulumi.yaml"), "utf8");
    const name = /^name:\s*(\S+)/m.exec(yaml)?.[1] ?? example.replace(/\W/g, "-");
    const project = Project.#inside(examplesScratchDir(), name, shareBackendWith);
    for (const entry of fs.readdirSync(from, { withFileTypes: true })) {
      if (entry.isFile() && !["README.md", "package-lock.json", "index.ts"].includes(entry.name))
        fs.copyFileSync(path.join(from, entry.name), path.join(project.dir, entry.name));
    }
    project.writeProgram(transform(fs.readFileSync(path.join(from, "index.ts"), "utf8")));
    return project;
  }

  static #inside(installDir: string, name: string, shareBackendWith?: Project): Project {
    if (!fs.existsSync(path.join(installDir, "node_modules"))) {
      throw new Error(
        `${installDir} holds no install (removed while in use?): run the tests again`,
      );
    }
    const root = path.join(installDir, "e2e");
    fs.mkdirSync(root, { recursive: true });
    return new Project(
      fs.mkdtempSync(path.join(root, `${name.replace(/\W/g, "-")}-`)),
      shareBackendWith,
    );
  }

  /** The source of `examples/<example>/index.ts`. */
  static exampleSource(example: string): string {
    return fs.readFileSync(path.join(REPO_ROOT, "examples", example, "index.ts"), "utf8");
  }

  /** Replaces the program (a user editing index.ts); the next command compiles it. */
  writeProgram(source: string): void {
    fs.writeFileSync(path.join(this.dir, "index.ts"), source);
  }

  /** The complete environment of a CLI command. */
  environment(): NodeJS.ProcessEnv {
    const env: NodeJS.ProcessEnv = {};
    for (const key of ["HOME", "TMPDIR", "LANG", "TERM"]) {
      const value = process.env[key];
      if (value !== undefined) env[key] = value;
    }
    return {
      ...env,
      PATH: [cliDir(), path.dirname(process.execPath), process.env["PATH"] ?? ""].join(
        path.delimiter,
      ),
      PULUMI_HOME: this.homeDir,
      PULUMI_BACKEND_URL: `file://${this.backendDir}`,
      PULUMI_CONFIG_PASSPHRASE: "e2e-passphrase",
      PULUMI_SKIP_UPDATE_CHECK: "true",
      PULUMI_DISABLE_AUTOMATIC_PLUGIN_ACQUISITION: "true",
      PULUMI_SKIP_CONFIRMATIONS: "true",
      NO_COLOR: "1",
      // The language host's and provider hosts' Node processes start faster; nothing else changes.
      NODE_COMPILE_CACHE: process.env["NODE_COMPILE_CACHE"] ?? COMPILE_CACHE_DIR,
      ...this.env,
    };
  }

  /** Runs `pulumi <args>` in the project directory, as a user types it. */
  pulumi(args: readonly string[], options: CommandOptions = {}): Promise<CommandResult> {
    return this.#run("pulumi", args, options.timeoutMs ?? COMMAND_TIMEOUT_MS);
  }

  /** `pulumi …` that must succeed; returns stdout. */
  async ok(args: readonly string[], options: CommandOptions = {}): Promise<string> {
    const result = await this.pulumi(args, options);
    if (result.code !== 0) {
      const how =
        result.timedOut === true
          ? `was killed after ${String((options.timeoutMs ?? COMMAND_TIMEOUT_MS) / 1000)} s`
          : `exited ${String(result.code)}`;
      throw new Error(`pulumi ${args.join(" ")} ${how}\n${result.stdout}\n${result.stderr}`);
    }
    return result.stdout;
  }

  /** `pulumi stack init <stack>`, with the given (plain and secret) config. */
  async initStack(
    stack: string,
    config: Record<string, string> = {},
    secrets: Record<string, string> = {},
  ): Promise<void> {
    await this.ok(["stack", "init", stack, "--non-interactive"]);
    // Exactly as a user types it (the CLI refuses, without --plaintext, keys whose name looks secret).
    // `--` ends the flags: a value may start with "-" (keys are random base64url text).
    for (const [key, value] of Object.entries(config))
      await this.ok(["config", "set", key, "--", value]);
    for (const [key, value] of Object.entries(secrets))
      await this.ok(["config", "set", "--secret", key, "--", value]);
  }

  preview(extra: readonly string[] = []): Promise<CommandResult> {
    return this.pulumi(["preview", "--non-interactive", ...extra]);
  }

  up(extra: readonly string[] = []): Promise<CommandResult> {
    return this.pulumi(["up", "--yes", "--skip-preview", "--non-interactive", ...extra]);
  }

  refresh(extra: readonly string[] = []): Promise<CommandResult> {
    return this.pulumi(["refresh", "--yes", "--skip-preview", "--non-interactive", ...extra]);
  }

  destroy(extra: readonly string[] = []): Promise<CommandResult> {
    return this.pulumi(["destroy", "--yes", "--skip-preview", "--non-interactive", ...extra]);
  }

  /** `pulumi stack output --json [--show-secrets]`. */
  async outputs(showSecrets = false): Promise<Record<string, unknown>> {
    const out = await this.ok([
      "stack",
      "output",
      "--json",
      ...(showSecrets ? ["--show-secrets"] : []),
    ]);
    return JSON.parse(out) as Record<string, unknown>;
  }

  /** `pulumi stack export` (secrets encrypted), parsed. */
  async exported(): Promise<{ deployment: { resources?: Record<string, unknown>[] } }> {
    return JSON.parse(await this.ok(["stack", "export"])) as {
      deployment: { resources?: Record<string, unknown>[] };
    };
  }

  /** Every file the CLI wrote for this project (backend, PULUMI_HOME, stack config), as text. */
  writtenFiles(): { file: string; text: string }[] {
    const out: { file: string; text: string }[] = [];
    const walk = (dir: string): void => {
      for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
        const full = path.join(dir, entry.name);
        if (entry.isDirectory()) walk(full);
        else out.push({ file: full, text: readMaybeGzipped(full) });
      }
    };
    walk(this.backendDir);
    walk(this.homeDir);
    for (const name of fs.readdirSync(this.dir)) {
      if (/^Pulumi\..*\.yaml$/.test(name))
        out.push({ file: name, text: fs.readFileSync(path.join(this.dir, name), "utf8") });
    }
    return out;
  }

  /**
   * Stops anything the project's commands left running (a killed CLI leaves its language host
   * and provider hosts behind).
   */
  close(): void {
    for (const pid of this.#children) killGroup(pid);
    for (const pid of processesIn(this.dir)) {
      try {
        process.kill(pid, "SIGKILL");
      } catch {
        // Already gone.
      }
    }
  }

  /**
   * Starts `command` in its own process group in the project's directory and environment,
   * tracked so that {@link close} can stop it; `stop` kills the group.
   */
  #spawn(
    command: string,
    args: readonly string[],
  ): { child: ChildProcessByStdio<null, Readable, Readable>; stop: () => void } {
    const child = spawn(command, args, {
      cwd: this.dir,
      env: this.environment(),
      stdio: ["ignore", "pipe", "pipe"],
      detached: true,
    });
    const pid = child.pid;
    if (pid !== undefined) this.#children.add(pid);
    const stop = (): void => {
      if (pid !== undefined) {
        killGroup(pid);
        this.#children.delete(pid);
      }
    };
    return { child, stop };
  }

  #run(command: string, args: readonly string[], timeoutMs: number): Promise<CommandResult> {
    return new Promise((resolve, reject) => {
      const { child, stop } = this.#spawn(command, args);
      const out: Buffer[] = [];
      const err: Buffer[] = [];
      let timedOut = false;
      const timer = setTimeout(() => {
        timedOut = true;
        stop();
      }, timeoutMs);
      child.stdout.on("data", (d: Buffer) => out.push(d));
      child.stderr.on("data", (d: Buffer) => err.push(d));
      child.on("error", (e) => {
        clearTimeout(timer);
        reject(e);
      });
      child.on("close", (code) => {
        clearTimeout(timer);
        if (child.pid !== undefined) this.#children.delete(child.pid);
        resolve({
          code,
          stdout: Buffer.concat(out).toString("utf8"),
          stderr: Buffer.concat(err).toString("utf8"),
          timedOut,
        });
      });
    });
  }
}

/** The install `fromExample` projects run in, set by globalSetup. */
function examplesScratchDir(): string {
  const dir = process.env[ENV.examplesScratchDir];
  if (dir === undefined || dir === "") {
    throw new Error(
      `${ENV.examplesScratchDir} is not set: run the tests through jest with test/support/globalSetup.ts (npm test)`,
    );
  }
  return dir;
}

function killGroup(pid: number): void {
  try {
    process.kill(-pid, "SIGKILL");
  } catch {
    // The group is gone.
  }
}

/** Processes whose working directory is `dir` (provider hosts the CLI started there). */
function processesIn(dir: string): number[] {
  const pids: number[] = [];
  for (const entry of fs.readdirSync("/proc")) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      if (fs.readlinkSync(`/proc/${entry}/cwd`) === dir) pids.push(Number(entry));
    } catch {
      // Not ours to read, or gone.
    }
  }
  return pids;
}

function readMaybeGzipped(file: string): string {
  const bytes = fs.readFileSync(file);
  if (bytes[0] === 0x1f && bytes[1] === 0x8b) {
    try {
      // eslint-disable-next-line @typescript-eslint/no-require-imports
      return (require("node:zlib") as typeof import("node:zlib"))
        .gunzipSync(bytes)
        .toString("utf8");
    } catch {
      return bytes.toString("latin1");
    }
  }
  return bytes.toString("utf8");
}

/** A random secret-looking string for tests that need a canary. */
export function canary(): string {
  return randomBytes(24).toString("base64url");
}
