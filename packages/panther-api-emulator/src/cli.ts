#!/usr/bin/env node
/**
 * `pulumi-panther-emulator`: runs the Panther API emulator from a shell.
 *
 * Prints the URL, the admin key and ready-to-paste `export` lines, then
 * serves until SIGINT, SIGTERM or SIGHUP, or until its parent process (such
 * as `npx`) goes away. Exit codes: 0 after a clean stop or `--help`, 1 if
 * the server cannot start (port in use), 2 for bad arguments.
 */
import { parseArgs } from "node:util";
import { isLoopbackHost } from "./cidr";
import { CONTROL_HEADER, CONTROL_PREFIX } from "./controlHttp";
import { EmulatorError } from "./errors";
import { startEmulator, type Emulator } from "./server";
import { MAX_CLOCK_OFFSET_MS } from "./clock";
import type { EmulatorOptions } from "./options";

/** Environment variable the admin key is read from when `--admin-key` is not given. */
export const ADMIN_KEY_ENV = "PANTHER_EMULATOR_ADMIN_KEY";

/** Port used when `--port` is not given. */
export const DEFAULT_CLI_PORT = 4010;

/** Usage text printed by `--help`. */
export const USAGE = `Usage: pulumi-panther-emulator [options]

Runs a local emulator of Panther's REST /api-tokens API.

Options:
  --port <n>                  TCP port (default ${DEFAULT_CLI_PORT}; 0 picks a free one)
  --host <h>                  address to listen on (default 127.0.0.1)
  --allow-remote              allow a non-loopback --host such as 0.0.0.0
  --base-path <p>             serve the API under a prefix such as /v1 (default none)
  --page-size <n>             largest page of GET /api-tokens (default 50)
  --propagation-delay-ms <n>  new token values answer 401 for this long (default 0)
  --admin-key <k>             value of the admin token, 32 characters or more
                              (default: random); prefer the ${ADMIN_KEY_ENV}
                              environment variable, which other users of this
                              machine cannot see

Playing a Panther that differs from the spec:
  --clock-offset-ms <n>       the emulator's clock runs n ms ahead for stamps
                              and the Date header; behind when negative, written
                              as --clock-offset-ms=-60000
  --date-header-skew-ms <n>   extra offset of the Date header only
  --answer-stamps <s>         full (default), or none: create and rotate
                              answers leave out updatedAt and rotatedAt
  --actor-shape <s>           createdBy/updatedBy as typed (default),
                              spec-literal, string or nested
  --id-matching <m>           exact (default), or caseInsensitive: token ids
                              in paths match without regard to case
  --ipv4-mapped-as-ipv4       store ::ffff:10.0.0.0/104 as 10.0.0.0/8
  --name-normalization <n>    NFC, NFD or none (default)
  --implied-permissions       a ...Modify permission adds its ...Read
  --ipv6-style <s>            asGiven (default), compressed or expanded
  -h, --help                  show this help

Stops on Ctrl+C (SIGINT), SIGTERM or SIGHUP, and when its parent process
(for example npx) exits.`;

/** Where the CLI writes and what it reads, replaceable in tests. */
export interface CliIo {
  /** Writes a line to standard output. */
  readonly out: (line: string) => void;
  /** Writes a line to standard error. */
  readonly err: (line: string) => void;
  /** Environment variables. */
  readonly env: Readonly<Record<string, string | undefined>>;
}

/** Signals that stop the CLI. */
export const STOP_SIGNALS: readonly NodeJS.Signals[] = ["SIGINT", "SIGTERM", "SIGHUP"];

/** How often the CLI checks that its parent process is still there, in ms. */
export const PARENT_POLL_MS = 500;

/** Outcome of {@link main}. */
export interface CliRun {
  /** 0 while serving, after `--help` and after a clean stop; 1 if the server could not start; 2 for bad arguments. */
  readonly exitCode: number;
  /** The running emulator, if one was started. */
  readonly emulator: Emulator | undefined;
  /** Stops the emulator (as SIGINT would) and removes the signal handlers. Safe to call more than once. */
  stop(): Promise<void>;
  /** Settles once the emulator has stopped (at once if none was started). */
  readonly stopped: Promise<void>;
}

class UsageError extends Error {
  override readonly name = "UsageError";
}

function parseInteger(
  flag: string,
  text: string | undefined,
  min: number,
  max: number,
): number | undefined {
  if (text === undefined) return undefined;
  if (!/^-?[0-9]+$/.test(text) || Number(text) < min || Number(text) > max) {
    throw new UsageError(
      `${flag} must be an integer from ${min} to ${max}, got ${JSON.stringify(text)}`,
    );
  }
  return Number(text);
}

/** Quotes `value` for a POSIX shell if it needs it. */
function shellQuote(value: string): string {
  return /^[A-Za-z0-9_.:/@%+=,-]+$/.test(value) ? value : `'${value.replaceAll("'", `'\\''`)}'`;
}

function parseOptions(
  argv: readonly string[],
  env: CliIo["env"],
): { help: true } | { help: false; options: EmulatorOptions; keyFromEnv: boolean } {
  let values;
  try {
    ({ values } = parseArgs({
      args: [...argv],
      strict: true,
      allowPositionals: false,
      options: {
        port: { type: "string" },
        host: { type: "string" },
        "allow-remote": { type: "boolean" },
        "base-path": { type: "string" },
        "page-size": { type: "string" },
        "propagation-delay-ms": { type: "string" },
        "admin-key": { type: "string" },
        "clock-offset-ms": { type: "string" },
        "date-header-skew-ms": { type: "string" },
        "answer-stamps": { type: "string" },
        "actor-shape": { type: "string" },
        "id-matching": { type: "string" },
        "ipv4-mapped-as-ipv4": { type: "boolean" },
        "name-normalization": { type: "string" },
        "implied-permissions": { type: "boolean" },
        "ipv6-style": { type: "string" },
        help: { type: "boolean", short: "h" },
      },
    }));
  } catch (error) {
    throw new UsageError(error instanceof Error ? error.message : String(error));
  }
  if (values.help === true) return { help: true };
  const options: EmulatorOptions = {
    port: parseInteger("--port", values.port, 0, 65535) ?? DEFAULT_CLI_PORT,
  };
  if (values.host !== undefined) options.host = values.host;
  if (values["allow-remote"] === true) options.allowRemote = true;
  else if (values.host !== undefined && !isLoopbackHost(values.host)) {
    throw new UsageError(
      `--host ${values.host} is not a loopback address; pass --allow-remote to listen on it ` +
        "(anyone who can reach it and learns the admin token gets full access)",
    );
  }
  if (values["base-path"] !== undefined) options.basePath = values["base-path"];
  const pageSize = parseInteger("--page-size", values["page-size"], 1, 1_000_000);
  if (pageSize !== undefined) options.pageSize = pageSize;
  const delay = parseInteger(
    "--propagation-delay-ms",
    values["propagation-delay-ms"],
    0,
    86_400_000,
  );
  if (delay !== undefined) options.propagationDelayMs = delay;
  const offset = (flag: string, text: string | undefined): number | undefined =>
    parseInteger(flag, text, -MAX_CLOCK_OFFSET_MS, MAX_CLOCK_OFFSET_MS);
  const clockOffsetMs = offset("--clock-offset-ms", values["clock-offset-ms"]);
  if (clockOffsetMs !== undefined) options.clockOffsetMs = clockOffsetMs;
  const skew = offset("--date-header-skew-ms", values["date-header-skew-ms"]);
  if (skew !== undefined) options.dateHeaderSkewMs = skew;
  // resolveOptions checks the values of these; a bad one exits 2 with its message.
  if (values["answer-stamps"] !== undefined) {
    options.answerStamps = values["answer-stamps"] as NonNullable<EmulatorOptions["answerStamps"]>;
  }
  if (values["actor-shape"] !== undefined) {
    options.actorShape = values["actor-shape"] as NonNullable<EmulatorOptions["actorShape"]>;
  }
  if (values["id-matching"] !== undefined) {
    options.idMatching = values["id-matching"] as NonNullable<EmulatorOptions["idMatching"]>;
  }
  const forms: NonNullable<EmulatorOptions["canonicalForms"]> = {};
  if (values["ipv4-mapped-as-ipv4"] === true) forms.ipv4MappedAsIpv4 = true;
  if (values["implied-permissions"] === true) forms.impliedPermissions = true;
  if (values["name-normalization"] !== undefined) {
    forms.nameNormalization = values["name-normalization"] as NonNullable<
      typeof forms.nameNormalization
    >;
  }
  if (values["ipv6-style"] !== undefined) {
    forms.ipv6Style = values["ipv6-style"] as NonNullable<typeof forms.ipv6Style>;
  }
  if (Object.keys(forms).length > 0) options.canonicalForms = forms;
  const envKey = env[ADMIN_KEY_ENV];
  const keyFromEnv = values["admin-key"] === undefined && envKey !== undefined && envKey !== "";
  const adminKey = values["admin-key"] ?? (keyFromEnv ? envKey : undefined);
  if (adminKey !== undefined) options.adminKey = adminKey;
  return { help: false, options, keyFromEnv };
}

const DEFAULT_IO: CliIo = {
  out: (line) => {
    console.log(line);
  },
  err: (line) => {
    console.error(line);
  },
  env: process.env,
};

function finished(exitCode: number): CliRun {
  return {
    exitCode,
    emulator: undefined,
    stop: () => Promise.resolve(),
    stopped: Promise.resolve(),
  };
}

/**
 * Runs the CLI with `argv` (arguments only, without `node` and the script).
 * Resolves once the emulator is listening (or at once for `--help` and
 * errors) with a {@link CliRun}; the process keeps running until the
 * emulator stops. While serving it handles {@link STOP_SIGNALS} and checks
 * every {@link PARENT_POLL_MS} that its parent process is still there
 * (an orphan's `process.ppid` changes), stopping when it is not.
 *
 * @example
 * const run = await main(["--port", "0"], { out: lines.push.bind(lines), err, env: {} });
 * await run.stop();
 */
export async function main(argv: readonly string[], io: CliIo = DEFAULT_IO): Promise<CliRun> {
  let parsed: ReturnType<typeof parseOptions>;
  try {
    parsed = parseOptions(argv, io.env);
  } catch (error) {
    if (!(error instanceof UsageError)) throw error;
    io.err(`pulumi-panther-emulator: ${error.message}`);
    io.err("Run with --help for usage.");
    return finished(2);
  }
  if (parsed.help) {
    io.out(USAGE);
    return finished(0);
  }

  let emulator: Emulator;
  try {
    emulator = await startEmulator(parsed.options);
  } catch (error) {
    if (error instanceof EmulatorError && error.code === "EMULATOR_INVALID_OPTION") {
      const hint = error.message.includes("allowRemote")
        ? " (pass --allow-remote to allow it)"
        : "";
      io.err(`pulumi-panther-emulator: ${error.message}${hint}`);
      io.err("Run with --help for usage.");
      return finished(2);
    }
    const detail = error instanceof Error ? error.message : String(error);
    io.err(`pulumi-panther-emulator: could not start: ${detail}`);
    return finished(1);
  }

  let resolveStopped: () => void = () => undefined;
  const stopped = new Promise<void>((resolve) => {
    resolveStopped = resolve;
  });
  let stopping: Promise<void> | undefined;
  const stop = (): Promise<void> => {
    stopping ??= (async () => {
      for (const signal of STOP_SIGNALS) process.off(signal, onSignal);
      clearInterval(parentWatch);
      await emulator.close();
      resolveStopped();
    })();
    return stopping;
  };
  const onSignal = (signal: NodeJS.Signals): void => {
    io.err(`pulumi-panther-emulator: ${signal} received, stopping`);
    void stop();
  };
  for (const signal of STOP_SIGNALS) process.on(signal, onSignal);
  // npx killed without a chance to forward a signal leaves this process
  // orphaned; it is then adopted by another process and its ppid changes.
  const parent = process.ppid;
  const parentWatch = setInterval(() => {
    if (process.ppid === parent) return;
    io.err(`pulumi-panther-emulator: parent process ${parent} exited, stopping`);
    void stop();
  }, PARENT_POLL_MS);
  parentWatch.unref();

  const token = parsed.keyFromEnv ? `"$${ADMIN_KEY_ENV}"` : shellQuote(emulator.adminKey);
  io.out(`Panther API emulator listening on ${emulator.url}`);
  io.out(
    parsed.keyFromEnv
      ? `Admin API token (every permission): the value of ${ADMIN_KEY_ENV}`
      : `Admin API token (every permission): ${emulator.adminKey}`,
  );
  io.out("");
  io.out("To point pulumi-panther at it, paste into your shell:");
  io.out(`  export PANTHER_API_URL=${shellQuote(emulator.url)}`);
  io.out(`  export PANTHER_API_TOKEN=${token}`);
  io.out("");
  io.out(`Control API: ${emulator.url}${CONTROL_PREFIX} (header ${CONTROL_HEADER}: <admin token>)`);
  io.out("Press Ctrl+C to stop.");
  return { exitCode: 0, emulator, stop, stopped };
}

if (require.main === module) {
  main(process.argv.slice(2)).then(
    async (run) => {
      process.exitCode = run.exitCode;
      await run.stopped;
      // Nothing may keep a stopped emulator's process alive.
      process.exit();
    },
    (error: unknown) => {
      console.error("pulumi-panther-emulator: unexpected error:", error);
      process.exitCode = 1;
    },
  );
}
