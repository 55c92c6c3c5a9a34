/**
 * The examples as their READMEs run them from a checkout: `npm pack` at the repository's root
 * (the provider's tarball, and the emulator's from its workspace), then plain `npm install` in
 * the example's directory (both from the tarballs its package.json names, the rest from npm),
 * the emulator started as the READMEs start it, and the program started as the Pulumi language host
 * starts it: by the SDK's own runner, which, as the examples have no `typescript` of their own,
 * type-checks them with the TypeScript 3.8 and ts-node 7 it vendors, under the SDK's mocks
 * (see ../support/run-as-pulumi.js). examples.test.ts checks what the programs register.
 *
 * The installs are cached under the OS temp directory, keyed by the tarballs and the examples'
 * package.json files: a new build of either package installs them again.
 */
import { createHash } from "node:crypto";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";

import { startEmulator, type Emulator } from "pulumi-panther-emulator";
import { childEnv, describeExit, exec, type ExecResult } from "../../tools/harness/exec";
import { EMULATOR_DIR, REPO_ROOT, packPackage } from "../../tools/harness/scratch";

const EXAMPLES = [
  "adopt-existing",
  "many-tokens",
  "quickstart",
  "scheduled-rotation",
  "zero-downtime",
  "zero-downtime/consumer",
] as const;
type Example = (typeof EXAMPLES)[number];

const CACHE_ROOT = path.join(os.tmpdir(), "pulumi-panther-examples");
const MARKER = ".pp-examples-installed";
const KEEP_ENTRIES = 2;
const IN_USE_MS = 2 * 60 * 60 * 1000;
const INSTALL_TIMEOUT_MS = 600_000;
const RUN_TIMEOUT_MS = 120_000;
const NPM_TIMEOUT_MS = 60_000;
/**
 * The jest timeout of a test running `runs` child processes, each killed by its own timeout
 * (`RUN_TIMEOUT_MS`, `NPM_TIMEOUT_MS`): on two loaded cores a TypeScript 3.8 type-check takes
 * well past jest's default 60 s, and the child's own timeout, not jest's, must be what stops it.
 */
const within = (runs: number, eachMs = RUN_TIMEOUT_MS): number => runs * eachMs + 10_000;
const RUN_AS_PULUMI = path.join(REPO_ROOT, "test", "support", "run-as-pulumi.js");

/** What a checkout holds of an example: its project files (not node_modules, not a lock). */
function copyExample(example: Example, checkout: string): string {
  const from = path.join(REPO_ROOT, "examples", example);
  const to = path.join(checkout, "examples", example);
  fs.mkdirSync(to, { recursive: true });
  for (const entry of fs.readdirSync(from, { withFileTypes: true })) {
    if (entry.isFile() && entry.name !== "package-lock.json") {
      fs.copyFileSync(path.join(from, entry.name), path.join(to, entry.name));
    }
  }
  return to;
}

/**
 * A checkout-shaped directory (the packed tarball at its root, the examples under examples/)
 * where `npm install` ran in every example; reused while the tarball and the examples'
 * package.json files are the same.
 */
async function installedExamples(): Promise<string> {
  fs.mkdirSync(CACHE_ROOT, { recursive: true });
  const work = fs.mkdtempSync(path.join(CACHE_ROOT, `.tmp-${String(process.pid)}-`));
  try {
    const packed = await packPackage(REPO_ROOT, work);
    const emulatorPacked = await packPackage(EMULATOR_DIR, work);
    const hash = createHash("sha256").update(
      `layout 2\n${packed.sha256}\n${emulatorPacked.sha256}\n`,
    );
    for (const example of EXAMPLES) {
      hash.update(`${example}\n`);
      hash.update(fs.readFileSync(path.join(REPO_ROOT, "examples", example, "package.json")));
    }
    const entry = path.join(CACHE_ROOT, hash.digest("hex").slice(0, 24));
    if (fs.existsSync(path.join(entry, MARKER))) {
      const now = new Date();
      fs.utimesSync(path.join(entry, MARKER), now, now);
      return entry;
    }
    for (const example of EXAMPLES) {
      const dir = copyExample(example, work);
      const r = await exec("npm", ["install", "--prefer-offline", "--no-audit", "--no-fund"], {
        cwd: dir,
        env: childEnv(),
        timeoutMs: INSTALL_TIMEOUT_MS,
      });
      if (r.exitCode !== 0) {
        throw new Error(`npm install in examples/${example} ${describeExit(r)}:\n${r.stderr}`);
      }
    }
    fs.writeFileSync(path.join(work, MARKER), "");
    try {
      fs.renameSync(work, entry);
    } catch (e) {
      // Another process installed the same first.
      if (!fs.existsSync(path.join(entry, MARKER))) throw e;
    }
    prune(entry);
    return entry;
  } finally {
    fs.rmSync(work, { recursive: true, force: true });
  }
}

/**
 * Keeps the {@link KEEP_ENTRIES} most recently used installs, and any used within
 * {@link IN_USE_MS} (another checkout's test run on this machine may be using it).
 */
function prune(keep: string): void {
  const entries = fs
    .readdirSync(CACHE_ROOT)
    .map((name) => path.join(CACHE_ROOT, name))
    .filter((dir) => dir !== keep && fs.existsSync(path.join(dir, MARKER)))
    .map((dir) => ({ dir, used: fs.statSync(path.join(dir, MARKER)).mtimeMs }))
    .sort((a, b) => b.used - a.used);
  for (const { dir, used } of entries.slice(KEEP_ENTRIES - 1)) {
    if (Date.now() - used > IN_USE_MS) fs.rmSync(dir, { recursive: true, force: true });
  }
}

let installed: string;
let checkout: string | undefined;
let emulator: Emulator | undefined;

beforeAll(async () => {
  installed = await installedExamples();
  // Each run gets the examples' current sources, with the cached installs as node_modules.
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "pulumi-panther-examples-run-"));
  checkout = dir;
  for (const example of EXAMPLES) {
    const to = copyExample(example, dir);
    fs.symlinkSync(
      path.join(installed, "examples", example, "node_modules"),
      path.join(to, "node_modules"),
      "dir",
    );
  }
  emulator = await startEmulator();
}, INSTALL_TIMEOUT_MS);

afterAll(async () => {
  await emulator?.close();
  if (checkout !== undefined) fs.rmSync(checkout, { recursive: true, force: true });
});

/** Runs an example as `pulumi up` would start it, under mocks, with the given stack config. */
function runExample(
  example: Example,
  config: Record<string, string> = {},
  secretKeys: readonly string[] = [],
  env: Record<string, string> = {},
): Promise<ExecResult> {
  if (checkout === undefined) throw new Error("the examples were not installed");
  const dir = path.join(checkout, "examples", example);
  const project = /^name:\s*(\S+)\s*$/m.exec(
    fs.readFileSync(path.join(dir, "Pulumi.yaml"), "utf8"),
  )?.[1];
  return exec(process.execPath, [RUN_AS_PULUMI, "index.ts"], {
    cwd: dir,
    env: childEnv({
      PULUMI_PANTHER_PROJECT: project ?? "",
      PULUMI_CONFIG: JSON.stringify(config),
      PULUMI_CONFIG_SECRET_KEYS: JSON.stringify(secretKeys),
      ...env,
    }),
    timeoutMs: RUN_TIMEOUT_MS,
  });
}

function marked(r: ExecResult, marker: string): unknown {
  const line = r.stdout.split("\n").find((l) => l.startsWith(`${marker} `));
  if (line === undefined) throw new Error(`no ${marker} line in:\n${r.stdout}\n${r.stderr}`);
  return JSON.parse(line.slice(marker.length + 1));
}

/**
 * A run that went through: exit 0, and on stderr only the `warnings` given (and the mock
 * monitor's missing shutdown call).
 */
function expectRan(
  r: ExecResult,
  registers: readonly string[],
  warnings: readonly RegExp[] = [],
): void {
  const stderr = r.stderr
    .split("\n")
    .filter(
      (l) => l !== "" && !l.includes("monitorRef.signalAndWaitForShutdown is not a function"),
    );
  expect({ exit: describeExit(r), stderr }).toEqual({
    exit: "exited with code 0",
    stderr: warnings.map((w) => expect.stringMatching(w) as unknown),
  });
  expect(marked(r, "COMPILER")).toEqual({
    typescript: "3.8.3",
    tsNode: expect.stringMatching(/vendor[\\/]ts-node@7\.0\.1$/) as unknown,
  });
  expect(marked(r, "REGISTERED")).toEqual(expect.arrayContaining([...registers]));
}

describe("the examples, installed from the packed tarball and run as Pulumi runs them", () => {
  it("install pulumi-panther from the tarball at the repository's root", () => {
    for (const example of EXAMPLES.filter((e) => e !== "zero-downtime/consumer")) {
      const manifest = path.join(
        installed,
        "examples",
        example,
        "node_modules",
        "pulumi-panther",
        "package.json",
      );
      const lock = JSON.parse(
        fs.readFileSync(path.join(installed, "examples", example, "package-lock.json"), "utf8"),
      ) as { packages: Record<string, { resolved?: string }> };
      expect(fs.existsSync(manifest)).toBe(true);
      expect(lock.packages["node_modules/pulumi-panther"]?.resolved).toMatch(
        /^file:(\.\.\/)+pulumi-panther-\d+\.\d+\.\d+\.tgz$/,
      );
    }
  });

  it(
    "start the emulator with the one command their READMEs give (npx, from the example)",
    async () => {
      const withEmulator = EXAMPLES.filter((e) =>
        fs
          .readFileSync(path.join(REPO_ROOT, "examples", e, "README.md"), "utf8")
          .includes("npx pulumi-panther-emulator --port 4010"),
      );
      expect(withEmulator).toEqual([
        "adopt-existing",
        "many-tokens",
        "quickstart",
        "scheduled-rotation",
        "zero-downtime",
      ]);
      for (const example of withEmulator) {
        const dir = path.join(installed, "examples", example);
        const manifest = JSON.parse(fs.readFileSync(path.join(dir, "package.json"), "utf8")) as {
          devDependencies: Record<string, string>;
        };
        expect(manifest.devDependencies["pulumi-panther-emulator"]).toBe(
          "file:../../pulumi-panther-emulator-0.1.0.tgz",
        );
        // --yes=false: npx may not fetch it from the registry; it must be the example's own.
        const r = await exec("npx", ["--yes=false", "pulumi-panther-emulator", "--help"], {
          cwd: dir,
          env: childEnv(),
          timeoutMs: NPM_TIMEOUT_MS,
        });
        expect({ example, exit: describeExit(r) }).toEqual({ example, exit: "exited with code 0" });
        expect(r.stdout).toContain("--port");
      }
    },
    within(5, NPM_TIMEOUT_MS),
  );

  it(
    "install with no unreviewed dependency install script (npm prints no warning)",
    async () => {
      for (const example of EXAMPLES) {
        const r = await exec("npm", ["install-scripts", "ls"], {
          cwd: path.join(installed, "examples", example),
          env: childEnv(),
          timeoutMs: NPM_TIMEOUT_MS,
        });
        expect({ example, exit: describeExit(r), stdout: r.stdout.trim() }).toEqual({
          example,
          exit: "exited with code 0",
          stdout: "No packages with unreviewed install scripts.",
        });
      }
    },
    within(EXAMPLES.length, NPM_TIMEOUT_MS),
  );

  it(
    "quickstart",
    async () => {
      expectRan(await runExample("quickstart"), ["ci-deployer"]);
    },
    within(1),
  );

  it(
    "scheduled-rotation",
    async () => {
      expectRan(await runExample("scheduled-rotation"), ["detections-sync"]);
    },
    within(1),
  );

  it(
    "zero-downtime, and its consumer",
    async () => {
      expectRan(await runExample("zero-downtime"), [
        "detections-ci",
        "detections-ci-a",
        "detections-ci-b",
      ]);
      const producer = "organization/panther-zero-downtime/dev";
      const consumer = await runExample(
        "zero-downtime/consumer",
        { "panther-zero-downtime-consumer:producerStack": producer },
        [],
        {
          PULUMI_PANTHER_STACK_OUTPUTS: JSON.stringify({
            current: "value-2",
            previous: "value-1",
            currentTokenId: "tok-b",
          }),
        },
      );
      expectRan(consumer, [producer]);
    },
    within(2),
  );

  it(
    "adopt-existing, adopting a token made in the emulator's Console",
    async () => {
      if (emulator === undefined) throw new Error("no emulator");
      const made = emulator.control.createToken({
        name: "made-by-hand",
        permissions: ["AlertRead"],
      });
      const r = await runExample(
        "adopt-existing",
        {
          "panther:url": emulator.url,
          "panther:token": emulator.adminKey,
          "panther-adopt-existing:consoleId": made.token.id,
        },
        ["panther:token"],
      );
      // The preview says what adopting changes.
      expectRan(
        r,
        ["alert-forwarder"],
        [
          new RegExp(
            `^warning: \\[runtime\\] adopting token ${made.token.id} \\("made-by-hand"\\) adds permissions AlertModify`,
          ),
        ],
      );
    },
    within(1),
  );

  it(
    "many-tokens, whose deployer check asks the emulator",
    async () => {
      if (emulator === undefined) throw new Error("no emulator");
      const r = await runExample(
        "many-tokens",
        { "panther:url": emulator.url, "panther:token": emulator.adminKey },
        ["panther:token"],
      );
      expectRan(r, ["team-detections", "team-incident-response", "team-log-onboarding"]);
      expect(r.stdout + r.stderr).not.toContain(emulator.adminKey);
    },
    within(1),
  );
});
