/**
 * The `pulumi-panther-emulator` CLI, run in-process through `main`.
 */
import { ADMIN_KEY_ENV, main, STOP_SIGNALS, USAGE, type CliIo } from "../src/cli";
import { startEmulator } from "../src";

const ENV_KEY = "env-supplied-admin-key-0123456789abcdef";
const FLAG_KEY = "flag-supplied-admin-key-0123456789abcdef";

interface Captured extends CliIo {
  stdout: string[];
  stderr: string[];
}

function capture(env: Record<string, string | undefined> = {}): Captured {
  const stdout: string[] = [];
  const stderr: string[] = [];
  return {
    stdout,
    stderr,
    out: (line) => stdout.push(line),
    err: (line) => stderr.push(line),
    env,
  };
}

describe("pulumi-panther-emulator CLI", () => {
  it("prints the URL, the admin key and export lines that work, and stops cleanly", async () => {
    const io = capture();
    const run = await main(["--port", "0", "--page-size", "2", "--propagation-delay-ms", "0"], io);
    try {
      expect(run.exitCode).toBe(0);
      const emulator = run.emulator;
      if (emulator === undefined) throw new Error("no emulator started");
      const output = io.stdout.join("\n");
      expect(output).toContain(`listening on ${emulator.url}`);
      expect(output).toContain(`export PANTHER_API_URL=${emulator.url}`);
      expect(output).toContain(`export PANTHER_API_TOKEN=${emulator.adminKey}`);
      expect(io.stderr).toEqual([]);

      const url = /export PANTHER_API_URL=(\S+)/.exec(output)?.[1] ?? "";
      const token = /export PANTHER_API_TOKEN=(\S+)/.exec(output)?.[1] ?? "";
      const answer = await fetch(`${url}/api-tokens/self`, { headers: { "x-api-key": token } });
      expect(answer.status).toBe(200);
      await answer.text();
      emulator.control.createToken({ name: "a", permissions: [] });
      emulator.control.createToken({ name: "b", permissions: [] });
      const page = await fetch(`${url}/api-tokens`, { headers: { "x-api-key": token } });
      expect(((await page.json()) as { results: unknown[] }).results).toHaveLength(2);
    } finally {
      await run.stop();
    }
    await expect(run.stopped).resolves.toBeUndefined();
    await expect(fetch(`${run.emulator?.url ?? ""}/api-tokens`)).rejects.toThrow();
  });

  it("takes the admin key from the environment and does not echo it", async () => {
    const io = capture({ [ADMIN_KEY_ENV]: ENV_KEY });
    const run = await main(["--port", "0"], io);
    try {
      expect(run.emulator?.adminKey).toBe(ENV_KEY);
      const output = io.stdout.join("\n");
      expect(output).not.toContain(ENV_KEY);
      expect(output).toContain(`export PANTHER_API_TOKEN="$${ADMIN_KEY_ENV}"`);
    } finally {
      await run.stop();
    }
  });

  it("--admin-key wins over the environment", async () => {
    const io = capture({ [ADMIN_KEY_ENV]: ENV_KEY });
    const run = await main(["--port", "0", "--admin-key", FLAG_KEY], io);
    try {
      expect(run.emulator?.adminKey).toBe(FLAG_KEY);
    } finally {
      await run.stop();
    }
  });

  it.each([
    [["--port", "abc"], '--port must be an integer from 0 to 65535, got "abc"'],
    [["--port", "70000"], '--port must be an integer from 0 to 65535, got "70000"'],
    [["--page-size", "0"], '--page-size must be an integer from 1 to 1000000, got "0"'],
    [["--propagation-delay-ms", "-5"], "--propagation-delay-ms"],
    [["--bogus"], "Unknown option '--bogus'"],
    [["stray"], "Unexpected argument 'stray'"],
    [["--port"], "--port"],
    [["--host", "0.0.0.0"], "--host 0.0.0.0 is not a loopback address; pass --allow-remote"],
    [["--base-path", "v1"], "basePath must be"],
    [["--admin-key", "has space", "--port", "0"], "adminKey must be"],
    [["--admin-key", "short-key", "--port", "0"], "adminKey must be at least 32 characters, got 9"],
    [["--clock-offset-ms", "86400001"], "--clock-offset-ms must be an integer from -86400000"],
    [["--date-header-skew-ms", "soon"], "--date-header-skew-ms must be an integer"],
    [["--answer-stamps", "some"], 'answerStamps must be "full" or "none"'],
    [["--actor-shape", "flat"], "actorShape must be one of typed, spec-literal, string, nested"],
    [["--ipv6-style", "wide"], "ipv6Style must be one of asGiven, compressed, expanded"],
    [["--name-normalization", "NFKC"], "nameNormalization must be one of NFC, NFD, none"],
  ])("%j exits with code 2 and says what is wrong", async (argv, message) => {
    const io = capture();
    const run = await main(argv, io);
    expect(run.exitCode).toBe(2);
    expect(run.emulator).toBeUndefined();
    expect(io.stdout).toEqual([]);
    expect(io.stderr[0]).toContain(message);
    expect(io.stderr[1]).toBe("Run with --help for usage.");
  });

  it("--help prints usage and exits 0 without starting anything", async () => {
    const io = capture();
    const run = await main(["--help"], io);
    expect(run.exitCode).toBe(0);
    expect(run.emulator).toBeUndefined();
    expect(io.stdout).toEqual([USAGE]);
    expect(USAGE).toContain("--propagation-delay-ms");
  });

  it("exits with code 1 when the port is taken", async () => {
    const busy = await startEmulator();
    try {
      const io = capture();
      const run = await main(["--port", String(busy.port)], io);
      expect(run.exitCode).toBe(1);
      expect(io.stderr.join("\n")).toMatch(/could not start: .*EADDRINUSE/);
    } finally {
      await busy.close();
    }
  });

  it.each(["SIGINT", "SIGTERM", "SIGHUP"] as const)(
    "stops on %s and removes its signal handlers",
    async (signal) => {
      const before = STOP_SIGNALS.map((name) => process.listenerCount(name));
      const io = capture();
      const run = await main(["--port", "0"], io);
      expect(STOP_SIGNALS.map((name) => process.listenerCount(name))).toEqual(
        before.map((count) => count + 1),
      );
      process.emit(signal, signal);
      await run.stopped;
      expect(io.stderr).toEqual([`pulumi-panther-emulator: ${signal} received, stopping`]);
      expect(STOP_SIGNALS.map((name) => process.listenerCount(name))).toEqual(before);
      await expect(fetch(`${run.emulator?.url ?? ""}/api-tokens`)).rejects.toThrow();
    },
  );

  it("passes the clock, answer and canonical-form flags to the emulator", async () => {
    const io = capture();
    const run = await main(
      [
        "--port=0",
        "--clock-offset-ms=-3600000",
        "--date-header-skew-ms",
        "120000",
        "--answer-stamps",
        "none",
        "--actor-shape",
        "nested",
        "--ipv4-mapped-as-ipv4",
        "--name-normalization",
        "NFC",
        "--implied-permissions",
        "--ipv6-style",
        "expanded",
      ],
      io,
    );
    try {
      const emulator = run.emulator;
      if (emulator === undefined) throw new Error(`no emulator started: ${io.stderr.join("\n")}`);
      const answer = await fetch(`${emulator.url}/api-tokens`, {
        method: "POST",
        headers: { "x-api-key": emulator.adminKey, "content-type": "application/json" },
        body: JSON.stringify({
          name: "cafe\u0301",
          permissions: ["RuleModify"],
          allowedCIDRBlocks: ["::ffff:10.0.0.0/104", "2001:db8::/32"],
        }),
      });
      const token = (await answer.json()) as Record<string, unknown>;
      expect(token).toMatchObject({
        name: "caf\u00e9",
        permissions: ["RuleModify", "RuleRead"],
        allowedCIDRBlocks: ["10.0.0.0/8", "2001:0db8:0000:0000:0000:0000:0000:0000/32"],
        createdBy: { type: "api-token", apiToken: { id: emulator.adminTokenId } },
      });
      expect(token).not.toHaveProperty("updatedAt");
      const hourAgo = Date.now() - 3_600_000;
      expect(Math.abs(Date.parse(token["createdAt"] as string) - hourAgo)).toBeLessThan(5000);
      const date = Date.parse(answer.headers.get("date") ?? "");
      expect(Math.abs(date - (hourAgo + 120_000))).toBeLessThan(5000);
    } finally {
      await run.stop();
    }
  });
});
