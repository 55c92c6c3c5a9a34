"use strict";
// Jest reporter that appends one JSON line with the run's counts to the file named by
// PULUMI_PANTHER_TEST_SUMMARY (nothing when it is unset), for scripts/test-summary.js to add
// up across runs (CI runs `npm test` once per Node version):
//
//   {"node":"v24.1.0","passed":740,"failed":0,"skipped":2,"suitesFailedToRun":0}
//
// A test file that failed to run at all (a syntax error, a crash in beforeAll) has no failing
// test of its own: it is counted in suitesFailedToRun, which the summary counts as failures.
const fs = require("node:fs");

class SummaryReporter {
  onRunComplete(_contexts, results) {
    const file = process.env.PULUMI_PANTHER_TEST_SUMMARY;
    if (file === undefined || file === "") return;
    const suitesFailedToRun = results.testResults.filter(
      (r) => r.testExecError !== undefined || (r.failureMessage && r.numFailingTests === 0),
    ).length;
    const line = {
      node: process.version,
      passed: results.numPassedTests,
      failed: results.numFailedTests,
      skipped: results.numPendingTests + results.numTodoTests,
      suitesFailedToRun: suitesFailedToRun + (results.runExecError === undefined ? 0 : 1),
    };
    fs.appendFileSync(file, `${JSON.stringify(line)}\n`);
  }
}

module.exports = SummaryReporter;
