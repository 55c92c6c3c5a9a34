/** @type {import('jest').Config} */
module.exports = {
  testEnvironment: "node",
  // The provider's tests, and the emulator package's beside its sources.
  roots: ["<rootDir>/test", "<rootDir>/packages/panther-api-emulator/test"],
  // Tests import the emulator by its package name, from its sources (as tsconfig.json's paths do).
  moduleNameMapper: {
    "^pulumi-panther-emulator$": "<rootDir>/packages/panther-api-emulator/src/index.ts",
  },
  testMatch: ["**/*.test.ts"],
  transform: {
    "^.+\\.ts$": ["ts-jest", { tsconfig: "tsconfig.json" }],
  },
  globalSetup: "<rootDir>/test/support/globalSetup.ts",
  // Console output of a test file shows only when it fails; a passing run prints no noise.
  // PULUMI_PANTHER_TEST_SUMMARY=<file> also records the run's counts (scripts/test-summary.js).
  reporters: [
    ["<rootDir>/test/support/quiet-reporter.js", {}],
    ["summary", {}],
    ["<rootDir>/test/support/summary-reporter.js", {}],
  ],
  // Two cores are what the CI machines have; the real-engine files each run the
  // Pulumi CLI and its language host as child processes, against an emulator in the worker.
  maxWorkers: 2,
  testTimeout: 60000,
};
