/**
 * The packages as npm ships them: what the tarballs hold (the provider's, and the emulator's
 * from its workspace), and the module paths that serialized provider state and users rely on.
 */
import { execFileSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { childEnv, describeExit, exec } from "../../tools/harness/exec";
import {
  EMULATOR_DIR,
  REPO_ROOT,
  installedPackageDir,
  scratchDirFromEnv,
} from "../../tools/harness/scratch";

interface PackFile {
  readonly path: string;
}

const packed = (dir = REPO_ROOT): string[] => {
  const out = execFileSync("npm", ["pack", "--dry-run", "--json", "--ignore-scripts"], {
    cwd: dir,
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
      "dist/import/cli.js",
      "dist/policy/index.js",
      "dist/policy/index.d.ts",
      "README.md",
      "SECURITY.md",
      "CHANGELOG.md",
      "LICENSE",
      "package.json",
    ]),
  );
  expect(
    files.filter((f) =>
      /(^|\/)test\/|\.test\.|^provider\/|^bench\/|^examples\/|^packages\/|emulator/.test(f),
    ),
  ).toEqual([]);
});

it("ships the emulator as a package of its own: its build, its CLI, its docs", () => {
  const files = packed(EMULATOR_DIR);
  expect(files).toEqual(
    expect.arrayContaining([
      "dist/index.js",
      "dist/index.d.ts",
      "dist/cli.js",
      "README.md",
      "LICENSE",
      "package.json",
    ]),
  );
  expect(files.filter((f) => /(^|\/)test\/|\.test\.|^src\//.test(f))).toEqual([]);
});

it("keeps reachable every module path that state and users require, from an installed copy", () => {
  const scratch = scratchDirFromEnv();
  const resolve = (request: string): string =>
    execFileSync(process.execPath, ["-p", `require.resolve(${JSON.stringify(request)})`], {
      cwd: scratch,
      encoding: "utf8",
      stdio: ["ignore", "pipe", "pipe"],
    }).trim();
  const installed = installedPackageDir(scratch, "pulumi-panther");
  // Serialized provider state holds require("pulumi-panther/dynamic-provider"): a public contract.
  expect(resolve("pulumi-panther/dynamic-provider")).toBe(
    path.join(installed, "dist", "dynamic-provider", "index.js"),
  );
  expect(resolve("pulumi-panther")).toBe(path.join(installed, "dist", "index.js"));
  expect(resolve("pulumi-panther/client")).toBe(path.join(installed, "dist", "client", "index.js"));
  // The policy pack's policies: a pack folder imports them (examples/policy-pack).
  expect(resolve("pulumi-panther/policy")).toBe(path.join(installed, "dist", "policy", "index.js"));
  // The emulator is not the provider's: its own package, its own bin.
  expect(() => resolve("pulumi-panther/emulator")).toThrow(/ERR_PACKAGE_PATH_NOT_EXPORTED/);
  const emulator = installedPackageDir(scratch, "pulumi-panther-emulator");
  expect(resolve("pulumi-panther-emulator")).toBe(path.join(emulator, "dist", "index.js"));
  const bin = path.join(scratch, "node_modules", ".bin", "pulumi-panther-emulator");
  expect(fs.realpathSync(bin)).toBe(path.join(fs.realpathSync(emulator), "dist", "cli.js"));
  expect(fs.readFileSync(path.join(emulator, "dist", "cli.js"), "utf8")).toMatch(
    /^#!\/usr\/bin\/env node/,
  );
  expect(fs.existsSync(path.join(scratch, "node_modules", ".bin", "pulumi-panther-import"))).toBe(
    true,
  );
  expect(fs.readFileSync(path.join(installed, "dist", "import", "cli.js"), "utf8")).toMatch(
    /^#!\/usr\/bin\/env node/,
  );
});

/** What a clean clone lacks: the build, installs, caches and packs (.gitignore's entries). */
const NOT_IN_A_CLONE = new Set([".git", "node_modules", "dist", "coverage", ".build", ".ci/cache"]);
/** The same, at any depth (the emulator workspace's build). */
const NOT_IN_A_CLONE_ANYWHERE = new Set(["node_modules", "dist"]);

/** Copies the repository's sources to `dest`, as a fresh clone has them (no dist/). */
function copySources(from: string, dest: string, relative = ""): void {
  for (const entry of fs.readdirSync(path.join(from, relative), { withFileTypes: true })) {
    const rel = path.join(relative, entry.name);
    if (
      NOT_IN_A_CLONE.has(rel) ||
      NOT_IN_A_CLONE_ANYWHERE.has(entry.name) ||
      entry.name.endsWith(".tgz") ||
      rel === "bench/results"
    ) {
      continue;
    }
    if (entry.isDirectory()) {
      fs.mkdirSync(path.join(dest, rel));
      copySources(from, dest, rel);
    } else if (entry.isFile()) {
      fs.copyFileSync(path.join(from, rel), path.join(dest, rel));
    }
  }
}

/** `npm pack` (its prepack included) in `dir`, into `dest`: what it reports, and the tarball's entries. */
async function packWithScripts(
  dir: string,
  dest: string,
): Promise<{ files: string[]; tarball: string; listed: string[] }> {
  const r = await exec("npm", ["pack", "--json", "--pack-destination", dest], {
    cwd: dir,
    env: childEnv(),
    timeoutMs: 180_000,
  });
  expect({ exit: describeExit(r), stderr: r.stderr }).toEqual({
    exit: "exited with code 0",
    stderr: expect.any(String) as unknown,
  });
  const [report] = JSON.parse(r.stdout.slice(r.stdout.indexOf("["))) as {
    filename: string;
    files: PackFile[];
  }[];
  const tarball = path.join(dest, report?.filename ?? "");
  return {
    files: (report?.files ?? []).map((f) => f.path),
    tarball,
    listed: execFileSync("tar", ["-tzf", tarball], { encoding: "utf8" }).split("\n"),
  };
}

it("builds on pack: npm pack in a checkout without dist/ ships the build, of both packages", async () => {
  const work = fs.mkdtempSync(path.join(os.tmpdir(), "pulumi-panther-pack-"));
  try {
    const clone = path.join(work, "clone");
    fs.mkdirSync(clone);
    copySources(REPO_ROOT, clone);
    // The dependencies npm ci would install; the build needs the compiler.
    fs.symlinkSync(path.join(REPO_ROOT, "node_modules"), path.join(clone, "node_modules"), "dir");
    expect(fs.existsSync(path.join(clone, "dist"))).toBe(false);

    const { files, tarball, listed } = await packWithScripts(clone, work);

    expect(files).toEqual(
      expect.arrayContaining([
        "dist/index.js",
        "dist/index.d.ts",
        "dist/client/index.js",
        "dist/dynamic-provider/index.js",
      ]),
    );
    expect(files.filter((f) => f.includes("emulator"))).toEqual([]);
    // The tarball holds them too, built by the whole build (the declarations split).
    expect(listed).toContain("package/dist/index.js");
    const index = execFileSync("tar", ["-xzOf", tarball, "package/dist/index.d.ts"], {
      encoding: "utf8",
    });
    expect(index).toContain(`export type { PantherApiTokenArgs } from "./resources/apiToken";`);

    // The emulator's workspace packs on its own, from the same checkout, built by its prepack
    // (the root's build made one; it goes first).
    const emulator = path.join(clone, "packages", "panther-api-emulator");
    fs.rmSync(path.join(emulator, "dist"), { recursive: true, force: true });
    const emulatorPack = await packWithScripts(emulator, work);
    expect(emulatorPack.listed).toEqual(
      expect.arrayContaining(["package/dist/cli.js", "package/dist/index.d.ts"]),
    );
  } finally {
    fs.rmSync(work, { recursive: true, force: true });
  }
}, 240_000);

it("npm ci runs no dependency install script unreviewed, so it prints no install-scripts warning", async () => {
  // npm 11 skips the install scripts of dependencies not listed in allowScripts and warns about
  // each. protobufjs's postinstall (reached through @grpc/grpc-js) only warns when a dependent
  // asks for protobufjs with a range not starting with "~": package.json denies it.
  const r = await exec("npm", ["install-scripts", "ls"], {
    cwd: REPO_ROOT,
    env: childEnv(),
    timeoutMs: 60_000,
  });
  expect({ exit: describeExit(r), stdout: r.stdout.trim() }).toEqual({
    exit: "exited with code 0",
    stdout: "No packages with unreviewed install scripts.",
  });
});
