/**
 * What the script says and how it fails: every line goes to stderr (stdout carries only the
 * final path), and a {@link CliError} is a failure whose message is the whole explanation.
 */
"use strict";

/** A failure to report as it is, without a stack: its message says what is missing and what to do. */
class CliError extends Error {}

/** One progress line on stderr. */
function log(line) {
  process.stderr.write(`pulumi-cli: ${line}\n`);
}

/** `12.3 s`. */
function seconds(ms) {
  return `${(ms / 1000).toFixed(1)} s`;
}

module.exports = { CliError, log, seconds };
