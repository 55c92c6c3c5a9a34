#!/usr/bin/env node
/**
 * `pulumi-panther-import`: writes the file `pulumi import --file` reads to bring existing
 * Panther tokens under a stack (see importFile.ts), and says what to run next.
 *
 *   npx pulumi-panther-import [--out <file>] [--url <Panther API URL>] <name>=<token id> …
 *
 * Run it in the Pulumi project, where pulumi-panther is installed. The deployer's API key comes
 * from PANTHER_API_TOKEN only (a flag would leave it in the shell's history), e.g.
 * `PANTHER_API_TOKEN="$(pulumi config get panther:token)"`; the URL from `--url` or
 * PANTHER_API_URL. Nothing in Panther changes. Exit codes: 0 written, 1 a token could not be
 * read (nothing written), 2 bad arguments.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { parseArgs } from "node:util";

import { importFileFor, type ImportFile, type ImportRequest } from "./importFile";

/** The file written when `--out` is not given. */
export const DEFAULT_OUT = "panther-import.json";

/** Usage text printed by `--help` and after bad arguments. */
export const USAGE = `Usage: pulumi-panther-import [--out <file>] [--url <url>] <name>=<token id> ...

Writes an import file for \`pulumi import --file\` that brings existing Panther API
tokens under the current stack as PantherApiToken resources named <name>.

Options:
  --out <file>   where to write it (default ${DEFAULT_OUT})
  --url <url>    Panther's API URL (default: PANTHER_API_URL)
  -h, --help     show this help

The deployer's API key is read from PANTHER_API_TOKEN, e.g.
  PANTHER_API_TOKEN="$(pulumi config get panther:token)" npx pulumi-panther-import legacy=<id>
Nothing in Panther changes.`;

/** Where the CLI writes and what it reads, replaceable in tests. */
export interface CliIo {
  readonly out: (line: string) => void;
  readonly err: (line: string) => void;
  readonly env: Readonly<Record<string, string | undefined>>;
  /** The directory `--out` is relative to. */
  readonly cwd: string;
}

class UsageError extends Error {
  override readonly name = "UsageError";
}

function parse(
  argv: readonly string[],
): { help: true } | { help: false; out: string; url?: string; tokens: ImportRequest[] } {
  let parsed;
  try {
    parsed = parseArgs({
      args: [...argv],
      strict: true,
      allowPositionals: true,
      options: {
        out: { type: "string" },
        url: { type: "string" },
        help: { type: "boolean", short: "h" },
      },
    });
  } catch (error) {
    throw new UsageError(error instanceof Error ? error.message : String(error));
  }
  if (parsed.values.help === true) return { help: true };
  if (parsed.positionals.length === 0)
    throw new UsageError("name at least one token: <name>=<token id>");
  const tokens = parsed.positionals.map((arg) => {
    const at = arg.indexOf("=");
    if (at <= 0 || at === arg.length - 1) {
      throw new UsageError(`${JSON.stringify(arg)} is not <name>=<token id>`);
    }
    return { name: arg.slice(0, at), id: arg.slice(at + 1) };
  });
  return {
    help: false,
    out: parsed.values.out ?? DEFAULT_OUT,
    ...(parsed.values.url === undefined ? {} : { url: parsed.values.url }),
    tokens,
  };
}

/** The program lines that declare the imported tokens as Panther holds them. */
export function declarations(file: ImportFile): string[] {
  const lines: string[] = [];
  for (const resource of file.resources) {
    const { name, permissions, allowedCIDRBlocks } = resource.inputs;
    lines.push(`new PantherApiToken(${JSON.stringify(resource.name)}, {`);
    lines.push(`  name: ${JSON.stringify(name)},`);
    lines.push(`  permissions: ${JSON.stringify(permissions)},`);
    if (Array.isArray(allowedCIDRBlocks) && allowedCIDRBlocks.length > 0) {
      lines.push(`  allowedCIDRBlocks: ${JSON.stringify(allowedCIDRBlocks)},`);
    }
    lines.push("});");
  }
  return lines;
}

/** Runs the CLI; resolves to its exit code. */
export async function main(argv: readonly string[], io: CliIo): Promise<number> {
  let args;
  try {
    args = parse(argv);
  } catch (error) {
    if (!(error instanceof UsageError)) throw error;
    io.err(`pulumi-panther-import: ${error.message}\n\n${USAGE}`);
    return 2;
  }
  if (args.help) {
    io.out(USAGE);
    return 0;
  }
  const token = io.env["PANTHER_API_TOKEN"];
  let file: ImportFile;
  try {
    file = await importFileFor(args.tokens, {
      ...(args.url === undefined ? {} : { url: args.url }),
      ...(token === undefined || token === "" ? {} : { token }),
    });
  } catch (error) {
    io.err(`pulumi-panther-import: ${error instanceof Error ? error.message : String(error)}`);
    io.err("Nothing was written.");
    return 1;
  }
  const target = path.resolve(io.cwd, args.out);
  const tmp = `${target}.tmp-${String(process.pid)}`;
  fs.writeFileSync(tmp, `${JSON.stringify(file, null, 2)}\n`);
  fs.renameSync(tmp, target);
  const count = file.resources.length;
  io.out(
    [
      `Wrote ${args.out}: ${String(count)} token${count === 1 ? "" : "s"}; nothing changed in Panther.`,
      "Next, in this project:",
      `  pulumi import --file ${args.out} --generate-code=false --yes`,
      "(The CLI cannot generate code for a dynamic provider's resources: without",
      "--generate-code=false it imports them, then fails. Write the code yourself:)",
      "Declare each in the program under the same name, as Panther has it:",
      ...declarations(file).map((line) => `  ${line}`),
      "The stack holds no value for an imported token: add a rotationTrigger and the",
      "next pulumi up rotates it in place (same id) and stores the new value as a secret.",
    ].join("\n"),
  );
  return 0;
}

if (require.main === module) {
  main(process.argv.slice(2), {
    out: (line) => {
      process.stdout.write(`${line}\n`);
    },
    err: (line) => {
      process.stderr.write(`${line}\n`);
    },
    env: process.env,
    cwd: process.cwd(),
  }).then(
    // The HTTP client's kept-alive connections would hold the process open for seconds.
    (code) => process.exit(code),
    (error: unknown) => {
      process.stderr.write(
        `pulumi-panther-import: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`,
      );
      process.exit(1);
    },
  );
}
