/**
 * What the real-engine sections share: API calls counted by the emulator around one CLI
 * command, what the CLI printed about one resource, the per-resource step times the CLI
 * reports, and the section printed when there is no CLI to run.
 */
import type { Emulator, EmulatorCounters } from "pulumi-panther-emulator";

import type { CommandResult } from "../tools/harness";
import type { SectionResult, Target } from "./report";

/** An emulator operation (the counters' keys). */
export type ApiOperation = keyof EmulatorCounters["byOperation"];

/** The API requests one command made. */
export interface ApiCount {
  /** Requests by operation, zeros left out. */
  readonly byOperation: Partial<Record<ApiOperation, number>>;
  /** All requests. */
  readonly requests: number;
  /** Answers that were not 2xx, by status. */
  readonly failed: Record<string, number>;
}

/** Runs `command` with the emulator's counters reset before, and returns what it counted. */
export async function counted<T>(
  emulator: Emulator,
  command: () => Promise<T>,
): Promise<{ result: T; calls: ApiCount }> {
  emulator.control.resetCounters();
  const result = await command();
  const counters = emulator.control.counters();
  const byOperation = Object.fromEntries(
    Object.entries(counters.byOperation).filter(([, n]) => n > 0),
  ) as Partial<Record<ApiOperation, number>>;
  const failed = Object.fromEntries(
    Object.entries(counters.byStatus).filter(([status, n]) => n > 0 && !status.startsWith("2")),
  );
  return { result, calls: { byOperation, requests: counters.requests, failed } };
}

/** `create 1, get 1` (sorted), or `none`. */
export function describeCounts(counts: Partial<Record<string, number>>): string {
  const entries = Object.entries(counts)
    .filter((e): e is [string, number] => (e[1] ?? 0) > 0)
    .sort(([a], [b]) => a.localeCompare(b));
  return entries.length === 0 ? "none" : entries.map(([k, n]) => `${k} ${String(n)}`).join(", ");
}

/** Whether `counts` is exactly `expected` (zeros and absent keys alike). */
export function sameCounts(
  counts: Partial<Record<string, number>>,
  expected: Partial<Record<string, number>>,
): boolean {
  return describeCounts(counts) === describeCounts(expected);
}

/**
 * What the CLI last said about resource `name` (its step, e.g. `create`, `updated
 * [diff: ~name]`), timings left out; `no change shown` when it printed no line for it (or only
 * the start of a step), which is how it shows an unchanged resource.
 */
export function resourceStep(stdout: string, name: string): string {
  const pattern = new RegExp(`^\\s*[-+~]*\\s+\\S+:\\S+ ${escape(name)}\\s+(.*?)\\s*$`);
  let last: string | undefined;
  for (const line of stdout.split("\n")) {
    const match = pattern.exec(line);
    if (match?.[1] !== undefined && match[1] !== "") last = match[1];
  }
  if (last === undefined) return "no change shown";
  const step = last.replace(/\s*\(\d+(\.\d+)?s\)/, "");
  // A step begun (`refreshing`) and never reported again ended with no change.
  return /^\w+ing$/.test(step) ? `${step}, no change shown` : step;
}

/**
 * Seconds the CLI reports per resource step with `verb` (e.g. `created (0.26s)`): from the
 * step's start until the provider answered, queueing for --parallel included. The stack
 * resource itself is left out.
 */
export function stepSeconds(stdout: string, verb: "created" | "deleted"): number[] {
  const out: number[] = [];
  const pattern = new RegExp(`^\\s*[-+~]+\\s+(\\S+)\\s+\\S+\\s+${verb} \\((\\d+(?:\\.\\d+)?)s\\)`);
  for (const line of stdout.split("\n")) {
    const match = pattern.exec(line);
    if (match?.[1] !== undefined && match[1] !== "pulumi:pulumi:Stack" && match[2] !== undefined) {
      out.push(Number(match[2]));
    }
  }
  return out;
}

/** Fails with what the CLI printed unless `result` exited 0. */
export function expectSuccess(what: string, result: CommandResult): void {
  if (result.code !== 0) {
    throw new Error(
      `${what} exited ${String(result.code)}\n${tail(result.stdout)}\n${tail(result.stderr)}`,
    );
  }
}

/** A section that could not run for want of a CLI: one table saying so, its targets NOT RUN. */
export function notRunSection(
  key: string,
  title: string,
  reason: string,
  targets: readonly Pick<Target, "figure" | "target">[],
): SectionResult {
  return {
    key,
    tables: [
      {
        title,
        headers: ["status"],
        rows: [["NOT RUN: no Pulumi CLI"]],
        notes: [
          reason,
          "Provide one with `npm run --silent pulumi-cli` (builds from the Go module proxy), or " +
            "PULUMI_PANTHER_CLI=/path/to/pulumi of the same minor version as @pulumi/pulumi.",
        ],
      },
    ],
    targets: targets.map((t) => ({ ...t, value: "not measured", ok: false, notRun: true })),
    data: { notRun: reason },
  };
}

function escape(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
}

function tail(text: string, lines = 40): string {
  return text.trim().split("\n").slice(-lines).join("\n");
}
