/** Panther's time stamps, read once: a text that is no time is no time, never `NaN`. */

/** Milliseconds since the epoch of an ISO 8601 stamp; `undefined` for none or one that does not parse. */
export function timeOf(text: string | null | undefined): number | undefined {
  if (typeof text !== "string") return undefined;
  const t = Date.parse(text);
  return Number.isNaN(t) ? undefined : t;
}
