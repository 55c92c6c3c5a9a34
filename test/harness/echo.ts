/**
 * Helpers for the harness self-tests: programs declaring Echo resources (the fixture provider in
 * test/fixtures/echo-provider) and access to the fixture's "remote system", a JSON file.
 */
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";

/** The fixture's type token. */
export const ECHO_TYPE = "pulumi-nodejs:dynamic/echo:Echo";

/** One Echo resource in a generated program. */
export interface EchoDecl {
  /** Logical name. */
  readonly name: string;
  /** Inputs: `name` (replace on change), `size` (update in place), `fail`, `deleteBeforeReplace`, `delayMs`, `engineDiff`. */
  readonly args: Readonly<Record<string, unknown>>;
  /** Resource options, as a JavaScript expression (e.g. `{ protect: true }`). Default `{}`. */
  readonly opts?: string;
}

/**
 * CommonJS source of a program declaring the given Echo resources, in order.
 *
 * @example
 * echoProgram([{ name: "a", args: { name: "x" } }]);
 */
export function echoProgram(decls: readonly EchoDecl[], prelude = ""): string {
  const lines = [
    `const pulumi = require("@pulumi/pulumi");`,
    `const { Echo } = require("echo-provider");`,
    prelude,
    `const resources = {};`,
  ];
  for (const d of decls) {
    lines.push(
      `resources[${JSON.stringify(d.name)}] = new Echo(${JSON.stringify(d.name)}, ${JSON.stringify(d.args)}, ${d.opts ?? "{}"});`,
    );
  }
  return lines.join("\n");
}

/** The fixture provider's "remote system". */
export interface EchoWorld {
  /** Next id number. */
  nextId: number;
  /** Live records by id. */
  records: Record<string, { name: string; size: number | null; secret: string }>;
  /** One entry per provider `configure` call, with the config it saw. */
  configured: { greeting: string | null }[];
  /** Mutations in the order they happened: `create echo-1`, `update echo-1`, `delete echo-1`. */
  log: string[];
  /** Most creates that were waiting at once (see the `delayMs` input). */
  maxInFlight: number;
}

/** A fresh, empty state file for the fixture provider (pass as ECHO_STATE_FILE). */
export function newWorldFile(): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "pp-echo-"));
  return path.join(dir, "world.json");
}

/** Removes a world file made by {@link newWorldFile}, with its directory. */
export function removeWorldFile(file: string): void {
  fs.rmSync(path.dirname(file), { recursive: true, force: true });
}

/** Reads the fixture's world; empty when the provider has not written it yet. */
export function readWorld(file: string): EchoWorld {
  if (!fs.existsSync(file)) {
    return { nextId: 1, records: {}, configured: [], log: [], maxInFlight: 0 };
  }
  return JSON.parse(fs.readFileSync(file, "utf8")) as EchoWorld;
}

/** Rewrites the fixture's world, e.g. to simulate drift or a deletion out of band. */
export function writeWorld(file: string, world: EchoWorld): void {
  fs.writeFileSync(file, JSON.stringify(world, null, 2));
}
