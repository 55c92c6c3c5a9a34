/**
 * Bringing an existing token under a stack, through the Pulumi CLI (v3.274) and its Node.js
 * language host, as a user does it:
 *
 * - `pulumi import --file` with the file `pulumi-panther-import` writes (each token's inputs
 *   and outputs, so the engine skips the provider's Read): imported with no call to Panther,
 *   with a working provider (refresh reads it); the program declaring it, as the tool prints
 *   it, then changes nothing; a rotationTrigger rotates it in place; destroy deletes it. The
 *   CLI cannot generate code for it (no schema from a dynamic provider): with code generation
 *   on, the import happens and the command then fails.
 * - The `import` resource option and `pulumi import <type> <name> <id>` fail inside the engine
 *   with `code must be a string, not undefined`: their Read carries no properties, so the
 *   SDK's provider host has no serialized provider to load (pulumi/pulumi#16175).
 *
 * What each shows is what the README's Troubleshooting → Import says.
 */
import * as fs from "node:fs";
import * as path from "node:path";

import { TOKEN_TYPE, e2eFile, tokenInState } from "./support/stack";
import { api, expectNoPlaintext, measured } from "./support/checks";
import { budget } from "./support/budget";
import { exec, type ExecResult } from "../../tools/harness/exec";
import { Project, e2eSkipped } from "../../tools/harness/project";
import { scratchDirFromEnv } from "../../tools/harness/scratch";

const describeE2E = e2eSkipped() ? describe.skip : describe;

const e2e = e2eFile();

async function stack(name: string, source = "export {};\n"): Promise<Project> {
  return e2e.stack(Project.create(name, source));
}

/** `npx pulumi-panther-import …` in the project: the bin npm links for the installed package. */
function importTool(project: Project, args: readonly string[]): Promise<ExecResult> {
  const bin = path.join(scratchDirFromEnv(), "node_modules", ".bin", "pulumi-panther-import");
  return exec(bin, args, {
    cwd: project.dir,
    env: {
      ...project.environment(),
      PANTHER_API_URL: e2e.emulator.url,
      PANTHER_API_TOKEN: e2e.emulator.adminKey,
    },
    timeoutMs: 60_000,
  });
}

interface ImportFile {
  resources: {
    type: string;
    name: string;
    id: string;
    inputs: Record<string, unknown>;
    outputs: Record<string, unknown>;
  }[];
}

/** The program lines the tool printed (between "Declare each…" and "The stack holds…"). */
function printedDeclarations(stdout: string): string {
  const lines = stdout.split("\n");
  const from = lines.findIndex((l) => l.startsWith("Declare each"));
  const to = lines.findIndex((l) => l.startsWith("The stack holds"));
  return lines.slice(from + 1, to).join("\n");
}

describeE2E("import through the Pulumi CLI", () => {
  it(
    "pulumi-panther-import writes the provider's state for an imported token, reading it and changing nothing",
    async () => {
      const made = e2e.emulator.control.createToken({
        name: "legacy-reader",
        permissions: ["RuleRead", "AlertRead"],
        allowedCIDRBlocks: ["198.51.100.0/24"],
        user: "someone@example.com",
      });
      const project = await stack("import-file-tool");
      const { result, calls } = await measured(e2e.emulator, () =>
        importTool(project, ["--out", "tokens.json", `legacy=${made.token.id}`]),
      );
      expect({ exit: result.exitCode, stderr: result.stderr }).toEqual({ exit: 0, stderr: "" });
      // The deployer's id (never import it) and the token.
      expect(calls).toEqual(api({ get: 2 }));
      const file = JSON.parse(
        fs.readFileSync(path.join(project.dir, "tokens.json"), "utf8"),
      ) as ImportFile;
      expect(file.resources).toHaveLength(1);
      const [resource] = file.resources;
      const provider = resource?.inputs["__provider"];
      expect(provider).toEqual(
        expect.stringContaining('require("pulumi-panther/dynamic-provider")'),
      );
      expect(resource).toEqual({
        type: TOKEN_TYPE,
        name: "legacy",
        id: made.token.id,
        inputs: {
          __provider: provider,
          name: "legacy-reader",
          permissions: ["AlertRead", "RuleRead"],
          allowedCIDRBlocks: ["198.51.100.0/24"],
        },
        outputs: expect.objectContaining({
          __provider: provider,
          name: "legacy-reader",
          permissions: ["AlertRead", "RuleRead"],
          allowedCIDRBlocks: ["198.51.100.0/24"],
          value: "",
          valueState: expect.objectContaining({ status: "none" }) as unknown,
          apiOrigin: new URL(e2e.emulator.url).origin,
          createdAt: made.token.createdAt,
        }) as unknown,
      });
      expect(result.stdout).toContain(
        "pulumi import --file tokens.json --generate-code=false --yes",
      );
      expect(printedDeclarations(result.stdout)).toBe(
        [
          '  new PantherApiToken("legacy", {',
          '    name: "legacy-reader",',
          '    permissions: ["AlertRead","RuleRead"],',
          '    allowedCIDRBlocks: ["198.51.100.0/24"],',
          "  });",
        ].join("\n"),
      );
      expect(e2e.emulator.control.authenticate(made.value)).toBe(made.token.id);
      expect(JSON.stringify(file)).not.toContain(e2e.emulator.adminKey);
    },
    budget(4),
  );

  it(
    "pulumi import --file --generate-code=false: imported with no call and a working provider; the printed declaration then changes nothing; a rotationTrigger rotates it in place; destroy deletes it",
    async () => {
      const made = e2e.emulator.control.createToken({
        name: "legacy-writer",
        permissions: ["RuleModify"],
      });
      const project = await stack("import-file");
      const tool = await importTool(project, [`legacy=${made.token.id}`]);
      expect(tool.exitCode).toBe(0);
      const file = JSON.parse(
        fs.readFileSync(path.join(project.dir, "panther-import.json"), "utf8"),
      ) as ImportFile;

      const imported = await measured(e2e.emulator, () =>
        project.pulumi([
          "import",
          "--file",
          "panther-import.json",
          "--generate-code=false",
          "--yes",
          "--non-interactive",
        ]),
      );
      expect(imported.result.code).toBe(0);
      expect(imported.result.stdout).toMatch(
        /=\s+pulumi-nodejs:dynamic\/panther:ApiToken\s+legacy\s+imported/,
      );
      // The engine took the outputs from the file: no Read, no call.
      expect(imported.calls).toEqual(api());
      const state = await tokenInState(project);
      expect(state?.["id"]).toBe(made.token.id);
      expect((state?.["outputs"] as Record<string, unknown>)["valueState"]).toMatchObject({
        status: "none",
      });

      // The program, as the tool printed it.
      const source = `import { PantherApiToken } from "pulumi-panther";\nconst t = ${printedDeclarations(tool.stdout).trim()}\nexport const id = t.id;\nexport const value = t.value;\nexport const status = t.valueState.status;\n`;
      expect(source).toContain('const t = new PantherApiToken("legacy", {');
      project.writeProgram(source);
      const preview = await measured(e2e.emulator, () => project.preview(["--expect-no-changes"]));
      expect(preview.result.code).toBe(0);
      expect(preview.calls).toEqual(api());
      const up = await measured(e2e.emulator, () => project.up(["--expect-no-changes"]));
      expect(up.result.code).toBe(0);
      expect(up.calls).toEqual(api());
      // The program serializes the provider exactly as the file did.
      const afterUp = await tokenInState(project);
      expect((afterUp?.["inputs"] as Record<string, unknown>)["__provider"]).toBe(
        file.resources[0]?.inputs["__provider"],
      );
      expect(await project.outputs()).toEqual({
        id: made.token.id,
        status: "none",
        value: "[secret]",
      });

      // The provider stored in state works: refresh reads the token.
      const refresh = await measured(e2e.emulator, () => project.refresh(["--expect-no-changes"]));
      expect(refresh.result.code).toBe(0);
      expect(refresh.calls).toEqual(api({ get: 1 }));

      project.writeProgram(
        source.replace(
          'permissions: ["RuleModify"],',
          'permissions: ["RuleModify"],\n  rotationTrigger: "r1",',
        ),
      );
      const rotate = await measured(e2e.emulator, () => project.up());
      expect(rotate.result.code).toBe(0);
      expect(rotate.calls).toEqual(api({ rotate: 1, get: 1 }));
      const outputs = await project.outputs(true);
      expect(outputs["id"]).toBe(made.token.id);
      expect(outputs["status"]).toBe("current");
      expect(e2e.emulator.control.authenticate(outputs["value"] as string)).toBe(made.token.id);
      expect(e2e.emulator.control.authenticate(made.value)).toBeUndefined();
      await expectNoPlaintext(project, [e2e.emulator.adminKey, outputs["value"] as string]);

      const destroy = await measured(e2e.emulator, () => project.destroy());
      expect(destroy.result.code).toBe(0);
      expect(destroy.calls).toEqual(api({ delete: 1 }));
      expect(e2e.emulator.control.getToken(made.token.id)).toBeUndefined();
    },
    budget(16),
  );

  it(
    "pulumi import --file with code generation (the default) imports the token, then fails: no schema from a dynamic provider",
    async () => {
      const made = e2e.emulator.control.createToken({
        name: "legacy-codegen",
        permissions: ["RuleRead"],
      });
      const project = await stack("import-codegen");
      expect((await importTool(project, [`legacy=${made.token.id}`])).exitCode).toBe(0);
      const result = await project.pulumi([
        "import",
        "--file",
        "panther-import.json",
        "--yes",
        "--non-interactive",
      ]);
      expect(result.code).not.toBe(0);
      expect(result.stdout + result.stderr).toContain(
        "error: loading package 'pulumi-nodejs@nil': Error loading schema from plugin: rpc error: code = Unimplemented desc = GetSchema is not implemented by the dynamic provider",
      );
      expect((await tokenInState(project))?.["id"]).toBe(made.token.id);
    },
    budget(6),
  );

  it(
    "pulumi-panther-import refuses the deployer's own token and an unknown id, and writes nothing",
    async () => {
      const project = await stack("import-refused");
      const self = await importTool(project, [`me=${e2e.emulator.adminTokenId}`]);
      expect(self.exitCode).toBe(1);
      expect(self.stderr).toMatch(/is the deployer's own token/);
      const unknown = await importTool(project, ["gone=00000000-0000-4000-8000-000000000000"]);
      expect(unknown.exitCode).toBe(1);
      expect(unknown.stderr).toContain(
        'Panther has no token with id "00000000-0000-4000-8000-000000000000"',
      );
      expect(fs.existsSync(path.join(project.dir, "panther-import.json"))).toBe(false);
    },
    budget(5),
  );

  it(
    "the import resource option fails in the engine with 'code must be a string', and changes nothing",
    async () => {
      const made = e2e.emulator.control.createToken({
        name: "legacy-option",
        permissions: ["RuleRead"],
      });
      const project = await stack(
        "import-option",
        `import { PantherApiToken } from "pulumi-panther";
new PantherApiToken("imported", { name: "legacy-option", permissions: ["RuleRead"] }, { import: ${JSON.stringify(made.token.id)} });
`,
      );
      const up = await measured(e2e.emulator, () => project.up());
      expect(up.result.code).not.toBe(0);
      expect(up.result.stdout + up.result.stderr).toMatch(/code must be a string, not undefined/);
      expect(up.calls).toEqual(api());
      expect(e2e.emulator.control.authenticate(made.value)).toBe(made.token.id);
      expect(await tokenInState(project)).toBeUndefined();
    },
    budget(5),
  );

  it(
    "pulumi import <type> <name> <id> fails in the engine with 'code must be a string', and changes nothing",
    async () => {
      const made = e2e.emulator.control.createToken({
        name: "legacy-cli",
        permissions: ["RuleRead"],
      });
      const project = await stack("import-cli");
      const result = await measured(e2e.emulator, () =>
        project.pulumi([
          "import",
          TOKEN_TYPE,
          "cli-import",
          made.token.id,
          "--yes",
          "--non-interactive",
          "--generate-code=false",
        ]),
      );
      expect(result.result.code).not.toBe(0);
      expect(result.result.stdout + result.result.stderr).toMatch(
        /Preview failed: code must be a string, not undefined/,
      );
      expect(result.calls).toEqual(api());
      expect(await tokenInState(project)).toBeUndefined();
    },
    budget(5),
  );
});
