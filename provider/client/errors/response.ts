import { PantherRequestError, describeRequest, type RequestDescription } from "./request";

/**
 * Panther answered with a success status but the body was not what the API
 * promises (not JSON, truncated, or missing a field the provider depends on,
 * such as `id`, or `value` after create and rotate). The body itself is never
 * quoted: it may hold a token value.
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
    );
    this.name = "PantherResponseError";
    this.status = status;
  }
}

/**
 * Panther answered with a redirect. It is never followed: the API key must
 * not travel to another host.
 */
export class PantherRedirectError extends PantherRequestError {
  readonly status: number;

  constructor(request: RequestDescription, status: number, locationOrigin: string | undefined) {
    super(
      "PANTHER_REDIRECT",
      request,
      `Panther ${request.operation} was answered with a redirect (${status}) from ${describeRequest(request)}` +
        `${locationOrigin ? ` to ${locationOrigin}` : ""}; redirects are never followed so the API key ` +
        `cannot travel to another host. Set panther:url to the API URL shown in the Panther Console.`,
    );
    this.name = "PantherRedirectError";
    this.status = status;
  }
}
