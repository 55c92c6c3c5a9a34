/**
 * Section 2, overhead against the floor: N tokens through create → read → rename → rotate →
 * delete, 8 at a time, for three contenders in the same run: pulumi-panther and the floor
 * provider, each through its own real dynamic-provider host, and the same HTTP requests made
 * directly with an undici Pool. Every contender first runs a warm-up batch (JIT, connection
 * pool); then the measured rounds run with the contenders' order rotated each round, and
 * figures are medians over rounds. The judged figure is the median over rounds of
 * (ours / floor) total wall time, the two having run back to back in each round.
 */
import type { EmulatorCounters } from "pulumi-panther-emulator";

import { BASE_ARGS, LABELS, type BenchContext } from "./context";
import {
  DirectDriver,
  HostDriver,
  LIFECYCLE_PHASES,
  type LifecycleDriver,
  type LifecyclePhase,
} from "./drivers";
import type { SectionResult } from "./report";
import { fmtMs, fmtRatio, mapLimit, median, procCpuMs, range, rotate, sum, timed } from "./util";

/** Tokens per round. */
export const TOKENS = 200;
/** Provider calls in flight at once. */
export const CONCURRENCY = 8;
/** Measured rounds per contender. */
export const ROUNDS = 5;
/** Tokens in each contender's warm-up batch (not measured). */
const WARMUP_TOKENS = 50;
/** Target: ours at most this many times the floor provider's total wall time. */
export const TARGET_RATIO = 1.1;

type ContenderKey = "direct" | "floor" | "ours";

type Operation = keyof EmulatorCounters["byOperation"];

/**
 * The emulator operations each lifecycle phase must cost per token: a create is two (born
 * locked to its mark, then given its declared blocks), every other phase one.
 */
const CALLS_OF = {
  create: { create: 1, update: 1 },
  read: { get: 1 },
  rename: { update: 1 },
  rotate: { rotate: 1 },
  delete: { delete: 1 },
} as const satisfies Record<LifecyclePhase, Partial<Record<Operation, number>>>;

/** The requests of one lifecycle per token, by operation. */
const PER_LIFECYCLE: Partial<Record<Operation, number>> = (() => {
  const out: Partial<Record<Operation, number>> = {};
  for (const calls of Object.values(CALLS_OF)) {
    for (const [op, n] of Object.entries(calls) as [Operation, number][])
      out[op] = (out[op] ?? 0) + n;
  }
  return out;
})();

/** Requests per token and lifecycle. */
export const REQUESTS_PER_LIFECYCLE = Object.values(PER_LIFECYCLE).reduce((a, b) => a + b, 0);

/** One contender's figures for one round. */
interface RoundFigures {
  /** Wall time per lifecycle phase, ms. */
  readonly phaseMs: Record<LifecyclePhase, number>;
  /** Sum of the lifecycle phases, ms. */
  readonly totalMs: number;
  /** Check + Diff of the rename (a preview), ms; hosts only, not in the total. */
  readonly previewMs: number | undefined;
  /** CPU time the provider host used during the round (preview included), ms. */
  readonly hostCpuMs: number | undefined;
  /** API requests the emulator received during the round, by operation. */
  readonly requests: EmulatorCounters["byOperation"];
}

/** JSON of this section. */
export interface OverheadData {
  readonly tokens: number;
  readonly concurrency: number;
  readonly rounds: number;
  readonly perRound: Record<ContenderKey, RoundFigures[]>;
  readonly medians: Record<
    ContenderKey,
    {
      phaseMs: Record<LifecyclePhase, number>;
      totalMs: number;
      previewMs: number | undefined;
      hostCpuMs: number | undefined;
    }
  >;
  /** Median over rounds of ours / floor total wall time (the judged figure). */
  readonly oursOverFloor: number;
  /** Median over rounds of ours / direct total wall time. */
  readonly oursOverDirect: number;
  /** Median over rounds of floor / direct total wall time. */
  readonly floorOverDirect: number;
  /** Median over rounds of ours / floor host CPU time. */
  readonly oursOverFloorCpu: number;
}

/** Runs section 2. */
export async function measureOverhead(
  ctx: BenchContext,
  log: (line: string) => void,
): Promise<SectionResult> {
  const oursHost = await ctx.startHost();
  const floorHost = await ctx.startHost();
  const direct = new DirectDriver(
    LABELS.direct,
    ctx.emulator.url,
    ctx.emulator.adminKey,
    BASE_ARGS,
  );
  try {
    const drivers: Record<ContenderKey, LifecycleDriver> = {
      direct,
      floor: await HostDriver.create(LABELS.floor, floorHost, ctx.template.floor),
      ours: await HostDriver.create(LABELS.ours, oursHost, ctx.template.ours),
    };
    const keys: ContenderKey[] = ["direct", "floor", "ours"];
    for (const key of keys) {
      // pulumi-panther looks up the deployer's own token once per provider process, before its
      // first rotation (it refuses to rotate the key it runs with): one get, in the warm-up.
      const lookups = key === "ours" ? 1 : 0;
      await runRound(ctx, drivers[key], WARMUP_TOKENS, `warmup-${key}`, lookups);
    }
    const perRound: Record<ContenderKey, RoundFigures[]> = { direct: [], floor: [], ours: [] };
    for (let round = 0; round < ROUNDS; round++) {
      for (const key of rotate(keys, round)) {
        const figures = await runRound(ctx, drivers[key], TOKENS, `r${String(round)}-${key}`);
        perRound[key].push(figures);
      }
      log(
        `overhead round ${String(round + 1)}/${String(ROUNDS)}: ` +
          keys.map((k) => `${k} ${fmtMs(perRound[k].at(-1)?.totalMs ?? 0)} ms`).join(", "),
      );
    }
    return report(perRound);
  } finally {
    await Promise.all([oursHost.close(), floorHost.close(), direct.close()]);
  }
}

async function runRound(
  ctx: BenchContext,
  driver: LifecycleDriver,
  tokens: number,
  prefix: string,
  deployerLookups = 0,
): Promise<RoundFigures> {
  driver.begin(tokens, prefix);
  const slots = range(tokens);
  const cpuBefore = driver.pid === undefined ? undefined : procCpuMs(driver.pid);
  ctx.emulator.control.resetCounters();
  const phaseMs = {} as Record<LifecyclePhase, number>;
  let previewMs: number | undefined;
  for (const phase of LIFECYCLE_PHASES) {
    if (phase === "rename" && driver instanceof HostDriver) {
      previewMs = (await timed(() => mapLimit(slots, CONCURRENCY, (i) => driver.previewRename(i))))
        .ms;
    }
    phaseMs[phase] = (
      await timed(() => mapLimit(slots, CONCURRENCY, (i) => driver.step(phase, i)))
    ).ms;
  }
  const counters = ctx.emulator.control.counters();
  const expected = tokens * REQUESTS_PER_LIFECYCLE + deployerLookups;
  const failed = Object.entries(counters.byStatus).filter(([status]) => !/^2\d\d$/.test(status));
  const uneven = (Object.entries(PER_LIFECYCLE) as [Operation, number][]).some(
    ([op, n]) => counters.byOperation[op] !== tokens * n + (op === "get" ? deployerLookups : 0),
  );
  if (counters.requests !== expected || failed.length > 0 || uneven) {
    const lookups =
      deployerLookups > 0 ? ` and ${String(deployerLookups)} get of the deployer's token` : "";
    throw new Error(
      `${driver.label}: expected ${String(expected)} API requests (${String(REQUESTS_PER_LIFECYCLE)} per token: ${JSON.stringify(PER_LIFECYCLE)}${lookups}, all answered 2xx), ` +
        `the emulator saw ${JSON.stringify(counters)}`,
    );
  }
  return {
    phaseMs,
    totalMs: sum(LIFECYCLE_PHASES.map((p) => phaseMs[p])),
    previewMs,
    hostCpuMs:
      driver.pid === undefined || cpuBefore === undefined
        ? undefined
        : procCpuMs(driver.pid) - cpuBefore,
    requests: counters.byOperation,
  };
}

function medianOf(values: readonly (number | undefined)[]): number | undefined {
  const known = values.filter((v): v is number => v !== undefined);
  return known.length === 0 ? undefined : median(known);
}

function pairedRatio(
  a: readonly RoundFigures[],
  b: readonly RoundFigures[],
  pick: (f: RoundFigures) => number | undefined,
): number {
  const ratios = a.flatMap((fa, i) => {
    const fb = b[i];
    const x = pick(fa);
    const y = fb === undefined ? undefined : pick(fb);
    return x === undefined || y === undefined || y === 0 ? [] : [x / y];
  });
  return ratios.length === 0 ? Number.NaN : median(ratios);
}

function report(perRound: Record<ContenderKey, RoundFigures[]>): SectionResult {
  const keys: ContenderKey[] = ["direct", "floor", "ours"];
  const medians = Object.fromEntries(
    keys.map((k) => {
      const rounds = perRound[k];
      const phaseMs = Object.fromEntries(
        LIFECYCLE_PHASES.map((p) => [p, median(rounds.map((r) => r.phaseMs[p]))]),
      ) as Record<LifecyclePhase, number>;
      return [
        k,
        {
          phaseMs,
          totalMs: median(rounds.map((r) => r.totalMs)),
          previewMs: medianOf(rounds.map((r) => r.previewMs)),
          hostCpuMs: medianOf(rounds.map((r) => r.hostCpuMs)),
        },
      ];
    }),
  ) as OverheadData["medians"];
  const data: OverheadData = {
    tokens: TOKENS,
    concurrency: CONCURRENCY,
    rounds: ROUNDS,
    perRound,
    medians,
    oursOverFloor: pairedRatio(perRound.ours, perRound.floor, (f) => f.totalMs),
    oursOverDirect: pairedRatio(perRound.ours, perRound.direct, (f) => f.totalMs),
    floorOverDirect: pairedRatio(perRound.floor, perRound.direct, (f) => f.totalMs),
    oursOverFloorCpu: pairedRatio(perRound.ours, perRound.floor, (f) => f.hostCpuMs),
  };
  const cell = (v: number | undefined): string => (v === undefined ? "n/a" : fmtMs(v));
  const ratio = (a: number | undefined, b: number | undefined): string =>
    a === undefined || b === undefined || b === 0 ? "n/a" : fmtRatio(a / b);
  const row = (label: string, pick: (k: ContenderKey) => number | undefined): string[] => [
    label,
    cell(pick("direct")),
    cell(pick("floor")),
    cell(pick("ours")),
    ratio(pick("ours"), pick("floor")),
    ratio(pick("ours"), pick("direct")),
  ];
  const perToken = (k: ContenderKey): string => {
    const last = perRound[k].at(-1);
    return last === undefined ? "n/a" : String(sum(Object.values(last.requests)) / TOKENS);
  };
  const rows = [
    ...LIFECYCLE_PHASES.map((p) => row(`${p} (ms)`, (k) => medians[k].phaseMs[p])),
    row("total of the 5 phases (ms)", (k) => medians[k].totalMs),
    row("  check+diff of the rename, not in total (ms)", (k) => medians[k].previewMs),
    row("  host process CPU per round (ms)", (k) => medians[k].hostCpuMs),
    ["API requests per token", perToken("direct"), perToken("floor"), perToken("ours"), "", ""],
  ];
  const totals = (k: ContenderKey): string => perRound[k].map((r) => fmtMs(r.totalMs)).join(" ");
  return {
    key: "overhead",
    tables: [
      {
        title: `2. Overhead against the floor: ${String(TOKENS)} tokens, concurrency ${String(CONCURRENCY)}, median of ${String(ROUNDS)} rounds`,
        headers: ["phase", LABELS.direct, LABELS.floor, LABELS.ours, "ours/floor", "ours/direct"],
        rows,
        notes: [
          `Wall time of each phase: ${String(TOKENS)} calls, ${String(CONCURRENCY)} in flight. Hosts are the SDK's dynamic-provider host over gRPC.`,
          "pulumi-panther's host also made one get of the deployer's own token, before its first rotation (in its warm-up, not measured).",
          `Per-round totals (ms): direct ${totals("direct")}; floor ${totals("floor")}; ours ${totals("ours")}.`,
          `Paired ratios (median over rounds of the per-round ratio): ours/floor ${fmtRatio(data.oursOverFloor)}, ` +
            `ours/direct ${fmtRatio(data.oursOverDirect)}, floor/direct ${fmtRatio(data.floorOverDirect)}, ` +
            `host CPU ours/floor ${fmtRatio(data.oursOverFloorCpu)}.`,
        ],
      },
    ],
    targets: [
      {
        figure: "lifecycle wall time, ours / floor provider",
        value: fmtRatio(data.oursOverFloor),
        target: `≤ ${fmtRatio(TARGET_RATIO)}`,
        ok: data.oursOverFloor <= TARGET_RATIO,
      },
    ],
    data,
  };
}
