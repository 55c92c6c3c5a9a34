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
 * Whether the change a failed request asked for may have taken effect in
 * Panther. See {@link PantherError.applied}.
 */
export type Applied = "no" | "maybe" | "yes";

/**
 * Base of every error this package's client throws. Never carries the API
 * key or a token value, in its message, its properties or its `cause`.
 */
export class PantherError extends Error {
  /** Stable machine-readable code. */
  readonly code: PantherErrorCode;
  /**
   * Whether the request's change may have taken effect in Panther, so that a
   * caller knows whether it must look before it repeats a call that is not
   * idempotent (create, rotate):
   *
   * - `"no"`: it provably did not. The request never reached Panther
   *   (connection refused, connect timeout, DNS failure), or Panther refused
   *   it with a 4xx (400, 401, 403, 404, 409, 413, 429, ...) or a redirect,
   *   or the client refused it before sending (configuration).
   * - `"maybe"`: it was sent but no answer came (connection reset or closed,
   *   a headers or body timeout after sending), or Panther answered 5xx: a
   *   gateway may answer 500, 502, 503 or 504 while the backend applies the
   *   call, sometimes much later.
   * - `"yes"`: Panther answered 2xx, but the body could not be read (a
   *   {@link PantherResponseError}): the change happened, its answer is lost.
   *
   * For reads (get, list) it says the same about the request, which changes
   * nothing either way.
   */
  readonly applied: Applied;

  /**
   * `applied` defaults to `"maybe"`, the only safe assumption when nothing
   * is known; the subclasses set it from what they know.
   */
  constructor(
    code: PantherErrorCode,
    message: string,
    options?: { readonly cause?: unknown; readonly applied?: Applied },
  ) {
    super(message, options?.cause === undefined ? undefined : { cause: options.cause });
    this.code = code;
    this.applied = options?.applied ?? "maybe";
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
