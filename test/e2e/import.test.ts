/**
 * What works for bringing an existing token under a stack with this CLI
 * (v3.274, built here without the Node language host): `adoptTokenId` (see
 * examples.test.ts) works; the `import` resource option fails inside the
 * engine before the provider is reached — its Read carries no properties and
 * no inputs, so the SDK's provider host cannot load the serialized provider
 * (pulumi/pulumi#16175). This test pins what a user sees, so the README can
 * say exactly that, and that nothing in Panther changes.
 */
import { startEmulator, type Emulator } from "../../provider/emulator";
import { api, measured } from "./support/checks";
import { Project, e2eSkipped } from "../../tools/harness/project";

const describeE2E = e2eSkipped() ? describe.skip : describe;

let emulator: Emulator;
let project: Project;
beforeAll(async () => {
  emulator = await startEmulator();
});
afterAll(async () => {
  project.close();
  await emulator.close();
});

describeE2E("import through the Pulumi CLI", () => {
  it("the import resource option fails in the engine with 'code must be a string', and changes nothing", async () => {
    const made = emulator.control.createToken({ name: "legacy-reader", permissions: ["RuleRead"] });
    project = Project.create(
      "import-option",
      `import { PantherApiToken } from "pulumi-panther";
       new PantherApiToken("imported", { name: "legacy-reader", permissions: ["RuleRead"] }, { import: ${JSON.stringify(made.token.id)} });`,
    );
    await project.initStack(
      "dev",
      { "panther:url": emulator.url },
      { "panther:token": emulator.adminKey },
    );
    const up = await measured(emulator, () => project.up());
    expect(up.result.code).not.toBe(0);
    expect(up.result.stdout + up.result.stderr).toMatch(/code must be a string, not undefined/);
    expect(up.calls).toEqual(api());
    expect(emulator.control.authenticate(made.value)).toBe(made.token.id);
    const exported = await project.exported();
    expect(
      exported.deployment.resources?.some((r) => String(r["type"]).endsWith("panther:ApiToken")),
    ).toBe(false);
  });

  it("pulumi import needs the Node language host, which cannot be built here", async () => {
    const result = await project.pulumi([
      "import",
      "pulumi-nodejs:dynamic/panther:ApiToken",
      "cli-import",
      "some-id",
      "--yes",
      "--non-interactive",
      "--generate-code=false",
    ]);
    expect(result.code).not.toBe(0);
    expect(result.stderr).toMatch(/no language plugin 'pulumi-language-nodejs' found/);
  });
});
