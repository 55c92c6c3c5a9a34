/**
 * The test harness: install a package as a user would (scratch.ts), run Pulumi programs with
 * mocks and record their registrations (program.ts), drive the SDK's dynamic-provider host over
 * gRPC (host.ts), and emulate the engine's deployments over it (engine.ts).
 *
 * @example
 * import { Engine, runProgram, scratchDirFromEnv, startHost } from "../support";
 *
 * const scratchDir = scratchDirFromEnv();
 * const host = await startHost({ scratchDir, env: { PANTHER_API_KEY: key } });
 * const engine = new Engine(host, { config: { "panther:url": url } });
 * const up = await engine.up(await runProgram({ scratchDir, program }));
 */
export * from "./engine";
export * from "./host";
export * from "./program";
export * from "./scratch";
