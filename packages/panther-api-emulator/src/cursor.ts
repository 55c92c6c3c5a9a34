/**
 * The opaque pagination cursor of `GET /api-tokens`: it encodes the creation
 * sequence number of the last token on the previous page, so deleting or
 * adding tokens between pages never repeats or skips a token that exists
 * throughout.
 */

const CURSOR_TEXT = /^after:([1-9][0-9]{0,15})$/;

/** Encodes "continue after sequence number `after`" as an opaque string. */
export function encodeCursor(after: number): string {
  return Buffer.from(`after:${after}`, "utf8").toString("base64url");
}

/** Decodes a cursor from {@link encodeCursor}; `undefined` if it is not one. */
export function decodeCursor(cursor: string): number | undefined {
  if (!/^[A-Za-z0-9_-]+$/.test(cursor)) return undefined;
  const match = CURSOR_TEXT.exec(Buffer.from(cursor, "base64url").toString("utf8"));
  const digits = match?.[1];
  return digits === undefined ? undefined : Number(digits);
}
