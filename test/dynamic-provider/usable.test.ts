/**
 * Waiting until a new value works (`usable.ts`, `waitUntilUsable: true`): probes of
 * `GET /api-tokens/self` with the new value until one gets any answer but 401, bounded by
 * `usableTimeoutSeconds`, on the emulator's propagation delay.
 */
import { outputsOf, setup, token } from "./setup";

describe("waitUntilUsable", () => {
  it("returns once the new value authenticates, after the propagation delay, probing with it", async () => {
    const { stack, run, control, world } = setup();
    // Values issued from now on (not the deployer's) start working 7 s after they are issued.
    control.setPropagationDelay(7_000);
    stack.program = [token("t", { name: "ci", permissions: ["RuleRead"], waitUntilUsable: true })];
    const started = world.clock.now();
    const up = await run(stack.up());
    expect(up.errors).toEqual([]);
    // Probes at 0, 1, 3 and 7 s (delays of 1, 2 and 4 s): the fourth is the first the value passes.
    expect(world.clock.now() - started).toBe(7_000);
    const value = outputsOf(stack, "t")["value"] as string;
    expect(control.authenticate(value)).toBe(stack.state.get("t")?.id);
    const probes = control
      .recentRequests()
      .filter((r) => r.url.endsWith("/api-tokens/self") && r.headers["x-api-key"] === value);
    expect(probes).toHaveLength(4);
  });

  it("without it, create returns at once with the value, even while it does not work yet", async () => {
    const { stack, run, control, world } = setup();
    control.setPropagationDelay(60_000);
    stack.program = [token("t", { name: "ci", permissions: ["RuleRead"] })];
    const started = world.clock.now();
    const up = await run(stack.up());
    expect(up.errors).toEqual([]);
    expect(world.clock.now() - started).toBeLessThan(1_000);
    const value = outputsOf(stack, "t")["value"] as string;
    expect(control.recentRequests().filter((r) => r.headers["x-api-key"] === value)).toEqual([]);
  });

  it("ends within its timeout and says what Panther answered; the value is kept", async () => {
    const { stack, run, control, world } = setup();
    control.setPropagationDelay(10 * 60_000);
    stack.program = [
      token("t", {
        name: "ci",
        permissions: ["RuleRead"],
        waitUntilUsable: true,
        usableTimeoutSeconds: 5,
      }),
    ];
    const started = world.clock.now();
    const up = await run(stack.up());
    expect(world.clock.now() - started).toBeLessThanOrEqual(5_100);
    expect(up.errors.join()).toMatch(
      /did not start working within 5 s \(Panther answered: 401 ×\d+\)/,
    );
    // The value is kept all the same: it is the only one that will ever work.
    expect(stack.state.get("t")?.outputs["value"]).toEqual(expect.any(String));
  });
});
