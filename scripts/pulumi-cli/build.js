/**
 * Builds with the ordinary `go` command: the Pulumi CLI from the Go module proxy (a small
 * module of our own that requires `pkg/v3`), and the Node.js language host from its source
 * folder (`go build -C <folder>`, which writes nothing into the folder). Both are stamped
 * with their version at link time and built with the same flags and tags, so the language
 * host reuses most of what the CLI's build left in the Go build cache.
 */
"use strict";

const fs = require("node:fs");
const path = require("node:path");
const crypto = require("node:crypto");
const { spawnSync } = require("node:child_process");

const { CliError, log, seconds } = require("./log");
const { checkFreeSpace } = require("./files");
const { parsePulumiVersionOutput, parseVersion } = require("./versions");

const PKG_MODULE = "github.com/pulumi/pulumi/pkg/v3";
const SDK_MODULE = "github.com/pulumi/pulumi/sdk/v3";
const CLI_PACKAGE = `${PKG_MODULE}/cmd/pulumi`;
const LANGUAGE_HOST_MODULE = "github.com/pulumi/pulumi/sdk/nodejs/cmd/pulumi-language-nodejs/v3";
const VERSION_VARIABLE = `${SDK_MODULE}/go/common/version.Version`;
const BUILD_TAGS = "osusergo,grpcnotrace";

const QUICK_TIMEOUT_MS = 120 * 1000;
const BUILD_TIMEOUT_MS = 60 * 60 * 1000;

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

/** What a person can do when no CLI can be had here. */
function howToGetACli(version) {
  const minor = parseVersion(version);
  const wanted = minor ? `v${minor.major}.${minor.minor}.x` : "a recent v3";
  return (
    "Two ways to get a Pulumi CLI here: install Go 1.24 or later (https://go.dev/dl/) with access " +
    "to a Go module proxy and run `npm run pulumi-cli` again, which builds one; or put a " +
    `\`pulumi\` ${wanted} (with the \`pulumi-language-nodejs\` its release ships beside it) on ` +
    "PATH, or point PULUMI_PANTHER_CLI at one."
  );
}

/**
 * `pulumi version` of a binary, or undefined when it does not run. Run with PULUMI_HOME set
 * to `home`: recent CLIs write a log file per command under `$PULUMI_HOME/logs`.
 */
function pulumiVersionOf(binary, home) {
  fs.mkdirSync(home, { recursive: true });
  const result = run(binary, ["version"], {
    timeout: 30 * 1000,
    env: { ...process.env, PULUMI_HOME: home, PULUMI_SKIP_UPDATE_CHECK: "true" },
  });
  if (result.error || result.status !== 0) return undefined;
  return parsePulumiVersionOutput(result.stdout);
}

/** Runs one step of a build, logging it and its duration; throws a CliError when it fails. */
function buildStep(command, args, cwd, what, advice) {
  const started = Date.now();
  log(`$ ${command} ${args.join(" ")}   (in ${cwd})`);
  const result = run(command, args, { cwd, env: goEnv(), timeout: BUILD_TIMEOUT_MS });
  const downloads = (result.stderr || "")
    .split("\n")
    .filter((l) => l.startsWith("go: downloading"));
  if (downloads.length > 0) log(`  (${downloads.length} module downloads)`);
  if (result.error || result.status !== 0) {
    throw new CliError(
      `building ${what} failed: \`${command} ${args.join(" ")}\` (in ${cwd}) ` +
        `${describeFailure(result)}\n${advice}`,
    );
  }
  log(`  done in ${seconds(Date.now() - started)}`);
  return result;
}

/** The Go module and build caches, or a CliError naming what is needed when `go` does not run. */
function goCaches(what, advice) {
  const env = run("go", ["env", "GOMODCACHE", "GOCACHE"], { env: goEnv() });
  if (env.error || env.status !== 0) {
    throw new CliError(
      `cannot build ${what}: \`go env\` failed (${describeFailure(env)}); Go 1.24 or later is ` +
        `needed to build it.\n${advice}`,
    );
  }
  return (env.stdout || "").trim().split(/\r?\n/);
}

/** Writes a Go module that depends on `main` through a tools file, ready for `go get`. */
function writeBuildModule(dir, moduleName, mainPackage) {
  fs.rmSync(dir, { recursive: true, force: true });
  fs.mkdirSync(dir, { recursive: true });
  fs.writeFileSync(path.join(dir, "go.mod"), `module ${moduleName}\n\ngo 1.24\n`);
  fs.writeFileSync(
    path.join(dir, "tools.go"),
    `//go:build tools\n\n// Generated by scripts/pulumi-cli: pins the build of ${mainPackage}.\npackage tools\n\nimport _ "${mainPackage}"\n`,
  );
}

function buildFlags(version, output) {
  return [
    "-trimpath",
    "-tags",
    BUILD_TAGS,
    "-ldflags",
    `-s -w -X ${VERSION_VARIABLE}=${version}`,
    "-o",
    output,
  ];
}

/**
 * Builds `pulumi` at `version` into `<versionDir>/bin` (the caller holds the version's lock).
 * `prepare(dir)` adds what else the new directory must hold before it is renamed into place.
 */
function buildCli(version, versionDir, pulumiHome, prepare) {
  const binDir = path.join(versionDir, "bin");
  const moduleDir = path.join(versionDir, "build");
  const what = `the Pulumi CLI (${PKG_MODULE}@${version})`;
  const advice = howToGetACli(version);
  const started = Date.now();
  const [modCache, buildCache] = goCaches(what, advice);
  checkFreeSpace([versionDir, modCache, buildCache], "a cold build of the Pulumi CLI");
  log(
    `building pulumi ${version} from ${CLI_PACKAGE} (module ${PKG_MODULE}@${version}, with ` +
      `${SDK_MODULE}@${version}) into ${binDir}; a cold build takes ~5 min and downloads ` +
      "~1.6 GB of modules on first use",
  );
  writeBuildModule(moduleDir, "pulumipanther.local/pulumi-cli", CLI_PACKAGE);
  buildStep(
    "go",
    ["get", `${PKG_MODULE}@${version}`, `${SDK_MODULE}@${version}`],
    moduleDir,
    what,
    advice,
  );
  buildStep("go", ["mod", "tidy"], moduleDir, what, advice);
  const tmpBin = `${binDir}.tmp-${process.pid}-${crypto.randomBytes(4).toString("hex")}`;
  fs.mkdirSync(tmpBin, { recursive: true });
  try {
    buildStep(
      "go",
      ["build", ...buildFlags(version, path.join(tmpBin, "pulumi")), CLI_PACKAGE],
      moduleDir,
      what,
      advice,
    );
    const printed = pulumiVersionOf(path.join(tmpBin, "pulumi"), pulumiHome);
    if (printed !== version) {
      throw new CliError(
        `the pulumi built from ${PKG_MODULE}@${version} prints version ${printed || "(nothing)"}, not ${version}`,
      );
    }
    prepare(tmpBin);
    fs.rmSync(binDir, { recursive: true, force: true });
    fs.renameSync(tmpBin, binDir);
  } finally {
    fs.rmSync(tmpBin, { recursive: true, force: true });
  }
  log(`built pulumi ${version} into ${binDir} in ${seconds(Date.now() - started)}`);
}

/**
 * Builds the Node.js language host from its source folder `sourceDir` (read only: `go build
 * -C` writes nothing there) at `version` into the file `target`, through a temporary name
 * and a rename. Checks that the binary is that module's main package. Returns the build's
 * duration in ms.
 */
function buildLanguageHost(sourceDir, version, target) {
  const what = `pulumi-language-nodejs from ${sourceDir}`;
  const advice =
    `The folder should hold the language host's source (${LANGUAGE_HOST_MODULE}), with a ` +
    "complete go.sum; Go 1.24 or later and a Go module proxy serving its requirements are needed.";
  const started = Date.now();
  const [modCache, buildCache] = goCaches(what, advice);
  checkFreeSpace([path.dirname(target), modCache, buildCache], "building the language host");
  const tmp = `${target}.tmp-${process.pid}-${crypto.randomBytes(4).toString("hex")}`;
  try {
    // -C must come first; "." is the folder's main package.
    buildStep(
      "go",
      ["build", "-C", sourceDir, ...buildFlags(version, tmp), "."],
      path.dirname(target),
      what,
      advice,
    );
    const info = run("go", ["version", "-m", tmp], { env: goEnv() });
    const mainLine = /^\s*path\s+(\S+)/m.exec(info.stdout || "");
    if (info.status !== 0 || !mainLine || mainLine[1] !== LANGUAGE_HOST_MODULE) {
      throw new CliError(
        `the binary built from ${sourceDir} is ${mainLine ? mainLine[1] : "not a Go binary `go version -m` can read"}, ` +
          `not ${LANGUAGE_HOST_MODULE}: ${advice}`,
      );
    }
    fs.chmodSync(tmp, 0o755);
    fs.renameSync(tmp, target);
  } finally {
    fs.rmSync(tmp, { force: true });
  }
  return Date.now() - started;
}

module.exports = {
  PKG_MODULE,
  SDK_MODULE,
  LANGUAGE_HOST_MODULE,
  run,
  goEnv,
  describeFailure,
  howToGetACli,
  pulumiVersionOf,
  buildCli,
  buildLanguageHost,
};
