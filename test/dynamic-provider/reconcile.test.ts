/**
 * Creates that leave their own mark, and lost answers reconciled by it
 * (`reconcile.ts`, `mark.ts`), with the calls each costs.
 */
import { isLocked } from "../../provider/dynamic-provider/mark";
import { Stack } from "../../tools/harness/inprocess-engine";
import { LOST_CREATE_WATCH_MS } from "../../provider/dynamic-provider/reconcile";
import { outputsOf, setup, statusOf, token } from "./setup";

const WINDOW_MS = 60_000;
const ci = { name: "ci", permissions: ["RuleRead"], allowedCIDRBlocks: ["203.0.113.0/24"] };

describe("a create is born locked and finished by one update", () => {
  it("costs one create and one update; the token ends with its declared fields and a working value", async () => {
    const { world, stack, run, control } = setup();
    stack.program = [token("t", ci)];
    const up = await run(stack.up());
    expect(up.errors).toEqual([]);
    expect(world.takeCalls("s")).toEqual({ create: 1, update: 1 });
    const id = stack.state.get("t")?.id ?? "";
    const live = control.getToken(id);
    expect(live).toMatchObject({ name: "ci", allowedCIDRBlocks: ["203.0.113.0/24"] });
    expect(isLocked(live?.allowedCIDRBlocks)).toBe(false);
    expect(control.authenticate(outputsOf(stack, "t")["value"] as string)).toBe(id);
  });

  it("the create itself carries only the mark, so the token cannot be used before it is finished", async () => {
    const { world, stack, run, control } = setup();
    // Answer the create, then fail every attempt of the update that would finish it.
    world.inject("s", [
      { operation: "update", kind: "status", status: 502 },
      { operation: "update", kind: "status", status: 502 },
      { operation: "update", kind: "status", status: 502 },
    ]);
    stack.program = [token("t", { ...ci, allowedCIDRBlocks: [] })];
    const up = await run(stack.up());
    expect(up.errors.join()).toMatch(
      /was created, but giving it its declared name, permissions and CIDR blocks failed.*still locked/,
    );
    const id = stack.state.get("t")?.id ?? "";
    expect(isLocked(control.getToken(id)?.allowedCIDRBlocks)).toBe(true);
    // Kept in state with its value: the next up finishes it.
    expect(statusOf(stack, "t")).toBe("current");
    world.clearFaults("s");
    world.takeCalls("s");
    const next = await run(stack.up());
    expect(next.errors).toEqual([]);
    expect(next.steps).toEqual({ t: "update" });
    expect(world.takeCalls("s")).toEqual({ update: 1 });
    expect(control.getToken(id)?.allowedCIDRBlocks).toEqual([]);
  });
});

describe("a lost create answer is reconciled by the mark alone", () => {
  it("an answer lost after the create applied: found by its mark, rotated for a value, finished", async () => {
    const { world, stack, run, control } = setup();
    world.inject("s", [{ operation: "create", kind: "dropAfterApply" }]);
    stack.program = [token("t", ci)];
    const up = await run(stack.up());
    expect(up.errors).toEqual([]);
    expect(up.progress.join("\n")).toMatch(/looking for its mark 2001:db8:[0-9a-f:]+\/128/);
    expect(world.takeCalls("s")).toEqual({ create: 1, list: 1, rotate: 1, update: 1 });
    const id = stack.state.get("t")?.id ?? "";
    expect(control.listTokens().filter((t) => t.name === "ci")).toHaveLength(1);
    expect(control.authenticate(outputsOf(stack, "t")["value"] as string)).toBe(id);
    expect(control.getToken(id)?.allowedCIDRBlocks).toEqual(["203.0.113.0/24"]);
  });

  it("another token with the same name, permissions and blocks, made by the same key in the same seconds, is never taken", async () => {
    const { world, stack, run, control, deployer } = setup();
    // The same program in another stack with the same deployer key: its create lands first.
    const twin = new Stack(world.deps(), "twin", deployer.value);
    twin.program = [token("t", ci)];
    stack.program = [token("t", ci)];
    world.inject("s", [
      { operation: "create", kind: "lateLanding", status: 504, applyAfterMs: 15_000 },
    ]);
    const [mine, theirs] = await run(Promise.all([stack.up(), twin.up()]));
    expect(mine.errors).toEqual([]);
    expect(theirs.errors).toEqual([]);
    const myId = stack.state.get("t")?.id;
    const twinId = twin.state.get("t")?.id;
    expect(myId).not.toBe(twinId);
    expect(control.authenticate(outputsOf(twin, "t")["value"] as string)).toBe(twinId);
    expect(control.authenticate(outputsOf(stack, "t")["value"] as string)).toBe(myId);
    expect(
      control
        .listTokens()
        .filter((t) => t.name === "ci")
        .map((t) => t.id)
        .sort(),
    ).toEqual([myId, twinId].sort());
  });

  it("a create that did not take effect within the window is made again with a new mark; a late landing of the first is deleted by its mark", async () => {
    const { world, stack, run, control } = setup();
    // The first attempt lands 90 s after it left: later than the 60 s window.
    world.inject("s", [
      { operation: "create", kind: "lateLanding", status: 504, applyAfterMs: 90_000 },
    ]);
    stack.program = [token("t", ci)];
    const up = await run(stack.up());
    expect(up.errors).toEqual([]);
    expect(up.progress.join("\n")).toMatch(/did not take effect within 60 s; creating again/);
    const lost = outputsOf(stack, "t")["lostCreates"] as { mark: string }[];
    expect(lost).toHaveLength(1);
    await world.clock.advance(60_000);
    const late = control
      .listTokens()
      .filter((t) => t.allowedCIDRBlocks.includes(lost[0]?.mark ?? ""));
    expect(late).toHaveLength(1);
    const refresh = await run(stack.refresh());
    expect(refresh.progress.join("\n")).toMatch(/deleting .*it carries that create's mark/);
    expect(control.getToken(late[0]?.id ?? "")).toBeUndefined();
    expect(outputsOf(stack, "t")["lostCreates"]).toBeUndefined();
    expect(control.listTokens().filter((t) => t.name === "ci")).toHaveLength(1);
  });

  it("a lost create recorded without a mark (by an earlier release) is reported, never acted on", async () => {
    const { stack, run, control, world } = setup();
    stack.program = [token("t", ci)];
    await run(stack.up());
    // A matching token that an earlier release would have taken for a late landing.
    const other = control.createToken({ ...ci, user: "someone@example.com" });
    const resource = stack.state.get("t");
    if (resource === undefined) throw new Error("no state");
    stack.state.set("t", {
      ...resource,
      outputs: {
        ...resource.outputs,
        lostCreates: [
          {
            sentAt: new Date(world.clock.now() - 1000).toISOString(),
            watchUntil: new Date(world.clock.now() + LOST_CREATE_WATCH_MS).toISOString(),
          },
        ],
      },
    });
    world.takeCalls("s");
    const refresh = await run(stack.refresh());
    expect(refresh.errors).toEqual([]);
    expect(refresh.progress.join("\n")).toMatch(
      /cannot be proven\. Look in the Panther Console .* delete them, or adopt one with adoptTokenId.*Nothing was changed/,
    );
    expect(world.takeCalls("s")).toEqual({ get: 1 });
    expect(control.authenticate(other.value)).toBe(other.token.id);
  });

  it("two lost answers in a row end in an error naming both marks; nothing is tracked or taken", async () => {
    const { world, stack, run } = setup();
    world.inject("s", [
      { operation: "create", kind: "status", status: 502 },
      { operation: "create", kind: "status", status: 502 },
    ]);
    stack.program = [token("t", ci)];
    const started = world.clock.now();
    const up = await run(stack.up());
    expect(world.clock.now() - started).toBeGreaterThanOrEqual(2 * WINDOW_MS);
    const error = up.errors.join();
    expect(error.match(/2001:db8:[0-9a-f:]+\/128/g)).toHaveLength(2);
    expect(error).toMatch(/born locked: no request can come from that address/);
    expect(stack.state.size).toBe(0);
  });
});
