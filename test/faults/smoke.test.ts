import { Stack } from "./engine";
import { World } from "./world";

function deployer(world: World, name: string): string {
  return world.core.control.createToken({
    name,
    permissions: ["OrganizationAPITokenRead", "OrganizationAPITokenModify"],
  }).value;
}

describe("smoke", () => {
  it("create, preview, rotate, lost create", async () => {
    const world = new World({ propagationDelayMs: 0 });
    const stack = new Stack(world, "a", deployer(world, "deployer-a"));
    stack.program = [
      { name: "t1", args: { name: "ci", permissions: ["RuleRead"], rotationTrigger: "q1" } },
    ];
    const up = await world.clock.run(stack.up());
    console.log(up, world.takeCalls("a"));
    console.log(await world.clock.run(stack.preview()), world.takeCalls("a"));
    stack.program = [
      { name: "t1", args: { name: "ci", permissions: ["RuleRead"], rotationTrigger: "q2" } },
    ];
    console.log(await world.clock.run(stack.up()), world.takeCalls("a"));
    stack.program.push({ name: "t2", args: { name: "cd", permissions: ["RuleRead"] } });
    world.inject("a", [{ operation: "create", kind: "504", landAfterMs: 20_000 }]);
    console.log(await world.clock.run(stack.up()), world.takeCalls("a"), world.clock.now());
    console.log(JSON.stringify(stack.state.get("t2")?.outputs["valueState"]));
    console.log(await world.clock.run(stack.preview()));
  });
});
