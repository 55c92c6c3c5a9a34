import * as fs from "node:fs";
import * as path from "node:path";

import { isHarnessOnly, setupPackageDirs, setupRegistryPackages } from "../support/globalSetup";
import {
  FIXTURES_DIR,
  REPO_ROOT,
  installIntoScratch,
  installedPackageDir,
  preparePackage,
  scratchDirFromEnv,
} from "../../tools/harness/scratch";

const scratchDir = scratchDirFromEnv();

describe("scratch project", () => {
  it("lives outside the repository, in the OS temp directory", () => {
    expect(path.relative(REPO_ROOT, scratchDir).startsWith("..")).toBe(true);
  });

  it("holds real installs of the packed tarballs, not links to the sources", () => {
    const echo = installedPackageDir(scratchDir, "echo-provider");

    expect(fs.lstatSync(echo).isSymbolicLink()).toBe(false);
    expect(fs.realpathSync(echo)).toBe(echo);
    expect(fs.existsSync(path.join(echo, "provider.js"))).toBe(true);
    const pkg = JSON.parse(fs.readFileSync(path.join(scratchDir, "package.json"), "utf8")) as {
      dependencies: Record<string, string>;
    };
    expect(pkg.dependencies["echo-provider"]).toMatch(
      /^file:tarballs\/echo-provider-1\.0\.0\.tgz$/,
    );
  });

  it("installs @pulumi/pulumi once, shared by the packages, as npm dedupes it for a user", () => {
    const nested = path.join(
      installedPackageDir(scratchDir, "echo-provider"),
      "node_modules",
      "@pulumi",
    );

    expect(fs.existsSync(installedPackageDir(scratchDir, "@pulumi/pulumi"))).toBe(true);
    expect(fs.existsSync(nested)).toBe(false);
  });

  (isHarnessOnly() ? it.skip : it)(
    "contains the built package under test with its dist files",
    () => {
      const pkgDir = installedPackageDir(scratchDir, "pulumi-panther");

      expect(fs.existsSync(path.join(pkgDir, "dist", "index.js"))).toBe(true);
      expect(fs.existsSync(path.join(pkgDir, "provider"))).toBe(false);
    },
  );

  it("is reused when the same tarballs are prepared again", async () => {
    const again = await preparePackage({
      packageDirs: setupPackageDirs(),
      registryPackages: setupRegistryPackages(),
    });

    expect(again).toBe(scratchDir);
  });

  it("skips installing a package whose tarball is already installed", async () => {
    const lines: string[] = [];

    await installIntoScratch(scratchDir, [path.join(FIXTURES_DIR, "echo-provider")], {
      log: (l) => lines.push(l),
    });

    expect(lines.join("\n")).toContain("echo-provider already installed from an identical tarball");
  });
});
