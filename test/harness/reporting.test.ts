/**
 * What a test run prints: the quiet reporter shows a file's console output only when the file
 * failed, and the summary reporter with scripts/test-summary.js gives CI one closing line
 * `N passed, N failed[, N skipped]` over every run (one per Node version).
 */
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";

import { closingLine, sum } from "../../scripts/test-summary";
import { childEnv, exec, type ExecResult } from "../../tools/harness/exec";
import { REPO_ROOT } from "../../tools/harness/scratch";

const JEST = path.join(REPO_ROOT, "node_modules", "jest", "bin", "jest.js");
const SUMMARY_SCRIPT = path.join(REPO_ROOT, "scripts", "test-summary.js");

describe("test-summary", () => {
  const line = (passed: number, failed: number, skipped: number, suitesFailedToRun = 0): string =>
    JSON.stringify({ node: "v24.0.0", passed, failed, skipped, suitesFailedToRun });

  it("adds up every run, naming skipped tests only when there are some", () => {
    expect(closingLine(sum(`${line(700, 0, 0)}\n${line(698, 2, 0)}\n`))).toBe(
      "1398 passed, 2 failed",
    );
    expect(closingLine(sum(`${line(5, 0, 2)}\n${line(5, 1, 1)}\n`))).toBe(
      "10 passed, 1 failed, 3 skipped",
    );
  });

  it("counts a test file that failed to run as a failure, and no run at all as one", () => {
    expect(closingLine(sum(line(10, 0, 0, 2)))).toBe("10 passed, 2 failed");
    expect(closingLine(sum(""))).toBe("0 passed, 1 failed");
  });
});

describe("a jest run with the project's reporters", () => {
  let dir: string;

  beforeAll(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), "pulumi-panther-reporting-"));
    fs.writeFileSync(
      path.join(dir, "jest.config.json"),
      JSON.stringify({
        rootDir: dir,
        testEnvironment: "node",
        testMatch: ["**/*.test.js"],
        transform: {},
        reporters: [
          [path.join(REPO_ROOT, "test", "support", "quiet-reporter.js"), {}],
          ["summary", {}],
          [path.join(REPO_ROOT, "test", "support", "summary-reporter.js"), {}],
        ],
      }),
    );
    fs.writeFileSync(
      path.join(dir, "quiet.test.js"),
      [
        `it("passes, logging", () => { console.log("NOISE-FROM-A-PASSING-FILE"); });`,
        `it("passes", () => { expect(1).toBe(1); });`,
        `it.skip("is skipped", () => {});`,
      ].join("\n"),
    );
    fs.writeFileSync(
      path.join(dir, "loud.test.js"),
      [
        `it("fails, logging", () => { console.log("CLUE-FROM-A-FAILING-FILE"); expect(1).toBe(2); });`,
        `it("passes", () => {});`,
      ].join("\n"),
    );
  });

  afterAll(() => {
    fs.rmSync(dir, { recursive: true, force: true });
  });

  const jest = (summary: string, only: string): Promise<ExecResult> =>
    exec(process.execPath, [JEST, "--config", path.join(dir, "jest.config.json"), only], {
      cwd: dir,
      env: childEnv({ PULUMI_PANTHER_TEST_SUMMARY: summary, CI: "true" }),
      timeoutMs: 60_000,
    });

  it("prints a passing file's console output nowhere, a failing file's with its failure, and sums the runs", async () => {
    const summary = path.join(dir, "summary.jsonl");

    const both = await jest(summary, "(quiet|loud)");
    // A second run, as CI makes one per Node version.
    const again = await jest(summary, "quiet");

    const printedByBoth = both.stdout + both.stderr;
    expect(both.exitCode).not.toBe(0);
    expect(printedByBoth).not.toContain("NOISE-FROM-A-PASSING-FILE");
    expect(printedByBoth).toContain("CLUE-FROM-A-FAILING-FILE");
    expect(printedByBoth).toContain("expect(received).toBe(expected)");
    expect(printedByBoth).toMatch(/Tests:\s+1 failed, 1 skipped, 3 passed, 5 total/);
    expect(again.exitCode).toBe(0);

    const printed = await exec(process.execPath, [SUMMARY_SCRIPT, summary], {
      cwd: dir,
      env: childEnv(),
      timeoutMs: 30_000,
    });
    expect(printed.stdout).toBe("5 passed, 1 failed, 2 skipped\n");
    expect(printed.exitCode).toBe(0);
  }, 120_000);

  it("counts a file that cannot run as a failure", async () => {
    const summary = path.join(dir, "broken.jsonl");
    fs.writeFileSync(path.join(dir, "broken.test.js"), `it("never runs", () => {`);
    try {
      const r = await jest(summary, "broken");
      expect(r.exitCode).not.toBe(0);
    } finally {
      fs.rmSync(path.join(dir, "broken.test.js"));
    }
    const printed = await exec(process.execPath, [SUMMARY_SCRIPT, summary], {
      cwd: dir,
      env: childEnv(),
      timeoutMs: 30_000,
    });
    expect(printed.stdout).toBe("0 passed, 1 failed\n");
  }, 120_000);
});
