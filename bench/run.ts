/**
 * `npm run bench`: measures pulumi-panther in one run against the Panther API emulator
 * (in-process, 127.0.0.1, port picked by the OS) and prints a table per figure, then the
 * targets with OK, MISS or NOT RUN. A JSON copy goes to bench/results/latest.json (gitignored).
 *
 *   1. API calls per operation, against the least the API allows (real Pulumi CLI)
 *   2. lifecycle overhead against a floor provider and against direct HTTP calls
 *   3. serialized provider size per resource
 *   4. cold start of a provider host, and what the provider loads
 *   5. provider host memory after 1,000 lifecycles
 *   6. registering 1,000 resources in a program
 *   7. pulumi up and pulumi destroy of 100 tokens through the real CLI, against the floor
 *
 * Sections 1 and 7 run literal `pulumi` commands through the CLI that scripts/pulumi-cli
 * provides; without one (or with PULUMI_PANTHER_CLI=none) they print NOT RUN and say why, and
 * the rest runs. Sections 2 to 6 drive the SDK's provider host and program runner directly.
 *
 * Exits non-zero only when something errors; a missed target is printed, not failed.
 * Everything is bounded in count; the whole run takes about five minutes on two cores.
 */
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { performance } from "node:perf_hooks";

import { REPO_ROOT } from "../tools/harness";
import { measureApiCalls } from "./apiCalls";
import { measureColdStart } from "./coldStart";
import { createContext, type BenchContext } from "./context";
import { measureMemory } from "./memory";
import { measureOverhead } from "./overhead";
import { measureProgram } from "./program";
import { measureRealEngine } from "./realEngine";
import { renderTable, targetsTable, type SectionResult } from "./report";
import { measureProviderSize } from "./size";

const RESULTS_FILE = path.join(REPO_ROOT, "bench", "results", "latest.json");
/**
 * The run is bounded by counts (and every host call, program and child process by its own
 * timeout); this is the backstop: past it, the bench stops its hosts and exits with an error.
 */
const WATCHDOG_MS = 10 * 60_000;

/** The machine the figures come from. */
interface Machine {
  readonly date: string;
  readonly node: string;
  readonly cpus: number;
  readonly cpuModel: string;
  readonly memoryMiB: number;
  readonly platform: string;
  readonly loadAverageAtStart: readonly number[];
}

function machine(): Machine {
  return {
    date: new Date().toISOString(),
    node: process.version,
    cpus: os.availableParallelism(),
    cpuModel: os.cpus()[0]?.model ?? "unknown",
    memoryMiB: Math.round(os.totalmem() / 1024 / 1024),
    platform: `${os.platform()} ${os.release()} ${os.arch()}`,
    loadAverageAtStart: os.loadavg().map((l) => Number(l.toFixed(2))),
  };
}

function log(line: string): void {
  console.log(`[bench] ${line}`);
}

async function section(
  name: string,
  results: SectionResult[],
  run: () => Promise<SectionResult> | SectionResult,
): Promise<void> {
  const started = performance.now();
  log(`${name}…`);
  const result = await run();
  results.push(result);
  for (const table of result.tables) console.log(`\n${renderTable(table)}\n`);
  log(`${name} took ${((performance.now() - started) / 1000).toFixed(1)} s`);
}

async function main(): Promise<void> {
  const started = performance.now();
  const host = machine();
  log(
    `${host.date}: node ${host.node}, ${String(host.cpus)} CPUs (${host.cpuModel}), ` +
      `${String(host.memoryMiB)} MiB, load ${host.loadAverageAtStart.join(" ")}`,
  );
  log(
    "preparing the scratch project (npm pack + install of pulumi-panther and floor-provider) " +
      "and looking for the Pulumi CLI (scripts/pulumi-cli)…",
  );
  const ctx: BenchContext = await createContext((line) => {
    log(line);
  });
  log(`scratch project ${ctx.scratchDir}; emulator at ${ctx.emulator.url}`);
  const watchdog = setTimeout(() => {
    console.error(`[bench] still running after ${String(WATCHDOG_MS / 60_000)} minutes; stopping`);
    void ctx.close().finally(() => process.exit(1));
  }, WATCHDOG_MS);
  const results: SectionResult[] = [];
  try {
    await section("3. serialized provider size", results, () => measureProviderSize(ctx));
    await section("1. API calls per operation", results, () => measureApiCalls(ctx));
    await section("4. cold start", results, () => measureColdStart(ctx));
    await section("2. overhead against the floor", results, () =>
      measureOverhead(ctx, (line) => {
        log(line);
      }),
    );
    await section("7. real engine: up and destroy of 100 tokens", results, () =>
      measureRealEngine(ctx, (line) => {
        log(line);
      }),
    );
    await section("5. host memory", results, () => measureMemory(ctx));
    await section("6. program side", results, () => measureProgram(ctx));
  } finally {
    clearTimeout(watchdog);
    await ctx.close();
  }
  const targets = results.flatMap((r) => r.targets);
  const durationMs = performance.now() - started;
  console.log(`\n${renderTable(targetsTable(targets))}\n`);
  log(
    `machine: ${String(host.cpus)} CPUs, node ${host.node}, ${host.date}; ` +
      `load at end ${os
        .loadavg()
        .map((l) => l.toFixed(2))
        .join(" ")}; whole run ${(durationMs / 1000).toFixed(1)} s`,
  );
  fs.mkdirSync(path.dirname(RESULTS_FILE), { recursive: true });
  fs.writeFileSync(
    RESULTS_FILE,
    `${JSON.stringify(
      {
        machine: { ...host, loadAverageAtEnd: os.loadavg().map((l) => Number(l.toFixed(2))) },
        durationMs: Math.round(durationMs),
        targets,
        sections: Object.fromEntries(
          results.map((r) => [r.key, { tables: r.tables, data: r.data }]),
        ),
      },
      null,
      2,
    )}\n`,
  );
  log(`wrote ${path.relative(REPO_ROOT, RESULTS_FILE)}`);
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? (error.stack ?? error.message) : String(error));
  process.exitCode = 1;
});
