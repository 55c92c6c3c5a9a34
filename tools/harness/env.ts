/**
 * Every environment variable the tests, the harness, the demo, the bench and CI read or set,
 * under one prefix, `PULUMI_PANTHER_`. The TypeScript side imports its names from here; the
 * plain-JavaScript scripts that run before a build (`scripts/`, `test/support/*.js`,
 * `.ci/run`) spell theirs out, and `test/harness/env.test.ts` checks that every name in the
 * tree is one of these.
 */
export const ENV = {
  // What a person sets.
  /** `skip`: leave out the real-engine suite (test/e2e), loudly. CI never sets it. */
  e2e: "PULUMI_PANTHER_E2E",
  /** `1`: install only the harness's fixture packages, for the harness self-tests. */
  harnessOnly: "PULUMI_PANTHER_HARNESS_ONLY",
  /** `1`: globalSetup prints where the scratch projects are and how long they took. */
  setupVerbose: "PULUMI_PANTHER_SETUP_VERBOSE",
  /** A `pulumi` binary to use (its release's language host beside it), or `none` for no CLI. */
  cli: "PULUMI_PANTHER_CLI",
  /** scripts/pulumi-cli: the build cache (default `~/.cache/pulumi-panther/pulumi-cli`). */
  cliCache: "PULUMI_PANTHER_CLI_CACHE",
  /** scripts/pulumi-cli: the `pulumi` version to build (default: the installed SDK's). */
  cliVersion: "PULUMI_PANTHER_CLI_VERSION",
  /** scripts/pulumi-cli: `1` asks the Go proxy again for the versions it remembers for a week. */
  cliRefresh: "PULUMI_PANTHER_CLI_REFRESH",
  /** scripts/pulumi-cli: the free space (GB) a build needs, checked first. */
  cliMinFreeGb: "PULUMI_PANTHER_CLI_MIN_FREE_GB",
  /** scripts/pulumi-cli: the language host's source (default `../shared/pulumi-language-hosts/nodejs`). */
  languageHostSource: "PULUMI_PANTHER_LANGUAGE_HOST_SOURCE",
  /** test/faults: how many generated sequences to run. */
  faultRuns: "PULUMI_PANTHER_FAULT_RUNS",
  /** test/faults: the fast-check seed to replay. */
  faultSeed: "PULUMI_PANTHER_FAULT_SEED",
  /** test/faults: a file to write the run's report to. */
  faultReport: "PULUMI_PANTHER_FAULT_REPORT",
  /** A file every jest run adds its counts to (scripts/test-summary.js sums them; .ci/run sets it). */
  testSummary: "PULUMI_PANTHER_TEST_SUMMARY",
  /** .ci/run: where the Node binaries it provisions are kept. */
  nodeCache: "PULUMI_PANTHER_NODE_CACHE",

  // What globalSetup hands the test files.
  /** The scratch project: the packages under test, installed from their tarballs. */
  scratchDir: "PULUMI_PANTHER_SCRATCH_DIR",
  /** The install `Project.fromExample` projects run in (the package, the examples' additions). */
  examplesScratchDir: "PULUMI_PANTHER_EXAMPLES_SCRATCH_DIR",
  /** The directory of the real Pulumi CLI and its language host. */
  cliDir: "PULUMI_PANTHER_CLI_DIR",
  /** Why there is no CLI, when there is none: the real-engine suite fails with it. */
  cliError: "PULUMI_PANTHER_CLI_ERROR",

  // What test/support/run-as-pulumi.js reads, when a test runs a program as the language host does.
  /** The project's name (default `project`). */
  project: "PULUMI_PANTHER_PROJECT",
  /** A StackReference's outputs, as JSON. */
  stackOutputs: "PULUMI_PANTHER_STACK_OUTPUTS",
} as const;
