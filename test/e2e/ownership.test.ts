/**
 * Ownership proven, not inferred, through the real CLI: stacks that share one
 * deployer key and deploy the same program lose create answers at the same
 * moment and each ends with its own token; a lost create never adopts or
 * deletes another stack's token; a gateway clock ahead of the backend does not
 * hide our own token; an update that lands late cannot undo a later change;
 * a pair never rotates both tokens for one generation after a `--target`ed
 * run; the origin guard, the deployer's token by Panther's id, names that
 * hide characters, and config errors that quote nothing.
 */
import * as fs from "node:fs";
import * as path from "node:path";

import type { Emulator } from "pulumi-panther-emulator";
import { e2eFile } from "./support/stack";
import { budget } from "./support/budget";
import { api, measured } from "./support/checks";
import { Project, e2eSkipped, type CommandResult } from "../../tools/harness/project";

const describeE2E = e2eSkipped() ? describe.skip : describe;

/** The late-landing window every stack here configures (panther:lateLandingSeconds). */
const WINDOW_MS = 3_000;

const token = (perms: readonly string[], blocks: readonly string[] = ["203.0.113.0/24"]) => `
import { PantherApiToken } from "pulumi-panther";
const t = new PantherApiToken("ci", {
  name: "ci-deployer",
  permissions: ${JSON.stringify(perms)},
  allowedCIDRBlocks: ${JSON.stringify(blocks)},
});
export const id = t.id;
export const value = t.value;
`;

const e2e = e2eFile();
/** The deployer key every stack here shares (dev and prod deploying with one token). */
let sharedKey: string;

beforeAll(() => {
  sharedKey = e2e.emulator.control.createToken({
    name: "pipelines",
    permissions: ["OrganizationAPITokenRead", "OrganizationAPITokenModify"],
  }).value;
});

async function stack(
  name: string,
  source: string,
  options: { on?: Emulator; key?: string; config?: Record<string, string> } = {},
): Promise<Project> {
  return e2e.stack(Project.create(name, source), {
    ...(options.on === undefined ? {} : { on: options.on }),
    key: options.key ?? sharedKey,
    config: { "panther:lateLandingSeconds": String(WINDOW_MS / 1000), ...options.config },
  });
}

function ok(result: CommandResult): void {
  if (result.code !== 0) {
    throw new Error(`exit ${String(result.code)}\n${result.stdout}\n${result.stderr}`);
  }
}

async function idAndValue(project: Project): Promise<{ id: string; value: string }> {
  const outputs = await project.outputs(true);
  return { id: String(outputs["id"]), value: String(outputs["value"]) };
}

const named = (on: Emulator, name: string) =>
  on.control.listTokens().filter((t) => t.name === name);

describeE2E("ownership proven by a mark, through the Pulumi CLI", () => {
  it(
    "two stacks sharing a deployer key deploy the same program at once and both create answers are lost: each tracks its own token",
    async () => {
      const dev = await stack("shared-dev", token(["RuleRead"]));
      const prod = await stack("shared-prod", token(["RuleRead"]));
      e2e.emulator.control.addFault({ operation: "create", kind: "dropAfterApply", times: 2 });
      const [a, b] = await Promise.all([dev.up(), prod.up()]);
      ok(a);
      ok(b);
      const mine = await idAndValue(dev);
      const theirs = await idAndValue(prod);
      expect(mine.id).not.toBe(theirs.id);
      expect(e2e.emulator.control.authenticate(mine.value)).toBe(mine.id);
      expect(e2e.emulator.control.authenticate(theirs.value)).toBe(theirs.id);
      expect(
        named(e2e.emulator, "ci-deployer")
          .map((t) => t.id)
          .sort(),
      ).toEqual([mine.id, theirs.id].sort());
      for (const t of named(e2e.emulator, "ci-deployer")) {
        expect(t.allowedCIDRBlocks).toEqual(["203.0.113.0/24"]);
      }
      ok(await dev.destroy());
      ok(await prod.destroy());
    },
    budget(16),
  );

  it(
    "one of two answers lost, and the other stack's token grants more: ours is found by its mark and brought in line, theirs is untouched",
    async () => {
      const dev = await stack("superset-dev", token(["RuleRead"]));
      const prod = await stack("superset-prod", token(["RuleModify", "RuleRead"]));
      // Only the first create's answer is lost, and it lands after the other stack's token exists.
      e2e.emulator.control.addFault({
        operation: "create",
        kind: "lateLanding",
        applyAfterMs: 1_500,
      });
      const first = dev.up();
      await new Promise((resolve) => setTimeout(resolve, 300));
      const [a, b] = await Promise.all([first, prod.up()]);
      ok(a);
      ok(b);
      const mine = await idAndValue(dev);
      const theirs = await idAndValue(prod);
      expect(e2e.emulator.control.getToken(mine.id)?.permissions).toEqual(["RuleRead"]);
      expect(e2e.emulator.control.getToken(theirs.id)?.permissions).toEqual([
        "RuleModify",
        "RuleRead",
      ]);
      expect(e2e.emulator.control.authenticate(theirs.value)).toBe(theirs.id);
      expect(e2e.emulator.control.authenticate(mine.value)).toBe(mine.id);
      expect((await dev.preview(["--expect-no-changes"])).code).toBe(0);
      ok(await dev.destroy());
      ok(await prod.destroy());
    },
    budget(15, WINDOW_MS),
  );

  it(
    "a lost create that did not land in its window is made again; its late landing is deleted by its mark, and the other stack's twin is never touched",
    async () => {
      const dev = await stack("watch-dev", token(["RuleRead"]));
      const prod = await stack("watch-prod", token(["RuleRead"]));
      // Lands 6 s after it left: after the 3 s window.
      e2e.emulator.control.addFault({
        operation: "create",
        kind: "lateLanding",
        applyAfterMs: 6_000,
      });
      const up = await dev.up();
      ok(up);
      expect(up.stdout).toMatch(/did not take effect within 3 s; creating again/);
      ok(await prod.up());
      const theirs = await idAndValue(prod);
      await new Promise((resolve) => setTimeout(resolve, 6_000));
      expect(named(e2e.emulator, "ci-deployer")).toHaveLength(3);
      const refresh = await dev.refresh();
      ok(refresh);
      expect(refresh.stdout).toMatch(
        /deleting [0-9a-f-]+, made late by an earlier create of this stack/,
      );
      const mine = await idAndValue(dev);
      expect(
        named(e2e.emulator, "ci-deployer")
          .map((t) => t.id)
          .sort(),
      ).toEqual([mine.id, theirs.id].sort());
      ok(await dev.destroy());
      expect(e2e.emulator.control.authenticate(theirs.value)).toBe(theirs.id);
      ok(await prod.destroy());
    },
    budget(14, 2 * WINDOW_MS + 6_000),
  );

  it(
    "a gateway whose Date runs seconds ahead of the backend: the lost create's own token is found, not made twice",
    async () => {
      const skewed = await e2e.another({ dateHeaderSkewMs: 4_000 });
      const project = await stack("gateway-skew", token(["RuleRead"]), {
        on: skewed,
        key: skewed.adminKey,
      });
      skewed.control.addFault({
        operation: "create",
        kind: "lateLanding",
        applyAfterMs: 1_000,
      });
      const { result, calls } = await measured(skewed, () => project.up());
      ok(result);
      expect(calls).toEqual(api({ create: 1, list: calls.list, rotate: 1, update: 1 }));
      expect(named(skewed, "ci-deployer")).toHaveLength(1);
      const mine = await idAndValue(project);
      expect(skewed.control.authenticate(mine.value)).toBe(mine.id);
      ok(await project.destroy());
    },
    budget(8, WINDOW_MS),
  );

  it(
    "an update answered 504 that lands late is waited out, so the change after it stays; preview and refresh agree",
    async () => {
      const project = await stack("late-update", token(["RuleModify", "RuleRead"], []));
      ok(await project.up());
      const { id } = await idAndValue(project);
      // A narrowing, answered 504, landing 2 s later.
      e2e.emulator.control.addFault({
        operation: "update",
        kind: "lateLanding",
        applyAfterMs: 2_000,
      });
      project.writeProgram(token(["RuleRead"], ["203.0.113.0/24"]));
      const narrowed = await measured(e2e.emulator, () => project.up());
      ok(narrowed.result);
      expect(narrowed.result.stdout).toMatch(
        /nothing more is sent to this token until its 3 s window ends/,
      );
      expect(narrowed.calls).toEqual(api({ update: 1, get: 1 }));
      // The next change, at once: the earlier request cannot land on top of it any more.
      project.writeProgram(token(["RuleRead"], ["198.51.100.0/24"]));
      ok(await project.up());
      await new Promise((resolve) => setTimeout(resolve, WINDOW_MS));
      expect(e2e.emulator.control.getToken(id)).toMatchObject({
        permissions: ["RuleRead"],
        allowedCIDRBlocks: ["198.51.100.0/24"],
      });
      expect((await project.preview(["--expect-no-changes"])).code).toBe(0);
      ok(await project.refresh());
      expect((await project.preview(["--expect-no-changes"])).code).toBe(0);
      ok(await project.destroy());
    },
    budget(14, 2 * WINDOW_MS),
  );

  it(
    "a pair: the first token rotates in a --target run; the next up at that generation rotates nothing, and previous keeps working",
    async () => {
      const program = `
import * as pulumi from "pulumi-panther";
import { Config } from "@pulumi/pulumi";
const pair = new pulumi.PantherApiTokenPair("rotating", {
  name: "rotating-${Date.now()}",
  permissions: ["RuleRead"],
  generation: new Config().requireNumber("generation"),
});
export const current = pair.current;
export const previous = pair.previous;
export const currentId = pair.currentTokenId;
`;
      const project = await stack("pair-target", program, { config: { generation: "10" } });
      ok(await project.up());
      await project.ok(["config", "set", "generation", "11"]);
      ok(await project.up());
      const afterFirstRise = await project.outputs(true);
      await project.ok(["config", "set", "generation", "12"]);
      const exported = await project.exported();
      const first = exported.deployment.resources?.find((r) =>
        String(r["urn"]).endsWith("::rotating-a"),
      );
      const urn = String(first?.["urn"]);
      const targeted = await measured(e2e.emulator, () => project.up(["--target", urn]));
      ok(targeted.result);
      expect(targeted.calls.rotate).toBe(1);
      const full = await measured(e2e.emulator, () => project.up());
      ok(full.result);
      expect(full.calls.rotate).toBe(0);
      const after = await project.outputs(true);
      // The value that was current before the targeted run is previous now, and still works.
      expect(after["previous"]).toBe(afterFirstRise["current"]);
      expect(e2e.emulator.control.authenticate(String(after["previous"]))).toBeDefined();
      expect(e2e.emulator.control.authenticate(String(after["current"]))).toBeDefined();
      ok(await project.destroy());
    },
    budget(14),
  );
});

describeE2E("guardrails of the proven design, through the Pulumi CLI", () => {
  it(
    "a run allowed to change the origin records it, so the flag is needed once",
    async () => {
      const project = await stack("origin", token(["RuleRead"]));
      ok(await project.up());
      // The same emulator under another origin: a Panther that moved.
      const moved = e2e.emulator.url.replace("127.0.0.1", "localhost");
      await project.ok(["config", "set", "panther:url", "--", moved]);
      const preview = await project.preview();
      expect(preview.stdout).toMatch(/ci\s+update/);
      const refused = await project.up();
      expect(refused.code).not.toBe(0);
      expect(refused.stdout).toMatch(
        /lives at http:\/\/127\.0\.0\.1:\d+, but this run is configured for http:\/\/localhost:\d+/,
      );
      await project.ok(["config", "set", "panther:allowOriginChange", "true"]);
      ok(await project.up());
      await project.ok(["config", "rm", "panther:allowOriginChange"]);
      ok(await project.up());
      ok(await project.refresh());
      expect((await project.preview(["--expect-no-changes"])).code).toBe(0);
      ok(await project.destroy());
    },
    budget(18),
  );

  it(
    "state without a recorded origin, pointed at another Panther that answers 404: refresh keeps the token and destroy fails, saying why",
    async () => {
      const project = await stack("legacy-origin", token(["RuleRead"]));
      ok(await project.up());
      const { id } = await idAndValue(project);
      // State as 0.1.0 wrote it: no apiOrigin.
      const exported = await project.exported();
      for (const r of exported.deployment.resources ?? []) {
        const outputs = r["outputs"] as Record<string, unknown> | undefined;
        if (outputs !== undefined) delete outputs["apiOrigin"];
      }
      const file = path.join(project.dir, "legacy.json");
      fs.writeFileSync(file, JSON.stringify(exported));
      await project.ok(["stack", "import", "--file", file]);
      const other = await e2e.another();
      await project.ok(["config", "set", "panther:url", "--", other.url]);
      await project.ok(["config", "set", "--secret", "panther:token", "--", other.adminKey]);
      // With the program's config (refresh and destroy otherwise run with the config of the last up).
      const refresh = await project.refresh(["--run-program"]);
      expect(refresh.code).not.toBe(0);
      expect(refresh.stdout).toMatch(
        /does not record which Panther the token was created in, so it is not taken to be deleted/,
      );
      const destroy = await project.destroy(["--run-program"]);
      expect(destroy.code).not.toBe(0);
      expect(destroy.stdout).toMatch(/not taken to be deleted/);
      expect(e2e.emulator.control.getToken(id)).toBeDefined();
      // Back at the right Panther: it answers, and the origin is recorded.
      await project.ok(["config", "set", "panther:url", "--", e2e.emulator.url]);
      await project.ok(["config", "set", "--secret", "panther:token", "--", sharedKey]);
      ok(await project.up());
      ok(await project.refresh());
      ok(await project.destroy());
      expect(e2e.emulator.control.getToken(id)).toBeUndefined();
    },
    budget(22),
  );

  it(
    "the deployer's own token named by its id in upper case, where Panther matches ids without case, is refused",
    async () => {
      const loose = await e2e.another({ idMatching: "caseInsensitive" });
      const deployer = loose.control.createToken({
        name: "pipelines",
        permissions: ["OrganizationAPITokenRead", "OrganizationAPITokenModify"],
      });
      const program = `
import { PantherApiToken } from "pulumi-panther";
new PantherApiToken("me", {
  name: "pipelines",
  permissions: ["OrganizationAPITokenRead", "OrganizationAPITokenModify"],
  adoptTokenId: ${JSON.stringify(deployer.token.id.toUpperCase())},
});
`;
      const project = await stack("deployer-case", program, { on: loose, key: deployer.value });
      const up = await project.up();
      expect(up.code).not.toBe(0);
      expect(up.stdout).toMatch(/is the deployer's own token/);
      expect(loose.control.authenticate(deployer.value)).toBe(deployer.token.id);
    },
    budget(6),
  );

  it(
    "a name with a right-to-left override is refused at preview, naming the character and where it is; a key pasted into a setting is never printed",
    async () => {
      const program = `
import { PantherApiToken } from "pulumi-panther";
new PantherApiToken("ci", { name: "ci-\\u202egnp.exe", permissions: ["RuleRead"] });
`;
      const project = await stack("names", program);
      const preview = await project.preview();
      expect(preview.code).not.toBe(0);
      expect(preview.stdout).toMatch(/contains U\+202E \(RIGHT-TO-LEFT OVERRIDE\) at character 4/);
      project.writeProgram(token(["RuleRead"]));
      const pasted = e2e.emulator.control.createToken({
        name: "pasted",
        permissions: ["RuleRead"],
      }).value;
      await project.ok(["config", "set", "panther:lateLandingSeconds", "--", pasted]);
      const up = await project.up();
      expect(up.code).not.toBe(0);
      expect(up.stdout).toMatch(
        /panther:lateLandingSeconds \(or PANTHER_LATE_LANDING_SECONDS\) must be a number of seconds/,
      );
      const printed = up.stdout + up.stderr;
      for (let i = 0; i + 8 <= pasted.length; i++)
        expect(printed).not.toContain(pasted.slice(i, i + 8));
    },
    budget(8),
  );
});
