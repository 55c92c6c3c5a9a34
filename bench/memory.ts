/**
 * Section 5, memory of the provider host: resident memory (VmRSS, from /proc/<pid>/status) of a
 * fresh host after it started, after a first lifecycle, and after 1,000 tokens' lifecycles
 * (create, read, rename, delete; 8 at a time), plus its peak (VmHWM), for pulumi-panther
 * against the floor provider. The host's garbage collector runs when it decides to, so RSS
 * includes garbage not yet collected; the peak is the steadier figure.
 */
import { LABELS, type BenchContext, type ProviderKind } from "./context";
import { HostDriver, type LifecyclePhase } from "./drivers";
import type { SectionResult } from "./report";
import { fmtMiB, fmtRatio, mapLimit, procStatusKiB, range, timed } from "./util";

/** Tokens taken through a whole lifecycle in each host. */
export const LIFECYCLES = 1000;
const CONCURRENCY = 8;
const STEPS: readonly LifecyclePhase[] = ["create", "read", "rename", "delete"];

/** One host's memory, KiB. */
interface HostMemory {
  /** After the host printed its port, before any call. */
  readonly startedKiB: number;
  /** After Configure, Check and one lifecycle (the provider and its client loaded). */
  readonly warmKiB: number;
  /** After the lifecycles. */
  readonly afterKiB: number;
  /** Peak resident memory over the host's life. */
  readonly peakKiB: number;
  /** Wall time of the lifecycles, ms. */
  readonly ms: number;
}

/** JSON of this section. */
export type MemoryData = Record<ProviderKind, HostMemory> & { readonly lifecycles: number };

/** Runs section 5. */
export async function measureMemory(ctx: BenchContext): Promise<SectionResult> {
  const floor = await hostMemory(ctx, "floor");
  const ours = await hostMemory(ctx, "ours");
  return report({ floor, ours, lifecycles: LIFECYCLES });
}

async function hostMemory(ctx: BenchContext, kind: ProviderKind): Promise<HostMemory> {
  const host = await ctx.startHost();
  try {
    const startedKiB = procStatusKiB(host.pid, "VmRSS");
    const driver = await HostDriver.create(LABELS[kind], host, ctx.template[kind]);
    driver.begin(1, `mem-warm-${kind}`);
    for (const step of STEPS) await driver.step(step, 0);
    const warmKiB = procStatusKiB(host.pid, "VmRSS");
    driver.begin(LIFECYCLES, `mem-${kind}`);
    const { ms } = await timed(() =>
      mapLimit(range(LIFECYCLES), CONCURRENCY, async (i) => {
        for (const step of STEPS) await driver.step(step, i);
      }),
    );
    return {
      startedKiB,
      warmKiB,
      afterKiB: procStatusKiB(host.pid, "VmRSS"),
      peakKiB: procStatusKiB(host.pid, "VmHWM"),
      ms,
    };
  } finally {
    await host.close();
  }
}

function report(data: MemoryData): SectionResult {
  const row = (label: string, pick: (m: HostMemory) => number): string[] => [
    label,
    fmtMiB(pick(data.ours)),
    fmtMiB(pick(data.floor)),
    fmtMiB(pick(data.ours) - pick(data.floor)),
    fmtRatio(pick(data.ours) / pick(data.floor)),
  ];
  return {
    key: "memory",
    tables: [
      {
        title: `5. Provider host memory (RSS) around ${String(LIFECYCLES)} lifecycles (create, read, rename, delete; concurrency ${String(CONCURRENCY)})`,
        headers: ["when", LABELS.ours, LABELS.floor, "ours − floor", "ours/floor"],
        rows: [
          row("host started, no call yet", (m) => m.startedKiB),
          row("after the first lifecycle", (m) => m.warmKiB),
          row(`after ${String(LIFECYCLES)} lifecycles`, (m) => m.afterKiB),
          row("peak (VmHWM)", (m) => m.peakKiB),
        ],
        notes: [
          `Lifecycles took ${(data.ours.ms / 1000).toFixed(1)} s (ours) and ${(data.floor.ms / 1000).toFixed(1)} s (floor).`,
          "RSS includes garbage the host's GC has not collected yet.",
        ],
      },
    ],
    targets: [],
    data,
  };
}
