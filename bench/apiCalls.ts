/**
 * Section 1, API calls per operation, through the real Pulumi CLI: one PantherApiToken with
 * inputs that need normalizing (unsorted and duplicate permissions, unsorted CIDR blocks) in a
 * project of its own, with the credentials in stack config as a user sets them
 * (`pulumi config set panther:url …`, `pulumi config set --secret panther:token …`), taken
 * through preview, up, refresh, a rename, a rotation and destroy, each a literal `pulumi`
 * command. The emulator's counters are read around each command and compared with the least
 * Panther's API allows. The unchanged preview, up and refresh run with --expect-no-changes, so
 * inputs that normalize to what is stored must not show as changes either.
 */
import type { BenchContext } from "./context";
import {
  counted,
  describeCounts,
  expectSuccess,
  notRunSection,
  resourceStep,
  sameCounts,
  type ApiOperation,
} from "./cli";
import type { SectionResult, Target } from "./report";
import { verdict } from "./report";
import { fmtMs, timed } from "./util";

const TITLE = "1. API calls per operation (one token, literal pulumi commands, real CLI)";
const TARGET_FIGURE = "API calls per operation at the minimum";
const RESOURCE = "messy";

/** One measured command. */
export interface ApiCallFigure {
  /** What was done. */
  readonly operation: string;
  /** The command, as typed. */
  readonly command: string;
  /** What the CLI printed for the token's step. */
  readonly step: string;
  /** API requests the emulator received, by operation (zeros left out). */
  readonly apiRequests: Partial<Record<ApiOperation, number>>;
  /** Total API requests. */
  readonly total: number;
  /** The least this operation can cost, as `{ operation: count }` (empty for none). */
  readonly minimum: Partial<Record<ApiOperation, number>>;
  /** Wall time of the command (the language host running the program included), ms. */
  readonly ms: number;
  /** Whether the command succeeded and `apiRequests` equals `minimum`. */
  readonly ok: boolean;
}

function program(name: string, trigger: string): string {
  return `import { PantherApiToken } from "pulumi-panther";
new PantherApiToken(${JSON.stringify(RESOURCE)}, {
  name: ${JSON.stringify(name)},
  permissions: ["RuleRead", "AlertRead", "RuleRead"],
  allowedCIDRBlocks: ["192.168.0.0/16", "10.0.0.0/8"],
  rotationTrigger: ${JSON.stringify(trigger)},
});
`;
}

/** Runs section 1. */
export async function measureApiCalls(ctx: BenchContext): Promise<SectionResult> {
  if (!ctx.cli.found) {
    return notRunSection("apiCalls", TITLE, ctx.cli.reason, [
      { figure: TARGET_FIGURE, target: "every operation" },
    ]);
  }
  const project = ctx.project("bench-calls", program("calls", "r1"));
  await project.ok(["stack", "init", "bench", "--non-interactive"]);
  await project.ok(["config", "set", "panther:url", ctx.emulator.url]);
  await project.ok(["config", "set", "--secret", "panther:token", "--", ctx.emulator.adminKey]);

  const figures: ApiCallFigure[] = [];
  const measure = async (
    operation: string,
    minimum: Partial<Record<ApiOperation, number>>,
    args: readonly string[],
  ): Promise<void> => {
    const [verb = ""] = args;
    const flags: Record<string, readonly string[]> = {
      preview: ["--non-interactive"],
      up: ["--yes", "--skip-preview", "--non-interactive"],
      refresh: ["--yes", "--skip-preview", "--non-interactive"],
      destroy: ["--yes", "--skip-preview", "--non-interactive"],
    };
    const full = [verb, ...(flags[verb] ?? []), ...args.slice(1)];
    const { ms, value } = await timed(() => counted(ctx.emulator, () => project.pulumi(full)));
    const { result, calls } = value;
    expectSuccess(`pulumi ${args.join(" ")} (${operation})`, result);
    const ok = sameCounts(calls.byOperation, minimum) && Object.keys(calls.failed).length === 0;
    figures.push({
      operation,
      command: `pulumi ${args.join(" ")}`,
      step: resourceStep(result.stdout, RESOURCE),
      apiRequests: calls.byOperation,
      total: calls.requests,
      minimum,
      ms,
      ok,
    });
  };

  await measure("preview of a new token", {}, ["preview"]);
  // A create is born locked to its mark, then given its declared blocks: the second call.
  await measure("create", { create: 1, update: 1 }, ["up"]);
  await measure("preview, nothing changed", {}, ["preview", "--expect-no-changes"]);
  await measure("up, nothing changed", {}, ["up", "--expect-no-changes"]);
  await measure("read (refresh)", { get: 1 }, ["refresh", "--expect-no-changes"]);
  project.writeProgram(program("calls-renamed", "r1"));
  await measure("preview of a rename", {}, ["preview"]);
  await measure("update: rename", { update: 1 }, ["up"]);
  project.writeProgram(program("calls-renamed", "r2"));
  await measure("preview of a rotation", {}, ["preview"]);
  // The rotation, and the one lookup of the deployer's own token a provider process makes
  // before its first rotation (it refuses to rotate the key it runs with).
  await measure("rotation (rotationTrigger changed)", { rotate: 1, get: 1 }, ["up"]);
  await measure("delete", { delete: 1 }, ["destroy"]);
  return report(figures);
}

function report(figures: readonly ApiCallFigure[]): SectionResult {
  const targets: Target[] = [
    {
      figure: TARGET_FIGURE,
      value: `${String(figures.filter((f) => f.ok).length)}/${String(figures.length)} operations`,
      target: `${String(figures.length)}/${String(figures.length)}`,
      ok: figures.every((f) => f.ok),
    },
  ];
  return {
    key: "apiCalls",
    tables: [
      {
        title: TITLE,
        headers: ["operation", "command", "CLI shows", "API requests", "minimum", "wall (ms)", ""],
        rows: figures.map((f) => [
          f.operation,
          f.command,
          f.step,
          describeCounts(f.apiRequests),
          describeCounts(f.minimum),
          fmtMs(f.ms),
          verdict(f.ok),
        ]),
        notes: [
          "Credentials in stack config (panther:url, secret panther:token); each command a fresh language host and provider process, as the CLI runs them.",
          "Inputs needing normalization (unsorted, duplicate permissions; unsorted CIDR blocks) must not cost calls or show as changes (--expect-no-changes).",
          "The rotation's get is the deployer's own token, looked up once per provider process before any rotation.",
        ],
      },
    ],
    targets,
    data: figures,
  };
}
