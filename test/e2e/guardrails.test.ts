/**
 * Guardrails around the deployer's own token, through the real CLI: it
 * cannot be adopted or imported, a due rotation of it is refused unless the
 * program opts in, and with the opt-in the run goes on with the new key,
 * which reaches the next run through the stack's output.
 */
import { e2eFile } from "./support/stack";
import { api, expectNoPlaintext, measured } from "./support/checks";
import { budget } from "./support/budget";
import { Project, e2eSkipped } from "../../tools/harness/project";

const describeE2E = e2eSkipped() ? describe.skip : describe;

const e2e = e2eFile();

function deployer(name: string) {
  return e2e.emulator.control.createToken({
    name,
    permissions: ["OrganizationAPITokenRead", "OrganizationAPITokenModify"],
  });
}

async function stack(name: string, source: string, key: string): Promise<Project> {
  return e2e.stack(Project.create(name, source), { key });
}

describeE2E("the deployer's own token through the Pulumi CLI", () => {
  it(
    "adopting it is refused, with why and what to do, and nothing changes",
    async () => {
      const me = deployer("deployer-adopt");
      const project = await stack(
        "adopt-self",
        `import { PantherApiToken } from "pulumi-panther";
       new PantherApiToken("me", { name: "deployer", permissions: ["OrganizationAPITokenModify"], adoptTokenId: ${JSON.stringify(me.token.id)} });`,
        me.value,
      );
      const up = await measured(e2e.emulator, () => project.up());
      expect(up.result.code).not.toBe(0);
      expect(up.result.stdout + up.result.stderr).toMatch(
        /is the deployer's own token.*cuts off this deployment.*Deploy with another token/s,
      );
      expect(up.calls).toEqual(api({ get: 1 }));
      expect(e2e.emulator.control.authenticate(me.value)).toBe(me.token.id);
    },
    budget(4),
  );

  it(
    '"self" is refused at preview, with no call',
    async () => {
      const me = deployer("deployer-self");
      const project = await stack(
        "adopt-literal-self",
        `import { PantherApiToken } from "pulumi-panther";
       new PantherApiToken("me", { name: "deployer", permissions: ["RuleRead"], adoptTokenId: "self" });`,
        me.value,
      );
      const preview = await measured(e2e.emulator, () => project.preview());
      expect(preview.result.code).not.toBe(0);
      expect(preview.result.stdout + preview.result.stderr).toMatch(
        /adoptTokenId.*"self" is the deployer's own token/,
      );
      expect(preview.calls).toEqual(api());
    },
    budget(4),
  );

  it(
    "a stack deploying with a token it manages: a rotation is refused without rotateDeployerToken; with it, the run goes on with the new key and the next run uses it from the output",
    async () => {
      const bootstrap = deployer("bootstrap");
      const program = (trigger: string, optIn: boolean) => `
      import { PantherApiToken } from "pulumi-panther";
      const deployer = new PantherApiToken("deployer", {
        name: "pipeline-deployer",
        permissions: ["OrganizationAPITokenRead", "OrganizationAPITokenModify"],
        rotationTrigger: ${JSON.stringify(trigger)},${optIn ? "\n        rotateDeployerToken: true," : ""}
      });
      const other = new PantherApiToken("other", { name: "other", permissions: ["RuleRead"], rotationTrigger: ${JSON.stringify(trigger)} }, { dependsOn: [deployer] });
      export const deployerKey = deployer.value;
      export const otherValue = other.value;`;
      const project = await stack("self-managed", program("r1", false), bootstrap.value);
      expect((await project.up()).code).toBe(0);
      // The stack now deploys with the token it manages.
      const key = (await project.outputs(true))["deployerKey"] as string;
      await project.ok(["config", "set", "--secret", "panther:token", "--", key]);
      expect((await project.up()).code).toBe(0);

      project.writeProgram(program("r2", false));
      const refused = await measured(e2e.emulator, () => project.up());
      expect(refused.result.code).not.toBe(0);
      expect(refused.result.stdout + refused.result.stderr).toMatch(
        /is the deployer's own token.*rotation is due.*refused.*rotateDeployerToken: true/s,
      );
      expect(refused.calls.rotate).toBeLessThanOrEqual(1);
      expect(e2e.emulator.control.authenticate(key)).toBeDefined();

      project.writeProgram(program("r2", true));
      const rotated = await measured(e2e.emulator, () => project.up());
      expect(rotated.result.code).toBe(0);
      const outputs = await project.outputs(true);
      const newKey = outputs["deployerKey"] as string;
      expect(newKey).not.toBe(key);
      expect(e2e.emulator.control.authenticate(key)).toBeUndefined();
      expect(e2e.emulator.control.authenticate(newKey)).toBeDefined();
      // The other token, rotated after the deployer's in the same run, used the new key.
      expect(e2e.emulator.control.authenticate(outputs["otherValue"] as string)).toBeDefined();
      await expectNoPlaintext(project, [bootstrap.value, key, newKey]);

      // The next run: the key from the output, set as the README says; up, then refresh and destroy.
      await project.ok(["config", "set", "--secret", "panther:token", "--", newKey]);
      expect((await project.up()).code).toBe(0);
      expect((await project.refresh()).code).toBe(0);
      await project.ok(["config", "set", "--secret", "panther:token", "--", bootstrap.value]);
      expect((await project.up()).code).toBe(0);
      expect((await project.destroy()).code).toBe(0);
    },
    budget(17),
  );
});
