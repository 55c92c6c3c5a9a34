/**
 * Jest globalSetup: prepares the scratch installs and hands their paths to every test worker
 * through environment variables: PP_SCRATCH_DIR (the package under test and the fixture
 * packages, installed from `npm pack` tarballs, with the `typescript` and `@types/node` of a
 * `pulumi new typescript` project) and PP_EXAMPLES_SCRATCH_DIR (the package with what the
 * examples' package.json files add: `@types/node`, no `typescript`); and the real Pulumi CLI
 * with its Node.js language host (PP_PULUMI_CLI_DIR).
 *
 * It does not build: `npm test` runs `npm run build` first. It fails fast when `dist/` is
 * missing. With PP_HARNESS_ONLY=1 it skips the package under test and installs only the
 * fixtures, so the harness self-tests (`npx jest test/harness`) run while the package does
 * not build. It prints nothing; PP_SETUP_VERBOSE=1 prints where the project is and how it was
 * prepared.
 */
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";

import {
  CLI_TOOLS,
  EXAMPLES_SCRATCH_DIR_ENV,
  examplePackages,
  templatePackages,
} from "../../tools/harness/project";
import {
  FIXTURES_DIR,
  REPO_ROOT,
  SCRATCH_DIR_ENV,
  preparePackage,
} from "../../tools/harness/scratch";

/** Environment switch: `PP_HARNESS_ONLY=1` installs only the fixture packages. */
export const HARNESS_ONLY_ENV = "PP_HARNESS_ONLY";

/** Prepares the scratch project and exports PP_SCRATCH_DIR. */
export default async function globalSetup(): Promise<void> {
  const started = Date.now();
  const harnessOnly = isHarnessOnly();
  const packageDirs = setupPackageDirs();
  if (!harnessOnly && !fs.existsSync(path.join(REPO_ROOT, "dist", "index.js"))) {
    throw new Error(
      `${path.join(REPO_ROOT, "dist", "index.js")} is missing: run npm run build first ` +
        `(npm test does), or set ${HARNESS_ONLY_ENV}=1 to run only the harness self-tests`,
    );
  }
  const lines: string[] = [];
  const log = (l: string): void => {
    lines.push(l);
  };
  const scratchDir = await preparePackage({
    packageDirs,
    registryPackages: setupRegistryPackages(),
    log,
  });
  process.env[SCRATCH_DIR_ENV] = scratchDir;
  if (!harnessOnly) {
    process.env[EXAMPLES_SCRATCH_DIR_ENV] = await preparePackage({
      packageDirs: [REPO_ROOT],
      registryPackages: examplePackages(),
      log,
    });
    providePulumiCli();
  }
  // Silent unless asked: a passing `npm test` prints no noise. Failures throw with the details.
  if (process.env["PP_SETUP_VERBOSE"] === "1") {
    const seconds = ((Date.now() - started) / 1000).toFixed(1);
    lines.push(
      `scratch project ${scratchDir} ready in ${seconds} s${harnessOnly ? " (harness only)" : ""}`,
    );
    console.log(`\n${lines.map((l) => `[globalSetup] ${l}`).join("\n")}`);
  }
}

/** True when PP_HARNESS_ONLY=1: the package under test is left out of the scratch project. */
export function isHarnessOnly(): boolean {
  return process.env[HARNESS_ONLY_ENV] === "1";
}

/**
 * The package directories globalSetup installs: the repository root (unless harness-only) and
 * every fixture package.
 */
export function setupPackageDirs(): string[] {
  return isHarnessOnly() ? fixturePackageDirs() : [REPO_ROOT, ...fixturePackageDirs()];
}

/**
 * The registry packages installed beside them: those of a `pulumi new typescript` project
 * (`typescript`, `@types/node`), which the real-engine suite's projects have; none when
 * harness-only.
 */
export function setupRegistryPackages(): string[] {
  return isHarnessOnly() ? [] : templatePackages();
}

/** Every fixture package: directories of test/fixtures holding a package.json. */
export function fixturePackageDirs(): string[] {
  if (!fs.existsSync(FIXTURES_DIR)) {
    return [];
  }
  return fs
    .readdirSync(FIXTURES_DIR)
    .map((name) => path.join(FIXTURES_DIR, name))
    .filter((dir) => fs.existsSync(path.join(dir, "package.json")))
    .sort();
}

/**
 * Finds or builds the real Pulumi CLI and its Node.js language host for the
 * real-engine suite (`scripts/pulumi-cli`: cached after the first build,
 * which takes about six minutes) and hands their directory to the test files. When there is
 * none, the reason is handed over instead and the real-engine suite fails
 * with it, unless PULUMI_PANTHER_E2E=skip, which skips that suite loudly.
 */
function providePulumiCli(): void {
  if (process.env["PULUMI_PANTHER_E2E"] === "skip") {
    console.warn(
      "\n[globalSetup] PULUMI_PANTHER_E2E=skip: THE REAL-ENGINE SUITE (test/e2e) IS SKIPPED; nothing was run through the Pulumi CLI",
    );
    return;
  }
  const script = path.join(REPO_ROOT, "scripts", "pulumi-cli", "index.js");
  const run = spawnSync(process.execPath, [script], {
    cwd: REPO_ROOT,
    encoding: "utf8",
    stdio: ["ignore", "pipe", "pipe"],
    timeout: 60 * 60 * 1000,
  });
  const dir = run.stdout.trim().split("\n").at(-1) ?? "";
  const complete = CLI_TOOLS.every((name) => dir !== "" && fs.existsSync(path.join(dir, name)));
  if (run.status === 0 && complete) {
    process.env["PP_PULUMI_CLI_DIR"] = dir;
    // The first build's progress is worth seeing; a warm lookup says nothing.
    if (/\bbuilding\b|\bdownloading\b/i.test(run.stderr)) process.stderr.write(run.stderr);
    return;
  }
  process.env["PP_PULUMI_CLI_ERROR"] =
    `The real-engine suite needs a Pulumi CLI with its Node.js language host and none could be provided (${script} ` +
    `${run.error ? `failed to start: ${run.error.message}` : `exited ${String(run.status)}${run.status === 0 ? ` but ${dir} lacks one of pulumi, pulumi-language-nodejs, pulumi-resource-pulumi-nodejs` : ""}`}). ` +
    "What it said, below, names what is missing. PULUMI_PANTHER_E2E=skip skips the suite.\n" +
    run.stderr.trim().split("\n").slice(-15).join("\n");
}
