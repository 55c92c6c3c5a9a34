/**
 * The harness behind the tests, the demo and the benchmark: install a package as a user would
 * (scratch.ts), run Pulumi programs with mocks and record their registrations (program.ts),
 * drive the SDK's dynamic-provider host over gRPC (host.ts; its wire types in host-wire.ts, its
 * process in host-process.ts), run hermetic projects through
 * the real Pulumi CLI (project.ts), and find that CLI outside jest (pulumi-cli.ts). The
 * in-process engine and world (inprocess-engine.ts, inprocess-world.ts) drive the provider
 * without the CLI, on a virtual clock; every switch is listed in env.ts.
 */
export * from "./env";
export * from "./host";
export * from "./program";
export * from "./project";
export * from "./pulumi-cli";
export * from "./scratch";
