/**
 * `scripts/lock.js`: the lock directory both the CLI provisioning and the scratch installs hold.
 */
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";

import { tryLock } from "../../scripts/lock";

let dir: string;
beforeEach(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), "pulumi-panther-lock-"));
});
afterEach(() => {
  fs.rmSync(dir, { recursive: true, force: true });
});

/** The pid of a process that has exited. */
function deadPid(): number {
  const child = spawnSync(process.execPath, ["-e", "process.stdout.write(String(process.pid))"], {
    encoding: "utf8",
  });
  return Number(child.stdout);
}

function own(lockDir: string, owner: object): void {
  fs.mkdirSync(lockDir);
  fs.writeFileSync(path.join(lockDir, "owner.json"), JSON.stringify(owner));
}

it("is taken once: a second try is refused naming the owner, and a release frees it", () => {
  const lockDir = path.join(dir, "sub", ".lock");
  const first = tryLock(lockDir);
  expect(first.taken).toBe(true);
  const second = tryLock(lockDir);
  expect(second).toEqual({
    taken: false,
    owner: { pid: process.pid, host: os.hostname(), since: expect.any(String) as unknown },
  });
  if (first.taken) first.release();
  expect(fs.existsSync(lockDir)).toBe(false);
  expect(tryLock(lockDir).taken).toBe(true);
});

it("takes over a lock whose owner on this host is gone, saying whose it was", () => {
  const lockDir = path.join(dir, ".lock");
  const pid = deadPid();
  own(lockDir, { pid, host: os.hostname(), since: "2026-12-01T00:00:00Z" });
  const stale: unknown[] = [];
  const attempt = tryLock(lockDir, (owner) => stale.push(owner));
  expect(attempt.taken).toBe(true);
  expect(stale).toEqual([{ pid, host: os.hostname(), since: "2026-12-01T00:00:00Z" }]);
});

it("leaves a lock of another host alone, and one whose owner is alive", () => {
  const remote = path.join(dir, "remote.lock");
  own(remote, { pid: deadPid(), host: `not-${os.hostname()}`, since: "2026-12-01T00:00:00Z" });
  expect(tryLock(remote).taken).toBe(false);
  const live = path.join(dir, "live.lock");
  own(live, { pid: process.pid, host: os.hostname(), since: "2026-12-01T00:00:00Z" });
  expect(tryLock(live).taken).toBe(false);
});

it("waits on a lock with no owner yet while it is young, and takes it over once it is not", () => {
  const lockDir = path.join(dir, ".lock");
  fs.mkdirSync(lockDir);
  expect(tryLock(lockDir)).toEqual({ taken: false, owner: undefined });
  const old = new Date(Date.now() - 60_000);
  fs.utimesSync(lockDir, old, old);
  expect(tryLock(lockDir).taken).toBe(true);
});
