/**
 * A stack for lifecycle tests: the emulator as Panther, the SDK's real
 * dynamic-provider host loaded from the installed package, and the engine
 * emulation driving it. Programs declare `PantherApiToken`s by name, exactly
 * as a user's program does.
 */
import { Engine, type EngineOptions, type OperationResult } from "../support/engine";
import { startHost, type ProviderHost } from "../support/host";
import { runProgram, type Registration } from "../support/program";
import { scratchDirFromEnv } from "../support/scratch";
import { startEmulator, type Emulator, type EmulatorOptions } from "../../provider/emulator";

export const TOKEN_TYPE = "pulumi-nodejs:dynamic/panther:ApiToken";

/** One token in a generated program. */
export interface TokenDecl {
  readonly name: string;
  readonly args: Readonly<Record<string, unknown>>;
  /** Resource options as a JavaScript expression, e.g. `{ import: "abc" }`. */
  readonly opts?: string;
}

/** CommonJS source of a program declaring `decls`. */
export function tokensProgram(decls: readonly TokenDecl[]): string {
  return [
    `const { PantherApiToken } = require("pulumi-panther");`,
    ...decls.map(
      (d) =>
        `new PantherApiToken(${JSON.stringify(d.name)}, ${JSON.stringify(d.args)}, ${d.opts ?? "{}"});`,
    ),
  ].join("\n");
}

const programCache = new Map<string, Promise<Registration[]>>();

/** Registrations of the program declaring `decls` (memoized: programs are deterministic). */
export function registrations(decls: readonly TokenDecl[]): Promise<Registration[]> {
  const source = tokensProgram(decls);
  let regs = programCache.get(source);
  if (regs === undefined) {
    regs = runProgram({ scratchDir: scratchDirFromEnv(), program: source });
    programCache.set(source, regs);
  }
  return regs;
}

/** API calls per operation made since `before` (emulator counters). */
export type ApiCalls = Record<"create" | "list" | "get" | "update" | "delete" | "rotate", number>;

export class TestStack {
  private constructor(
    readonly emulator: Emulator,
    readonly host: ProviderHost,
    readonly engine: Engine,
  ) {}

  static async start(
    options: {
      emulator?: EmulatorOptions;
      engine?: EngineOptions;
      hostEnv?: Record<string, string>;
    } = {},
  ): Promise<TestStack> {
    const emulator = await startEmulator(options.emulator);
    const host = await startHost({ scratchDir: scratchDirFromEnv(), env: options.hostEnv ?? {} });
    const engine = new Engine(host, {
      config: { "panther:url": emulator.url, "panther:token": emulator.adminKey },
      secretConfigKeys: ["panther:token"],
      ...options.engine,
    });
    return new TestStack(emulator, host, engine);
  }

  async close(): Promise<void> {
    await this.host.close();
    await this.emulator.close();
  }

  /** Runs `op` and returns its result with the API calls it made. */
  async measure(
    op: () => Promise<OperationResult>,
  ): Promise<{ result: OperationResult; api: ApiCalls }> {
    this.emulator.control.resetCounters();
    const result = await op();
    const {
      create,
      list,
      get,
      update,
      delete: del,
      rotate,
    } = this.emulator.control.counters().byOperation;
    return { result, api: { create, list, get, update, delete: del, rotate } };
  }

  async preview(decls: readonly TokenDecl[], overrides?: Record<string, Record<string, unknown>>) {
    const regs = await registrations(decls);
    return this.measure(() => this.engine.preview(regs, overrides ? { overrides } : {}));
  }

  async up(decls: readonly TokenDecl[], parallelism?: number) {
    const regs = await registrations(decls);
    return this.measure(() => this.engine.up(regs, parallelism ? { parallelism } : {}));
  }

  async refresh() {
    return this.measure(() => this.engine.refresh());
  }

  async destroy() {
    return this.measure(() => this.engine.destroy());
  }

  /** State of the resource named `name`. */
  resource(name: string) {
    return this.engine.resource(name);
  }

  /** Outputs of the resource named `name`. */
  outputs(name: string): Record<string, unknown> {
    const state = this.engine.resource(name);
    if (state === undefined) throw new Error(`no resource ${name} in state`);
    return state.outputs;
  }
}

/** API calls with every operation at 0 except the given ones. */
export function api(partial: Partial<ApiCalls>): ApiCalls {
  return { create: 0, list: 0, get: 0, update: 0, delete: 0, rotate: 0, ...partial };
}

/** `[name, op, status]` per step, sorted by name. */
export function steps(result: OperationResult): [string, string, string][] {
  return result.steps
    .map((s): [string, string, string] => [s.name, s.op, s.status])
    .sort((a, b) => a[0].localeCompare(b[0]));
}
