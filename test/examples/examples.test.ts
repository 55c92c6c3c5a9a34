/**
 * The example programs under examples/, executed: each `index.ts` is transpiled to CommonJS and
 * run under the SDK's mocks against the package installed from its tarball (as a user's
 * `npm install` would), and the registrations it makes are checked. The type-check of the same
 * files is `npm run typecheck`.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import * as ts from "typescript";

import { startEmulator, type Emulator } from "../../provider/emulator";
import { rotationGeneration } from "../../provider/resources/tokenPair";
import {
  Engine,
  REPO_ROOT,
  execProgram,
  runProgram,
  startHost,
  stepSummary,
  registrationNamed,
  scratchDirFromEnv,
  type ProgramRun,
  type Registration,
  type RunProgramOptions,
} from "../support";

const scratchDir = scratchDirFromEnv();

const TOKEN_TYPE = "pulumi-nodejs:dynamic/panther:ApiToken";
const PAIR_TYPE = "panther:index:ApiTokenPair";
const EXAMPLES_DIR = path.join(REPO_ROOT, "examples");
const EXPORTS_MARKER = "EXAMPLE_EXPORTS ";

/** A stack output as the program resolved it. */
interface ExportedValue {
  readonly secret: boolean;
  readonly value: unknown;
}

/** What one run of an example produced. */
interface ExampleRun {
  readonly registrations: readonly Registration[];
  /** The program's stack outputs (its module exports), resolved. */
  readonly exports: Readonly<Record<string, ExportedValue>>;
  readonly run: ProgramRun;
}

/** CommonJS JavaScript of an example's TypeScript source, as a Pulumi program would run it. */
function transpile(file: string): string {
  const source = fs.readFileSync(file, "utf8");
  const out = ts.transpileModule(source, {
    fileName: file,
    reportDiagnostics: true,
    compilerOptions: {
      module: ts.ModuleKind.CommonJS,
      target: ts.ScriptTarget.ES2022,
      esModuleInterop: true,
    },
  });
  const errors = out.diagnostics ?? [];
  if (errors.length > 0) {
    throw new Error(
      `${file} does not transpile: ${ts.formatDiagnostics(errors, {
        getCanonicalFileName: (f) => f,
        getCurrentDirectory: () => REPO_ROOT,
        getNewLine: () => "\n",
      })}`,
    );
  }
  return out.outputText;
}

/**
 * The program run for an example: its transpiled source in a module scope of its own, then, with
 * `printExports`, code that resolves every export and prints them as one JSON line (with whether
 * each is a secret), so tests can check the stack outputs a user would see.
 *
 * It also fails the run on an unhandled rejection, printing it: a registration whose input Output
 * rejects surfaces only as an unhandled rejection emitted after program-runner.js has checked for
 * them (once `waitForRPCs` resolved), and the runner would otherwise exit 0 with an empty stderr.
 * The Pulumi language host reports such rejections as program errors.
 */
function programFor(dir: string, printExports = true): string {
  const lines = [
    `"use strict";`,
    `process.on("unhandledRejection", (e) => {`,
    `  console.error("unhandled rejection: " + (e && e.stack ? e.stack : String(e)));`,
    `  process.exitCode = 1;`,
    `});`,
    `const __example = { exports: {} };`,
    `(function (exports, module) {`,
    transpile(path.join(dir, "index.ts")),
    `})(__example.exports, __example);`,
  ];
  if (!printExports) {
    lines.push(`if (typeof __example.exports === "function") module.exports = __example.exports;`);
  } else {
    lines.push(
      `const __pulumi = require("@pulumi/pulumi");`,
      `module.exports = (async () => {`,
      // A program may export a function (`export = async () => ({...})`): Pulumi awaits it and
      // takes its result as the stack outputs.
      `  const exported = typeof __example.exports === "function" ? await __example.exports() : __example.exports;`,
      `  const out = {};`,
      `  for (const [name, v] of Object.entries(exported)) {`,
      `    const o = __pulumi.output(v);`,
      `    const value = await new Promise((resolve) => o.apply((x) => { resolve(x); return x; }));`,
      `    out[name] = { secret: await __pulumi.isSecret(o), value: value === undefined ? null : value };`,
      `  }`,
      `  console.log(${JSON.stringify(EXPORTS_MARKER)} + JSON.stringify(out));`,
      `})();`,
    );
  }
  return lines.join("\n");
}

/** The directory of an example, e.g. `zero-downtime/consumer`. */
function exampleDir(example: string): string {
  return path.join(EXAMPLES_DIR, example);
}

/** The project name in an example's Pulumi.yaml (what `new pulumi.Config()` reads under). */
function projectName(dir: string): string {
  const file = path.join(dir, "Pulumi.yaml");
  const yaml = fs.readFileSync(file, "utf8");
  const name = /^name:\s*(\S+)\s*$/m.exec(yaml)?.[1];
  if (name === undefined) throw new Error(`${file} has no name`);
  return name;
}

/** Runs an example (a directory under examples/) under mocks. */
async function runExample(
  example: string,
  opts: Omit<RunProgramOptions, "scratchDir" | "program" | "project"> = {},
): Promise<ExampleRun> {
  const dir = exampleDir(example);
  const run = await execProgram({
    scratchDir,
    program: programFor(dir),
    project: projectName(dir),
    timeoutMs: 30_000,
    ...opts,
  });
  if (run.exitCode !== 0) {
    throw new Error(
      `example ${example} failed (exit code ${String(run.exitCode)}):\n${run.stderr}`,
    );
  }
  const line = run.stdout.split("\n").find((l) => l.startsWith(EXPORTS_MARKER));
  if (line === undefined) throw new Error(`example ${example} printed no exports:\n${run.stdout}`);
  const exports = JSON.parse(line.slice(EXPORTS_MARKER.length)) as Record<string, ExportedValue>;
  return { registrations: run.registrations, exports, run };
}

function tokens(regs: readonly Registration[]): Registration[] {
  return regs.filter((r) => r.type === TOKEN_TYPE);
}

/** What every PantherApiToken registration must look like, whatever the example. */
function expectWellFormedToken(reg: Registration): void {
  expect(reg.type).toBe(TOKEN_TYPE);
  expect(reg.custom).toBe(true);
  expect(reg.additionalSecretOutputs).toContain("value");
  // The provider is a require of the installed package, not code serialized by value.
  expect(reg.inputs["__provider"]).toEqual(
    expect.stringContaining('require("pulumi-panther/dynamic-provider")'),
  );
}

function exampleDirs(): string[] {
  return fs
    .readdirSync(EXAMPLES_DIR, { withFileTypes: true })
    .filter((d) => d.isDirectory() && fs.existsSync(path.join(EXAMPLES_DIR, d.name, "index.ts")))
    .map((d) => d.name)
    .sort();
}

describe("examples", () => {
  it("each is a Pulumi project a user can install from a checkout: Pulumi.yaml, package.json, tsconfig.json, README.md", () => {
    const dirs = exampleDirs();
    expect(dirs).toEqual(
      expect.arrayContaining([
        "adopt-existing",
        "many-tokens",
        "quickstart",
        "scheduled-rotation",
        "zero-downtime",
      ]),
    );
    const { version } = JSON.parse(
      fs.readFileSync(path.join(REPO_ROOT, "package.json"), "utf8"),
    ) as {
      version: string;
    };
    for (const name of [...dirs, "zero-downtime/consumer"]) {
      const dir = path.join(EXAMPLES_DIR, name);
      const pkg = JSON.parse(fs.readFileSync(path.join(dir, "package.json"), "utf8")) as {
        main?: string;
        dependencies?: Record<string, string>;
      };
      expect({ name, main: pkg.main }).toEqual({ name, main: "index.ts" });
      expect(pkg.dependencies).toHaveProperty("@pulumi/pulumi");
      if (name !== "zero-downtime/consumer") {
        // The tarball `npm pack` writes at the repository's root: the package is not published.
        const tarball = path.relative(dir, path.join(REPO_ROOT, `pulumi-panther-${version}.tgz`));
        expect({ name, dependency: pkg.dependencies?.["pulumi-panther"] }).toEqual({
          name,
          dependency: `file:${tarball}`,
        });
      }
      const yaml = fs.readFileSync(path.join(dir, "Pulumi.yaml"), "utf8");
      expect(yaml).toMatch(/^runtime:\n {2}name: nodejs$/m);
      // The package's keys are never declared: a declared key without a default is required,
      // which leaves no room for the environment fallbacks.
      expect({ name, declaresPantherKeys: /^ {2}panther:/m.test(yaml) }).toEqual({
        name,
        declaresPantherKeys: false,
      });
      // The tsconfig of `pulumi new typescript`: what a user's project has.
      const tsconfig = JSON.parse(fs.readFileSync(path.join(dir, "tsconfig.json"), "utf8")) as {
        compilerOptions: Record<string, unknown>;
        files: string[];
      };
      expect({ name, ...tsconfig }).toEqual({
        name,
        files: ["index.ts"],
        compilerOptions: expect.objectContaining({
          strict: true,
          module: "commonjs",
          moduleResolution: "node",
        }) as unknown,
      });
      expect(tsconfig.compilerOptions).not.toHaveProperty("skipLibCheck");
      expect(tsconfig.compilerOptions).not.toHaveProperty("esModuleInterop");
      expect(fs.existsSync(path.join(dir, "README.md"))).toBe(true);
      if (name !== "zero-downtime/consumer") {
        const readme = fs.readFileSync(path.join(dir, "README.md"), "utf8");
        expect(readme).toContain("npm ci && npm pack");
        expect(readme).toContain(`cd examples/${name}\nnpm install`);
      }
    }
  });

  it("the root Pulumi.yaml runs the quick start and declares no config", () => {
    const yaml = fs.readFileSync(path.join(REPO_ROOT, "Pulumi.yaml"), "utf8");
    expect(yaml).toMatch(/^main: examples\/quickstart\/$/m);
    expect(yaml).toMatch(/^runtime:\n {2}name: nodejs$/m);
    expect(yaml).not.toMatch(/^config:/m);
  });

  it("quickstart: one token for CI, its value exported", async () => {
    const { registrations, exports } = await runExample("quickstart");

    expect(tokens(registrations)).toHaveLength(1);
    const ci = registrationNamed(registrations, "ci-deployer");
    expectWellFormedToken(ci);
    expect(ci.inputs).toMatchObject({
      name: "ci-deployer",
      permissions: ["RuleRead", "RuleModify"],
      allowedCIDRBlocks: ["203.0.113.0/24"],
      rotationTrigger: "2026-Q4",
    });
    expect(Object.keys(exports).sort()).toEqual(["rotatedAt", "token", "tokenId"]);
    expect(exports["tokenId"]?.value).toBe("ci-deployer_id");
  });

  describe("scheduled-rotation", () => {
    it("rotates every 90 days, and on a rotationTrigger from config", async () => {
      const createdAt = "2026-01-10T08:00:00.000Z";
      const { registrations, exports } = await runExample("scheduled-rotation", {
        mockState: { "detections-sync": { createdAt } },
      });

      expect(tokens(registrations)).toHaveLength(1);
      const token = registrationNamed(registrations, "detections-sync");
      expectWellFormedToken(token);
      expect(token.inputs).toMatchObject({
        name: "detections-sync",
        permissions: ["RuleRead", "RuleModify", "PolicyRead", "PolicyModify"],
        rotateAfterDays: 90,
        rotationTrigger: "initial",
        waitUntilUsable: true,
      });
      // 90 days after the creation, as the token was never rotated.
      expect(exports["nextRotationDue"]?.value).toBe("2026-04-10T08:00:00.000Z");
    });

    it("takes the next due date from the last rotation, and the trigger from stack config", async () => {
      const { registrations, exports } = await runExample("scheduled-rotation", {
        config: { "panther-scheduled-rotation:rotationTrigger": "leak-2026-03-14" },
        mockState: {
          "detections-sync": {
            createdAt: "2026-01-10T08:00:00.000Z",
            rotatedAt: "2026-03-14T12:00:00.000Z",
          },
        },
      });

      expect(registrationNamed(registrations, "detections-sync").inputs).toMatchObject({
        rotationTrigger: "leak-2026-03-14",
        rotateAfterDays: 90,
      });
      expect(exports["nextRotationDue"]?.value).toBe("2026-06-12T12:00:00.000Z");
    });
  });

  describe("zero-downtime", () => {
    it("declares a pair of tokens rotated in alternation and exports current and previous as secrets", async () => {
      const { registrations, exports } = await runExample("zero-downtime", {
        mockState: {
          "detections-ci-a": { value: "value-of-a", valueIssuedAt: "2026-11-01T00:00:00.000Z" },
          "detections-ci-b": { value: "value-of-b", valueIssuedAt: "2026-10-02T00:00:00.000Z" },
        },
      });

      const pair = registrationNamed(registrations, "detections-ci");
      expect(pair.type).toBe(PAIR_TYPE);
      expect(pair.custom).toBe(false);
      const slots = tokens(registrations);
      expect(slots.map((r) => r.name).sort()).toEqual(["detections-ci-a", "detections-ci-b"]);
      const generation = rotationGeneration(30);
      for (const [slot, peer] of [
        ["a", "b"],
        ["b", "a"],
      ] as const) {
        const token = registrationNamed(registrations, `detections-ci-${slot}`);
        expectWellFormedToken(token);
        expect(token.parent).toBe(pair.urn);
        expect(token.inputs).toMatchObject({
          name: `detections-ci-${slot}`,
          permissions: ["RuleRead", "RuleModify"],
          pair: { slot, generation, periodDays: 30, peerName: `detections-ci-${peer}` },
        });
        expect(token.inputs).not.toHaveProperty("rotationTrigger");
      }

      // The token whose value was issued last is current.
      expect(exports["current"]).toEqual({ secret: true, value: "value-of-a" });
      expect(exports["previous"]).toEqual({ secret: true, value: "value-of-b" });
      expect(exports["currentTokenId"]?.value).toBe("detections-ci-a_id");
    });

    it("consumer: reads current and previous from the producer stack, as secrets, without Panther", async () => {
      const producerStack = "organization/panther-zero-downtime/dev";
      const { registrations, exports } = await runExample("zero-downtime/consumer", {
        config: { "panther-zero-downtime-consumer:producerStack": producerStack },
        mockState: {
          [producerStack]: {
            outputs: { current: "value-2", previous: "value-1", currentTokenId: "tok-b" },
            secretOutputNames: ["current", "previous"],
          },
        },
      });

      expect(tokens(registrations)).toEqual([]);
      expect(exports["pantherApiKeys"]).toEqual({
        secret: true,
        value: { primary: "value-2", fallback: "value-1" },
      });
      expect(exports["currentTokenId"]?.value).toBe("tok-b");
    });
  });

  describe("adopt-existing", () => {
    const project = "panther-adopt-existing";

    it("adopts the Console token by id and rotates it, without the import option", async () => {
      const { registrations, exports } = await runExample("adopt-existing", {
        config: { [`${project}:consoleTokenId`]: "tok-console-1" },
      });

      expect(tokens(registrations)).toHaveLength(1);
      const token = registrationNamed(registrations, "alert-forwarder");
      expectWellFormedToken(token);
      expect(token.importId).toBeUndefined();
      expect(token.inputs).toMatchObject({
        name: "alert-forwarder",
        permissions: ["AlertRead", "AlertModify"],
        allowedCIDRBlocks: ["198.51.100.0/24"],
        adoptTokenId: "tok-console-1",
        rotateOnAdopt: true,
      });
      expect(exports["importedId"]?.value).toBeNull();
    });

    it("with importTokenId, also brings a token in with the import resource option", async () => {
      const { registrations } = await runExample("adopt-existing", {
        config: {
          [`${project}:consoleTokenId`]: "tok-console-1",
          [`${project}:importTokenId`]: "tok-legacy-7",
        },
      });

      expect(
        tokens(registrations)
          .map((r) => r.name)
          .sort(),
      ).toEqual(["alert-forwarder", "imported-reader"]);
      const imported = registrationNamed(registrations, "imported-reader");
      expectWellFormedToken(imported);
      expect(imported.importId).toBe("tok-legacy-7");
      // Only what Panther reports, so that the import's comparison finds no difference.
      expect(Object.keys(imported.inputs).sort()).toEqual(["__provider", "name", "permissions"]);
    });

    it("through the provider host: adopts and rotates, while the import leaves the value alone", async () => {
      const emulator = await startEmulator();
      const host = await startHost({ scratchDir });
      try {
        const consoleToken = emulator.control.createToken({
          name: "made-by-hand",
          permissions: ["AlertRead"],
        });
        const legacy = emulator.control.createToken({
          name: "legacy-reader",
          permissions: ["RuleRead"],
        });
        const engine = new Engine(host, {
          config: { "panther:url": emulator.url, "panther:token": emulator.adminKey },
          secretConfigKeys: ["panther:token"],
        });
        const regs = await runProgram({
          scratchDir,
          program: programFor(exampleDir("adopt-existing"), false),
          project,
          config: {
            [`${project}:consoleTokenId`]: consoleToken.token.id,
            [`${project}:importTokenId`]: legacy.token.id,
          },
        });

        const up = await engine.up(regs);

        expect(up.errors).toEqual([]);
        expect(stepSummary(up).sort()).toEqual([
          ["alert-forwarder", "create", "succeeded"],
          ["imported-reader", "import", "succeeded"],
        ]);
        // Adopted: same id, updated to match the program, rotated.
        const adopted = engine.resource("alert-forwarder");
        expect(adopted?.id).toBe(consoleToken.token.id);
        expect(emulator.control.getToken(consoleToken.token.id)).toMatchObject({
          name: "alert-forwarder",
          permissions: ["AlertModify", "AlertRead"],
          allowedCIDRBlocks: ["198.51.100.0/24"],
        });
        expect(emulator.control.authenticate(consoleToken.value)).toBeUndefined();
        const value = adopted?.outputs["value"];
        expect(typeof value === "string" && value !== "").toBe(true);
        expect(emulator.control.authenticate(value as string)).toBe(consoleToken.token.id);
        // Imported: no rotation, no value; the Console's value keeps working.
        expect(engine.resource("imported-reader")?.outputs["value"]).toBe("");
        expect(emulator.control.authenticate(legacy.value)).toBe(legacy.token.id);
        expect(engine.stateJSON()).not.toContain(value as string);
        expect(engine.stateJSON()).not.toContain(emulator.adminKey);

        const destroyed = await engine.destroy();
        expect(destroyed.ok).toBe(true);
        expect(emulator.control.getToken(consoleToken.token.id)).toBeUndefined();
      } finally {
        await host.close();
        await emulator.close();
      }
    });

    it("fails without consoleTokenId, naming the missing config", async () => {
      const run = await execProgram({
        scratchDir,
        program: programFor(exampleDir("adopt-existing"), false),
        project,
        timeoutMs: 30_000,
      });

      expect(run.exitCode).not.toBe(0);
      expect(run.stderr).toContain(`${project}:consoleTokenId`);
      expect(tokens(run.registrations)).toEqual([]);
    });
  });

  describe("many-tokens", () => {
    let emulator: Emulator;

    beforeAll(async () => {
      emulator = await startEmulator();
    });

    afterAll(async () => {
      await emulator.close();
    });

    const config = (key: string): Pick<RunProgramOptions, "config" | "secretConfigKeys"> => ({
      config: { "panther:url": emulator.url, "panther:token": key },
      secretConfigKeys: ["panther:token"],
    });

    it("declares one token per team from one definition, after checking the deployer's permissions", async () => {
      emulator.control.resetCounters();
      const { registrations, exports } = await runExample("many-tokens", config(emulator.adminKey));

      const teams = ["detections", "incident-response", "log-onboarding"];
      expect(
        tokens(registrations)
          .map((r) => r.name)
          .sort(),
      ).toEqual(teams.map((t) => `team-${t}`));
      for (const reg of tokens(registrations)) expectWellFormedToken(reg);
      expect(registrationNamed(registrations, "team-incident-response").inputs).toMatchObject({
        name: "team-incident-response",
        permissions: ["AlertRead", "AlertModify", "DataAnalyticsRead"],
        allowedCIDRBlocks: [],
      });
      expect(registrationNamed(registrations, "team-log-onboarding").inputs).toMatchObject({
        allowedCIDRBlocks: ["198.51.100.0/24"],
      });
      // The lookup ran against Panther (GET /api-tokens/self), nothing else did: under mocks no
      // provider runs.
      const counters = emulator.control.counters();
      expect(counters.byOperation.get).toBe(1);
      expect(counters.requests).toBe(1);
      expect(exports["deployedBy"]?.value).toBe("emulator-admin");
      expect(exports["tokenIds"]?.value).toEqual({
        detections: "team-detections_id",
        "incident-response": "team-incident-response_id",
        "log-onboarding": "team-log-onboarding_id",
      });
      expect(exports["tokenValues"]?.secret).toBe(true);
      // The deployer's key went in as secret config and never shows in what the program sent.
      expect(JSON.stringify(registrations)).not.toContain(emulator.adminKey);
    });

    it("fails early, registering no token, when the deployer's key is not accepted", async () => {
      const dir = exampleDir("many-tokens");
      const run = await execProgram({
        scratchDir,
        program: programFor(dir, false),
        project: projectName(dir),
        timeoutMs: 30_000,
        ...config("not-a-valid-key"),
      });

      expect(run.exitCode).not.toBe(0);
      expect(run.stderr).toContain("401 Unauthorized");
      expect(run.stderr).toContain("The API key was not accepted");
      expect(run.stderr).not.toContain("not-a-valid-key");
      expect(run.registrations).toEqual([]);
    });

    it("fails early, registering no token, when the deployer's key lacks a permission", async () => {
      const weak = emulator.control.createToken({
        name: "read-only-deployer",
        permissions: ["OrganizationAPITokenRead"],
      });
      const dir = exampleDir("many-tokens");
      const run = await execProgram({
        scratchDir,
        program: programFor(dir, false),
        project: projectName(dir),
        timeoutMs: 30_000,
        ...config(weak.value),
      });

      expect(run.exitCode).not.toBe(0);
      expect(run.stderr).toContain(
        `The deployer's Panther token "read-only-deployer" (${weak.token.id}) lacks OrganizationAPITokenModify`,
      );
      expect(tokens(run.registrations)).toEqual([]);
      expect(run.registrations).toEqual([]);
      expect(run.stderr).not.toContain(weak.value);
    });
  });
});
