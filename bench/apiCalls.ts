/**
 * Section 1, API calls per operation: one PantherApiToken (with inputs that need normalizing:
 * unsorted and duplicate permissions, unsorted CIDR blocks) taken through preview, up, refresh,
 * a rename, a rotation and destroy by the engine emulation over the real provider host, with
 * credentials in stack config as a user sets them. The emulator's counters are read around each
 * operation and compared with the least Panther's API allows.
 */
import type { EmulatorCounters } from "pulumi-panther/emulator";

import { Engine, HOST_METHODS, type OperationResult } from "../test/support";
import type { BenchContext } from "./context";
import type { SectionResult, Target } from "./report";
import { verdict } from "./report";

type ApiOperation = Exclude<keyof EmulatorCounters["byOperation"], "other">;

/** One measured operation. */
export interface ApiCallFigure {
  /** What was done. */
  readonly operation: string;
  /** Provider calls the engine made, e.g. `{ check: 1, diff: 1 }`. */
  readonly hostCalls: Record<string, number>;
  /** API requests the emulator received, by operation (zeros left out). */
  readonly apiRequests: Record<string, number>;
  /** Total API requests. */
  readonly total: number;
  /** The least this operation can cost, as `{ operation: count }` (empty for none). */
  readonly minimum: Partial<Record<ApiOperation, number>>;
  /** Whether `apiRequests` equals `minimum` and the engine reported success. */
  readonly ok: boolean;
}

/** Runs section 1. */
export async function measureApiCalls(ctx: BenchContext): Promise<SectionResult> {
  const reg = ctx.messy;
  const host = await ctx.startHost();
  try {
    const engine = new Engine(host, {
      config: { "panther:url": ctx.emulator.url, "panther:token": ctx.emulator.adminKey },
      secretConfigKeys: ["panther:token"],
      parallelism: 1,
    });
    const renamed = { [reg.name]: { name: "calls-renamed" } };
    const rotated = { [reg.name]: { name: "calls-renamed", rotationTrigger: "r2" } };
    const figures: ApiCallFigure[] = [];
    const measure = async (
      operation: string,
      minimum: Partial<Record<ApiOperation, number>>,
      run: () => Promise<OperationResult>,
    ): Promise<void> => {
      ctx.emulator.control.resetCounters();
      const result = await run();
      const counters = ctx.emulator.control.counters();
      const apiRequests = Object.fromEntries(
        Object.entries(counters.byOperation).filter(([, n]) => n > 0),
      );
      const hostCalls = Object.fromEntries(
        HOST_METHODS.map((m) => [m, result.calls[m]] as const).filter(
          ([m, n]) => n > 0 && m !== "configure",
        ),
      );
      const ok =
        result.ok &&
        JSON.stringify(sorted(apiRequests)) === JSON.stringify(sorted(minimum)) &&
        counters.requests === Object.values(minimum).reduce((a, b) => a + b, 0);
      figures.push({ operation, hostCalls, apiRequests, total: counters.requests, minimum, ok });
      if (!result.ok) {
        throw new Error(`${operation} failed: ${result.errors.join("; ")}\n${result.hostOutput}`);
      }
    };

    await measure("preview of a new token", {}, () => engine.preview([reg]));
    await measure("create (up)", { create: 1 }, () => engine.up([reg]));
    await measure("preview, nothing changed", {}, () => engine.preview([reg]));
    await measure("up, nothing changed", {}, () => engine.up([reg]));
    await measure("read (refresh)", { get: 1 }, () => engine.refresh());
    await measure("preview of a rename", {}, () => engine.preview([reg], { overrides: renamed }));
    await measure("update: rename (up)", { update: 1 }, () =>
      engine.up([reg], { overrides: renamed }),
    );
    await measure("preview of a rotation", {}, () => engine.preview([reg], { overrides: rotated }));
    await measure("rotation (up, rotationTrigger changed)", { rotate: 1 }, () =>
      engine.up([reg], { overrides: rotated }),
    );
    await measure("delete (destroy)", { delete: 1 }, () => engine.destroy());
    return report(figures);
  } finally {
    await host.close();
  }
}

function sorted(counts: Record<string, number>): [string, number][] {
  return Object.entries(counts)
    .filter(([, n]) => n > 0)
    .sort(([a], [b]) => a.localeCompare(b));
}

function describe(counts: Record<string, number>): string {
  const entries = sorted(counts);
  return entries.length === 0 ? "none" : entries.map(([k, n]) => `${k} ${String(n)}`).join(", ");
}

function report(figures: readonly ApiCallFigure[]): SectionResult {
  const targets: Target[] = [
    {
      figure: "API calls per operation at the minimum",
      value: `${String(figures.filter((f) => f.ok).length)}/${String(figures.length)} operations`,
      target: `${String(figures.length)}/${String(figures.length)}`,
      ok: figures.every((f) => f.ok),
    },
  ];
  return {
    key: "apiCalls",
    tables: [
      {
        title:
          "1. API calls per operation (pulumi-panther through the provider host, engine emulation)",
        headers: ["operation", "provider calls", "API requests", "minimum", ""],
        rows: figures.map((f) => [
          f.operation,
          describe(f.hostCalls),
          describe(f.apiRequests),
          describe(f.minimum),
          verdict(f.ok),
        ]),
        notes: [
          "Inputs needing normalization (unsorted, duplicate permissions; unsorted CIDR blocks) must not cost calls or show as changes.",
        ],
      },
    ],
    targets,
    data: figures,
  };
}
