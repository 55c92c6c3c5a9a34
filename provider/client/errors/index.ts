export { PantherError, isPantherError, type PantherErrorCode } from "./base";
export { PantherRequestError, type RequestDescription } from "./request";
export { PantherApiError, codeForStatus } from "./api";
export { PantherNetworkError } from "./network";
export { PantherResponseError, PantherRedirectError } from "./response";
export { PantherConfigError } from "./config";
export { redact } from "./redact";
