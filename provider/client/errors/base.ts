/**
 * Stable codes of {@link PantherError}. Match on `error.code` rather than
 * `instanceof`: class identity does not survive two copies of this package
 * (which Pulumi's closure serialization can produce), codes do.
 */
export type PantherErrorCode =
  | "PANTHER_CONFIG"
  | "PANTHER_BAD_REQUEST"
  | "PANTHER_UNAUTHORIZED"
  | "PANTHER_FORBIDDEN"
  | "PANTHER_NOT_FOUND"
  | "PANTHER_RATE_LIMITED"
  | "PANTHER_SERVER_ERROR"
  | "PANTHER_HTTP_ERROR"
  | "PANTHER_REDIRECT"
  | "PANTHER_TIMEOUT"
  | "PANTHER_NETWORK"
  | "PANTHER_INVALID_RESPONSE";

/**
 * Base of every error this package's client throws. Never carries the API
 * key or a token value, in its message, its properties or its `cause`.
 */
export class PantherError extends Error {
  /** Stable machine-readable code. */
  readonly code: PantherErrorCode;

  constructor(code: PantherErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.code = code;
    this.name = "PantherError";
  }
}

/** Whether `error` is a {@link PantherError}, optionally of one of the given codes. */
export function isPantherError(
  error: unknown,
  ...codes: PantherErrorCode[]
): error is PantherError {
  if (typeof error !== "object" || error === null) return false;
  const code = (error as { code?: unknown }).code;
  if (typeof code !== "string" || !code.startsWith("PANTHER_")) return false;
  return codes.length === 0 || codes.includes(code as PantherErrorCode);
}
