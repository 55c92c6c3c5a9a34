#!/usr/bin/env node
/**
 * `npm run --silent pulumi-cli`: prints, as its last stdout line, the absolute path of a
 * directory holding a real Pulumi CLI (`pulumi`), the dynamic-provider plugin script
 * (`pulumi-resource-pulumi-nodejs`, copied from the installed `@pulumi/pulumi`) and, where it
 * could be built, the Node.js language host (`pulumi-language-nodejs`). Put that directory
 * first on PATH, or hand it to the Automation API (`PulumiCommand.get({ root: <dir>/.. })`).
 *
 * No CLI can be downloaded here, so it is built from the Go module proxy with the ordinary
 * `go` command, at the `github.com/pulumi/pulumi/pkg/v3` version the proxy serves that is
 * closest to the installed `@pulumi/pulumi` (a tie goes to the higher one). Builds are cached
 * outside the repository, keyed by version:
 *
 *   ${PULUMI_PANTHER_CLI_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/pulumi-panther/pulumi-cli}/v3.X.Y/bin
 *
 * A warm call runs no `go` command: the version chosen for an installed `@pulumi/pulumi` is
 * remembered for a week (PULUMI_PANTHER_CLI_REFRESH=1 asks the proxy again and retries the
 * language host). A build runs under a per-version lock and is renamed into place, so two
 * callers at once cannot see a half-built directory.
 *
 * Other sources, said on stderr when used: PULUMI_PANTHER_CLI=/path/to/pulumi (used as is),
 * or a `pulumi` on PATH of the same minor version as the one that would be built.
 * PULUMI_PANTHER_CLI_VERSION=v3.X.Y builds that pkg/v3 version instead of choosing one.
 *
 * Everything but the final path goes to stderr. Plain CommonJS, no dependencies.
 */
"use strict";

const fs = require("node:fs");
const os = require("node:os");
const path = require("node:path");
const crypto = require("node:crypto");
const { spawnSync } = require("node:child_process");

const REPO_ROOT = path.resolve(__dirname, "..");
const SDK_PACKAGE_DIR = path.join(REPO_ROOT, "node_modules", "@pulumi", "pulumi");

const PKG_MODULE = "github.com/pulumi/pulumi/pkg/v3";
const SDK_MODULE = "github.com/pulumi/pulumi/sdk/v3";
const CLI_PACKAGE = `${PKG_MODULE}/cmd/pulumi`;
const LANGUAGE_HOST_MODULE = "github.com/pulumi/pulumi/sdk/nodejs/cmd/pulumi-language-nodejs/v3";
const VERSION_VARIABLE = "github.com/pulumi/pulumi/sdk/v3/go/common/version.Version";
const BUILD_TAGS = "osusergo,grpcnotrace";
const PLUGIN_SCRIPT = "pulumi-resource-pulumi-nodejs";
const LANGUAGE_HOST = "pulumi-language-nodejs";

const CHOICE_MAX_AGE_MS = 7 * 24 * 60 * 60 * 1000;
const DEFAULT_MIN_FREE_GB = 5;
const LOCK_WAIT_MS = 60 * 60 * 1000;
const LOCK_YOUNG_MS = 30 * 1000;
const QUICK_TIMEOUT_MS = 120 * 1000;
const BUILD_TIMEOUT_MS = 60 * 60 * 1000;

// ---------------------------------------------------------------------------------------------
// Pure logic (exported for the unit tests)
// ---------------------------------------------------------------------------------------------

/**
 * Parses a release version such as `v3.274.0` or `3.270.0` into numbers. Pre-releases, build
 * metadata and anything else return undefined: only releases are candidates.
 */
function parseVersion(text) {
  const match = /^v?(\d+)\.(\d+)\.(\d+)$/.exec(String(text).trim());
  if (!match) return undefined;
  return { major: Number(match[1]), minor: Number(match[2]), patch: Number(match[3]) };
}

/** `v3.274.0` for `3.274.0` or `v3.274.0`; undefined when not a release version. */
function normalizeVersion(text) {
  const v = parseVersion(text);
  return v ? `v${v.major}.${v.minor}.${v.patch}` : undefined;
}

/** Negative, zero or positive as release version `a` is lower than, equal to or above `b`. */
function compareVersions(a, b) {
  const x = parseVersion(a);
  const y = parseVersion(b);
  if (!x || !y) throw new Error(`not release versions: ${a}, ${b}`);
  return x.major - y.major || x.minor - y.minor || x.patch - y.patch;
}

/**
 * The version of `served` closest to `wanted`, as `vX.Y.Z`, among releases of the same major:
 * the nearest one at or above `wanted` and the nearest one at or below it are the candidates;
 * the one whose minor is nearer wins, then (same minor) the one whose patch is nearer; a tie
 * goes to the higher. Undefined when nothing of the same major is served.
 */
function chooseVersion(wanted, served) {
  const w = parseVersion(wanted);
  if (!w) throw new Error(`not a release version: ${wanted}`);
  const same = served.filter((v) => {
    const c = parseVersion(v);
    return c !== undefined && c.major === w.major;
  });
  let above;
  let below;
  for (const v of same) {
    const order = compareVersions(v, wanted);
    if (order >= 0 && (above === undefined || compareVersions(v, above) < 0)) above = v;
    if (order <= 0 && (below === undefined || compareVersions(v, below) > 0)) below = v;
  }
  if (above === undefined || below === undefined) {
    const only = above === undefined ? below : above;
    return only === undefined ? undefined : normalizeVersion(only);
  }
  const distance = (v) => {
    const c = parseVersion(v);
    const minor = Math.abs(c.minor - w.minor);
    return [minor, minor === 0 ? Math.abs(c.patch - w.patch) : 0];
  };
  const [a, b] = [distance(above), distance(below)];
  const belowWins = b[0] < a[0] || (b[0] === a[0] && b[1] < a[1]);
  return normalizeVersion(belowWins ? below : above);
}

/** The versions in `go list -m -versions <module>` output (`<module> v1 v2 …`). */
function parseVersionList(stdout) {
  return String(stdout).trim().split(/\s+/).slice(1).filter(Boolean);
}

/** The version `pulumi version` printed (`v3.274.0`), or undefined. */
function parsePulumiVersionOutput(stdout) {
  const first = String(stdout).trim().split(/\r?\n/)[0] || "";
  return normalizeVersion(first);
}

/** True when both release versions have the same major and minor. */
function sameMinor(a, b) {
  const x = parseVersion(a);
  const y = parseVersion(b);
  return Boolean(x && y && x.major === y.major && x.minor === y.minor);
}

/** Root of the build cache for the given environment. */
function cacheRoot(env) {
  if (env["PULUMI_PANTHER_CLI_CACHE"]) return path.resolve(env["PULUMI_PANTHER_CLI_CACHE"]);
  const base = env["XDG_CACHE_HOME"] || path.join(env["HOME"] || os.homedir(), ".cache");
  return path.join(path.resolve(base), "pulumi-panther", "pulumi-cli");
}

// ---------------------------------------------------------------------------------------------
// Side effects
// ---------------------------------------------------------------------------------------------

class CliError extends Error {}

function log(line) {
  process.stderr.write(`pulumi-cli: ${line}\n`);
}

function seconds(ms) {
  return `${(ms / 1000).toFixed(1)} s`;
}

function sleep(ms) {
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
}

function readJson(file) {
  try {
    return JSON.parse(fs.readFileSync(file, "utf8"));
  } catch {
    return undefined;
  }
}

/** Writes a file through a temporary name and a rename, so readers never see half of it. */
function writeAtomic(file, content, mode) {
  fs.mkdirSync(path.dirname(file), { recursive: true });
  const tmp = `${file}.tmp-${process.pid}-${crypto.randomBytes(4).toString("hex")}`;
  fs.writeFileSync(tmp, content, { mode: mode || 0o644 });
  if (mode) fs.chmodSync(tmp, mode);
  fs.renameSync(tmp, file);
}

function goEnv() {
  return { ...process.env, GOWORK: "off", GO111MODULE: "on", CGO_ENABLED: "0" };
}

/** Runs a command, capturing its output. Never throws; a spawn error is in `.error`. */
function run(command, args, options) {
  const result = spawnSync(command, args, {
    encoding: "utf8",
    maxBuffer: 256 * 1024 * 1024,
    timeout: QUICK_TIMEOUT_MS,
    ...options,
  });
  const output = `${result.stdout || ""}${result.stderr || ""}`;
  return { ...result, output, command };
}

/** One line describing why a command failed: its error, exit code and last output lines. */
function describeFailure(result) {
  if (result.error && result.error.code === "ENOENT") return `${result.command} is not on PATH`;
  if (result.error) return result.error.message;
  const tail = (result.stderr || result.output || "").trim().split(/\r?\n/).slice(-15).join("\n");
  const how = result.signal
    ? `was killed by ${result.signal}`
    : `exited with code ${result.status}`;
  return `${how}${tail ? `:\n${tail}` : ""}`;
}

function howToGetACli(version) {
  const minor = parseVersion(version);
  const wanted = minor ? `v${minor.major}.${minor.minor}.x` : "a recent v3";
  return (
    "Two ways to get a Pulumi CLI here: install Go 1.24 or later (https://go.dev/dl/) with access " +
    "to a Go module proxy and run `npm run pulumi-cli` again, which builds one; or put a " +
    `\`pulumi\` ${wanted} on PATH (or point PULUMI_PANTHER_CLI at one).`
  );
}

function installedSdkVersion() {
  const manifest = path.join(SDK_PACKAGE_DIR, "package.json");
  const pkg = readJson(manifest);
  const version = pkg && normalizeVersion(pkg.version);
  if (!version) {
    throw new CliError(`cannot read the @pulumi/pulumi version from ${manifest}: run npm ci first`);
  }
  return version;
}

/**
 * `pulumi version` of a binary, or undefined when it does not run. Run with a PULUMI_HOME in
 * the cache: recent CLIs write a log file per command under `$PULUMI_HOME/logs`.
 */
function pulumiVersionOf(binary) {
  const home = path.join(cacheRoot(process.env), "pulumi-home");
  fs.mkdirSync(home, { recursive: true });
  const result = run(binary, ["version"], {
    timeout: 30 * 1000,
    env: { ...process.env, PULUMI_HOME: home, PULUMI_SKIP_UPDATE_CHECK: "true" },
  });
  if (result.error || result.status !== 0) return undefined;
  return parsePulumiVersionOutput(result.stdout);
}

function isExecutable(file) {
  try {
    fs.accessSync(file, fs.constants.X_OK);
    return fs.statSync(file).isFile();
  } catch {
    return false;
  }
}

/** Copies the installed SDK's plugin script into `binDir`, keeping it executable. */
function ensurePluginScript(binDir) {
  const source = path.join(SDK_PACKAGE_DIR, PLUGIN_SCRIPT);
  const target = path.join(binDir, PLUGIN_SCRIPT);
  const content = fs.readFileSync(source);
  let current;
  try {
    current = fs.readFileSync(target);
  } catch {
    current = undefined;
  }
  if (current && current.equals(content) && isExecutable(target)) return;
  writeAtomic(target, content, 0o755);
  log(`copied ${source} to ${target}`);
}

/** Replaces `link` by a symlink to `target` atomically. */
function symlinkAtomic(target, link) {
  const tmp = `${link}.tmp-${process.pid}-${crypto.randomBytes(4).toString("hex")}`;
  fs.symlinkSync(target, tmp);
  fs.renameSync(tmp, link);
}

/** A bin directory for a CLI that is not ours: a symlink to it plus the plugin script. */
function externalBinDir(root, binary, version, why) {
  const real = fs.realpathSync(binary);
  const key = crypto.createHash("sha256").update(real).digest("hex").slice(0, 16);
  const binDir = path.join(root, "external", key, "bin");
  fs.mkdirSync(binDir, { recursive: true });
  symlinkAtomic(real, path.join(binDir, "pulumi"));
  const host = path.join(path.dirname(real), LANGUAGE_HOST);
  const hostLink = path.join(binDir, LANGUAGE_HOST);
  if (isExecutable(host)) {
    symlinkAtomic(host, hostLink);
  } else {
    fs.rmSync(hostLink, { force: true });
  }
  ensurePluginScript(binDir);
  log(
    `using ${real} (pulumi ${version}) ${why}; no build. ` +
      `${isExecutable(host) ? `Its ${LANGUAGE_HOST} is linked too.` : `No ${LANGUAGE_HOST} next to it.`}`,
  );
  return binDir;
}

/** The first executable `pulumi` on PATH outside the cache, or undefined. */
function pulumiOnPath(root) {
  for (const dir of (process.env["PATH"] || "").split(path.delimiter)) {
    if (!dir) continue;
    const candidate = path.join(path.resolve(dir), "pulumi");
    if (candidate.startsWith(root + path.sep)) continue;
    if (isExecutable(candidate)) return candidate;
  }
  return undefined;
}

/** Release versions with a cached build (a `bin/pulumi`) under `root`. */
function cachedVersions(root) {
  let names;
  try {
    names = fs.readdirSync(root);
  } catch {
    return [];
  }
  return names.filter((n) => parseVersion(n) && isExecutable(path.join(root, n, "bin", "pulumi")));
}

/**
 * The pkg/v3 version to use: forced, remembered, asked of the proxy, or (the proxy cannot be
 * asked) the closest cached build. `{ version }` or `{ version: undefined, problem }`.
 */
function targetVersion(root, sdkVersion) {
  const forced = process.env["PULUMI_PANTHER_CLI_VERSION"];
  if (forced) {
    const version = normalizeVersion(forced);
    if (!version)
      throw new CliError(`PULUMI_PANTHER_CLI_VERSION=${forced} is not a vX.Y.Z version`);
    log(`PULUMI_PANTHER_CLI_VERSION: using ${PKG_MODULE}@${version}`);
    return { version };
  }
  const choiceFile = path.join(root, "choices", `sdk-${sdkVersion}.json`);
  const remembered = readJson(choiceFile);
  const refresh = process.env["PULUMI_PANTHER_CLI_REFRESH"] === "1";
  if (
    !refresh &&
    remembered &&
    normalizeVersion(remembered.version) &&
    Date.now() - Date.parse(remembered.askedAt) < CHOICE_MAX_AGE_MS
  ) {
    log(
      `@pulumi/pulumi ${sdkVersion} → ${PKG_MODULE}@${remembered.version} ` +
        `(chosen from the proxy's list on ${remembered.askedAt}; PULUMI_PANTHER_CLI_REFRESH=1 asks again)`,
    );
    return { version: remembered.version };
  }

  const started = Date.now();
  fs.mkdirSync(root, { recursive: true });
  const listed = run("go", ["list", "-m", "-versions", PKG_MODULE], { cwd: root, env: goEnv() });
  let problem;
  if (listed.error || listed.status !== 0) {
    problem = `\`go list -m -versions ${PKG_MODULE}\` failed: ${describeFailure(listed)}`;
  } else {
    const served = parseVersionList(listed.stdout);
    const version = chooseVersion(sdkVersion, served);
    if (version) {
      const releases = served.filter((v) => parseVersion(v));
      log(
        `@pulumi/pulumi ${sdkVersion} installed; the Go module proxy serves ${PKG_MODULE} ` +
          `${releases.slice(-8).join(" ")}${releases.length > 8 ? " (and older)" : ""}; ` +
          `closest: ${version}${version === sdkVersion ? "" : ` (no ${sdkVersion})`} ` +
          `[asked in ${seconds(Date.now() - started)}]`,
      );
      writeAtomic(
        choiceFile,
        `${JSON.stringify({ sdkVersion, version, askedAt: new Date().toISOString(), served }, null, 2)}\n`,
      );
      return { version };
    }
    problem = `the Go module proxy serves no ${PKG_MODULE} release of major ${
      (parseVersion(sdkVersion) || { major: "?" }).major
    } (it listed: ${served.join(" ") || "nothing"})`;
  }

  const cached = chooseVersion(sdkVersion, cachedVersions(root));
  if (cached) {
    log(`${problem.split("\n")[0]}; reusing the cached build ${cached}`);
    return { version: cached };
  }
  return { version: undefined, problem };
}

function cachedBuildOk(binDir, version) {
  const binary = path.join(binDir, "pulumi");
  return isExecutable(binary) && pulumiVersionOf(binary) === version;
}

function isAlive(pid) {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return e && e.code === "EPERM";
  }
}

/** Runs `fn` holding the lock directory `lockDir` (created with mkdir, removed after). */
function withLock(lockDir, what, fn) {
  const started = Date.now();
  let announced = false;
  fs.mkdirSync(path.dirname(lockDir), { recursive: true });
  for (;;) {
    try {
      fs.mkdirSync(lockDir);
      break;
    } catch (e) {
      if (!e || e.code !== "EEXIST") throw e;
    }
    const owner = readJson(path.join(lockDir, "owner.json"));
    let young = false;
    try {
      young = Date.now() - fs.statSync(lockDir).mtimeMs < LOCK_YOUNG_MS;
    } catch {
      continue; // released meanwhile
    }
    const stale = owner ? owner.host === os.hostname() && !isAlive(owner.pid) : !young; // an owner that never wrote owner.json
    if (stale) {
      log(
        `removing the stale lock ${lockDir} (owner ${owner ? `pid ${owner.pid}` : "unknown"} is gone)`,
      );
      const aside = `${lockDir}.stale-${process.pid}-${crypto.randomBytes(4).toString("hex")}`;
      try {
        fs.renameSync(lockDir, aside);
        fs.rmSync(aside, { recursive: true, force: true });
      } catch {
        // someone else removed or took it
      }
      continue;
    }
    if (Date.now() - started > LOCK_WAIT_MS) {
      throw new CliError(`gave up waiting ${seconds(LOCK_WAIT_MS)} for the lock ${lockDir}`);
    }
    if (!announced) {
      log(
        `waiting for ${owner ? `pid ${owner.pid}` : "another process"}, which holds ${lockDir} (${what})`,
      );
      announced = true;
    }
    sleep(1000);
  }
  try {
    fs.writeFileSync(
      path.join(lockDir, "owner.json"),
      JSON.stringify({ pid: process.pid, host: os.hostname(), since: new Date().toISOString() }),
    );
    if (announced) log(`got the lock after ${seconds(Date.now() - started)}`);
    return fn();
  } finally {
    fs.rmSync(lockDir, { recursive: true, force: true });
  }
}

/** The nearest existing directory at or above `dir`. */
function existingAncestor(dir) {
  let current = path.resolve(dir);
  while (!fs.existsSync(current) && path.dirname(current) !== current) {
    current = path.dirname(current);
  }
  return current;
}

/** Fails unless every file system a build writes to has enough free space. */
function checkFreeSpace(dirs) {
  const minGb = Number(process.env["PULUMI_PANTHER_CLI_MIN_FREE_GB"] || DEFAULT_MIN_FREE_GB);
  for (const dir of [...new Set(dirs.filter(Boolean))]) {
    const at = existingAncestor(dir);
    const stats = fs.statfsSync(at);
    const freeGb = (Number(stats.bavail) * Number(stats.bsize)) / 1024 ** 3;
    if (freeGb < minGb) {
      throw new CliError(
        `only ${freeGb.toFixed(1)} GB free on the file system of ${dir}` +
          `${at === path.resolve(dir) ? "" : ` (as df reports for ${at})`}; ` +
          `a cold build of the Pulumi CLI needs about ${minGb} GB (Go module and build caches). ` +
          `Free some space, or set PULUMI_PANTHER_CLI_MIN_FREE_GB to build anyway.`,
      );
    }
    log(`${freeGb.toFixed(1)} GB free at ${at}`);
  }
}

/** Runs one step of a build, logging it and its duration; throws a CliError when it fails. */
function buildStep(command, args, cwd, moduleAtVersion, version, timeout) {
  const started = Date.now();
  log(`$ ${command} ${args.join(" ")}   (in ${cwd})`);
  const result = run(command, args, { cwd, env: goEnv(), timeout: timeout || BUILD_TIMEOUT_MS });
  const downloads = (result.stderr || "")
    .split("\n")
    .filter((l) => l.startsWith("go: downloading"));
  if (downloads.length > 0) log(`  (${downloads.length} module downloads)`);
  if (result.error || result.status !== 0) {
    throw new CliError(
      `building the Pulumi CLI failed: \`${command} ${args.join(" ")}\` (in ${cwd}, for ` +
        `${moduleAtVersion}) ${describeFailure(result)}\n${howToGetACli(version)}`,
    );
  }
  log(`  done in ${seconds(Date.now() - started)}`);
  return result;
}

/** Writes a Go module that depends on `main` through a tools file, ready for `go get`. */
function writeBuildModule(dir, moduleName, mainPackage) {
  fs.rmSync(dir, { recursive: true, force: true });
  fs.mkdirSync(dir, { recursive: true });
  fs.writeFileSync(path.join(dir, "go.mod"), `module ${moduleName}\n\ngo 1.24\n`);
  fs.writeFileSync(
    path.join(dir, "tools.go"),
    `//go:build tools\n\n// Generated by scripts/pulumi-cli.js: pins the build of ${mainPackage}.\npackage tools\n\nimport _ "${mainPackage}"\n`,
  );
}

function ldflags(version) {
  return `-s -w -X ${VERSION_VARIABLE}=${version}`;
}

/** Builds `pulumi` at `version` into `<versionDir>/bin` (under the version's lock). */
function buildCli(version, versionDir) {
  const binDir = path.join(versionDir, "bin");
  const moduleDir = path.join(versionDir, "build");
  const what = `${PKG_MODULE}@${version}`;
  const started = Date.now();
  const env = run("go", ["env", "GOMODCACHE", "GOCACHE"], { env: goEnv() });
  if (env.error) {
    throw new CliError(
      `cannot build the Pulumi CLI: \`go env\` failed (${env.error.message}); Go is needed to ` +
        `build ${what}.\n${howToGetACli(version)}`,
    );
  }
  const [modCache, buildCache] = (env.stdout || "").trim().split(/\r?\n/);
  checkFreeSpace([versionDir, modCache, buildCache]);
  log(
    `building pulumi ${version} from ${CLI_PACKAGE} (module ${what}, with ${SDK_MODULE}@${version}) ` +
      `into ${binDir}; a cold build takes ~5 min and downloads ~1.6 GB of modules on first use`,
  );
  writeBuildModule(moduleDir, "pulumipanther.local/pulumi-cli", CLI_PACKAGE);
  buildStep(
    "go",
    ["get", `${PKG_MODULE}@${version}`, `${SDK_MODULE}@${version}`],
    moduleDir,
    what,
    version,
  );
  buildStep("go", ["mod", "tidy"], moduleDir, what, version);
  const tmpBin = `${binDir}.tmp-${process.pid}-${crypto.randomBytes(4).toString("hex")}`;
  fs.mkdirSync(tmpBin, { recursive: true });
  try {
    buildStep(
      "go",
      [
        "build",
        "-trimpath",
        "-tags",
        BUILD_TAGS,
        "-ldflags",
        ldflags(version),
        "-o",
        path.join(tmpBin, "pulumi"),
        CLI_PACKAGE,
      ],
      moduleDir,
      what,
      version,
    );
    const printed = pulumiVersionOf(path.join(tmpBin, "pulumi"));
    if (printed !== version) {
      throw new CliError(
        `the pulumi built from ${what} prints version ${printed || "(nothing)"}, not ${version}`,
      );
    }
    ensurePluginScript(tmpBin);
    fs.rmSync(binDir, { recursive: true, force: true });
    fs.renameSync(tmpBin, binDir);
  } finally {
    fs.rmSync(tmpBin, { recursive: true, force: true });
  }
  log(`built pulumi ${version} into ${binDir} in ${seconds(Date.now() - started)}`);
}

/**
 * The Node.js language host, tried once per version: its outcome is kept in
 * `<versionDir>/language-host.json`, so warm calls only repeat it.
 */
function ensureLanguageHost(version, versionDir, binDir) {
  const statusFile = path.join(versionDir, "language-host.json");
  const target = path.join(binDir, LANGUAGE_HOST);
  const status = readJson(statusFile);
  const retry = process.env["PULUMI_PANTHER_CLI_REFRESH"] === "1";
  if (status && status.built && isExecutable(target)) return;
  if (status && !status.built && !retry) {
    log(
      `no ${LANGUAGE_HOST}: ${status.module}@${status.ref} was not available (${status.error}) ` +
        `[outcome of ${status.at}, kept in ${statusFile}; PULUMI_PANTHER_CLI_REFRESH=1 tries again]`,
    );
    return;
  }
  withLock(path.join(versionDir, ".lock"), `the ${LANGUAGE_HOST} ${version} attempt`, () => {
    const again = readJson(statusFile);
    if (again && (again.built ? isExecutable(target) : !retry)) return;
    attemptLanguageHost(version, versionDir, binDir, statusFile);
  });
}

function attemptLanguageHost(version, versionDir, binDir, statusFile) {
  const started = Date.now();
  // The host has no release tags, only pseudo-versions: the release's commit is the right one.
  // The proxy gives it as the Origin of pkg/v3's .info where it records one.
  let ref = process.env["PULUMI_PANTHER_LANGUAGE_HOST_REF"];
  if (!ref) {
    const info = run("go", ["mod", "download", "-json", `${PKG_MODULE}@${version}`], {
      cwd: versionDir,
      env: goEnv(),
    });
    const parsed = info.status === 0 ? safeJson(info.stdout) : undefined;
    const origin = parsed && parsed.Info ? readJson(parsed.Info) : undefined;
    ref = (origin && origin.Origin && origin.Origin.Hash) || "latest";
  }
  const module = LANGUAGE_HOST_MODULE;
  const probe = run("go", ["mod", "download", "-json", `${module}@${ref}`], {
    cwd: versionDir,
    env: goEnv(),
  });
  const answer = safeJson(probe.stdout);
  const refused = probe.error || probe.status !== 0 || !answer || answer.Error;
  const record = (fields) =>
    writeAtomic(
      statusFile,
      `${JSON.stringify({ module, ref, pkgVersion: version, at: new Date().toISOString(), ...fields }, null, 2)}\n`,
    );
  if (refused) {
    const error = String((answer && answer.Error) || describeFailure(probe))
      .replace(/\s+/g, " ")
      .trim();
    record({ built: false, error });
    log(
      `no ${LANGUAGE_HOST}: \`go mod download ${module}@${ref}\` failed: ${error} ` +
        `[${seconds(Date.now() - started)}; remembered in ${statusFile}] ` +
        `(\`pulumi preview/up\` of a project directory need it; Automation API inline programs do not)`,
    );
    return;
  }
  const resolved = answer.Version || ref;
  const moduleDir = path.join(versionDir, "language-host-build");
  log(
    `building ${LANGUAGE_HOST} from ${module}@${resolved} (with ${PKG_MODULE}@${version}) into ${binDir}`,
  );
  try {
    writeBuildModule(moduleDir, "pulumipanther.local/pulumi-language-nodejs", module);
    const what = `${module}@${resolved}`;
    buildStep(
      "go",
      ["get", `${module}@${resolved}`, `${PKG_MODULE}@${version}`, `${SDK_MODULE}@${version}`],
      moduleDir,
      what,
      version,
    );
    buildStep("go", ["mod", "tidy"], moduleDir, what, version);
    const tmp = path.join(binDir, `.${LANGUAGE_HOST}.tmp-${process.pid}`);
    buildStep(
      "go",
      ["build", "-trimpath", "-tags", BUILD_TAGS, "-ldflags", ldflags(version), "-o", tmp, module],
      moduleDir,
      what,
      version,
    );
    fs.renameSync(tmp, path.join(binDir, LANGUAGE_HOST));
    record({ built: true, resolved });
    log(`built ${LANGUAGE_HOST} in ${seconds(Date.now() - started)}`);
  } catch (e) {
    const error = (e instanceof Error ? e.message : String(e)).split("\n").slice(0, 3).join(" ");
    record({ built: false, error });
    log(`no ${LANGUAGE_HOST}: its build failed: ${error} [remembered in ${statusFile}]`);
  }
}

function safeJson(text) {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

/** Resolves the bin directory to print. */
function resolveBinDir() {
  const root = cacheRoot(process.env);
  if (root === REPO_ROOT || root.startsWith(REPO_ROOT + path.sep)) {
    throw new CliError(
      `the CLI cache ${root} is inside the repository ${REPO_ROOT}: builds are kept outside it ` +
        `(set PULUMI_PANTHER_CLI_CACHE to a directory elsewhere)`,
    );
  }
  const sdkVersion = installedSdkVersion();

  const explicit = process.env["PULUMI_PANTHER_CLI"];
  if (explicit) {
    const binary = path.resolve(explicit);
    const version = isExecutable(binary) ? pulumiVersionOf(binary) : undefined;
    if (!version) {
      throw new CliError(
        `PULUMI_PANTHER_CLI=${explicit}: \`${binary} version\` does not run or print a version`,
      );
    }
    return externalBinDir(root, binary, version, "as PULUMI_PANTHER_CLI says");
  }

  const target = targetVersion(root, sdkVersion);
  if (target.version) {
    const versionDir = path.join(root, target.version);
    const binDir = path.join(versionDir, "bin");
    if (cachedBuildOk(binDir, target.version)) {
      log(`cached build: ${path.join(binDir, "pulumi")} (${target.version})`);
      ensurePluginScript(binDir);
      ensureLanguageHost(target.version, versionDir, binDir);
      return binDir;
    }
  }

  const minorOf = target.version || sdkVersion;
  const onPath = pulumiOnPath(root);
  const pathVersion = onPath ? pulumiVersionOf(onPath) : undefined;
  if (onPath && pathVersion && sameMinor(pathVersion, minorOf)) {
    return externalBinDir(root, onPath, pathVersion, `from PATH (same minor as ${minorOf})`);
  }
  if (onPath) {
    log(
      `not using ${onPath} from PATH: it is pulumi ${pathVersion || "(no version)"}, not ${minorOf}'s minor`,
    );
  }

  if (!target.version) {
    throw new CliError(
      `cannot choose a Pulumi CLI version: ${target.problem}\n${howToGetACli(sdkVersion)}`,
    );
  }
  const version = target.version;
  const versionDir = path.join(root, version);
  const binDir = path.join(versionDir, "bin");
  withLock(path.join(versionDir, ".lock"), `the build of pulumi ${version}`, () => {
    if (cachedBuildOk(binDir, version)) {
      log(`another process built ${path.join(binDir, "pulumi")} meanwhile`);
      return;
    }
    buildCli(version, versionDir);
  });
  ensurePluginScript(binDir);
  ensureLanguageHost(version, versionDir, binDir);
  return binDir;
}

function main() {
  const started = Date.now();
  try {
    const binDir = resolveBinDir();
    log(`ready in ${seconds(Date.now() - started)}: ${binDir}`);
    process.stdout.write(`${binDir}\n`);
  } catch (e) {
    if (e instanceof CliError) {
      log(e.message);
    } else {
      log(`unexpected failure: ${e instanceof Error ? e.stack || e.message : String(e)}`);
    }
    process.exitCode = 1;
  }
}

module.exports = {
  parseVersion,
  normalizeVersion,
  compareVersions,
  chooseVersion,
  parseVersionList,
  parsePulumiVersionOutput,
  sameMinor,
  cacheRoot,
};

if (require.main === module) {
  main();
}
