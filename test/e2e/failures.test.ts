/**
 * What the real engine stores and shows when Panther misbehaves mid-command:
 * a lost create answer, rotations that fail or land late, a Console rotation,
 * edit and deletion seen by refresh and repaired by up — with no secret in
 * plaintext after any command.
 */
import { e2eFile, tokenInState } from "./support/stack";
import { api, expectNoPlaintext, measured } from "./support/checks";
import { budget } from "./support/budget";
import { Project, e2eSkipped } from "../../tools/harness/project";

const describeE2E = e2eSkipped() ? describe.skip : describe;

const program = (trigger: string, extra = "") => `
import { PantherApiToken } from "pulumi-panther";
const t = new PantherApiToken("ci", {
  name: "ci",
  permissions: ["RuleRead"],
  rotationTrigger: ${JSON.stringify(trigger)},${extra}
});
export const id = t.id;
export const value = t.value;
export const status = t.valueState.status;
`;

/** The late-landing window the stacks configure (panther:lateLandingSeconds). */
const LATE_LANDING_MS = 3_000;
/** The client's waits between the retries of one failing call: 0.5, 1, 2 and 4 s at most. */
const RETRY_BACKOFF_MS = 10_000;
/** usableTimeoutSeconds of the waitUntilUsable stack. */
const USABLE_TIMEOUT_MS = 30_000;

const e2e = e2eFile();

async function stack(name: string, source: string): Promise<Project> {
  // Short windows keep the waits for late landings short.
  return e2e.stack(Project.create(name, source), {
    config: { "panther:lateLandingSeconds": String(LATE_LANDING_MS / 1000) },
  });
}

/** The token's value condition as state holds it (stack outputs change only when the program runs). */
async function statusInState(project: Project): Promise<string | undefined> {
  const token = await tokenInState(project);
  const outputs = token?.["outputs"] as Record<string, unknown> | undefined;
  return (outputs?.["valueState"] as { status?: string } | undefined)?.status;
}

async function secretsOf(project: Project): Promise<string[]> {
  const outputs = await project.outputs(true);
  return [
    e2e.emulator.adminKey,
    ...(typeof outputs["value"] === "string" && outputs["value"] ? [outputs["value"]] : []),
  ];
}

describeE2E("failures through the Pulumi CLI", () => {
  it(
    "a create whose answer is lost is found by its mark, rotated and tracked: one token, a working value, no longer locked",
    async () => {
      const project = await stack("lost-create", program("r1"));
      e2e.emulator.control.addFault({ operation: "create", kind: "dropAfterApply" });
      const { result, calls } = await measured(e2e.emulator, () => project.up());
      expect(result.code).toBe(0);
      expect(result.stdout).toMatch(
        /create got no usable answer; looking for its mark 2001:db8:[0-9a-f:]+\/128 in Panther/,
      );
      // The lost create, one listing that finds its mark, one rotation, the update that removes the mark.
      expect(calls).toEqual(api({ create: 1, list: 1, rotate: 1, update: 1 }));
      const outputs = await project.outputs(true);
      expect(e2e.emulator.control.listTokens().filter((t) => t.name === "ci")).toHaveLength(1);
      expect(e2e.emulator.control.authenticate(outputs["value"] as string)).toBe(outputs["id"]);
      expect(e2e.emulator.control.getToken(outputs["id"] as string)?.allowedCIDRBlocks).toEqual([]);
      expect(outputs["status"]).toBe("current");
      await expectNoPlaintext(project, await secretsOf(project));
      expect((await project.preview(["--expect-no-changes"])).code).toBe(0);
      expect((await project.destroy()).code).toBe(0);
    },
    budget(10, LATE_LANDING_MS),
  );

  it(
    "a rotation that keeps failing ends the up with an error and state saying pending; the next up repairs it",
    async () => {
      const project = await stack("failing-rotation", program("r1"));
      expect((await project.up()).code).toBe(0);
      const before = await project.outputs(true);
      e2e.emulator.control.addFault({
        operation: "rotate",
        kind: "status",
        status: 500,
        times: "always",
      });
      project.writeProgram(program("r2"));
      const failed = await measured(e2e.emulator, () => project.up());
      expect(failed.result.code).not.toBe(0);
      expect(failed.result.stdout).toMatch(/got no usable answer 3 times|Rotating Panther token/);
      // Three rotations, each watched for a late landing; the deployer's id once.
      expect(failed.calls.rotate).toBe(3);
      const outputs = (await tokenInState(project))?.["outputs"] as Record<string, unknown>;
      expect((outputs["valueState"] as { status: string }).status).toBe("pending");
      expect(outputs["rotationTrigger"]).toBe("r1");
      await expectNoPlaintext(project, [e2e.emulator.adminKey, before["value"] as string]);

      e2e.emulator.control.clearFaults();
      const preview = await project.preview();
      expect(preview.stdout).toMatch(/ci\s+update/);
      expect(preview.stdout).toMatch(/rotation due: .*(rotationTrigger changed|no working value)/);
      const repaired = await measured(e2e.emulator, () => project.up());
      expect(repaired.result.code).toBe(0);
      expect(repaired.calls).toEqual(api({ rotate: 1, get: 1 }));
      const after = await project.outputs(true);
      expect(after["status"]).toBe("current");
      expect(e2e.emulator.control.authenticate(after["value"] as string)).toBe(after["id"]);
      await expectNoPlaintext(project, await secretsOf(project));
      expect((await project.destroy()).code).toBe(0);
    },
    budget(15, 3 * LATE_LANDING_MS + RETRY_BACKOFF_MS),
  );

  it(
    "a rotation answered 504 that lands later is waited out, and the value stored is the one that works",
    async () => {
      const project = await stack("late-rotation", program("r1"));
      expect((await project.up()).code).toBe(0);
      e2e.emulator.control.addFault({
        operation: "rotate",
        kind: "lateLanding",
        applyAfterMs: 1500,
      });
      project.writeProgram(program("r2"));
      const { result, calls } = await measured(e2e.emulator, () => project.up());
      expect(result.code).toBe(0);
      expect(result.stdout).toMatch(/not rotated again until its 3 s window ends/);
      expect(result.stdout).toMatch(
        /a rotation took effect at .* but its value was lost; rotating again/,
      );
      expect(calls.rotate).toBe(2);
      const outputs = await project.outputs(true);
      expect(e2e.emulator.control.authenticate(outputs["value"] as string)).toBe(outputs["id"]);
      expect(e2e.emulator.control.counters().lateApplied.rotate).toBe(1);
      expect((await project.destroy()).code).toBe(0);
    },
    budget(8, LATE_LANDING_MS),
  );

  it(
    "a partial failure shows its message, keeps the token in state and is finished by the next up",
    async () => {
      const project = await stack("partial", program("r1"));
      expect((await project.up()).code).toBe(0);
      e2e.emulator.control.addFault({
        operation: "rotate",
        kind: "status",
        status: 403,
        times: "always",
      });
      project.writeProgram(program("r2").replace('name: "ci"', 'name: "ci-renamed"'));
      const failed = await project.up();
      expect(failed.code).not.toBe(0);
      // The engine prints only the reasons of an init failure: the message leads them.
      expect(failed.stdout).toMatch(/Its name, permissions and CIDR blocks were updated/);
      expect(failed.stdout).toMatch(/rotation of token .* is still to do; run pulumi up again/);
      e2e.emulator.control.clearFaults();
      const repaired = await project.up();
      expect(repaired.code).toBe(0);
      const outputs = await project.outputs(true);
      expect(e2e.emulator.control.getToken(outputs["id"] as string)?.name).toBe("ci-renamed");
      expect(e2e.emulator.control.authenticate(outputs["value"] as string)).toBe(outputs["id"]);
      expect((await project.destroy()).code).toBe(0);
    },
    budget(9),
  );

  it(
    "a Console rotation is seen by refresh (stale) and repaired by up",
    async () => {
      const project = await stack("console-rotation", program("r1"));
      expect((await project.up()).code).toBe(0);
      const { id, value } = await project.outputs(true);
      // A person acts seconds after the stack, not within the second its rotation stamps share.
      await new Promise((resolve) => setTimeout(resolve, 1100));
      e2e.emulator.control.rotateToken(id as string, "someone@example.com");
      const refresh = await measured(e2e.emulator, () => project.refresh());
      expect(refresh.result.code).toBe(0);
      expect(refresh.result.stdout).toMatch(/ci\s+updated/);
      expect(refresh.calls).toEqual(api({ get: 1 }));
      expect(await statusInState(project)).toBe("stale");
      const preview = await project.preview();
      expect(preview.stdout).toMatch(
        /rotation due: the stored value no longer works: the token was rotated outside this stack/,
      );
      const up = await measured(e2e.emulator, () => project.up());
      expect(up.result.code).toBe(0);
      expect(up.calls).toEqual(api({ rotate: 1, get: 1 }));
      const after = await project.outputs(true);
      expect(after["value"]).not.toBe(value);
      expect(e2e.emulator.control.authenticate(after["value"] as string)).toBe(id);
      expect(after["status"]).toBe("current");
      expect((await project.destroy()).code).toBe(0);
    },
    budget(12, 1100),
  );

  it(
    "a Console edit is drift: refresh shows it, preview shows the change back, up restores it",
    async () => {
      const project = await stack("console-edit", program("r1"));
      expect((await project.up()).code).toBe(0);
      const { id } = await project.outputs();
      e2e.emulator.control.updateToken(id as string, {
        name: "renamed-in-console",
        user: "someone@example.com",
      });
      const refresh = await project.refresh();
      expect(refresh.stdout).toMatch(/ci\s+updated \([\d.]+s\) \[diff: ~name\]/);
      const preview = await project.preview();
      expect(preview.stdout).toMatch(/ci\s+update\s+\[diff: ~name\]/);
      const up = await measured(e2e.emulator, () => project.up());
      expect(up.calls).toEqual(api({ update: 1 }));
      expect(e2e.emulator.control.getToken(id as string)?.name).toBe("ci");
      expect((await project.preview(["--expect-no-changes"])).code).toBe(0);
      expect((await project.destroy()).code).toBe(0);
    },
    budget(11),
  );

  it(
    "a Console deletion is seen by refresh (the token leaves state) and up creates a new one",
    async () => {
      const project = await stack("console-delete", program("r1"));
      expect((await project.up()).code).toBe(0);
      const { id } = await project.outputs();
      e2e.emulator.control.deleteToken(id as string);
      const refresh = await measured(e2e.emulator, () => project.refresh());
      expect(refresh.result.code).toBe(0);
      // The 404, and the deployer's own token, proving the URL reaches Panther.
      expect(refresh.calls).toEqual(api({ get: 2 }));
      expect(refresh.result.stdout).toMatch(/ci\s+deleted/);
      const up = await measured(e2e.emulator, () => project.up());
      expect(up.calls).toEqual(api({ create: 1, update: 1 }));
      const after = await project.outputs(true);
      expect(after["id"]).not.toBe(id);
      expect(e2e.emulator.control.authenticate(after["value"] as string)).toBe(after["id"]);
      expect((await project.destroy()).code).toBe(0);
    },
    budget(10),
  );

  it(
    "a URL that reaches no Panther API (404 for everything) never empties state, and another origin is refused unless allowed",
    async () => {
      const project = await stack("wrong-url", program("r1"));
      expect((await project.up()).code).toBe(0);
      const refreshWith = () =>
        project.pulumi([
          "refresh",
          "--run-program",
          "--yes",
          "--skip-preview",
          "--non-interactive",
        ]);
      const tracked = async () => (await tokenInState(project)) !== undefined;
      // Another origin (here: a missing base path) is refused before any call.
      await project.ok(["config", "set", "panther:url", `${e2e.emulator.url}/v1`]);
      const refused = await measured(e2e.emulator, refreshWith);
      expect(refused.result.code).not.toBe(0);
      expect(refused.result.stdout + refused.result.stderr).toMatch(
        /lives at http:\/\/127\.0\.0\.1:\d+, but this run is configured for http:\/\/127\.0\.0\.1:\d+\/v1.*Nothing was changed.*panther:allowOriginChange/s,
      );
      expect(refused.calls).toEqual(api());
      expect(await tracked()).toBe(true);
      // Allowed on purpose: the 404 for the token proves nothing, as the deployer's own token 404s too.
      await project.ok(["config", "set", "panther:allowOriginChange", "true"]);
      const notFound = await measured(e2e.emulator, refreshWith);
      expect(notFound.result.code).not.toBe(0);
      expect(notFound.result.stdout + notFound.result.stderr).toMatch(
        /the URL does not reach Panther's API, so nothing is taken to be deleted/,
      );
      expect(await tracked()).toBe(true);
      await project.ok(["config", "set", "panther:url", e2e.emulator.url]);
      await project.ok(["config", "rm", "panther:allowOriginChange"]);
      expect((await refreshWith()).code).toBe(0);
      expect((await project.destroy()).code).toBe(0);
    },
    budget(15),
  );

  it(
    "waitUntilUsable prints its progress lines in the CLI's output",
    async () => {
      e2e.emulator.control.setPropagationDelay(2500);
      try {
        const project = await stack(
          "usable",
          program(
            "r1",
            `\n  waitUntilUsable: true,\n  usableTimeoutSeconds: ${String(USABLE_TIMEOUT_MS / 1000)},`,
          ),
        );
        const up = await project.up();
        expect(up.code).toBe(0);
        expect(up.stdout).toMatch(
          /pulumi-panther: token [0-9a-f-]+: waiting for the new value to work/,
        );
        expect(up.stdout).toMatch(/pulumi-panther: token [0-9a-f-]+: new value works after \d/);
        expect((await project.destroy()).code).toBe(0);
      } finally {
        e2e.emulator.control.setPropagationDelay(0);
      }
    },
    budget(6, USABLE_TIMEOUT_MS),
  );
});
