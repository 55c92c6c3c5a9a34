import { isPantherError } from "./base";
import { PantherRequestError, describeRequest } from "./request";
import type { RequestDescription } from "./request";

/**
 * Panther answered with a success status but the body was not what the API
 * promises (not JSON, truncated, or missing a field the provider depends on,
 * such as `id`, or `value` after create and rotate). The body itself is never
 * quoted: it may hold a token value. `applied` is `"yes"`: a 2xx means the
 * change happened, only its answer is lost.
 */
export class PantherResponseError extends PantherRequestError {
  /** HTTP status of the response. */
  readonly status: number;

  constructor(request: RequestDescription, status: number, problem: string) {
    super(
      "PANTHER_INVALID_RESPONSE",
      request,
      `Panther ${request.operation} returned an unexpected response: ${describeRequest(request)} ` +
        `answered ${status} with ${problem}. Check that panther:url points at Panther's API ` +
        `(the API URL shown in the Console), not the Console's web address or a proxy.`,
      { applied: "yes" },
    );
    this.name = "PantherResponseError";
    this.status = status;
  }
}

/**
 * Panther answered with a redirect. It is never followed: the API key must
 * not travel to another host. `applied` is `"no"`.
 */
export class PantherRedirectError extends PantherRequestError {
  /** HTTP status of the redirect (301, 302, 307, ...). */
  readonly status: number;

  /** `locationOrigin` must already be redacted (the client does it). */
  constructor(request: RequestDescription, status: number, locationOrigin: string | undefined) {
    super(
      "PANTHER_REDIRECT",
      request,
      `Panther ${request.operation} was answered with a redirect (${status}) from ${describeRequest(request)}` +
        `${locationOrigin ? ` to ${locationOrigin}` : ""}; redirects are never followed so the API key ` +
        `cannot travel to another host. Set panther:url to the API URL shown in the Panther Console.`,
      { applied: "no" },
    );
    this.name = "PantherRedirectError";
    this.status = status;
  }
}

/**
 * Whether `error` is a {@link PantherResponseError} (code
 * `PANTHER_INVALID_RESPONSE`), by code, so that it holds across copies of
 * this package.
 */
export function isPantherResponseError(error: unknown): error is PantherResponseError {
  return isPantherError(error, "PANTHER_INVALID_RESPONSE");
}
