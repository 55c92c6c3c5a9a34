/**
 * The package as npm ships it: what the tarball holds, and the module paths
 * that serialized provider state and users rely on.
 */
import { execFileSync } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";
import { REPO_ROOT, installedPackageDir, scratchDirFromEnv } from "../../tools/harness/scratch";

interface PackFile {
  readonly path: string;
}

const packed = (): string[] => {
  const out = execFileSync("npm", ["pack", "--dry-run", "--json", "--ignore-scripts"], {
    cwd: REPO_ROOT,
    encoding: "utf8",
    stdio: ["ignore", "pipe", "ignore"],
  });
  const [report] = JSON.parse(out) as { files: PackFile[] }[];
  return (report?.files ?? []).map((f) => f.path);
};

it("ships the build, its types and the docs, and no tests or sources", () => {
  const files = packed();
  expect(files).toEqual(
    expect.arrayContaining([
      "dist/index.js",
      "dist/index.d.ts",
      "dist/dynamic-provider/index.js",
      "dist/client/index.js",
      "dist/emulator/index.js",
      "dist/emulator/cli.js",
      "README.md",
      "SECURITY.md",
      "CHANGELOG.md",
      "LICENSE",
      "package.json",
    ]),
  );
  expect(
    files.filter((f) => /(^|\/)test\/|\.test\.|^provider\/|^bench\/|^examples\//.test(f)),
  ).toEqual([]);
});

it("keeps reachable every module path that state and users require, from an installed copy", () => {
  const scratch = scratchDirFromEnv();
  const resolve = (request: string): string =>
    execFileSync(process.execPath, ["-p", `require.resolve(${JSON.stringify(request)})`], {
      cwd: scratch,
      encoding: "utf8",
    }).trim();
  const installed = installedPackageDir(scratch, "pulumi-panther");
  // Serialized provider state holds require("pulumi-panther/dynamic-provider"): a public contract.
  expect(resolve("pulumi-panther/dynamic-provider")).toBe(
    path.join(installed, "dist", "dynamic-provider", "index.js"),
  );
  expect(resolve("pulumi-panther")).toBe(path.join(installed, "dist", "index.js"));
  expect(resolve("pulumi-panther/client")).toBe(path.join(installed, "dist", "client", "index.js"));
  expect(resolve("pulumi-panther/emulator")).toBe(
    path.join(installed, "dist", "emulator", "index.js"),
  );
  const bin = path.join(scratch, "node_modules", ".bin", "pulumi-panther-emulator");
  expect(fs.existsSync(bin)).toBe(true);
  expect(fs.readFileSync(path.join(installed, "dist", "emulator", "cli.js"), "utf8")).toMatch(
    /^#!\/usr\/bin\/env node/,
  );
});
