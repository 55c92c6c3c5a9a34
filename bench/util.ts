/**
 * Small helpers shared by the benchmark sections: bounded concurrency, statistics, and what
 * Linux reports about a process (resident memory, CPU time).
 */
import { execFileSync } from "node:child_process";
import * as fs from "node:fs";
import { performance } from "node:perf_hooks";

/**
 * Runs `fn` over `items` with at most `concurrency` calls in flight, like the engine's
 * `--parallel`. Rejects with the first error once every started call has settled.
 *
 * @example
 * await mapLimit([1, 2, 3], 2, async (n) => n * 2); // [2, 4, 6]
 */
export async function mapLimit<T, R>(
  items: readonly T[],
  concurrency: number,
  fn: (item: T, index: number) => Promise<R>,
): Promise<R[]> {
  const results = new Array<R>(items.length);
  let next = 0;
  let failure: { error: unknown } | undefined;
  const worker = async (): Promise<void> => {
    while (failure === undefined && next < items.length) {
      const index = next++;
      try {
        results[index] = await fn(items[index] as T, index);
      } catch (error) {
        failure ??= { error };
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, items.length) }, worker));
  if (failure !== undefined) throw failure.error;
  return results;
}

/** `[0, 1, …, n - 1]`. */
export function range(n: number): number[] {
  return Array.from({ length: n }, (_, i) => i);
}

/** Milliseconds `fn` took (wall clock), and what it returned. */
export async function timed<R>(fn: () => Promise<R>): Promise<{ ms: number; value: R }> {
  const started = performance.now();
  const value = await fn();
  return { ms: performance.now() - started, value };
}

/** Median of a non-empty list (mean of the middle two for an even count). */
export function median(values: readonly number[]): number {
  if (values.length === 0) throw new Error("median of an empty list");
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  const hi = sorted[mid] ?? 0;
  return sorted.length % 2 === 1 ? hi : ((sorted[mid - 1] ?? 0) + hi) / 2;
}

/** Sum of a list. */
export function sum(values: readonly number[]): number {
  return values.reduce((a, b) => a + b, 0);
}

/** Rotates `items` left by `by` places: the order of contenders in round `by`. */
export function rotate<T>(items: readonly T[], by: number): T[] {
  const k = items.length === 0 ? 0 : by % items.length;
  return [...items.slice(k), ...items.slice(0, k)];
}

/** A field of `/proc/<pid>/status` in KiB (e.g. `VmRSS`, `VmHWM`). */
export function procStatusKiB(pid: number, field: "VmRSS" | "VmHWM"): number {
  const status = fs.readFileSync(`/proc/${String(pid)}/status`, "utf8");
  const match = new RegExp(`^${field}:\\s+(\\d+) kB$`, "m").exec(status);
  if (match?.[1] === undefined) {
    throw new Error(`/proc/${String(pid)}/status has no ${field} line`);
  }
  return Number(match[1]);
}

const CLOCK_TICKS_PER_SECOND = clockTicks();

function clockTicks(): number {
  try {
    const ticks = Number(execFileSync("getconf", ["CLK_TCK"], { encoding: "utf8" }).trim());
    return Number.isInteger(ticks) && ticks > 0 ? ticks : 100;
  } catch {
    return 100;
  }
}

/**
 * CPU time (user + system) a process has used so far, in ms, from `/proc/<pid>/stat`.
 * Resolution is one clock tick (10 ms on most Linux systems).
 */
export function procCpuMs(pid: number): number {
  const stat = fs.readFileSync(`/proc/${String(pid)}/stat`, "utf8");
  // Fields after the command name, which is in parentheses and may contain spaces.
  const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
  // utime and stime are fields 14 and 15 of the whole line, 12 and 13 after the name.
  const ticks = Number(fields[11]) + Number(fields[12]);
  return (ticks * 1000) / CLOCK_TICKS_PER_SECOND;
}

/** `12.3` style milliseconds. */
export function fmtMs(ms: number): string {
  return ms >= 100 ? ms.toFixed(0) : ms.toFixed(1);
}

/** `1.04×` style ratio. */
export function fmtRatio(r: number): string {
  return `${r.toFixed(2)}×`;
}

/** `123.4 MiB` from KiB. */
export function fmtMiB(kib: number): string {
  return `${(kib / 1024).toFixed(1)} MiB`;
}
