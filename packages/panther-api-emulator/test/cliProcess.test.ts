/**
 * The installed `pulumi-panther-emulator` bin as a real process: it exits 0
 * on a stop signal, and exits on its own when its parent (npx, say) is
 * killed without passing a signal on, closing its port either way.
 */
import { spawn, type ChildProcess } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";
import { createInterface } from "node:readline";
import { childEnv } from "../../../tools/harness/exec";
import { scratchDirFromEnv } from "../../../tools/harness/scratch";

const BIN = path.join(scratchDirFromEnv(), "node_modules", ".bin", "pulumi-panther-emulator");

/** Whether `pid` is a live process (a zombie left for a non-reaping init counts as gone). */
function isRunning(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch {
    return false;
  }
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, "utf8");
    return stat.slice(stat.lastIndexOf(")") + 2, stat.lastIndexOf(")") + 3) !== "Z";
  } catch {
    return true;
  }
}

/** Every line a process writes to stdout, kept, so several waits can read one stream. */
class Lines {
  readonly #seen: string[] = [];
  readonly #waiters = new Set<() => void>();

  constructor(child: ChildProcess) {
    if (child.stdout === null) throw new Error("no stdout");
    createInterface({ input: child.stdout }).on("line", (line) => {
      this.#seen.push(line);
      for (const wake of this.#waiters) wake();
    });
  }

  /** The first group of the first line `pattern` matches, once one arrives. */
  match(pattern: RegExp, timeoutMs = 20_000): Promise<string> {
    return new Promise((resolve, reject) => {
      const check = (): boolean => {
        for (const line of this.#seen) {
          const found = pattern.exec(line);
          if (found !== null) {
            clearTimeout(timer);
            this.#waiters.delete(wake);
            resolve(found[1] ?? "");
            return true;
          }
        }
        return false;
      };
      const wake = (): void => {
        check();
      };
      const timer = setTimeout(() => {
        this.#waiters.delete(wake);
        reject(new Error(`no line matching ${String(pattern)} in ${JSON.stringify(this.#seen)}`));
      }, timeoutMs);
      if (!check()) this.#waiters.add(wake);
    });
  }
}

async function until(condition: () => boolean, timeoutMs: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) return false;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  return true;
}

async function portClosed(url: string): Promise<boolean> {
  try {
    const answer = await fetch(`${url}/api-tokens`);
    await answer.text();
    return false;
  } catch {
    return true;
  }
}

describe("pulumi-panther-emulator process", () => {
  it("exits 0 on SIGTERM with its port closed", async () => {
    const cli = spawn(process.execPath, [BIN, "--port", "0"], {
      env: childEnv(),
      stdio: ["ignore", "pipe", "pipe"],
    });
    try {
      const url = await new Lines(cli).match(/listening on (\S+)/);
      const exited = new Promise<number | null>((resolve) => cli.once("exit", resolve));
      cli.kill("SIGTERM");
      expect(await exited).toBe(0);
      expect(await portClosed(url)).toBe(true);
    } finally {
      if (cli.exitCode === null) cli.kill("SIGKILL");
    }
  });

  it("exits within a few seconds once its parent is killed, with its port closed", async () => {
    // The parent stands in for npx: it starts the bin with inherited output
    // (as npx does) and prints its pid, then is killed with no chance to
    // forward a signal.
    const script = `
      const { spawn } = require("node:child_process");
      const cli = spawn(process.execPath, ${JSON.stringify([BIN, "--port", "0"])}, {
        stdio: ["ignore", "inherit", "inherit"],
      });
      console.log("cli pid " + cli.pid);
      setInterval(() => {}, 1000);
    `;
    const parent = spawn(process.execPath, ["-e", script], {
      env: childEnv(),
      stdio: ["ignore", "pipe", "pipe"],
    });
    let cliPid = 0;
    try {
      const lines = new Lines(parent);
      const [pid, url] = await Promise.all([
        lines.match(/^cli pid (\d+)$/),
        lines.match(/listening on (\S+)/),
      ]);
      cliPid = Number(pid);
      expect(isRunning(cliPid)).toBe(true);
      expect(await portClosed(url)).toBe(false);

      const parentGone = new Promise((resolve) => parent.once("exit", resolve));
      parent.kill("SIGKILL");
      await parentGone;
      const started = Date.now();
      expect(await until(() => !isRunning(cliPid), 5000)).toBe(true);
      expect(Date.now() - started).toBeLessThan(5000);
      expect(await portClosed(url)).toBe(true);
    } finally {
      if (parent.exitCode === null && parent.signalCode === null) parent.kill("SIGKILL");
      if (cliPid !== 0 && isRunning(cliPid)) process.kill(cliPid, "SIGKILL");
    }
  });
});
