import { PantherError } from "./base";
import type { Applied, PantherErrorCode } from "./base";

/** What a failed request was: enough to name it in a message, nothing secret. */
export interface RequestDescription {
  /** Client operation, e.g. `create`, `get`, `rotate`. */
  readonly operation: string;
  /** HTTP method. */
  readonly method: string;
  /** Request path including any base path, e.g. `/v1/api-tokens/abc/rotate`. */
  readonly path: string;
  /** Origin the request was sent to, e.g. `https://api.acme.runpanther.net`. */
  readonly origin: string;
  /** How many attempts were made, retries included. */
  readonly attempts: number;
}

/**
 * Base of errors tied to one request: carries the operation, method and path
 * so a message can say which call failed.
 */
export class PantherRequestError extends PantherError {
  readonly operation: string;
  readonly method: string;
  readonly path: string;
  readonly origin: string;
  readonly attempts: number;

  constructor(
    code: PantherErrorCode,
    request: RequestDescription,
    message: string,
    options?: { readonly cause?: unknown; readonly applied?: Applied },
  ) {
    super(code, message, options);
    this.name = "PantherRequestError";
    this.operation = request.operation;
    this.method = request.method;
    this.path = request.path;
    this.origin = request.origin;
    this.attempts = request.attempts;
  }
}

/** `POST https://host/api-tokens` */
export function describeRequest(request: RequestDescription): string {
  return `${request.method} ${request.origin}${request.path}`;
}

/** ` after 3 attempts` when there were retries, else empty. */
export function attemptsSuffix(request: RequestDescription): string {
  return request.attempts > 1 ? ` after ${request.attempts} attempts` : "";
}
