/**
 * One stack over an in-process Panther on a virtual clock (the world of the
 * fault-sequence suite), for the lifecycle's decisions: cheap, exact, and
 * with time that can be moved.
 */
import type { EmulatorCoreOptions } from "pulumi-panther-emulator";
import { Stack, type Decl } from "../../tools/harness/inprocess-engine";
import { World } from "../../tools/harness/inprocess-world";

export function setup(
  options: { config?: Record<string, string>; emulator?: EmulatorCoreOptions } = {},
) {
  const world = new World(options.emulator);
  const deployer = world.core.control.createToken({
    name: "deployer",
    permissions: ["OrganizationAPITokenRead", "OrganizationAPITokenModify"],
  });
  const stack = new Stack(world.deps(), "s", deployer.value, options.config);
  const run = <T>(promise: Promise<T>) => world.clock.run(promise);
  return { world, stack, deployer, run, control: world.core.control };
}

export const token = (name: string, args: Record<string, unknown>): Decl => ({ name, args });

/** The outputs of resource `name` in `stack`'s state. */
export function outputsOf(stack: Stack, name: string): Record<string, unknown> {
  const resource = stack.state.get(name);
  if (resource === undefined) throw new Error(`${name} is not in state`);
  return resource.outputs;
}

export function statusOf(stack: Stack, name: string): string | undefined {
  return (outputsOf(stack, name)["valueState"] as { status?: string } | undefined)?.status;
}
