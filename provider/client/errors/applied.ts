import { NOT_SENT_NETWORK_CODES } from "../retry";
import type { Applied } from "./base";

/**
 * What an answer with `status` says about whether the call took effect: a
 * 2xx did; a redirect or a 4xx is a refusal; a 5xx (or anything stranger)
 * may come from a gateway while the backend applies the call.
 */
export function appliedForStatus(status: number): Applied {
  if (status >= 200 && status < 300) return "yes";
  if (status >= 300 && status < 500) return "no";
  return "maybe";
}

/** Whether a request that failed with network error `code` may have reached Panther. */
export function appliedForNetworkCode(code: string | undefined): Applied {
  return code !== undefined && NOT_SENT_NETWORK_CODES.has(code) ? "no" : "maybe";
}
