#!/usr/bin/env node
/**
 * `node scripts/test-summary.js <file>`: prints one closing line summing every test run that
 * test/support/summary-reporter.js recorded in `<file>` (jest appends a line per run when
 * PULUMI_PANTHER_TEST_SUMMARY names the file):
 *
 *   1480 passed, 0 failed, 4 skipped
 *
 * (`, N skipped` only when some were.) A test file that failed to run counts as one failure,
 * and so does an empty or missing file (no run recorded). Exits 0; the runs' own exit codes
 * say whether they passed.
 */
"use strict";

const fs = require("node:fs");

/** The counts of the JSON lines in `text`, added up. */
function sum(text) {
  const total = { runs: 0, passed: 0, failed: 0, skipped: 0 };
  for (const line of text.split("\n")) {
    if (line.trim() === "") continue;
    const run = JSON.parse(line);
    total.runs += 1;
    total.passed += run.passed;
    total.failed += run.failed + run.suitesFailedToRun;
    total.skipped += run.skipped;
  }
  return total;
}

/** The closing line for `total`. */
function closingLine(total) {
  const failed = total.failed + (total.runs === 0 ? 1 : 0);
  const skipped = total.skipped > 0 ? `, ${String(total.skipped)} skipped` : "";
  return `${String(total.passed)} passed, ${String(failed)} failed${skipped}`;
}

module.exports = { sum, closingLine };

if (require.main === module) {
  const file = process.argv[2];
  if (file === undefined) {
    console.error("usage: node scripts/test-summary.js <file written by the summary reporter>");
    process.exit(2);
  }
  const text = fs.existsSync(file) ? fs.readFileSync(file, "utf8") : "";
  const total = sum(text);
  if (total.runs === 0) console.error(`test-summary: no test run was recorded in ${file}`);
  process.stdout.write(`${closingLine(total)}\n`);
}
