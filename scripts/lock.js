/**
 * Lock directories, the one way this repository's tools keep two processes out of one job
 * (a build of the Pulumi CLI, an npm install into a scratch project): the lock is a directory,
 * taken with `mkdir` (atomic), its owner recorded in `owner.json` (pid, host, since), and
 * released by removing it. A lock is stale, and taken over, when its owner is a process of this
 * host that is gone, or when it never recorded an owner and is older than 30 s (its taker
 * died between the two steps). How long to wait, and how, is the caller's:
 * `scripts/pulumi-cli` waits synchronously (it runs before anything is installed),
 * `tools/harness/scratch.ts` asynchronously.
 *
 * Plain CommonJS; Node's standard library only.
 */
"use strict";

const crypto = require("node:crypto");
const fs = require("node:fs");
const os = require("node:os");
const path = require("node:path");

/** How long a lock without an owner record may be its taker's, before it counts as stale. */
const LOCK_YOUNG_MS = 30 * 1000;

function isAlive(pid) {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return Boolean(e) && e.code === "EPERM";
  }
}

function readOwner(lockDir) {
  try {
    return JSON.parse(fs.readFileSync(path.join(lockDir, "owner.json"), "utf8"));
  } catch {
    return undefined;
  }
}

/**
 * One try at `lockDir`: `{ taken: true, release }`, or `{ taken: false, owner }` when another
 * live process holds it (`owner` as it recorded itself, if it did). A stale lock is moved aside
 * and removed (`onStale` is told whose it was), and the try made again.
 */
function tryLock(lockDir, onStale) {
  fs.mkdirSync(path.dirname(lockDir), { recursive: true });
  for (;;) {
    try {
      fs.mkdirSync(lockDir);
    } catch (e) {
      if (!e || e.code !== "EEXIST") throw e;
      const owner = readOwner(lockDir);
      let young;
      try {
        young = Date.now() - fs.statSync(lockDir).mtimeMs < LOCK_YOUNG_MS;
      } catch {
        continue; // released meanwhile
      }
      const stale = owner ? owner.host === os.hostname() && !isAlive(owner.pid) : !young;
      if (!stale) return { taken: false, owner };
      if (onStale) onStale(owner);
      const aside = `${lockDir}.stale-${process.pid}-${crypto.randomBytes(4).toString("hex")}`;
      try {
        fs.renameSync(lockDir, aside);
        fs.rmSync(aside, { recursive: true, force: true });
      } catch {
        // someone else removed or took it
      }
      continue;
    }
    fs.writeFileSync(
      path.join(lockDir, "owner.json"),
      JSON.stringify({ pid: process.pid, host: os.hostname(), since: new Date().toISOString() }),
    );
    return {
      taken: true,
      release: () => fs.rmSync(lockDir, { recursive: true, force: true }),
    };
  }
}

module.exports = { tryLock };
