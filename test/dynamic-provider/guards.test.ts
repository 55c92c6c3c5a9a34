/**
 * The guards (`guards.ts`): the origin a token lives at, what a 404 may be
 * taken to mean, and the deployer's own token, recognised by the id Panther
 * answers with.
 */
import { Stack } from "../../tools/harness/inprocess-engine";
import { outputsOf, setup, statusOf, token } from "./setup";

const ci = { name: "ci", permissions: ["RuleRead"] };

describe("the origin a token lives at", () => {
  it("a run allowed to change the origin records the new one, so the flag is needed once", async () => {
    const { world, stack, run, deployer } = setup();
    stack.program = [token("t", ci)];
    await run(stack.up());
    expect(outputsOf(stack, "t")["apiOrigin"]).toBe("https://panther.example");
    const moved = new Stack(world.deps(), "s", deployer.value, {
      "panther:url": "https://panther.moved.example",
    });
    for (const [name, resource] of stack.state) moved.state.set(name, resource);
    moved.program = stack.program;
    const preview = await run(moved.preview());
    expect(preview.steps).toEqual({ t: "update" });
    expect(preview.progress.join()).toMatch(
      /recorded at https:\/\/panther\.example, but this run is configured for another/,
    );
    const refused = await run(moved.up());
    expect(refused.errors.join()).toMatch(
      /lives at https:\/\/panther\.example.*Nothing was changed.*for one run/,
    );
    const allowed = new Stack(world.deps(), "s", deployer.value, {
      "panther:url": "https://panther.moved.example",
      "panther:allowOriginChange": "true",
    });
    for (const [name, resource] of moved.state) allowed.state.set(name, resource);
    allowed.program = stack.program;
    const up = await run(allowed.up());
    expect(up.errors).toEqual([]);
    expect(outputsOf(allowed, "t")["apiOrigin"]).toBe("https://panther.moved.example");
    // Without the flag, from now on.
    for (const [name, resource] of allowed.state) moved.state.set(name, resource);
    const again = await run(moved.up());
    expect(again.errors).toEqual([]);
    expect(again.steps).toEqual({ t: "same" });
    const refresh = await run(moved.refresh());
    expect(refresh.errors).toEqual([]);
  });

  it("state without a recorded origin (written by 0.1.0): a 404 is not taken to mean gone, by refresh or destroy", async () => {
    const { stack, run, control, world, deployer } = setup();
    stack.program = [token("t", ci)];
    await run(stack.up());
    const resource = stack.state.get("t");
    if (resource === undefined) throw new Error("no state");
    const { apiOrigin: _dropped, ...legacy } = resource.outputs;
    stack.state.set("t", { ...resource, outputs: legacy });
    // Pointed at a Panther that does not hold the token.
    control.deleteToken(resource.id);
    const refresh = await run(stack.refresh());
    expect(refresh.errors.join()).toMatch(
      /has no token .* does not record which Panther the token was created in, so it is not taken to be deleted/,
    );
    expect(stack.state.has("t")).toBe(true);
    const destroy = await run(stack.destroy());
    expect(destroy.errors.join()).toMatch(/not taken to be deleted/);
    expect(stack.state.has("t")).toBe(true);
    // Saying the origin is right lets it go.
    const sure = new Stack(world.deps(), "s", deployer.value, {
      "panther:allowOriginChange": "true",
    });
    for (const [name, r] of stack.state) sure.state.set(name, r);
    const dropped = await run(sure.refresh());
    expect(dropped.errors).toEqual([]);
    expect(sure.state.has("t")).toBe(false);
  });

  it("state without a recorded origin gets one as soon as the token answers there", async () => {
    const { stack, run } = setup();
    stack.program = [token("t", ci)];
    await run(stack.up());
    const resource = stack.state.get("t");
    if (resource === undefined) throw new Error("no state");
    const { apiOrigin: _dropped, ...legacy } = resource.outputs;
    stack.state.set("t", { ...resource, outputs: legacy });
    await run(stack.refresh());
    expect(outputsOf(stack, "t")["apiOrigin"]).toBe("https://panther.example");
  });
});

describe("the deployer's own token", () => {
  it("is recognised by the id Panther answers with, whatever case the program writes it in", async () => {
    const { stack, run, deployer, control } = setup({
      emulator: { idMatching: "caseInsensitive" },
    });
    stack.program = [
      token("t", {
        name: "deployer",
        permissions: ["RuleRead"],
        adoptTokenId: deployer.token.id.toUpperCase(),
      }),
    ];
    const up = await run(stack.up());
    expect(up.errors.join()).toMatch(/is the deployer's own token/);
    expect(control.authenticate(deployer.value)).toBe(deployer.token.id);
    expect(stack.state.size).toBe(0);
  });

  it("another token adopted by an id in other case is tracked by the id Panther answers with", async () => {
    const { stack, run, control } = setup({ emulator: { idMatching: "caseInsensitive" } });
    const made = control.createToken({ name: "x", permissions: ["RuleRead"] });
    stack.program = [
      token("t", {
        name: "x",
        permissions: ["RuleRead"],
        adoptTokenId: made.token.id.toUpperCase(),
      }),
    ];
    const up = await run(stack.up());
    expect(up.errors).toEqual([]);
    expect(stack.state.get("t")?.id).toBe(made.token.id);
  });

  it("rotated on purpose, the run waits with the client to itself until the new key works, then goes on with it", async () => {
    const { world, stack, run, control } = setup();
    // A token this stack made becomes the key another stack deploys with and manages.
    const key = {
      name: "deployer",
      permissions: ["OrganizationAPITokenRead", "OrganizationAPITokenModify"],
    };
    stack.program = [token("me", { ...key, rotationTrigger: "a" })];
    await run(stack.up());
    const own = new Stack(world.deps(), "own", outputsOf(stack, "me")["value"] as string);
    own.state.set("me", stack.state.get("me") as never);
    own.program = [token("me", { ...key, rotationTrigger: "a" }), token("other", ci)];
    await run(own.up());
    own.program = [
      token("me", { ...key, rotationTrigger: "b", rotateDeployerToken: true }),
      token("other", { ...ci, permissions: ["RuleModify", "RuleRead"] }),
    ];
    // New values take 90 s to work; the other token's update is answered 502, so it reads the
    // token 60 s later: while the run waits for the new key, when the old key is already dead.
    control.setPropagationDelay(90_000);
    world.inject("own", [{ operation: "update", kind: "status", status: 502 }]);
    const up = await run(own.up());
    expect(up.errors).toEqual([]);
    expect(up.progress.join("\n")).toMatch(/waiting until its new key works/);
    expect(up.progress.join("\n")).toMatch(/new value works after 9\d\.\d s/);
    expect(statusOf(own, "me")).toBe("current");
    expect(control.getToken(own.state.get("other")?.id ?? "")?.permissions).toEqual([
      "RuleModify",
      "RuleRead",
    ]);
  });
});
