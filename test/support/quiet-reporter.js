"use strict";
// Jest's default reporter (the verbose one when jest runs verbose), except that what a test
// file printed through `console` is shown only when that file failed: a passing run prints no
// console noise, and a failing file still shows everything it logged next to its failures.
// (When jest runs verbose, as it does for a single test file or with --verbose, console output
// is printed as it happens, not through reporters: a developer's focused run shows it all.)
//
//   reporters: [["<rootDir>/test/support/quiet-reporter.js", {}], ["summary", {}]]
const { DefaultReporter, VerboseReporter } = require("@jest/reporters");

/** True when the file's tests all passed (or were skipped) and it ran without an error. */
function passed(result) {
  return (
    result.numFailingTests === 0 && result.testExecError === undefined && !result.failureMessage
  );
}

function QuietReporter(globalConfig) {
  const Base = globalConfig.verbose ? VerboseReporter : DefaultReporter;
  const reporter = new Base(globalConfig);
  const printTestFileHeader = reporter.printTestFileHeader.bind(reporter);
  reporter.printTestFileHeader = (testPath, config, result) =>
    printTestFileHeader(
      testPath,
      config,
      passed(result) ? { ...result, console: undefined } : result,
    );
  return reporter;
}

module.exports = QuietReporter;
