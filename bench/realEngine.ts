/**
 * Section 7, the real engine: `pulumi up` and `pulumi destroy` of a program declaring 100
 * tokens, run by the real Pulumi CLI (default --parallel), for pulumi-panther's PantherApiToken
 * and the floor provider's FloorToken in the same run. Each contender has its own project and
 * stack in the scratch install; both find Panther through PANTHER_API_URL and
 * PANTHER_API_TOKEN in the provider host's environment (the only way the floor provider
 * knows), so the two differ only in the provider.
 *
 * Each contender first runs an unmeasured warm-up (up and destroy of a few tokens: disk cache,
 * V8 compile cache of the CLI's node processes); then each measured round runs both
 * contenders back to back, their order rotated each round, each an up followed by a destroy.
 * The judged figures are the medians over rounds of the per-round ratios ours / floor of the
 * command's wall time (the language host compiling and running the program, and the CLI's own
 * work, included: the same for both). The emulator counts the API calls of every command; each
 * must be exactly the two calls of a safe create (born locked to a mark, then given its declared
 * blocks: up) or one delete (destroy) per token.
 */
import type { Project } from "../tools/harness";
import {
  counted,
  describeCounts,
  expectSuccess,
  notRunSection,
  sameCounts,
  stepSeconds,
  type ApiCount,
} from "./cli";
import { BASE_ARGS, LABELS, type BenchContext, type ProviderKind } from "./context";
import type { SectionResult } from "./report";
import { fmtMs, fmtRatio, median, rotate, timed } from "./util";

/** Tokens the program declares. */
export const TOKENS = 100;
/** Measured rounds (each: both contenders, up then destroy). */
export const ROUNDS = 5;
/** Tokens of the unmeasured warm-up. */
const WARMUP_TOKENS = 10;
/** Target: ours at most this many times the floor provider's wall time, per command. */
export const TARGET_RATIO = 1.1;
const COMMAND_TIMEOUT_MS = 300_000;

const TITLE = `7. Real engine: pulumi up and pulumi destroy of ${String(TOKENS)} tokens (real CLI)`;
const COMMANDS = ["up", "destroy"] as const;
type Command = (typeof COMMANDS)[number];

/** One command of one round. */
interface CommandFigures {
  /** Wall time of the command, ms. */
  readonly ms: number;
  /** API calls the emulator counted. */
  readonly calls: ApiCount;
  /** Median of the per-token step times the CLI printed, s. */
  readonly medianStepS: number;
  /** Per-token step times the CLI printed. */
  readonly steps: number;
}

interface Round extends Record<Command, CommandFigures> {
  /** Bytes of `pulumi stack export` after the up (every token in state). */
  readonly stateBytes: number;
}

/** JSON of this section. */
export interface RealEngineData {
  readonly tokens: number;
  readonly rounds: number;
  readonly perRound: Record<ProviderKind, Round[]>;
  /** Median over rounds of ours / floor wall time, per command (the judged figures). */
  readonly ratio: Record<Command, number>;
}

function programSource(kind: ProviderKind, tokens: number): string {
  const cls =
    kind === "ours"
      ? `import { PantherApiToken as Token } from "pulumi-panther";`
      : `import { FloorToken as Token } from "floor-provider";`;
  return `${cls}
const base = ${JSON.stringify(BASE_ARGS)};
for (let i = 0; i < ${String(tokens)}; i++) {
  new Token(\`t\${i}\`, { name: \`bench-\${i}\`, ...base });
}
`;
}

const TARGETS = COMMANDS.map((command) => ({
  figure: `pulumi ${command} of ${String(TOKENS)} tokens (real CLI), ours / floor`,
  target: `≤ ${fmtRatio(TARGET_RATIO)}`,
}));

/** Runs section 7. */
export async function measureRealEngine(
  ctx: BenchContext,
  log: (line: string) => void,
): Promise<SectionResult> {
  if (!ctx.cli.found) return notRunSection("realEngine", TITLE, ctx.cli.reason, TARGETS);
  const projects = {} as Record<ProviderKind, Project>;
  for (const kind of ["ours", "floor"] as const) {
    const project = ctx.project(`bench-${kind}`, programSource(kind, WARMUP_TOKENS));
    project.env = { PANTHER_API_URL: ctx.emulator.url, PANTHER_API_TOKEN: ctx.emulator.adminKey };
    await project.ok(["stack", "init", "bench", "--non-interactive"]);
    await lifecycle(ctx, project, `${LABELS[kind]} warm-up`, WARMUP_TOKENS);
    project.writeProgram(programSource(kind, TOKENS));
    projects[kind] = project;
  }
  const keys: ProviderKind[] = ["ours", "floor"];
  const perRound: Record<ProviderKind, Round[]> = { ours: [], floor: [] };
  for (let round = 0; round < ROUNDS; round++) {
    for (const kind of rotate(keys, round)) {
      perRound[kind].push(await lifecycle(ctx, projects[kind], LABELS[kind], TOKENS));
    }
    const last = (kind: ProviderKind, command: Command): string =>
      fmtMs(perRound[kind].at(-1)?.[command].ms ?? 0);
    log(
      `real engine round ${String(round + 1)}/${String(ROUNDS)}: ` +
        keys.map((k) => `${k} up ${last(k, "up")} ms, destroy ${last(k, "destroy")} ms`).join("; "),
    );
  }
  const ratioOf = (command: Command): number =>
    median(
      perRound.ours.map((r, i) => r[command].ms / (perRound.floor[i]?.[command].ms ?? Number.NaN)),
    );
  return report({
    tokens: TOKENS,
    rounds: ROUNDS,
    perRound,
    ratio: { up: ratioOf("up"), destroy: ratioOf("destroy") },
  });
}

/**
 * `pulumi up` then `pulumi destroy` of `tokens` tokens; each create must cost its two calls
 * (born locked, then its declared blocks) and each delete one, for either provider.
 */
async function lifecycle(
  ctx: BenchContext,
  project: Project,
  label: string,
  tokens: number,
): Promise<Round> {
  const run = async (command: Command): Promise<CommandFigures> => {
    const expected = command === "up" ? { create: tokens, update: tokens } : { delete: tokens };
    const { ms, value } = await timed(() =>
      counted(ctx.emulator, () =>
        command === "up"
          ? project.pulumi(["up", "--yes", "--skip-preview", "--non-interactive"], {
              timeoutMs: COMMAND_TIMEOUT_MS,
            })
          : project.pulumi(["destroy", "--yes", "--skip-preview", "--non-interactive"], {
              timeoutMs: COMMAND_TIMEOUT_MS,
            }),
      ),
    );
    expectSuccess(`${label}: pulumi ${command}`, value.result);
    const requests = Object.values(expected).reduce((a, b) => a + b, 0);
    if (!sameCounts(value.calls.byOperation, expected) || value.calls.requests !== requests) {
      throw new Error(
        `${label}: pulumi ${command} of ${String(tokens)} tokens made ` +
          `${describeCounts(value.calls.byOperation)}; expected ${describeCounts(expected)}`,
      );
    }
    const steps = stepSeconds(value.result.stdout, command === "up" ? "created" : "deleted");
    return {
      ms,
      calls: value.calls,
      medianStepS: steps.length > 0 ? median(steps) : Number.NaN,
      steps: steps.length,
    };
  };
  const up = await run("up");
  const stateBytes = Buffer.byteLength(JSON.stringify(await project.exported()));
  const destroy = await run("destroy");
  return { up, destroy, stateBytes };
}

function report(data: RealEngineData): SectionResult {
  const kinds: ProviderKind[] = ["ours", "floor"];
  const med = (kind: ProviderKind, command: Command, pick: (f: CommandFigures) => number) =>
    median(data.perRound[kind].map((r) => pick(r[command])));
  const calls = (kind: ProviderKind, command: Command): string => {
    const all = data.perRound[kind].map((r) => describeCounts(r[command].calls.byOperation));
    const distinct = [...new Set(all)];
    return distinct.length === 1 ? `${distinct[0] ?? ""} (each round)` : distinct.join(" / ");
  };
  const rows: string[][] = [];
  for (const command of COMMANDS) {
    rows.push([
      `pulumi ${command}: wall (ms, median)`,
      ...kinds.map((k) => fmtMs(med(k, command, (f) => f.ms))),
      fmtRatio(data.ratio[command]),
    ]);
    rows.push([
      `  per token (ms, wall / ${String(data.tokens)})`,
      ...kinds.map((k) => fmtMs(med(k, command, (f) => f.ms) / data.tokens)),
      "",
    ]);
    rows.push([
      `  step time per token, CLI's figure (s, median)`,
      ...kinds.map((k) => med(k, command, (f) => f.medianStepS).toFixed(2)),
      "",
    ]);
    rows.push([`  Panther API calls`, ...kinds.map((k) => calls(k, command)), ""]);
  }
  const state = (k: ProviderKind): number => median(data.perRound[k].map((r) => r.stateBytes));
  rows.push([
    `state after up (pulumi stack export, KiB)`,
    ...kinds.map((k) => (state(k) / 1024).toFixed(0)),
    fmtRatio(state("ours") / state("floor")),
  ]);
  const perRoundRows = data.perRound.ours.map((ours, i) => {
    const floor = data.perRound.floor[i];
    const cell = (command: Command): string =>
      floor === undefined
        ? "-"
        : `${fmtMs(ours[command].ms)} / ${fmtMs(floor[command].ms)} = ${fmtRatio(ours[command].ms / floor[command].ms)}`;
    return [`round ${String(i + 1)}`, cell("up"), cell("destroy")];
  });
  return {
    key: "realEngine",
    tables: [
      {
        title: `${TITLE}, median of ${String(data.rounds)} interleaved rounds`,
        headers: ["figure", LABELS.ours, LABELS.floor, "ours / floor"],
        rows,
        notes: [
          "Wall time of each literal command: the CLI, the language host running the program (ts-node compiling index.ts), a fresh provider host; --parallel at the CLI's default.",
          "Both contenders read PANTHER_API_URL / PANTHER_API_TOKEN from the provider host's environment; order rotated each round.",
          "ours / floor is the median over rounds of the per-round ratio; step time is the CLI's `created (Xs)` / `deleted (Xs)`, queueing included.",
          "The file backend writes the whole state after every step, so its size weighs on both commands.",
        ],
      },
      {
        title: "7b. Real engine per round: ours / floor wall time (ms)",
        headers: ["round", "pulumi up", "pulumi destroy"],
        rows: perRoundRows,
      },
    ],
    targets: COMMANDS.map((command, i) => ({
      figure: TARGETS[i]?.figure ?? command,
      value: fmtRatio(data.ratio[command]),
      target: TARGETS[i]?.target ?? "",
      ok: data.ratio[command] <= TARGET_RATIO,
    })),
    data,
  };
}
