/**
 * Printing: plain-text tables, and the list of targets with OK, MISS or NOT RUN next to each.
 * A missed target is reported, never turned into a failure: the benchmark exits non-zero only
 * when something errors.
 */

/** A table: a title, column headers and rows of cells, printed with aligned columns. */
export interface Table {
  readonly title: string;
  readonly headers: readonly string[];
  readonly rows: readonly (readonly string[])[];
  /** Lines printed under the table (how a figure was measured, caveats). */
  readonly notes?: readonly string[];
}

/** A figure with a target. */
export interface Target {
  /** What is measured, e.g. "lifecycle wall time, ours / floor". */
  readonly figure: string;
  /** The measured value, formatted. */
  readonly value: string;
  /** The target, formatted, e.g. "≤ 1.10×". */
  readonly target: string;
  /** Whether the measured value meets the target (false when it was not measured). */
  readonly ok: boolean;
  /** Set when the figure could not be measured at all (e.g. no Pulumi CLI): printed as NOT RUN. */
  readonly notRun?: true;
}

/** What one benchmark section produced. */
export interface SectionResult {
  /** Key of the section in the JSON results. */
  readonly key: string;
  /** Tables to print. */
  readonly tables: readonly Table[];
  /** Figures with targets. */
  readonly targets: readonly Target[];
  /** The raw figures, written to the JSON results. */
  readonly data: unknown;
}

/** `OK` or `MISS`. */
export function verdict(ok: boolean): string {
  return ok ? "OK" : "MISS";
}

/** Renders a table with columns padded to their widest cell. */
export function renderTable(table: Table): string {
  const widths = table.headers.map((h, i) =>
    Math.max(width(h), ...table.rows.map((r) => width(r[i] ?? ""))),
  );
  const line = (cells: readonly string[]): string =>
    cells
      .map((c, i) => c + " ".repeat(Math.max(0, (widths[i] ?? 0) - width(c))))
      .join("  ")
      .trimEnd();
  const out = [
    `== ${table.title}`,
    line(table.headers),
    line(widths.map((w) => "-".repeat(w))),
    ...table.rows.map(line),
  ];
  for (const note of table.notes ?? []) out.push(`   ${note}`);
  return out.join("\n");
}

/** The summary table of every target. */
export function targetsTable(targets: readonly Target[]): Table {
  return {
    title: "Targets",
    headers: ["figure", "measured", "target", ""],
    rows: targets.map((t) => [
      t.figure,
      t.value,
      t.target,
      t.notRun === true ? "NOT RUN" : verdict(t.ok),
    ]),
  };
}

/** Display width of a cell: code points, so that `×` and `≤` count as one column. */
function width(text: string): number {
  return Array.from(text).length;
}
