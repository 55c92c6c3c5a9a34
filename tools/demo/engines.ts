/**
 * What runs the demo's steps: the real Pulumi CLI through its Node.js language host
 * (`CliEngine`), or, when there is none, the in-process engine model around the real provider
 * code (`ModelEngine`), which is not Pulumi and says so.
 */
import * as fs from "node:fs";
import * as path from "node:path";

import * as ts from "typescript";

// The built package's client (dist/, through the package's own name): compiled into .build/,
// the client's sources would look for package.json beside .build/ for their User-Agent.
import { PantherClient } from "pulumi-panther/client";
import type { Emulator } from "pulumi-panther-emulator";

import { realClock } from "../../provider/client/clock";
import { clientOptions, type ClientOptions, type TokenApi } from "../../provider/connect";
import { Project, REPO_ROOT, runProgram, type CommandResult } from "../harness";
import { Stack, type Outcome } from "../harness/inprocess-engine";
import { MASK, check, secrets } from "./output";

/** The program the demo runs: the quick start's. */
export const PROGRAM_FILE = path.join(REPO_ROOT, "examples", "quickstart", "index.ts");
export const RESOURCE = "ci-deployer";
export const STACK = "dev";

/** What one command showed. */
export interface Shown {
  /** The command as a user types it (or the model's equivalent). */
  readonly command: string;
  /** The relevant lines it printed. */
  readonly lines: readonly string[];
  /** Everything it printed, for the checks. */
  readonly text: string;
  readonly ok: boolean;
}

/** The live token as the stack holds it. */
export interface TokenInState {
  readonly id: string;
  readonly value: string;
  /** `valueState.status` in state (`current`, `stale`, …). */
  readonly status: string | undefined;
}

export interface DemoEngine {
  /** One line naming the engine. */
  readonly description: string;
  /** Stack init and config, as a user would type them. */
  setup(): Promise<Shown[]>;
  preview(source: string): Promise<Shown>;
  up(source: string): Promise<Shown>;
  refresh(): Promise<Shown>;
  destroy(): Promise<Shown>;
  /** How state holds the token (`pulumi stack export`), or undefined when it holds none. */
  token(): Promise<TokenInState | undefined>;
  /** Where state is read from, for the printed line. */
  readonly stateSource: string;
  /** Texts of everything the engine wrote to disk, to look for secrets in. */
  writtenTexts(): Promise<string[]>;
  /** Stops what it started and removes what it wrote; says what, one line each. */
  close(): string[];
}

/** The lines of CLI output worth showing: steps, the provider's lines, errors, summaries. */
export function relevantCliLines(result: CommandResult): string[] {
  const out: string[] = [];
  let skipping = false;
  for (const raw of `${result.stdout}\n${result.stderr}`.split("\n")) {
    const line = raw.trimEnd();
    if (line.trim() === "") {
      skipping = false;
      continue;
    }
    // The Diagnostics block repeats the lines already shown with each resource.
    if (line === "Diagnostics:") skipping = true;
    if (skipping) continue;
    if (line.startsWith("@ ")) continue;
    // A step started; its result line follows.
    if (/\s(creating|updating|deleting|refreshing) \(\d+s\)\s*(\[.*\])?$/.test(line)) continue;
    // Per-resource counters ("1 message", "1 error") repeat what is above.
    if (/^\s*\S+:\S+ \S+\s+\d+ (messages?|errors?|warnings?)$/.test(line)) continue;
    if (/pulumi:pulumi:Stack/.test(line) && !/pulumi-panther:|error:|warning:/.test(line)) continue;
    if (/^The resources in the stack have been deleted|^If you want to remove the stack/.test(line))
      continue;
    out.push(line);
  }
  return out;
}

export class CliEngine implements DemoEngine {
  readonly description: string;
  readonly stateSource = "pulumi stack export";
  readonly #project: Project;
  readonly #emulator: Emulator;

  constructor(cli: { dir: string }, emulator: Emulator, scratchDir: string, version: string) {
    this.description = `the Pulumi CLI ${version} (${path.join(cli.dir, "pulumi")})`;
    this.#emulator = emulator;
    this.#project = Project.create(
      "quickstart",
      fs.readFileSync(PROGRAM_FILE, "utf8"),
      undefined,
      undefined,
      scratchDir,
    );
  }

  async #run(args: readonly string[], shown?: string): Promise<Shown> {
    const result = await this.#project.pulumi(args);
    return {
      command: `pulumi ${shown ?? args.join(" ")}`,
      lines: relevantCliLines(result),
      text: `${result.stdout}\n${result.stderr}`,
      ok: result.code === 0,
    };
  }

  async setup(): Promise<Shown[]> {
    const shown: Shown[] = [];
    const must = async (args: string[], display?: string): Promise<void> => {
      const s = await this.#run(args, display);
      shown.push(s);
      check(s.ok, `${s.command} failed:\n${s.text}`);
    };
    await must(["stack", "init", STACK, "--non-interactive"]);
    await must(["config", "set", "panther:url", this.#emulator.url]);
    await must(
      ["config", "set", "--secret", "panther:token", "--", this.#emulator.adminKey],
      `config set --secret panther:token ${MASK}`,
    );
    return shown;
  }

  preview(source: string): Promise<Shown> {
    this.#project.writeProgram(source);
    return this.#run(["preview", "--non-interactive"]);
  }

  up(source: string): Promise<Shown> {
    this.#project.writeProgram(source);
    return this.#run(["up", "--yes", "--skip-preview", "--non-interactive"]);
  }

  refresh(): Promise<Shown> {
    return this.#run(["refresh", "--yes", "--skip-preview", "--non-interactive"]);
  }

  destroy(): Promise<Shown> {
    return this.#run(["destroy", "--yes", "--skip-preview", "--non-interactive"]);
  }

  async token(): Promise<TokenInState | undefined> {
    const exported = await this.#project.exported();
    const resource = exported.deployment.resources?.find((r) =>
      String(r["type"]).endsWith("panther:ApiToken"),
    );
    if (resource === undefined) return undefined;
    const outputs = (resource["outputs"] ?? {}) as { valueState?: { status?: unknown } };
    // The value itself is encrypted in the export; the stack outputs hold it for --show-secrets.
    const shown = await this.#project.outputs(true);
    const value = typeof shown["token"] === "string" ? shown["token"] : "";
    if (value !== "") secrets.add(value);
    const status = outputs.valueState?.status;
    return {
      id: String(resource["id"]),
      value,
      status: typeof status === "string" ? status : undefined,
    };
  }

  async writtenTexts(): Promise<string[]> {
    const exported = JSON.stringify(await this.#project.exported());
    return [exported, ...this.#project.writtenFiles().map((f) => f.text)];
  }

  close(): string[] {
    this.#project.close();
    fs.rmSync(this.#project.dir, { recursive: true, force: true });
    return [`removed: the project ${this.#project.dir} (its stack, backend and PULUMI_HOME)`];
  }
}

/** `error: …` lines from the model's check failures, as the CLI words them. */
export function modelErrors(outcome: Outcome): string[] {
  return outcome.errors.map((e) => {
    const cut = e.indexOf(": ");
    const name = e.slice(0, cut);
    try {
      const failures = JSON.parse(e.slice(cut + 2)) as { property?: string; reason?: string }[];
      return failures
        .map(
          (f) => `${name}  error: property ${f.property ?? "?"} has a problem: ${f.reason ?? ""}`,
        )
        .join("\n");
    } catch {
      return `${name}  error: ${e.slice(cut + 2)}`;
    }
  });
}

/**
 * A real PantherClient to the configured URL, with the provider's own client options. The
 * class comes from the built package (`connectPanther`'s relative require has no client
 * beside it in the compiled .build tree).
 */
export function connectReal(options: ClientOptions): TokenApi {
  return new PantherClient(clientOptions(options));
}

export const MODEL_SYMBOL: Record<Outcome["steps"][string], string> = {
  create: "+",
  update: "~",
  same: " ",
  delete: "-",
  read: "~",
};

export class ModelEngine implements DemoEngine {
  readonly description =
    "the in-process engine model (tools/harness/inprocess-engine.ts): an EMULATION of the " +
    "engine's step rules, not Pulumi";
  readonly stateSource = "the model's state";
  readonly #stack: Stack;
  readonly #emulator: Emulator;
  readonly #scratchDir: string;

  constructor(emulator: Emulator, scratchDir: string) {
    this.#emulator = emulator;
    this.#scratchDir = scratchDir;
    this.#stack = new Stack(
      { connect: (_stack, options) => connectReal(options), clock: realClock },
      STACK,
      emulator.adminKey,
      { "panther:url": emulator.url },
    );
  }

  setup(): Promise<Shown[]> {
    const line = (text: string): Shown => ({ command: text, lines: [], text: "", ok: true });
    return Promise.resolve([
      line(`(model) stack "${STACK}"`),
      line(`(model) config panther:url ${this.#emulator.url}`),
      line(`(model) config panther:token ${MASK}`),
    ]);
  }

  /** Runs the program (the SDK's mocks) for the declarations the engine would receive. */
  async #declare(source: string, preview: boolean): Promise<void> {
    const program = ts.transpileModule(source, {
      compilerOptions: { module: ts.ModuleKind.CommonJS, target: ts.ScriptTarget.ES2022 },
    }).outputText;
    const regs = await runProgram({
      scratchDir: this.#scratchDir,
      program,
      preview,
      stack: STACK,
      config: { "panther:url": this.#emulator.url, "panther:token": this.#emulator.adminKey },
      secretConfigKeys: ["panther:token"],
    });
    this.#stack.program = regs
      .filter((r) => r.type.endsWith("panther:ApiToken"))
      .map((r) => ({
        name: r.name,
        args: Object.fromEntries(Object.entries(r.inputs).filter(([k]) => k !== "__provider")),
      }));
  }

  #shown(command: string, outcome: Outcome): Shown {
    const lines = [
      ...outcome.progress.map((p) => `pulumi-panther: ${p}`),
      ...Object.entries(outcome.steps).map(
        ([name, step]) => `${MODEL_SYMBOL[step]}  ${name}  ${step}`,
      ),
      ...modelErrors(outcome),
    ];
    return { command, lines, text: lines.join("\n"), ok: outcome.errors.length === 0 };
  }

  async preview(source: string): Promise<Shown> {
    await this.#declare(source, true);
    return this.#shown("(model) preview", await this.#stack.preview());
  }

  async up(source: string): Promise<Shown> {
    await this.#declare(source, false);
    return this.#shown("(model) up", await this.#stack.up());
  }

  async refresh(): Promise<Shown> {
    return this.#shown("(model) refresh", await this.#stack.refresh());
  }

  async destroy(): Promise<Shown> {
    return this.#shown("(model) destroy", await this.#stack.destroy());
  }

  token(): Promise<TokenInState | undefined> {
    const resource = this.#stack.state.get(RESOURCE);
    if (resource === undefined) return Promise.resolve(undefined);
    const value = typeof resource.outputs["value"] === "string" ? resource.outputs["value"] : "";
    if (value !== "") secrets.add(value);
    const status = (resource.outputs["valueState"] as { status?: unknown } | undefined)?.status;
    return Promise.resolve({
      id: resource.id,
      value,
      status: typeof status === "string" ? status : undefined,
    });
  }

  writtenTexts(): Promise<string[]> {
    // The model keeps state in memory only; the real engine would encrypt the value.
    return Promise.resolve([]);
  }

  close(): string[] {
    return ["removed: the model's stack (in memory)"];
  }
}
