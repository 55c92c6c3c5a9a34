#!/usr/bin/env node
/**
 * `npm run --silent pulumi-cli`: prints, as its last stdout line, the absolute path of a
 * directory holding a real Pulumi CLI as a user's install has it: `pulumi`, the Node.js
 * language host `pulumi-language-nodejs` beside it (the CLI runs a project's program through
 * it), and the dynamic-provider plugin script `pulumi-resource-pulumi-nodejs` (copied from the
 * installed `@pulumi/pulumi`). Put that directory first on PATH, or hand it to the Automation
 * API (`PulumiCommand.get({ root: <dir>/.. })`).
 *
 * No CLI can be downloaded here, so it is built with the ordinary `go` command:
 *
 * - `pulumi` from the Go module proxy, at the `github.com/pulumi/pulumi/pkg/v3` version the
 *   proxy serves that is closest to the installed `@pulumi/pulumi` (a tie goes to the higher);
 * - `pulumi-language-nodejs` from its source folder, which the proxy does not serve:
 *   `../shared/pulumi-language-hosts/nodejs` beside this checkout (read only: nothing is
 *   written into it), or PULUMI_PANTHER_LANGUAGE_HOST_SOURCE=<folder>.
 *
 * Builds are cached outside the repository, by CLI version, the language host by the content
 * hash of its source folder too (a changed file rebuilds it):
 *
 *   ${PULUMI_PANTHER_CLI_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/pulumi-panther/pulumi-cli}/v3.X.Y/bin
 *   ${…}/v3.X.Y/nodejs-language-host.json   (the source folder and hash the host was built from)
 *
 * A warm call runs no `go build`: the version chosen for an installed `@pulumi/pulumi` is
 * remembered for a week (PULUMI_PANTHER_CLI_REFRESH=1 asks the proxy again). A build runs
 * under a per-version lock and is renamed into place, so two callers at once cannot see a
 * half-built directory.
 *
 * Other sources, said on stderr when used: PULUMI_PANTHER_CLI=/path/to/pulumi (used as is;
 * its `pulumi-language-nodejs` must be beside it), or a `pulumi` on PATH of the same minor
 * version as the one that would be built, with its `pulumi-language-nodejs` beside it.
 * PULUMI_PANTHER_CLI_VERSION=v3.X.Y builds that pkg/v3 version instead of choosing one. With
 * no language host source (a clone without `../shared`), no CLI is built: the script uses a
 * cached build whose language host was built earlier, or a suitable `pulumi` on PATH, or
 * fails saying what is missing.
 *
 * Everything but the final path goes to stderr. Plain CommonJS, no dependencies: it runs
 * before `npm ci` has finished building anything.
 */
"use strict";

const fs = require("node:fs");
const os = require("node:os");
const path = require("node:path");
const crypto = require("node:crypto");

const { CliError, log, seconds } = require("./log");
const {
  isExecutable,
  readJson,
  symlinkAtomic,
  treeHash,
  withLock,
  writeAtomic,
} = require("./files");
const {
  PKG_MODULE,
  SDK_MODULE,
  buildCli,
  buildLanguageHost,
  describeFailure,
  goEnv,
  howToGetACli,
  pulumiVersionOf,
  run,
} = require("./build");
const versions = require("./versions");

const { chooseVersion, normalizeVersion, parseVersion, parseVersionList, requiredVersion } =
  versions;

const REPO_ROOT = path.resolve(__dirname, "..", "..");
const SDK_PACKAGE_DIR = path.join(REPO_ROOT, "node_modules", "@pulumi", "pulumi");
/** The language host's source folder, relative to the repository root. */
const DEFAULT_LANGUAGE_HOST_SOURCE = path.join("..", "shared", "pulumi-language-hosts", "nodejs");

const PLUGIN_SCRIPT = "pulumi-resource-pulumi-nodejs";
const LANGUAGE_HOST = "pulumi-language-nodejs";
const LANGUAGE_HOST_STAMP = "nodejs-language-host.json";

const CHOICE_MAX_AGE_MS = 7 * 24 * 60 * 60 * 1000;

// ---------------------------------------------------------------------------------------------
// Pure logic (exported for the unit tests)
// ---------------------------------------------------------------------------------------------

/** Root of the build cache for the given environment. */
function cacheRoot(env) {
  if (env["PULUMI_PANTHER_CLI_CACHE"]) return path.resolve(env["PULUMI_PANTHER_CLI_CACHE"]);
  const base = env["XDG_CACHE_HOME"] || path.join(env["HOME"] || os.homedir(), ".cache");
  return path.join(path.resolve(base), "pulumi-panther", "pulumi-cli");
}

/** The language host's source folder for the given environment (it may not exist). */
function languageHostSourceDir(env) {
  const forced = env["PULUMI_PANTHER_LANGUAGE_HOST_SOURCE"];
  return forced ? path.resolve(forced) : path.resolve(REPO_ROOT, DEFAULT_LANGUAGE_HOST_SOURCE);
}

/**
 * What to do about the language host of a cached CLI build:
 *
 * - `current`: the binary is there and was built from a source of hash `sourceHash`;
 * - `build`: there is a source (`sourceHash` defined) and the binary is missing or was built
 *   from other files;
 * - `kept`: there is no source to compare with, and the binary recorded in `stamp` is there;
 * - `missing`: no source, and no binary built earlier.
 *
 * `stamp` is the parsed stamp file (or undefined), `binarySize` the size of the binary in the
 * bin directory (undefined when it is not there).
 */
function languageHostStatus(stamp, sourceHash, binarySize) {
  const built =
    stamp !== undefined &&
    typeof stamp.sourceHash === "string" &&
    binarySize !== undefined &&
    stamp.binarySize === binarySize;
  if (sourceHash === undefined) return built ? "kept" : "missing";
  return built && stamp.sourceHash === sourceHash ? "current" : "build";
}

// ---------------------------------------------------------------------------------------------
// Side effects
// ---------------------------------------------------------------------------------------------

function installedSdkVersion() {
  const manifest = path.join(SDK_PACKAGE_DIR, "package.json");
  const pkg = readJson(manifest);
  const version = pkg && normalizeVersion(pkg.version);
  if (!version) {
    throw new CliError(`cannot read the @pulumi/pulumi version from ${manifest}: run npm ci first`);
  }
  return version;
}

function pulumiHome() {
  return path.join(cacheRoot(process.env), "pulumi-home");
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

/**
 * The language host's source: `{ dir, hash, version }` when its folder is there (`version`:
 * the `sdk/v3` its go.mod requires), or `{ dir, problem }` saying why it is not.
 */
function languageHostSource() {
  const dir = languageHostSourceDir(process.env);
  const how = process.env["PULUMI_PANTHER_LANGUAGE_HOST_SOURCE"]
    ? "PULUMI_PANTHER_LANGUAGE_HOST_SOURCE"
    : `${DEFAULT_LANGUAGE_HOST_SOURCE} beside this checkout`;
  let goMod;
  try {
    goMod = fs.readFileSync(path.join(dir, "go.mod"), "utf8");
  } catch {
    return {
      dir,
      problem: `no language host source at ${dir} (${how}): ${
        fs.existsSync(dir) ? "it has no go.mod" : "no such directory"
      }`,
    };
  }
  return { dir, hash: treeHash(dir), version: requiredVersion(goMod, SDK_MODULE) };
}

/**
 * A bin directory for a CLI that is not ours: symlinks to it and to the `pulumi-language-nodejs`
 * beside it (the CLI resolves its own symlink and looks there), plus the plugin script.
 * `{ binDir }`, or `{ problem }` when there is no language host beside it.
 */
function externalBinDir(root, binary, version, why) {
  const real = fs.realpathSync(binary);
  const host = path.join(path.dirname(real), LANGUAGE_HOST);
  if (!isExecutable(host)) {
    return {
      problem: `${binary} (pulumi ${version}, ${why}) has no ${LANGUAGE_HOST} beside it (${host})`,
    };
  }
  const key = crypto.createHash("sha256").update(real).digest("hex").slice(0, 16);
  const binDir = path.join(root, "external", key, "bin");
  fs.mkdirSync(binDir, { recursive: true });
  symlinkAtomic(real, path.join(binDir, "pulumi"));
  symlinkAtomic(fs.realpathSync(host), path.join(binDir, LANGUAGE_HOST));
  ensurePluginScript(binDir);
  log(`using ${real} (pulumi ${version}) and the ${LANGUAGE_HOST} beside it, ${why}; no build`);
  return { binDir };
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
  return isExecutable(binary) && pulumiVersionOf(binary, pulumiHome()) === version;
}

function sizeOf(file) {
  try {
    const stat = fs.statSync(file);
    return stat.isFile() ? stat.size : undefined;
  } catch {
    return undefined;
  }
}

/** Removes what the Go-module-proxy attempt at the language host (which always got a 403) left. */
function removeOldAttempt(versionDir) {
  const old = path.join(versionDir, "language-host.json");
  if (!fs.existsSync(old)) return;
  fs.rmSync(path.join(versionDir, "language-host-build"), { recursive: true, force: true });
  fs.rmSync(old, { force: true });
  log(`removed ${old}, the record of an earlier attempt to fetch ${LANGUAGE_HOST} as a Go module`);
}

/**
 * Makes sure `<binDir>/pulumi-language-nodejs` (beside the cached `pulumi` of `version`) is
 * the one the source builds: built, under the version's lock, when missing or built from
 * other files. Without a source, a host built earlier is kept. `{ ok: true }`, or
 * `{ ok: false, problem }` saying what is missing.
 */
function ensureLanguageHost(version, versionDir, binDir, source) {
  removeOldAttempt(versionDir);
  const stampFile = path.join(versionDir, LANGUAGE_HOST_STAMP);
  const target = path.join(binDir, LANGUAGE_HOST);
  const status = () => languageHostStatus(readJson(stampFile), source.hash, sizeOf(target));
  const first = status();
  if (first === "current") return { ok: true };
  if (first === "kept") {
    const stamp = readJson(stampFile);
    log(
      `${source.problem}; using the ${LANGUAGE_HOST} built on ${stamp.builtAt} from ` +
        `${stamp.source} (sources ${stamp.sourceHash})`,
    );
    return { ok: true };
  }
  if (first === "missing") {
    return {
      ok: false,
      problem: `the cached pulumi ${version} has no ${LANGUAGE_HOST} beside it (${target}), and there is ${source.problem}`,
    };
  }
  const hostVersion = source.version || version;
  withLock(path.join(versionDir, ".lock"), `the build of ${LANGUAGE_HOST} for ${version}`, () => {
    if (status() === "current") {
      log(`another process built ${target} meanwhile`);
      return;
    }
    log(
      `building ${LANGUAGE_HOST} ${hostVersion} from ${source.dir} (sources ${source.hash}) into ` +
        `${binDir}, beside pulumi ${version}; about a minute once the CLI's Go modules are cached` +
        `${hostVersion === version ? "" : ` (its go.mod requires ${SDK_MODULE} ${hostVersion})`}`,
    );
    const ms = buildLanguageHost(source.dir, hostVersion, target);
    writeAtomic(
      stampFile,
      `${JSON.stringify(
        {
          source: source.dir,
          sourceHash: source.hash,
          version: hostVersion,
          binarySize: sizeOf(target),
          builtAt: new Date().toISOString(),
          buildSeconds: Math.round(ms / 100) / 10,
        },
        null,
        2,
      )}\n`,
    );
    log(`built ${target} in ${seconds(ms)}`);
  });
  return { ok: true };
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
    const version = isExecutable(binary) ? pulumiVersionOf(binary, pulumiHome()) : undefined;
    if (!version) {
      throw new CliError(
        `PULUMI_PANTHER_CLI=${explicit}: \`${binary} version\` does not run or print a version`,
      );
    }
    const external = externalBinDir(root, binary, version, "as PULUMI_PANTHER_CLI says");
    if (external.problem) {
      throw new CliError(
        `PULUMI_PANTHER_CLI: ${external.problem}. The CLI runs a project's program through it: ` +
          "point PULUMI_PANTHER_CLI at a Pulumi install that has it (its release ships it), or unset it.",
      );
    }
    return external.binDir;
  }

  const source = languageHostSource();
  const missing = [];
  const target = targetVersion(root, sdkVersion);
  if (target.version) {
    const versionDir = path.join(root, target.version);
    const binDir = path.join(versionDir, "bin");
    if (cachedBuildOk(binDir, target.version)) {
      const host = ensureLanguageHost(target.version, versionDir, binDir, source);
      if (host.ok) {
        log(`cached build: ${path.join(binDir, "pulumi")} (${target.version})`);
        ensurePluginScript(binDir);
        return binDir;
      }
      missing.push(host.problem);
    } else {
      missing.push(`no cached build of pulumi ${target.version} (${path.join(binDir, "pulumi")})`);
    }
  }

  const minorOf = target.version || sdkVersion;
  const onPath = pulumiOnPath(root);
  const pathVersion = onPath ? pulumiVersionOf(onPath, pulumiHome()) : undefined;
  if (onPath && pathVersion && versions.sameMinor(pathVersion, minorOf)) {
    const external = externalBinDir(
      root,
      onPath,
      pathVersion,
      `from PATH (same minor as ${minorOf})`,
    );
    if (external.binDir) return external.binDir;
    log(`not using ${onPath} from PATH: ${external.problem}`);
    missing.push(external.problem);
  } else if (onPath) {
    const problem = `${onPath} on PATH is pulumi ${pathVersion || "(no version)"}, not ${minorOf}'s minor`;
    log(`not using it: ${problem}`);
    missing.push(problem);
  } else {
    missing.push("no pulumi on PATH");
  }

  if (source.problem) {
    throw new CliError(
      `no Pulumi CLI with its Node.js language host (${LANGUAGE_HOST}) can be provided. Missing:\n` +
        [source.problem, ...missing].map((m) => `  - ${m}`).join("\n") +
        `\nWithout the language host's source no CLI is built (it could not run a project). Put ` +
        `a Pulumi CLI ${minorOf.replace(/\.\d+$/, ".x")} install on PATH (its release ships ` +
        `${LANGUAGE_HOST} beside pulumi), point PULUMI_PANTHER_CLI at its pulumi, or provide the ` +
        `source at ${source.dir} (or PULUMI_PANTHER_LANGUAGE_HOST_SOURCE=<folder>).`,
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
    buildCli(version, versionDir, pulumiHome(), ensurePluginScript);
  });
  ensurePluginScript(binDir);
  ensureLanguageHost(version, versionDir, binDir, source);
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
  ...versions,
  cacheRoot,
  languageHostSourceDir,
  languageHostStatus,
  treeHash,
  LANGUAGE_HOST,
  PLUGIN_SCRIPT,
  LANGUAGE_HOST_STAMP,
};

if (require.main === module) {
  main();
}
