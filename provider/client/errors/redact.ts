/** What a redacted secret is replaced with. */
const REDACTED = "[REDACTED]";

/** Secrets shorter than this are skipped: they would also match ordinary words. */
const MIN_SECRET_LENGTH = 8;

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
}

/**
 * Replaces every occurrence of the given secrets in `text` with `[REDACTED]`.
 *
 * Used on anything that leaves the client as an error: messages, Panther's
 * own error text, and the messages of underlying network errors. Matching
 * ignores case (a host name in a URL is lowercased). A secret cut short at
 * the very start or end of `text` (at least 8 of its characters) is redacted
 * too, as an upstream truncation leaves it. Secrets shorter than 8
 * characters are skipped, as they would also match ordinary words; Panther
 * keys are far longer.
 */
export function redact(text: string, secrets: readonly string[]): string {
  let out = text;
  for (const secret of secrets) {
    if (secret.length < MIN_SECRET_LENGTH) continue;
    const key = secret.toLowerCase();
    if (out.toLowerCase().includes(key)) {
      out = out.replace(new RegExp(escapeRegExp(secret), "gi"), REDACTED);
    }
    const lower = out.toLowerCase();
    // A piece of the key cut at an end of the text holds that end's 8 characters: only then look.
    if (out.length < MIN_SECRET_LENGTH) continue;
    const endCut = key.includes(lower.slice(-MIN_SECRET_LENGTH));
    const startCut = key.includes(lower.slice(0, MIN_SECRET_LENGTH));
    if (!endCut && !startCut) continue;
    for (let n = key.length - 1; endCut && n >= MIN_SECRET_LENGTH; n--) {
      if (lower.endsWith(key.slice(0, n))) {
        out = out.slice(0, out.length - n) + REDACTED;
        break;
      }
    }
    for (let n = key.length - 1; startCut && n >= MIN_SECRET_LENGTH; n--) {
      if (out.toLowerCase().startsWith(key.slice(key.length - n))) {
        out = REDACTED + out.slice(n);
        break;
      }
    }
  }
  return out;
}

/**
 * `text` redacted, then cut to at most `maxLength` characters (ending in
 * `…` when cut). Always in this order: cutting first could split a secret
 * so that the redaction no longer recognizes the part that is kept.
 */
export function redactAndCut(text: string, secrets: readonly string[], maxLength: number): string {
  const redacted = redact(text, secrets);
  if (redacted.length <= maxLength) return redacted;
  let end = maxLength - 1;
  // Never split a surrogate pair.
  const last = redacted.charCodeAt(end - 1);
  if (last >= 0xd800 && last <= 0xdbff) end--;
  return `${redacted.slice(0, end)}…`;
}
