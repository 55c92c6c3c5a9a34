import * as fs from "node:fs";
import * as path from "node:path";

import { UNKNOWN } from "../../tools/harness/host";
import {
  ProgramError,
  execProgram,
  registrationNamed,
  runProgram,
} from "../../tools/harness/program";
import { REPO_ROOT, scratchDirFromEnv } from "../../tools/harness/scratch";
import { ECHO_TYPE, echoProgram } from "./echo";

const scratchDir = scratchDirFromEnv();

describe("runProgram", () => {
  it("records the dynamic resource's registration as the engine receives it", async () => {
    const regs = await runProgram({
      scratchDir,
      program: echoProgram([{ name: "a", args: { name: "x", size: 1 } }]),
      stack: "ci",
      project: "proj",
    });

    expect(regs).toHaveLength(1);
    const a = registrationNamed(regs, "a");
    expect(a.urn).toBe(`urn:pulumi:ci::proj::${ECHO_TYPE}::a`);
    expect(a.type).toBe(ECHO_TYPE);
    expect(a.custom).toBe(true);
    expect(a.additionalSecretOutputs).toEqual(["secret"]);
    expect(a.inputs).toMatchObject({ name: "x", size: 1 });
    expect(a.secretInputs).toEqual([]);
  });

  it("serializes the provider as a require of the installed package, not by value", async () => {
    const regs = await runProgram({
      scratchDir,
      program: echoProgram([{ name: "a", args: { name: "x" } }]),
    });
    const provider = registrationNamed(regs, "a").inputs["__provider"];

    expect(typeof provider).toBe("string");
    expect(provider).toContain('require("echo-provider/provider.js")');
    expect((provider as string).length).toBeLessThan(1000);
    expect(provider).not.toContain("ECHO_STATE_FILE");
  });

  it("passes config to the program through PULUMI_CONFIG, secrets included", async () => {
    const run = await execProgram({
      scratchDir,
      program: `
        const pulumi = require("@pulumi/pulumi");
        const cfg = new pulumi.Config("echo");
        const key = cfg.requireSecret("key");
        console.log(JSON.stringify({ greeting: cfg.require("greeting"), keyIsSecret: pulumi.Output.isInstance(key) }));
      `,
      config: { "echo:greeting": "hi", "echo:key": "k-123" },
      secretConfigKeys: ["echo:key"],
    });

    expect(run.exitCode).toBe(0);
    expect(JSON.parse(run.stdout.trim())).toEqual({ greeting: "hi", keyIsSecret: true });
  });

  it("notes secret inputs and unwraps them", async () => {
    const regs = await runProgram({
      scratchDir,
      program: echoProgram([{ name: "a", args: { name: "x" } }]).replace(
        `{"name":"x"}`,
        `{ name: "x", size: pulumi.secret(7) }`,
      ),
    });
    const a = registrationNamed(regs, "a");

    expect(a.inputs["size"]).toBe(7);
    expect(a.secretInputs).toEqual(["size"]);
  });

  it("records resource options", async () => {
    const regs = await runProgram({
      scratchDir,
      program: echoProgram([
        { name: "a", args: { name: "x" } },
        {
          name: "b",
          args: { name: "y" },
          opts: `{
            protect: true,
            dependsOn: [resources.a],
            ignoreChanges: ["size"],
            replaceOnChanges: ["name"],
            deleteBeforeReplace: true,
            retainOnDelete: true,
            customTimeouts: { create: "2m", delete: "30s" },
            import: "echo-9",
            additionalSecretOutputs: ["name"],
            replacementTrigger: "v1",
          }`,
        },
      ]),
    });
    const a = registrationNamed(regs, "a");
    const b = registrationNamed(regs, "b");

    expect(b).toMatchObject({
      protect: true,
      dependencies: [a.urn],
      ignoreChanges: ["size"],
      replaceOnChanges: ["name"],
      deleteBeforeReplace: true,
      retainOnDelete: true,
      customTimeouts: { create: "2m", delete: "30s" },
      importId: "echo-9",
      additionalSecretOutputs: ["secret", "name"],
      replacementTrigger: "v1",
    });
    expect(a.importId).toBeUndefined();
    expect(a.protect).toBeUndefined();
  });

  it("in a preview, marks inputs from unknown outputs with the unknown value", async () => {
    const regs = await runProgram({
      scratchDir,
      preview: true,
      program: echoProgram([{ name: "a", args: { name: "x" } }]).concat(
        `\nnew Echo("b", { name: resources.a.id.apply((id) => "from-" + id) });`,
      ),
    });

    expect(registrationNamed(regs, "b").inputs["name"]).toBe(UNKNOWN);
  });

  it("rejects with the program's stderr when the program throws", async () => {
    const failing = runProgram({ scratchDir, program: `throw new Error("boom in program");` });

    await expect(failing).rejects.toBeInstanceOf(ProgramError);
    await expect(failing).rejects.toThrow(/boom in program/);
  });

  it("captures what the program printed and its exit code", async () => {
    const run = await execProgram({
      scratchDir,
      program: `console.log("hello out"); console.error("hello err"); process.exitCode = 3;`,
    });

    expect(run.stdout).toContain("hello out");
    expect(run.stderr).toContain("hello err");
    expect(run.exitCode).toBe(3);
  });

  it("runs the program inside the scratch project, away from this repository's node_modules", async () => {
    const run = await execProgram({
      scratchDir,
      program: `console.log(JSON.stringify({ sdk: require.resolve("@pulumi/pulumi"), echo: require.resolve("echo-provider") }));`,
    });
    const resolved = JSON.parse(run.stdout.trim()) as { sdk: string; echo: string };

    expect(resolved.sdk.startsWith(path.join(scratchDir, "node_modules"))).toBe(true);
    expect(fs.realpathSync(resolved.echo).startsWith(REPO_ROOT)).toBe(false);
  });
});
