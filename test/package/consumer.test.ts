/**
 * The package as a user's TypeScript project sees it: the tarball `npm pack` makes, installed
 * into a project of its own outside the repository, and a program using every documented entry
 * point (`pulumi-panther`, `/client`, `/dynamic-provider`) compiled with
 * `tsc --noEmit` under the module settings users have, by the TypeScript versions they have:
 *
 * - `template`: the tsconfig of `pulumi new typescript` (strict, `module: commonjs`,
 *   `moduleResolution: node`, no `skipLibCheck`, no `esModuleInterop`). Classic resolution
 *   reads no `exports`: the subpaths resolve through `typesVersions`. TypeScript 6 deprecates
 *   that resolution (the template needs `"ignoreDeprecations": "6.0"` there) and TypeScript 7
 *   removed it, so it is not tried with 7.
 * - `node16`, `nodenext` (a CommonJS and an ES module consumer), `bundler` with `module: esnext`
 *   and with `module: preserve`: resolution through `exports`.
 *
 * Each run compiles a second file with a typo in a `KnownPermission`, and must report exactly
 * that error: the check can fail, and the types it checks against are real, not `any`.
 *
 * And the TypeScript 3.8 and ts-node 7 that `@pulumi/pulumi` vendors: a project without a
 * `typescript` package of its own gets them from the SDK's language host (`cmd/run`), which
 * registers ts-node type-checking (not transpile-only, unless the tsconfig says `noCheck` or
 * PULUMI_NODEJS_TRANSPILE_ONLY=true). The program is run exactly so, under the SDK's mocks.
 *
 * Installs are cached by content under the OS temp directory (see tools/harness/scratch.ts): the
 * compilers once, the consumer project once per build of the package.
 */
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import ts from "typescript";

import { childEnv, describeExit, exec, type ExecResult } from "../../tools/harness/exec";
import { REPO_ROOT, preparePackage } from "../../tools/harness/scratch";

/** Runs a program as the language host does, under mocks: see the file. */
const RUN_AS_PULUMI = path.join(REPO_ROOT, "test", "support", "run-as-pulumi.js");

/** The TypeScript versions compiled with, installed under aliases so that none is `typescript`. */
const COMPILERS: readonly Compiler[] = [
  // The oldest TypeScript the current @types/node supports (its typeScriptVersion): the
  // template and the commonest of the others, to keep the matrix's time down.
  { alias: "ts56", version: "5.6.3", only: ["template", "nodenext"] },
  // This repository's own.
  { alias: "ts59", version: "5.9.3" },
  // The newest TypeScript written in TypeScript.
  { alias: "ts60", version: "6.0.3" },
  // `typescript@latest`: the native compiler. npm refuses it next to @pulumi/pulumi (whose
  // optional peer range is `< 7`), but editors and a global `tsc` type-check with it.
  { alias: "ts70", version: "7.0.2" },
];

/** A TypeScript version, installed as `<alias>@npm:typescript@<version>`. */
interface Compiler {
  readonly alias: string;
  readonly version: string;
  /** The configurations it compiles with, when not all that apply. */
  readonly only?: readonly string[];
}

const CACHE_ROOT = path.join(os.tmpdir(), "pulumi-panther-consumers");
const INSTALL_TIMEOUT_MS = 600_000;
const COMPILE_TIMEOUT_MS = 180_000;

/** The @types/node this repository builds with; a `pulumi new` project has one too. */
const TYPES_NODE_VERSION = (
  JSON.parse(
    fs.readFileSync(path.join(REPO_ROOT, "node_modules", "@types", "node", "package.json"), "utf8"),
  ) as { version: string }
).version;

/** The tsconfig.json of the `pulumi new typescript` template. */
const TEMPLATE_TSCONFIG = {
  compilerOptions: {
    strict: true,
    outDir: "bin",
    target: "es2020",
    module: "commonjs",
    moduleResolution: "node",
    sourceMap: true,
    experimentalDecorators: true,
    pretty: true,
    noFallthroughCasesInSwitch: true,
    noImplicitReturns: true,
    forceConsistentCasingInFileNames: true,
  },
  files: ["index.ts"],
};

/** The program a user writes: every entry point, with types that would catch a misuse. */
const PROGRAM = `import * as pulumi from "@pulumi/pulumi";
import {
  PantherApiToken,
  PantherApiTokenPair,
  rotationGeneration,
  getApiToken,
  getDeployerToken,
  listApiTokens,
  requireDeployerPermissions,
  KNOWN_PERMISSIONS,
  KnownPermission,
  ApiToken,
  PantherApiTokenArgs,
} from "pulumi-panther";
import {
  PantherClient,
  isPantherApiError,
  isPantherError,
  isPantherNetworkError,
} from "pulumi-panther/client";
import * as provider from "pulumi-panther/dynamic-provider";

const permissions: KnownPermission[] = ["RuleRead", "RuleModify"];
const everyPermission: readonly KnownPermission[] = KNOWN_PERMISSIONS;

const args: PantherApiTokenArgs = {
  name: "ci-deployer",
  permissions,
  allowedCIDRBlocks: ["203.0.113.0/24"],
  rotationTrigger: "2026-Q4",
};
const token = new PantherApiToken("ci-deployer", args);
const pair = new PantherApiTokenPair("detections-ci", {
  name: "detections-ci",
  permissions: ["AlertRead"],
  generation: rotationGeneration(30),
  periodDays: 30,
});

/** The lookups, typed; they ask Panther, so the program only declares them. */
export function lookups(id: string): pulumi.Output<string[]> {
  const one: pulumi.Output<ApiToken> = getApiToken(id);
  const all: pulumi.Output<ApiToken[]> = listApiTokens();
  const deployer: pulumi.Output<ApiToken> = getDeployerToken();
  return pulumi
    .all([one, all, deployer])
    .apply(([a, b, c]) => [a.name, String(b.length), c.createdAt, a.expiresAt ?? "never"]);
}

/** The client on its own, with the error guards narrowing what was thrown. */
export async function clientCheck(url: string, apiKey: string): Promise<string> {
  const deployer: ApiToken = await requireDeployerPermissions(["OrganizationAPITokenRead"]);
  const client = new PantherClient({ url, apiKey });
  try {
    const created = await client.createToken({ name: "n", permissions: ["RuleRead"] });
    const value: string = created.value;
    return value + deployer.id;
  } catch (e) {
    if (isPantherApiError(e)) return String(e.status) + e.code;
    if (isPantherNetworkError(e)) return e.causeCode ?? e.applied;
    if (isPantherError(e, "PANTHER_TIMEOUT")) return e.message;
    throw e;
  }
}

export const providerMethods: string[] = [typeof provider.create, typeof provider.delete];
export const permissionCount: number = everyPermission.length;
export const tokenValue: pulumi.Output<string> = token.value;
export const current: pulumi.Output<string> = pair.current;
`;

/** The same program with one typo in a permission name: the one error every compile must report. */
const TYPO_LINE = `const permissions: KnownPermission[] = ["RuleRead", "RuleRaed"];`;
const BAD_PROGRAM = PROGRAM.replace(
  `const permissions: KnownPermission[] = ["RuleRead", "RuleModify"];`,
  TYPO_LINE,
);
const TYPO_LINE_NUMBER = BAD_PROGRAM.split("\n").indexOf(TYPO_LINE) + 1;

/** A module setting a user may compile with. */
interface Configuration {
  readonly name: string;
  /** Written to `tsconfig.<name>.json`. */
  readonly tsconfig: object;
  /** Whether the setting exists in that TypeScript. */
  readonly appliesTo: (c: Compiler) => boolean;
}

const strictWith = (module: string, moduleResolution: string): object => ({
  strict: true,
  target: "es2022",
  module,
  moduleResolution,
  noEmit: true,
});

const CONFIGURATIONS: readonly Configuration[] = [
  {
    name: "template",
    tsconfig: { extends: "./tsconfig.json", files: ["index.ts", "bad.ts"] },
    appliesTo: (c) => c.version.startsWith("5."),
  },
  {
    // TypeScript 6 refuses `moduleResolution: node` unless told it knows it is deprecated.
    name: "template-ts6",
    tsconfig: {
      extends: "./tsconfig.json",
      compilerOptions: { ignoreDeprecations: "6.0" },
      files: ["index.ts", "bad.ts"],
    },
    appliesTo: (c) => c.version.startsWith("6."),
  },
  {
    name: "node16",
    tsconfig: { compilerOptions: strictWith("node16", "node16"), files: ["index.ts", "bad.ts"] },
    appliesTo: () => true,
  },
  {
    name: "nodenext",
    tsconfig: {
      compilerOptions: strictWith("nodenext", "nodenext"),
      files: ["index.ts", "index.mts", "bad.ts"],
    },
    appliesTo: () => true,
  },
  {
    name: "bundler-esnext",
    tsconfig: { compilerOptions: strictWith("esnext", "bundler"), files: ["index.ts", "bad.ts"] },
    appliesTo: () => true,
  },
  {
    name: "bundler-preserve",
    tsconfig: {
      compilerOptions: strictWith("preserve", "bundler"),
      files: ["index.ts", "bad.ts"],
    },
    appliesTo: () => true,
  },
];

/** One error a compiler reported. */
interface Diagnostic {
  readonly file: string;
  readonly line: number;
  readonly code: string;
  readonly message: string;
}

/** The errors in `tsc --pretty false` output, continuation lines joined to their error. */
function parseTscOutput(output: string): Diagnostic[] {
  const diagnostics: { file: string; line: number; code: string; message: string }[] = [];
  for (const text of output.split("\n")) {
    const located = /^(.+?)\((\d+),\d+\): error (TS\d+): (.*)$/.exec(text);
    const global = /^error (TS\d+): (.*)$/.exec(text);
    if (located !== null) {
      const [, file = "", line = "0", code = "", message = ""] = located;
      diagnostics.push({ file, line: Number(line), code, message });
    } else if (global !== null) {
      const [, code = "", message = ""] = global;
      diagnostics.push({ file: "", line: 0, code, message });
    } else if (text.trim() !== "") {
      const last = diagnostics.at(-1);
      if (last === undefined) diagnostics.push({ file: "", line: 0, code: "", message: text });
      else last.message += `\n${text}`;
    }
  }
  return diagnostics;
}

/**
 * The error the typo must cause, and nothing else: TS2820, "… is not assignable to type … Did
 * you mean '"RuleRead"'?" (TypeScript 3.8 says TS2322, without the suggestion).
 */
const EXPECTED_TYPO_ERROR = [{ file: "bad.ts", line: TYPO_LINE_NUMBER, code: "TS2820" }];

let compilersDir: string;
let projectDir: string;
let workDir: string | undefined;

/** Runs `node <args>` in the work directory. */
function node(args: readonly string[], env: Readonly<Record<string, string>> = {}) {
  return exec(process.execPath, args, {
    cwd: consumer(),
    env: childEnv(env),
    timeoutMs: COMPILE_TIMEOUT_MS,
  });
}

function tscPath(c: Compiler): string {
  return path.join(compilersDir, "node_modules", c.alias, "bin", "tsc");
}

function writeJson(file: string, value: unknown): void {
  fs.writeFileSync(path.join(consumer(), file), `${JSON.stringify(value, null, 2)}\n`);
}

beforeAll(async () => {
  [compilersDir, projectDir] = await Promise.all([
    preparePackage({
      packageDirs: [],
      registryPackages: COMPILERS.map((c) => `${c.alias}@npm:typescript@${c.version}`),
      cacheRoot: path.join(CACHE_ROOT, "compilers"),
    }),
    // The tarball npm pack makes of this repository (built by npm test), as a user installs it.
    preparePackage({
      packageDirs: [REPO_ROOT],
      registryPackages: [`@types/node@${TYPES_NODE_VERSION}`],
      cacheRoot: path.join(CACHE_ROOT, "projects"),
    }),
  ]);
  // The user's project: its own files, and the cached install as its node_modules.
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "pulumi-panther-consumer-"));
  workDir = dir;
  fs.symlinkSync(path.join(projectDir, "node_modules"), path.join(dir, "node_modules"), "dir");
  const installed = JSON.parse(fs.readFileSync(path.join(projectDir, "package.json"), "utf8")) as {
    dependencies: Record<string, string>;
  };
  writeJson("package.json", {
    name: "panther-consumer",
    main: "index.ts",
    dependencies: installed.dependencies,
  });
  writeJson("tsconfig.json", TEMPLATE_TSCONFIG);
  for (const c of CONFIGURATIONS) writeJson(`tsconfig.${c.name}.json`, c.tsconfig);
  fs.writeFileSync(path.join(dir, "index.ts"), PROGRAM);
  fs.writeFileSync(path.join(dir, "index.mts"), PROGRAM);
  fs.writeFileSync(path.join(dir, "bad.ts"), BAD_PROGRAM);
}, INSTALL_TIMEOUT_MS);

afterAll(() => {
  if (workDir !== undefined) fs.rmSync(workDir, { recursive: true, force: true });
});

/** The consumer project's directory, once beforeAll made it. */
function consumer(): string {
  if (workDir === undefined) throw new Error("the consumer project was not prepared");
  return workDir;
}

/** At most two compilers run at once: the machines have two cores. */
const COMPILE_PARALLELISM = 2;
const compileQueue: (() => void)[] = [];
let compiling = 0;

/** Runs `task` when fewer than {@link COMPILE_PARALLELISM} others are running. */
async function limited<T>(task: () => Promise<T>): Promise<T> {
  if (compiling >= COMPILE_PARALLELISM) {
    await new Promise<void>((resolve) => compileQueue.push(resolve));
  }
  compiling += 1;
  try {
    return await task();
  } finally {
    compiling -= 1;
    compileQueue.shift()?.();
  }
}

/** Every compile of the matrix, started together and run two at a time; each test awaits its own. */
const compiles = new Map<string, Promise<ExecResult>>();
function compile(compiler: Compiler, configuration: Configuration): Promise<ExecResult> {
  const key = `${compiler.alias} ${configuration.name}`;
  let pending = compiles.get(key);
  if (pending === undefined) {
    pending = limited(() =>
      node([tscPath(compiler), "-p", `tsconfig.${configuration.name}.json`, "--pretty", "false"]),
    );
    compiles.set(key, pending);
  }
  return pending;
}

/** The configurations a compiler compiles with. */
function configurationsFor(compiler: Compiler): Configuration[] {
  return CONFIGURATIONS.filter(
    (c) => c.appliesTo(compiler) && (compiler.only === undefined || compiler.only.includes(c.name)),
  );
}

const MATRIX = COMPILERS.flatMap((compiler) =>
  configurationsFor(compiler).map((c) => [compiler, c] as const),
);

describe.each(COMPILERS.map((c) => [c.version, c] as const))(
  "TypeScript %s compiles the program with no error, and reports the typo",
  (_version, compiler) => {
    beforeAll(() => {
      // Queue the whole matrix at once, so that the two compilers at a time run back to back.
      for (const [c, configuration] of MATRIX)
        void compile(c, configuration).catch(() => undefined);
    });

    it.each(CONFIGURATIONS.filter((c) => c.appliesTo(compiler)).map((c) => [c.name, c] as const))(
      "%s",
      async (_name, configuration) => {
        const r = await compile(compiler, configuration);
        const errors = parseTscOutput(r.stdout + r.stderr);

        expect(errors.map(({ file, line, code }) => ({ file, line, code }))).toEqual(
          EXPECTED_TYPO_ERROR,
        );
        expect(errors[0]?.message).toContain(`Type '"RuleRaed"' is not assignable to type`);
        expect(errors[0]?.message).toContain(`Did you mean '"RuleRead"'?`);
        expect(r.exitCode).not.toBe(0);
      },
      COMPILE_TIMEOUT_MS * 4,
    );

    it(
      "reports what it is",
      async () => {
        const r = await node([tscPath(compiler), "--version"]);
        expect(r.stdout.trim()).toBe(`Version ${compiler.version}`);
      },
      COMPILE_TIMEOUT_MS + 10_000,
    );
  },
);

describe("a project without TypeScript of its own, run as Pulumi runs it (TypeScript 3.8, ts-node 7)", () => {
  const runAsPulumi = (program: string): Promise<ExecResult> =>
    node([RUN_AS_PULUMI, program], { PULUMI_PANTHER_PROJECT: "panther-consumer" });

  const marked = (r: ExecResult, marker: string): unknown => {
    const line = r.stdout.split("\n").find((l) => l.startsWith(`${marker} `));
    if (line === undefined) throw new Error(`no ${marker} line in:\n${r.stdout}\n${r.stderr}`);
    return JSON.parse(line.slice(marker.length + 1));
  };

  it(
    "gets the SDK's vendored TypeScript 3.8.3 and ts-node 7.0.1, type-checking, and runs the program",
    async () => {
      const r = await runAsPulumi("index.ts");

      expect(marked(r, "COMPILER")).toEqual({
        typescript: "3.8.3",
        tsNode: expect.stringMatching(/vendor[\\/]ts-node@7\.0\.1$/) as unknown,
      });
      // The SDK's mock monitor has no shutdown call, which the runner says on stderr.
      const stderr = r.stderr
        .split("\n")
        .filter(
          (l) => l !== "" && !l.includes("monitorRef.signalAndWaitForShutdown is not a function"),
        );
      expect({ exit: describeExit(r), stderr }).toEqual({ exit: "exited with code 0", stderr: [] });
      expect(marked(r, "REGISTERED")).toEqual(
        expect.arrayContaining([
          "ci-deployer",
          "detections-ci",
          "detections-ci-a",
          "detections-ci-b",
        ]),
      );
    },
    COMPILE_TIMEOUT_MS + 10_000,
  );

  it(
    "refuses the program with the typo, naming it: ts-node type-checks",
    async () => {
      const r = await runAsPulumi("bad.ts");

      expect(r.exitCode).not.toBe(0);
      expect(r.stderr).toContain("Unable to compile TypeScript");
      expect(r.stderr).toContain(`bad.ts(${String(TYPO_LINE_NUMBER)},`);
      expect(r.stderr).toContain(`error TS2322: Type '"RuleRaed"' is not assignable`);
      expect(marked(r, "REGISTERED")).not.toContain("ci-deployer");
    },
    COMPILE_TIMEOUT_MS + 10_000,
  );

  /**
   * Compiles index.ts as one program with the SDK's TypeScript 3.8, as tsc would, and prints the
   * errors it finds (file, message), the files it read, and the version.
   */
  const FULL_CHECK = `"use strict";
const fs = require("node:fs");
const ts = require("@pulumi/pulumi/vendor/typescript@3.8.3/typescript.js");
const config = ts.readConfigFile("tsconfig.json", ts.sys.readFile).config;
const options = ts.convertCompilerOptionsFromJson(config.compilerOptions, process.cwd()).options;
const program = ts.createProgram(["index.ts"], Object.assign({}, options, { noEmit: true }));
console.log(JSON.stringify({
  version: ts.version,
  errors: ts.getPreEmitDiagnostics(program).map((d) => ({
    file: d.file ? fs.realpathSync(d.file.fileName) : "",
    message: ts.flattenDiagnosticMessageText(d.messageText, " "),
  })),
  read: program.getSourceFiles().map((f) => fs.realpathSync(f.fileName)),
}));
`;

  it(
    "finds no error in the package's declarations nor in the program, checking every file",
    async () => {
      // ts-node reports errors of the files it compiles only; a whole program also reads every
      // declaration file, where a syntax TypeScript 3.8 cannot read would turn types into `any`.
      fs.writeFileSync(path.join(consumer(), "full-check.js"), FULL_CHECK);
      const r = await node(["full-check.js"]);
      expect(describeExit(r)).toBe("exited with code 0");
      const result = JSON.parse(r.stdout) as {
        version: string;
        errors: { file: string; message: string }[];
        read: string[];
      };
      const packageDir = path.join(projectDir, "node_modules", "pulumi-panther") + path.sep;
      const consumerDir = fs.realpathSync(consumer()) + path.sep;
      const ours = result.errors.filter(
        (d) => d.file.startsWith(packageDir) || d.file.startsWith(consumerDir) || d.file === "",
      );

      expect(result.version).toBe("3.8.3");
      expect(ours).toEqual([]);
      // Every entry point was read, the subpaths through typesVersions.
      const read = result.read.filter((f) => f.startsWith(packageDir));
      for (const entry of ["index", "client/index", "dynamic-provider/index"]) {
        expect(read).toContain(path.join(packageDir, "dist", `${entry}.d.ts`));
      }
    },
    COMPILE_TIMEOUT_MS + 10_000,
  );
});

describe("what an editor shows", () => {
  it("ApiToken and the argument types are plain interfaces with every field documented", () => {
    const program = ts.createProgram([path.join(consumer(), "index.ts")], {
      ...ts.convertCompilerOptionsFromJson(TEMPLATE_TSCONFIG.compilerOptions, consumer()).options,
      noEmit: true,
    });
    const checker = program.getTypeChecker();
    const entry = program
      .getSourceFiles()
      .find((f) =>
        fs.realpathSync(f.fileName).endsWith(path.join("pulumi-panther", "dist", "index.d.ts")),
      );
    const moduleSymbol = entry === undefined ? undefined : checker.getSymbolAtLocation(entry);
    if (moduleSymbol === undefined) throw new Error("pulumi-panther's index.d.ts was not read");
    const exported = new Map(checker.getExportsOfModule(moduleSymbol).map((s) => [s.name, s]));

    const names = [
      "ApiToken",
      "Actor",
      "PantherApiTokenArgs",
      "PantherApiTokenPairArgs",
      "LookupOptions",
    ];
    for (const name of names) {
      const alias = exported.get(name);
      if (alias === undefined) throw new Error(`pulumi-panther does not export ${name}`);
      const symbol = checker.getAliasedSymbol(alias);
      const declaration = symbol.declarations?.[0];
      const type = checker.getDeclaredTypeOfSymbol(symbol);
      const undocumented = type
        .getProperties()
        .filter((p) => ts.displayPartsToString(p.getDocumentationComment(checker)).trim() === "")
        .map((p) => p.name);

      expect({
        name,
        kind: declaration === undefined ? undefined : ts.SyntaxKind[declaration.kind],
      }).toEqual({
        name,
        kind: "InterfaceDeclaration",
      });
      expect({ name, undocumented }).toEqual({ name, undocumented: [] });
      expect(type.getProperties().length).toBeGreaterThan(1);
      expect(checker.typeToString(type)).toBe(name);
    }
    // Nothing the program reads comes from zod or undici (undici-types is @types/node's own).
    expect(
      program
        .getSourceFiles()
        .map((f) => f.fileName)
        .filter((f) => /[\\/]node_modules[\\/](zod|undici)[\\/]/.test(f)),
    ).toEqual([]);
  });
});
