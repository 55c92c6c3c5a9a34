import { appliedForStatus } from "./applied";
import { isPantherError } from "./base";
import type { PantherErrorCode } from "./base";
import { PantherRequestError, attemptsSuffix, describeRequest } from "./request";
import type { RequestDescription } from "./request";

const STATUS_TEXT: Readonly<Record<number, string>> = {
  400: "Bad Request",
  401: "Unauthorized",
  403: "Forbidden",
  404: "Not Found",
  409: "Conflict",
  413: "Payload Too Large",
  429: "Too Many Requests",
  500: "Internal Server Error",
  502: "Bad Gateway",
  503: "Service Unavailable",
  504: "Gateway Timeout",
};

/** Codes of {@link PantherApiError}: one per kind of error status. */
const API_ERROR_CODES: readonly PantherErrorCode[] = [
  "PANTHER_BAD_REQUEST",
  "PANTHER_UNAUTHORIZED",
  "PANTHER_FORBIDDEN",
  "PANTHER_NOT_FOUND",
  "PANTHER_RATE_LIMITED",
  "PANTHER_SERVER_ERROR",
  "PANTHER_HTTP_ERROR",
];

/** The error code for an HTTP status. */
export function codeForStatus(status: number): PantherErrorCode {
  if (status === 400) return "PANTHER_BAD_REQUEST";
  if (status === 401) return "PANTHER_UNAUTHORIZED";
  if (status === 403) return "PANTHER_FORBIDDEN";
  if (status === 404) return "PANTHER_NOT_FOUND";
  if (status === 429) return "PANTHER_RATE_LIMITED";
  if (status >= 500) return "PANTHER_SERVER_ERROR";
  return "PANTHER_HTTP_ERROR";
}

function hintFor(status: number, operation: string): string {
  switch (status) {
    case 401:
      return (
        "The API key was not accepted. Check `panther:token` (pulumi config set --secret panther:token ...) " +
        "or PANTHER_API_TOKEN. A token that was just created or rotated can take 30 to 60 seconds to start working."
      );
    case 403:
      return operation === "get" || operation === "list"
        ? "The deployer's token needs the OrganizationAPITokenRead permission (Console: Read API Token Info), " +
            "and the caller's address must be inside that token's allowed CIDR blocks."
        : "The deployer's token needs the OrganizationAPITokenModify permission (Console: Manage API Tokens), " +
            "and the caller's address must be inside that token's allowed CIDR blocks.";
    case 404:
      return "No such token: it may have been deleted in the Panther Console.";
    case 429:
      return "Panther is rate limiting this client; retry later or lower the stack's parallelism (pulumi up --parallel).";
    default:
      return status >= 500
        ? "Panther had a server-side problem; retrying later usually helps."
        : "";
  }
}

/**
 * Panther answered with an error status. `status` and `code` tell the kind
 * (401, 403, 404, 429, 5xx are distinguishable by code), `pantherMessage` is
 * Panther's own text (from `message` or `error` in the body), when it sent one.
 * `applied` is `"no"` for a 4xx (Panther refused the call) and `"maybe"` for
 * a 5xx (a gateway may answer 5xx while the backend applies the call).
 */
export class PantherApiError extends PantherRequestError {
  /** HTTP status Panther answered with. */
  readonly status: number;
  /** Panther's own error text, when the body carried one (redacted, then cut to 500 characters). */
  readonly pantherMessage: string | undefined;
  /** Seconds from a `Retry-After` header, when Panther sent one. */
  readonly retryAfterSeconds: number | undefined;

  constructor(
    request: RequestDescription,
    status: number,
    pantherMessage: string | undefined,
    retryAfterSeconds?: number,
  ) {
    const statusText = STATUS_TEXT[status] ?? "HTTP error";
    const said = pantherMessage ? `: ${pantherMessage}` : "";
    const hint = hintFor(status, request.operation);
    super(
      codeForStatus(status),
      request,
      `Panther ${request.operation} failed: ${describeRequest(request)} returned ${status} ${statusText}` +
        `${attemptsSuffix(request)}${said}.${hint ? ` ${hint}` : ""}`,
      { applied: appliedForStatus(status) },
    );
    this.name = "PantherApiError";
    this.status = status;
    this.pantherMessage = pantherMessage;
    this.retryAfterSeconds = retryAfterSeconds;
  }
}

/**
 * Whether `error` is a {@link PantherApiError}, by code, so that it holds
 * across copies of this package.
 */
export function isPantherApiError(error: unknown): error is PantherApiError {
  return isPantherError(error, ...API_ERROR_CODES);
}
