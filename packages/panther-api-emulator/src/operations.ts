/**
 * The operations the emulator tells apart, used by counters, fault matching
 * and the request log. The six API operations map one to one onto Panther's
 * `/api-tokens` endpoints; `other` is every request that reaches no endpoint
 * (unknown path: 404, wrong method: 405).
 */

/**
 * The six REST operations of Panther's `/api-tokens` API:
 * `create` (`POST /api-tokens`), `list` (`GET /api-tokens`),
 * `get` (`GET /api-tokens/{id}`), `update` (`POST /api-tokens/{id}`),
 * `delete` (`DELETE /api-tokens/{id}`), `rotate` (`POST /api-tokens/{id}/rotate`).
 */
export const API_OPERATIONS = ["create", "list", "get", "update", "delete", "rotate"] as const;

/** One of {@link API_OPERATIONS}. */
export type ApiOperation = (typeof API_OPERATIONS)[number];

/** Every operation a request can be counted under: the six API operations, plus `other`. */
export const REQUEST_OPERATIONS = [...API_OPERATIONS, "other"] as const;

/**
 * One of {@link REQUEST_OPERATIONS}: an API operation, or `other` for a request
 * that matched no endpoint (answered 404 or 405).
 */
export type RequestOperation = (typeof REQUEST_OPERATIONS)[number];

const REQUEST_OPERATION_SET: ReadonlySet<string> = new Set(REQUEST_OPERATIONS);

/** Whether `value` names one of {@link REQUEST_OPERATIONS}. */
export function isRequestOperation(value: unknown): value is RequestOperation {
  return typeof value === "string" && REQUEST_OPERATION_SET.has(value);
}
