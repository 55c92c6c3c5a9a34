/**
 * Replaces every occurrence of the given secrets in `text` with `[REDACTED]`.
 *
 * Used on anything that leaves the client as an error: messages, Panther's
 * own error text, and the messages of underlying network errors. Secrets
 * shorter than 8 characters are skipped, as they would also match ordinary
 * words; Panther keys are far longer.
 */
export function redact(text: string, secrets: readonly string[]): string {
  let out = text;
  for (const secret of secrets) {
    if (secret.length >= 8 && out.includes(secret)) {
      out = out.split(secret).join("[REDACTED]");
    }
  }
  return out;
}
