/**
 * A Pulumi project run by the real Pulumi CLI, hermetically: its own
 * PULUMI_HOME, a local file backend, passphrase secrets, no network but
 * loopback. The program is served by `program-server.js` (the Automation
 * API's mechanism) because the Node language host cannot be built here; every
 * other command runs exactly as a user types it.
 */
import { spawn, type ChildProcessByStdio } from "node:child_process";
import type { Readable } from "node:stream";
import { randomBytes } from "node:crypto";
import * as fs from "node:fs";
import * as path from "node:path";

import * as ts from "typescript";

import { REPO_ROOT, scratchDirFromEnv } from "./scratch";

/** Set by globalSetup: where the CLI is, or why there is none. */
export const CLI_DIR_ENV = "PP_PULUMI_CLI_DIR";
export const CLI_ERROR_ENV = "PP_PULUMI_CLI_ERROR";
/** `PULUMI_PANTHER_E2E=skip` skips the real-engine suite (loudly); CI never sets it. */
export const E2E_SWITCH = "PULUMI_PANTHER_E2E";

/** The directory holding `pulumi` and the plugin script, or a failure naming both ways to get one. */
export function cliDir(): string {
  const dir = process.env[CLI_DIR_ENV];
  if (dir !== undefined && dir !== "") return dir;
  throw new Error(
    process.env[CLI_ERROR_ENV] ??
      "No Pulumi CLI: run the tests through npm test (its globalSetup provides one).",
  );
}

/** Whether the real-engine suite is switched off. */
export function e2eSkipped(): boolean {
  return process.env[E2E_SWITCH] === "skip";
}

/** What a CLI command printed and how it ended. */
export interface CommandResult {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

/** One project: a directory with Pulumi.yaml and index.js, its backend and PULUMI_HOME. */
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
   * A project inside the scratch install (so `pulumi-panther` and
   * `@pulumi/pulumi` resolve from the packed tarball, as for a user), with
   * `Pulumi.yaml` and the program `source` (TypeScript, transpiled to
   * CommonJS the way ts-node would run it).
   */
  static create(
    name: string,
    source: string,
    pulumiYaml?: string,
    shareBackendWith?: Project,
    installDir: string = scratchDirFromEnv(),
  ): Project {
    const root = path.join(installDir, "e2e");
    fs.mkdirSync(root, { recursive: true });
    const dir = fs.mkdtempSync(path.join(root, `${name}-`));
    const project = new Project(dir, shareBackendWith);
    fs.writeFileSync(
      path.join(dir, "Pulumi.yaml"),
      pulumiYaml ??
        `name: ${name}\nruntime:\n  name: nodejs\n  options:\n    packagemanager: npm\n`,
    );
    project.writeProgram(source);
    return project;
  }

  /** A project from `examples/<example>`: its Pulumi.yaml and index.ts. */
  static fromExample(
    example: string,
    transform: (source: string) => string = (s) => s,
    shareBackendWith?: Project,
  ): Project {
    const from = path.join(REPO_ROOT, "examples", example);
    const yamlFile = path.join(from, "Pulumi.yaml");
    const yaml = fs.existsSync(yamlFile) ? fs.readFileSync(yamlFile, "utf8") : undefined;
    const source = fs.readFileSync(path.join(from, "index.ts"), "utf8");
    const name = /^name:\s*(\S+)/m.exec(yaml ?? "")?.[1] ?? example.replace(/\W/g, "-");
    return Project.create(name, transform(source), yaml, shareBackendWith);
  }

  /** The source of `examples/<example>/index.ts`. */
  static exampleSource(example: string): string {
    return fs.readFileSync(path.join(REPO_ROOT, "examples", example, "index.ts"), "utf8");
  }

  /** Replaces the program (a user editing index.ts). */
  writeProgram(source: string): void {
    const js = ts.transpileModule(source, {
      compilerOptions: {
        module: ts.ModuleKind.CommonJS,
        target: ts.ScriptTarget.ES2022,
        esModuleInterop: true,
      },
    }).outputText;
    fs.writeFileSync(path.join(this.dir, "index.js"), js);
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
      ...this.env,
    };
  }

  /**
   * Runs `pulumi <args>` in the project directory. `program` says whether the
   * command runs the program (preview, up): it is then served for the length
   * of the command.
   */
  async pulumi(
    args: readonly string[],
    options: { program?: boolean; timeoutMs?: number } = {},
  ): Promise<CommandResult> {
    if (options.program !== true) return this.#run("pulumi", args, options.timeoutMs);
    const server = await this.#serveProgram();
    try {
      return await this.#run(
        "pulumi",
        [...args, `--client=127.0.0.1:${server.port}`],
        options.timeoutMs,
      );
    } finally {
      server.stop();
    }
  }

  /** `pulumi …` that must succeed; returns stdout. */
  async ok(
    args: readonly string[],
    options: { program?: boolean; timeoutMs?: number } = {},
  ): Promise<string> {
    const result = await this.pulumi(args, options);
    if (result.code !== 0) {
      throw new Error(
        `pulumi ${args.join(" ")} exited ${String(result.code)}\n${result.stdout}\n${result.stderr}`,
      );
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
    return this.pulumi(["preview", "--non-interactive", ...extra], { program: true });
  }

  up(extra: readonly string[] = []): Promise<CommandResult> {
    return this.pulumi(["up", "--yes", "--skip-preview", "--non-interactive", ...extra], {
      program: true,
    });
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

  /** Stops anything the project's commands left running (provider hosts outlive a killed CLI). */
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

  async #serveProgram(): Promise<{ port: number; stop: () => void }> {
    const { child, stop } = this.#spawn(process.execPath, [
      path.join(REPO_ROOT, "tools", "harness", "program-server.js"),
      path.join(this.dir, "index.js"),
    ]);
    const port = await new Promise<number>((resolve, reject) => {
      let out = "";
      let err = "";
      child.stdout.on("data", (d: Buffer) => {
        out += d.toString();
        const match = /^(\d+)\n/.exec(out);
        if (match) resolve(Number(match[1]));
      });
      child.stderr.on("data", (d: Buffer) => (err += d.toString()));
      child.on("exit", (code) => {
        reject(new Error(`program server exited ${String(code)}: ${err}`));
      });
      setTimeout(() => {
        reject(new Error(`program server did not start: ${err}`));
      }, 30_000).unref();
    }).catch((error: unknown) => {
      stop();
      throw error;
    });
    return { port, stop };
  }

  #run(command: string, args: readonly string[], timeoutMs = 180_000): Promise<CommandResult> {
    return new Promise((resolve, reject) => {
      const { child, stop } = this.#spawn(command, args);
      const out: Buffer[] = [];
      const err: Buffer[] = [];
      const timer = setTimeout(stop, timeoutMs);
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
        });
      });
    });
  }
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
