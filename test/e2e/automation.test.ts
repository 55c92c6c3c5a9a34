/**
 * The Automation API with an inline program, as a deployment pipeline script
 * uses it: a Node script (run from a project with the package installed, as
 * a pipeline would) creates a stack, sets config, runs up, reads the secret
 * output, refreshes and destroys, through the real CLI.
 */
import { execFile } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";
import { promisify } from "node:util";

import { e2eFile } from "./support/stack";
import { api, measured } from "./support/checks";
import { COMMAND_MS, budget } from "./support/budget";
import { Project, cliDir, e2eSkipped } from "../../tools/harness/project";

const describeE2E = e2eSkipped() ? describe.skip : describe;

const PIPELINE = `
const { LocalWorkspace, PulumiCommand } = require("@pulumi/pulumi/automation");
const { PantherApiToken } = require("pulumi-panther");
async function main() {
  const [cli, workDir, url, key] = process.argv.slice(2);
  const program = async () => {
    const token = new PantherApiToken("pipeline", { name: "pipeline", permissions: ["RuleRead"], rotationTrigger: "r1" });
    return { id: token.id, value: token.value };
  };
  const pulumiCommand = await PulumiCommand.get({ root: cli, skipVersionCheck: false });
  const stack = await LocalWorkspace.createOrSelectStack(
    { stackName: "ci", projectName: "pipeline", program },
    { workDir, pulumiCommand, projectSettings: { name: "pipeline", runtime: "nodejs", main: workDir } },
  );
  await stack.setConfig("panther:url", { value: url });
  await stack.setConfig("panther:token", { value: key, secret: true });
  const up = await stack.up();
  const refresh = await stack.refresh();
  const outputs = up.outputs;
  const destroy = await stack.destroy();
  console.log(JSON.stringify({
    up: up.summary.resourceChanges,
    refresh: refresh.summary.resourceChanges,
    destroy: destroy.summary.resourceChanges,
    id: outputs.id.value,
    secret: outputs.value.secret,
    value: outputs.value.value,
  }));
}
main().catch((error) => { console.error(error); process.exit(1); });
`;

/**
 * CLI commands the pipeline makes: the version check, stack select and init, two config sets,
 * and up, refresh and destroy (each with the CLI's own look at the stack).
 */
const PIPELINE_COMMANDS = 10;

const e2e = e2eFile();

describeE2E("the Automation API, as a pipeline script", () => {
  it(
    "up, refresh and destroy an inline program; the value arrives as a secret that works",
    async () => {
      const project = e2e.keep(Project.create("pipeline", "export {};"));
      const script = path.join(project.dir, "pipeline.js");
      fs.writeFileSync(script, PIPELINE);
      const env = project.environment();
      const run = measured(e2e.emulator, () =>
        promisify(execFile)(
          process.execPath,
          [script, path.dirname(cliDir()), project.dir, e2e.emulator.url, e2e.emulator.adminKey],
          {
            cwd: project.dir,
            env,
            timeout: PIPELINE_COMMANDS * COMMAND_MS,
          },
        ),
      );
      const { result, calls } = await run;
      const report = JSON.parse(result.stdout.trim().split("\n").at(-1) ?? "{}") as Record<
        string,
        unknown
      >;
      expect(report["up"]).toEqual({ create: 2 });
      expect(report["refresh"]).toEqual({ same: 2 });
      expect(report["destroy"]).toEqual({ delete: 2 });
      expect(report["secret"]).toBe(true);
      expect(typeof report["value"]).toBe("string");
      // create, the refresh's read, the delete; the value stopped working with the token.
      expect(calls).toEqual(api({ create: 1, update: 1, get: 1, delete: 1 }));
      expect(e2e.emulator.control.authenticate(report["value"] as string)).toBeUndefined();
    },
    budget(PIPELINE_COMMANDS),
  );
});
