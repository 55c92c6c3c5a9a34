/**
 * Lifecycle decisions in process, against the emulator's core on a virtual
 * clock (tools/harness/inprocess-world.ts) and the engine's step rules
 * (tools/harness/inprocess-engine.ts): cheap, exact, and with time that can
 * be moved. The same behaviours run through the real CLI in test/e2e.
 */
import { PantherClient } from "../../provider/client/client";
import { createProvider } from "../../provider/dynamic-provider";
import { Stack, type Decl } from "../../tools/harness/inprocess-engine";
import { World } from "../../tools/harness/inprocess-world";

const DAY = 24 * 60 * 60 * 1000;

function setup(options: { url?: string } = {}) {
  const world = new World();
  const deps = world.deps();
  const deployer = world.core.control.createToken({
    name: "deployer",
    permissions: ["OrganizationAPITokenRead", "OrganizationAPITokenModify"],
  });
  const config = options.url === undefined ? {} : { "panther:url": options.url };
  const stack = new Stack(deps, "s", deployer.value, config);
  const run = <T>(promise: Promise<T>) => world.clock.run(promise);
  return { world, stack, deployer, run, control: world.core.control };
}

const token = (name: string, args: Record<string, unknown>): Decl => ({ name, args });

describe("lifecycle decisions", () => {
  it("preview (check and diff) makes no call, whatever is due", async () => {
    const { world, stack, run } = setup();
    stack.program = [
      token("t", {
        name: "ci",
        permissions: ["RuleRead"],
        rotationTrigger: "a",
        rotateAfterDays: 1,
      }),
    ];
    await run(stack.up());
    world.takeCalls("s");
    await world.clock.advance(2 * DAY);
    stack.program = [
      token("t", {
        name: "renamed",
        permissions: ["RuleRead"],
        rotationTrigger: "b",
        rotateAfterDays: 1,
      }),
    ];
    const preview = await run(stack.preview());
    expect(preview.steps).toEqual({ t: "update" });
    expect(preview.progress.join("\n")).toMatch(
      /rotation due: rotationTrigger changed.*\n.*rotation due: rotateAfterDays is 1/,
    );
    expect(world.takeCalls("s")).toEqual({});
  });

  it("an adoption that would widen a restricted token is refused and changes nothing; saying so on purpose passes", async () => {
    const { stack, run, control } = setup();
    const made = control.createToken({
      name: "x",
      permissions: ["RuleRead"],
      allowedCIDRBlocks: ["203.0.113.0/24"],
    });
    stack.program = [
      token("t", { name: "x", permissions: ["RuleRead"], adoptTokenId: made.token.id }),
    ];
    const refused = await run(stack.up());
    expect(refused.errors.join()).toMatch(
      /may only be used from 203\.0\.113\.0\/24.*Nothing was changed/,
    );
    expect(control.getToken(made.token.id)?.allowedCIDRBlocks).toEqual(["203.0.113.0/24"]);
    expect(control.authenticate(made.value)).toBe(made.token.id);
    expect(stack.state.size).toBe(0);
    stack.program = [
      token("t", {
        name: "x",
        permissions: ["RuleRead"],
        adoptTokenId: made.token.id,
        allowWiderAccess: true,
      }),
    ];
    const adopted = await run(stack.up());
    expect(adopted.errors).toEqual([]);
    expect(control.getToken(made.token.id)?.allowedCIDRBlocks).toEqual([]);
  });

  it("an adoption that adds permissions says so", async () => {
    const { stack, run, control } = setup();
    const made = control.createToken({ name: "x", permissions: ["RuleRead"] });
    stack.program = [
      token("t", {
        name: "x",
        permissions: ["RuleRead", "RuleModify"],
        adoptTokenId: made.token.id,
      }),
    ];
    const up = await run(stack.up());
    expect(up.progress.join()).toMatch(/adopting it adds permissions RuleModify/);
  });

  it("the deployer's own token is never adopted or imported, by id or as self", async () => {
    const { stack, run, deployer } = setup();
    stack.program = [
      token("t", { name: "deployer", permissions: ["RuleRead"], adoptTokenId: deployer.token.id }),
    ];
    const up = await run(stack.up());
    expect(up.errors.join()).toMatch(/is the deployer's own token/);
    stack.program = [
      token("t", { name: "deployer", permissions: ["RuleRead"], adoptTokenId: "self" }),
    ];
    const preview = await run(stack.preview());
    expect(preview.errors.join()).toMatch(/self.{0,4} is the deployer's own token/);
  });

  it("an import (a read with no state, as engines that send inputs would run it) never takes the deployer's own token", async () => {
    const { world, deployer, control, run } = setup();
    const provider = createProvider({
      clock: world.clock,
      progress: () => undefined,
      env: {},
      connect: (o) =>
        new PantherClient({
          url: o.url,
          apiKey: o.apiKey,
          clock: o.clock ?? world.clock,
          dispatcher: world.transport("i") as never,
        }),
    });
    await provider.configure({
      config: {
        get: (key: string) =>
          ({ "panther:url": "https://panther.example", "panther:token": deployer.value })[key],
        require: () => "",
      },
    });
    const read = (id: string) => run(provider.read(id, {} as never));
    await expect(read("self")).rejects.toThrow(/import: token self is the deployer's own token/);
    await expect(read(deployer.token.id)).rejects.toThrow(/is the deployer's own token/);
    const made = control.createToken({ name: "legacy", permissions: ["RuleRead"] });
    const imported = await read(made.token.id);
    expect(imported.id).toBe(made.token.id);
    expect((imported.props as { valueState: { status: string } }).valueState.status).toBe("none");
    expect(imported.inputs).toEqual({
      name: "legacy",
      permissions: ["RuleRead"],
      allowedCIDRBlocks: [],
    });
  });

  it("rotateAfterDays rotates a token the stack holds no value for (adopted without rotation)", async () => {
    const { world, stack, run, control } = setup();
    const made = control.createToken({ name: "x", permissions: ["RuleRead"] });
    stack.program = [
      token("t", {
        name: "x",
        permissions: ["RuleRead"],
        adoptTokenId: made.token.id,
        rotateOnAdopt: false,
        rotateAfterDays: 90,
      }),
    ];
    await run(stack.up());
    expect(control.authenticate(made.value)).toBe(made.token.id);
    await world.clock.advance(100 * DAY);
    const up = await run(stack.up());
    expect(up.steps).toEqual({ t: "update" });
    const outputs = stack.state.get("t")?.outputs ?? {};
    expect((outputs["valueState"] as { status: string }).status).toBe("current");
    expect(control.authenticate(outputs["value"] as string)).toBe(made.token.id);
  });

  it("rotateOnAdopt switched on after an adoption without rotation rotates once", async () => {
    const { stack, run, control, world } = setup();
    const made = control.createToken({ name: "x", permissions: ["RuleRead"] });
    const args = { name: "x", permissions: ["RuleRead"], adoptTokenId: made.token.id };
    stack.program = [token("t", { ...args, rotateOnAdopt: false })];
    await run(stack.up());
    stack.program = [token("t", { ...args, rotateOnAdopt: true })];
    world.takeCalls("s");
    await run(stack.up());
    expect(world.takeCalls("s")["rotate"]).toBe(1);
    await run(stack.up());
    expect(world.takeCalls("s")["rotate"]).toBeUndefined();
  });

  it("the deployer's own token, rotated on purpose, is not rotated a second time after a lost answer", async () => {
    const { world, stack, run, control } = setup();
    // A token one stack made becomes the key another stack deploys with and manages.
    stack.program = [
      token("me", {
        name: "deployer",
        permissions: ["OrganizationAPITokenRead", "OrganizationAPITokenModify"],
        rotationTrigger: "a",
      }),
    ];
    await run(stack.up());
    world.takeCalls("s");
    const made = stack.state.get("me")?.outputs["value"] as string;
    const own = new Stack(world.deps(), "own", made);
    own.state.set("me", stack.state.get("me") as never);
    own.program = [
      token("me", {
        name: "deployer",
        permissions: ["OrganizationAPITokenRead", "OrganizationAPITokenModify"],
        rotationTrigger: "b",
        rotateDeployerToken: true,
      }),
    ];
    world.inject("own", [{ operation: "rotate", kind: "dropAfterApply" }]);
    const up = await run(own.up());
    expect(world.takeCalls("own")["rotate"]).toBe(1);
    expect(up.errors.join()).toMatch(/deployer's own token: it is not rotated again/);
    // The rotation took effect and its answer was lost: the old key is dead, as the error says it may be.
    expect(control.authenticate(made)).toBeUndefined();
    expect((own.state.get("me")?.outputs["valueState"] as { status: string }).status).toBe(
      "pending",
    );
  });

  it("a token near its expiresAt is warned about in preview, with no call and no change", async () => {
    const { world, stack, run } = setup();
    stack.program = [token("t", { name: "ci", permissions: ["RuleRead"] })];
    await run(stack.up());
    world.takeCalls("s");
    expect((await run(stack.preview())).progress.join()).not.toMatch(/expires at/);
    // Tokens made through the API do not expire; one made otherwise may (Panther reports expiresAt).
    const held = stack.state.get("t");
    if (held === undefined) throw new Error("no state for t");
    const expiresAt = new Date(world.clock.now() + 3 * DAY).toISOString();
    stack.state.set("t", { ...held, outputs: { ...held.outputs, expiresAt } });
    const preview = await run(stack.preview());
    expect(preview.steps).toEqual({ t: "same" });
    expect(preview.progress.join()).toMatch(
      new RegExp(
        `token ${held.id}: warning: the token expires at ${expiresAt}\\. Rotating does not move`,
      ),
    );
    expect(world.takeCalls("s")).toEqual({});
  });
});
