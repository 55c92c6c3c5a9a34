/**
 * scripts/pulumi-cli: the choice of version, the language host's source hash and cache
 * decisions as functions, and, as processes, what it prints in each situation a machine can
 * be in: the real cache (the CLI and the language host built from ../shared), a cache holding
 * only a CLI (the language host is built from a read-only copy of its source, once), and a
 * clone without the source (a `pulumi` on PATH with its language host is used; one without it
 * is refused, naming what is missing, and nothing is built).
 */
import { execFileSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";

import {
  LANGUAGE_HOST,
  LANGUAGE_HOST_STAMP,
  PLUGIN_SCRIPT,
  cacheRoot,
  chooseVersion,
  languageHostSourceDir,
  languageHostStatus,
  parsePulumiVersionOutput,
  parseVersion,
  parseVersionList,
  requiredVersion,
  sameMinor,
  treeHash,
} from "../../scripts/pulumi-cli";
import { childEnv, exec, type ExecResult } from "../../tools/harness/exec";
import { cliDir, e2eSkipped } from "../../tools/harness/project";
import { REPO_ROOT } from "../../tools/harness/scratch";

const SCRIPT = path.join(REPO_ROOT, "scripts", "pulumi-cli", "index.js");
const SHARED_SOURCE = path.resolve(REPO_ROOT, "..", "shared", "pulumi-language-hosts", "nodejs");
const VERSION = "v3.274.0";
/**
 * Building the language host: about 5 s beside a CLI built with the same tags (its packages
 * are in the Go build cache), 90 s with an empty build cache, twice that on two loaded cores.
 */
const BUILD_TIMEOUT_MS = 10 * 60_000;

// What the Go module proxy on our machines listed for github.com/pulumi/pulumi/pkg/v3.
const SERVED = [
  "v3.224.0",
  "v3.225.1",
  "v3.229.0",
  "v3.248.0",
  "v3.252.0",
  "v3.260.0",
  "v3.274.0",
  "v3.274.1",
  "v3.275.0",
  "v3.276.0",
];

describe("chooseVersion", () => {
  it.each([
    ["3.274.0", "v3.274.0"], // served exactly
    ["v3.274.1", "v3.274.1"],
    ["3.270.0", "v3.274.0"], // 4 minors up beats 10 down; the lowest patch of that minor
    ["3.265.0", "v3.260.0"], // 5 down beats 9 up
    ["3.267.0", "v3.274.0"], // 7 down, 7 up: a tie goes to the higher
    ["3.300.0", "v3.276.0"], // above everything served
    ["3.100.0", "v3.224.0"], // below everything served
  ])("wanted %s → %s", (wanted, expected) => {
    expect(chooseVersion(wanted, SERVED)).toBe(expected);
  });

  it("within a minor, takes the nearest patch, and the higher on a tie", () => {
    expect(chooseVersion("3.270.5", ["v3.270.0", "v3.270.9"])).toBe("v3.270.9");
    expect(chooseVersion("3.270.5", ["v3.270.2", "v3.270.9"])).toBe("v3.270.2");
    expect(chooseVersion("3.270.5", ["v3.270.0", "v3.270.10"])).toBe("v3.270.10");
  });

  it("ignores other majors, pre-releases and junk", () => {
    expect(chooseVersion("3.270.0", ["v4.270.0", "v3.270.0-rc.1", "latest", "v3.200.0"])).toBe(
      "v3.200.0",
    );
  });

  it("returns undefined when nothing of the same major is served", () => {
    expect(chooseVersion("3.270.0", [])).toBeUndefined();
    expect(chooseVersion("3.270.0", ["v2.25.2", "v4.0.0"])).toBeUndefined();
  });

  it("refuses a wanted version that is not a release", () => {
    expect(() => chooseVersion("3.270.0-alpha", SERVED)).toThrow(/not a release version/);
  });
});

describe("output parsing", () => {
  it("reads go list -m -versions output", () => {
    expect(parseVersionList("github.com/pulumi/pulumi/pkg/v3 v3.274.0 v3.274.1\n")).toEqual([
      "v3.274.0",
      "v3.274.1",
    ]);
    expect(parseVersionList("github.com/pulumi/pulumi/pkg/v3\n")).toEqual([]);
  });

  it("reads pulumi version output; an unstamped build prints nothing usable", () => {
    expect(parsePulumiVersionOutput("v3.274.0\n")).toBe("v3.274.0");
    expect(parsePulumiVersionOutput("\n")).toBeUndefined();
    expect(parsePulumiVersionOutput("v3.274.0-dev.0\n")).toBeUndefined();
  });

  it("parses release versions only", () => {
    expect(parseVersion("v3.274.0")).toEqual({ major: 3, minor: 274, patch: 0 });
    expect(parseVersion("3.270.0")).toEqual({ major: 3, minor: 270, patch: 0 });
    expect(parseVersion("3.270")).toBeUndefined();
  });

  it("compares minors", () => {
    expect(sameMinor("v3.274.1", "3.274.0")).toBe(true);
    expect(sameMinor("v3.275.0", "3.274.0")).toBe(false);
    expect(sameMinor("", "3.274.0")).toBe(false);
  });

  it("reads the version a go.mod requires a module at, in a block or on one line", () => {
    const goMod = [
      "module github.com/pulumi/pulumi/sdk/nodejs/cmd/pulumi-language-nodejs/v3",
      "",
      "go 1.26.6",
      "",
      "require github.com/blang/semver v3.5.1+incompatible",
      "require (",
      "\tgithub.com/pulumi/pulumi/pkg/v3 v3.274.0",
      "\tgithub.com/pulumi/pulumi/sdk/v3 v3.274.1 // indirect",
      ")",
    ].join("\n");
    expect(requiredVersion(goMod, "github.com/pulumi/pulumi/sdk/v3")).toBe("v3.274.1");
    expect(requiredVersion(goMod, "github.com/pulumi/pulumi/pkg/v3")).toBe("v3.274.0");
    expect(requiredVersion(goMod, "github.com/blang/semver")).toBeUndefined();
    expect(requiredVersion(goMod, "github.com/pulumi/pulumi/sdk")).toBeUndefined();
  });
});

describe("cacheRoot and the language host's source folder", () => {
  it("prefers PULUMI_PANTHER_CLI_CACHE, then XDG_CACHE_HOME, then HOME/.cache", () => {
    expect(cacheRoot({ PULUMI_PANTHER_CLI_CACHE: "/c/x", XDG_CACHE_HOME: "/x", HOME: "/h" })).toBe(
      path.resolve("/c/x"),
    );
    expect(cacheRoot({ XDG_CACHE_HOME: "/x", HOME: "/h" })).toBe(
      path.join("/x", "pulumi-panther", "pulumi-cli"),
    );
    expect(cacheRoot({ HOME: "/h" })).toBe(
      path.join("/h", ".cache", "pulumi-panther", "pulumi-cli"),
    );
  });

  it("finds the source in ../shared beside the checkout unless told otherwise", () => {
    expect(languageHostSourceDir({})).toBe(SHARED_SOURCE);
    expect(languageHostSourceDir({ PULUMI_PANTHER_LANGUAGE_HOST_SOURCE: "/src/host" })).toBe(
      path.resolve("/src/host"),
    );
  });
});

describe("treeHash", () => {
  let dir: string;
  beforeEach(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), "pp-tree-"));
  });
  afterEach(() => {
    fs.rmSync(dir, { recursive: true, force: true });
  });
  const write = (rel: string, text: string): void => {
    fs.mkdirSync(path.dirname(path.join(dir, rel)), { recursive: true });
    fs.writeFileSync(path.join(dir, rel), text);
  };

  it("depends on every file's path and bytes, not on the order they were written in", () => {
    write("main.go", "package main\n");
    write("sub/a.go", "package sub\n");
    const first = treeHash(dir);
    expect(first).toMatch(/^[0-9a-f]{16}$/);

    const other = fs.mkdtempSync(path.join(os.tmpdir(), "pp-tree-"));
    try {
      fs.mkdirSync(path.join(other, "sub"));
      fs.writeFileSync(path.join(other, "sub", "a.go"), "package sub\n");
      fs.writeFileSync(path.join(other, "main.go"), "package main\n");
      expect(treeHash(other)).toBe(first);
    } finally {
      fs.rmSync(other, { recursive: true, force: true });
    }

    write("main.go", "package main\n\n");
    const changed = treeHash(dir);
    expect(changed).not.toBe(first);
    fs.renameSync(path.join(dir, "sub", "a.go"), path.join(dir, "sub", "b.go"));
    expect(treeHash(dir)).not.toBe(changed);
    write("extra.txt", "");
    expect(treeHash(dir)).not.toBe(changed);
  });
});

describe("languageHostStatus", () => {
  const stamp = { sourceHash: "aaaa", binarySize: 100 };
  it.each([
    ["built from this source", "current", stamp, "aaaa", 100],
    ["built from other files", "build", stamp, "bbbb", 100],
    ["replaced since (another size)", "build", stamp, "aaaa", 99],
    ["gone", "build", stamp, "aaaa", undefined],
    ["never built, a source", "build", undefined, "aaaa", undefined],
    ["a record of the old proxy attempt", "build", { built: false }, "aaaa", undefined],
    ["no source, built earlier", "kept", stamp, undefined, 100],
    ["no source, never built", "missing", undefined, undefined, undefined],
    ["no source, binary gone", "missing", stamp, undefined, undefined],
  ] as const)("%s → %s", (_label, expected, stampValue, sourceHash, size) => {
    expect(languageHostStatus(stampValue, sourceHash, size)).toBe(expected);
  });
});

/** Runs the script with `env` over a minimal environment (HOME, and PATH unless given). */
function runScript(env: Record<string, string>, timeoutMs = 30_000): Promise<ExecResult> {
  return exec(process.execPath, [SCRIPT], {
    cwd: REPO_ROOT,
    env: {
      ...childEnv(),
      PULUMI_PANTHER_CLI: "",
      PULUMI_PANTHER_CLI_VERSION: "",
      PULUMI_PANTHER_CLI_CACHE: "",
      PULUMI_PANTHER_LANGUAGE_HOST_SOURCE: "",
      ...env,
    },
    timeoutMs,
  });
}

function printedDir(r: ExecResult): string {
  return r.stdout.trim().split("\n").at(-1) ?? "";
}

/** Hard-links `from` to `to` (one file system), or copies it. */
function linkOrCopy(from: string, to: string): void {
  try {
    fs.linkSync(from, to);
  } catch {
    fs.copyFileSync(from, to);
    fs.chmodSync(to, 0o755);
  }
}

function isExecutableFile(file: string): boolean {
  try {
    fs.accessSync(file, fs.constants.X_OK);
    return fs.statSync(file).isFile();
  } catch {
    return false;
  }
}

function listing(dir: string): string[] {
  return (fs.readdirSync(dir, { recursive: true }) as string[]).sort();
}

const describeCli = e2eSkipped() ? describe.skip : describe;

describeCli("npm run --silent pulumi-cli, as processes", () => {
  let work: string;
  let realBin: string;
  beforeAll(() => {
    realBin = cliDir();
    work = fs.mkdtempSync(path.join(os.tmpdir(), "pp-pulumi-cli-"));
  });
  afterAll(() => {
    // The read-only source copy must be writable again to be removed.
    execFileSync("chmod", ["-R", "u+w", work]);
    fs.rmSync(work, { recursive: true, force: true });
  });

  it("prints the cached bin directory: pulumi, the language host built from ../shared, the plugin script", async () => {
    const r = await runScript({});
    expect(r.exitCode).toBe(0);
    const dir = printedDir(r);
    expect(dir).toBe(realBin);
    for (const name of ["pulumi", LANGUAGE_HOST, PLUGIN_SCRIPT]) {
      expect({ name, executable: isExecutableFile(path.join(dir, name)) }).toEqual({
        name,
        executable: true,
      });
    }
    // Real files beside pulumi, where the CLI looks for its bundled language host.
    expect(fs.lstatSync(path.join(dir, LANGUAGE_HOST)).isSymbolicLink()).toBe(false);
    const stamp = JSON.parse(
      fs.readFileSync(path.join(path.dirname(dir), LANGUAGE_HOST_STAMP), "utf8"),
    ) as { sourceHash: string; binarySize: number };
    expect(stamp.sourceHash).toBe(treeHash(SHARED_SOURCE));
    expect(stamp.binarySize).toBe(fs.statSync(path.join(dir, LANGUAGE_HOST)).size);
    // A warm call builds nothing.
    expect(r.stderr).not.toMatch(/\bbuilding\b/);
  });

  it(
    "beside a cached pulumi, builds the language host once from a read-only copy of its source, writing nothing there",
    async () => {
      const cache = path.join(work, "cache-build");
      const bin = path.join(cache, VERSION, "bin");
      fs.mkdirSync(bin, { recursive: true });
      linkOrCopy(path.join(realBin, "pulumi"), path.join(bin, "pulumi"));
      const source = path.join(work, "source");
      fs.cpSync(SHARED_SOURCE, source, { recursive: true });
      execFileSync("chmod", ["-R", "a-w", source]);
      const before = { files: listing(source), hash: treeHash(source) };
      const env = {
        PULUMI_PANTHER_CLI_CACHE: cache,
        PULUMI_PANTHER_CLI_VERSION: VERSION,
        PULUMI_PANTHER_LANGUAGE_HOST_SOURCE: source,
      };

      const built = await runScript(env, BUILD_TIMEOUT_MS - 60_000);
      expect({ exit: built.exitCode, stderr: built.stderr }).toEqual({
        exit: 0,
        stderr: expect.stringContaining(`building ${LANGUAGE_HOST}`) as unknown,
      });
      expect(printedDir(built)).toBe(bin);
      expect(isExecutableFile(path.join(bin, LANGUAGE_HOST))).toBe(true);
      expect(isExecutableFile(path.join(bin, PLUGIN_SCRIPT))).toBe(true);
      const main = /^\s*path\s+(\S+)/m.exec(
        execFileSync("go", ["version", "-m", path.join(bin, LANGUAGE_HOST)], { encoding: "utf8" }),
      )?.[1];
      expect(main).toBe("github.com/pulumi/pulumi/sdk/nodejs/cmd/pulumi-language-nodejs/v3");
      expect({ files: listing(source), hash: treeHash(source) }).toEqual(before);
      const stamp = JSON.parse(
        fs.readFileSync(path.join(cache, VERSION, LANGUAGE_HOST_STAMP), "utf8"),
      ) as { source: string; sourceHash: string; version: string };
      expect(stamp).toMatchObject({ source, sourceHash: before.hash, version: VERSION });

      const again = await runScript(env);
      expect(again.exitCode).toBe(0);
      expect(printedDir(again)).toBe(bin);
      expect(again.stderr).not.toMatch(/\bbuilding\b/);

      // Without the source (a clone without ../shared), the host built earlier is used.
      const kept = await runScript({
        ...env,
        PULUMI_PANTHER_LANGUAGE_HOST_SOURCE: path.join(work, "absent"),
      });
      expect(kept.exitCode).toBe(0);
      expect(printedDir(kept)).toBe(bin);
      expect(kept.stderr).toMatch(/using the pulumi-language-nodejs built on .* from .*source/);
    },
    BUILD_TIMEOUT_MS,
  );

  it("without the source, refuses a pulumi on PATH that has no language host beside it, naming what is missing, and builds nothing", async () => {
    const cache = path.join(work, "cache-refused");
    const pathBin = path.join(work, "path-without-host");
    fs.mkdirSync(pathBin, { recursive: true });
    linkOrCopy(path.join(realBin, "pulumi"), path.join(pathBin, "pulumi"));
    const absent = path.join(work, "no-shared", "nodejs");
    const r = await runScript({
      PULUMI_PANTHER_CLI_CACHE: cache,
      PULUMI_PANTHER_CLI_VERSION: VERSION,
      PULUMI_PANTHER_LANGUAGE_HOST_SOURCE: absent,
      PATH: [pathBin, path.dirname(process.execPath), "/usr/bin", "/bin"].join(path.delimiter),
    });
    expect(r.exitCode).toBe(1);
    expect(r.stdout).toBe("");
    expect(r.stderr).toContain(`no language host source at ${absent}`);
    expect(r.stderr).toContain(
      `${path.join(pathBin, "pulumi")} (pulumi ${VERSION}, from PATH (same minor as ${VERSION})) has no ${LANGUAGE_HOST} beside it (${path.join(pathBin, LANGUAGE_HOST)})`,
    );
    expect(r.stderr).toMatch(/Put a Pulumi CLI v3\.274\.x install on PATH/);
    expect(fs.existsSync(path.join(cache, VERSION))).toBe(false);
  });

  it("without the source, uses a pulumi on PATH with its language host beside it", async () => {
    const cache = path.join(work, "cache-path");
    const pathBin = path.join(work, "path-with-host");
    fs.mkdirSync(pathBin, { recursive: true });
    for (const name of ["pulumi", LANGUAGE_HOST]) {
      linkOrCopy(path.join(realBin, name), path.join(pathBin, name));
    }
    const r = await runScript({
      PULUMI_PANTHER_CLI_CACHE: cache,
      PULUMI_PANTHER_CLI_VERSION: VERSION,
      PULUMI_PANTHER_LANGUAGE_HOST_SOURCE: path.join(work, "no-shared", "nodejs"),
      PATH: [pathBin, path.dirname(process.execPath), "/usr/bin", "/bin"].join(path.delimiter),
    });
    expect(r.exitCode).toBe(0);
    const dir = printedDir(r);
    expect(dir.startsWith(path.join(cache, "external") + path.sep)).toBe(true);
    expect(fs.realpathSync(path.join(dir, "pulumi"))).toBe(path.join(pathBin, "pulumi"));
    expect(fs.realpathSync(path.join(dir, LANGUAGE_HOST))).toBe(path.join(pathBin, LANGUAGE_HOST));
    expect(isExecutableFile(path.join(dir, PLUGIN_SCRIPT))).toBe(true);
    expect(fs.existsSync(path.join(cache, VERSION))).toBe(false);
  });
});
