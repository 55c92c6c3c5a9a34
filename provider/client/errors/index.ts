export { PantherError, isPantherError } from "./base";
export type { Applied, PantherErrorCode } from "./base";
export { PantherRequestError } from "./request";
export type { RequestDescription } from "./request";
export { PantherApiError, codeForStatus, isPantherApiError } from "./api";
export { PantherNetworkError, isPantherNetworkError } from "./network";
export { PantherResponseError, PantherRedirectError, isPantherResponseError } from "./response";
export { PantherConfigError } from "./config";
export { redact } from "./redact";
