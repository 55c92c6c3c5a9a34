/**
 * File system helpers for a cache that several processes use at once: writes and links that
 * readers never see half done (a temporary name, then a rename), a lock directory with a
 * recorded owner (a dead owner's lock is taken over), free-space checks, and the content hash
 * of a source folder.
 */
"use strict";

const fs = require("node:fs");
const path = require("node:path");
const crypto = require("node:crypto");

const { tryLock } = require("../lock");
const { CliError, log, seconds } = require("./log");

const LOCK_WAIT_MS = 60 * 60 * 1000;

function sleep(ms) {
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
}

/** The parsed JSON of `file`, or undefined when it is missing or not JSON. */
function readJson(file) {
  try {
    return JSON.parse(fs.readFileSync(file, "utf8"));
  } catch {
    return undefined;
  }
}

function tmpName(file) {
  return `${file}.tmp-${process.pid}-${crypto.randomBytes(4).toString("hex")}`;
}

/** Writes a file through a temporary name and a rename, so readers never see half of it. */
function writeAtomic(file, content, mode) {
  fs.mkdirSync(path.dirname(file), { recursive: true });
  const tmp = tmpName(file);
  fs.writeFileSync(tmp, content, { mode: mode || 0o644 });
  if (mode) fs.chmodSync(tmp, mode);
  fs.renameSync(tmp, file);
}

/** Replaces `link` by a symlink to `target` atomically. */
function symlinkAtomic(target, link) {
  const tmp = tmpName(link);
  fs.symlinkSync(target, tmp);
  fs.renameSync(tmp, link);
}

/** Whether `file` is an executable regular file (symlinks followed). */
function isExecutable(file) {
  try {
    fs.accessSync(file, fs.constants.X_OK);
    return fs.statSync(file).isFile();
  } catch {
    return false;
  }
}

/**
 * Runs `fn` holding the lock directory `lockDir` (`scripts/lock.js`: a stale lock is taken
 * over); otherwise this waits (saying for whom) up to an hour.
 */
function withLock(lockDir, what, fn) {
  const started = Date.now();
  let announced = false;
  let attempt;
  for (;;) {
    attempt = tryLock(lockDir, (owner) =>
      log(
        `removing the stale lock ${lockDir} (owner ${owner ? `pid ${owner.pid}` : "unknown"} is gone)`,
      ),
    );
    if (attempt.taken) break;
    if (Date.now() - started > LOCK_WAIT_MS) {
      throw new CliError(`gave up waiting ${seconds(LOCK_WAIT_MS)} for the lock ${lockDir}`);
    }
    if (!announced) {
      const { owner } = attempt;
      log(
        `waiting for ${owner ? `pid ${owner.pid}` : "another process"}, which holds ${lockDir} (${what})`,
      );
      announced = true;
    }
    sleep(1000);
  }
  try {
    if (announced) log(`got the lock after ${seconds(Date.now() - started)}`);
    return fn();
  } finally {
    attempt.release();
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

/**
 * Fails unless every file system a build writes to has `minGb` free (default 5, or
 * PULUMI_PANTHER_CLI_MIN_FREE_GB); `what` names the build in the message.
 */
function checkFreeSpace(dirs, what) {
  const minGb = Number(process.env["PULUMI_PANTHER_CLI_MIN_FREE_GB"] || 5);
  for (const dir of [...new Set(dirs.filter(Boolean))]) {
    const at = existingAncestor(dir);
    const stats = fs.statfsSync(at);
    const freeGb = (Number(stats.bavail) * Number(stats.bsize)) / 1024 ** 3;
    if (freeGb < minGb) {
      throw new CliError(
        `only ${freeGb.toFixed(1)} GB free on the file system of ${dir}` +
          `${at === path.resolve(dir) ? "" : ` (as df reports for ${at})`}; ` +
          `${what} needs about ${minGb} GB (Go module and build caches). ` +
          `Free some space, or set PULUMI_PANTHER_CLI_MIN_FREE_GB to build anyway.`,
      );
    }
  }
}

/** Every regular file under `dir`, as paths relative to it with `/` separators, sorted. */
function filesUnder(dir) {
  const out = [];
  const walk = (sub) => {
    for (const entry of fs.readdirSync(path.join(dir, sub), { withFileTypes: true })) {
      const rel = sub === "" ? entry.name : `${sub}/${entry.name}`;
      if (entry.isDirectory()) walk(rel);
      else if (entry.isFile()) out.push(rel);
    }
  };
  walk("");
  return out.sort();
}

/**
 * The content hash of the folder `dir`: sha256 over every regular file's relative path and
 * bytes (sorted by path, so the order files were written in does not matter), first 16 hex
 * digits. Any added, removed, renamed or changed file changes it.
 */
function treeHash(dir) {
  const hash = crypto.createHash("sha256");
  for (const rel of filesUnder(dir)) {
    const bytes = fs.readFileSync(path.join(dir, ...rel.split("/")));
    hash.update(`${rel}\0${bytes.length}\0`);
    hash.update(bytes);
  }
  return hash.digest("hex").slice(0, 16);
}

module.exports = {
  readJson,
  writeAtomic,
  symlinkAtomic,
  isExecutable,
  withLock,
  checkFreeSpace,
  filesUnder,
  treeHash,
};
