import { appliedForNetworkCode } from "./applied";
import { isPantherError } from "./base";
import { PantherRequestError, attemptsSuffix, describeRequest } from "./request";
import type { RequestDescription } from "./request";

/**
 * The request did not get an answer: connection refused or reset, DNS
 * failure, TLS failure, or a timeout (`code` is `PANTHER_TIMEOUT` then).
 * `cause` is a sanitized copy of the underlying error (name, code, message),
 * never the original object, which can reference sockets and requests.
 * `applied` is `"no"` when `causeCode` proves the request never left
 * (`NOT_SENT_NETWORK_CODES`), else `"maybe"`.
 */
export class PantherNetworkError extends PantherRequestError {
  /** The underlying error's code, e.g. `ECONNRESET`, `UND_ERR_HEADERS_TIMEOUT`. */
  readonly causeCode: string | undefined;

  /** `causeCode` and `causeMessage` must already be redacted (the client does it). */
  constructor(
    request: RequestDescription,
    timeout: boolean,
    causeCode: string | undefined,
    causeMessage: string,
  ) {
    const what = timeout ? "timed out" : "failed before Panther answered";
    const cause = new Error(causeMessage);
    cause.name = causeCode ?? "Error";
    super(
      timeout ? "PANTHER_TIMEOUT" : "PANTHER_NETWORK",
      request,
      `Panther ${request.operation} ${what}: ${describeRequest(request)}${attemptsSuffix(request)} ` +
        `(${causeCode ?? "error"}: ${causeMessage}). Check that panther:url (or PANTHER_API_URL) is the ` +
        `API URL shown in the Panther Console and that this machine can reach it.`,
      { cause, applied: appliedForNetworkCode(causeCode) },
    );
    this.name = "PantherNetworkError";
    this.causeCode = causeCode;
  }
}

/**
 * Whether `error` is a {@link PantherNetworkError} (codes `PANTHER_NETWORK`,
 * `PANTHER_TIMEOUT`), by code, so that it holds across copies of this package.
 */
export function isPantherNetworkError(error: unknown): error is PantherNetworkError {
  return isPantherError(error, "PANTHER_NETWORK", "PANTHER_TIMEOUT");
}
