/**
 * The suite on the oldest Node the package supports (`engines.node`, Node 22), as `.ci/run` runs
 * it after the whole suite on Node 24: every test but the parts whose outcome does not depend on
 * the Node version running jest, which would double CI's time for nothing they can find there.
 *
 * - Of the real-engine suite (`test/e2e`), the quick start stays: a project directory run by the
 *   real CLI through the Node.js language host, the provider host and the SDK on this Node. The
 *   other e2e files run the same path with more commands (ownership, failures, import, policy,
 *   upgrade); on Node 24 they run in full.
 * - The compiler matrix (`test/package/consumer.test.ts`) is `tsc` type-checking a consumer
 *   project: TypeScript's answer is the same on any Node.
 *
 * The examples installed from the packed tarball and run as the language host runs them
 * (`test/examples/install.test.ts`) stay, as does everything in process.
 *
 * @type {import('jest').Config}
 */
module.exports = {
  ...require("./jest.config.js"),
  testPathIgnorePatterns: [
    "/node_modules/",
    "/test/e2e/(?!quickstart\\.test\\.ts$)",
    "/test/package/consumer\\.test\\.ts$",
  ],
};
