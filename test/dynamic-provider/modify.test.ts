/**
 * Updates whose answer was lost (`modify.ts`): nothing more is sent to the token until the
 * late-landing window has passed, so a late landing never undoes a later change. Rotations
 * whose answer was lost: rotateReliably.test.ts.
 */
import { setup, token } from "./setup";

const WINDOW_MS = 60_000;

describe("an update whose answer was lost", () => {
  const start = { name: "ci", permissions: ["RuleModify", "RuleRead"], allowedCIDRBlocks: [] };
  const narrowed = { ...start, permissions: ["RuleRead"], allowedCIDRBlocks: ["203.0.113.0/24"] };

  it("that lands late: the window is waited out, a read proves it took effect, nothing is sent twice", async () => {
    const { world, stack, run, control } = setup();
    stack.program = [token("t", start)];
    await run(stack.up());
    stack.program = [token("t", narrowed)];
    world.inject("s", [
      { operation: "update", kind: "lateLanding", status: 504, applyAfterMs: 45_000 },
    ]);
    world.takeCalls("s");
    const started = world.clock.now();
    const up = await run(stack.up());
    expect(up.errors).toEqual([]);
    expect(world.clock.now() - started).toBeGreaterThanOrEqual(WINDOW_MS);
    expect(up.progress.join("\n")).toMatch(
      /nothing more is sent to this token until its 60 s window ends/,
    );
    expect(world.takeCalls("s")).toEqual({ update: 1, get: 1 });
    const id = stack.state.get("t")?.id ?? "";
    expect(control.getToken(id)).toMatchObject({
      permissions: ["RuleRead"],
      allowedCIDRBlocks: ["203.0.113.0/24"],
    });
  });

  it("that never lands: after the window it is sent again", async () => {
    const { world, stack, run, control } = setup();
    stack.program = [token("t", start)];
    await run(stack.up());
    stack.program = [token("t", narrowed)];
    world.inject("s", [{ operation: "update", kind: "status", status: 502 }]);
    world.takeCalls("s");
    const up = await run(stack.up());
    expect(up.errors).toEqual([]);
    expect(up.progress.join("\n")).toMatch(/did not take effect within 60 s; sending it again/);
    expect(world.takeCalls("s")).toEqual({ update: 2, get: 1 });
    expect(control.getToken(stack.state.get("t")?.id ?? "")?.permissions).toEqual(["RuleRead"]);
  });

  it("a narrowing that lands late cannot revert the change after it: the next up comes after the window", async () => {
    const { world, stack, run, control } = setup();
    stack.program = [token("t", start)];
    await run(stack.up());
    // The narrowing's answer is lost; it lands 45 s later.
    stack.program = [token("t", narrowed)];
    world.inject("s", [
      { operation: "update", kind: "lateLanding", answer: "hang", applyAfterMs: 45_000 },
    ]);
    await run(stack.up());
    // The next change, right after the up: the earlier request can no longer land on top of it.
    const widerAgain = { ...narrowed, allowedCIDRBlocks: ["198.51.100.0/24"] };
    stack.program = [token("t", widerAgain)];
    await run(stack.up());
    await world.clock.advance(10 * WINDOW_MS);
    expect(control.getToken(stack.state.get("t")?.id ?? "")?.allowedCIDRBlocks).toEqual([
      "198.51.100.0/24",
    ]);
    const preview = await run(stack.preview());
    expect(preview.steps).toEqual({ t: "same" });
  });
});
