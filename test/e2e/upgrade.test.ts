/**
 * State written by pulumi-panther 0.1.0 keeps working: a stack deployed with
 * the released 0.1.0 (a token with a trigger, an adoption without rotation,
 * a token pair) is taken over by this release — preview shows no change,
 * refresh reads it, a trigger change rotates, the pair never lets a value die
 * sooner than 0.1.0 would have — through the real CLI.
 */
import * as fs from "node:fs";
import * as path from "node:path";

import { e2eFile } from "./support/stack";
import { api, measured } from "./support/checks";
import { budget } from "./support/budget";
import { Project, e2eSkipped } from "../../tools/harness/project";
import { installV010 } from "./support/v010";

const describeE2E = e2eSkipped() ? describe.skip : describe;

const program = (trigger: string, generation: number, consoleId: string) => `
import { PantherApiToken, PantherApiTokenPair } from "pulumi-panther";
const ci = new PantherApiToken("ci", { name: "ci", permissions: ["RuleRead"], rotationTrigger: ${JSON.stringify(trigger)} });
const adopted = new PantherApiToken("adopted", {
  name: "adopted", permissions: ["AlertRead"], adoptTokenId: ${JSON.stringify(consoleId)}, rotateOnAdopt: false,
});
const pair = new PantherApiTokenPair("pair", { name: "pair", permissions: ["RuleRead"], generation: ${generation} });
export const ciId = ci.id;
export const ciValue = ci.value;
export const adoptedId = adopted.id;
export const current = pair.current;
export const previous = pair.previous;
`;

const e2e = e2eFile();
let v010: string;

describeE2E("upgrading from 0.1.0", () => {
  beforeAll(() => {
    // Built from its commit the first time on a machine (npm ci, build, pack, install: about a
    // minute quiet, a few on two loaded cores); cached after that.
    v010 = installV010();
  }, 15 * 60_000);

  it(
    "0.1.0 state: clean preview, refresh, rotation, and the pair, with this release",
    async () => {
      const made = e2e.emulator.control.createToken({
        name: "adopted",
        permissions: ["AlertRead"],
      });
      const yaml = "name: upgrade\nruntime: nodejs\n";
      const old = Project.create(
        "upgrade",
        program("r1", 41, made.token.id),
        yaml,
        undefined,
        v010,
      );
      await e2e.stack(old);
      expect((await old.up()).code).toBe(0);
      const before = await old.outputs(true);

      // The same project, now with this release installed.
      const now = Project.create("upgrade", program("r1", 41, made.token.id), yaml, old);
      e2e.keep(now);
      fs.copyFileSync(path.join(old.dir, "Pulumi.dev.yaml"), path.join(now.dir, "Pulumi.dev.yaml"));
      await now.ok(["stack", "select", "dev"]);

      const preview = await measured(e2e.emulator, () => now.preview(["--expect-no-changes"]));
      expect(preview.result.code).toBe(0);
      // The one call of a preview: reading the token declared with adoptTokenId, to show what adopting changes.
      expect(preview.calls).toEqual(api({ get: 1 }));
      const refresh = await measured(e2e.emulator, () => now.refresh());
      expect(refresh.result.code).toBe(0);
      expect(refresh.calls.get).toBe(4);
      expect((await now.preview(["--expect-no-changes"])).code).toBe(0);

      now.writeProgram(program("r2", 41, made.token.id));
      const rotate = await measured(e2e.emulator, () => now.up());
      expect(rotate.result.code).toBe(0);
      expect(rotate.calls).toEqual(api({ rotate: 1, get: 1 }));
      const after = await now.outputs(true);
      expect(after["ciId"]).toBe(before["ciId"]);
      expect(e2e.emulator.control.authenticate(after["ciValue"] as string)).toBe(after["ciId"]);
      // The adopted token without a value stays untouched: its holders keep working.
      expect(e2e.emulator.control.authenticate(made.value)).toBe(made.token.id);

      // The 0.1.0 pair (both tokens issued together at generation 41, b current by 0.1.0's parity):
      // no value dies sooner than 0.1.0 would have let it. At 42 nothing rotates (who is older
      // cannot be told from a tie, so the one 0.1.0 rotated last waits its turn), at 43 exactly one.
      const works = (value: unknown) =>
        e2e.emulator.control.authenticate(String(value)) !== undefined;
      now.writeProgram(program("r2", 42, made.token.id));
      const first = await measured(e2e.emulator, () => now.up());
      expect(first.result.code).toBe(0);
      expect(first.calls.rotate).toBe(0);
      expect(works(before["current"]) && works(before["previous"])).toBe(true);
      const held = await now.outputs(true);
      now.writeProgram(program("r2", 43, made.token.id));
      const second = await measured(e2e.emulator, () => now.up());
      expect(second.result.code).toBe(0);
      expect(second.calls.rotate).toBe(1);
      const risen = await now.outputs(true);
      expect(risen["previous"]).toBe(held["current"]);
      expect(works(risen["previous"]) && works(risen["current"])).toBe(true);
      expect((await now.destroy()).code).toBe(0);
    },
    budget(17),
  );
});
