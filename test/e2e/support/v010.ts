/**
 * pulumi-panther 0.1.0, as released: built from its commit in this
 * repository's history and installed the way a user had it (in a project
 * made by `pulumi new typescript`, so with `typescript` and `@types/node`),
 * so that the upgrade test runs state that 0.1.0 really wrote. Cached by
 * commit and those packages under the OS temp directory.
 */
import { execFileSync } from "node:child_process";
import { createHash } from "node:crypto";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";

import { templatePackages } from "../../../tools/harness/project";
import { REPO_ROOT } from "../../../tools/harness/scratch";

/** The commit of release 0.1.0. */
export const V010_COMMIT = "74e19c7";

function run(command: string, args: string[], cwd: string): string {
  return execFileSync(command, args, {
    cwd,
    encoding: "utf8",
    stdio: ["ignore", "pipe", "pipe"],
    env: {
      ...process.env,
      npm_config_audit: "false",
      npm_config_fund: "false",
      npm_config_update_notifier: "false",
    },
    timeout: 10 * 60 * 1000,
  });
}

/**
 * A directory whose node_modules hold pulumi-panther 0.1.0 (and its
 * @pulumi/pulumi). Throws, saying why, when the commit is not in this clone.
 */
export function installV010(): string {
  const root = path.join(os.tmpdir(), "pulumi-panther-v010", V010_COMMIT);
  const template = templatePackages();
  const key = createHash("sha256").update(template.join("\n")).digest("hex").slice(0, 12);
  const install = path.join(root, `install-${key}`);
  if (fs.existsSync(path.join(install, "node_modules", "pulumi-panther", "dist", "index.js")))
    return install;
  try {
    run("git", ["cat-file", "-e", `${V010_COMMIT}^{commit}`], REPO_ROOT);
  } catch {
    throw new Error(
      `The upgrade test builds pulumi-panther 0.1.0 from commit ${V010_COMMIT}, which this clone lacks ` +
        "(a shallow clone?): fetch the history (git fetch --unshallow).",
    );
  }
  const work = fs.mkdtempSync(path.join(os.tmpdir(), "pulumi-panther-v010-build-"));
  try {
    const source = path.join(work, "source");
    fs.mkdirSync(source);
    const archive = path.join(work, "source.tar");
    run("git", ["archive", "--format=tar", `--output=${archive}`, V010_COMMIT], REPO_ROOT);
    run("tar", ["-xf", archive, "-C", source], work);
    run("npm", ["ci", "--ignore-scripts", "--no-audit", "--no-fund"], source);
    run("npm", ["run", "build"], source);
    const tarball = path.join(
      source,
      run("npm", ["pack", "--silent"], source).trim().split("\n").at(-1) ?? "",
    );
    const staged = path.join(work, "install");
    fs.mkdirSync(staged);
    fs.writeFileSync(
      path.join(staged, "package.json"),
      JSON.stringify({ name: "v010-user", private: true }),
    );
    run("npm", ["install", "--no-audit", "--no-fund", tarball, ...template], staged);
    fs.mkdirSync(root, { recursive: true });
    fs.rmSync(install, { recursive: true, force: true });
    fs.renameSync(staged, install);
    return install;
  } finally {
    fs.rmSync(work, { recursive: true, force: true });
  }
}
