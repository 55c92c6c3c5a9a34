/**
 * Updates whose answer was lost (`modify.ts`) and rotations whose answer was
 * lost (`rotateReliably.ts`): nothing more is sent to the token until the
 * late-landing window has passed, so a late landing never undoes a later
 * change or kills a later value.
 */
import { outputsOf, setup, statusOf, token } from "./setup";

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

describe("a rotation whose answer was lost", () => {
  it("is not rotated again until the window has passed, and the value stored is the last one", async () => {
    const { world, stack, run, control } = setup();
    stack.program = [token("t", { name: "ci", permissions: ["RuleRead"], rotationTrigger: "1" })];
    await run(stack.up());
    stack.program = [token("t", { name: "ci", permissions: ["RuleRead"], rotationTrigger: "2" })];
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
    const { world, stack, run, control } = setup({ emulator: { dateHeaderSkewMs: 5_000 } });
    stack.program = [token("t", { name: "ci", permissions: ["RuleRead"], rotationTrigger: "1" })];
    await run(stack.up());
    stack.program = [token("t", { name: "ci", permissions: ["RuleRead"], rotationTrigger: "2" })];
    world.inject("s", [{ operation: "rotate", kind: "dropAfterApply" }]);
    await run(stack.up());
    expect(control.authenticate(outputsOf(stack, "t")["value"] as string)).toBe(
      stack.state.get("t")?.id,
    );
    expect(statusOf(stack, "t")).toBe("current");
  });
});
