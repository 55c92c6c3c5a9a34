/**
 * Child-process helper shared by the harness: run a command to completion with an explicit
 * timeout and capture what it printed.
 */
import { spawn } from "node:child_process";
import * as os from "node:os";
import * as path from "node:path";

/** What a finished command printed and how it ended. */
export interface ExecResult {
  /** Everything the command wrote to stdout. */
  readonly stdout: string;
  /** Everything the command wrote to stderr. */
  readonly stderr: string;
  /** Exit code; `null` when the process was ended by a signal (for example after the timeout). */
  readonly exitCode: number | null;
  /** Signal that ended the process, if any. */
  readonly signal: NodeJS.Signals | null;
  /** True when the harness killed the process because it outlived `timeoutMs`. */
  readonly timedOut: boolean;
}

/** Options for {@link exec}. */
export interface ExecOptions {
  /** Working directory of the command. */
  readonly cwd: string;
  /** Complete environment of the command (not merged with `process.env`). */
  readonly env: NodeJS.ProcessEnv;
  /** Kill the command (SIGKILL) after this many milliseconds. */
  readonly timeoutMs: number;
}

/**
 * Runs `command args…` without a shell and resolves when it exits, whatever its exit code.
 *
 * @example
 * const r = await exec("npm", ["--version"], { cwd: "/tmp", env: childEnv(), timeoutMs: 30_000 });
 */
export function exec(
  command: string,
  args: readonly string[],
  opts: ExecOptions,
): Promise<ExecResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, {
      cwd: opts.cwd,
      env: opts.env,
      stdio: ["ignore", "pipe", "pipe"],
    });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      child.kill("SIGKILL");
    }, opts.timeoutMs);
    child.stdout.on("data", (d: Buffer) => out.push(d));
    child.stderr.on("data", (d: Buffer) => err.push(d));
    child.on("error", (e) => {
      clearTimeout(timer);
      reject(e);
    });
    child.on("close", (exitCode, signal) => {
      clearTimeout(timer);
      resolve({
        stdout: Buffer.concat(out).toString("utf8"),
        stderr: Buffer.concat(err).toString("utf8"),
        exitCode,
        signal,
        timedOut,
      });
    });
  });
}

/**
 * V8's code cache for the many short Node processes the harness and the CLI start (programs,
 * language hosts, provider hosts): they start faster; it changes nothing they do.
 */
export const COMPILE_CACHE_DIR = path.join(os.tmpdir(), "pulumi-panther-scratch", ".compile-cache");

/**
 * The environment for child processes the harness starts: the current environment with the
 * running Node's directory first on PATH (so `npm` and `node` are the same Node as the tests),
 * minus NODE_OPTIONS and NODE_PATH, which could make the repository's own node_modules visible
 * to code that must only see the scratch install, plus a shared NODE_COMPILE_CACHE.
 */
export function childEnv(extra: Readonly<Record<string, string>> = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env };
  delete env["NODE_OPTIONS"];
  delete env["NODE_PATH"];
  env["PATH"] = [path.dirname(process.execPath), env["PATH"] ?? ""].join(path.delimiter);
  env["NODE_COMPILE_CACHE"] ??= COMPILE_CACHE_DIR;
  return { ...env, ...extra };
}

/** A one-line description of how a command ended, for error messages. */
export function describeExit(r: ExecResult): string {
  if (r.timedOut) {
    return "timed out and was killed";
  }
  if (r.signal !== null) {
    return `was killed by ${r.signal}`;
  }
  return `exited with code ${String(r.exitCode)}`;
}
