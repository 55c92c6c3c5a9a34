/** Types of what `scripts/test-summary.js` exports for its unit tests. */

/** The counts of every recorded run, added up. */
export interface Totals {
  readonly runs: number;
  readonly passed: number;
  /** Failed tests plus test files that failed to run. */
  readonly failed: number;
  readonly skipped: number;
}

/** The counts of the JSON lines the summary reporter wrote, added up. */
export function sum(text: string): Totals;

/** `N passed, N failed` with `, N skipped` when some were; no run at all counts as a failure. */
export function closingLine(total: Totals): string;
