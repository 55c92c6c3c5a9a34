/**
 * One prefix for every switch: each `PULUMI_PANTHER_*` name anywhere in the tree is one that
 * tools/harness/env.ts lists, and each it lists is used somewhere besides it (by name, or as
 * `ENV.<key>`).
 */
import { execFileSync } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";

import { ENV } from "../../tools/harness/env";
import { REPO_ROOT } from "../../tools/harness/scratch";

/** The tracked files (and new ones not ignored), as a fresh clone has them. */
function sourceFiles(): string[] {
  return execFileSync("git", ["ls-files", "--cached", "--others", "--exclude-standard"], {
    cwd: REPO_ROOT,
    encoding: "utf8",
  })
    .split("\n")
    .filter((f) => f !== "" && !f.endsWith("package-lock.json"))
    .filter((f) => fs.existsSync(path.join(REPO_ROOT, f)));
}

const ENV_FILE = path.join("tools", "harness", "env.ts");

it("lists every PULUMI_PANTHER_ variable the tree reads or sets, and only those", () => {
  const used = new Set<string>();
  const keys = new Set<string>();
  for (const file of sourceFiles()) {
    if (file === ENV_FILE) continue;
    const text = fs.readFileSync(path.join(REPO_ROOT, file), "utf8");
    for (const [name] of text.matchAll(/\bPULUMI_PANTHER_[A-Z0-9_]*[A-Z0-9]\b/g)) used.add(name);
    for (const [, key = ""] of text.matchAll(/\bENV\.([A-Za-z0-9]+)/g)) keys.add(key);
  }
  const listed: string[] = Object.values(ENV);
  expect([...used].filter((name) => !listed.includes(name)).sort()).toEqual([]);
  const unused = Object.entries(ENV).filter(([key, name]) => !used.has(name) && !keys.has(key));
  expect(unused).toEqual([]);
  expect(new Set(listed).size).toBe(listed.length);
});

it("leaves no switch under the old PP_ prefix", () => {
  const old = sourceFiles().filter((file) =>
    /\bPP_(?!PROGRAM_FAILED|HOST_CALL_FAILED)[A-Z]+/.test(
      fs.readFileSync(path.join(REPO_ROOT, file), "utf8"),
    ),
  );
  expect(old).toEqual([]);
});
