/**
 * What every benchmark section shares: the scratch project (pulumi-panther and the floor
 * provider installed from their `npm pack` tarballs, as a user installs them), the Panther API
 * emulator running in this process on 127.0.0.1, the registrations of template resources
 * from a real program run (so `__provider` is exactly what the SDK serializes), and the real
 * Pulumi CLI when scripts/pulumi-cli provides one (or why there is none).
 */
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";

import { startEmulator, type Emulator } from "pulumi-panther-emulator";

import {
  Project,
  REPO_ROOT,
  preparePackage,
  providePulumiCli,
  registrationNamed,
  runProgram,
  startHost,
  templatePackages,
  type CliLookup,
  type ProviderHost,
  type Registration,
} from "../tools/harness";

/** Directory of the floor provider, the bench's fixture package (tools/fixtures). */
export const FLOOR_DIR = path.join(REPO_ROOT, "tools", "fixtures", "floor-provider");

/**
 * The bench's own scratch cache, apart from the tests' (DEFAULT_CACHE_ROOT): the harness keeps
 * only the few most recently used entries per cache root, so concurrent test runs of a changing
 * package would otherwise prune the bench's project while it runs.
 */
export const BENCH_CACHE_ROOT = path.join(os.tmpdir(), "pulumi-panther-bench-scratch");

/** Inputs every benchmark token starts from (already normalized: sorted, de-duplicated). */
export const BASE_ARGS = {
  permissions: ["AlertRead", "RuleRead"],
  allowedCIDRBlocks: ["10.0.0.0/8"],
  rotationTrigger: "r1",
} as const;

/** The two dynamic providers compared. */
export type ProviderKind = "ours" | "floor";

/** Display names of the contenders. */
export const LABELS = {
  ours: "pulumi-panther",
  floor: "floor provider",
  direct: "direct undici Pool",
} as const;

/** Shared state of one benchmark run. */
export interface BenchContext {
  /** Scratch project with pulumi-panther and floor-provider installed. */
  readonly scratchDir: string;
  /** The emulator (in-process, 127.0.0.1, port picked by the OS). */
  readonly emulator: Emulator;
  /** One registration per provider, from a real program run: the template for every token. */
  readonly template: Readonly<Record<ProviderKind, Registration>>;
  /** The real Pulumi CLI (PULUMI_PANTHER_CLI_DIR is set when found), or why there is none. */
  readonly cli: CliLookup;
  /**
   * A Pulumi project in the scratch install, run by the real CLI (only when `cli.found`);
   * stopped and removed by {@link close}.
   */
  project(name: string, source: string): Project;
  /**
   * Starts a dynamic-provider host that finds Panther through PANTHER_API_URL and
   * PANTHER_API_TOKEN (the only way the floor provider knows).
   */
  startHost(extraEnv?: Readonly<Record<string, string>>): Promise<ProviderHost>;
  /**
   * Stops every provider host started through {@link startHost} that is still running and
   * whatever the projects' commands left running, removes the projects, and stops the emulator.
   */
  close(): Promise<void>;
}

const TEMPLATE_PROGRAM = `
const { PantherApiToken } = require("pulumi-panther");
const { FloorToken } = require("floor-provider");
const base = ${JSON.stringify(BASE_ARGS)};
new PantherApiToken("ours", { name: "ours", ...base });
new FloorToken("floor", { name: "floor", ...base });
`;

/**
 * Packs and installs both packages (reusing a cached scratch project when the tarballs are
 * unchanged), looks for the Pulumi CLI, starts the emulator and records the template
 * registrations.
 */
export async function createContext(log: (line: string) => void): Promise<BenchContext> {
  const scratchDir = await preparePackage({
    packageDirs: [REPO_ROOT, FLOOR_DIR],
    cacheRoot: BENCH_CACHE_ROOT,
    // The CLI sections' projects are `pulumi new typescript` projects: typescript, @types/node.
    registryPackages: templatePackages(),
    log,
  });
  const cli = await providePulumiCli();
  log(
    cli.found
      ? `Pulumi CLI: ${cli.dir}`
      : `NO PULUMI CLI (${cli.reason}): the real-engine sections will say so and measure nothing`,
  );
  const emulator = await startEmulator({ host: "127.0.0.1", port: 0 });
  try {
    const regs = await runProgram({ scratchDir, program: TEMPLATE_PROGRAM });
    const env = { PANTHER_API_URL: emulator.url, PANTHER_API_TOKEN: emulator.adminKey };
    const hosts = new Set<ProviderHost>();
    const projects = new Set<Project>();
    return {
      scratchDir,
      emulator,
      template: { ours: registrationNamed(regs, "ours"), floor: registrationNamed(regs, "floor") },
      cli,
      project: (name, source) => {
        if (!cli.found) throw new Error(`no Pulumi CLI: ${cli.reason}`);
        const project = Project.create(name, source, undefined, undefined, scratchDir);
        projects.add(project);
        return project;
      },
      startHost: async (extraEnv = {}) => {
        const host = await startHost({ scratchDir, env: { ...env, ...extraEnv } });
        hosts.add(host);
        return host;
      },
      close: async () => {
        // ProviderHost.close is idempotent: hosts the sections already closed return at once.
        await Promise.all([...hosts].map((h) => h.close()));
        for (const project of projects) {
          project.close();
          fs.rmSync(project.dir, { recursive: true, force: true });
        }
        projects.clear();
        await emulator.close();
      },
    };
  } catch (error) {
    await emulator.close();
    throw error;
  }
}

/** The URN of token `name` of the template's type, as the engine would build it. */
export function urnFor(template: Registration, name: string): string {
  const cut = template.urn.lastIndexOf("::");
  return `${template.urn.slice(0, cut)}::${name}`;
}
