/**
 * Every example in examples/ previewed, applied and destroyed through the
 * real Pulumi CLI against the emulator; the zero-downtime consumer reads the
 * producer through a StackReference on the same backend, and the pair walks
 * skipped, repeated, reversed and re-periodised generations.
 */
import { e2eFile } from "./support/stack";
import { api, expectNoPlaintext, measured } from "./support/checks";
import { budget } from "./support/budget";
import { Project, e2eSkipped } from "../../tools/harness/project";

const describeE2E = e2eSkipped() ? describe.skip : describe;

const e2e = e2eFile();

async function stack(
  example: string,
  config: Record<string, string> = {},
  transform?: (source: string) => string,
  shareBackendWith?: Project,
): Promise<Project> {
  return e2e.stack(Project.fromExample(example, transform, shareBackendWith), { config });
}

function expectOk(result: { code: number | null; stdout: string; stderr: string }): void {
  if (result.code !== 0)
    throw new Error(`exit ${String(result.code)}\n${result.stdout}\n${result.stderr}`);
}

describeE2E("examples through the Pulumi CLI", () => {
  it(
    "scheduled-rotation: created, rotated on a config trigger, destroyed",
    async () => {
      const project = await stack("scheduled-rotation");
      expectOk(await project.preview());
      const up = await measured(e2e.emulator, () => project.up());
      expectOk(up.result);
      // waitUntilUsable: one probe of the new value.
      expect(up.calls).toEqual(api({ create: 1, update: 1, get: 1 }));
      const first = await project.outputs(true);
      await project.ok(["config", "set", "rotationTrigger", "leak-2026-03-14"]);
      const preview = await project.preview();
      expect(preview.stdout).toMatch(/detections-sync\s+update\s+\[diff: ~rotationTrigger\]/);
      const rotate = await measured(e2e.emulator, () => project.up());
      expectOk(rotate.result);
      // The rotation, the deployer's id (once per process), one probe of the new value.
      expect(rotate.calls).toEqual(api({ rotate: 1, get: 2 }));
      const second = await project.outputs(true);
      expect(second["token"]).not.toEqual(first["token"]);
      // valueIssuedAt moves to the rotation's stamp; the next scheduled rotation is 90 days after it.
      const live = e2e.emulator.control.getToken(String(second["tokenId"]));
      expect(second["valueIssuedAt"]).toBe(live?.rotatedAt);
      expect(Date.parse(String(second["nextRotationDue"]))).toBe(
        Date.parse(String(live?.rotatedAt)) + 90 * 24 * 60 * 60 * 1000,
      );
      await expectNoPlaintext(project, [
        e2e.emulator.adminKey,
        String(first["token"]),
        String(second["token"]),
      ]);
      expectOk(await project.destroy());
    },
    budget(12),
  );

  it(
    "many-tokens: one token per team after the deployer's permissions are checked",
    async () => {
      const project = await stack("many-tokens");
      const preview = await project.preview();
      expectOk(preview);
      const up = await measured(e2e.emulator, () => project.up());
      expectOk(up.result);
      const creates = up.calls.create;
      expect(creates).toBeGreaterThanOrEqual(2);
      // requireDeployerPermissions: one GET of the deployer's token.
      expect(up.calls).toEqual(api({ create: creates, update: creates, get: 1 }));
      const destroy = await measured(e2e.emulator, () => project.destroy());
      expectOk(destroy.result);
      expect(destroy.calls).toEqual(api({ delete: creates }));
    },
    budget(6),
  );

  it(
    "adopt-existing: preview warns about the permissions adoption adds; up adopts and rotates",
    async () => {
      const made = e2e.emulator.control.createToken({
        name: "forwarder made in the Console",
        permissions: ["AlertRead"],
        allowedCIDRBlocks: ["198.51.100.0/24"],
        user: "someone@example.com",
      });
      const project = await stack("adopt-existing", { consoleId: made.token.id });
      const preview = await project.preview();
      expectOk(preview);
      expect(preview.stdout).toMatch(
        /adopting token [0-9a-f-]+ \("forwarder made in the Console"\) adds permissions AlertModify/,
      );
      const up = await measured(e2e.emulator, () => project.up());
      expectOk(up.result);
      // The deployer's id (never adopt it), the token, the update to the program's fields, the rotation.
      expect(up.calls).toEqual(api({ get: 2, update: 1, rotate: 1 }));
      const outputs = await project.outputs(true);
      expect(outputs["alertForwarderId"]).toBe(made.token.id);
      expect(e2e.emulator.control.authenticate(outputs["alertForwarderToken"] as string)).toBe(
        made.token.id,
      );
      expect(e2e.emulator.control.authenticate(made.value)).toBeUndefined();
      expect(e2e.emulator.control.getToken(made.token.id)?.name).toBe("alert-forwarder");
      // The stamp of the adoption's rotation, as Panther recorded it.
      expect(outputs["alertForwarderIssuedAt"]).toBe(
        e2e.emulator.control.getToken(made.token.id)?.rotatedAt,
      );
      await expectNoPlaintext(project, [
        e2e.emulator.adminKey,
        made.value,
        String(outputs["alertForwarderToken"]),
      ]);
      expectOk(await project.destroy());
      expect(e2e.emulator.control.getToken(made.token.id)).toBeUndefined();
    },
    budget(9),
  );

  it(
    "adopt-existing: an adoption that would widen the token's CIDR restriction is refused, and nothing changes",
    async () => {
      const made = e2e.emulator.control.createToken({
        name: "restricted",
        permissions: ["AlertRead", "AlertModify"],
        allowedCIDRBlocks: ["203.0.113.0/24"],
      });
      const project = await stack("adopt-existing", { consoleId: made.token.id });
      const preview = await project.preview();
      expect(preview.stdout).toMatch(
        /would let it be used from addresses outside 203\.0\.113\.0\/24/,
      );
      const up = await measured(e2e.emulator, () => project.up());
      expect(up.result.code).not.toBe(0);
      expect(up.result.stdout + up.result.stderr).toMatch(
        /may only be used from 203\.0\.113\.0\/24.*Nothing was changed.*allowWiderAccess/s,
      );
      expect(up.calls.update + up.calls.rotate).toBe(0);
      expect(e2e.emulator.control.authenticate(made.value)).toBe(made.token.id);
      expect(e2e.emulator.control.getToken(made.token.id)?.allowedCIDRBlocks).toEqual([
        "203.0.113.0/24",
      ]);
    },
    budget(6),
  );

  it(
    "zero-downtime: the pair walks skipped, repeated, reversed and re-periodised generations, one rotation at most per up, previous always valid; the consumer reads it through a StackReference",
    async () => {
      const at =
        (generation: number, periodDays = 30) =>
        (source: string) =>
          source
            .replace("generation: rotationGeneration(30)", `generation: ${generation}`)
            .replace("periodDays: 30", `periodDays: ${periodDays}`);
      const producer = await stack("zero-downtime", {}, at(700));
      expectOk(await producer.up());
      const values = async () => {
        const o = await producer.outputs(true);
        return { current: o["current"] as string, previous: o["previous"] as string };
      };
      const works = (value: string) => e2e.emulator.control.authenticate(value) !== undefined;
      let last = await values();
      expect(works(last.current) && works(last.previous)).toBe(true);

      const consumer = await stack(
        "zero-downtime/consumer",
        { producerStack: "organization/panther-zero-downtime/dev" },
        undefined,
        producer,
      );
      expectOk(await consumer.up());
      expect((await consumer.outputs())["pantherApiKeys"]).toBe("[secret]");
      expect((await consumer.outputs(true))["pantherApiKeys"]).toEqual({
        primary: last.current,
        fallback: last.previous,
      });

      // [generation, periodDays, rotations expected]
      const walk: [number, number, number][] = [
        [701, 30, 1], // the next period: the older token rotates
        [701, 30, 0], // repeated
        [704, 30, 1], // three periods skipped: still only one
        [703, 30, 0], // a runner clock behind
        [3017, 7, 0], // the same day counted in 7-day periods (704 × 30 / 7 = 3017.1)
        [3018, 7, 1], // the next 7-day period
        [704, 30, 0], // back to 30 days: 3018 × 7 / 30 = 704.2, the same period
        [705, 30, 1],
      ];
      for (const [generation, periodDays, rotations] of walk) {
        producer.writeProgram(at(generation, periodDays)(Project.exampleSource("zero-downtime")));
        const up = await measured(e2e.emulator, () => producer.up());
        expectOk(up.result);
        const now = await values();
        if (rotations === 0) {
          expect(now).toEqual(last);
        } else {
          // The value consumers held as current is still valid, now as previous.
          expect(now.previous).toBe(last.current);
          expect(now.current).not.toBe(last.current);
        }
        expect(up.calls.rotate).toBe(rotations);
        expect(works(now.current) && works(now.previous)).toBe(true);
        last = now;
      }
      await expectNoPlaintext(producer, [e2e.emulator.adminKey, last.current, last.previous]);
      expectOk(await consumer.destroy());
      expectOk(await producer.destroy());
    },
    budget(31),
  );
});
