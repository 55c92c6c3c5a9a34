/**
 * Progress lines of the provider. They go to the provider host's stderr,
 * which the Pulumi CLI shows with the resource's output; they never carry a
 * key or a token value.
 */
export type Progress = (line: string) => void;

/** Writes `pulumi-panther: <line>` to stderr. */
export const stderrProgress: Progress = (line) => {
  process.stderr.write(`pulumi-panther: ${line}\n`);
};
