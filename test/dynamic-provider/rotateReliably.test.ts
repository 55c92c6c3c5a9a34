/**
 * Rotations whose answer was lost or refused (`rotateReliably.ts`): nothing more is sent to the
 * token until the late-landing window has passed, so a late landing never kills a later value;
 * at most MAX_ROTATIONS rotations; a refusal, which proves nothing happened, is sent again with
 * no window to wait out.
 */
import { MAX_ROTATIONS } from "../../provider/dynamic-provider/rotateReliably";
import { outputsOf, setup, statusOf, token } from "./setup";

const WINDOW_MS = 60_000;

/** A stack whose token `t` was created with rotationTrigger "1" and is now declared with "2". */
async function rotationDue(options: Parameters<typeof setup>[0] = {}) {
  const made = setup(options);
  made.stack.program = [
    token("t", { name: "ci", permissions: ["RuleRead"], rotationTrigger: "1" }),
  ];
  await made.run(made.stack.up());
  made.stack.program = [
    token("t", { name: "ci", permissions: ["RuleRead"], rotationTrigger: "2" }),
  ];
  return made;
}

describe("a rotation whose answer was lost", () => {
  it("is not rotated again until the window has passed, and the value stored is the last one", async () => {
    const { world, stack, run, control } = await rotationDue();
    // Lands 50 s after it left: a rotation sent again at once would be killed by it.
    world.inject("s", [
      { operation: "rotate", kind: "lateLanding", status: 504, applyAfterMs: 50_000 },
    ]);
    world.takeCalls("s");
    const started = world.clock.now();
    const up = await run(stack.up());
    expect(up.errors).toEqual([]);
    expect(world.clock.now() - started).toBeGreaterThanOrEqual(WINDOW_MS);
    expect(up.progress.join("\n")).toMatch(
      /took effect at .* but its value was lost; rotating again/,
    );
    expect(world.takeCalls("s")).toEqual({ get: 2, rotate: 2 });
    expect(statusOf(stack, "t")).toBe("current");
    expect(control.authenticate(outputsOf(stack, "t")["value"] as string)).toBe(
      stack.state.get("t")?.id,
    );
  });

  it("with a gateway clock seconds ahead of the backend's stamps, the outcome is the same: no stamp is read against a clock", async () => {
    const { world, stack, run, control } = await rotationDue({
      emulator: { dateHeaderSkewMs: 5_000 },
    });
    world.inject("s", [{ operation: "rotate", kind: "dropAfterApply" }]);
    await run(stack.up());
    expect(control.authenticate(outputsOf(stack, "t")["value"] as string)).toBe(
      stack.state.get("t")?.id,
    );
    expect(statusOf(stack, "t")).toBe("current");
  });
});

describe("a rotation that keeps failing", () => {
  it("is tried at most MAX_ROTATIONS times, then fails naming the rotations; the value waits as pending", async () => {
    const { world, stack, run, control } = await rotationDue();
    const before = outputsOf(stack, "t")["value"] as string;
    world.inject(
      "s",
      Array.from({ length: MAX_ROTATIONS }, () => ({
        operation: "rotate" as const,
        kind: "dropAfterApply" as const,
      })),
    );
    world.takeCalls("s");
    const up = await run(stack.up());
    expect(world.takeCalls("s")["rotate"]).toBe(MAX_ROTATIONS);
    expect(up.errors.join()).toMatch(/Rotating Panther token/);
    // Each rotation took effect and lost its value: the stored one no longer works, and says so.
    expect(control.authenticate(before)).toBeUndefined();
    expect(statusOf(stack, "t")).toBe("pending");
    expect(outputsOf(stack, "t")["rotationTrigger"]).toBe("1");
    // The next up, with nothing failing, rotates once and stores a value that works.
    const again = await run(stack.up());
    expect(again.errors).toEqual([]);
    expect(world.takeCalls("s")["rotate"]).toBe(1);
    expect(statusOf(stack, "t")).toBe("current");
    expect(control.authenticate(outputsOf(stack, "t")["value"] as string)).toBe(
      stack.state.get("t")?.id,
    );
  });

  it("refused with a 429 (a refusal: nothing happened) is sent again after the backoff, with no window to wait out", async () => {
    const { world, stack, run, control } = await rotationDue();
    world.inject("s", [{ operation: "rotate", kind: "status", status: 429 }]);
    world.takeCalls("s");
    const started = world.clock.now();
    const up = await run(stack.up());
    expect(up.errors).toEqual([]);
    expect(world.clock.now() - started).toBeLessThan(WINDOW_MS);
    expect(world.takeCalls("s")["rotate"]).toBe(2);
    expect(statusOf(stack, "t")).toBe("current");
    expect(control.authenticate(outputsOf(stack, "t")["value"] as string)).toBe(
      stack.state.get("t")?.id,
    );
  });

  it("on a token deleted outside the stack says it is gone and what to do, and is not tried again", async () => {
    const { world, stack, run, control } = await rotationDue();
    const id = stack.state.get("t")?.id ?? "";
    control.deleteToken(id);
    world.takeCalls("s");
    const up = await run(stack.up());
    expect(up.errors.join()).toMatch(
      new RegExp(
        `Panther token ${id} no longer exists \\(deleted outside this stack\\)\\. Run pulumi refresh`,
      ),
    );
    // One rotation answered 404, and one read that proves the 404 (the deployer's own token answers).
    expect(world.takeCalls("s")).toEqual({ rotate: 1, get: 1 });
    expect(control.listTokens().map((t) => t.name)).toEqual(["emulator-admin", "deployer"]);
  });
});
