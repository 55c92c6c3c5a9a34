/**
 * Jest globalSetup: prepares the scratch installs and hands their paths to every test worker
 * through environment variables: PULUMI_PANTHER_SCRATCH_DIR (the package under test and the fixture
 * packages, installed from `npm pack` tarballs, with the `typescript` and `@types/node` of a
 * `pulumi new typescript` project) and PULUMI_PANTHER_EXAMPLES_SCRATCH_DIR (the package with what the
 * examples' package.json files add: `@types/node`, no `typescript`); and the real Pulumi CLI
 * with its Node.js language host (PULUMI_PANTHER_CLI_DIR).
 *
 * It does not build: `npm test` runs `npm run build` first. It fails fast when `dist/` is
 * missing. With PULUMI_PANTHER_HARNESS_ONLY=1 it skips the package under test and installs only the
 * fixtures, so the harness self-tests (`npx jest test/harness`) run while the package does
 * not build. It prints nothing; PULUMI_PANTHER_SETUP_VERBOSE=1 prints where the project is and how it was
 * prepared.
 */
import * as fs from "node:fs";
import * as path from "node:path";

import { ENV } from "../../tools/harness/env";
import { examplePackages, templatePackages } from "../../tools/harness/project";
import { providePulumiCli } from "../../tools/harness/pulumi-cli";
import { EMULATOR_DIR, FIXTURES_DIR, REPO_ROOT, preparePackage } from "../../tools/harness/scratch";

/** Prepares the scratch project and exports PULUMI_PANTHER_SCRATCH_DIR. */
export default async function globalSetup(): Promise<void> {
  const started = Date.now();
  const harnessOnly = isHarnessOnly();
  const packageDirs = setupPackageDirs();
  if (!harnessOnly && !fs.existsSync(path.join(REPO_ROOT, "dist", "index.js"))) {
    throw new Error(
      `${path.join(REPO_ROOT, "dist", "index.js")} is missing: run npm run build first ` +
        `(npm test does), or set ${ENV.harnessOnly}=1 to run only the harness self-tests`,
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
  process.env[ENV.scratchDir] = scratchDir;
  if (!harnessOnly) {
    process.env[ENV.examplesScratchDir] = await preparePackage({
      packageDirs: [REPO_ROOT],
      registryPackages: examplePackages(),
      log,
    });
    await provideCliToTests();
  }
  // Silent unless asked: a passing `npm test` prints no noise. Failures throw with the details.
  if (process.env[ENV.setupVerbose] === "1") {
    const seconds = ((Date.now() - started) / 1000).toFixed(1);
    lines.push(
      `scratch project ${scratchDir} ready in ${seconds} s${harnessOnly ? " (harness only)" : ""}`,
    );
    console.log(`\n${lines.map((l) => `[globalSetup] ${l}`).join("\n")}`);
  }
}

/** True when PULUMI_PANTHER_HARNESS_ONLY=1: the package under test is left out of the scratch project. */
export function isHarnessOnly(): boolean {
  return process.env[ENV.harnessOnly] === "1";
}

/**
 * The package directories globalSetup installs: the repository root and the emulator's package
 * (unless harness-only), and every fixture package.
 */
export function setupPackageDirs(): string[] {
  return isHarnessOnly()
    ? fixturePackageDirs()
    : [REPO_ROOT, EMULATOR_DIR, ...fixturePackageDirs()];
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
 * Finds or builds the real Pulumi CLI and its Node.js language host for the real-engine suite,
 * the one way the demo and the bench do too (`providePulumiCli`, over `scripts/pulumi-cli`:
 * cached after the first build, which takes about six minutes), and hands their directory to
 * the test files. When there is none, the reason is handed over instead and the real-engine
 * suite fails with it, unless PULUMI_PANTHER_E2E=skip, which skips that suite loudly.
 */
async function provideCliToTests(): Promise<void> {
  if (process.env[ENV.e2e] === "skip") {
    console.warn(
      `\n[globalSetup] ${ENV.e2e}=skip: THE REAL-ENGINE SUITE (test/e2e) IS SKIPPED; nothing was run through the Pulumi CLI`,
    );
    return;
  }
  const cli = await providePulumiCli(60 * 60 * 1000);
  if (cli.found) {
    // The first build's progress is worth seeing; a warm lookup says nothing.
    if (/\bbuilding\b|\bdownloading\b/i.test(cli.log)) process.stderr.write(`${cli.log}\n`);
    return;
  }
  process.env[ENV.cliError] =
    `The real-engine suite needs a Pulumi CLI with its Node.js language host and none could be provided (${cli.reason}). ` +
    `What it said, below, names what is missing. ${ENV.e2e}=skip skips the suite.\n` +
    cli.log.split("\n").slice(-15).join("\n");
}
