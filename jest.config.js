/** @type {import('jest').Config} */
module.exports = {
  testEnvironment: "node",
  roots: ["<rootDir>/test"],
  testMatch: ["**/*.test.ts"],
  transform: {
    "^.+\\.ts$": ["ts-jest", { tsconfig: "tsconfig.json" }],
  },
  globalSetup: "<rootDir>/test/support/globalSetup.ts",
  // The lifecycle suites spawn provider hosts and an emulator per file; two
  // cores are what the CI machines have.
  maxWorkers: 2,
  testTimeout: 60000,
};
