/**
 * The Pulumi CLI for the demo and the benchmark, found the way jest's globalSetup finds it:
 * `scripts/pulumi-cli` prints, as its last stdout line, the directory holding a real CLI, its
 * Node.js language host and the dynamic-provider plugin script (a cached build answers in about
 * half a second; a first build takes about six minutes). `PULUMI_PANTHER_CLI=none` says not to
 * use one at all.
 */
import * as fs from "node:fs";
import * as path from "node:path";

import { childEnv, describeExit, exec } from "./exec";
import { ENV } from "./env";
import { CLI_TOOLS } from "./project";
import { REPO_ROOT } from "./scratch";

/** `PULUMI_PANTHER_CLI=none`: run without the real CLI (scripts/pulumi-cli reads the same variable for a path). */
export const NO_CLI = "none";

/** The script that provides the CLI. */
export const CLI_SCRIPT = path.join(REPO_ROOT, "scripts", "pulumi-cli", "index.js");

/** Where the CLI is, or why there is none; `log` is what the script said on stderr. */
export type CliLookup =
  | { readonly found: true; readonly dir: string; readonly log: string }
  | { readonly found: false; readonly reason: string; readonly log: string };

/**
 * Runs `scripts/pulumi-cli` (bounded by `timeoutMs`) and, when it provides a CLI, sets
 * PULUMI_PANTHER_CLI_DIR in this process's environment as globalSetup does, so that
 * {@link Project} commands run it. Never throws: a missing CLI is a result.
 */
export async function providePulumiCli(timeoutMs = 15 * 60_000): Promise<CliLookup> {
  if (process.env[ENV.cli] === NO_CLI) {
    return { found: false, reason: `${ENV.cli}=${NO_CLI} says not to use one`, log: "" };
  }
  let result;
  try {
    result = await exec(process.execPath, [CLI_SCRIPT], {
      cwd: REPO_ROOT,
      env: childEnv(),
      timeoutMs,
    });
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    return { found: false, reason: `${CLI_SCRIPT} did not start: ${message}`, log: "" };
  }
  const log = result.stderr.trim();
  const dir = result.stdout.trim().split("\n").at(-1) ?? "";
  const missing = CLI_TOOLS.filter((tool) => dir === "" || !fs.existsSync(path.join(dir, tool)));
  if (result.exitCode === 0 && missing.length === 0) {
    process.env[ENV.cliDir] = dir;
    return { found: true, dir, log };
  }
  // The script's last message, which may span lines (what is missing, then what to do).
  const lines = log.split("\n");
  const from = lines.findLastIndex((l) => l.startsWith("pulumi-cli: "));
  const lastWords =
    from < 0
      ? ""
      : lines
          .slice(from)
          .join("\n")
          .replace(/^pulumi-cli: /, "");
  return {
    found: false,
    reason:
      result.exitCode === 0
        ? `scripts/pulumi-cli printed ${dir === "" ? "no directory" : `${dir}, which lacks ${missing.join(", ")}`}`
        : `scripts/pulumi-cli ${describeExit(result)}${lastWords === "" ? "" : `: ${lastWords}`}`,
    log,
  };
}
