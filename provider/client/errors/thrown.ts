/** Any thrown value, as an error or a message: what `catch` hands over need not be an `Error`. */

/** The message of any thrown value. */
export function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/** Any thrown value as an `Error`: itself if it is one, else one carrying its text. */
export function toError(error: unknown): Error {
  return error instanceof Error ? error : new Error(String(error));
}
