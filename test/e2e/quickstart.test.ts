/**
 * The quick start exactly as the README tells a user, through the real
 * Pulumi CLI, against the emulator: stack init, config set, preview, up, a
 * clean second preview, a clean refresh, a rotation by rotationTrigger, and
 * destroy, with the API calls of each command and no secret in plaintext.
 */
import { randomBytes } from "node:crypto";

import { e2eFile } from "./support/stack";
import { api, expectNoPlaintext, measured } from "./support/checks";
import { budget } from "./support/budget";
import { Project, e2eSkipped } from "../../tools/harness/project";

const describeE2E = e2eSkipped() ? describe.skip : describe;

describeE2E("quick start through the Pulumi CLI", () => {
  // A key that does not start with "-", so that the README's commands work as written (a key
  // that does needs `--` before it, as the README's troubleshooting says).
  const e2e = e2eFile({ adminKey: `k${randomBytes(32).toString("base64url")}` });
  let project: Project;
  const secrets: string[] = [];

  beforeAll(() => {
    project = e2e.keep(Project.fromExample("quickstart"));
    secrets.push(e2e.emulator.adminKey);
  });

  const values = (): string[] => [...secrets];

  it(
    "stack init, config set, preview: one token to create, no call to Panther",
    async () => {
      // The README's commands, as written.
      await project.ok(["stack", "init", "dev"]);
      await project.ok(["config", "set", "panther:url", e2e.emulator.url]);
      await project.ok(["config", "set", "--secret", "panther:token", e2e.emulator.adminKey]);
      const { result, calls } = await measured(e2e.emulator, () => project.preview());
      expect(result.code).toBe(0);
      expect(result.stdout).toMatch(
        /\+\s+pulumi-nodejs:dynamic\/panther:ApiToken\s+ci-deployer\s+create/,
      );
      expect(result.stdout).toMatch(/\+ 2 to create/);
      expect(calls).toEqual(api());
      await expectNoPlaintext(project, values());
    },
    budget(5),
  );

  it(
    "runs through the Node.js language host beside the CLI: pulumi about lists language nodejs",
    async () => {
      const version = (await project.ok(["version"])).trim().replace(/^v/, "");
      const about = JSON.parse(await project.ok(["about", "--json"])) as {
        plugins?: { kind?: string; name?: string; version?: string }[];
      };
      // Built at the CLI's version (the language host's go.mod requires the same sdk/v3).
      expect(about.plugins).toEqual(
        expect.arrayContaining([{ kind: "language", name: "nodejs", version }]),
      );
      // Found beside pulumi, not somewhere else on PATH (the CLI would warn on every command).
      const preview = await project.preview();
      expect(preview.code).toBe(0);
      expect(preview.stdout + preview.stderr).not.toMatch(
        /using pulumi-language-nodejs from \$PATH/,
      );
    },
    budget(3),
  );

  it(
    "up: one create and the update that finishes it; the value is a secret that works",
    async () => {
      const { result, calls } = await measured(e2e.emulator, () => project.up());
      expect(result.code).toBe(0);
      expect(result.stdout).toMatch(/ci-deployer\s+created/);
      expect(calls).toEqual(api({ create: 1, update: 1 }));
      const shown = await project.outputs();
      expect(shown["token"]).toBe("[secret]");
      const outputs = await project.outputs(true);
      const value = outputs["token"] as string;
      expect(e2e.emulator.control.authenticate(value)).toBe(outputs["tokenId"]);
      secrets.push(value);
      await expectNoPlaintext(project, values());
    },
    budget(4),
  );

  it(
    "a second preview and a refresh show no change",
    async () => {
      const preview = await measured(e2e.emulator, () => project.preview(["--expect-no-changes"]));
      expect(preview.result.code).toBe(0);
      expect(preview.calls).toEqual(api());
      const refresh = await measured(e2e.emulator, () => project.refresh(["--expect-no-changes"]));
      expect(refresh.result.code).toBe(0);
      expect(refresh.calls).toEqual(api({ get: 1 }));
      await expectNoPlaintext(project, values());
    },
    budget(3),
  );

  it(
    "a changed rotationTrigger previews as one in-place update naming the property, and up rotates",
    async () => {
      const before = (await project.outputs(true))["token"] as string;
      const id = (await project.outputs())["tokenId"];
      project.writeProgram(Project.exampleSource("quickstart").replace('"2026-Q4"', '"2027-Q1"'));
      const preview = await measured(e2e.emulator, () => project.preview());
      expect(preview.result.code).toBe(0);
      expect(preview.result.stdout).toMatch(
        /~\s+pulumi-nodejs:dynamic\/panther:ApiToken\s+ci-deployer\s+update\s+\[diff: ~rotationTrigger\]/,
      );
      expect(preview.result.stdout).toMatch(/~ 1 to update/);
      expect(preview.result.stdout).toMatch(
        /rotation due: rotationTrigger changed from "2026-Q4" to "2027-Q1"/,
      );
      expect(preview.calls).toEqual(api());

      const up = await measured(e2e.emulator, () => project.up());
      expect(up.result.code).toBe(0);
      // The rotation, and the one lookup of the deployer's own token a rotation needs.
      expect(up.calls).toEqual(api({ rotate: 1, get: 1 }));
      const after = await project.outputs(true);
      expect(after["tokenId"]).toBe(id);
      expect(after["token"]).not.toBe(before);
      expect(e2e.emulator.control.authenticate(after["token"] as string)).toBe(id);
      expect(e2e.emulator.control.authenticate(before)).toBeUndefined();
      secrets.push(after["token"] as string);
      await expectNoPlaintext(project, values());
    },
    budget(6),
  );

  it(
    "destroy deletes the token",
    async () => {
      const id = (await project.outputs())["tokenId"] as string;
      const { result, calls } = await measured(e2e.emulator, () => project.destroy());
      expect(result.code).toBe(0);
      expect(calls).toEqual(api({ delete: 1 }));
      expect(e2e.emulator.control.getToken(id)).toBeUndefined();
      await expectNoPlaintext(project, values());
    },
    budget(3),
  );
});
