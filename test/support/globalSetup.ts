/**
 * Jest globalSetup: prepares one scratch project (the package under test and the fixture
 * packages, installed from `npm pack` tarballs) and hands its path to every test worker
 * through the PP_SCRATCH_DIR environment variable.
 *
 * It does not build: `npm test` runs `npm run build` first. It fails fast when `dist/` is
 * missing. With PP_HARNESS_ONLY=1 it skips the package under test and installs only the
 * fixtures, so the harness self-tests (`npx jest test/harness`) run while the package does
 * not build. It prints nothing; PP_SETUP_VERBOSE=1 prints where the project is and how it was
 * prepared.
 */
import * as fs from "node:fs";
import * as path from "node:path";

import { FIXTURES_DIR, REPO_ROOT, SCRATCH_DIR_ENV, preparePackage } from "./scratch";

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
  const scratchDir = await preparePackage({ packageDirs, log: (l) => lines.push(l) });
  process.env[SCRATCH_DIR_ENV] = scratchDir;
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
